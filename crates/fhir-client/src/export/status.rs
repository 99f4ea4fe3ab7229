//! Polling the status URL (Bulk Data Access IG 2.0.0, "Bulk Data Status Request"): 202 while in
//! progress (with `X-Progress` and `Retry-After`), 200 with the manifest when complete, 429 as a
//! request to wait, any other error status as the export's failure; DELETE to cancel.

use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{ACCEPT, HeaderName, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::client::Client;
use crate::error::{Error, ErrorKind, RawError};
use crate::request::{self, Request, Response};
use crate::retry::parse_retry_after;
use crate::version::{FhirVersion, R4};

use super::manifest::Manifest;

/// An export the server is working on: its status URL, polled until the manifest comes.
///
/// ```no_run
/// use std::time::Duration;
///
/// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
/// let job = client.export().await?;
/// // Save `job.status_url()` to come back later with `ExportJob::resume`.
/// let manifest = job
///     .poll_interval(Duration::from_secs(2), Duration::from_secs(60))
///     .wait_with(|p| eprintln!("{}", p.progress.as_deref().unwrap_or("in progress")))
///     .await?;
/// println!("{} files", manifest.output.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ExportJob<V: FhirVersion = R4> {
    client: Client<V>,
    status_url: Url,
    min_interval: Duration,
    max_interval: Duration,
    max_wait: Duration,
    retry_after_cap: Option<Duration>,
}

/// What one status request answered.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportStatus {
    /// 202: still in progress.
    InProgress {
        /// `X-Progress`: the server's words for how far it got (`"50% complete"`).
        progress: Option<String>,
        /// `Retry-After`: when to ask again (seconds or an HTTP date, as a wait from now).
        retry_after: Option<Duration>,
    },
    /// 429: polled too often; ask again after the wait.
    TooManyRequests {
        /// `Retry-After`, when the server said.
        retry_after: Option<Duration>,
    },
    /// 200: done; the manifest lists the files.
    Complete(Box<Manifest>),
}

/// What [`ExportJob::wait_with`] reports before each wait.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportProgress {
    /// `X-Progress` of the last answer.
    pub progress: Option<String>,
    /// Status requests made so far.
    pub polls: u32,
    /// Time since waiting started.
    pub elapsed: Duration,
    /// The wait before the next status request.
    pub next_poll: Duration,
    /// Whether the last answer was a 429.
    pub throttled: bool,
}

/// Transport errors in a row a wait survives, retrying: a long export should not fail on one
/// dropped connection.
const TRANSPORT_RETRIES: u32 = 3;

impl<V: FhirVersion> ExportJob<V> {
    /// The job at `status_url` (from a kick-off of an earlier run, say), polled through `client`.
    ///
    /// ```
    /// use fhir_client::export::ExportJob;
    /// let client = fhir_client::Client::new("https://example.org/fhir").unwrap();
    /// let url = "https://example.org/fhir/$export-status/42".parse().unwrap();
    /// let job = ExportJob::resume(&client, url);
    /// assert_eq!(job.status_url().path(), "/fhir/$export-status/42");
    /// ```
    pub fn resume(client: &Client<V>, status_url: Url) -> ExportJob<V> {
        ExportJob {
            client: client.clone(),
            status_url,
            min_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(60),
            max_wait: Duration::from_secs(24 * 3600),
            retry_after_cap: None,
        }
    }

    /// The status URL.
    pub fn status_url(&self) -> &Url {
        &self.status_url
    }

    /// The wait between status requests when the server gives no `Retry-After`: from `min`,
    /// growing by half each time up to `max` (default 1 s to 60 s). A `Retry-After` is honoured
    /// as given.
    pub fn poll_interval(mut self, min: Duration, max: Duration) -> Self {
        self.min_interval = min;
        self.max_interval = max.max(min);
        self
    }

    /// How long [`wait`](Self::wait) waits in all before giving up with
    /// [`ErrorKind::Timeout`] (default 24 hours).
    pub fn max_wait(mut self, max: Duration) -> Self {
        self.max_wait = max;
        self
    }

    /// Wait at most `cap` between status requests even when the server's `Retry-After` asks
    /// for more (by default `Retry-After` is honoured whatever it says). For servers that ask
    /// for a fixed long wait (two minutes, say) for exports that are done in a second.
    pub fn cap_retry_after(mut self, cap: Duration) -> Self {
        self.retry_after_cap = Some(cap);
        self
    }

    /// One status request.
    pub async fn status(&self) -> Result<ExportStatus, Error<V>> {
        let request = Request::get(self.status_url.clone())
            // Polling has its own schedule: the client's retries would hide a 429's wait.
            .idempotent(false)
            .header(ACCEPT, "application/json");
        match request::send(&self.client.inner, request).await {
            Ok(response) => Ok(status_of(response, &self.status_url)?),
            Err(raw) => {
                let e: Error<V> = raw.into();
                if e.kind() == ErrorKind::TooManyRequests {
                    return Ok(ExportStatus::TooManyRequests {
                        retry_after: e.retry_after(),
                    });
                }
                Err(e)
            }
        }
    }

    /// Polls until the export is complete: its manifest, or the error that ended it.
    pub async fn wait(&self) -> Result<Manifest, Error<V>> {
        self.wait_with(|_| {}).await
    }

    /// [`wait`](Self::wait), telling `report` what the server said before each wait.
    pub async fn wait_with(
        &self,
        mut report: impl FnMut(&ExportProgress),
    ) -> Result<Manifest, Error<V>> {
        let started = Instant::now();
        let mut polls = 0;
        let mut interval = self.min_interval;
        let mut transport_errors = 0;
        loop {
            polls += 1;
            let (progress, asked, throttled) = match self.status().await {
                Ok(ExportStatus::Complete(manifest)) => return Ok(*manifest),
                Ok(ExportStatus::InProgress {
                    progress,
                    retry_after,
                }) => (progress, retry_after, false),
                Ok(ExportStatus::TooManyRequests { retry_after }) => (None, retry_after, true),
                Err(e)
                    if matches!(e.kind(), ErrorKind::Transport | ErrorKind::Timeout)
                        && transport_errors < TRANSPORT_RETRIES =>
                {
                    transport_errors += 1;
                    tracing::info!(error = %e, "status request failed, polling again");
                    (None, None, false)
                }
                Err(e) => return Err(e),
            };
            if !throttled {
                transport_errors = 0;
            }
            let wait = match asked {
                Some(wait) => self.retry_after_cap.map_or(wait, |cap| wait.min(cap)),
                None => {
                    let wait = interval;
                    interval = (interval + interval / 2).min(self.max_interval);
                    // A 429 without Retry-After must not bring the pace back to the minimum.
                    if throttled { wait.max(interval) } else { wait }
                }
            };
            let elapsed = started.elapsed();
            if elapsed + wait > self.max_wait {
                return Err(RawError::at_url(
                    ErrorKind::Timeout,
                    &Method::GET,
                    &self.status_url,
                    format!(
                        "the export is still in progress after {elapsed:?} and {polls} status \
                         requests; waiting {wait:?} more would pass the limit of {:?} \
                         (ExportJob::max_wait)",
                        self.max_wait
                    ),
                )
                .into());
            }
            report(&ExportProgress {
                progress,
                polls,
                elapsed,
                next_poll: wait,
                throttled,
            });
            tokio::time::sleep(wait).await;
        }
    }

    /// Cancels the export (`DELETE` on the status URL); also how a client tells the server it
    /// is done with the files of a complete export.
    pub async fn cancel(&self) -> Result<(), Error<V>> {
        let request = Request::new(Method::DELETE, self.status_url.clone());
        request::send(&self.client.inner, request).await?;
        Ok(())
    }
}

/// Reads a successful status answer to a request to `status_url`.
fn status_of(response: Response, status_url: &Url) -> Result<ExportStatus, RawError> {
    match response.status {
        StatusCode::ACCEPTED => {
            let progress = response
                .header(HeaderName::from_static("x-progress"))
                .map(str::to_owned);
            let retry_after = response
                .header(RETRY_AFTER)
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            Ok(ExportStatus::InProgress {
                progress,
                retry_after,
            })
        }
        StatusCode::OK => {
            let text = std::str::from_utf8(&response.body)
                .map_err(|_| response.decoding_error(None, "the manifest is not UTF-8"))?;
            let manifest = Manifest::from_json_str(text)
                .map_err(|e| response.decoding_error(None, e.to_string()))?
                .with_status_url(status_url.clone());
            Ok(ExportStatus::Complete(Box::new(manifest)))
        }
        other => Err(response.decoding_error(
            None,
            format!(
                "a status request is answered 202 (in progress) or 200 (complete), not {other}"
            ),
        )),
    }
}
