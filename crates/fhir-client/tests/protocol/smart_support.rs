//! Keys made at test time, a JWT taken apart and its signature checked, form bodies read.
#![allow(dead_code)]

use std::process::Command;
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use fhir_model::json::JsonValue;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair};
use wiremock::Request;

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

fn pem_der(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(b64).unwrap()
}

/// A fresh 2048-bit RSA key as PKCS#8 PEM, made by `openssl` once per test run.
pub fn rsa_pem() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| {
        let out = Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
            ])
            .output()
            .expect("the RSA test key is made with the openssl command, which is not installed");
        assert!(out.status.success(), "openssl genpkey failed");
        String::from_utf8(out.stdout).unwrap()
    })
}

/// A fresh P-384 key as PKCS#8 PEM.
pub fn ec_pem() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| {
        let doc = EcdsaKeyPair::generate_pkcs8(
            &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
            &SystemRandom::new(),
        )
        .unwrap();
        pem("PRIVATE KEY", doc.as_ref())
    })
}

/// One DER element: (tag, content, rest).
fn der(input: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = input[0];
    let (len, start) = match input[1] {
        n if n < 0x80 => (n as usize, 2),
        n => {
            let k = (n & 0x7f) as usize;
            let len = input[2..2 + k]
                .iter()
                .fold(0usize, |a, b| (a << 8) | *b as usize);
            (len, 2 + k)
        }
    };
    (tag, &input[start..start + len], &input[start + len..])
}

/// The elements of a DER sequence's content.
fn items(mut content: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (tag, c, rest) = der(content);
        out.push((tag, c));
        content = rest;
    }
    out
}

fn unsigned(b: &[u8]) -> &[u8] {
    let mut b = b;
    while b.len() > 1 && b[0] == 0 {
        b = &b[1..];
    }
    b
}

fn b64(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

/// The RSA key's integers (n, e, d, p, q, dp, dq, qi) from its PKCS#8 PEM.
fn rsa_integers(pem: &str) -> Vec<Vec<u8>> {
    let doc = pem_der(pem);
    let (_, pkcs8, _) = der(&doc);
    let parts = items(pkcs8);
    let (_, rsa_key, _) = der(parts[2].1);
    items(rsa_key)[1..9]
        .iter()
        .map(|(_, c)| unsigned(c).to_vec())
        .collect()
}

/// The RSA key as a private JWK with `kid`.
pub fn rsa_jwk(kid: &str) -> String {
    let i = rsa_integers(rsa_pem());
    format!(
        r#"{{"kty":"RSA","kid":"{kid}","n":"{}","e":"{}","d":"{}","p":"{}","q":"{}","dp":"{}","dq":"{}","qi":"{}"}}"#,
        b64(&i[0]),
        b64(&i[1]),
        b64(&i[2]),
        b64(&i[3]),
        b64(&i[4]),
        b64(&i[5]),
        b64(&i[6]),
        b64(&i[7])
    )
}

/// The P-384 key as a private JWK with `kid`.
pub fn ec_jwk(kid: &str) -> String {
    let doc = pem_der(ec_pem());
    let (_, pkcs8, _) = der(&doc);
    let parts = items(pkcs8);
    let (_, ec_key, _) = der(parts[2].1);
    let fields = items(ec_key);
    let d = fields[1].1;
    let public = public_ec();
    let (x, y) = public[1..].split_at(48);
    format!(
        r#"{{"kty":"EC","crv":"P-384","kid":"{kid}","x":"{}","y":"{}","d":"{}"}}"#,
        b64(x),
        b64(y),
        b64(d)
    )
}

fn public_ec() -> Vec<u8> {
    EcdsaKeyPair::from_pkcs8(
        &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        &pem_der(ec_pem()),
        &SystemRandom::new(),
    )
    .unwrap()
    .public_key()
    .as_ref()
    .to_vec()
}

/// A JWT taken apart: header, claims, and whether its signature verifies with the test key of
/// its `alg`.
pub struct Jwt {
    pub header: JsonValue,
    pub claims: JsonValue,
    pub signature_len: usize,
    pub verified: bool,
}

pub fn decode_jwt(jwt: &str) -> Jwt {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWS in compact form has three parts");
    let json = |p: &str| {
        JsonValue::parse(std::str::from_utf8(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()).unwrap()
    };
    let header = json(parts[0]);
    let claims = json(parts[1]);
    let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    let message = format!("{}.{}", parts[0], parts[1]);
    let verified = match header.get("alg").and_then(|a| a.as_str()) {
        Some("RS384") => {
            let i = rsa_integers(rsa_pem());
            signature::RsaPublicKeyComponents { n: &i[0], e: &i[1] }
                .verify(
                    &signature::RSA_PKCS1_2048_8192_SHA384,
                    message.as_bytes(),
                    &sig,
                )
                .is_ok()
        }
        Some("ES384") => {
            signature::UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, public_ec())
                .verify(message.as_bytes(), &sig)
                .is_ok()
        }
        _ => false,
    };
    Jwt {
        header,
        claims,
        signature_len: sig.len(),
        verified,
    }
}

/// A form body's value of `name`.
pub fn form_value(request: &Request, name: &str) -> Option<String> {
    url::form_urlencoded::parse(&request.body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub fn str_of<'a>(v: &'a JsonValue, name: &str) -> Option<&'a str> {
    v.get(name).and_then(|v| v.as_str())
}

pub fn num_of(v: &JsonValue, name: &str) -> Option<u64> {
    match v.get(name)? {
        JsonValue::Number(n) => n.parse().ok(),
        _ => None,
    }
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A token response body.
pub fn token_body(access: &str, expires_in: u64, extra: &str) -> String {
    format!(
        r#"{{"access_token":"{access}","token_type":"Bearer","expires_in":{expires_in}{extra}}}"#
    )
}

/// A JWT signed ES384 with the test P-384 key (`kid` `ec-1`).
pub fn sign_es384(claims: &str) -> String {
    let key = EcdsaKeyPair::from_pkcs8(
        &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        &pem_der(ec_pem()),
        &SystemRandom::new(),
    )
    .unwrap();
    let input = format!(
        "{}.{}",
        b64(br#"{"alg":"ES384","kid":"ec-1"}"#),
        b64(claims.as_bytes())
    );
    let sig = key.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
    format!("{input}.{}", b64(sig.as_ref()))
}

/// The JWKS of the test P-384 key.
pub fn ec_jwks() -> String {
    let public = public_ec();
    let (x, y) = public[1..].split_at(48);
    format!(
        r#"{{"keys":[{{"kty":"EC","crv":"P-384","kid":"ec-1","x":"{}","y":"{}"}}]}}"#,
        b64(x),
        b64(y)
    )
}
