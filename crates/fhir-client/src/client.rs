//! The client and its builder.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::auth::{Auth, ProviderAuth, Secret, TokenProvider};
use crate::error::Error;
use crate::retry::RetryPolicy;
use crate::search::encode_query;

/// The `_format` parameter, sent on every request only when asked for: by default the client
/// negotiates with `Accept: application/fhir+json` alone, because some servers refuse `_format`
/// on some methods.
///
/// ```
/// use fhir_client::{Client, FormatParam};
///
/// // As in the guide: `GET {base}/metadata?_format=json`.
/// let client = Client::builder("https://r4.smarthealthit.org")
///     .format_param(FormatParam::Json)
///     .build()
///     .unwrap();
/// assert_eq!(FormatParam::Json.as_str(), "json");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatParam {
    /// `_format=json`
    Json,
    /// `_format=application/fhir+json`
    FhirJson,
    /// Any other value, sent as it is.
    Other(String),
}

impl FormatParam {
    /// The parameter's value.
    ///
    /// ```
    /// assert_eq!(fhir_client::FormatParam::FhirJson.as_str(), "application/fhir+json");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            FormatParam::Json => "json",
            FormatParam::FhirJson => "application/fhir+json",
            FormatParam::Other(s) => s,
        }
    }
}

/// A FHIR REST client: typed requests against one server's base URL.
///
/// Cheap to clone (clones share one connection pool and one token), and safe to use from many
/// tasks at once.
///
/// ```no_run
/// use fhir_client::Client;
/// use fhir_model::r4::Patient;
///
/// # async fn run() -> Result<(), fhir_client::Error> {
/// let client = Client::new("https://r4.smarthealthit.org")?;
/// let metadata = client.capabilities().await?;
/// println!("FHIR {:?}", metadata.fhir_version.value);
/// let patient: Patient = client.read("87a339d0-8cae-418e-89c7-8651e6aab3c6").await?;
/// println!("{:?}", patient.name.first().and_then(|n| n.family.as_ref()));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    /// The base URL, its path ending in `/`, so that relative links resolve under it.
    pub(crate) base: Url,
    pub(crate) auth: Auth,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Option<Duration>,
    pub(crate) user_agent: HeaderValue,
    pub(crate) default_headers: HeaderMap,
    pub(crate) format: Option<FormatParam>,
    pub(crate) max_get_url_len: usize,
    pub(crate) max_redirects: u32,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let headers: Vec<&str> = i.default_headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("Client")
            .field("base", &i.base.as_str())
            .field("auth", &i.auth)
            .field("retry", &i.retry)
            .field("timeout", &i.timeout)
            .field("user_agent", &i.user_agent)
            .field("default_headers", &headers)
            .field("format", &i.format)
            .field("max_get_url_len", &i.max_get_url_len)
            .finish()
    }
}

impl Client {
    /// A client with the default settings for a base URL such as `https://example.org/fhir`.
    ///
    /// ```
    /// let client = fhir_client::Client::new("https://example.org/fhir").unwrap();
    /// assert_eq!(client.base_url().as_str(), "https://example.org/fhir/");
    /// assert!(fhir_client::Client::new("not a url").is_err());
    /// ```
    pub fn new(base: impl AsRef<str>) -> Result<Client, Error> {
        ClientBuilder::new(base).build()
    }

    /// A builder for a client with settings of its own.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = fhir_client::Client::builder("https://example.org/fhir")
    ///     .timeout(Duration::from_secs(10))
    ///     .user_agent("my-app/1.0")
    ///     .bearer_token("s3cret")
    ///     .build()
    ///     .unwrap();
    /// assert!(!format!("{client:?}").contains("s3cret"));
    /// ```
    pub fn builder(base: impl AsRef<str>) -> ClientBuilder {
        ClientBuilder::new(base)
    }

    /// The base URL, its path ending in `/`.
    ///
    /// ```
    /// let client = fhir_client::Client::new("https://example.org/fhir/").unwrap();
    /// assert_eq!(client.base_url().path(), "/fhir/");
    /// ```
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The URL of `{base}/{segments...}?{query}`, each segment escaped, with `_format` when asked for.
    pub(crate) fn url(&self, segments: &[&str], query: &[(String, String)]) -> Url {
        let mut url = self.inner.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.extend(segments);
        }
        let mut pairs: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if let Some(format) = &self.inner.format {
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

/// Settings for a [`Client`]: timeout, user agent, default headers, auth, retries, `_format`,
/// and optionally a `reqwest::Client` of your own.
///
/// ```
/// use std::time::Duration;
/// use fhir_client::{Client, RetryPolicy};
///
/// let client = Client::builder("https://example.org/fhir")
///     .timeout(Duration::from_secs(30))
///     .default_header("x-tenant", "north")
///     .basic_auth("user", "password")
///     .retry(RetryPolicy::default().max_retries(2))
///     .build()
///     .unwrap();
/// ```
pub struct ClientBuilder {
    base: String,
    timeout: Option<Duration>,
    connect_timeout: Duration,
    user_agent: Option<String>,
    default_headers: HeaderMap,
    auth: Auth,
    retry: RetryPolicy,
    format: Option<FormatParam>,
    http: Option<reqwest::Client>,
    max_get_url_len: usize,
    error: Option<Error>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base", &self.base)
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The same as [`Client::builder`].
    ///
    /// ```
    /// let builder = fhir_client::ClientBuilder::new("https://example.org/fhir");
    /// ```
    pub fn new(base: impl AsRef<str>) -> ClientBuilder {
        ClientBuilder {
            base: base.as_ref().to_owned(),
            timeout: Some(Duration::from_secs(60)),
            connect_timeout: Duration::from_secs(10),
            user_agent: None,
            default_headers: HeaderMap::new(),
            auth: Auth::None,
            retry: RetryPolicy::default(),
            format: None,
            http: None,
            max_get_url_len: 2048,
            error: None,
        }
    }

    /// The time one attempt may take, from sending to the end of the body (default 60 s).
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir")
    ///     .timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = Some(timeout);
        self
    }

    /// The time a connection may take to open (default 10 s; not applied to a client of your own).
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir")
    ///     .connect_timeout(std::time::Duration::from_secs(2));
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `fhir-client/{version}`).
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir").user_agent("my-app/2.1");
    /// ```
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> ClientBuilder {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// A header sent with every request to the base URL's origin. An `Authorization`, `Cookie`
    /// or `Proxy-Authorization` header here is treated as a credential: never sent elsewhere.
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir")
    ///     .default_header("x-api-key", "k");
    /// ```
    pub fn default_header(mut self, name: &str, value: &str) -> ClientBuilder {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(mut value)) => {
                value.set_sensitive(crate::request::is_credential_header(&name));
                self.default_headers.append(name, value);
            }
            _ => {
                self.error.get_or_insert_with(|| {
                    Error::invalid_input(format!("invalid default header {name:?}"))
                });
            }
        }
        self
    }

    /// Headers sent with every request (see [`default_header`](Self::default_header)).
    ///
    /// ```
    /// use reqwest::header::{HeaderMap, HeaderValue};
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-tenant", HeaderValue::from_static("north"));
    /// let b = fhir_client::Client::builder("https://example.org/fhir").default_headers(headers);
    /// ```
    pub fn default_headers(mut self, headers: HeaderMap) -> ClientBuilder {
        for (name, mut value) in headers {
            if let Some(name) = name {
                value.set_sensitive(crate::request::is_credential_header(&name));
                self.default_headers.append(name, value);
            }
        }
        self
    }

    /// A fixed bearer token (`Authorization: Bearer {token}`).
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir").bearer_token("t0k3n");
    /// ```
    pub fn bearer_token(mut self, token: impl Into<String>) -> ClientBuilder {
        self.auth = Auth::Bearer(Secret::new(token));
        self
    }

    /// Bearer tokens from a provider, fetched before the first request and refreshed once on a
    /// 401 (one refresh shared by all requests that met the 401), after which the request is
    /// sent again once.
    ///
    /// ```
    /// use fhir_client::{token_fn, BoxError};
    /// let b = fhir_client::Client::builder("https://example.org/fhir")
    ///     .token_provider(token_fn(|| async { Ok::<_, BoxError>("fresh".to_string()) }));
    /// ```
    pub fn token_provider(mut self, provider: impl TokenProvider) -> ClientBuilder {
        self.auth = Auth::Provider(ProviderAuth::new(Arc::new(provider)));
        self
    }

    /// HTTP basic auth.
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir").basic_auth("me", "pw");
    /// ```
    pub fn basic_auth(
        mut self,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> ClientBuilder {
        self.auth = Auth::Basic {
            user: user.into(),
            password: Secret::new(password),
        };
        self
    }

    /// The retry policy (see [`RetryPolicy`]).
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir")
    ///     .retry(fhir_client::RetryPolicy::none());
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.retry = policy;
        self
    }

    /// Send `_format` with every request built from the base URL (off by default).
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir")
    ///     .format_param(fhir_client::FormatParam::Json);
    /// ```
    pub fn format_param(mut self, format: FormatParam) -> ClientBuilder {
        self.format = Some(format);
        self
    }

    /// The longest URL a search sends with GET; longer searches go as a form POST to
    /// `{type}/_search` (default 2048 bytes).
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir").max_get_url_len(8000);
    /// ```
    pub fn max_get_url_len(mut self, len: usize) -> ClientBuilder {
        self.max_get_url_len = len;
        self
    }

    /// Use a `reqwest::Client` of your own (proxies, certificates, ...), best made from
    /// [`http_client_builder`]: its TLS is set up (rustls with the ring provider) and it leaves
    /// redirects to this client, which follows them with its credential rule. The timeout and user
    /// agent of this builder are still applied to each request.
    ///
    /// ```
    /// let http = fhir_client::http_client_builder()
    ///     .pool_max_idle_per_host(4)
    ///     .build()
    ///     .unwrap();
    /// let client = fhir_client::Client::builder("http://localhost:8080/fhir")
    ///     .http_client(http)
    ///     .build()
    ///     .unwrap();
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> ClientBuilder {
        self.http = Some(client);
        self
    }

    /// The client, or the first problem of the settings (a base URL that is not http or https, a
    /// header that is not valid).
    ///
    /// ```
    /// assert!(fhir_client::Client::builder("ftp://example.org").build().is_err());
    /// ```
    pub fn build(self) -> Result<Client, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let base = parse_base(&self.base)?;
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| format!("fhir-client/{}", env!("CARGO_PKG_VERSION")));
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::invalid_input("invalid user agent"))?;
        let http = match self.http {
            Some(http) => http,
            None => http_client_builder()
                .connect_timeout(self.connect_timeout)
                .build()
                .map_err(|e| Error::invalid_input(format!("cannot build the HTTP client: {e}")))?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                auth: self.auth,
                retry: self.retry,
                timeout: self.timeout,
                user_agent,
                default_headers: self.default_headers,
                format: self.format,
                max_get_url_len: self.max_get_url_len,
                max_redirects: 10,
            }),
        })
    }
}

/// A `reqwest::ClientBuilder` set up as this crate's own: rustls with the ring crypto provider and
/// the platform's root certificates, gzip, and no automatic redirects (the client follows them
/// itself, sending credentials only to the base URL's origin). Customize it and pass the result to
/// [`ClientBuilder::http_client`].
///
/// (This crate builds reqwest without a default crypto provider; a `reqwest::Client::builder()`
/// of your own needs one installed, e.g. with `rustls::crypto::ring::default_provider().install_default()`.)
///
/// ```
/// let http = fhir_client::http_client_builder()
///     .connect_timeout(std::time::Duration::from_secs(3))
///     .build()
///     .unwrap();
/// ```
pub fn http_client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_backend_preconfigured(tls_config())
}

/// The base URL, checked, without fragment, its path ending in `/`.
fn parse_base(base: &str) -> Result<Url, Error> {
    let mut url = Url::parse(base.trim())
        .map_err(|e| Error::invalid_input(format!("invalid base URL {base:?}: {e}")))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(Error::invalid_input(format!(
            "the base URL must be http or https, not {:?}",
            url.scheme()
        )));
    }
    url.set_fragment(None);
    url.set_query(None);
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// rustls with the ring provider and the platform's roots, built once per process. Without
/// usable platform roots, a configuration that trusts nothing: plain http still works, and https
/// fails with a certificate error rather than the whole client failing to build.
fn tls_config() -> rustls::ClientConfig {
    static CONFIG: OnceLock<rustls::ClientConfig> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            use rustls_platform_verifier::BuilderVerifierExt;
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let builder = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("ring supports the default protocol versions");
            let mut config = match builder.clone().with_platform_verifier() {
                Ok(b) => b.with_no_client_auth(),
                Err(e) => {
                    tracing::warn!(error = %e, "no platform root certificates: https will fail");
                    builder
                        .with_root_certificates(rustls::RootCertStore::empty())
                        .with_no_client_auth()
                }
            };
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            config
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_gets_a_trailing_slash() {
        assert_eq!(
            parse_base("https://h.test/fhir").unwrap().as_str(),
            "https://h.test/fhir/"
        );
        assert_eq!(
            parse_base("https://h.test/fhir/").unwrap().as_str(),
            "https://h.test/fhir/"
        );
        assert_eq!(
            parse_base("https://h.test").unwrap().as_str(),
            "https://h.test/"
        );
        assert!(parse_base("mailto:x@h.test").is_err());
    }

    #[test]
    fn urls_from_segments() {
        let c = Client::new("https://h.test/fhir").unwrap();
        assert_eq!(
            c.url(&["Patient", "a/b"], &[]).as_str(),
            "https://h.test/fhir/Patient/a%2Fb"
        );
        assert_eq!(c.url(&[], &[]).as_str(), "https://h.test/fhir");
        assert_eq!(
            c.url(&["Patient", "1", "$everything"], &[]).as_str(),
            "https://h.test/fhir/Patient/1/$everything"
        );
        let c = Client::builder("https://h.test/")
            .format_param(FormatParam::Json)
            .build()
            .unwrap();
        assert_eq!(
            c.url(&["metadata"], &[]).as_str(),
            "https://h.test/metadata?_format=json"
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Client::builder("https://h.test/fhir")
            .bearer_token("tok-SECRET")
            .default_header("authorization", "Bearer other-SECRET")
            .build()
            .unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("SECRET"), "{d}");
        let b = Client::builder("https://h.test").basic_auth("u", "pw-SECRET");
        assert!(!format!("{b:?}").contains("SECRET"));
    }
}
