//! The client assertion of `private_key_jwt` (a signed JWT), and reading a JWT's claims.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fhir_model::json::JsonValue;
use url::Url;

use super::error::{SmartError, SmartErrorKind};
use super::keys::SigningKey;
use super::pkce::random_token;

/// The longest lifetime SMART Backend Services allows a client assertion: five minutes.
pub const MAX_ASSERTION_LIFETIME: Duration = Duration::from_secs(300);

/// The `client_assertion_type` of `private_key_jwt`.
pub(crate) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub(crate) fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn b64url_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('='))
}

fn text(v: &str) -> JsonValue {
    JsonValue::String(v.to_owned())
}

/// A signed client assertion for the token endpoint `aud`: header `alg`, `typ` `JWT` and the
/// key's `kid`; claims `iss` = `sub` = `client_id`, `aud`, `exp` (now + `lifetime`, at most five
/// minutes), `iat` and a fresh random `jti`.
///
/// ```
/// # fn run(key: &fhir_client::smart::SigningKey) -> Result<(), fhir_client::smart::SmartError> {
/// use std::time::Duration;
/// let token_url = url::Url::parse("https://auth.example.org/token").unwrap();
/// let jwt = fhir_client::smart::client_assertion(key, "my-app", &token_url, Duration::from_secs(240))?;
/// assert_eq!(jwt.split('.').count(), 3);
/// # Ok(()) }
/// ```
pub fn client_assertion(
    key: &SigningKey,
    client_id: &str,
    aud: &Url,
    lifetime: Duration,
) -> Result<String, SmartError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let exp = now + lifetime.min(MAX_ASSERTION_LIFETIME).as_secs();
    let mut header = vec![
        ("alg".to_owned(), text(key.algorithm().as_str())),
        ("typ".to_owned(), text("JWT")),
    ];
    if let Some(kid) = key.kid() {
        header.push(("kid".to_owned(), text(kid)));
    }
    let claims = JsonValue::Object(vec![
        ("iss".to_owned(), text(client_id)),
        ("sub".to_owned(), text(client_id)),
        ("aud".to_owned(), text(aud.as_str())),
        ("exp".to_owned(), JsonValue::Number(exp.to_string())),
        ("iat".to_owned(), JsonValue::Number(now.to_string())),
        ("jti".to_owned(), text(&random_token(32))),
    ]);
    let signing_input = format!(
        "{}.{}",
        b64url(JsonValue::Object(header).to_json_string().as_bytes()),
        b64url(claims.to_json_string().as_bytes())
    );
    let signature = key.sign(signing_input.as_bytes())?;
    Ok(format!("{signing_input}.{}", b64url(&signature)))
}

/// The claims of a JWT, read without checking its signature (for an `id_token` whose issuer
/// the caller trusts over TLS; verify it against the server's JWKS before relying on it for
/// anything else).
///
/// ```
/// let claims = fhir_client::smart::unverified_claims("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.").unwrap();
/// assert_eq!(claims.get("sub").and_then(|v| v.as_str()), Some("a"));
/// ```
pub fn unverified_claims(jwt: &str) -> Result<JsonValue, SmartError> {
    let bad = |why: &str| SmartError::new(SmartErrorKind::Decoding, format!("the JWT {why}"));
    let payload = jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| bad("has no payload part"))?;
    let bytes = b64url_decode(payload).map_err(|_| bad("payload is not base64url"))?;
    let text = String::from_utf8(bytes).map_err(|_| bad("payload is not UTF-8"))?;
    let claims = JsonValue::parse(&text).map_err(|_| bad("payload is not JSON"))?;
    match claims {
        JsonValue::Object(_) => Ok(claims),
        _ => Err(bad("payload is not a JSON object")),
    }
}
