//! A typed async client for the FHIR REST API, returning [`fhir_model`] types.
//!
//! One [`Client`] per server base URL: cheap to clone, safe to share between tasks.
//!
//! - Read: [`Client::capabilities`], [`Client::read`], [`Client::vread`],
//!   [`Client::read_versioned`], [`Client::read_if_none_match`], [`Client::read_reference`],
//!   [`Client::resolve_reference`].
//! - Search: [`SearchParams`], [`Client::search`] (a typed [`Page`]), [`Client::search_pages`]
//!   (a `Stream` of pages following `next` links), [`Client::search_type`],
//!   [`Client::search_system`].
//! - Write: [`Client::create`], [`Client::update`], [`Client::patch`], [`Client::delete`] and
//!   their conditional forms, each answering a [`WriteOutcome`] or [`DeleteOutcome`];
//!   [`Client::create_json`], [`Client::update_json`], [`Client::transaction_json`] and
//!   [`Client::batch_json`] send JSON already checked as written, without a second parse.
//! - History, batch, transaction, operations: [`Client::history`], [`Client::batch`],
//!   [`Client::transaction`], [`Client::operation`], [`Client::everything`].
//! - Bulk Data `$export`: [`Client::export`] and the [`export`] module: kick-off, polling, the
//!   manifest, files streamed as NDJSON through the typed model.
//! - Errors: one [`Error`], with an [`ErrorKind`], the status, headers, raw body and parsed
//!   OperationOutcome of HTTP errors.
//! - FHIR versions: the client is generic over the version of the models it uses,
//!   [`FhirVersion`]: [`R4`] by default (`Client` is `Client<R4>`, `Error` is `Error<R4>`,
//!   `Page<T>` is `Page<T, R4>`, ...), or `R5` with the `r5` feature and
//!   [`ClientBuilder::fhir_version`]. [`Client::check_fhir_version`] compares the server's
//!   `fhirVersion` with the models' and [`ClientBuilder::verify_fhir_version`] does it once,
//!   before the first request.
//!
//! On the wire: `Accept: application/fhir+json`, resources sent as
//! `application/fhir+json; charset=utf-8`, `_format` only when asked for
//! ([`ClientBuilder::format_param`]); idempotent requests retried on connect errors, 429, 502,
//! 503 and 504 ([`RetryPolicy`]); credentials sent only to the base URL's origin; one `tracing`
//! span per attempt (`fhir_request`: method, URL, attempt, status, elapsed), without credentials.
//! TLS is rustls with the ring provider; [`http_client_builder`] gives the same `reqwest` setup
//! for a client of your own.
//!
//! ```no_run
//! use fhir_client::Client;
//! use fhir_model::r4::Patient;
//!
//! # async fn run() -> Result<(), fhir_client::Error> {
//! let client = Client::new("https://r4.smarthealthit.org")?;
//! let metadata = client.capabilities().await?;
//! println!("{:?}", metadata.fhir_version.value);
//! let patient: Patient = client.read("87a339d0-8cae-418e-89c7-8651e6aab3c6").await?;
//! for name in &patient.name {
//!     println!("{:?} {:?}", name.given, name.family);
//! }
//! # Ok(()) }
//! ```
//!
//! The same with FHIR R5 (the `r5` feature), the server's version checked before the first
//! request:
//!
//! ```no_run
//! # #[cfg(feature = "r5")]
//! # async fn run() -> Result<(), fhir_client::Error<fhir_client::R5>> {
//! use fhir_client::{Client, R5};
//! use fhir_model::r5::Patient;
//!
//! let client = Client::builder("https://example.org/fhir/r5")
//!     .fhir_version::<R5>()
//!     .verify_fhir_version(true)
//!     .build()?;
//! let patient: Patient = client.read("example").await?;
//! println!("{:?}", patient.name.first().and_then(|n| n.family.as_ref()));
//! # Ok(()) }
//! ```
//!
//! Cargo features: `all-resources` (default) types every resource of the models in use (without
//! it, add the model's features of the resources you use); `r5` adds FHIR R5 ([`FhirVersion`]
//! `R5`, the `fhir_model::r5` models) next to R4; `smart` (default) adds [`smart`], SMART on
//! FHIR authorization (backend services and app launch) as a [`TokenProvider`].
#![warn(missing_docs)]

mod auth;
mod bundle;
mod client;
mod error;
pub mod export;
mod format;
mod headers;
mod history;
mod inner;
mod json_body;
#[cfg(test)]
mod module_graph;
mod operation;
mod paging;
mod patch;
mod path_segments;
mod query;
mod read;
mod request;
mod retry;
mod search;
#[cfg(feature = "smart")]
pub mod smart;
mod version;
mod write;

pub use auth::{BoxFuture, TokenProvider, token_fn};
pub use bundle::{BundleBuilder, BundleResponse, EntryResponse};
pub use client::{
    Client, ClientBuilder, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_EMPTY_PAGES, DEFAULT_MAX_PAGES,
    http_client_builder,
};
pub use error::{BoxError, Error, ErrorKind};
pub use format::{Format, FormatParam};
pub use history::HistoryParams;
pub use inner::CrossOriginNotice;
pub use operation::Operation;
pub use paging::{Page, Pages, ResourceAt};
pub use patch::{FhirPathPatch, JsonPatch, Patch, PatchBody};
pub use read::{Conditional, Versioned};
pub use retry::RetryPolicy;
pub use search::{Prefix, SearchParams, Summary, Total};
#[cfg(feature = "r5")]
pub use version::R5;
pub use version::{FhirVersion, R4};
pub use write::{Create, DeleteOutcome, Return, Update, WriteOutcome};

/// `From` each version's own `Bundle` and `Parameters` for [`BundleResponse`] and [`PatchBody`],
/// one line per version below. Written per version because coherence forbids the generic
/// `From<V::Bundle>` (it could overlap with `From<T> for T`); written here, where the versions meet
/// the types, so that `version.rs` imports neither `bundle.rs` nor `patch.rs`.
macro_rules! from_version_types {
    ($marker:ident) => {
        impl From<<$marker as FhirVersion>::Bundle> for BundleResponse<$marker> {
            fn from(bundle: <$marker as FhirVersion>::Bundle) -> Self {
                BundleResponse::from_bundle(bundle)
            }
        }

        impl From<<$marker as FhirVersion>::Parameters> for PatchBody<$marker> {
            fn from(parameters: <$marker as FhirVersion>::Parameters) -> Self {
                PatchBody::FhirPath(Box::new(parameters))
            }
        }
    };
}

from_version_types!(R4);
#[cfg(feature = "r5")]
from_version_types!(R5);

/// The HTTP client underneath, for [`ClientBuilder::http_client`] and the types in errors.
///
/// ```
/// let status: fhir_client::reqwest::StatusCode = fhir_client::reqwest::StatusCode::GONE;
/// ```
pub use reqwest;

/// The README's Rust examples, compiled and run as doctests so that they stay true (with the
/// `xml` feature, which one of them uses; the workspace's tests turn it on).
#[cfg(all(doctest, feature = "xml"))]
#[doc = include_str!("../../../README.md")]
struct ReadmeExamples;
