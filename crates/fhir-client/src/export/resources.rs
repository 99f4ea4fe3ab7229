//! The lines of every file of an export as one `Stream`: typed, raw ([`RawResource`]) or text,
//! several files at once within a concurrency limit, each batch of lines read where the stream
//! is polled (and, on a runtime of several threads, downloaded ahead by a task of the file's
//! own: see `ahead`); or one file's lines given to a closure on a thread beside the download
//! ([`Export::map_lines`]). A bad line is an error item and the stream goes on (unless asked
//! to stop at the first).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use fhir_model::json::JsonValue;
use fhir_model::{FhirJson, ParseOptions, RawResource, TypedResource};
use futures_core::Stream;
use futures_util::StreamExt;
use reqwest::Method;

use crate::client::Client;
use crate::error::{Error, ErrorKind, RawError};
use crate::version::{FhirVersion, R4};

use super::ahead::Batches;
use super::download::{BatchCursor, not_utf8};
use super::download::{DownloadSettings, FileReader, NdjsonFile};
use super::lines::{FileLines, Item};
use super::manifest::{Manifest, ManifestFile};

/// A line of an export read as a `T`, with where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportLine<T> {
    /// The file of the manifest.
    pub file: Arc<ManifestFile>,
    /// The line's number in the file, from 1.
    pub line: u64,
    /// The line, read.
    pub value: T,
}

/// The stream [`Export`]'s readers return: each line's value, or the error of a line (with
/// [`Error::line`] and [`Error::url`]) or of a file's download.
pub type ExportStream<T, V = R4> =
    Pin<Box<dyn Stream<Item = Result<ExportLine<T>, Error<V>>> + Send + 'static>>;

/// The files of a complete export, to download and read.
///
/// ```no_run
/// use fhir_client::export::Export;
/// use fhir_model::r4::Observation;
/// use futures_util::StreamExt;
///
/// # async fn run(client: fhir_client::Client, manifest: fhir_client::export::Manifest) {
/// let export = Export::new(&client, manifest).concurrency(8);
/// let mut observations = export.resources::<Observation>();
/// while let Some(item) = observations.next().await {
///     match item {
///         Ok(o) => println!("{} line {}: {:?}", o.file.url, o.line, o.value.status),
///         Err(e) => eprintln!("{e}"),
///     }
/// }
/// let mut errors = export.errors();
/// while let Some(Ok(outcome)) = errors.next().await {
///     println!("{} issues", outcome.value.issue.len());
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Export<V: FhirVersion = R4> {
    client: Client<V>,
    manifest: Arc<Manifest>,
    settings: DownloadSettings,
    strict: bool,
    bytes: Arc<AtomicU64>,
}

impl<V: FhirVersion> Export<V> {
    /// The export `manifest` lists, downloaded through `client` (its token, timeout and user
    /// agent; the timeout bounds each wait for data, not a whole file).
    pub fn new(client: &Client<V>, manifest: Manifest) -> Export<V> {
        Export {
            client: client.clone(),
            manifest: Arc::new(manifest),
            settings: DownloadSettings::default(),
            strict: false,
            bytes: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// How many files are downloaded at once by the streams (default 4, at least 1).
    pub fn concurrency(mut self, files: usize) -> Self {
        self.settings.concurrency = files.max(1);
        self
    }

    /// The longest line read, in bytes (default
    /// [`DEFAULT_MAX_LINE_BYTES`](super::DEFAULT_MAX_LINE_BYTES)); a longer line ends its file
    /// with [`ErrorKind::BodyTooLarge`]. What a download holds is bounded by it.
    pub fn max_line_bytes(mut self, bytes: u64) -> Self {
        self.settings.max_line_bytes = bytes;
        self
    }

    /// How many times a broken download is retried (default 3).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.settings.max_retries = retries;
        self
    }

    /// Whether a broken download resumes with `Range` when the server accepts byte ranges
    /// (default true); without, it starts again and skips the lines already read.
    pub fn range_resume(mut self, resume: bool) -> Self {
        self.settings.range = resume;
        self
    }

    /// End the streams at the first error rather than going on with the other lines and files
    /// (default false).
    pub fn stop_on_error(mut self, stop: bool) -> Self {
        self.settings.stop_on_error = stop;
        self
    }

    /// Read lines strictly (unknown elements and bad values are errors) rather than leniently.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Bytes received so far by every download of this export (as served, before gzip is
    /// undone).
    pub fn bytes_received(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// The download of one file, line by line.
    pub fn file(&self, file: &ManifestFile) -> NdjsonFile<V> {
        NdjsonFile::new(self.reader(Arc::new(file.clone())))
    }

    /// Whether the download of `file` carries the FHIR server's credentials: only when the
    /// manifest's `requiresAccessToken` is true, and only to the FHIR server's origin or the
    /// manifest's own (that of the status URL it was fetched from, when known). Presigned URLs
    /// on other hosts get no credentials.
    ///
    /// ```
    /// use fhir_client::export::{Export, Manifest};
    ///
    /// let client = fhir_client::Client::new("https://fhir.example.org/r4").unwrap();
    /// let manifest = Manifest::from_json_str(r#"{"transactionTime":"t","requiresAccessToken":true,
    ///   "output":[{"type":"Patient","url":"https://fhir.example.org/files/1.ndjson"},
    ///             {"type":"Patient","url":"https://jobs.example.org/files/2.ndjson"},
    ///             {"type":"Patient","url":"https://bucket.example.net/3.ndjson?sig=x"}]}"#)
    ///     .unwrap()
    ///     .with_status_url("https://jobs.example.org/status/7".parse().unwrap());
    /// let export = Export::new(&client, manifest);
    /// let sends: Vec<bool> = export.manifest().output.iter().map(|f| export.sends_token(f)).collect();
    /// assert_eq!(sends, [true, true, false]);
    /// ```
    pub fn sends_token(&self, file: &ManifestFile) -> bool {
        if !self.manifest.requires_access_token {
            return false;
        }
        let origin = file.url.origin();
        origin == self.client.inner.base.origin()
            || self
                .manifest
                .status_url
                .as_ref()
                .is_some_and(|status| status.origin() == origin)
    }

    fn reader(&self, file: Arc<ManifestFile>) -> FileReader {
        FileReader::new(
            self.client.inner.clone(),
            file.clone(),
            self.sends_token(&file),
            self.settings.clone(),
            self.bytes.clone(),
        )
    }

    fn options(&self) -> ParseOptions {
        if self.strict {
            ParseOptions::strict()
        } else {
            ParseOptions::lenient()
        }
    }

    /// The output files' resources of type `T` (the files of the other types are not
    /// downloaded); a line of another type is an [`ErrorKind::UnexpectedResource`] error.
    pub fn resources<T: TypedResource>(&self) -> ExportStream<T, V> {
        let files = self
            .manifest
            .output
            .iter()
            .filter(|f| f.resource_type == T::TYPE)
            .cloned()
            .collect();
        let options = self.options();
        self.stream(files, move |file, number, text| {
            typed::<T>(T::TYPE, options, file, number, text)
        })
    }

    /// Every output file's resources as the version's `Resource` enum.
    pub fn any_resources(&self) -> ExportStream<V::Resource, V> {
        let files = self.manifest.output.clone();
        let options = self.options();
        self.stream(files, move |file, number, text| {
            typed::<V::Resource>(&file.resource_type, options, file, number, text)
        })
    }

    /// Every output file's resources as [`RawResource`] (JSON kept as it is, any type).
    pub fn raw_resources(&self) -> ExportStream<RawResource, V> {
        self.stream(self.manifest.output.clone(), raw)
    }

    /// Every output file's lines as text, unread.
    pub fn lines(&self) -> ExportStream<String, V> {
        self.stream(self.manifest.output.clone(), |_, _, text| {
            Ok(text.to_owned())
        })
    }

    /// The error files' OperationOutcomes: what the server could not export.
    pub fn errors(&self) -> ExportStream<V::OperationOutcome, V> {
        let options = self.options();
        self.stream(self.manifest.error.clone(), move |file, number, text| {
            typed::<V::OperationOutcome>("OperationOutcome", options, file, number, text)
        })
    }

    /// The deleted files' Bundles (each of `DELETE` requests for resources deleted since
    /// `_since`).
    pub fn deleted(&self) -> ExportStream<V::Bundle, V> {
        let options = self.options();
        self.stream(self.manifest.deleted.clone(), move |file, number, text| {
            typed::<V::Bundle>("Bundle", options, file, number, text)
        })
    }

    /// One file's lines, each given to `read` (its number and text, without the line break) on
    /// a thread of the file's own while the download goes on; the values come in line order.
    /// Blank lines are skipped. An error item is the download's (after its retries), or a line
    /// longer than the limit or not UTF-8, and ends the file.
    ///
    /// For work per line heavier than the download: checking and writing each line, say.
    ///
    /// ```no_run
    /// use fhir_client::export::Export;
    /// use futures_util::StreamExt;
    ///
    /// # async fn run(client: fhir_client::Client, manifest: fhir_client::export::Manifest) -> Result<(), fhir_client::Error> {
    /// let export = Export::new(&client, manifest);
    /// let mut lengths = export.map_lines(&export.manifest().output[0], |_, text| text.len());
    /// while let Some(item) = lengths.next().await {
    ///     let item = item?;
    ///     println!("line {}: {} bytes", item.line, item.value);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn map_lines<T, F>(&self, file: &ManifestFile, mut read: F) -> ExportStream<T, V>
    where
        T: Send + 'static,
        F: FnMut(u64, &str) -> T + Send + 'static,
    {
        let reader = self.reader(Arc::new(file.clone()));
        FileLines::start(reader, move |_, number, text| Ok(read(number, text)))
            .map(|item| item.map_err(Error::<V>::from))
            .boxed()
    }

    fn stream<T, F>(&self, files: Vec<ManifestFile>, read: F) -> ExportStream<T, V>
    where
        T: Send + 'static,
        F: Fn(&ManifestFile, u64, &str) -> Result<T, RawError> + Clone + Send + Sync + 'static,
    {
        let this = self.clone();
        // The lines are read where the stream is polled: the values are used (and dropped)
        // on the thread that made them, which costs less than handing them across threads.
        let per_file = futures_util::stream::iter(files).map(move |file| {
            let state = InlineLines {
                batches: Batches::new(this.reader(Arc::new(file))),
                read: read.clone(),
                lines: None,
                ended: false,
            };
            futures_util::stream::unfold(state, |mut state| async move {
                let item = state.next().await?;
                Some((item, state))
            })
            .boxed()
        });
        let stop = self.settings.stop_on_error;
        per_file
            .flatten_unordered(self.settings.concurrency)
            .map(|item| item.map_err(Error::<V>::from))
            .scan(false, move |failed, item| {
                if *failed {
                    return std::future::ready(None);
                }
                *failed = stop && item.is_err();
                std::future::ready(Some(item))
            })
            .boxed()
    }
}

/// One file's lines read where the stream is polled, each one when it is asked for: a value is
/// used (and dropped) before the next is made, while the memory is still in cache.
struct InlineLines<F> {
    batches: Batches,
    read: F,
    lines: Option<BatchCursor>,
    ended: bool,
}

impl<F> InlineLines<F> {
    async fn next<T>(&mut self) -> Option<Item<T>>
    where
        F: FnMut(&ManifestFile, u64, &str) -> Result<T, RawError>,
    {
        loop {
            if self.ended {
                return None;
            }
            if let Some(lines) = &mut self.lines {
                match lines.next() {
                    Some((number, Ok(text))) => {
                        let file = self.batches.file();
                        let value = (self.read)(file, number, text);
                        return Some(value.map(|value| ExportLine {
                            file: file.clone(),
                            line: number,
                            value,
                        }));
                    }
                    Some((number, Err(e))) => {
                        self.ended = true;
                        return Some(Err(not_utf8(self.batches.file(), number, e)));
                    }
                    None => self.lines = None,
                }
            }
            match self.batches.next().await? {
                Ok(batch) => self.lines = Some(BatchCursor::new(batch)),
                Err(e) => {
                    self.ended = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

fn line_error(
    file: &ManifestFile,
    line: u64,
    kind: ErrorKind,
    message: String,
    decode: Option<fhir_model::Error>,
) -> RawError {
    RawError::at_url(kind, &Method::GET, &file.url, message).at_line(line, decode)
}

/// A line read as `T` after its `resourceType` was checked: lenient reading must never turn a
/// resource of one type into another.
fn typed<T: FhirJson>(
    expected: &str,
    options: ParseOptions,
    file: &ManifestFile,
    number: u64,
    text: &str,
) -> Result<T, RawError> {
    // The type is read in place (no copy unless it is escaped).
    let found = fhir_model::json::Reader::new(text, ParseOptions::lenient())
        .find_resource_type()
        .ok();
    match found {
        Some(found) if found != expected => {
            return Err(line_error(
                file,
                number,
                ErrorKind::UnexpectedResource,
                format!("a {found} in a file of {expected} resources"),
                None,
            ));
        }
        _ => {}
    }
    T::from_json_str(text, options).map_err(|e| {
        line_error(
            file,
            number,
            ErrorKind::Decoding,
            format!("not the {expected} expected"),
            Some(e),
        )
    })
}

fn raw(file: &ManifestFile, number: u64, text: &str) -> Result<RawResource, RawError> {
    let json = JsonValue::parse(text).map_err(|e| {
        line_error(
            file,
            number,
            ErrorKind::Decoding,
            "not JSON".into(),
            Some(e),
        )
    })?;
    let raw = RawResource::from_json(json).ok_or_else(|| {
        line_error(
            file,
            number,
            ErrorKind::Decoding,
            "not a resource (no resourceType)".into(),
            None,
        )
    })?;
    if raw.resource_type() != file.resource_type {
        return Err(line_error(
            file,
            number,
            ErrorKind::UnexpectedResource,
            format!(
                "a {} in a file of {} resources",
                raw.resource_type(),
                file.resource_type
            ),
            None,
        ));
    }
    Ok(raw)
}
