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

fn invalid(message: impl Into<String>) -> SmartError {
    SmartError::new(SmartErrorKind::Decoding, message)
}

fn member<'a>(v: &'a JsonValue, name: &str) -> Option<&'a str> {
    v.get(name).and_then(JsonValue::as_str)
}

/// Whether the JWK `key` verifies `signature` of `message` with `alg`.
fn verifies(key: &JsonValue, alg: &str, message: &[u8], signature: &[u8]) -> bool {
    use ring::signature as sig;
    let part = |name: &str| member(key, name).and_then(|v| b64url_decode(v).ok());
    match (member(key, "kty"), alg) {
        (Some("RSA"), "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512") => {
            let (Some(n), Some(e)) = (part("n"), part("e")) else {
                return false;
            };
            let params: &sig::RsaParameters = match alg {
                "RS256" => &sig::RSA_PKCS1_2048_8192_SHA256,
                "RS384" => &sig::RSA_PKCS1_2048_8192_SHA384,
                "RS512" => &sig::RSA_PKCS1_2048_8192_SHA512,
                "PS256" => &sig::RSA_PSS_2048_8192_SHA256,
                "PS384" => &sig::RSA_PSS_2048_8192_SHA384,
                _ => &sig::RSA_PSS_2048_8192_SHA512,
            };
            sig::RsaPublicKeyComponents { n, e }
                .verify(params, message, signature)
                .is_ok()
        }
        (Some("EC"), "ES256" | "ES384") => {
            let (Some(x), Some(y)) = (part("x"), part("y")) else {
                return false;
            };
            let (curve, params): (&str, &sig::EcdsaVerificationAlgorithm) = if alg == "ES256" {
                ("P-256", &sig::ECDSA_P256_SHA256_FIXED)
            } else {
                ("P-384", &sig::ECDSA_P384_SHA384_FIXED)
            };
            if member(key, "crv") != Some(curve) {
                return false;
            }
            let mut point = vec![4u8];
            point.extend(x);
            point.extend(y);
            sig::UnparsedPublicKey::new(params, point)
                .verify(message, signature)
                .is_ok()
        }
        _ => false,
    }
}

/// The claims of a JWT whose signature a key of `jwks` (a JWKS document, `{"keys":[...]}`)
/// verifies (RS256/384/512, PS256/384/512, ES256, ES384; never `none`), whose `iss` is
/// `issuer`, whose `aud` names `audience`, and which has not expired.
///
/// ```
/// let e = fhir_client::smart::verified_claims("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.",
///     r#"{"keys":[]}"#, "https://auth.example.org", "my-app").unwrap_err();
/// assert!(e.to_string().contains("none"));
/// ```
pub fn verified_claims(
    jwt: &str,
    jwks: &str,
    issuer: &str,
    audience: &str,
) -> Result<JsonValue, SmartError> {
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return Err(invalid("the JWT does not have three parts"));
    }
    let header = b64url_decode(parts[0])
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| JsonValue::parse(&t).ok())
        .ok_or_else(|| invalid("the JWT's header is not base64url JSON"))?;
    let alg = member(&header, "alg").unwrap_or("none");
    if alg == "none" {
        return Err(invalid("the JWT is not signed (alg none)"));
    }
    let signature =
        b64url_decode(parts[2]).map_err(|_| invalid("the JWT's signature is not base64url"))?;
    let jwks = JsonValue::parse(jwks).map_err(|e| invalid(format!("the JWKS is not JSON: {e}")))?;
    let keys = match jwks.get("keys") {
        Some(JsonValue::Array(keys)) => keys.as_slice(),
        _ => return Err(invalid("the JWKS has no keys array")),
    };
    let kid = member(&header, "kid");
    let message = format!("{}.{}", parts[0], parts[1]);
    let ok = keys
        .iter()
        .filter(|k| kid.is_none() || member(k, "kid") == kid)
        .any(|k| verifies(k, alg, message.as_bytes(), &signature));
    if !ok {
        return Err(invalid(format!(
            "no key of the JWKS (kid {kid:?}) verifies the {alg} signature"
        )));
    }
    let claims = unverified_claims(jwt)?;
    // `https://a.example` and `https://a.example/` name one issuer (a parsed URL adds the slash).
    let trim = |s: &str| s.trim_end_matches('/').to_owned();
    if member(&claims, "iss").map(trim) != Some(trim(issuer)) {
        return Err(invalid(format!(
            "the JWT's iss is {:?}, not {issuer:?}",
            member(&claims, "iss")
        )));
    }
    let aud_ok = match claims.get("aud") {
        Some(JsonValue::String(a)) => a == audience,
        Some(JsonValue::Array(list)) => list.iter().any(|a| a.as_str() == Some(audience)),
        _ => false,
    };
    if !aud_ok {
        return Err(invalid(format!("the JWT's aud does not name {audience:?}")));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    match claims.get("exp") {
        Some(JsonValue::Number(n)) if n.parse::<f64>().is_ok_and(|exp| exp > now as f64) => {}
        _ => return Err(invalid("the JWT has expired (or has no exp)")),
    }
    Ok(claims)
}
