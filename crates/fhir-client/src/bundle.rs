//! Batch and transaction: send a Bundle, get typed response entries with their status.

use reqwest::Method;

use crate::client::Client;
use crate::error::Error;
use crate::format::Format;
use crate::headers::parse_etag;
use crate::json_body;
use crate::request::{self, Request};
use crate::search::SearchParams;
use crate::version::{FhirVersion, NewEntry, R4};
use crate::write::parse_location;

/// One entry of a batch-response or transaction-response (`EntryResponse` is
/// `EntryResponse<R4>`; `V` is the client's FHIR version).
///
/// ```no_run
/// # async fn run(client: fhir_client::Client, bundle: fhir_model::r4::Bundle) -> Result<(), fhir_client::Error> {
/// let response = client.batch(bundle).await?;
/// for entry in &response.entries {
///     if entry.is_success() {
///         println!("{} {:?}/{:?}", entry.status, entry.resource_type, entry.id);
///     } else if let Some(outcome) = &entry.outcome {
///         println!("{} with {} issues", entry.status, outcome.issue.len());
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EntryResponse<V: FhirVersion = R4> {
    /// The status code read from `response.status` (`"201 Created"` → 201), 0 if there is none.
    pub status: u16,
    /// `response.status` as the server wrote it.
    pub status_line: String,
    /// `response.location` as the server wrote it (often relative and versioned).
    pub location: Option<String>,
    /// The resource type named by the location.
    pub resource_type: Option<String>,
    /// The id named by the location, else the entry's resource's id.
    pub id: Option<String>,
    /// The version from the location, else the ETag, else the resource's `meta.versionId`.
    pub version: Option<String>,
    /// `response.etag`.
    pub etag: Option<String>,
    /// `response.lastModified`.
    pub last_modified: Option<String>,
    /// `entry.fullUrl`.
    pub full_url: Option<String>,
    /// The entry's resource, when the server returned one.
    pub resource: Option<V::Resource>,
    /// `response.outcome`, when it is an OperationOutcome.
    pub outcome: Option<V::OperationOutcome>,
}

impl<V: FhirVersion> EntryResponse<V> {
    /// Whether the status is 2xx.
    ///
    /// ```no_run
    /// # let mut e: fhir_client::EntryResponse = unimplemented!();
    /// if e.is_success() { /* ... */ }
    /// ```
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    fn from_entry(entry: V::BundleEntry) -> EntryResponse<V> {
        let parts = V::entry_response(entry);
        let status_line = parts.status.unwrap_or_default();
        let status = status_line
            .split_whitespace()
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let loc = parts
            .location
            .as_deref()
            .map(parse_location)
            .unwrap_or_default();
        let resource = parts.resource;
        let id = loc.id.or_else(|| {
            resource
                .as_ref()
                .and_then(|r| V::resource_id(r).map(str::to_owned))
        });
        let version = loc
            .version
            .or_else(|| parts.etag.as_deref().and_then(parse_etag))
            .or_else(|| {
                resource
                    .as_ref()
                    .and_then(|r| V::resource_version_id(r).map(str::to_owned))
            });
        EntryResponse {
            status,
            status_line,
            resource_type: loc.resource_type,
            location: parts.location,
            id,
            version,
            etag: parts.etag,
            last_modified: parts.last_modified,
            full_url: parts.full_url,
            resource,
            outcome: parts.outcome.and_then(|o| V::downcast(o).ok()),
        }
    }
}

/// The answer to a batch or transaction: one [`EntryResponse`] per entry sent, in order.
///
/// ```no_run
/// # async fn run(client: fhir_client::Client, bundle: fhir_model::r4::Bundle) -> Result<(), fhir_client::Error> {
/// let response = client.transaction(bundle).await?;
/// let ids: Vec<_> = response.entries.iter().map(|e| e.id.clone()).collect();
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BundleResponse<V: FhirVersion = R4> {
    /// The response entries.
    pub entries: Vec<EntryResponse<V>>,
    /// The response Bundle, its entries moved out into `entries`.
    pub bundle: V::Bundle,
}

impl<V: FhirVersion> BundleResponse<V> {
    /// The response of a Bundle (as `From<Bundle>` gives it, for each version's Bundle).
    pub(crate) fn from_bundle(mut bundle: V::Bundle) -> BundleResponse<V> {
        let entries = V::take_entries(&mut bundle)
            .into_iter()
            .map(EntryResponse::from_entry)
            .collect();
        BundleResponse { entries, bundle }
    }
}

/// A batch or transaction Bundle, built entry by entry.
///
/// `BundleBuilder` is `BundleBuilder<R4>` (from [`transaction`](BundleBuilder::transaction) and
/// [`batch`](BundleBuilder::batch)); the builder of another version comes from
/// [`new_transaction`](BundleBuilder::new_transaction) and [`new_batch`](BundleBuilder::new_batch),
/// e.g. `BundleBuilder::<R5>::new_transaction()`.
///
/// ```
/// use fhir_client::{BundleBuilder, SearchParams};
/// use fhir_model::r4::Patient;
///
/// let mut patient = Patient::default();
/// patient.id = Some("p1".into());
/// let bundle = BundleBuilder::transaction()
///     .create_with_full_url("urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a", Patient::default())
///     .update(patient)
///     .delete("Observation", "o1")
///     .conditional_create(Patient::default(), SearchParams::new().string("name", "x"))
///     .read("Patient/p1")
///     .build();
/// assert_eq!(bundle.entry.len(), 5);
/// ```
#[derive(Debug, Clone)]
pub struct BundleBuilder<V: FhirVersion = R4> {
    bundle: V::Bundle,
}

impl BundleBuilder {
    /// An empty R4 transaction (all entries succeed or none do).
    ///
    /// ```
    /// let b = fhir_client::BundleBuilder::transaction().build();
    /// ```
    pub fn transaction() -> BundleBuilder {
        BundleBuilder::new_transaction()
    }

    /// An empty R4 batch (each entry on its own).
    ///
    /// ```
    /// let b = fhir_client::BundleBuilder::batch().build();
    /// ```
    pub fn batch() -> BundleBuilder {
        BundleBuilder::new_batch()
    }
}

impl<V: FhirVersion> BundleBuilder<V> {
    /// An empty transaction of the version `V`.
    ///
    /// ```
    /// # #[cfg(feature = "r5")] {
    /// use fhir_client::{BundleBuilder, R5};
    ///
    /// let bundle = BundleBuilder::<R5>::new_transaction()
    ///     .create(fhir_model::r5::Patient::default())
    ///     .build();
    /// assert_eq!(bundle.entry.len(), 1);
    /// # }
    /// ```
    pub fn new_transaction() -> Self {
        BundleBuilder {
            bundle: V::new_bundle(true),
        }
    }

    /// An empty batch of the version `V`.
    ///
    /// ```
    /// let b = fhir_client::BundleBuilder::<fhir_client::R4>::new_batch().build();
    /// ```
    pub fn new_batch() -> Self {
        BundleBuilder {
            bundle: V::new_bundle(false),
        }
    }

    fn push(
        mut self,
        method: &'static str,
        url: String,
        resource: Option<V::Resource>,
        full_url: Option<&str>,
        if_none_exist: Option<String>,
    ) -> Self {
        V::push_entry(
            &mut self.bundle,
            NewEntry {
                method,
                url,
                resource,
                full_url: full_url.map(str::to_owned),
                if_none_exist,
            },
        );
        self
    }

    /// A create (`POST {Type}`).
    ///
    /// ```
    /// let b = fhir_client::BundleBuilder::batch().create(fhir_model::r4::Patient::default());
    /// ```
    pub fn create(self, resource: impl Into<V::Resource>) -> Self {
        let resource = resource.into();
        let url = V::resource_type(&resource).to_owned();
        self.push("POST", url, Some(resource), None, None)
    }

    /// A create with a `fullUrl` (`urn:uuid:...`) that other entries may reference.
    ///
    /// ```
    /// let b = fhir_client::BundleBuilder::transaction()
    ///     .create_with_full_url("urn:uuid:0b2f8f65-3a3c-4c1e-9d9a-1a2b3c4d5e6f", fhir_model::r4::Patient::default());
    /// ```
    pub fn create_with_full_url(self, full_url: &str, resource: impl Into<V::Resource>) -> Self {
        let resource = resource.into();
        let url = V::resource_type(&resource).to_owned();
        self.push("POST", url, Some(resource), Some(full_url), None)
    }

    /// A conditional create (`POST {Type}` with `ifNoneExist`).
    ///
    /// ```
    /// use fhir_client::SearchParams;
    /// let b = fhir_client::BundleBuilder::transaction()
    ///     .conditional_create(fhir_model::r4::Patient::default(), SearchParams::new().token("identifier", None, "42"));
    /// ```
    pub fn conditional_create(
        self,
        resource: impl Into<V::Resource>,
        criteria: SearchParams,
    ) -> Self {
        let resource = resource.into();
        let url = V::resource_type(&resource).to_owned();
        let query = criteria.to_query_string();
        self.push("POST", url, Some(resource), None, Some(query))
    }

    /// An update (`PUT {Type}/{id}`, the resource's own id).
    ///
    /// ```
    /// let mut p = fhir_model::r4::Patient::default();
    /// p.id = Some("p1".into());
    /// let b = fhir_client::BundleBuilder::transaction().update(p);
    /// ```
    pub fn update(self, resource: impl Into<V::Resource>) -> Self {
        let resource = resource.into();
        let url = match V::resource_id(&resource) {
            Some(id) => format!("{}/{id}", V::resource_type(&resource)),
            None => V::resource_type(&resource).to_owned(),
        };
        self.push("PUT", url, Some(resource), None, None)
    }

    /// A conditional update (`PUT {Type}?criteria`).
    ///
    /// ```
    /// use fhir_client::SearchParams;
    /// let b = fhir_client::BundleBuilder::transaction()
    ///     .conditional_update(fhir_model::r4::Patient::default(), SearchParams::new().token("identifier", None, "42"));
    /// ```
    pub fn conditional_update(
        self,
        resource: impl Into<V::Resource>,
        criteria: SearchParams,
    ) -> Self {
        let resource = resource.into();
        let url = format!(
            "{}?{}",
            V::resource_type(&resource),
            criteria.to_query_string()
        );
        self.push("PUT", url, Some(resource), None, None)
    }

    /// A delete (`DELETE {Type}/{id}`).
    ///
    /// ```
    /// let b = fhir_client::BundleBuilder::batch().delete("Patient", "p1");
    /// ```
    pub fn delete(self, resource_type: &str, id: &str) -> Self {
        self.push("DELETE", format!("{resource_type}/{id}"), None, None, None)
    }

    /// A read or search (`GET {url}`, relative to the base).
    ///
    /// ```
    /// let b = fhir_client::BundleBuilder::batch().read("Patient?name=peter");
    /// ```
    pub fn read(self, url: &str) -> Self {
        self.push("GET", url.to_owned(), None, None, None)
    }

    /// The Bundle.
    ///
    /// ```
    /// let bundle = fhir_client::BundleBuilder::batch().read("metadata").build();
    /// assert_eq!(bundle.entry.len(), 1);
    /// ```
    pub fn build(self) -> V::Bundle {
        self.bundle
    }
}

impl<V: FhirVersion> Client<V> {
    async fn post_bundle(
        &self,
        mut bundle: V::Bundle,
        transaction: bool,
    ) -> Result<BundleResponse<V>, Error<V>> {
        V::set_bundle_type(&mut bundle, transaction);
        let format = self.inner.format;
        let body = format.encode(&bundle);
        // The Bundle sent is not needed while the server works on it.
        drop(bundle);
        self.post_bundle_text(body, format).await
    }

    async fn post_bundle_text(
        &self,
        body: Vec<u8>,
        format: Format,
    ) -> Result<BundleResponse<V>, Error<V>> {
        let request = Request::new(Method::POST, self.inner.url(&[], &[])).fhir_body(body, format);
        let response: V::Bundle = request::send(&self.inner, request).await?.decode()?;
        Ok(BundleResponse::from_bundle(response))
    }

    /// Checks that `json` is a Bundle of type `kind` before it is sent as written.
    async fn post_bundle_json(
        &self,
        json: Vec<u8>,
        kind: &str,
    ) -> Result<BundleResponse<V>, Error<V>> {
        let top = json_body::scan(&json)?;
        if top.resource_type.as_deref() != Some("Bundle")
            || top.bundle_type.as_deref() != Some(kind)
        {
            return Err(Error::invalid_input(format!(
                "the JSON to send is {}, not a Bundle of type `{kind}`",
                match (&top.resource_type, &top.bundle_type) {
                    (Some(t), _) if t != "Bundle" => format!("a {t}"),
                    (Some(_), Some(found)) => format!("a Bundle of type `{found}`"),
                    (Some(_), None) => "a Bundle without a type".to_owned(),
                    (None, _) => "without a resourceType".to_owned(),
                }
            )));
        }
        self.post_bundle_text(json, Format::Json).await
    }

    /// Sends a batch from JSON the caller has already checked, as written without a second
    /// parse (`POST {base}`); otherwise as [`batch`](Self::batch). Only the top-level
    /// `resourceType` and `type` are read off the text: it must be a Bundle of type `batch`, or
    /// the call fails with [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) and
    /// nothing is sent.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let json = br#"{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Patient/1"}}]}"#;
    /// let response = client.batch_json(json.to_vec()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn batch_json(
        &self,
        json: impl Into<Vec<u8>>,
    ) -> Result<BundleResponse<V>, Error<V>> {
        self.post_bundle_json(json.into(), "batch").await
    }

    /// Sends a transaction from JSON the caller has already checked, as written without a
    /// second parse (`POST {base}`); otherwise as [`transaction`](Self::transaction). A large
    /// transaction takes many times its size once parsed: a caller can check the text, drop the
    /// model, and send the text. Only the top-level `resourceType` and `type` are read off it:
    /// it must be a Bundle of type `transaction`, or the call fails with
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) and nothing is sent.
    ///
    /// ```no_run
    /// use fhir_model::r4::Bundle;
    /// use fhir_model::{FhirJson, ParseOptions};
    /// # async fn run(client: fhir_client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let text = std::fs::read_to_string("transaction.json")?;
    /// // The check: a strict parse, its model dropped at once.
    /// drop(Bundle::from_json_str(&text, ParseOptions::strict())?);
    /// let response = client.transaction_json(text).await?;
    /// println!("{} entries answered", response.entries.len());
    /// # Ok(()) }
    /// ```
    pub async fn transaction_json(
        &self,
        json: impl Into<Vec<u8>>,
    ) -> Result<BundleResponse<V>, Error<V>> {
        self.post_bundle_json(json.into(), "transaction").await
    }

    /// Sends a batch (`POST {base}`, Bundle.type set to `batch`): each entry succeeds or fails
    /// on its own, with its own status. Never retried.
    ///
    /// ```no_run
    /// use fhir_client::BundleBuilder;
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let response = client
    ///     .batch(BundleBuilder::batch().read("Patient/1").read("Patient/2").build())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn batch(&self, bundle: V::Bundle) -> Result<BundleResponse<V>, Error<V>> {
        self.post_bundle(bundle, false).await
    }

    /// Sends a transaction (`POST {base}`, Bundle.type set to `transaction`): all entries succeed
    /// or the whole request fails (typically 400 with an OperationOutcome). Never retried.
    ///
    /// ```no_run
    /// use fhir_client::BundleBuilder;
    /// use fhir_model::r4::Patient;
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let response = client
    ///     .transaction(BundleBuilder::transaction().create(Patient::default()).build())
    ///     .await?;
    /// assert_eq!(response.entries[0].status, 201);
    /// # Ok(()) }
    /// ```
    pub async fn transaction(&self, bundle: V::Bundle) -> Result<BundleResponse<V>, Error<V>> {
        self.post_bundle(bundle, true).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_model::r4::Bundle;
    use fhir_model::{FhirJson, ParseOptions};

    #[test]
    fn response_entries() {
        let json = r#"{"resourceType":"Bundle","type":"transaction-response","entry":[
          {"response":{"status":"201 Created","location":"Patient/123/_history/1","etag":"W/\"1\"","lastModified":"2024-01-01T00:00:00Z"}},
          {"response":{"status":"200","etag":"W/\"4\""},"resource":{"resourceType":"Patient","id":"p2"}},
          {"response":{"status":"404 Not Found","outcome":{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}}}
        ]}"#;
        let bundle = Bundle::from_json_str(json, ParseOptions::lenient()).unwrap();
        let r = BundleResponse::from(bundle);
        let e = &r.entries;
        assert_eq!((e[0].status, e[0].is_success()), (201, true));
        assert_eq!(e[0].id.as_deref(), Some("123"));
        assert_eq!(e[0].version.as_deref(), Some("1"));
        assert_eq!(e[0].resource_type.as_deref(), Some("Patient"));
        assert_eq!(e[0].last_modified.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(e[1].id.as_deref(), Some("p2"));
        assert_eq!(e[1].version.as_deref(), Some("4"));
        assert_eq!((e[2].status, e[2].is_success()), (404, false));
        assert!(e[2].outcome.is_some());
    }
}
