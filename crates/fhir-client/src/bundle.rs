//! Batch and transaction: send a Bundle, get typed response entries with their status.

use reqwest::Method;

use crate::client::Client;
use crate::error::Error;
use crate::fhir::{
    Bundle, BundleEntry, BundleEntryRequest, HTTPVerb, OperationOutcome, Resource, entry_response,
    http_verb, new_bundle, set_bundle_type,
};
use crate::request::Request;
use crate::search::SearchParams;
use crate::write::{parse_etag, parse_location};

/// One entry of a batch-response or transaction-response.
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
pub struct EntryResponse {
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
    pub resource: Option<Resource>,
    /// `response.outcome`, when it is an OperationOutcome.
    pub outcome: Option<OperationOutcome>,
}

impl EntryResponse {
    /// Whether the status is 2xx.
    ///
    /// ```no_run
    /// # let mut e: fhir_client::EntryResponse = unimplemented!();
    /// if e.is_success() { /* ... */ }
    /// ```
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    fn from_entry(mut entry: BundleEntry) -> EntryResponse {
        let parts = entry_response(&mut entry);
        let status_line = parts
            .as_ref()
            .and_then(|p| p.status.clone())
            .unwrap_or_default();
        let status = status_line
            .split_whitespace()
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let (location, etag, last_modified, outcome) = match parts {
            Some(p) => (p.location, p.etag, p.last_modified, p.outcome),
            None => (None, None, None, None),
        };
        let loc = location.as_deref().map(parse_location).unwrap_or_default();
        let resource = entry.resource.take();
        let id = loc
            .id
            .or_else(|| resource.as_ref().and_then(|r| r.id().map(str::to_owned)));
        let version = loc
            .version
            .or_else(|| etag.as_deref().and_then(parse_etag))
            .or_else(|| {
                resource
                    .as_ref()
                    .and_then(|r| r.version_id().map(str::to_owned))
            });
        let outcome = match outcome {
            Some(Resource::OperationOutcome(o)) => Some(*o),
            _ => None,
        };
        EntryResponse {
            status,
            status_line,
            resource_type: loc.resource_type,
            location,
            id,
            version,
            etag,
            last_modified,
            full_url: entry.full_url.and_then(|u| u.value),
            resource,
            outcome,
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
pub struct BundleResponse {
    /// The response entries.
    pub entries: Vec<EntryResponse>,
    /// The response Bundle, its entries moved out into `entries`.
    pub bundle: Bundle,
}

impl From<Bundle> for BundleResponse {
    fn from(mut bundle: Bundle) -> BundleResponse {
        let entries = std::mem::take(&mut bundle.entry)
            .into_iter()
            .map(EntryResponse::from_entry)
            .collect();
        BundleResponse { entries, bundle }
    }
}

/// A batch or transaction Bundle, built entry by entry.
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
pub struct BundleBuilder {
    bundle: Bundle,
}

impl BundleBuilder {
    /// An empty transaction (all entries succeed or none do).
    ///
    /// ```
    /// let b = fhir_client::BundleBuilder::transaction().build();
    /// ```
    pub fn transaction() -> BundleBuilder {
        BundleBuilder {
            bundle: new_bundle(true),
        }
    }

    /// An empty batch (each entry on its own).
    ///
    /// ```
    /// let b = fhir_client::BundleBuilder::batch().build();
    /// ```
    pub fn batch() -> BundleBuilder {
        BundleBuilder {
            bundle: new_bundle(false),
        }
    }

    fn push(
        mut self,
        method: HTTPVerb,
        url: String,
        resource: Option<Resource>,
        full_url: Option<&str>,
        if_none_exist: Option<String>,
    ) -> BundleBuilder {
        let mut request = BundleEntryRequest::new(method, url);
        request.if_none_exist = if_none_exist.map(Into::into);
        self.bundle.entry.push(BundleEntry {
            full_url: full_url.map(Into::into),
            resource,
            request: Some(request),
            ..Default::default()
        });
        self
    }

    /// A create (`POST {Type}`).
    ///
    /// ```
    /// let b = fhir_client::BundleBuilder::batch().create(fhir_model::r4::Patient::default());
    /// ```
    pub fn create(self, resource: impl Into<Resource>) -> BundleBuilder {
        let resource = resource.into();
        let url = resource.resource_type().to_owned();
        self.push(http_verb("POST"), url, Some(resource), None, None)
    }

    /// A create with a `fullUrl` (`urn:uuid:...`) that other entries may reference.
    ///
    /// ```
    /// let b = fhir_client::BundleBuilder::transaction()
    ///     .create_with_full_url("urn:uuid:0b2f8f65-3a3c-4c1e-9d9a-1a2b3c4d5e6f", fhir_model::r4::Patient::default());
    /// ```
    pub fn create_with_full_url(
        self,
        full_url: &str,
        resource: impl Into<Resource>,
    ) -> BundleBuilder {
        let resource = resource.into();
        let url = resource.resource_type().to_owned();
        self.push(http_verb("POST"), url, Some(resource), Some(full_url), None)
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
        resource: impl Into<Resource>,
        criteria: SearchParams,
    ) -> BundleBuilder {
        let resource = resource.into();
        let url = resource.resource_type().to_owned();
        let query = criteria.to_query_string();
        self.push(http_verb("POST"), url, Some(resource), None, Some(query))
    }

    /// An update (`PUT {Type}/{id}`, the resource's own id).
    ///
    /// ```
    /// let mut p = fhir_model::r4::Patient::default();
    /// p.id = Some("p1".into());
    /// let b = fhir_client::BundleBuilder::transaction().update(p);
    /// ```
    pub fn update(self, resource: impl Into<Resource>) -> BundleBuilder {
        let resource = resource.into();
        let url = match resource.id() {
            Some(id) => format!("{}/{id}", resource.resource_type()),
            None => resource.resource_type().to_owned(),
        };
        self.push(http_verb("PUT"), url, Some(resource), None, None)
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
        resource: impl Into<Resource>,
        criteria: SearchParams,
    ) -> BundleBuilder {
        let resource = resource.into();
        let url = format!(
            "{}?{}",
            resource.resource_type(),
            criteria.to_query_string()
        );
        self.push(http_verb("PUT"), url, Some(resource), None, None)
    }

    /// A delete (`DELETE {Type}/{id}`).
    ///
    /// ```
    /// let b = fhir_client::BundleBuilder::batch().delete("Patient", "p1");
    /// ```
    pub fn delete(self, resource_type: &str, id: &str) -> BundleBuilder {
        self.push(
            http_verb("DELETE"),
            format!("{resource_type}/{id}"),
            None,
            None,
            None,
        )
    }

    /// A read or search (`GET {url}`, relative to the base).
    ///
    /// ```
    /// let b = fhir_client::BundleBuilder::batch().read("Patient?name=peter");
    /// ```
    pub fn read(self, url: &str) -> BundleBuilder {
        self.push(http_verb("GET"), url.to_owned(), None, None, None)
    }

    /// The Bundle.
    ///
    /// ```
    /// let bundle = fhir_client::BundleBuilder::batch().read("metadata").build();
    /// assert_eq!(bundle.entry.len(), 1);
    /// ```
    pub fn build(self) -> Bundle {
        self.bundle
    }
}

impl Client {
    async fn post_bundle(
        &self,
        mut bundle: Bundle,
        transaction: bool,
    ) -> Result<BundleResponse, Error> {
        set_bundle_type(&mut bundle, transaction);
        let request = Request::new(Method::POST, self.url(&[], &[]))
            .fhir_body(fhir_model::FhirJson::to_json_string(&bundle));
        let response: Bundle = self.send(request).await?.decode()?;
        Ok(BundleResponse::from(response))
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
    pub async fn batch(&self, bundle: Bundle) -> Result<BundleResponse, Error> {
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
    pub async fn transaction(&self, bundle: Bundle) -> Result<BundleResponse, Error> {
        self.post_bundle(bundle, true).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
