//! One file of an export, downloaded as a stream of NDJSON lines: read in chunks (never held
//! whole), gzip undone on the way (as `Content-Encoding` or as a gzip file), split into lines
//! within a line limit, numbered; a broken download is resumed with `Range` when the server
//! allows it, or downloaded again from the start, and in both cases no line is given twice.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{
    ACCEPT, ACCEPT_RANGES, CONTENT_ENCODING, CONTENT_RANGE, CONTENT_TYPE, RANGE, USER_AGENT,
};
use reqwest::{Method, StatusCode};

use crate::auth::Credential;
use crate::client::{Inner, show_bytes};
use crate::error::{ErrorKind, RawError};

use crate::error::Error;
use crate::version::{FhirVersion, R4};

use super::manifest::ManifestFile;

/// How files are downloaded: see [`Export`](super::Export)'s setters.
#[derive(Debug, Clone)]
pub(crate) struct DownloadSettings {
    pub(crate) concurrency: usize,
    pub(crate) max_line_bytes: u64,
    pub(crate) max_retries: u32,
    pub(crate) range: bool,
    pub(crate) stop_on_error: bool,
}

/// The default of [`Export::max_line_bytes`](super::Export::max_line_bytes): 16 MiB.
pub const DEFAULT_MAX_LINE_BYTES: u64 = 16 * 1024 * 1024;

impl Default for DownloadSettings {
    fn default() -> Self {
        DownloadSettings {
            concurrency: 4,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            max_retries: 3,
            range: true,
            stop_on_error: false,
        }
    }
}

/// One line of an NDJSON file, as text, with its number (from 1; blank lines are counted and
/// skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NdjsonLine {
    /// The line's number in its file, from 1.
    pub number: u64,
    /// The line, without its line break.
    pub text: String,
}

/// The bytes of the body as they come off the wire, gzip undone when the file is a gzip file.
enum Decoder {
    /// Not decided yet: the first bytes tell.
    Undecided,
    Plain,
    Gzip(Box<flate2::write::MultiGzDecoder<Vec<u8>>>),
}

/// The download of one file, behind [`NdjsonFile`].
pub(crate) struct FileReader {
    inner: Arc<Inner>,
    file: Arc<ManifestFile>,
    with_token: bool,
    settings: DownloadSettings,
    response: Option<reqwest::Response>,
    decoder: Decoder,
    /// The undelivered bytes: `buf[start..]` is the current, incomplete line.
    buf: Vec<u8>,
    start: usize,
    /// How far `buf[start..]` was searched for a line break.
    scanned: usize,
    /// Decoded bytes of the file delivered as complete lines (or skipped as blank).
    delivered: u64,
    /// Decoded bytes of this attempt to drop: those delivered before a download from the start.
    skip: u64,
    /// Where this attempt's body starts in the file as served (a `Range` resumption's offset).
    range_from: u64,
    /// Whether the current response may be resumed with `Range`.
    resumable: bool,
    line: u64,
    retries: u32,
    /// The body ended; what is left in the buffer is the last line.
    eof: bool,
    done: bool,
    bytes: Arc<AtomicU64>,
}

impl std::fmt::Debug for FileReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileReader")
            .field("url", &self.file.url.as_str())
            .field("line", &self.line)
            .field("with_token", &self.with_token)
            .finish_non_exhaustive()
    }
}

impl FileReader {
    pub(crate) fn new(
        inner: Arc<Inner>,
        file: Arc<ManifestFile>,
        requires_access_token: bool,
        settings: DownloadSettings,
        bytes: Arc<AtomicU64>,
    ) -> FileReader {
        // The token is the FHIR server's: it goes to the server's own origin, and only when the
        // manifest says the files need it (presigned URLs elsewhere must not see it).
        let with_token = requires_access_token && file.url.origin() == inner.base.origin();
        FileReader {
            inner,
            file,
            with_token,
            settings,
            response: None,
            decoder: Decoder::Undecided,
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            delivered: 0,
            skip: 0,
            range_from: 0,
            resumable: false,
            line: 0,
            retries: 0,
            eof: false,
            done: false,
            bytes,
        }
    }

    /// The file of the manifest being read.
    pub fn file(&self) -> &ManifestFile {
        &self.file
    }

    /// Whether the download carries the bearer token (see the module's token rule).
    pub fn sends_token(&self) -> bool {
        self.with_token
    }

    /// The number of the last line read.
    pub fn lines_read(&self) -> u64 {
        self.line
    }

    /// Retries made so far (downloads from the start or resumptions).
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The next line, `None` at the end of the file; an error ends the file.
    pub async fn next_line(&mut self) -> Option<Result<NdjsonLine, RawError>> {
        if self.done {
            return None;
        }
        let result = self.next_line_inner().await;
        if !matches!(result, Some(Ok(_))) {
            self.done = true;
            self.response = None;
            self.buf = Vec::new();
        }
        result
    }

    async fn next_line_inner(&mut self) -> Option<Result<NdjsonLine, RawError>> {
        loop {
            match self.take_line() {
                Some(Ok(Some(line))) => return Some(Ok(line)),
                Some(Ok(None)) => continue,
                Some(Err(e)) => return Some(Err(e)),
                None => {}
            }
            if self.eof {
                return self.last_line();
            }
            let step = match self.response {
                None => self.open().await.map(|()| true),
                Some(_) => self.read_chunk().await,
            };
            match step {
                Ok(true) => {}
                Ok(false) => {
                    if let Err(e) = self.end_of_body() {
                        return Some(Err(e));
                    }
                }
                Err(e) if retryable(&e) && self.retries < self.settings.max_retries => {
                    self.retry(&e).await;
                }
                Err(e) if self.retries > 0 => {
                    return Some(Err(e.with_message(format!(
                        "after {} retries, at line {}",
                        self.retries,
                        self.line + 1
                    ))));
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// A complete line from the buffer: `Ok(None)` for a blank one, `None` when there is none yet.
    fn take_line(&mut self) -> Option<Result<Option<NdjsonLine>, RawError>> {
        let rest = &self.buf[self.start..];
        match memchr::memchr(b'\n', &rest[self.scanned..]) {
            Some(at) => {
                let end = self.start + self.scanned + at;
                if (end - self.start) as u64 > self.settings.max_line_bytes {
                    return Some(Err(self.too_long()));
                }
                let line = self.line_from(self.start, end);
                self.delivered += (end + 1 - self.start) as u64;
                self.start = end + 1;
                self.scanned = 0;
                Some(line)
            }
            None => {
                self.scanned = rest.len();
                if rest.len() as u64 > self.settings.max_line_bytes {
                    return Some(Err(self.too_long()));
                }
                None
            }
        }
    }

    fn too_long(&self) -> RawError {
        self.error(
            ErrorKind::BodyTooLarge,
            format!(
                "line {} is longer than the limit of {} (Export::max_line_bytes)",
                self.line + 1,
                show_bytes(self.settings.max_line_bytes)
            ),
        )
    }

    fn line_from(&mut self, start: usize, end: usize) -> Result<Option<NdjsonLine>, RawError> {
        self.line += 1;
        let mut bytes = &self.buf[start..end];
        if let Some(b) = bytes.strip_suffix(b"\r") {
            bytes = b;
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Some(NdjsonLine {
                number: self.line,
                text: text.to_owned(),
            })),
            Err(e) => Err(self
                .error(
                    ErrorKind::Decoding,
                    format!("not UTF-8 at byte {} of the line", e.valid_up_to()),
                )
                .at_line(self.line, None)),
        }
    }

    /// At the end of the body: what the gzip decoder still holds.
    fn end_of_body(&mut self) -> Result<(), RawError> {
        self.eof = true;
        self.response = None;
        if let Decoder::Gzip(gz) = &mut self.decoder {
            if let Err(e) = gz.try_finish() {
                return Err(self.error(
                    ErrorKind::Decompression,
                    format!("the gzip file ends early: {e}"),
                ));
            }
            let out = std::mem::take(gz.get_mut());
            self.decoder = Decoder::Plain;
            self.push_decoded(&out);
        }
        Ok(())
    }

    /// The last line, when the file does not end with a line break.
    fn last_line(&mut self) -> Option<Result<NdjsonLine, RawError>> {
        self.done = true;
        if self.start >= self.buf.len() {
            return None;
        }
        let (start, end) = (self.start, self.buf.len());
        self.start = end;
        self.line_from(start, end).transpose()
    }

    fn error(&self, kind: ErrorKind, message: impl Into<String>) -> RawError {
        RawError::at_url(kind, &Method::GET, &self.file.url, message)
    }

    /// Sends the GET (from the start, or from where the last attempt broke off).
    async fn open(&mut self) -> Result<(), RawError> {
        let url = self.file.url.clone();
        let mut refreshed = false;
        loop {
            let mut builder = self.inner.http.get(url.clone());
            builder = builder
                .header(ACCEPT, "application/fhir+ndjson")
                .header(USER_AGENT, self.inner.user_agent.clone());
            let resume_at = self.range_from;
            if resume_at > 0 {
                builder = builder.header(RANGE, format!("bytes={resume_at}-"));
            }
            let credential = if self.with_token {
                self.inner.auth.credential().await?
            } else {
                None
            };
            builder = match &credential {
                Some(Credential::Bearer { token, .. }) => builder.bearer_auth(token.expose()),
                Some(Credential::Basic { user, password }) => {
                    builder.basic_auth(user, Some(password.expose()))
                }
                None => builder,
            };
            let response = self.timed(builder.send()).await.map_err(|e| match e {
                Timed::Out(d) => self.error(ErrorKind::Timeout, format!("no answer within {d:?}")),
                Timed::Err(e) => RawError::transport(&Method::GET, &url, e),
            })?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && !refreshed {
                if let Some(Credential::Bearer {
                    generation: Some(generation),
                    ..
                }) = &credential
                {
                    if self
                        .inner
                        .auth
                        .refreshed(Some(*generation))
                        .await?
                        .is_some()
                    {
                        refreshed = true;
                        continue;
                    }
                }
            }
            if !status.is_success() {
                return Err(self.error_response(response).await);
            }
            let headers = response.headers();
            let content_type = headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let gzip_file = content_type.contains("gzip");
            // reqwest undoes `Content-Encoding: gzip` and drops the header: what is left encoded
            // is a gzip file, whose offsets are not those of the lines.
            let encoded = headers.contains_key(CONTENT_ENCODING);
            let ranges = headers
                .get(ACCEPT_RANGES)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"bytes"));
            if resume_at > 0 {
                let resumed = status == StatusCode::PARTIAL_CONTENT
                    && headers
                        .get(CONTENT_RANGE)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with(&format!("bytes {resume_at}-")));
                if !resumed {
                    // The whole file again: skip what was delivered.
                    self.range_from = 0;
                    self.skip = self.delivered;
                    self.decoder = Decoder::Undecided;
                }
            }
            self.resumable = self.settings.range && ranges && !gzip_file && !encoded;
            if gzip_file {
                self.decoder =
                    Decoder::Gzip(Box::new(flate2::write::MultiGzDecoder::new(Vec::new())));
            }
            self.response = Some(response);
            return Ok(());
        }
    }

    /// The error for an unsuccessful status, with as much of the body as the limit allows.
    async fn error_response(&self, mut response: reqwest::Response) -> RawError {
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            if body.len() + chunk.len() > 64 * 1024 {
                break;
            }
            body.extend_from_slice(&chunk);
        }
        RawError::from_response(&Method::GET, &self.file.url, status, headers, body)
    }

    /// Reads one chunk into the buffer; `false` at the end of the body.
    async fn read_chunk(&mut self) -> Result<bool, RawError> {
        // Bytes before `start` were delivered: drop them before the buffer grows.
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let Some(response) = self.response.as_mut() else {
            return Ok(false);
        };
        let timeout = self.inner.timeout;
        let next = response.chunk();
        let chunk = match timeout {
            Some(d) => match tokio::time::timeout(d, next).await {
                Ok(r) => r,
                Err(_) => {
                    return Err(self.error(
                        ErrorKind::Timeout,
                        format!("no data for {d:?} in the middle of the file"),
                    ));
                }
            },
            None => next.await,
        };
        let chunk = match chunk {
            Ok(Some(chunk)) => chunk,
            Ok(None) => return Ok(false),
            Err(e) => return Err(self.broken(e)),
        };
        self.bytes.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        if matches!(self.decoder, Decoder::Undecided) {
            self.decoder = if chunk.starts_with(&[0x1f, 0x8b]) {
                self.resumable = false;
                Decoder::Gzip(Box::new(flate2::write::MultiGzDecoder::new(Vec::new())))
            } else {
                Decoder::Plain
            };
        }
        match &mut self.decoder {
            Decoder::Gzip(gz) => {
                if let Err(e) = gz.write_all(&chunk) {
                    return Err(self.error(
                        ErrorKind::Decompression,
                        format!("the gzip file is corrupt: {e}"),
                    ));
                }
                let out = std::mem::take(gz.get_mut());
                self.push_decoded(&out);
            }
            _ => self.push_decoded(&chunk),
        }
        Ok(true)
    }

    /// The error of a body that broke off. reqwest calls a connection closed before the end of
    /// the body a decoding error; it is a transport error, and worth another attempt.
    fn broken(&self, e: reqwest::Error) -> RawError {
        let e = e.without_url();
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(c) = cause {
            if c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::UnexpectedEof)
            {
                return self.error(
                    ErrorKind::Transport,
                    format!("the connection closed in the middle of the file ({e})"),
                );
            }
            cause = c.source();
        }
        RawError::transport(&Method::GET, &self.file.url, e)
    }

    /// Appends decoded bytes, less those to skip after a download from the start.
    fn push_decoded(&mut self, mut bytes: &[u8]) {
        if self.skip > 0 {
            let n = (self.skip.min(bytes.len() as u64)) as usize;
            bytes = &bytes[n..];
            self.skip -= n as u64;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Prepares the next attempt after the body broke off: from the end of the last complete
    /// line with `Range` when possible, from the start otherwise.
    async fn retry(&mut self, why: &RawError) {
        self.retries += 1;
        tracing::info!(url = %crate::error::redact_url(&self.file.url), retry = self.retries, error = %why, "download broke off, retrying");
        let resume_at = self.delivered;
        if self.resumable && resume_at > 0 {
            self.range_from = resume_at;
            self.skip = 0;
        } else {
            self.range_from = 0;
            self.skip = self.delivered;
            self.decoder = Decoder::Undecided;
        }
        // The incomplete line is downloaded again.
        self.buf.clear();
        self.start = 0;
        self.scanned = 0;
        self.response = None;
        tokio::time::sleep(Duration::from_millis(100u64 << self.retries.min(6))).await;
    }

    async fn timed<F, T>(&self, f: F) -> Result<T, Timed>
    where
        F: std::future::Future<Output = Result<T, reqwest::Error>>,
    {
        match self.inner.timeout {
            Some(d) => match tokio::time::timeout(d, f).await {
                Ok(r) => r.map_err(Timed::Err),
                Err(_) => Err(Timed::Out(d)),
            },
            None => f.await.map_err(Timed::Err),
        }
    }
}

enum Timed {
    Out(Duration),
    Err(reqwest::Error),
}

/// Whether another attempt may succeed: the connection failed or broke, the server was
/// overloaded or briefly unavailable.
fn retryable(e: &RawError) -> bool {
    match e.kind() {
        ErrorKind::Transport | ErrorKind::Timeout => true,
        ErrorKind::TooManyRequests => true,
        ErrorKind::Status => e
            .status()
            .is_some_and(|s| matches!(s.as_u16(), 500 | 502 | 503 | 504)),
        _ => false,
    }
}

/// A file's lines, downloaded as they are asked for.
///
/// ```no_run
/// use fhir_client::export::Export;
///
/// # async fn run(client: fhir_client::Client, manifest: fhir_client::export::Manifest) -> Result<(), fhir_client::Error> {
/// let export = Export::new(&client, manifest);
/// let mut file = export.file(&export.manifest().output[0]);
/// while let Some(line) = file.next_line().await {
///     let line = line?;
///     println!("{}: {} bytes", line.number, line.text.len());
/// }
/// # Ok(()) }
/// ```
pub struct NdjsonFile<V: FhirVersion = R4> {
    reader: FileReader,
    version: std::marker::PhantomData<fn() -> V>,
}

impl<V: FhirVersion> std::fmt::Debug for NdjsonFile<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.reader.fmt(f)
    }
}

impl<V: FhirVersion> NdjsonFile<V> {
    pub(crate) fn new(reader: FileReader) -> NdjsonFile<V> {
        NdjsonFile {
            reader,
            version: std::marker::PhantomData,
        }
    }

    /// The next line, `None` at the end of the file. An error ends the file: the download
    /// failed after its retries, a line is longer than the limit or not UTF-8, the gzip data
    /// is corrupt.
    pub async fn next_line(&mut self) -> Option<Result<NdjsonLine, Error<V>>> {
        Some(self.reader.next_line().await?.map_err(Error::from))
    }

    /// The file of the manifest being read.
    pub fn file(&self) -> &ManifestFile {
        self.reader.file()
    }

    /// Whether the download carries the FHIR server's bearer token: only when the manifest's
    /// `requiresAccessToken` is true and the file is on the FHIR server's origin.
    pub fn sends_token(&self) -> bool {
        self.reader.sends_token()
    }

    /// The number of the last line read (blank lines included).
    pub fn lines_read(&self) -> u64 {
        self.reader.lines_read()
    }

    /// Retries made so far (resumptions with `Range` or downloads from the start).
    pub fn retries(&self) -> u32 {
        self.reader.retries()
    }
}
