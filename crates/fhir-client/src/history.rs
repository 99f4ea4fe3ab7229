//! History: of an instance, of a type, of the whole system.

use fhir_model::TypedResource;

use crate::client::Client;
use crate::error::Error;
use crate::paging::{Converter, Page};
use crate::path_segments::{check_id, check_resource_type};
use crate::request::Request;
use crate::version::FhirVersion;

/// The parameters of a history request: `_since`, `_at`, `_count`.
///
/// ```
/// let p = fhir_client::HistoryParams::new().since("2024-01-01T00:00:00Z").count(50);
/// assert_eq!(
///     p.pairs(),
///     &[
///         ("_since".to_string(), "2024-01-01T00:00:00Z".to_string()),
///         ("_count".to_string(), "50".to_string())
///     ]
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryParams {
    pairs: Vec<(String, String)>,
}

impl HistoryParams {
    /// No parameters: the whole history, as the server pages it.
    ///
    /// ```
    /// assert!(fhir_client::HistoryParams::new().pairs().is_empty());
    /// ```
    pub fn new() -> HistoryParams {
        HistoryParams::default()
    }

    fn set(mut self, name: &str, value: String) -> HistoryParams {
        self.pairs.retain(|(k, _)| k != name);
        self.pairs.push((name.to_owned(), value));
        self
    }

    /// `_since`: only versions created at or after this instant.
    ///
    /// ```
    /// let p = fhir_client::HistoryParams::new().since("2024-06-01T00:00:00Z");
    /// ```
    pub fn since(self, instant: &str) -> HistoryParams {
        self.set("_since", instant.to_owned())
    }

    /// `_at`: only the versions current at some point in this period.
    ///
    /// ```
    /// let p = fhir_client::HistoryParams::new().at("2024");
    /// ```
    pub fn at(self, date_time: &str) -> HistoryParams {
        self.set("_at", date_time.to_owned())
    }

    /// `_count`: the page size asked for.
    ///
    /// ```
    /// let p = fhir_client::HistoryParams::new().count(10);
    /// ```
    pub fn count(self, count: u32) -> HistoryParams {
        self.set("_count", count.to_string())
    }

    /// The (name, value) pairs.
    ///
    /// ```
    /// assert_eq!(fhir_client::HistoryParams::new().count(1).pairs().len(), 1);
    /// ```
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

impl<V: FhirVersion> Client<V> {
    /// The versions of one resource: `GET {base}/{Type}/{id}/_history`. Deletions, which have no
    /// resource, are in [`Page::other_entries`].
    ///
    /// ```no_run
    /// use fhir_client::HistoryParams;
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let versions = client.history::<fhir_model::r4::Patient>("123", HistoryParams::new()).await?;
    /// for v in &versions.matches {
    ///     println!("{:?}", v.meta.as_ref().and_then(|m| m.version_id.as_ref()));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn history<T: TypedResource>(
        &self,
        id: &str,
        params: HistoryParams,
    ) -> Result<Page<T, V>, Error<V>> {
        check_id(id)?;
        let url = self.inner.url(&[T::TYPE, id, "_history"], params.pairs());
        self.fetch_page(Request::get(url), Converter::typed()).await
    }

    /// The history of every resource of type `T`: `GET {base}/{Type}/_history`.
    ///
    /// ```no_run
    /// use fhir_client::HistoryParams;
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let page = client
    ///     .history_type::<fhir_model::r4::Patient>(HistoryParams::new().since("2024-01-01T00:00:00Z"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn history_type<T: TypedResource>(
        &self,
        params: HistoryParams,
    ) -> Result<Page<T, V>, Error<V>> {
        let url = self.inner.url(&[T::TYPE, "_history"], params.pairs());
        self.fetch_page(Request::get(url), Converter::typed()).await
    }

    /// The history of a resource or a type known only at run time:
    /// `GET {base}/{resource_type}/{id}/_history`, or `GET {base}/{resource_type}/_history`
    /// without an id.
    ///
    /// ```no_run
    /// use fhir_client::HistoryParams;
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let versions = client.history_any("Patient", Some("123"), HistoryParams::new()).await?;
    /// for v in &versions.matches {
    ///     println!("{:?}", v.version_id());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn history_any(
        &self,
        resource_type: &str,
        id: Option<&str>,
        params: HistoryParams,
    ) -> Result<Page<V::Resource, V>, Error<V>> {
        check_resource_type(resource_type)?;
        let url = match id {
            Some(id) => {
                check_id(id)?;
                self.inner
                    .url(&[resource_type, id, "_history"], params.pairs())
            }
            None => self.inner.url(&[resource_type, "_history"], params.pairs()),
        };
        self.fetch_page(Request::get(url), Converter::any()).await
    }

    /// The history of the whole server: `GET {base}/_history`.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let page = client.history_system(fhir_client::HistoryParams::new().count(10)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn history_system(
        &self,
        params: HistoryParams,
    ) -> Result<Page<V::Resource, V>, Error<V>> {
        let url = self.inner.url(&["_history"], params.pairs());
        self.fetch_page(Request::get(url), Converter::any()).await
    }
}
