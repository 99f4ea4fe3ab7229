//! SMART Backend Services: `client_credentials` with a client assertion (or a client secret),
//! the access token cached until shortly before it expires.

use std::fmt;
use std::time::{Duration, Instant};

use url::Url;

use super::discovery::discover_with;
use super::error::{SmartError, SmartErrorKind};
use super::http::{DEFAULT_TIMEOUT, check_endpoint, http_client};
use super::token::{ClientAuth, TokenResponse};
use crate::auth::{BoxFuture, TokenProvider};
use crate::error::BoxError;

/// How long before `expires_in` runs out a cached token is replaced, at most.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(30);

/// A [`TokenProvider`] for system-to-system access (SMART Backend Services): a
/// `client_credentials` grant authenticated with `private_key_jwt` (RS384 or ES384) or
/// `client_secret_basic`.
///
/// The token is cached until [`refresh_margin`](Self::refresh_margin) before it expires, then
/// fetched again; concurrent callers wait for one request. Scopes are sent as given, v1
/// (`system/*.read`) or v2 (`system/*.rs`, `system/Observation.rs?category=laboratory`).
///
/// ```no_run
/// use fhir_client::Client;
/// use fhir_client::smart::{BackendServices, ClientAuth, SigningKey};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let key = SigningKey::from_file("private-key.pem")?.with_kid("key-1");
/// let tokens = BackendServices::discover("https://ehr.example.org/fhir", "my-service", ClientAuth::private_key_jwt(key))
///     .await?
///     .scope("system/Patient.rs system/Observation.rs");
/// let client = Client::builder("https://ehr.example.org/fhir").token_provider(tokens).build()?;
/// let patient: fhir_model::r4::Patient = client.read("123").await?;
/// # Ok(()) }
/// ```
pub struct BackendServices {
    token_endpoint: Url,
    client_id: String,
    auth: ClientAuth,
    scope: String,
    http: reqwest::Client,
    margin: Duration,
    cache: tokio::sync::Mutex<Option<(TokenResponse, Option<Instant>)>>,
}

impl fmt::Debug for BackendServices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackendServices")
            .field("token_endpoint", &self.token_endpoint.as_str())
            .field("client_id", &self.client_id)
            .field("auth", &self.auth)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl BackendServices {
    /// A provider for the token endpoint `token_endpoint` (HTTPS, or HTTP on loopback), with no
    /// scope yet (see [`scope`](Self::scope)). A public client cannot use this grant.
    ///
    /// ```
    /// use fhir_client::smart::{BackendServices, ClientAuth};
    /// let url = url::Url::parse("https://auth.example.org/token").unwrap();
    /// let p = BackendServices::new(url, "svc", ClientAuth::client_secret_basic("s")).unwrap();
    /// let plain = url::Url::parse("http://auth.example.org/token").unwrap();
    /// assert!(BackendServices::new(plain, "svc", ClientAuth::client_secret_basic("s")).is_err());
    /// ```
    pub fn new(
        token_endpoint: Url,
        client_id: impl Into<String>,
        auth: ClientAuth,
    ) -> Result<BackendServices, SmartError> {
        check_endpoint(&token_endpoint, "token endpoint")?;
        if auth.is_public() {
            return Err(SmartError::new(
                SmartErrorKind::InvalidInput,
                "client_credentials needs a confidential client (a private key or a secret)",
            ));
        }
        Ok(BackendServices {
            token_endpoint,
            client_id: client_id.into(),
            auth,
            scope: String::new(),
            http: http_client(DEFAULT_TIMEOUT),
            margin: DEFAULT_REFRESH_MARGIN,
            cache: tokio::sync::Mutex::new(None),
        })
    }

    /// Discovers the token endpoint of `fhir_base` (see [`discover`](super::discover)), then
    /// [`new`](Self::new).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), fhir_client::smart::SmartError> {
    /// use fhir_client::smart::{BackendServices, ClientAuth};
    /// let p = BackendServices::discover("https://ehr.example.org/fhir", "svc", ClientAuth::client_secret_basic("s")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn discover(
        fhir_base: &str,
        client_id: impl Into<String>,
        auth: ClientAuth,
    ) -> Result<BackendServices, SmartError> {
        let config = discover_with(&http_client(DEFAULT_TIMEOUT), fhir_base).await?;
        BackendServices::new(config.token_endpoint, client_id, auth)
    }

    /// The scopes asked for, space-separated, sent as given.
    ///
    /// ```
    /// # use fhir_client::smart::{BackendServices, ClientAuth};
    /// # let url = url::Url::parse("https://auth.example.org/token").unwrap();
    /// let p = BackendServices::new(url, "svc", ClientAuth::client_secret_basic("s"))
    ///     .unwrap()
    ///     .scope("system/Patient.rs?_tag=research system/*.read");
    /// ```
    pub fn scope(mut self, scope: impl Into<String>) -> BackendServices {
        self.scope = scope.into();
        self
    }

    /// How long before expiry a cached token is replaced: at most this, and at most half the
    /// token's lifetime (default [`DEFAULT_REFRESH_MARGIN`]).
    ///
    /// ```
    /// # use fhir_client::smart::{BackendServices, ClientAuth};
    /// # let url = url::Url::parse("https://auth.example.org/token").unwrap();
    /// let p = BackendServices::new(url, "svc", ClientAuth::client_secret_basic("s"))
    ///     .unwrap()
    ///     .refresh_margin(std::time::Duration::from_secs(60));
    /// ```
    pub fn refresh_margin(mut self, margin: Duration) -> BackendServices {
        self.margin = margin;
        self
    }

    /// The timeout of each token request (default 30 seconds).
    ///
    /// ```
    /// # use fhir_client::smart::{BackendServices, ClientAuth};
    /// # let url = url::Url::parse("https://auth.example.org/token").unwrap();
    /// let p = BackendServices::new(url, "svc", ClientAuth::client_secret_basic("s"))
    ///     .unwrap()
    ///     .timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> BackendServices {
        self.http = http_client(timeout);
        self
    }

    /// The token endpoint.
    ///
    /// ```
    /// # use fhir_client::smart::{BackendServices, ClientAuth};
    /// # let url = url::Url::parse("https://auth.example.org/token").unwrap();
    /// # let p = BackendServices::new(url, "svc", ClientAuth::client_secret_basic("s")).unwrap();
    /// assert_eq!(p.token_endpoint().path(), "/token");
    /// ```
    pub fn token_endpoint(&self) -> &Url {
        &self.token_endpoint
    }

    /// The current token response: the cached one while it is fresh, else a new one. With
    /// `renew`, a new one in any case (after a 401).
    ///
    /// ```no_run
    /// # async fn run(p: &fhir_client::smart::BackendServices) -> Result<(), fhir_client::smart::SmartError> {
    /// let t = p.token_response(false).await?;
    /// println!("granted: {:?}", t.scope());
    /// # Ok(()) }
    /// ```
    pub async fn token_response(&self, renew: bool) -> Result<TokenResponse, SmartError> {
        Ok(self.current(renew).await?.0)
    }

    async fn current(&self, renew: bool) -> Result<(TokenResponse, Option<Instant>), SmartError> {
        // The lock is held across the request: concurrent callers wait for this one's token.
        let mut cache = self.cache.lock().await;
        if let (false, Some((token, until))) = (renew, cache.as_ref()) {
            if until.is_none_or(|u| Instant::now() < u) {
                return Ok((token.clone(), *until));
            }
        }
        let mut pairs = vec![("grant_type", "client_credentials")];
        if !self.scope.is_empty() {
            pairs.push(("scope", self.scope.as_str()));
        }
        tracing::debug!(token_endpoint = %self.token_endpoint, client_id = %self.client_id, scope = %self.scope, "requesting a backend services token");
        let json = self
            .auth
            .post(&self.http, &self.token_endpoint, &self.client_id, &pairs)
            .await?;
        let token = TokenResponse::from_value(&json)
            .map_err(|e| e.at(&reqwest::Method::POST, &self.token_endpoint))?;
        let until = token.expires_in().map(|secs| {
            let lifetime = Duration::from_secs(secs);
            Instant::now() + lifetime.saturating_sub(self.margin.min(lifetime / 2))
        });
        tracing::debug!(expires_in = ?token.expires_in(), scope = ?token.scope(), "received a backend services token");
        *cache = Some((token.clone(), until));
        Ok((token, until))
    }
}

impl TokenProvider for BackendServices {
    fn token(&self) -> BoxFuture<'_, Result<String, BoxError>> {
        Box::pin(async move {
            let (t, _) = self.current(false).await?;
            Ok(t.access_token().to_owned())
        })
    }

    fn token_until(
        &self,
        renew: bool,
    ) -> BoxFuture<'_, Result<(String, Option<Instant>), BoxError>> {
        Box::pin(async move {
            let (t, until) = self.current(renew).await?;
            Ok((t.access_token().to_owned(), until))
        })
    }
}
