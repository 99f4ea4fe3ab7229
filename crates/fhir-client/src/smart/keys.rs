//! Private keys for the client assertion: PKCS#8 or PKCS#1 PEM, or a JWK, RS384 or ES384.

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fhir_model::json::JsonValue;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};

use super::error::{SmartError, SmartErrorKind};
use super::jwt::{b64url, b64url_decode};

/// The signing algorithms SMART Backend Services names (`token_endpoint_auth_signing_alg_values_supported`).
///
/// ```
/// assert_eq!(fhir_client::smart::Algorithm::Es384.as_str(), "ES384");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// ECDSA on P-384 with SHA-384, the signature as the fixed 96-byte `r || s` of JWS.
    Es384,
}

impl Algorithm {
    /// The JWS name: `RS384` or `ES384`.
    ///
    /// ```
    /// assert_eq!(fhir_client::smart::Algorithm::Rs384.as_str(), "RS384");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Rs384 => "RS384",
            Algorithm::Es384 => "ES384",
        }
    }
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// A private key that signs client assertions, with the `kid` the server knows it by.
///
/// Read from PEM (`BEGIN PRIVATE KEY`, PKCS#8, RSA or P-384; `BEGIN RSA PRIVATE KEY`, PKCS#1) or
/// from a private JWK (`kty` `RSA` or `EC` with `crv` `P-384`). Its `Debug` shows the algorithm
/// and `kid`, never the key.
///
/// ```no_run
/// use fhir_client::smart::SigningKey;
///
/// let key = SigningKey::from_file("private-key.pem")?.with_kid("key-1");
/// println!("{key:?}"); // SigningKey { alg: "RS384", kid: Some("key-1") }
/// # Ok::<(), fhir_client::smart::SmartError>(())
/// ```
pub struct SigningKey {
    pair: Pair,
    kid: Option<String>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.algorithm().as_str())
            .field("kid", &self.kid)
            .finish()
    }
}

fn key_error(message: impl Into<String>) -> SmartError {
    SmartError::new(SmartErrorKind::Key, message)
}

impl SigningKey {
    /// Reads a key file: PEM, or a JWK when the text starts with `{`. The error names the file,
    /// never its content.
    ///
    /// ```no_run
    /// let key = fhir_client::smart::SigningKey::from_file("jwk.json")?;
    /// # Ok::<(), fhir_client::smart::SmartError>(())
    /// ```
    pub fn from_file(path: impl AsRef<Path>) -> Result<SigningKey, SmartError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            key_error(format!("cannot read the key file {}", path.display())).with_source(e)
        })?;
        SigningKey::from_text(&text).map_err(|e| e.context(path.display().to_string()))
    }

    /// Reads PEM or a JWK, whichever `text` is.
    ///
    /// ```
    /// let e = fhir_client::smart::SigningKey::from_text("not a key").unwrap_err();
    /// assert_eq!(e.kind(), fhir_client::smart::SmartErrorKind::Key);
    /// ```
    pub fn from_text(text: &str) -> Result<SigningKey, SmartError> {
        if text.trim_start().starts_with('{') {
            SigningKey::from_jwk(text)
        } else {
            SigningKey::from_pem(text)
        }
    }

    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`, RSA or EC P-384) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`). RSA keys sign with RS384, P-384 keys with ES384.
    ///
    /// ```
    /// let e = fhir_client::smart::SigningKey::from_pem("-----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----").unwrap_err();
    /// assert!(e.to_string().contains("PKCS#8"));
    /// ```
    pub fn from_pem(pem: &str) -> Result<SigningKey, SmartError> {
        let (label, der) = pem_body(pem)?;
        let rng = SystemRandom::new();
        let pair = match label.as_str() {
            "PRIVATE KEY" => {
                if let Ok(k) = RsaKeyPair::from_pkcs8(&der) {
                    Pair::Rsa(k)
                } else {
                    EcdsaKeyPair::from_pkcs8(
                        &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                        &der,
                        &rng,
                    )
                    .map(Pair::Ec)
                    .map_err(|e| {
                        key_error(format!(
                            "the PKCS#8 key is neither an RSA key (2048 bits or more) nor an EC key on P-384: {e}"
                        ))
                    })?
                }
            }
            "RSA PRIVATE KEY" => Pair::Rsa(
                RsaKeyPair::from_der(&der)
                    .map_err(|e| key_error(format!("the PKCS#1 RSA key is not usable: {e}")))?,
            ),
            "EC PRIVATE KEY" => {
                return Err(key_error(
                    "SEC1 EC keys are not read: convert to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)",
                ));
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err(key_error(
                    "encrypted private keys are not read: decrypt it first",
                ));
            }
            other => {
                return Err(key_error(format!(
                    "a PEM block {other:?} is not a private key"
                )));
            }
        };
        Ok(SigningKey { pair, kid: None })
    }

    /// Reads a private JWK (`kty` `RSA` with `n`, `e`, `d`, `p`, `q`, `dp`, `dq`, `qi`, or `EC` with
    /// `crv` `P-384`, `x`, `y`, `d`); its `kid`, when present, becomes the key's.
    ///
    /// ```
    /// let e = fhir_client::smart::SigningKey::from_jwk(r#"{"kty":"oct","k":"AA"}"#).unwrap_err();
    /// assert!(e.to_string().contains("oct"));
    /// ```
    pub fn from_jwk(text: &str) -> Result<SigningKey, SmartError> {
        let jwk =
            JsonValue::parse(text).map_err(|e| key_error(format!("the JWK is not JSON: {e}")))?;
        let member = |name: &str| -> Result<Vec<u8>, SmartError> {
            let v = jwk
                .get(name)
                .and_then(JsonValue::as_str)
                .ok_or_else(|| key_error(format!("the JWK has no {name:?}")))?;
            b64url_decode(v).map_err(|_| key_error(format!("the JWK's {name:?} is not base64url")))
        };
        let kty = jwk.get("kty").and_then(JsonValue::as_str).unwrap_or("");
        let pair = match kty {
            "RSA" => {
                let components = ring::rsa::KeyPairComponents {
                    public_key: ring::rsa::PublicKeyComponents {
                        n: member("n")?,
                        e: member("e")?,
                    },
                    d: member("d")?,
                    p: member("p")?,
                    q: member("q")?,
                    dP: member("dp")?,
                    dQ: member("dq")?,
                    qInv: member("qi")?,
                };
                Pair::Rsa(
                    RsaKeyPair::from_components(&components)
                        .map_err(|e| key_error(format!("the RSA JWK is not usable: {e}")))?,
                )
            }
            "EC" => {
                let crv = jwk.get("crv").and_then(JsonValue::as_str).unwrap_or("");
                if crv != "P-384" {
                    return Err(key_error(format!(
                        "the EC JWK is on curve {crv:?}; ES384 needs P-384"
                    )));
                }
                let mut public = vec![4u8];
                public.extend(member("x")?);
                public.extend(member("y")?);
                Pair::Ec(
                    EcdsaKeyPair::from_private_key_and_public_key(
                        &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                        &member("d")?,
                        &public,
                        &SystemRandom::new(),
                    )
                    .map_err(|e| key_error(format!("the EC JWK is not usable: {e}")))?,
                )
            }
            other => {
                return Err(key_error(format!(
                    "a JWK of kty {other:?} cannot sign RS384 or ES384"
                )));
            }
        };
        let kid = jwk
            .get("kid")
            .and_then(JsonValue::as_str)
            .map(str::to_owned);
        Ok(SigningKey { pair, kid })
    }

    /// The same key with the `kid` the server registered it under (sent in the JWT header).
    ///
    /// ```no_run
    /// let key = fhir_client::smart::SigningKey::from_file("k.pem")?.with_kid("2024-01");
    /// assert_eq!(key.kid(), Some("2024-01"));
    /// # Ok::<(), fhir_client::smart::SmartError>(())
    /// ```
    pub fn with_kid(mut self, kid: impl Into<String>) -> SigningKey {
        self.kid = Some(kid.into());
        self
    }

    /// The key id, if any.
    ///
    /// ```no_run
    /// # let key = fhir_client::smart::SigningKey::from_file("k.pem")?;
    /// println!("{:?}", key.kid());
    /// # Ok::<(), fhir_client::smart::SmartError>(())
    /// ```
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// RS384 for an RSA key, ES384 for a P-384 key.
    ///
    /// ```no_run
    /// # let key = fhir_client::smart::SigningKey::from_file("k.pem")?;
    /// println!("{}", key.algorithm().as_str());
    /// # Ok::<(), fhir_client::smart::SmartError>(())
    /// ```
    pub fn algorithm(&self) -> Algorithm {
        match self.pair {
            Pair::Rsa(_) => Algorithm::Rs384,
            Pair::Ec(_) => Algorithm::Es384,
        }
    }

    /// The public half as a JWK (with `kid`, `alg` and `use`), for the server's JWKS.
    ///
    /// ```no_run
    /// # let key = fhir_client::smart::SigningKey::from_file("k.pem")?;
    /// println!("{{\"keys\":[{}]}}", key.public_jwk());
    /// # Ok::<(), fhir_client::smart::SmartError>(())
    /// ```
    pub fn public_jwk(&self) -> String {
        let s = |v: &str| JsonValue::String(v.to_owned());
        let mut members = match &self.pair {
            Pair::Rsa(k) => {
                let c = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(k.public());
                vec![
                    ("kty".to_owned(), s("RSA")),
                    ("n".to_owned(), s(&b64url(&c.n))),
                    ("e".to_owned(), s(&b64url(&c.e))),
                ]
            }
            Pair::Ec(k) => {
                let point = k.public_key().as_ref();
                let (x, y) = point[1..].split_at((point.len() - 1) / 2);
                vec![
                    ("kty".to_owned(), s("EC")),
                    ("crv".to_owned(), s("P-384")),
                    ("x".to_owned(), s(&b64url(x))),
                    ("y".to_owned(), s(&b64url(y))),
                ]
            }
        };
        members.push(("alg".to_owned(), s(self.algorithm().as_str())));
        members.push(("use".to_owned(), s("sig")));
        if let Some(kid) = &self.kid {
            members.push(("kid".to_owned(), s(kid)));
        }
        JsonValue::Object(members).to_json_string()
    }

    /// The JWS signature of `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SmartError> {
        let rng = SystemRandom::new();
        match &self.pair {
            Pair::Rsa(k) => {
                let mut sig = vec![0u8; k.public().modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA384, &rng, message, &mut sig)
                    .map_err(|_| key_error("RSA signing failed"))?;
                Ok(sig)
            }
            Pair::Ec(k) => k
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| key_error("ECDSA signing failed")),
        }
    }
}

/// The label and DER bytes of the first PEM block.
fn pem_body(pem: &str) -> Result<(String, Vec<u8>), SmartError> {
    let start = pem
        .find("-----BEGIN ")
        .ok_or_else(|| key_error("not a PEM key (no -----BEGIN line) nor a JWK"))?;
    let rest = &pem[start + "-----BEGIN ".len()..];
    let label_end = rest
        .find("-----")
        .ok_or_else(|| key_error("a PEM BEGIN line without its closing dashes"))?;
    let label = rest[..label_end].to_owned();
    let body = &rest[label_end + 5..];
    let end = body
        .find("-----END ")
        .ok_or_else(|| key_error(format!("the PEM block {label:?} has no END line")))?;
    let b64: String = body[..end].split_whitespace().collect();
    let der = STANDARD
        .decode(b64.as_bytes())
        .map_err(|_| key_error(format!("the PEM block {label:?} is not valid base64")))?;
    Ok((label, der))
}
