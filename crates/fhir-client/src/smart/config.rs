//! The typed SMART configuration: where the authorization server is and what it supports.

use fhir_model::json::JsonValue;
use url::Url;

use super::error::{SmartError, SmartErrorKind};

/// Where a [`SmartConfiguration`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigSource {
    /// `GET {base}/.well-known/smart-configuration`.
    WellKnown,
    /// The OAuth URIs extension of the CapabilityStatement's `rest.security` (the older way,
    /// which names endpoints only: the lists of what is supported are then empty).
    CapabilityStatement,
}

/// A server's SMART configuration (SMART App Launch 2, "Conformance").
///
/// ```
/// use fhir_client::smart::SmartConfiguration;
///
/// let c = SmartConfiguration::from_json(r#"{
///   "token_endpoint": "https://auth.example.org/token",
///   "authorization_endpoint": "https://auth.example.org/authorize",
///   "grant_types_supported": ["authorization_code", "client_credentials"],
///   "code_challenge_methods_supported": ["S256"],
///   "capabilities": ["launch-standalone", "client-confidential-asymmetric"]
/// }"#).unwrap();
/// assert!(c.supports_grant("client_credentials"));
/// assert!(c.has_capability("launch-standalone"));
/// assert!(c.supports_s256());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SmartConfiguration {
    /// `issuer`, when the server names one (required when it supports OpenID Connect).
    pub issuer: Option<Url>,
    /// `jwks_uri`: the server's public keys.
    pub jwks_uri: Option<Url>,
    /// `authorization_endpoint`: where the user logs in (app launch).
    pub authorization_endpoint: Option<Url>,
    /// `token_endpoint`: where codes, refresh tokens and client assertions become tokens.
    pub token_endpoint: Url,
    /// `registration_endpoint`, for dynamic client registration.
    pub registration_endpoint: Option<Url>,
    /// `revocation_endpoint`.
    pub revocation_endpoint: Option<Url>,
    /// `introspection_endpoint`.
    pub introspection_endpoint: Option<Url>,
    /// `management_endpoint`: where the user manages the authorizations.
    pub management_endpoint: Option<Url>,
    /// `grant_types_supported`: `authorization_code`, `client_credentials`, ...
    pub grant_types_supported: Vec<String>,
    /// `code_challenge_methods_supported`: `S256` (`plain` is forbidden by SMART).
    pub code_challenge_methods_supported: Vec<String>,
    /// `token_endpoint_auth_methods_supported`: `private_key_jwt`, `client_secret_basic`, ...
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// `token_endpoint_auth_signing_alg_values_supported`: `RS384`, `ES384`.
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    /// `scopes_supported`.
    pub scopes_supported: Vec<String>,
    /// `response_types_supported`.
    pub response_types_supported: Vec<String>,
    /// `capabilities`: `launch-ehr`, `launch-standalone`, `client-public`, `sso-openid-connect`,
    /// `context-standalone-patient`, `permission-offline`, `permission-v2`, ...
    pub capabilities: Vec<String>,
    /// Where it came from.
    pub source: ConfigSource,
}

fn decoding(message: impl Into<String>) -> SmartError {
    SmartError::new(SmartErrorKind::Decoding, message)
}

fn url_member(doc: &JsonValue, name: &str) -> Result<Option<Url>, SmartError> {
    match doc.get(name) {
        None | Some(JsonValue::Null) => Ok(None),
        Some(JsonValue::String(s)) => Url::parse(s)
            .map(Some)
            .map_err(|e| decoding(format!("{name} is not a URL: {e}"))),
        Some(other) => Err(decoding(format!(
            "{name} is a {}, not a string",
            other.kind_name()
        ))),
    }
}

fn list_member(doc: &JsonValue, name: &str) -> Result<Vec<String>, SmartError> {
    match doc.get(name) {
        None | Some(JsonValue::Null) => Ok(Vec::new()),
        Some(JsonValue::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    decoding(format!("{name}[{i}] is a {}, not a string", v.kind_name()))
                })
            })
            .collect(),
        Some(other) => Err(decoding(format!(
            "{name} is a {}, not an array",
            other.kind_name()
        ))),
    }
}

impl SmartConfiguration {
    /// Reads a `.well-known/smart-configuration` document. `token_endpoint` is required; a
    /// member of the wrong type is an error naming it.
    ///
    /// ```
    /// let e = fhir_client::smart::SmartConfiguration::from_json(r#"{"issuer":"x"}"#).unwrap_err();
    /// assert!(e.to_string().contains("token_endpoint"));
    /// ```
    pub fn from_json(text: &str) -> Result<SmartConfiguration, SmartError> {
        let doc = JsonValue::parse(text)
            .map_err(|e| decoding(format!("the SMART configuration is not JSON: {e}")))?;
        if !matches!(doc, JsonValue::Object(_)) {
            return Err(decoding(format!(
                "the SMART configuration is a JSON {}, not an object",
                doc.kind_name()
            )));
        }
        let token_endpoint = url_member(&doc, "token_endpoint")?
            .ok_or_else(|| decoding("the SMART configuration has no token_endpoint"))?;
        Ok(SmartConfiguration {
            issuer: url_member(&doc, "issuer")?,
            jwks_uri: url_member(&doc, "jwks_uri")?,
            authorization_endpoint: url_member(&doc, "authorization_endpoint")?,
            token_endpoint,
            registration_endpoint: url_member(&doc, "registration_endpoint")?,
            revocation_endpoint: url_member(&doc, "revocation_endpoint")?,
            introspection_endpoint: url_member(&doc, "introspection_endpoint")?,
            management_endpoint: url_member(&doc, "management_endpoint")?,
            grant_types_supported: list_member(&doc, "grant_types_supported")?,
            code_challenge_methods_supported: list_member(
                &doc,
                "code_challenge_methods_supported",
            )?,
            token_endpoint_auth_methods_supported: list_member(
                &doc,
                "token_endpoint_auth_methods_supported",
            )?,
            token_endpoint_auth_signing_alg_values_supported: list_member(
                &doc,
                "token_endpoint_auth_signing_alg_values_supported",
            )?,
            scopes_supported: list_member(&doc, "scopes_supported")?,
            response_types_supported: list_member(&doc, "response_types_supported")?,
            capabilities: list_member(&doc, "capabilities")?,
            source: ConfigSource::WellKnown,
        })
    }

    /// A configuration of the token endpoint alone, for a server that was not discovered.
    ///
    /// ```
    /// let c = fhir_client::smart::SmartConfiguration::with_token_endpoint(
    ///     url::Url::parse("https://auth.example.org/token").unwrap());
    /// assert!(c.authorization_endpoint.is_none());
    /// ```
    pub fn with_token_endpoint(token_endpoint: Url) -> SmartConfiguration {
        SmartConfiguration {
            issuer: None,
            jwks_uri: None,
            authorization_endpoint: None,
            token_endpoint,
            registration_endpoint: None,
            revocation_endpoint: None,
            introspection_endpoint: None,
            management_endpoint: None,
            grant_types_supported: Vec::new(),
            code_challenge_methods_supported: Vec::new(),
            token_endpoint_auth_methods_supported: Vec::new(),
            token_endpoint_auth_signing_alg_values_supported: Vec::new(),
            scopes_supported: Vec::new(),
            response_types_supported: Vec::new(),
            capabilities: Vec::new(),
            source: ConfigSource::WellKnown,
        }
    }

    /// Whether `grant_types_supported` lists `grant`.
    ///
    /// ```
    /// # let c = fhir_client::smart::SmartConfiguration::with_token_endpoint(url::Url::parse("https://a.test/t").unwrap());
    /// assert!(!c.supports_grant("client_credentials"));
    /// ```
    pub fn supports_grant(&self, grant: &str) -> bool {
        self.grant_types_supported.iter().any(|g| g == grant)
    }

    /// Whether `capabilities` lists `capability`.
    ///
    /// ```
    /// # let c = fhir_client::smart::SmartConfiguration::with_token_endpoint(url::Url::parse("https://a.test/t").unwrap());
    /// assert!(!c.has_capability("launch-ehr"));
    /// ```
    pub fn has_capability(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c == capability)
    }

    /// Whether PKCE `S256` is listed (SMART requires it of servers).
    ///
    /// ```
    /// # let c = fhir_client::smart::SmartConfiguration::with_token_endpoint(url::Url::parse("https://a.test/t").unwrap());
    /// assert!(!c.supports_s256());
    /// ```
    pub fn supports_s256(&self) -> bool {
        self.code_challenge_methods_supported
            .iter()
            .any(|m| m == "S256")
    }
}
