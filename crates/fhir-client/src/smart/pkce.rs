//! PKCE (RFC 7636, S256), random values for `state` and `jti`, and a constant-time comparison.

use std::fmt;

use ring::rand::{SecureRandom, SystemRandom};

use super::jwt::b64url;
use crate::auth::Secret;

/// `n` random bytes from the operating system, base64url: for `state`, `jti` and the verifier.
pub(crate) fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    // The system generator fails only when the OS has none, which TLS could not live without
    // either; the panic names that instead of sending a predictable value.
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system's random generator failed");
    b64url(&bytes)
}

/// Whether `a` and `b` are equal, in a time that depends on their lengths only.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    // black_box keeps the compiler from turning the loop into an early return.
    std::hint::black_box(diff) == 0
}

/// A PKCE pair: the secret `code_verifier` (kept for the token request) and its S256
/// `code_challenge` (sent in the authorization URL). `Debug` shows the challenge only.
///
/// ```
/// let pkce = fhir_client::smart::Pkce::new();
/// assert_eq!(pkce.challenge().len(), 43);
/// assert!(!format!("{pkce:?}").contains(pkce.verifier()));
/// ```
#[derive(Clone)]
pub struct Pkce {
    verifier: Secret,
    challenge: String,
}

impl Pkce {
    /// A fresh pair: 32 random bytes as the verifier (43 characters), its SHA-256 as challenge.
    ///
    /// ```
    /// assert_ne!(fhir_client::smart::Pkce::new().verifier(), fhir_client::smart::Pkce::new().verifier());
    /// ```
    pub fn new() -> Pkce {
        let verifier = random_token(32);
        let challenge = s256(&verifier);
        Pkce {
            verifier: Secret::new(verifier),
            challenge,
        }
    }

    /// The `code_verifier`, for the token request only.
    ///
    /// ```
    /// assert_eq!(fhir_client::smart::Pkce::new().verifier().len(), 43);
    /// ```
    pub fn verifier(&self) -> &str {
        self.verifier.expose()
    }

    /// The `code_challenge` (method `S256`).
    ///
    /// ```
    /// let p = fhir_client::smart::Pkce::new();
    /// assert!(p.challenge().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    /// ```
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Pkce::new()
    }
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &self.verifier)
            .field("challenge", &self.challenge)
            .finish()
    }
}

/// The S256 challenge of a verifier: base64url(SHA-256(verifier)).
pub(crate) fn s256(verifier: &str) -> String {
    b64url(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_example() {
        // Appendix B of RFC 7636.
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
