//! Bulk Data Access (FHIR Bulk Data Access IG 2.0.0): `$export` of a whole population, its
//! files streamed as NDJSON through the typed model within bounded memory.
//!
//! 1. Kick off with [`Client::export`](crate::Client::export) (system, patient or group level;
//!    GET, or POST with a Parameters body): the server answers 202 with a status URL, an
//!    [`ExportJob`].
//! 2. Poll it with [`ExportJob::wait`] (backoff that honours `Retry-After`, seconds or an HTTP
//!    date; `X-Progress` reported; 429 taken as "wait") until the [`Manifest`] comes;
//!    [`ExportJob::cancel`] sends `DELETE`.
//! 3. Read the files with an [`Export`]: one file line by line ([`Export::file`]), or every file
//!    as a `Stream` of typed resources ([`Export::resources`]), raw resources, text lines, the
//!    error files' OperationOutcomes and the deleted files' Bundles.
//!
//! Downloads are read in chunks and cut into batches of complete lines (buffers reused, no
//! copy per line); what one holds is bounded by the line limit ([`Export::max_line_bytes`]),
//! whatever the file's size. The typed streams read the lines where they are polled; on a
//! runtime of several worker threads (`#[tokio::main]`'s default) each file is downloaded by a
//! task of its own, at most 8 batches of 64 KB ahead, so that receiving and parsing use two
//! cores; [`Export::map_lines`] runs a closure on a thread of the file's own beside the download.
//! gzip is undone, as `Content-Encoding` or as a gzip file. The FHIR server's token goes with a
//! download only when the manifest's `requiresAccessToken` is true and the file is on the FHIR
//! server's origin or on the manifest's own, that of the status URL it was fetched from
//! ([`Manifest::status_url`]; [`Export::sends_token`]). Presigned URLs on other hosts get no
//! credentials. A download that breaks off is resumed with `Range` when the server accepts
//! byte ranges, or started again with the lines already read skipped: no line is given twice.
//!
//! ```no_run
//! use fhir_client::export::Export;
//! use fhir_model::r4::Patient;
//! use futures_util::StreamExt;
//!
//! # async fn run() -> Result<(), fhir_client::Error> {
//! let client = fhir_client::Client::new("https://example.org/fhir")?;
//! let job = client.export().types(["Patient"]).since("2024-01-01T00:00:00Z").await?;
//! let manifest = job.wait().await?;
//! let export = Export::new(&client, manifest);
//! let mut patients = export.resources::<Patient>();
//! while let Some(item) = patients.next().await {
//!     let patient = item?;
//!     println!("line {}: {:?}", patient.line, patient.value.id);
//! }
//! job.cancel().await?; // done with the files: the server may delete them
//! # Ok(()) }
//! ```

mod ahead;
mod download;
mod kickoff;
mod lines;
mod manifest;
mod resources;
mod status;

pub use download::{DEFAULT_MAX_LINE_BYTES, NdjsonFile, NdjsonLine};
pub use kickoff::{ExportKickoff, ExportLevel};
pub use manifest::{Manifest, ManifestError, ManifestFile};
pub use resources::{Export, ExportLine, ExportStream};
pub use status::{ExportJob, ExportProgress, ExportStatus};
