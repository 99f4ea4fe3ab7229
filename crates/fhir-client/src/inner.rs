//! What a client is apart from its FHIR version type: [`Inner`], its settings, and all its
//! methods, in the crate's only impl block of it: the URLs built from the base URL, the request
//! of a search, sending (through [`request::send_unchecked`]) and the check of the server's FHIR
//! version. The generic [`Client`](crate::Client) holds an `Arc<Inner>`, so that this code is
//! compiled once, whatever the version.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use fhir_model::TypedResource;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use url::Url;

use crate::auth::Auth;
use crate::client::{FormatParam, PagingSettings};
use crate::error::RawError;
use crate::format::Format;
use crate::query::encode_query;
use crate::read::server_fhir_version;
use crate::request::{self, FORM, Request, Response};
use crate::retry::RetryPolicy;
use crate::search::SearchParams;
use crate::version::FhirVersion;

/// Everything of a client but its FHIR version type: the code that does not depend on the
/// version (sending, URLs, the version check) works on this, and is compiled once.
#[derive(Clone)]
pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    /// The base URL, its path ending in `/`, so that relative links resolve under it.
    pub(crate) base: Url,
    /// Shared by the clients [`Client::with_format`](crate::Client::with_format) makes, so that they share one token.
    pub(crate) auth: Arc<Auth>,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Option<Duration>,
    pub(crate) user_agent: HeaderValue,
    pub(crate) default_headers: HeaderMap,
    pub(crate) format_param: Option<FormatParam>,
    /// The format asked for and sent.
    pub(crate) format: Format,
    pub(crate) max_get_url_len: usize,
    pub(crate) max_redirects: u32,
    /// The largest response body read, in bytes, after decompression.
    pub(crate) max_body_bytes: u64,
    /// The limits and the cross-origin rule of paging.
    pub(crate) paging: PagingSettings,
    /// The client's FHIR version: its name (`R4`), version (`4.0.1`) and `major.minor`.
    pub(crate) fhir: VersionInfo,
    /// With [`ClientBuilder::verify_fhir_version`](crate::ClientBuilder::verify_fhir_version): the server's version once it was checked.
    pub(crate) version_check: Option<tokio::sync::OnceCell<String>>,
}

/// The constants of a [`FhirVersion`], for the code that is not generic over it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VersionInfo {
    pub(crate) name: &'static str,
    pub(crate) version: &'static str,
    pub(crate) major_minor: &'static str,
}

impl VersionInfo {
    pub(crate) fn of<V: FhirVersion>() -> VersionInfo {
        VersionInfo {
            name: V::NAME,
            version: V::VERSION,
            major_minor: V::MAJOR_MINOR,
        }
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<&str> = self.default_headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("fhir_version", &self.fhir.name)
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("default_headers", &headers)
            .field("format", &self.format)
            .field("format_param", &self.format_param)
            .field("max_get_url_len", &self.max_get_url_len)
            .field("verify_fhir_version", &self.version_check.is_some())
            .finish()
    }
}

impl Inner {
    /// The URL of `{base}/{segments...}?{query}`, each segment escaped, with `_format` when asked for.
    pub(crate) fn url(&self, segments: &[&str], query: &[(String, String)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.extend(segments);
        }
        let mut pairs: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if let Some(format) = &self.format_param {
            if !query.iter().any(|(k, _)| k == "_format") {
                pairs.push(("_format", format.as_str()));
            }
        }
        if pairs.is_empty() {
            url.set_query(None);
        } else {
            url.set_query(Some(&encode_query(&pairs)));
        }
        url
    }

    /// The request of a search: GET `{base}/{type}?params`, or a form POST to
    /// `{base}/{type}/_search` when asked for or when the GET URL would be too long.
    pub(crate) fn search_request(
        &self,
        resource_type: Option<&str>,
        params: &SearchParams,
    ) -> Request {
        let mut segments: Vec<&str> = resource_type.into_iter().collect();
        let get = self.url(&segments, params.pairs());
        if !params.is_post() && get.as_str().len() <= self.max_get_url_len {
            return Request::get(get);
        }
        segments.push("_search");
        Request::new(Method::POST, self.url(&segments, &[]))
            .body(params.to_form_body().into_bytes(), FORM)
            // A search changes nothing: sending it again is harmless.
            .idempotent(true)
    }

    /// Sends a request: retries, redirects and a token refresh included. A 2xx or 304 is a
    /// response, anything else an error. With
    /// [`verify_fhir_version`](crate::ClientBuilder::verify_fhir_version), the server's FHIR
    /// version is checked first, once.
    pub(crate) async fn send(&self, request: Request) -> Result<Response, RawError> {
        self.verified_fhir_version().await?;
        self.send_unchecked(request).await
    }

    /// Sends a request without the FHIR version check (see [`send`](Self::send)).
    pub(crate) async fn send_unchecked(&self, request: Request) -> Result<Response, RawError> {
        request::send_unchecked(self, request).await
    }

    /// Sends a GET and reads the body as `T`.
    pub(crate) async fn get_as<T: TypedResource>(&self, url: Url) -> Result<T, RawError> {
        self.send(Request::get(url)).await?.decode()
    }

    /// `GET {base}/metadata`. When the FHIR version is still to be checked, it is checked from
    /// this same answer rather than with a second request.
    pub(crate) async fn metadata(&self) -> Result<Response, RawError> {
        let response = self.send_unchecked(self.metadata_request()).await?;
        if let Some(check) = &self.version_check {
            check
                .get_or_try_init(|| async { self.fhir_version_of(&response) })
                .await?;
        }
        Ok(response)
    }

    fn metadata_request(&self) -> Request {
        Request::get(self.url(&["metadata"], &[]))
    }

    /// [`Client::check_fhir_version`](crate::Client::check_fhir_version); a success also settles
    /// the builder's lazy check.
    pub(crate) async fn check_fhir_version(&self) -> Result<String, RawError> {
        let response = self.send_unchecked(self.metadata_request()).await?;
        let version = self.fhir_version_of(&response)?;
        if let Some(check) = &self.version_check {
            // Already set (or being set by a request): that check stands.
            let _ = check.set(version.clone());
        }
        Ok(version)
    }

    /// The lazy check of [`ClientBuilder::verify_fhir_version`](crate::ClientBuilder::verify_fhir_version),
    /// before a request: one metadata request for all the requests that wait for it; after a
    /// failure, the next request checks again.
    pub(crate) async fn verified_fhir_version(&self) -> Result<(), RawError> {
        if let Some(check) = &self.version_check {
            check
                .get_or_try_init(|| async {
                    let response = self.send_unchecked(self.metadata_request()).await?;
                    self.fhir_version_of(&response)
                })
                .await?;
        }
        Ok(())
    }

    /// The server's FHIR version from its metadata, checked against the client's.
    fn fhir_version_of(&self, metadata: &Response) -> Result<String, RawError> {
        let server = server_fhir_version(metadata)?;
        if major_minor(&server) == self.fhir.major_minor {
            return Ok(server);
        }
        Err(RawError::fhir_version_mismatch(
            &metadata.method,
            &metadata.url,
            format!(
                "the server implements FHIR {server}, but the client uses the FHIR {} models ({})",
                self.fhir.name, self.fhir.version
            ),
        ))
    }
}

/// `major.minor` of a FHIR version (`4.0.1` → `4.0`, `5.0.0-ballot` → `5.0`, `4.0` → `4.0`).
pub(crate) fn major_minor(version: &str) -> String {
    let mut parts = version.trim().splitn(3, '.');
    let major = parts.next().unwrap_or_default();
    match parts.next() {
        Some(minor) => {
            let end = minor
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(minor.len());
            format!("{major}.{}", &minor[..end])
        }
        None => major.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::major_minor;
    #[cfg(feature = "r5")]
    use crate::version::R5;
    use crate::version::{FhirVersion, R4};
    use crate::{Client, FormatParam};

    #[test]
    fn urls_from_segments() {
        let c = Client::new("https://h.test/fhir").unwrap();
        assert_eq!(
            c.inner.url(&["Patient", "a/b"], &[]).as_str(),
            "https://h.test/fhir/Patient/a%2Fb"
        );
        assert_eq!(c.inner.url(&[], &[]).as_str(), "https://h.test/fhir");
        assert_eq!(
            c.inner.url(&["Patient", "1", "$everything"], &[]).as_str(),
            "https://h.test/fhir/Patient/1/$everything"
        );
        let c = Client::builder("https://h.test/")
            .format_param(FormatParam::Json)
            .build()
            .unwrap();
        assert_eq!(
            c.inner.url(&["metadata"], &[]).as_str(),
            "https://h.test/metadata?_format=json"
        );
    }

    #[test]
    fn major_minor_versions() {
        assert_eq!(major_minor("4.0.1"), "4.0");
        assert_eq!(major_minor("4.0"), "4.0");
        assert_eq!(major_minor(" 5.0.0-ballot "), "5.0");
        assert_eq!(major_minor("4.3.0"), "4.3");
        assert_eq!(major_minor("4"), "4");
        assert_eq!(major_minor(R4::VERSION), R4::MAJOR_MINOR);
        #[cfg(feature = "r5")]
        assert_eq!(major_minor(R5::VERSION), R5::MAJOR_MINOR);
    }
}
