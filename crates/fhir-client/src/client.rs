//! The client and its builder.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::auth::{Auth, ProviderAuth, Secret, TokenProvider};
use crate::error::{Error, RawError};
use crate::format::{Format, FormatParam};
use crate::inner::{Inner, PagingSettings, VersionInfo};
use crate::retry::RetryPolicy;
use crate::version::{FhirVersion, R4};

/// A FHIR REST client: typed requests against one server's base URL.
///
/// Cheap to clone (clones share one connection pool and one token), and safe to use from many
/// tasks at once.
///
/// `V` is the FHIR version of the models the client reads and writes: `Client` is `Client<R4>`
/// (from [`Client::new`] and [`Client::builder`]); an R5 client comes from
/// [`ClientBuilder::fhir_version`]. Requests and answers use `V`'s types (`V::Bundle`,
/// `V::OperationOutcome`, ...), and errors are [`Error<V>`](Error).
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
pub struct Client<V: FhirVersion = R4> {
    pub(crate) inner: Arc<Inner>,
    version: PhantomData<fn() -> V>,
}

impl<V: FhirVersion> Clone for Client<V> {
    fn clone(&self) -> Self {
        Client {
            inner: self.inner.clone(),
            version: PhantomData,
        }
    }
}

/// The default of [`ClientBuilder::max_body_bytes`]: 512 MiB.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 512 * 1024 * 1024;
/// The default of [`ClientBuilder::max_pages`]: 10,000 pages.
pub const DEFAULT_MAX_PAGES: u64 = 10_000;
/// The default of [`ClientBuilder::max_empty_pages`]: 100 empty pages in a row.
pub const DEFAULT_MAX_EMPTY_PAGES: u64 = 100;

impl<V: FhirVersion> fmt::Debug for Client<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl Client {
    /// A client with the default settings for a base URL such as `https://example.org/fhir`,
    /// with the R4 models (see [`ClientBuilder::fhir_version`] for another version).
    ///
    /// ```
    /// let client = fhir_client::Client::new("https://example.org/fhir").unwrap();
    /// assert_eq!(client.base_url().as_str(), "https://example.org/fhir/");
    /// assert!(fhir_client::Client::new("not a url").is_err());
    /// ```
    pub fn new(base: impl AsRef<str>) -> Result<Client, Error> {
        ClientBuilder::new(base).build()
    }

    /// A builder for a client with settings of its own (R4 unless
    /// [`fhir_version`](ClientBuilder::fhir_version) says otherwise).
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
}

impl<V: FhirVersion> Client<V> {
    /// The base URL, its path ending in `/`.
    ///
    /// ```
    /// let client = fhir_client::Client::new("https://example.org/fhir/").unwrap();
    /// assert_eq!(client.base_url().path(), "/fhir/");
    /// ```
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The format this client asks for and sends resources in.
    pub fn format(&self) -> Format {
        self.inner.format
    }

    /// The same client asking for and sending `format`: it shares the connection pool, the
    /// token and every setting, so it is cheap to make for one request.
    ///
    /// ```no_run
    /// # #[cfg(feature = "xml")]
    /// # async fn run() -> Result<(), fhir_client::Error> {
    /// use fhir_client::{Client, Format};
    /// use fhir_model::r4::Patient;
    ///
    /// let client = Client::new("https://example.org/fhir")?;
    /// let patient: Patient = client.with_format(Format::Xml).read("example").await?;
    /// # Ok(()) }
    /// ```
    pub fn with_format(&self, format: Format) -> Client<V> {
        let mut inner = (*self.inner).clone();
        inner.format = format;
        Client {
            inner: Arc::new(inner),
            version: PhantomData,
        }
    }
}

/// Settings for a [`Client`]: timeout, user agent, default headers, auth, retries, `_format`,
/// the FHIR version and its check, and optionally a `reqwest::Client` of your own.
///
/// `ClientBuilder` is `ClientBuilder<R4>`, building a `Client<R4>`;
/// [`fhir_version`](Self::fhir_version) switches to another version.
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
pub struct ClientBuilder<V: FhirVersion = R4> {
    settings: Settings,
    version: PhantomData<fn() -> V>,
}

/// The settings of a builder, whatever its version.
struct Settings {
    base: String,
    timeout: Option<Duration>,
    connect_timeout: Duration,
    user_agent: Option<String>,
    default_headers: HeaderMap,
    auth: Auth,
    retry: RetryPolicy,
    format_param: Option<FormatParam>,
    format: Format,
    http: Option<reqwest::Client>,
    max_get_url_len: usize,
    max_body_bytes: u64,
    paging: PagingSettings,
    verify_fhir_version: bool,
    error: Option<RawError>,
}

impl<V: FhirVersion> fmt::Debug for ClientBuilder<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.settings;
        f.debug_struct("ClientBuilder")
            .field("base", &s.base)
            .field("fhir_version", &V::NAME)
            .field("auth", &s.auth)
            .field("retry", &s.retry)
            .field("timeout", &s.timeout)
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
            settings: Settings {
                base: base.as_ref().to_owned(),
                timeout: Some(Duration::from_secs(60)),
                connect_timeout: Duration::from_secs(10),
                user_agent: None,
                default_headers: HeaderMap::new(),
                auth: Auth::None,
                retry: RetryPolicy::default(),
                format_param: None,
                format: Format::Json,
                http: None,
                max_get_url_len: 2048,
                max_body_bytes: DEFAULT_MAX_BODY_BYTES,
                paging: PagingSettings {
                    max_pages: DEFAULT_MAX_PAGES,
                    max_empty_pages: DEFAULT_MAX_EMPTY_PAGES,
                    follow_cross_origin: false,
                    on_cross_origin: None,
                },
                verify_fhir_version: false,
                error: None,
            },
            version: PhantomData,
        }
    }
}

impl<V: FhirVersion> ClientBuilder<V> {
    /// The FHIR version of the models the client reads and writes (default [`R4`]): the builder
    /// of a `Client<W>`, all settings kept. Check that the server speaks it with
    /// [`verify_fhir_version`](Self::verify_fhir_version) or [`Client::check_fhir_version`].
    ///
    /// ```
    /// # #[cfg(feature = "r5")] {
    /// use fhir_client::{Client, R5};
    /// use fhir_model::r5::Patient;
    ///
    /// let client: Client<R5> = Client::builder("https://example.org/fhir/r5")
    ///     .fhir_version::<R5>()
    ///     .verify_fhir_version(true)
    ///     .build()
    ///     .unwrap();
    /// // client.read::<Patient>("123") reads an R5 Patient; errors are `fhir_client::Error<R5>`.
    /// # }
    /// ```
    pub fn fhir_version<W: FhirVersion>(self) -> ClientBuilder<W> {
        ClientBuilder {
            settings: self.settings,
            version: PhantomData,
        }
    }

    /// Check, before the first request, that the server implements the client's FHIR version
    /// (off by default): `GET {base}/metadata`, its CapabilityStatement's `fhirVersion` compared
    /// with [`FhirVersion::MAJOR_MINOR`], as [`Client::check_fhir_version`] does.
    ///
    /// The check is made once: concurrent first requests wait for a single metadata request, and
    /// once it passed no request checks again ([`Client::capabilities`] serves as the check
    /// when it comes first). A check that fails is the error of the request that waited for it,
    /// which is then not sent: [`ErrorKind::FhirVersionMismatch`](crate::ErrorKind::FhirVersionMismatch)
    /// for a server of another version, or the error of the metadata request (the server
    /// unreachable, an error status); the next request checks again.
    ///
    /// ```
    /// let client = fhir_client::Client::builder("https://example.org/fhir")
    ///     .verify_fhir_version(true)
    ///     .build()
    ///     .unwrap();
    /// ```
    pub fn verify_fhir_version(mut self, verify: bool) -> Self {
        self.settings.verify_fhir_version = verify;
        self
    }

    /// The time one attempt may take, from sending to the end of the body (default 60 s).
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir")
    ///     .timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = Some(timeout);
        self
    }

    /// The time a connection may take to open (default 10 s; not applied to a client of your own).
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir")
    ///     .connect_timeout(std::time::Duration::from_secs(2));
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `fhir-client/{version}`).
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir").user_agent("my-app/2.1");
    /// ```
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.settings.user_agent = Some(user_agent.into());
        self
    }

    /// A header sent with every request to the base URL's origin. An `Authorization`, `Cookie`
    /// or `Proxy-Authorization` header here is treated as a credential: never sent elsewhere.
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir")
    ///     .default_header("x-api-key", "k");
    /// ```
    pub fn default_header(mut self, name: &str, value: &str) -> Self {
        self.settings.default_header(name, value);
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
    pub fn default_headers(mut self, headers: HeaderMap) -> Self {
        for (name, mut value) in headers {
            if let Some(name) = name {
                value.set_sensitive(crate::headers::is_credential_header(&name));
                self.settings.default_headers.append(name, value);
            }
        }
        self
    }

    /// A fixed bearer token (`Authorization: Bearer {token}`).
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir").bearer_token("t0k3n");
    /// ```
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.settings.auth = Auth::Bearer(Secret::new(token));
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
    pub fn token_provider(mut self, provider: impl TokenProvider) -> Self {
        self.settings.auth = Auth::Provider(ProviderAuth::new(Arc::new(provider)));
        self
    }

    /// HTTP basic auth.
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir").basic_auth("me", "pw");
    /// ```
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.settings.auth = Auth::Basic {
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
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry = policy;
        self
    }

    /// Send `_format` with every request built from the base URL (off by default).
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir")
    ///     .format_param(fhir_client::FormatParam::Json);
    /// ```
    pub fn format_param(mut self, format: FormatParam) -> Self {
        self.settings.format_param = Some(format);
        self
    }

    /// The format the client asks for and sends resources in (default [`Format::Json`]);
    /// responses are read by their `Content-Type` whatever was asked for. For one request in
    /// another format, see [`Client::with_format`].
    ///
    /// ```
    /// # #[cfg(feature = "xml")] {
    /// use fhir_client::{Client, Format, FormatParam};
    ///
    /// // As in the guide: `GET {base}/metadata?_format=xml`, read as XML.
    /// let client = Client::builder("https://example.org/fhir")
    ///     .format(Format::Xml)
    ///     .format_param(FormatParam::Xml)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(client.format(), Format::Xml);
    /// # }
    /// ```
    pub fn format(mut self, format: Format) -> Self {
        self.settings.format = format;
        self
    }

    /// The longest URL a search sends with GET; longer searches go as a form POST to
    /// `{type}/_search` (default 2048 bytes).
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir").max_get_url_len(8000);
    /// ```
    pub fn max_get_url_len(mut self, len: usize) -> Self {
        self.settings.max_get_url_len = len;
        self
    }

    /// The largest response body the client reads, in bytes, counted after decompression
    /// (default [`DEFAULT_MAX_BODY_BYTES`], 512 MiB). The body is read in chunks and reading
    /// stops at the limit, so a huge, endless or highly compressed body never takes more memory
    /// than this; the request fails with [`ErrorKind::BodyTooLarge`](crate::ErrorKind::BodyTooLarge),
    /// naming the limit and the URL.
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir")
    ///     .max_body_bytes(64 * 1024 * 1024);
    /// ```
    pub fn max_body_bytes(mut self, limit: u64) -> Self {
        self.settings.max_body_bytes = limit;
        self
    }

    /// The most pages a page stream ([`Pages`](crate::Pages)) fetches, the first included
    /// (default [`DEFAULT_MAX_PAGES`], 10,000): one more `next` link is an
    /// [`ErrorKind::Paging`](crate::ErrorKind::Paging) error naming the cap.
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir").max_pages(500);
    /// ```
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.settings.paging.max_pages = pages;
        self
    }

    /// The most consecutive empty pages (no entries) that still have a `next` link a page stream
    /// follows (default [`DEFAULT_MAX_EMPTY_PAGES`], 100): one more is an
    /// [`ErrorKind::Paging`](crate::ErrorKind::Paging) error naming the cap. A server that pages
    /// on nothing forever would otherwise keep a client busy for good.
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir").max_empty_pages(10);
    /// ```
    pub fn max_empty_pages(mut self, pages: u64) -> Self {
        self.settings.paging.max_empty_pages = pages;
        self
    }

    /// Whether page streams and [`Client::next_page`] follow a `next` link to another origin than the base URL's (default
    /// `false`: such a link is an [`ErrorKind::Paging`](crate::ErrorKind::Paging) error naming
    /// both origins, since its entries would come from a server that was never asked). When
    /// followed, the request goes without credentials, a `tracing` warning is logged, and the
    /// function of [`on_cross_origin_next`](Self::on_cross_origin_next) is called.
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir")
    ///     .follow_cross_origin_next(true)
    ///     .on_cross_origin_next(|base, next| eprintln!("warning: {next} is not on {base}"));
    /// ```
    pub fn follow_cross_origin_next(mut self, follow: bool) -> Self {
        self.settings.paging.follow_cross_origin = follow;
        self
    }

    /// A function called with (the base URL, the link) for each `next` link to another origin
    /// that a page stream follows (see [`follow_cross_origin_next`](Self::follow_cross_origin_next)),
    /// e.g. to show a warning to a person. The link has no user name or password.
    ///
    /// ```
    /// let b = fhir_client::Client::builder("https://example.org/fhir")
    ///     .on_cross_origin_next(|_, next| eprintln!("following {next}"));
    /// ```
    pub fn on_cross_origin_next(
        mut self,
        notice: impl Fn(&Url, &Url) + Send + Sync + 'static,
    ) -> Self {
        self.settings.paging.on_cross_origin = Some(Arc::new(notice));
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
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.settings.http = Some(client);
        self
    }

    /// The client, or the first problem of the settings (a base URL that is not http or https, a
    /// header that is not valid).
    ///
    /// ```
    /// assert!(fhir_client::Client::builder("ftp://example.org").build().is_err());
    /// ```
    pub fn build(self) -> Result<Client<V>, Error<V>> {
        let inner = self.settings.build(VersionInfo::of::<V>())?;
        Ok(Client {
            inner: Arc::new(inner),
            version: PhantomData,
        })
    }
}

impl Settings {
    fn default_header(&mut self, name: &str, value: &str) {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(mut value)) => {
                value.set_sensitive(crate::headers::is_credential_header(&name));
                self.default_headers.append(name, value);
            }
            _ => {
                self.error.get_or_insert_with(|| {
                    RawError::invalid_input(format!("invalid default header {name:?}"))
                });
            }
        }
    }

    fn build(self, fhir: VersionInfo) -> Result<Inner, RawError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let base = parse_base(&self.base)?;
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| format!("fhir-client/{}", env!("CARGO_PKG_VERSION")));
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| RawError::invalid_input("invalid user agent"))?;
        let http = match self.http {
            Some(http) => http,
            None => http_client_builder()
                .connect_timeout(self.connect_timeout)
                .build()
                .map_err(|e| {
                    RawError::invalid_input(format!("cannot build the HTTP client: {e}"))
                })?,
        };
        Ok(Inner {
            http,
            base,
            auth: Arc::new(self.auth),
            retry: self.retry,
            timeout: self.timeout,
            user_agent,
            default_headers: self.default_headers,
            format_param: self.format_param,
            format: self.format,
            max_get_url_len: self.max_get_url_len,
            max_redirects: 10,
            max_body_bytes: self.max_body_bytes,
            paging: self.paging,
            fhir,
            version_check: self.verify_fhir_version.then(tokio::sync::OnceCell::new),
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
fn parse_base(base: &str) -> Result<Url, RawError> {
    let mut url = Url::parse(base.trim())
        // The text is not echoed: it may carry a password the URL parser could not take apart.
        .map_err(|e| RawError::invalid_input(format!("invalid base URL: {e}")))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(RawError::invalid_input(format!(
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
    use crate::error::show_bytes;

    #[test]
    fn byte_counts_for_people() {
        assert_eq!(show_bytes(300), "300 bytes");
        assert_eq!(show_bytes(10 * 1024 * 1024), "10 MiB");
        assert_eq!(show_bytes(DEFAULT_MAX_BODY_BYTES), "512 MiB");
        assert_eq!(show_bytes(1536), "1.5 KiB");
    }

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

    #[test]
    fn fhir_version_settings() {
        let c = Client::new("https://h.test/fhir").unwrap();
        assert_eq!(c.inner.fhir.version, "4.0.1");
        assert!(c.inner.version_check.is_none());
        let d = format!("{c:?}");
        assert!(d.contains(r#"fhir_version: "R4""#), "{d}");
        assert!(d.contains("verify_fhir_version: false"), "{d}");

        let c = Client::builder("https://h.test/fhir")
            .timeout(Duration::from_secs(3))
            .fhir_version::<R4>()
            .verify_fhir_version(true)
            .build()
            .unwrap();
        // The settings made before the version switch are kept.
        assert_eq!(c.inner.timeout, Some(Duration::from_secs(3)));
        assert!(c.inner.version_check.is_some());
        #[cfg(feature = "r5")]
        {
            let b = Client::builder("https://h.test/fhir")
                .max_get_url_len(99)
                .fhir_version::<crate::R5>();
            assert!(format!("{b:?}").contains(r#"fhir_version: "R5""#));
            let c = b.build().unwrap();
            assert_eq!(
                (
                    c.inner.fhir.name,
                    c.inner.fhir.major_minor,
                    c.inner.max_get_url_len
                ),
                ("R5", "5.0", 99)
            );
        }
    }
}
