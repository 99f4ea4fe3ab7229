//! Which credentials a run uses, and `fhir auth token`.
//!
//! In this order: `--token`; a login stored for the base URL (`fhir login`), refreshed when it
//! expires; SMART Backend Services when a client id and a private key are given; nothing.

use std::io::Write;

use fhir_client::ClientBuilder;
use fhir_client::reqwest::Url;
use fhir_client::smart::{
    AppLaunch, BackendServices, ClientAuth, SigningKey, SmartConfiguration, SmartError,
    SmartErrorKind, UserSession,
};

use crate::config::Settings;
use crate::failure::Failure;
use crate::store::{Stored, TokenStore};

/// The scope of backend services when none is given.
const DEFAULT_BACKEND_SCOPE: &str = "system/*.rs";

/// The credentials of a run.
pub enum Credentials {
    None,
    Bearer(String),
    Session(Box<UserSession>),
    Backend(Box<BackendServices>),
}

/// A SMART error as the command reports it: bad keys and settings are usage errors (exit 2),
/// the network exit 3, the rest the server's refusal (exit 1).
pub fn smart_failure(e: SmartError) -> Failure {
    match e.kind() {
        SmartErrorKind::Key | SmartErrorKind::InvalidInput => Failure::Usage(e.to_string()),
        _ => Failure::Auth(e),
    }
}

/// The private key of the settings, with their key id.
pub fn signing_key(settings: &Settings) -> Result<Option<SigningKey>, Failure> {
    let Some(path) = &settings.private_key else {
        return Ok(None);
    };
    let key = SigningKey::from_file(path).map_err(smart_failure)?;
    Ok(Some(match &settings.key_id {
        Some(kid) => key.with_kid(kid),
        None => key,
    }))
}

/// The session of a stored login, saving each refresh back to the store.
pub fn session(
    settings: &Settings,
    store: TokenStore,
    stored: Stored,
) -> Result<UserSession, Failure> {
    let bad = |what: &str, e: String| Failure::Usage(format!("the stored login's {what}: {e}"));
    let token_endpoint =
        Url::parse(&stored.token_endpoint).map_err(|e| bad("token endpoint", e.to_string()))?;
    let mut config = SmartConfiguration::with_token_endpoint(token_endpoint);
    config.authorization_endpoint = Some(
        Url::parse(&stored.authorization_endpoint)
            .map_err(|e| bad("authorization endpoint", e.to_string()))?,
    );
    let redirect =
        Url::parse(&stored.redirect_uri).map_err(|e| bad("redirect URI", e.to_string()))?;
    let mut app =
        AppLaunch::new(config, &stored.base, &stored.client_id, redirect).map_err(smart_failure)?;
    if let Some(key) = signing_key(settings)? {
        app = app.client_auth(ClientAuth::private_key_jwt(key));
    }
    let template = stored.clone();
    Ok(app.session(stored.tokens).on_refresh(move |fresh| {
        let mut next = template.clone();
        next.tokens = fresh.clone();
        if let Err(e) = store.save(&next) {
            eprintln!("warning: the refreshed tokens could not be stored: {e}");
        }
    }))
}

/// The credentials for `settings` (see the module's order).
pub async fn resolve(settings: &Settings, token: Option<&str>) -> Result<Credentials, Failure> {
    if let Some(token) = token {
        return Ok(Credentials::Bearer(token.to_owned()));
    }
    if let Some(dir) = &settings.config_dir {
        let store = TokenStore::new(dir);
        if let Some(stored) = store.load(&settings.base).map_err(Failure::Usage)? {
            return Ok(Credentials::Session(Box::new(session(
                settings, store, stored,
            )?)));
        }
    }
    if let (Some(client_id), Some(key)) = (&settings.client_id, signing_key(settings)?) {
        let backend =
            BackendServices::discover(&settings.base, client_id, ClientAuth::private_key_jwt(key))
                .await
                .map_err(smart_failure)?
                .scope(settings.scope.as_deref().unwrap_or(DEFAULT_BACKEND_SCOPE));
        return Ok(Credentials::Backend(Box::new(backend)));
    }
    if settings.private_key.is_some() {
        return Err(Failure::Usage(
            "--private-key needs --client-id (or FHIR_CLIENT_ID, or client_id in the named server)"
                .into(),
        ));
    }
    Ok(Credentials::None)
}

/// The builder with the credentials set.
pub fn apply(builder: ClientBuilder, credentials: Credentials) -> ClientBuilder {
    match credentials {
        Credentials::None => builder,
        Credentials::Bearer(t) => builder.bearer_token(t),
        Credentials::Session(s) => builder.token_provider(*s),
        Credentials::Backend(b) => builder.token_provider(*b),
    }
}

/// `fhir auth token`: the current access token on standard output, for curl and friends (the
/// one place the command prints a token, on request).
pub async fn print_token(
    settings: &Settings,
    token: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let access = match resolve(settings, token).await? {
        Credentials::None => {
            return Err(Failure::Usage(format!(
                "no credentials for {}: run `fhir login`, or give --client-id and --private-key",
                settings.base
            )));
        }
        Credentials::Bearer(t) => t,
        Credentials::Session(s) => s
            .tokens(false)
            .await
            .map_err(smart_failure)?
            .access_token()
            .to_owned(),
        Credentials::Backend(b) => b
            .token_response(false)
            .await
            .map_err(smart_failure)?
            .access_token()
            .to_owned(),
    };
    writeln!(out, "{access}")?;
    Ok(())
}
