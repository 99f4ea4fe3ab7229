//! Discovery: `.well-known/smart-configuration`, then the CapabilityStatement's OAuth URIs.

use fhir_model::json::JsonValue;
use reqwest::Method;
use url::Url;

use super::config::{ConfigSource, SmartConfiguration};
use super::error::{SmartError, SmartErrorKind};
use super::http::{DEFAULT_TIMEOUT, http_client, send};

/// The extension of `CapabilityStatement.rest.security` that names the OAuth endpoints.
const OAUTH_URIS: &str = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

/// A FHIR base URL, its path ending in `/` so that relative paths resolve under it.
pub(crate) fn normalize_base(base: &str) -> Result<Url, SmartError> {
    let mut url = Url::parse(base.trim()).map_err(|e| {
        SmartError::new(
            SmartErrorKind::InvalidInput,
            format!("invalid FHIR base URL: {e}"),
        )
    })?;
    url.set_query(None);
    url.set_fragment(None);
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Discovers the SMART configuration of the FHIR server at `fhir_base`: `GET
/// {base}/.well-known/smart-configuration`, and when that answers an error status or no JSON
/// object, the OAuth URIs extension of `GET {base}/metadata`.
///
/// ```no_run
/// # async fn run() -> Result<(), fhir_client::smart::SmartError> {
/// let config = fhir_client::smart::discover("https://launch.smarthealthit.org/v/r4/fhir").await?;
/// println!("token endpoint: {}", config.token_endpoint);
/// # Ok(()) }
/// ```
pub async fn discover(fhir_base: &str) -> Result<SmartConfiguration, SmartError> {
    discover_with(&http_client(DEFAULT_TIMEOUT), fhir_base).await
}

/// [`discover`] with an HTTP client of your own.
///
/// ```no_run
/// # async fn run() -> Result<(), fhir_client::smart::SmartError> {
/// let http = fhir_client::http_client_builder().build().unwrap();
/// let config = fhir_client::smart::discover_with(&http, "https://example.org/fhir").await?;
/// # Ok(()) }
/// ```
pub async fn discover_with(
    http: &reqwest::Client,
    fhir_base: &str,
) -> Result<SmartConfiguration, SmartError> {
    let base = normalize_base(fhir_base)?;
    let well_known = base
        .join(".well-known/smart-configuration")
        .map_err(|e| SmartError::new(SmartErrorKind::InvalidInput, e.to_string()))?;
    let answer = send(http, Method::GET, &well_known, None, None).await?;
    let first_try = if answer.status.is_success() {
        match answer.json_object() {
            Some(doc) => match SmartConfiguration::from_json(&doc.to_json_string()) {
                Ok(config) => return Ok(config),
                Err(e) => e.to_string(),
            },
            None => format!(
                "answered {} bytes of {}, not a JSON object",
                answer.body.len(),
                answer.content_type()
            ),
        }
    } else {
        format!("answered {}", answer.status)
    };
    tracing::debug!(url = %well_known, why = %first_try, "no SMART configuration; reading the CapabilityStatement");
    let metadata = base
        .join("metadata")
        .map_err(|e| SmartError::new(SmartErrorKind::InvalidInput, e.to_string()))?;
    let answer = send(http, Method::GET, &metadata, None, None).await?;
    let not_found = |why: String| {
        SmartError::new(
            SmartErrorKind::Discovery,
            format!("{well_known} {first_try}, and {why}"),
        )
        .at(&Method::GET, &metadata)
        .with_status(answer.status)
    };
    if !answer.status.is_success() {
        return Err(not_found(format!(
            "the CapabilityStatement answered {}",
            answer.status
        )));
    }
    let Some(doc) = answer.json_object() else {
        return Err(not_found(format!(
            "the CapabilityStatement is {} bytes of {}, not JSON",
            answer.body.len(),
            answer.content_type()
        )));
    };
    from_capability_statement(&doc)
        .ok_or_else(|| not_found("the CapabilityStatement names no OAuth token endpoint".into()))?
}

fn array(v: Option<&JsonValue>) -> &[JsonValue] {
    match v {
        Some(JsonValue::Array(items)) => items,
        _ => &[],
    }
}

/// The endpoints of the OAuth URIs extension of the first `rest` entry that has one.
fn from_capability_statement(doc: &JsonValue) -> Option<Result<SmartConfiguration, SmartError>> {
    for rest in array(doc.get("rest")) {
        let Some(security) = rest.get("security") else {
            continue;
        };
        for ext in array(security.get("extension")) {
            if ext.get("url").and_then(JsonValue::as_str) != Some(OAUTH_URIS) {
                continue;
            }
            let uri = |name: &str| -> Result<Option<Url>, SmartError> {
                let Some(value) = array(ext.get("extension"))
                    .iter()
                    .find(|e| e.get("url").and_then(JsonValue::as_str) == Some(name))
                    .and_then(|e| e.get("valueUri"))
                    .and_then(JsonValue::as_str)
                else {
                    return Ok(None);
                };
                Url::parse(value).map(Some).map_err(|e| {
                    SmartError::new(
                        SmartErrorKind::Decoding,
                        format!(
                            "CapabilityStatement.rest.security.extension({OAUTH_URIS}).extension({name}).valueUri is not a URL: {e}"
                        ),
                    )
                })
            };
            let build = || -> Result<Option<SmartConfiguration>, SmartError> {
                let Some(token) = uri("token")? else {
                    return Ok(None);
                };
                let mut config = SmartConfiguration::with_token_endpoint(token);
                config.authorization_endpoint = uri("authorize")?;
                config.registration_endpoint = uri("register")?;
                config.management_endpoint = uri("manage")?;
                config.introspection_endpoint = uri("introspect")?;
                config.revocation_endpoint = uri("revoke")?;
                config.source = ConfigSource::CapabilityStatement;
                Ok(Some(config))
            };
            match build() {
                Ok(Some(c)) => return Some(Ok(c)),
                Ok(None) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }
    None
}
