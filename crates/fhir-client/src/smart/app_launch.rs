//! SMART App Launch: the authorization code grant with PKCE and `state`, standalone or from the
//! EHR, and a session that refreshes its access token.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use url::Url;

use super::config::SmartConfiguration;
use super::discovery::{discover_with, normalize_base};
use super::error::{SmartError, SmartErrorKind};
use super::http::{DEFAULT_TIMEOUT, check_endpoint, http_client};
use super::pkce::{Pkce, constant_time_eq, random_token};
use super::token::{ClientAuth, TokenResponse};
use crate::auth::{BoxFuture, Secret, TokenProvider};
use crate::error::BoxError;

/// An app's registration with one FHIR server's authorization server, for the authorization
/// code grant: client id, redirect URI, scopes, and for a confidential client its
/// authentication.
///
/// ```no_run
/// use fhir_client::smart::AppLaunch;
///
/// # async fn run(redirect_back: url::Url) -> Result<(), fhir_client::smart::SmartError> {
/// let app = AppLaunch::discover("https://ehr.example.org/fhir", "my-app",
///         url::Url::parse("http://127.0.0.1:8400/callback").unwrap())
///     .await?
///     .scope("launch/patient openid fhirUser offline_access patient/*.rs");
/// let request = app.authorize();
/// println!("open {}", request.url());
/// // ... the browser comes back to the redirect URI with ?code=...&state=...
/// let tokens = app.complete(&request, &redirect_back).await?;
/// println!("patient in context: {:?}", tokens.patient());
/// let client = fhir_client::Client::builder("https://ehr.example.org/fhir")
///     .token_provider(app.session(tokens))
///     .build()
///     .unwrap();
/// # Ok(()) }
/// ```
pub struct AppLaunch {
    config: SmartConfiguration,
    authorize: Url,
    fhir_base: Url,
    client_id: String,
    redirect_uri: Url,
    scope: String,
    auth: ClientAuth,
    http: reqwest::Client,
}

impl fmt::Debug for AppLaunch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppLaunch")
            .field("fhir_base", &self.fhir_base.as_str())
            .field("authorization_endpoint", &self.authorize.as_str())
            .field("token_endpoint", &self.config.token_endpoint.as_str())
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("scope", &self.scope)
            .field("auth", &self.auth)
            .finish()
    }
}

/// A pending authorization: the URL to send the user to, and the `state` and PKCE verifier
/// that the redirect back is checked against and the code exchanged with. Keep it until the
/// redirect comes back; `Debug` shows neither secret.
pub struct AuthorizationRequest {
    url: Url,
    state: Secret,
    pkce: Pkce,
}

impl fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut endpoint = self.url.clone();
        endpoint.set_query(None);
        f.debug_struct("AuthorizationRequest")
            .field("endpoint", &endpoint.as_str())
            .field("state", &self.state)
            .field("pkce", &self.pkce)
            .finish()
    }
}

impl AuthorizationRequest {
    /// The URL to open in the user's browser.
    ///
    /// ```no_run
    /// # fn show(r: &fhir_client::smart::AuthorizationRequest) {
    /// println!("Log in at {}", r.url());
    /// # }
    /// ```
    pub fn url(&self) -> &Url {
        &self.url
    }
}

fn invalid(message: impl Into<String>) -> SmartError {
    SmartError::new(SmartErrorKind::InvalidInput, message)
}

impl AppLaunch {
    /// An app for `fhir_base` with a configuration already discovered. The authorization and
    /// token endpoints must be HTTPS (or HTTP on loopback); the client is public until
    /// [`client_auth`](Self::client_auth) says otherwise.
    ///
    /// ```
    /// use fhir_client::smart::{AppLaunch, SmartConfiguration};
    /// let config = SmartConfiguration::from_json(r#"{"token_endpoint":"https://a.test/token",
    ///     "authorization_endpoint":"https://a.test/authorize"}"#).unwrap();
    /// let app = AppLaunch::new(config, "https://ehr.test/fhir", "app",
    ///     url::Url::parse("http://127.0.0.1:9000/cb").unwrap()).unwrap();
    /// let r = app.scope("launch/patient patient/*.rs").authorize();
    /// assert!(r.url().as_str().contains("code_challenge_method=S256"));
    /// ```
    pub fn new(
        config: SmartConfiguration,
        fhir_base: &str,
        client_id: impl Into<String>,
        redirect_uri: Url,
    ) -> Result<AppLaunch, SmartError> {
        let authorize = config.authorization_endpoint.clone().ok_or_else(|| {
            SmartError::new(
                SmartErrorKind::Discovery,
                "the SMART configuration has no authorization_endpoint: the server does not offer app launch",
            )
        })?;
        check_endpoint(&authorize, "authorization endpoint")?;
        check_endpoint(&config.token_endpoint, "token endpoint")?;
        Ok(AppLaunch {
            authorize,
            fhir_base: normalize_base(fhir_base)?,
            config,
            client_id: client_id.into(),
            redirect_uri,
            scope: String::new(),
            auth: ClientAuth::public(),
            http: http_client(DEFAULT_TIMEOUT),
        })
    }

    /// Discovers the configuration of `fhir_base` (see [`discover`](super::discover)), then
    /// [`new`](Self::new).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), fhir_client::smart::SmartError> {
    /// let app = fhir_client::smart::AppLaunch::discover("https://ehr.example.org/fhir", "app",
    ///     url::Url::parse("http://127.0.0.1:8400/cb").unwrap()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn discover(
        fhir_base: &str,
        client_id: impl Into<String>,
        redirect_uri: Url,
    ) -> Result<AppLaunch, SmartError> {
        let config = discover_with(&http_client(DEFAULT_TIMEOUT), fhir_base).await?;
        AppLaunch::new(config, fhir_base, client_id, redirect_uri)
    }

    /// The scopes asked for, space-separated: `launch/patient` for a standalone launch that
    /// asks for a patient, `openid fhirUser` for the user's identity, `offline_access` or
    /// `online_access` for a refresh token, and the resource scopes (v1 or v2).
    ///
    /// ```
    /// # use fhir_client::smart::{AppLaunch, SmartConfiguration};
    /// # let config = SmartConfiguration::from_json(r#"{"token_endpoint":"https://a.test/t","authorization_endpoint":"https://a.test/a"}"#).unwrap();
    /// let app = AppLaunch::new(config, "https://ehr.test/fhir", "app", url::Url::parse("http://127.0.0.1:9/cb").unwrap())
    ///     .unwrap()
    ///     .scope("openid fhirUser offline_access user/*.rs");
    /// ```
    pub fn scope(mut self, scope: impl Into<String>) -> AppLaunch {
        self.scope = scope.into();
        self
    }

    /// A confidential client: how it authenticates at the token endpoint.
    ///
    /// ```
    /// # use fhir_client::smart::{AppLaunch, ClientAuth, SmartConfiguration};
    /// # let config = SmartConfiguration::from_json(r#"{"token_endpoint":"https://a.test/t","authorization_endpoint":"https://a.test/a"}"#).unwrap();
    /// let app = AppLaunch::new(config, "https://ehr.test/fhir", "app", url::Url::parse("http://127.0.0.1:9/cb").unwrap())
    ///     .unwrap()
    ///     .client_auth(ClientAuth::client_secret_basic("s3cret"));
    /// assert!(!format!("{app:?}").contains("s3cret"));
    /// ```
    pub fn client_auth(mut self, auth: ClientAuth) -> AppLaunch {
        self.auth = auth;
        self
    }

    /// The timeout of each token request (default 30 seconds).
    ///
    /// ```
    /// # use fhir_client::smart::{AppLaunch, SmartConfiguration};
    /// # let config = SmartConfiguration::from_json(r#"{"token_endpoint":"https://a.test/t","authorization_endpoint":"https://a.test/a"}"#).unwrap();
    /// let app = AppLaunch::new(config, "https://ehr.test/fhir", "app", url::Url::parse("http://127.0.0.1:9/cb").unwrap())
    ///     .unwrap()
    ///     .timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> AppLaunch {
        self.http = http_client(timeout);
        self
    }

    /// The discovered configuration.
    ///
    /// ```
    /// # use fhir_client::smart::{AppLaunch, SmartConfiguration};
    /// # let config = SmartConfiguration::from_json(r#"{"token_endpoint":"https://a.test/t","authorization_endpoint":"https://a.test/a"}"#).unwrap();
    /// # let app = AppLaunch::new(config, "https://ehr.test/fhir", "app", url::Url::parse("http://127.0.0.1:9/cb").unwrap()).unwrap();
    /// assert_eq!(app.configuration().token_endpoint.path(), "/t");
    /// ```
    pub fn configuration(&self) -> &SmartConfiguration {
        &self.config
    }

    /// A standalone launch: the authorization URL with a fresh `state` and PKCE challenge.
    ///
    /// ```
    /// # use fhir_client::smart::{AppLaunch, SmartConfiguration};
    /// # let config = SmartConfiguration::from_json(r#"{"token_endpoint":"https://a.test/t","authorization_endpoint":"https://a.test/a"}"#).unwrap();
    /// # let app = AppLaunch::new(config, "https://ehr.test/fhir", "app", url::Url::parse("http://127.0.0.1:9/cb").unwrap()).unwrap();
    /// let url = app.authorize().url().clone();
    /// assert!(url.query_pairs().any(|(k, v)| k == "aud" && v == "https://ehr.test/fhir"));
    /// ```
    pub fn authorize(&self) -> AuthorizationRequest {
        self.authorization_request(None)
    }

    /// An EHR launch: the EHR opened the app with `iss` (its FHIR base) and `launch` (an opaque
    /// context id), which go back in the authorization URL. An `iss` that is not this app's FHIR
    /// base is refused: the tokens of this registration are not for another server.
    ///
    /// ```
    /// # use fhir_client::smart::{AppLaunch, SmartConfiguration};
    /// # let config = SmartConfiguration::from_json(r#"{"token_endpoint":"https://a.test/t","authorization_endpoint":"https://a.test/a"}"#).unwrap();
    /// # let app = AppLaunch::new(config, "https://ehr.test/fhir", "app", url::Url::parse("http://127.0.0.1:9/cb").unwrap()).unwrap();
    /// let r = app.authorize_ehr_launch("https://ehr.test/fhir", "xyz123").unwrap();
    /// assert!(r.url().query_pairs().any(|(k, v)| k == "launch" && v == "xyz123"));
    /// assert!(app.authorize_ehr_launch("https://evil.test/fhir", "xyz123").is_err());
    /// ```
    pub fn authorize_ehr_launch(
        &self,
        iss: &str,
        launch: &str,
    ) -> Result<AuthorizationRequest, SmartError> {
        let iss_url = normalize_base(iss)?;
        if iss_url != self.fhir_base {
            return Err(SmartError::new(
                SmartErrorKind::CrossOrigin,
                format!(
                    "the launch names the FHIR server {iss_url}, but this app is set up for {}",
                    self.fhir_base
                ),
            ));
        }
        Ok(self.authorization_request(Some(launch)))
    }

    fn audience(&self) -> String {
        // The base as the user gave it, without the slash added for joining.
        self.fhir_base.as_str().trim_end_matches('/').to_owned()
    }

    fn authorization_request(&self, launch: Option<&str>) -> AuthorizationRequest {
        let state = random_token(24);
        let pkce = Pkce::new();
        let mut url = self.authorize.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &self.client_id)
                .append_pair("redirect_uri", self.redirect_uri.as_str())
                .append_pair("scope", &self.scope)
                .append_pair("state", &state)
                .append_pair("aud", &self.audience())
                .append_pair("code_challenge", pkce.challenge())
                .append_pair("code_challenge_method", "S256");
            if let Some(launch) = launch {
                q.append_pair("launch", launch);
            }
        }
        AuthorizationRequest {
            url,
            state: Secret::new(state),
            pkce,
        }
    }

    /// Completes the launch from the URL the browser was redirected to: checks `state` (in
    /// constant time), turns an `error` into [`SmartErrorKind::OAuth`], and exchanges the code.
    ///
    /// ```no_run
    /// # async fn run(app: &fhir_client::smart::AppLaunch, r: &fhir_client::smart::AuthorizationRequest) -> Result<(), fhir_client::smart::SmartError> {
    /// let back = url::Url::parse("http://127.0.0.1:8400/cb?code=abc&state=...").unwrap();
    /// let tokens = app.complete(r, &back).await?;
    /// # Ok(()) }
    /// ```
    pub async fn complete(
        &self,
        request: &AuthorizationRequest,
        redirected_to: &Url,
    ) -> Result<TokenResponse, SmartError> {
        let param = |name: &str| {
            redirected_to
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let state = param("state").unwrap_or_default();
        if !constant_time_eq(state.as_bytes(), request.state.expose().as_bytes()) {
            return Err(SmartError::new(
                SmartErrorKind::State,
                "the redirect's state is not the one sent: it answers another request",
            )
            .at(&Method::GET, redirected_to));
        }
        if let Some(error) = param("error") {
            return Err(
                SmartError::new(SmartErrorKind::OAuth, "the authorization was refused")
                    .at(&Method::GET, redirected_to)
                    .oauth(error, param("error_description")),
            );
        }
        let code = param("code").ok_or_else(|| {
            invalid("the redirect carries neither a code nor an error")
                .at(&Method::GET, redirected_to)
        })?;
        self.exchange_code(request, &code).await
    }

    /// Exchanges an authorization code (with the PKCE verifier of `request`) for tokens.
    ///
    /// ```no_run
    /// # async fn run(app: &fhir_client::smart::AppLaunch, r: &fhir_client::smart::AuthorizationRequest) -> Result<(), fhir_client::smart::SmartError> {
    /// let tokens = app.exchange_code(r, "the-code").await?;
    /// # Ok(()) }
    /// ```
    pub async fn exchange_code(
        &self,
        request: &AuthorizationRequest,
        code: &str,
    ) -> Result<TokenResponse, SmartError> {
        tracing::debug!(token_endpoint = %self.config.token_endpoint, client_id = %self.client_id, "exchanging an authorization code");
        let pairs = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("code_verifier", request.pkce.verifier()),
        ];
        let json = self
            .auth
            .post(
                &self.http,
                &self.config.token_endpoint,
                &self.client_id,
                &pairs,
            )
            .await?;
        TokenResponse::from_value(&json)
            .map_err(|e| e.at(&Method::POST, &self.config.token_endpoint))
    }

    /// A new access token from a refresh token; the answer keeps the old refresh token when it
    /// sends no new one.
    ///
    /// ```no_run
    /// # async fn run(app: &fhir_client::smart::AppLaunch, t: &fhir_client::smart::TokenResponse) -> Result<(), fhir_client::smart::SmartError> {
    /// let fresh = app.refresh(t.refresh_token().unwrap()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, SmartError> {
        tracing::debug!(token_endpoint = %self.config.token_endpoint, client_id = %self.client_id, "refreshing an access token");
        let pairs = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        let json = self
            .auth
            .post(
                &self.http,
                &self.config.token_endpoint,
                &self.client_id,
                &pairs,
            )
            .await?;
        Ok(TokenResponse::from_value(&json)
            .map_err(|e| e.at(&Method::POST, &self.config.token_endpoint))?
            .keep_refresh_token(Some(refresh_token)))
    }

    /// The claims of the `id_token` of `tokens`, verified: its signature against the server's
    /// `jwks_uri`, its `iss` against the configuration's `issuer`, its `aud` against the client
    /// id, its `exp` against the clock.
    ///
    /// ```no_run
    /// # async fn run(app: &fhir_client::smart::AppLaunch, t: &fhir_client::smart::TokenResponse) -> Result<(), fhir_client::smart::SmartError> {
    /// let claims = app.verify_id_token(t).await?;
    /// println!("{:?}", claims.get("fhirUser"));
    /// # Ok(()) }
    /// ```
    pub async fn verify_id_token(
        &self,
        tokens: &TokenResponse,
    ) -> Result<fhir_model::json::JsonValue, SmartError> {
        let id_token = tokens
            .id_token()
            .ok_or_else(|| invalid("the token response has no id_token (ask for openid)"))?;
        let (Some(jwks_uri), Some(issuer)) = (&self.config.jwks_uri, &self.config.issuer) else {
            return Err(SmartError::new(
                SmartErrorKind::Discovery,
                "the SMART configuration names no jwks_uri and issuer to verify the id_token with",
            ));
        };
        check_endpoint(jwks_uri, "JWKS")?;
        let answer = super::http::send(&self.http, Method::GET, jwks_uri, None, None).await?;
        if !answer.status.is_success() {
            return Err(
                SmartError::new(SmartErrorKind::Status, "the JWKS could not be read")
                    .at(&Method::GET, jwks_uri)
                    .with_status(answer.status),
            );
        }
        let jwks = String::from_utf8_lossy(&answer.body);
        super::jwt::verified_claims(id_token, &jwks, issuer.as_str(), &self.client_id)
            .map_err(|e| e.at(&Method::GET, jwks_uri))
    }

    /// A [`TokenProvider`] that starts from `tokens` and refreshes them when they expire or the
    /// server answers 401.
    ///
    /// ```no_run
    /// # fn run(app: fhir_client::smart::AppLaunch, t: fhir_client::smart::TokenResponse) {
    /// let session = app.session(t).on_refresh(|fresh| {
    ///     // store `fresh.to_json_with_secrets()` where only the user can read it
    /// });
    /// # }
    /// ```
    pub fn session(self, tokens: TokenResponse) -> UserSession {
        UserSession {
            app: Arc::new(self),
            tokens: tokio::sync::Mutex::new(tokens),
            margin: super::backend::DEFAULT_REFRESH_MARGIN,
            on_refresh: None,
        }
    }
}

type RefreshHook = Arc<dyn Fn(&TokenResponse) + Send + Sync>;

/// The tokens of a user's launch, as a [`TokenProvider`]: the access token until shortly before
/// it expires, then a refresh (one at a time), and a refresh after a 401. Without a refresh
/// token, an expired session is an error that says to log in again.
pub struct UserSession {
    app: Arc<AppLaunch>,
    tokens: tokio::sync::Mutex<TokenResponse>,
    margin: Duration,
    on_refresh: Option<RefreshHook>,
}

impl fmt::Debug for UserSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSession")
            .field("app", &self.app)
            .finish_non_exhaustive()
    }
}

impl UserSession {
    /// Called with each refreshed response, e.g. to store it.
    ///
    /// ```no_run
    /// # fn run(s: fhir_client::smart::UserSession) {
    /// let s = s.on_refresh(|t| eprintln!("refreshed; expires in {:?} s", t.expires_in()));
    /// # }
    /// ```
    pub fn on_refresh(mut self, f: impl Fn(&TokenResponse) + Send + Sync + 'static) -> UserSession {
        self.on_refresh = Some(Arc::new(f));
        self
    }

    /// The refresh margin for `tokens`: at most half their lifetime.
    fn margin_for(&self, tokens: &TokenResponse) -> Duration {
        self.margin
            .min(Duration::from_secs(tokens.expires_in().unwrap_or(0)) / 2)
    }

    /// The current tokens, refreshed first when they expired (or always, with `renew`).
    ///
    /// ```no_run
    /// # async fn run(s: &fhir_client::smart::UserSession) -> Result<(), fhir_client::smart::SmartError> {
    /// let t = s.tokens(false).await?;
    /// println!("patient {:?}", t.patient());
    /// # Ok(()) }
    /// ```
    pub async fn tokens(&self, renew: bool) -> Result<TokenResponse, SmartError> {
        let mut tokens = self.tokens.lock().await;
        let left = tokens.usable_for(self.margin_for(&tokens));
        if !renew && left.is_none_or(|l| !l.is_zero()) {
            return Ok(tokens.clone());
        }
        let Some(refresh_token) = tokens.refresh_token().map(str::to_owned) else {
            return Err(SmartError::new(
                SmartErrorKind::OAuth,
                "the access token expired or was refused, and there is no refresh token: log in again",
            )
            .oauth("invalid_grant".into(), None));
        };
        let fresh = self.app.refresh(&refresh_token).await?;
        if let Some(hook) = &self.on_refresh {
            hook(&fresh);
        }
        *tokens = fresh.clone();
        Ok(fresh)
    }
}

impl TokenProvider for UserSession {
    fn token(&self) -> BoxFuture<'_, Result<String, BoxError>> {
        Box::pin(async move { Ok(self.tokens(false).await?.access_token().to_owned()) })
    }

    fn token_until(
        &self,
        renew: bool,
    ) -> BoxFuture<'_, Result<(String, Option<Instant>), BoxError>> {
        Box::pin(async move {
            let t = self.tokens(renew).await?;
            let until = t
                .usable_for(self.margin_for(&t))
                .map(|left| Instant::now() + left);
            Ok((t.access_token().to_owned(), until))
        })
    }
}
