//! Token endpoint requests: client authentication, and the typed token response.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fhir_model::json::JsonValue;
use url::Url;

use super::error::{SmartError, SmartErrorKind};
use super::http::post_token;
use super::jwt::{ASSERTION_TYPE, client_assertion, unverified_claims};
use super::keys::SigningKey;
use crate::auth::Secret;

/// How a client authenticates at the token endpoint.
///
/// ```no_run
/// use fhir_client::smart::{ClientAuth, SigningKey};
///
/// let asymmetric = ClientAuth::private_key_jwt(SigningKey::from_file("key.pem")?.with_kid("k1"));
/// let symmetric = ClientAuth::client_secret_basic("s3cret");
/// assert!(!format!("{symmetric:?}").contains("s3cret"));
/// let public = ClientAuth::public();
/// # Ok::<(), fhir_client::smart::SmartError>(())
/// ```
#[derive(Clone)]
pub struct ClientAuth(Method);

#[derive(Clone)]
enum Method {
    Public,
    PrivateKeyJwt(Arc<SigningKey>),
    SecretBasic(Secret),
}

impl fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Method::Public => f.write_str("Public"),
            Method::PrivateKeyJwt(k) => f.debug_tuple("PrivateKeyJwt").field(k).finish(),
            Method::SecretBasic(_) => f.write_str("ClientSecretBasic([redacted])"),
        }
    }
}

impl ClientAuth {
    /// A public client (an app that cannot keep a secret): `client_id` in the form, PKCE only.
    ///
    /// ```
    /// assert!(fhir_client::smart::ClientAuth::public().is_public());
    /// ```
    pub fn public() -> ClientAuth {
        ClientAuth(Method::Public)
    }

    /// `private_key_jwt`: a client assertion signed with `key` (RS384 or ES384) on each request.
    ///
    /// ```no_run
    /// let auth = fhir_client::smart::ClientAuth::private_key_jwt(
    ///     fhir_client::smart::SigningKey::from_file("key.jwk")?);
    /// # Ok::<(), fhir_client::smart::SmartError>(())
    /// ```
    pub fn private_key_jwt(key: SigningKey) -> ClientAuth {
        ClientAuth(Method::PrivateKeyJwt(Arc::new(key)))
    }

    /// `client_secret_basic`: the client id and secret in an `Authorization: Basic` header.
    ///
    /// ```
    /// let auth = fhir_client::smart::ClientAuth::client_secret_basic("s3cret");
    /// assert_eq!(format!("{auth:?}"), "ClientSecretBasic([redacted])");
    /// ```
    pub fn client_secret_basic(secret: impl Into<String>) -> ClientAuth {
        ClientAuth(Method::SecretBasic(Secret::new(secret)))
    }

    /// Whether this is a public client.
    ///
    /// ```
    /// assert!(!fhir_client::smart::ClientAuth::client_secret_basic("x").is_public());
    /// ```
    pub fn is_public(&self) -> bool {
        matches!(self.0, Method::Public)
    }

    /// Sends `pairs` to the token endpoint, authenticated as `client_id`.
    pub(crate) async fn post(
        &self,
        http: &reqwest::Client,
        token_endpoint: &Url,
        client_id: &str,
        pairs: &[(&str, &str)],
    ) -> Result<JsonValue, SmartError> {
        // The serializer is not Send: the form is finished before the request is awaited.
        let (form, basic) = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in pairs {
                form.append_pair(k, v);
            }
            let basic = match &self.0 {
                Method::Public => {
                    form.append_pair("client_id", client_id);
                    None
                }
                Method::PrivateKeyJwt(key) => {
                    let jwt =
                        client_assertion(key, client_id, token_endpoint, Duration::from_secs(240))?;
                    form.append_pair("client_assertion_type", ASSERTION_TYPE);
                    form.append_pair("client_assertion", &jwt);
                    None
                }
                Method::SecretBasic(secret) => Some((client_id, secret)),
            };
            (form.finish(), basic)
        };
        post_token(http, token_endpoint, form, basic).await
    }
}

/// A token response (RFC 6749 5.1 with the SMART launch context).
///
/// `Debug` shows whether each secret is there, never its value.
///
/// ```
/// let t = fhir_client::smart::TokenResponse::from_json(r#"{
///   "access_token": "at", "token_type": "Bearer", "expires_in": 300,
///   "scope": "launch/patient patient/*.rs", "patient": "123", "need_patient_banner": true
/// }"#).unwrap();
/// assert_eq!(t.patient(), Some("123"));
/// assert_eq!(t.scopes_not_granted("patient/*.rs openid"), vec!["openid"]);
/// assert!(!format!("{t:?}").contains("\"at\""));
/// ```
#[derive(Clone)]
pub struct TokenResponse {
    access_token: Secret,
    token_type: String,
    expires_in: Option<u64>,
    scope: Option<String>,
    refresh_token: Option<Secret>,
    id_token: Option<Secret>,
    patient: Option<String>,
    encounter: Option<String>,
    need_patient_banner: Option<bool>,
    smart_style_url: Option<String>,
    /// When the answer came, for `expires_in`.
    received_at: SystemTime,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("id_token", &self.id_token.as_ref().map(|_| "[redacted]"))
            .field("patient", &self.patient)
            .field("encounter", &self.encounter)
            .field("need_patient_banner", &self.need_patient_banner)
            .field("smart_style_url", &self.smart_style_url)
            .finish()
    }
}

/// `received_at` as stored: seconds since 1970, to the millisecond.
fn instant_of(doc: &JsonValue) -> Option<SystemTime> {
    match doc.get("received_at")? {
        JsonValue::Number(n) => n
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| UNIX_EPOCH + Duration::from_secs_f64(f)),
        _ => None,
    }
}

fn string(doc: &JsonValue, name: &str) -> Result<Option<String>, SmartError> {
    match doc.get(name) {
        None | Some(JsonValue::Null) => Ok(None),
        Some(JsonValue::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(SmartError::new(
            SmartErrorKind::Decoding,
            format!(
                "the token response's {name} is a {}, not a string",
                v.kind_name()
            ),
        )),
    }
}

fn number(doc: &JsonValue, name: &str) -> Option<u64> {
    match doc.get(name)? {
        JsonValue::Number(n) => n.parse::<u64>().ok().or_else(|| {
            n.parse::<f64>()
                .ok()
                .filter(|f| *f >= 0.0)
                .map(|f| f as u64)
        }),
        // Some servers send it as a string.
        JsonValue::String(s) => s.parse().ok(),
        _ => None,
    }
}

impl TokenResponse {
    /// Reads a token response; `access_token` is required.
    ///
    /// ```
    /// assert!(fhir_client::smart::TokenResponse::from_json(r#"{"token_type":"Bearer"}"#).is_err());
    /// ```
    pub fn from_json(text: &str) -> Result<TokenResponse, SmartError> {
        let doc = JsonValue::parse(text).map_err(|e| {
            SmartError::new(
                SmartErrorKind::Decoding,
                format!("the token response is not JSON: {e}"),
            )
        })?;
        TokenResponse::from_value(&doc)
    }

    pub(crate) fn from_value(doc: &JsonValue) -> Result<TokenResponse, SmartError> {
        let access_token = string(doc, "access_token")?.ok_or_else(|| {
            SmartError::new(
                SmartErrorKind::Decoding,
                "the token response has no access_token",
            )
        })?;
        Ok(TokenResponse {
            access_token: Secret::new(access_token),
            token_type: string(doc, "token_type")?.unwrap_or_else(|| "Bearer".into()),
            expires_in: number(doc, "expires_in"),
            scope: string(doc, "scope")?,
            refresh_token: string(doc, "refresh_token")?.map(Secret::new),
            id_token: string(doc, "id_token")?.map(Secret::new),
            patient: string(doc, "patient")?,
            encounter: string(doc, "encounter")?,
            need_patient_banner: match doc.get("need_patient_banner") {
                Some(JsonValue::Bool(b)) => Some(*b),
                _ => None,
            },
            smart_style_url: string(doc, "smart_style_url")?,
            received_at: instant_of(doc).unwrap_or_else(SystemTime::now),
        })
    }

    /// The response as JSON, secrets included, with the time it was received: for a token store
    /// that only its user can read. [`from_json`](Self::from_json) reads it back.
    ///
    /// ```
    /// let t = fhir_client::smart::TokenResponse::from_json(r#"{"access_token":"a","expires_in":60}"#).unwrap();
    /// let again = fhir_client::smart::TokenResponse::from_json(&t.to_json_with_secrets()).unwrap();
    /// assert_eq!(again.access_token(), "a");
    /// let (a, b) = (again.expires_at().unwrap(), t.expires_at().unwrap());
    /// let apart = a.duration_since(b).or_else(|_| b.duration_since(a)).unwrap();
    /// assert!(apart < std::time::Duration::from_millis(2));
    /// ```
    pub fn to_json_with_secrets(&self) -> String {
        let s = |v: &str| JsonValue::String(v.to_owned());
        let mut m = vec![
            ("access_token".to_owned(), s(self.access_token.expose())),
            ("token_type".to_owned(), s(&self.token_type)),
        ];
        let mut opt = |name: &str, v: Option<&str>| {
            if let Some(v) = v {
                m.push((name.to_owned(), s(v)));
            }
        };
        opt("scope", self.scope.as_deref());
        opt(
            "refresh_token",
            self.refresh_token.as_ref().map(Secret::expose),
        );
        opt("id_token", self.id_token.as_ref().map(Secret::expose));
        opt("patient", self.patient.as_deref());
        opt("encounter", self.encounter.as_deref());
        opt("smart_style_url", self.smart_style_url.as_deref());
        if let Some(e) = self.expires_in {
            m.push(("expires_in".to_owned(), JsonValue::Number(e.to_string())));
        }
        if let Some(b) = self.need_patient_banner {
            m.push(("need_patient_banner".to_owned(), JsonValue::Bool(b)));
        }
        m.push((
            "received_at".to_owned(),
            JsonValue::Number(format!(
                "{:.3}",
                self.received_at
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs_f64()
            )),
        ));
        JsonValue::Object(m).to_json_pretty()
    }

    /// The access token, for the `Authorization` header of requests to the FHIR base.
    ///
    /// ```
    /// # let t = fhir_client::smart::TokenResponse::from_json(r#"{"access_token":"a"}"#).unwrap();
    /// assert_eq!(t.access_token(), "a");
    /// ```
    pub fn access_token(&self) -> &str {
        self.access_token.expose()
    }

    /// `token_type`, `Bearer` when the server left it out.
    ///
    /// ```
    /// # let t = fhir_client::smart::TokenResponse::from_json(r#"{"access_token":"a"}"#).unwrap();
    /// assert_eq!(t.token_type(), "Bearer");
    /// ```
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// `expires_in`, in seconds from when the answer came.
    ///
    /// ```
    /// # let t = fhir_client::smart::TokenResponse::from_json(r#"{"access_token":"a","expires_in":60}"#).unwrap();
    /// assert_eq!(t.expires_in(), Some(60));
    /// ```
    pub fn expires_in(&self) -> Option<u64> {
        self.expires_in
    }

    /// When the access token expires, if the server said.
    ///
    /// ```
    /// # let t = fhir_client::smart::TokenResponse::from_json(r#"{"access_token":"a","expires_in":60}"#).unwrap();
    /// assert!(t.expires_at().unwrap() > std::time::SystemTime::now());
    /// ```
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_in
            .map(|e| self.received_at + Duration::from_secs(e))
    }

    /// The time left before `expires_at`, less `margin`; zero when that is past, `None` when
    /// the server gave no `expires_in`.
    pub(crate) fn usable_for(&self, margin: Duration) -> Option<Duration> {
        let at = self.expires_at()?;
        Some(
            at.duration_since(SystemTime::now())
                .unwrap_or_default()
                .saturating_sub(margin),
        )
    }

    /// The `scope` granted (which may differ from the scope asked for).
    ///
    /// ```
    /// # let t = fhir_client::smart::TokenResponse::from_json(r#"{"access_token":"a","scope":"system/*.rs"}"#).unwrap();
    /// assert_eq!(t.scope(), Some("system/*.rs"));
    /// ```
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// The scopes of `asked` the server did not grant (all of them when it named none).
    ///
    /// ```
    /// # let t = fhir_client::smart::TokenResponse::from_json(r#"{"access_token":"a","scope":"patient/*.rs"}"#).unwrap();
    /// assert_eq!(t.scopes_not_granted("patient/*.rs offline_access"), vec!["offline_access"]);
    /// ```
    pub fn scopes_not_granted<'a>(&self, asked: &'a str) -> Vec<&'a str> {
        let granted: Vec<&str> = self
            .scope
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        asked
            .split_whitespace()
            .filter(|s| !granted.contains(s))
            .collect()
    }

    /// The refresh token, when `offline_access` or `online_access` was granted.
    ///
    /// ```
    /// # let t = fhir_client::smart::TokenResponse::from_json(r#"{"access_token":"a"}"#).unwrap();
    /// assert!(t.refresh_token().is_none());
    /// ```
    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh_token.as_ref().map(Secret::expose)
    }

    /// The OpenID Connect `id_token`, when `openid` was granted.
    ///
    /// ```
    /// # let t = fhir_client::smart::TokenResponse::from_json(r#"{"access_token":"a"}"#).unwrap();
    /// assert!(t.id_token().is_none());
    /// ```
    pub fn id_token(&self) -> Option<&str> {
        self.id_token.as_ref().map(Secret::expose)
    }

    /// The `id_token`'s claims, unverified (see [`unverified_claims`](super::unverified_claims);
    /// [`AppLaunch::verify_id_token`](super::AppLaunch::verify_id_token) checks them).
    ///
    /// ```
    /// # let t = fhir_client::smart::TokenResponse::from_json(r#"{"access_token":"a"}"#).unwrap();
    /// assert!(t.id_token_claims().is_none());
    /// ```
    pub fn id_token_claims(&self) -> Option<Result<JsonValue, SmartError>> {
        self.id_token().map(unverified_claims)
    }

    /// The user, as the `fhirUser` claim of the `id_token` (a URL such as
    /// `https://ehr.example.org/fhir/Practitioner/123`), unverified.
    ///
    /// ```
    /// # let t = fhir_client::smart::TokenResponse::from_json(r#"{"access_token":"a"}"#).unwrap();
    /// assert!(t.fhir_user().is_none());
    /// ```
    pub fn fhir_user(&self) -> Option<String> {
        let claims = self.id_token_claims()?.ok()?;
        claims.get("fhirUser")?.as_str().map(str::to_owned)
    }

    /// The patient in context (`patient`).
    ///
    /// ```
    /// # let t = fhir_client::smart::TokenResponse::from_json(r#"{"access_token":"a","patient":"p1"}"#).unwrap();
    /// assert_eq!(t.patient(), Some("p1"));
    /// ```
    pub fn patient(&self) -> Option<&str> {
        self.patient.as_deref()
    }

    /// The encounter in context (`encounter`).
    ///
    /// ```
    /// # let t = fhir_client::smart::TokenResponse::from_json(r#"{"access_token":"a"}"#).unwrap();
    /// assert_eq!(t.encounter(), None);
    /// ```
    pub fn encounter(&self) -> Option<&str> {
        self.encounter.as_deref()
    }

    /// `need_patient_banner`: whether the app must show the patient's name itself.
    ///
    /// ```
    /// # let t = fhir_client::smart::TokenResponse::from_json(r#"{"access_token":"a","need_patient_banner":false}"#).unwrap();
    /// assert_eq!(t.need_patient_banner(), Some(false));
    /// ```
    pub fn need_patient_banner(&self) -> Option<bool> {
        self.need_patient_banner
    }

    /// `smart_style_url`: the EHR's style sheet for the app.
    ///
    /// ```
    /// # let t = fhir_client::smart::TokenResponse::from_json(r#"{"access_token":"a"}"#).unwrap();
    /// assert_eq!(t.smart_style_url(), None);
    /// ```
    pub fn smart_style_url(&self) -> Option<&str> {
        self.smart_style_url.as_deref()
    }

    /// The same response, its refresh token set to `old` when the server sent no new one (a
    /// refresh answer may leave it out: the old one stays valid).
    pub(crate) fn keep_refresh_token(mut self, old: Option<&str>) -> TokenResponse {
        if self.refresh_token.is_none() {
            self.refresh_token = old.map(Secret::new);
        }
        self
    }
}
