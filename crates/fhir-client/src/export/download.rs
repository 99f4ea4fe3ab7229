//! One file of an export, downloaded as NDJSON lines: read in chunks (never held whole), gzip
//! undone on the way (as `Content-Encoding` or as a gzip file), cut at line breaks within a line
//! limit and handed over in batches of complete lines (a buffer each, reused; lines are not
//! copied one by one); a broken download is resumed with `Range` when the server allows it, or
//! downloaded again from the start, and in both cases no line is given twice.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{
    ACCEPT, ACCEPT_RANGES, CONTENT_ENCODING, CONTENT_RANGE, CONTENT_TYPE, RANGE, USER_AGENT,
};
use reqwest::{Method, StatusCode};

use crate::auth::Credential;
use crate::error::{ErrorKind, RawError, show_bytes};
use crate::inner::Inner;

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

/// The size of the batches of lines a download hands over (more when one line is longer).
pub(crate) const BATCH_BYTES: usize = 64 * 1024;

/// Buffers kept for reuse by one download: batches go back to it when dropped.
#[derive(Debug, Default)]
pub(crate) struct BufferPool(std::sync::Mutex<Vec<Vec<u8>>>);

impl BufferPool {
    /// Buffers kept at most, and the largest capacity kept (a buffer that grew for a long line
    /// is let go).
    const KEPT: usize = 16;
    const LARGEST: usize = 4 * BATCH_BYTES;

    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .ok()
            .and_then(|mut pool| pool.pop())
            .unwrap_or_default()
    }

    fn give(&self, mut buffer: Vec<u8>) {
        if buffer.capacity() == 0 || buffer.capacity() > Self::LARGEST {
            return;
        }
        buffer.clear();
        if let Ok(mut pool) = self.0.lock() {
            if pool.len() < Self::KEPT {
                pool.push(buffer);
            }
        }
    }
}

/// Complete lines of one file, handed over together: each line ends with a line break, and the
/// first is line `first_line` of the file. The buffer goes back to its download when dropped.
#[derive(Debug)]
pub(crate) struct Batch {
    first_line: u64,
    bytes: Vec<u8>,
    pool: Arc<BufferPool>,
}

impl Batch {
    /// The bytes of the batch (its lines, each with its line break).
    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// The lines that are not blank, with their numbers, without the line break (nor a `\r`
    /// before it). Blank lines are counted.
    pub(crate) fn lines(&self) -> BatchLines<'_> {
        BatchLines {
            rest: &self.bytes,
            number: self.first_line.saturating_sub(1),
        }
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        self.pool.give(std::mem::take(&mut self.bytes));
    }
}

/// The lines of a [`Batch`].
pub(crate) struct BatchLines<'a> {
    rest: &'a [u8],
    number: u64,
}

impl<'a> Iterator for BatchLines<'a> {
    type Item = (u64, &'a [u8]);

    fn next(&mut self) -> Option<(u64, &'a [u8])> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let end = memchr::memchr(b'\n', self.rest).unwrap_or(self.rest.len());
            let mut line = &self.rest[..end];
            self.rest = self.rest.get(end + 1..).unwrap_or_default();
            self.number += 1;
            if let Some(l) = line.strip_suffix(b"\r") {
                line = l;
            }
            if !line.iter().all(u8::is_ascii_whitespace) {
                return Some((self.number, line));
            }
        }
    }
}

/// A batch read line by line, as text.
pub(crate) struct BatchCursor {
    batch: Batch,
    at: usize,
    number: u64,
}

impl BatchCursor {
    pub(crate) fn new(batch: Batch) -> BatchCursor {
        let number = batch.first_line.saturating_sub(1);
        BatchCursor {
            batch,
            at: 0,
            number,
        }
    }

    /// The next line that is not blank, with its number; text, or why it is not UTF-8.
    #[allow(clippy::should_implement_trait)] // the lines borrow the cursor
    pub(crate) fn next(&mut self) -> Option<(u64, Result<&str, std::str::Utf8Error>)> {
        let mut lines = BatchLines {
            rest: &self.batch.bytes[self.at..],
            number: self.number,
        };
        let next = lines.next();
        self.at = self.batch.len() - lines.rest.len();
        self.number = lines.number;
        let (number, bytes) = next?;
        Some((number, std::str::from_utf8(bytes)))
    }
}

/// The error of a line that is not UTF-8.
pub(crate) fn not_utf8(file: &ManifestFile, number: u64, e: std::str::Utf8Error) -> RawError {
    RawError::at_url(
        ErrorKind::Decoding,
        &Method::GET,
        &file.url,
        format!("not UTF-8 at byte {} of the line", e.valid_up_to()),
    )
    .at_line(number, None)
}

/// The bytes of the body as they come off the wire, gzip undone when the file is a gzip file.
enum Decoder {
    /// Not decided yet: the first bytes tell.
    Undecided,
    Plain,
    Gzip(Box<flate2::write::MultiGzDecoder<Vec<u8>>>),
}

/// The download of one file, handing over its complete lines in batches.
pub(crate) struct FileReader {
    inner: Arc<Inner>,
    file: Arc<ManifestFile>,
    with_token: bool,
    settings: DownloadSettings,
    response: Option<reqwest::Response>,
    decoder: Decoder,
    /// The decoded bytes not handed over: `buf[..complete]` are complete lines, the rest the
    /// start of the next line, searched for a line break up to `scanned`.
    buf: Vec<u8>,
    complete: usize,
    scanned: usize,
    /// Complete lines of the file so far (those handed over and those in `buf[..complete]`).
    lines: u64,
    /// Lines and decoded bytes of the file handed over in batches.
    handed_lines: u64,
    handed_bytes: u64,
    /// Decoded bytes of this attempt to drop: those read before a download from the start.
    skip: u64,
    /// Where this attempt's body starts in the file as served (a `Range` resumption's offset).
    range_from: u64,
    /// Whether the current response may be resumed with `Range`.
    resumable: bool,
    retries: u32,
    /// The body ended; what is left in the buffer is the last line.
    eof: bool,
    /// The error that ends the file, given once the complete lines before it are handed over.
    failure: Option<RawError>,
    done: bool,
    pool: Arc<BufferPool>,
    bytes: Arc<AtomicU64>,
}

impl std::fmt::Debug for FileReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileReader")
            .field("url", &self.file.url.as_str())
            .field("lines", &self.lines)
            .field("with_token", &self.with_token)
            .finish_non_exhaustive()
    }
}

impl FileReader {
    /// The download of `file`; `with_token` says whether it carries the FHIR server's
    /// credentials (see [`Export`](super::Export)'s token rule).
    pub(crate) fn new(
        inner: Arc<Inner>,
        file: Arc<ManifestFile>,
        with_token: bool,
        settings: DownloadSettings,
        bytes: Arc<AtomicU64>,
    ) -> FileReader {
        FileReader {
            inner,
            file,
            with_token,
            settings,
            response: None,
            decoder: Decoder::Undecided,
            buf: Vec::new(),
            complete: 0,
            scanned: 0,
            lines: 0,
            handed_lines: 0,
            handed_bytes: 0,
            skip: 0,
            range_from: 0,
            resumable: false,
            retries: 0,
            eof: false,
            failure: None,
            done: false,
            pool: Arc::default(),
            bytes,
        }
    }

    /// The file of the manifest being read.
    pub(crate) fn file(&self) -> &Arc<ManifestFile> {
        &self.file
    }

    /// Whether the download carries the bearer token (see the module's token rule).
    pub(crate) fn sends_token(&self) -> bool {
        self.with_token
    }

    /// Retries made so far (downloads from the start or resumptions).
    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }

    /// The next batch of complete lines, `None` at the end of the file; an error ends the file
    /// (after the lines before it).
    pub(crate) async fn next_batch(&mut self) -> Option<Result<Batch, RawError>> {
        if self.done {
            return None;
        }
        let result = self.next_batch_inner().await;
        if !matches!(result, Some(Ok(_))) {
            self.done = true;
            self.response = None;
            self.buf = Vec::new();
        }
        result
    }

    async fn next_batch_inner(&mut self) -> Option<Result<Batch, RawError>> {
        loop {
            let ending = self.eof || self.failure.is_some();
            if self.complete >= BATCH_BYTES || (ending && self.complete > 0) {
                return Some(Ok(self.take_batch()));
            }
            if let Some(e) = self.failure.take() {
                return Some(Err(e));
            }
            if self.eof {
                return None;
            }
            let step = match self.response {
                None => self.open().await.map(|()| true),
                // Lines are ready: hand them over rather than wait for more data.
                Some(_) if self.complete > 0 => match self.chunk_now() {
                    Some(step) => step,
                    None => return Some(Ok(self.take_batch())),
                },
                Some(_) => self.read_chunk().await,
            };
            let step = step.and_then(|more| {
                if more {
                    self.scan()
                } else {
                    self.end_of_body()
                }
            });
            match step {
                Ok(()) => {}
                Err(e) if retryable(&e) && self.retries < self.settings.max_retries => {
                    self.retry(&e).await;
                }
                Err(e) if self.retries > 0 => {
                    let at = self.lines + 1;
                    self.failure = Some(
                        e.with_message(format!("after {} retries, at line {at}", self.retries)),
                    );
                }
                Err(e) => self.failure = Some(e),
            }
        }
    }

    /// The complete lines of the buffer as a batch; the start of the next line stays.
    fn take_batch(&mut self) -> Batch {
        let mut next = self.pool.take();
        next.extend_from_slice(&self.buf[self.complete..]);
        let mut bytes = std::mem::replace(&mut self.buf, next);
        bytes.truncate(self.complete);
        self.scanned -= self.complete;
        self.complete = 0;
        let batch = Batch {
            first_line: self.handed_lines + 1,
            bytes,
            pool: self.pool.clone(),
        };
        self.handed_lines = self.lines;
        self.handed_bytes += batch.len() as u64;
        batch
    }

    /// Finds the line breaks of the bytes added to the buffer, each line within the limit.
    fn scan(&mut self) -> Result<(), RawError> {
        let max = self.settings.max_line_bytes;
        let mut line_start = self.complete;
        let mut lines = self.lines;
        let mut long = false;
        for at in memchr::memchr_iter(b'\n', &self.buf[self.scanned..]) {
            let end = self.scanned + at;
            if (end - line_start) as u64 > max {
                long = true;
                break;
            }
            lines += 1;
            line_start = end + 1;
        }
        self.complete = line_start;
        self.lines = lines;
        self.scanned = if long { line_start } else { self.buf.len() };
        if long || (self.buf.len() - self.complete) as u64 > max {
            return Err(self.too_long());
        }
        Ok(())
    }

    fn too_long(&self) -> RawError {
        self.error(
            ErrorKind::BodyTooLarge,
            format!(
                "line {} is longer than the limit of {} (Export::max_line_bytes)",
                self.lines + 1,
                show_bytes(self.settings.max_line_bytes)
            ),
        )
    }

    /// At the end of the body: what the gzip decoder still holds, and the last line when the
    /// file does not end with a line break.
    fn end_of_body(&mut self) -> Result<(), RawError> {
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
            self.scan()?;
        }
        self.eof = true;
        if self.buf.len() > self.complete {
            self.buf.push(b'\n');
            self.scan()?;
        }
        Ok(())
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
                    self.skip = self.read_bytes();
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

    /// Decoded bytes of the file read as complete lines: where the next attempt starts.
    fn read_bytes(&self) -> u64 {
        self.handed_bytes + self.complete as u64
    }

    /// Reads one chunk into the buffer; `false` at the end of the body.
    async fn read_chunk(&mut self) -> Result<bool, RawError> {
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
        self.accept(chunk)
    }

    /// A chunk when one is there already, `None` when it would mean waiting.
    fn chunk_now(&mut self) -> Option<Result<bool, RawError>> {
        use futures_util::FutureExt as _;
        let response = self.response.as_mut()?;
        // Dropping `chunk()` before it is ready loses nothing: it only polls the body.
        let chunk = response.chunk().now_or_never()?;
        Some(self.accept(chunk))
    }

    /// Adds a chunk of the body to the buffer, gzip undone; `false` at the end of the body.
    fn accept(&mut self, chunk: reqwest::Result<Option<bytes::Bytes>>) -> Result<bool, RawError> {
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
                let mut out = std::mem::take(gz.get_mut());
                self.push_decoded(&out);
                out.clear();
                if let Decoder::Gzip(gz) = &mut self.decoder {
                    *gz.get_mut() = out;
                }
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
        let resume_at = self.read_bytes();
        if self.resumable && resume_at > 0 {
            self.range_from = resume_at;
            self.skip = 0;
        } else {
            self.range_from = 0;
            self.skip = resume_at;
            self.decoder = Decoder::Undecided;
        }
        // The incomplete line is downloaded again; the complete ones stay.
        self.buf.truncate(self.complete);
        self.scanned = self.complete;
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
    /// The batch being read, and where its next line starts.
    batch: Option<Batch>,
    at: usize,
    /// The number of the last line read (blank lines included).
    line: u64,
    done: bool,
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
            batch: None,
            at: 0,
            line: 0,
            done: false,
            version: std::marker::PhantomData,
        }
    }

    /// The next line, `None` at the end of the file. An error ends the file: the download
    /// failed after its retries, a line is longer than the limit or not UTF-8, the gzip data
    /// is corrupt.
    pub async fn next_line(&mut self) -> Option<Result<NdjsonLine, Error<V>>> {
        loop {
            if self.done {
                return None;
            }
            if let Some(batch) = &self.batch {
                let mut lines = BatchLines {
                    rest: &batch.bytes[self.at..],
                    number: self.line,
                };
                let next = lines.next();
                self.at = batch.len() - lines.rest.len();
                self.line = lines.number;
                match next {
                    Some((number, bytes)) => {
                        return Some(match std::str::from_utf8(bytes) {
                            Ok(text) => Ok(NdjsonLine {
                                number,
                                text: text.to_owned(),
                            }),
                            Err(e) => {
                                self.done = true;
                                self.batch = None;
                                Err(not_utf8(self.reader.file(), number, e).into())
                            }
                        });
                    }
                    None => self.batch = None,
                }
            }
            match self.reader.next_batch().await? {
                Ok(batch) => {
                    self.line = batch.first_line - 1;
                    self.batch = Some(batch);
                    self.at = 0;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e.into()));
                }
            }
        }
    }

    /// The file of the manifest being read.
    pub fn file(&self) -> &ManifestFile {
        self.reader.file()
    }

    /// Whether the download carries the FHIR server's bearer token: only when the manifest's
    /// `requiresAccessToken` is true and the file is on the FHIR server's origin or on the
    /// manifest's own (that of the status URL it came from).
    pub fn sends_token(&self) -> bool {
        self.reader.sends_token()
    }

    /// The number of the last line read (blank lines included).
    pub fn lines_read(&self) -> u64 {
        self.line
    }

    /// Retries made so far (resumptions with `Range` or downloads from the start).
    pub fn retries(&self) -> u32 {
        self.reader.retries()
    }
}
