//! The one error type of the client.

use std::fmt;
use std::time::{Duration, SystemTime};

use fhir_model::TypedResource;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::version::{FhirVersion, R4};

/// A boxed error from elsewhere (a token provider, the transport).
///
/// ```
/// let e: fhir_client::BoxError = "no token today".into();
/// assert_eq!(e.to_string(), "no token today");
/// ```
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong, for matching on.
///
/// ```
/// use fhir_client::ErrorKind;
///
/// assert_eq!(ErrorKind::for_status(410), Some(ErrorKind::Gone));
/// assert_eq!(ErrorKind::for_status(500), Some(ErrorKind::Status));
/// assert_eq!(ErrorKind::for_status(200), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 404: the resource never existed (or the server will not say).
    NotFound,
    /// 410: the resource existed and was deleted.
    Gone,
    /// 409: a conflict, e.g. a version conflict or a duplicate.
    Conflict,
    /// 412: a precondition failed, e.g. a stale `If-Match` or an ambiguous conditional write.
    PreconditionFailed,
    /// 422: the server could not process a well-formed resource (validation failed).
    Unprocessable,
    /// 429: too many requests, still after the retries the policy allowed.
    TooManyRequests,
    /// Any other unsuccessful HTTP status (400, 401, 403, 5xx, ...).
    Status,
    /// The request could not be sent or the response could not be received.
    Transport,
    /// The request took longer than the configured timeout.
    Timeout,
    /// The response body is not the FHIR JSON expected; see [`Error::decode_error`].
    Decoding,
    /// The request could not be made from what was given (a bad URL, a reference the client
    /// cannot follow, a resource without an id to update, ...).
    InvalidInput,
    /// The token provider failed.
    Auth,
    /// The server's FHIR version (its CapabilityStatement's `fhirVersion`) is not the version of
    /// the client's models; see [`Client::check_fhir_version`](crate::Client::check_fhir_version)
    /// and [`ClientBuilder::verify_fhir_version`](crate::ClientBuilder::verify_fhir_version).
    FhirVersionMismatch,
    /// A successful answer holding a resource of another type than the one asked for (a Patient
    /// for a read of an Observation, an OperationOutcome where a Bundle was expected); see
    /// [`Error::resource`] and [`Error::operation_outcome`].
    UnexpectedResource,
    /// The response body is larger than [`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes)
    /// allows (counted after decompression); reading stopped at the limit.
    BodyTooLarge,
    /// The compressed (gzip) response body could not be decompressed.
    Decompression,
    /// More redirects than the client follows, or a redirect it refuses to follow: a 301, 302 or
    /// 303 answer to a request that is not a GET or HEAD (following it would silently turn the
    /// write into a GET elsewhere), or a 307 or 308 to another origin.
    Redirect,
    /// Paging went wrong: a `next` link to a page already seen, more pages than the cap, too many
    /// empty pages in a row, or a `next` link to another origin (refused unless
    /// [`ClientBuilder::follow_cross_origin_next`](crate::ClientBuilder::follow_cross_origin_next)).
    Paging,
}

impl ErrorKind {
    /// The kind of an unsuccessful HTTP status; `None` for 1xx, 2xx and 3xx.
    ///
    /// ```
    /// use fhir_client::ErrorKind;
    /// assert_eq!(ErrorKind::for_status(404), Some(ErrorKind::NotFound));
    /// ```
    pub fn for_status(status: u16) -> Option<ErrorKind> {
        Some(match status {
            404 => ErrorKind::NotFound,
            410 => ErrorKind::Gone,
            409 => ErrorKind::Conflict,
            412 => ErrorKind::PreconditionFailed,
            422 => ErrorKind::Unprocessable,
            429 => ErrorKind::TooManyRequests,
            400..=599 => ErrorKind::Status,
            _ => return None,
        })
    }

    fn describe(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not found",
            ErrorKind::Gone => "gone (deleted)",
            ErrorKind::Conflict => "conflict",
            ErrorKind::PreconditionFailed => "precondition failed",
            ErrorKind::Unprocessable => "unprocessable",
            ErrorKind::TooManyRequests => "too many requests",
            ErrorKind::Status => "unsuccessful status",
            ErrorKind::Transport => "transport error",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Decoding => "invalid response body",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Auth => "authentication failed",
            ErrorKind::FhirVersionMismatch => "FHIR version mismatch",
            ErrorKind::UnexpectedResource => "unexpected resource type",
            ErrorKind::BodyTooLarge => "response body too large",
            ErrorKind::Decompression => "corrupt compressed body",
            ErrorKind::Redirect => "redirect not followed",
            ErrorKind::Paging => "paging stopped",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// An error of the client: an HTTP status, a transport failure, a timeout, a body that is not
/// FHIR, or input the client cannot turn into a request.
///
/// HTTP errors keep the status, the response headers, the raw body and, when the body is an
/// OperationOutcome, the parsed outcome. A body that is not FHIR (an HTML page from a gateway,
/// `application/problem+json`, nothing) is kept as it came.
///
/// `Error` is `Error<R4>`; the errors of a `Client<V>` are `Error<V>`, whose
/// [`operation_outcome`](Error::operation_outcome) is the OperationOutcome of `V`'s models.
///
/// ```no_run
/// use fhir_client::{Client, ErrorKind};
/// use fhir_model::r4::Patient;
///
/// # async fn run() -> Result<(), fhir_client::Error> {
/// let client = Client::new("https://example.org/fhir")?;
/// match client.read::<Patient>("gone-one").await {
///     Ok(p) => println!("{:?}", p.id),
///     Err(e) if e.kind() == ErrorKind::Gone => println!("deleted"),
///     Err(e) if e.kind() == ErrorKind::NotFound => println!("never existed"),
///     Err(e) => {
///         if let Some(outcome) = e.operation_outcome() {
///             println!("{} issues", outcome.issue.len());
///         }
///         return Err(e);
///     }
/// }
/// # Ok(()) }
/// ```
pub struct Error<V: FhirVersion = R4> {
    raw: RawError,
    /// The response's OperationOutcome, typed as the client's version.
    outcome: Option<Box<V::OperationOutcome>>,
    /// For [`ErrorKind::UnexpectedResource`]: the resource that came instead.
    resource: Option<Box<V::Resource>>,
}

/// An error without the one part that depends on the FHIR version, the parsed OperationOutcome:
/// what the code that is not generic over the version (sending, retrying, the builder) returns.
/// It becomes an [`Error`] with `?` (or `into()`), which parses the outcome from the body.
pub(crate) struct RawError {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: Option<String>,
    method: Option<Method>,
    url: Option<Url>,
    response: Option<ResponseParts>,
    decode: Option<fhir_model::Error>,
    source: Option<BoxError>,
    /// For a line of an NDJSON file (a bulk export's): its number, from 1.
    line: Option<u64>,
}

struct ResponseParts {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl RawError {
    fn new(kind: ErrorKind) -> RawError {
        RawError {
            inner: Box::new(Inner {
                kind,
                message: None,
                method: None,
                url: None,
                response: None,
                decode: None,
                source: None,
                line: None,
            }),
        }
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> RawError {
        let mut e = RawError::new(ErrorKind::InvalidInput);
        e.inner.message = Some(message.into());
        e
    }

    pub(crate) fn auth(source: BoxError) -> RawError {
        let mut e = RawError::new(ErrorKind::Auth);
        e.inner.source = Some(source);
        e
    }

    pub(crate) fn transport(method: &Method, url: &Url, source: reqwest::Error) -> RawError {
        let kind = if source.is_timeout() {
            ErrorKind::Timeout
        } else if source.is_decode() {
            // reqwest reports a body that fails to decompress as a decode error.
            ErrorKind::Decompression
        } else {
            ErrorKind::Transport
        };
        let mut e = RawError::new(kind).at(method, url);
        // reqwest's message names the URL again, as it was; ours is already redacted.
        e.inner.source = Some(Box::new(source.without_url()));
        e
    }

    /// An error of `kind` about a request, with a message.
    pub(crate) fn at_url(
        kind: ErrorKind,
        method: &Method,
        url: &Url,
        message: impl Into<String>,
    ) -> RawError {
        let mut e = RawError::new(kind).at(method, url);
        e.inner.message = Some(message.into());
        e
    }

    pub(crate) fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    pub(crate) fn status(&self) -> Option<StatusCode> {
        self.inner.response.as_ref().map(|r| r.status)
    }

    /// The same error, about line `line` of an NDJSON file, with the model's error for it.
    pub(crate) fn at_line(mut self, line: u64, decode: Option<fhir_model::Error>) -> RawError {
        self.inner.line = Some(line);
        self.inner.decode = decode;
        self
    }

    /// The same error, with `message` added to what it says.
    pub(crate) fn with_message(mut self, message: impl Into<String>) -> RawError {
        let message = message.into();
        self.inner.message = Some(match self.inner.message.take() {
            Some(old) => format!("{old}: {message}"),
            None => message,
        });
        self
    }

    /// A successful answer of another resource type than `expected`; the resource itself is
    /// parsed from the body as the error becomes an [`Error`].
    pub(crate) fn unexpected_resource(
        method: &Method,
        url: &Url,
        status: StatusCode,
        headers: HeaderMap,
        body: Vec<u8>,
        message: impl Into<String>,
    ) -> RawError {
        let mut e = RawError::new(ErrorKind::UnexpectedResource).at(method, url);
        e.inner.message = Some(message.into());
        e.inner.response = Some(ResponseParts {
            status,
            headers,
            body,
        });
        e
    }

    /// A server whose FHIR version is not the client's; the message names both.
    pub(crate) fn fhir_version_mismatch(
        method: &Method,
        url: &Url,
        message: impl Into<String>,
    ) -> RawError {
        let mut e = RawError::new(ErrorKind::FhirVersionMismatch).at(method, url);
        e.inner.message = Some(message.into());
        e
    }

    /// An error for an unsuccessful status; the body is parsed as an OperationOutcome (when it is
    /// one) as the error becomes an [`Error`].
    pub(crate) fn from_response(
        method: &Method,
        url: &Url,
        status: StatusCode,
        headers: HeaderMap,
        body: Vec<u8>,
    ) -> RawError {
        let kind = ErrorKind::for_status(status.as_u16()).unwrap_or(ErrorKind::Status);
        let mut e = RawError::new(kind).at(method, url);
        e.inner.response = Some(ResponseParts {
            status,
            headers,
            body,
        });
        e
    }

    /// A successful response whose body is not what was expected.
    pub(crate) fn decoding(
        method: &Method,
        url: &Url,
        status: StatusCode,
        headers: HeaderMap,
        body: Vec<u8>,
        decode: Option<fhir_model::Error>,
        message: impl Into<String>,
    ) -> RawError {
        let mut e = RawError::new(ErrorKind::Decoding).at(method, url);
        e.inner.message = Some(message.into());
        e.inner.decode = decode;
        e.inner.response = Some(ResponseParts {
            status,
            headers,
            body,
        });
        e
    }

    fn at(mut self, method: &Method, url: &Url) -> RawError {
        self.inner.method = Some(method.clone());
        self.inner.url = Some(redact_url(url));
        self
    }

    fn headers(&self) -> Option<&HeaderMap> {
        self.inner.response.as_ref().map(|r| &r.headers)
    }

    fn body(&self) -> Option<&[u8]> {
        self.inner.response.as_ref().map(|r| r.body.as_slice())
    }

    fn content_type(&self) -> Option<&str> {
        self.headers()
            .and_then(|h| h.get(CONTENT_TYPE))
            .and_then(|v| v.to_str().ok())
    }

    /// The body to read an OperationOutcome from: that of an unsuccessful status (a body that
    /// did not decode is not read again).
    fn outcome_text(&self) -> Option<&str> {
        if self.inner.kind == ErrorKind::Decoding {
            return None;
        }
        std::str::from_utf8(self.body()?).ok()
    }

    /// The message, with the summary of the OperationOutcome when there is one.
    fn fmt_with(&self, f: &mut fmt::Formatter<'_>, outcome: Option<String>) -> fmt::Result {
        let inner = &*self.inner;
        if let (Some(method), Some(url)) = (&inner.method, &inner.url) {
            write!(f, "{method} {url}: ")?;
        }
        match &inner.response {
            Some(r) if inner.kind != ErrorKind::Decoding => {
                write!(f, "{} ({})", r.status, inner.kind)?;
                if let Some(summary) = outcome {
                    write!(f, ": {summary}")?;
                } else if !r.body.is_empty() {
                    let ct = self.content_type().unwrap_or("no content type");
                    write!(f, " with a {} byte body ({ct})", r.body.len())?;
                }
            }
            _ => f.write_str(inner.kind.describe())?,
        }
        if let Some(line) = inner.line {
            write!(f, ": line {line}")?;
        }
        if let Some(message) = &inner.message {
            write!(f, ": {message}")?;
        }
        if let Some(decode) = &inner.decode {
            write!(f, ": {decode}")?;
        }
        if let Some(source) = &inner.source {
            write!(f, ": {source}")?;
            // reqwest's own message is terse ("error sending request"): show the causes too.
            let mut cause = source.source();
            while let Some(c) = cause {
                write!(f, ": {c}")?;
                cause = c.source();
            }
        }
        Ok(())
    }

    fn debug_with(&self, f: &mut fmt::Formatter<'_>, has_outcome: bool) -> fmt::Result {
        let inner = &*self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &inner.kind);
        if let Some(m) = &inner.method {
            d.field("method", m);
        }
        if let Some(u) = &inner.url {
            d.field("url", &u.as_str());
        }
        if let Some(r) = &inner.response {
            d.field("status", &r.status.as_u16());
            d.field("body_len", &r.body.len());
            d.field("operation_outcome", &has_outcome);
        }
        if let Some(m) = &inner.message {
            d.field("message", m);
        }
        if let Some(line) = inner.line {
            d.field("line", &line);
        }
        if let Some(e) = &inner.decode {
            d.field("decode", e);
        }
        if let Some(e) = &inner.source {
            d.field("source", e);
        }
        d.finish()
    }

    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        if let Some(e) = &self.inner.decode {
            return Some(e);
        }
        self.inner
            .source
            .as_ref()
            .map(|e| &**e as &(dyn std::error::Error + 'static))
    }
}

impl fmt::Display for RawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_with(f, None)
    }
}

impl fmt::Debug for RawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.debug_with(f, false)
    }
}

impl<V: FhirVersion> From<RawError> for Error<V> {
    fn from(raw: RawError) -> Error<V> {
        let outcome = raw
            .outcome_text()
            .and_then(parse_operation_outcome::<V::OperationOutcome>)
            .map(Box::new);
        let resource = if raw.inner.kind == ErrorKind::UnexpectedResource {
            raw.outcome_text()
                .and_then(|text| {
                    let format = crate::format::body_format(None, text.as_bytes()).ok()?;
                    format.decode::<V::Resource>(text).ok()
                })
                .map(Box::new)
        } else {
            None
        };
        Error {
            raw,
            outcome,
            resource,
        }
    }
}

impl<V: FhirVersion> Error<V> {
    pub(crate) fn invalid_input(message: impl Into<String>) -> Error<V> {
        RawError::invalid_input(message).into()
    }

    /// What went wrong.
    ///
    /// ```
    /// # fn check(e: fhir_client::Error) {
    /// if e.kind() == fhir_client::ErrorKind::PreconditionFailed {
    ///     // someone else updated the resource first: read it again and retry
    /// }
    /// # }
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.raw.inner.kind
    }

    /// The HTTP status, when the server answered.
    ///
    /// ```
    /// # fn check(e: fhir_client::Error) {
    /// if let Some(status) = e.status() {
    ///     println!("HTTP {}", status.as_u16());
    /// }
    /// # }
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        self.raw.inner.response.as_ref().map(|r| r.status)
    }

    /// The response headers, when the server answered.
    ///
    /// ```
    /// # fn check(e: fhir_client::Error) {
    /// let request_id = e.headers().and_then(|h| h.get("x-request-id"));
    /// # }
    /// ```
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.raw.headers()
    }

    /// The raw response body (possibly empty), when the server answered.
    ///
    /// ```
    /// # fn check(e: fhir_client::Error) {
    /// let size = e.body().map_or(0, |b| b.len());
    /// # }
    /// ```
    pub fn body(&self) -> Option<&[u8]> {
        self.raw.body()
    }

    /// The response body as text, when the server answered with UTF-8 text.
    ///
    /// ```
    /// # fn check(e: fhir_client::Error) {
    /// if let Some(text) = e.body_text() {
    ///     eprintln!("{text}");
    /// }
    /// # }
    /// ```
    pub fn body_text(&self) -> Option<&str> {
        self.body().and_then(|b| std::str::from_utf8(b).ok())
    }

    /// The response's `Content-Type`, when there was one.
    ///
    /// ```
    /// # fn check(e: fhir_client::Error) {
    /// if e.content_type() == Some("application/problem+json") { /* ... */ }
    /// # }
    /// ```
    pub fn content_type(&self) -> Option<&str> {
        self.raw.content_type()
    }

    /// The OperationOutcome of the response, when its body is one, typed as the client's FHIR
    /// version (`fhir_model::r4::OperationOutcome` for a `Client<R4>`).
    ///
    /// ```
    /// # fn check(e: fhir_client::Error) {
    /// for issue in e.operation_outcome().map_or(&[][..], |o| &o.issue) {
    ///     println!("{:?}", issue.diagnostics);
    /// }
    /// # }
    /// ```
    pub fn operation_outcome(&self) -> Option<&V::OperationOutcome> {
        self.outcome.as_deref()
    }

    /// For [`ErrorKind::UnexpectedResource`]: the resource the server sent instead of the one
    /// asked for, as the version's `Resource` enum (an OperationOutcome is also available typed,
    /// from [`operation_outcome`](Self::operation_outcome)).
    ///
    /// ```
    /// # fn check(e: fhir_client::Error) {
    /// use fhir_model::AnyResource;
    /// if let Some(r) = e.resource() {
    ///     println!("the server sent a {}", r.resource_type());
    /// }
    /// # }
    /// ```
    pub fn resource(&self) -> Option<&V::Resource> {
        self.resource.as_deref()
    }

    /// For [`ErrorKind::Decoding`]: the model's error, with the FHIR path, line and column.
    ///
    /// ```
    /// # fn check(e: fhir_client::Error) {
    /// if let Some(d) = e.decode_error() {
    ///     println!("at {} (line {}, column {})", d.path(), d.line(), d.column());
    /// }
    /// # }
    /// ```
    pub fn decode_error(&self) -> Option<&fhir_model::Error> {
        self.raw.inner.decode.as_ref()
    }

    /// For an error about one line of an NDJSON file (a bulk export's, see
    /// [`export`](crate::export)): the line's number, from 1; [`url`](Self::url) names the file.
    ///
    /// ```
    /// # fn check(e: fhir_client::Error) {
    /// if let (Some(line), Some(url)) = (e.line(), e.url()) {
    ///     eprintln!("{url}, line {line}: {e}");
    /// }
    /// # }
    /// ```
    pub fn line(&self) -> Option<u64> {
        self.raw.inner.line
    }

    /// The method of the request that failed.
    ///
    /// ```
    /// # fn check(e: fhir_client::Error) {
    /// let retryable = e.method().is_some_and(|m| m == "GET");
    /// # }
    /// ```
    pub fn method(&self) -> Option<&Method> {
        self.raw.inner.method.as_ref()
    }

    /// The URL of the request that failed (without any user name or password it had).
    ///
    /// ```
    /// # fn check(e: fhir_client::Error) {
    /// if let Some(url) = e.url() { println!("{url}"); }
    /// # }
    /// ```
    pub fn url(&self) -> Option<&Url> {
        self.raw.inner.url.as_ref()
    }

    /// The wait the server asked for with `Retry-After` (seconds or an HTTP date), if any.
    ///
    /// ```
    /// # fn check(e: fhir_client::Error) {
    /// if let Some(wait) = e.retry_after() {
    ///     println!("try again in {wait:?}");
    /// }
    /// # }
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.headers()?.get(RETRY_AFTER)?.to_str().ok()?;
        crate::retry::parse_retry_after(value, SystemTime::now())
    }
}

/// A URL without the user name and password it may carry, for messages and logs.
pub(crate) fn redact_url(url: &Url) -> Url {
    let mut url = url.clone();
    if !url.username().is_empty() || url.password().is_some() {
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    url
}

impl<V: FhirVersion> fmt::Display for Error<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let summary = self.outcome.as_deref().and_then(V::outcome_summary);
        self.raw.fmt_with(f, summary)
    }
}

impl<V: FhirVersion> fmt::Debug for Error<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.raw.debug_with(f, self.outcome.is_some())
    }
}

impl<V: FhirVersion> std::error::Error for Error<V> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.raw.source()
    }
}

/// An OperationOutcome (of any version) from a body, when the body is one (and only then).
/// JSON or XML, told apart by the first character (an error body's content type may be wrong).
pub(crate) fn parse_operation_outcome<O: TypedResource>(text: &str) -> Option<O> {
    let format = crate::format::body_format(None, text.as_bytes()).ok()?;
    if format.resource_type(text).as_deref() != Some("OperationOutcome") {
        return None;
    }
    format.decode(text).ok()
}

/// A byte count as a person reads it: `512 MiB`, `1.5 KiB`, `300 bytes`.
pub(crate) fn show_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut value = n as f64;
    let mut unit = "";
    for u in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    if value.fract() == 0.0 {
        format!("{value} {unit}")
    } else {
        format!("{value:.1} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_model::r4::OperationOutcome;

    fn url() -> Url {
        Url::parse("http://user:secret@h.test/fhir/Patient/1").unwrap()
    }

    #[test]
    fn status_kinds() {
        for (s, k) in [
            (404, ErrorKind::NotFound),
            (410, ErrorKind::Gone),
            (409, ErrorKind::Conflict),
            (412, ErrorKind::PreconditionFailed),
            (422, ErrorKind::Unprocessable),
            (429, ErrorKind::TooManyRequests),
            (400, ErrorKind::Status),
            (503, ErrorKind::Status),
        ] {
            assert_eq!(ErrorKind::for_status(s), Some(k));
        }
        assert_eq!(ErrorKind::for_status(304), None);
    }

    #[test]
    fn outcome_is_parsed_and_shown() {
        let body = br#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found","diagnostics":"Patient/1 is not known"}]}"#;
        let e: Error = RawError::from_response(
            &Method::GET,
            &url(),
            StatusCode::NOT_FOUND,
            HeaderMap::new(),
            body.to_vec(),
        )
        .into();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.operation_outcome().is_some());
        assert_eq!(
            e.to_string(),
            "GET http://h.test/fhir/Patient/1: 404 Not Found (not found): error (not-found): Patient/1 is not known"
        );
        assert!(!format!("{e:?}").contains("secret"));
    }

    #[test]
    fn html_body_is_kept_as_it_is() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, "text/html".parse().unwrap());
        let e: Error = RawError::from_response(
            &Method::GET,
            &url(),
            StatusCode::BAD_GATEWAY,
            headers,
            b"<html>bad gateway</html>".to_vec(),
        )
        .into();
        assert_eq!(e.kind(), ErrorKind::Status);
        assert!(e.operation_outcome().is_none());
        assert_eq!(e.body_text(), Some("<html>bad gateway</html>"));
        assert!(e.to_string().ends_with("with a 24 byte body (text/html)"));
    }

    #[test]
    fn outcome_only_from_operation_outcomes() {
        let oo = r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found","diagnostics":"Resource Patient/x is not known"}]}"#;
        let parsed: OperationOutcome = parse_operation_outcome(oo).unwrap();
        assert_eq!(
            R4::outcome_summary(&parsed).unwrap(),
            "error (not-found): Resource Patient/x is not known"
        );
        let details = r#"{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"processing","details":{"text":"slow"}}]}"#;
        let parsed: OperationOutcome = parse_operation_outcome(details).unwrap();
        assert_eq!(
            R4::outcome_summary(&parsed).unwrap(),
            "warning (processing): slow"
        );
        assert!(
            parse_operation_outcome::<OperationOutcome>(r#"{"resourceType":"Patient"}"#).is_none()
        );
        assert!(
            parse_operation_outcome::<OperationOutcome>(r#"{"type":"about:blank","status":404}"#)
                .is_none()
        );
    }
}
