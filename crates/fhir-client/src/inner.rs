//! What a client is apart from its FHIR version type: [`Inner`], the settings every request
//! needs, and the crate's only impl block of it, which sends nothing: the URLs built from the base
//! URL. Sending and the check of the server's FHIR version are functions of `request.rs` that take
//! an `&Inner`. The generic `Client` holds an `Arc<Inner>`, so that this code is compiled once,
//! whatever the version.
//!
//! A leaf of the settings: it imports the modules of its fields' types, never the modules that
//! send or the client itself.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use url::Url;

use crate::auth::Auth;
use crate::format::{Format, FormatParam};
use crate::query::encode_query;
use crate::retry::RetryPolicy;
use crate::version::FhirVersion;

/// Everything of a client but its FHIR version type: the code that does not depend on the
/// version (sending, URLs, the version check) works on this, and is compiled once.
#[derive(Clone)]
pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    /// The base URL, its path ending in `/`, so that relative links resolve under it.
    pub(crate) base: Url,
    /// Shared by the clients `Client::with_format` makes, so that they share one token.
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
    /// With `ClientBuilder::verify_fhir_version`: the server's version once it was checked.
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

/// A function told of each `next` link followed to another origin: (the base URL, the link).
pub type CrossOriginNotice = Arc<dyn Fn(&Url, &Url) + Send + Sync>;

/// How the page streams (`Pages`) follow `next` links.
#[derive(Clone)]
pub(crate) struct PagingSettings {
    pub(crate) max_pages: u64,
    pub(crate) max_empty_pages: u64,
    pub(crate) follow_cross_origin: bool,
    pub(crate) on_cross_origin: Option<CrossOriginNotice>,
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
}
