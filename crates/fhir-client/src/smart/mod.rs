//! SMART on FHIR authorization (the `smart` feature): how an app or a service gets the access
//! token that a protected FHIR API asks for.
//!
//! - [`discover`]: the server's [`SmartConfiguration`], from `.well-known/smart-configuration`
//!   or the CapabilityStatement's OAuth URIs extension.
//! - [`BackendServices`]: system-to-system access, `client_credentials` with a client assertion
//!   signed by a [`SigningKey`] (RS384 or ES384, from PEM or JWK) or a client secret.
//! - [`AppLaunch`]: a user logs in; the authorization code grant with PKCE (S256) and `state`,
//!   standalone or launched from the EHR; [`TokenResponse`] keeps the launch context
//!   (`patient`, `encounter`, `fhirUser`, ...) and [`UserSession`] refreshes the access token.
//!
//! Both providers plug into [`ClientBuilder::token_provider`](crate::ClientBuilder::token_provider):
//! the client asks them for a token before the first request, again when the token is about to
//! expire, and for a new one when the server answers 401.
//!
//! Secrets (tokens, client secrets, private keys, codes, the PKCE verifier, `state`) never show
//! in `Debug`, `Display`, errors or `tracing` output, and are sent only to the authorization
//! server's endpoints over HTTPS (or HTTP on loopback): no redirect from the token endpoint is
//! followed. The access token goes to the FHIR base's origin only.
//!
//! ```no_run
//! use fhir_client::Client;
//! use fhir_client::smart::{BackendServices, ClientAuth, SigningKey};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let base = "https://ehr.example.org/fhir";
//! let key = SigningKey::from_file("service-key.pem")?.with_kid("2024-06");
//! let tokens = BackendServices::discover(base, "lab-export", ClientAuth::private_key_jwt(key))
//!     .await?
//!     .scope("system/Patient.rs system/Observation.rs");
//! let client = Client::builder(base).token_provider(tokens).build()?;
//! let patient: fhir_model::r4::Patient = client.read("123").await?;
//! # Ok(()) }
//! ```

mod app_launch;
mod backend;
mod config;
mod discovery;
mod error;
mod http;
mod jwt;
mod keys;
mod pkce;
mod token;

pub use app_launch::{AppLaunch, AuthorizationRequest, UserSession};
pub use backend::{BackendServices, DEFAULT_REFRESH_MARGIN};
pub use config::{ConfigSource, SmartConfiguration};
pub use discovery::{discover, discover_with};
pub use error::{SmartError, SmartErrorKind};
pub use jwt::{MAX_ASSERTION_LIFETIME, client_assertion, unverified_claims, verified_claims};
pub use keys::{Algorithm, SigningKey};
pub use pkce::Pkce;
pub use token::{ClientAuth, TokenResponse};
