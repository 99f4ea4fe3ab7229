//! Protocol tests against an in-process HTTP mock (wiremock, loopback only): one test or more for
//! every behaviour the client promises.

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod body_limit;
mod bundle;
mod errors;
mod export_download;
mod export_kickoff;
mod export_large;
mod export_status;
mod export_support;
mod faults;
mod history_ops;
mod json_body;
mod read;
mod retry;
mod search;
#[cfg(feature = "smart")]
mod smart_backend;
#[cfg(feature = "smart")]
mod smart_discovery;
#[cfg(feature = "smart")]
mod smart_launch;
#[cfg(feature = "smart")]
mod smart_secrets;
#[cfg(feature = "smart")]
mod smart_support;
mod version;
mod write;
mod wrong_type;
#[cfg(feature = "xml")]
mod xml;
