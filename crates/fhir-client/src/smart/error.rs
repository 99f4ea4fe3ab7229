//! The error of the SMART flows: discovery, token requests, keys, the redirect back.

use std::fmt;

use reqwest::{Method, StatusCode};
use url::Url;

use crate::error::{BoxError, redact_url};

/// What went wrong in a SMART flow, for matching on.
///
/// ```
/// use fhir_client::smart::SmartErrorKind;
/// assert_eq!(SmartErrorKind::OAuth.to_string(), "OAuth error");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SmartErrorKind {
    /// The authorization server answered with an OAuth 2.0 error (`error`, `error_description`),
    /// in a token response or in the redirect back; see [`SmartError::oauth_error`].
    OAuth,
    /// An unsuccessful HTTP status without an OAuth error body.
    Status,
    /// A body that is not the JSON expected (an HTML page, malformed JSON, a missing member).
    Decoding,
    /// The request could not be sent or the answer not received.
    Transport,
    /// The request took longer than its timeout.
    Timeout,
    /// Neither `.well-known/smart-configuration` nor the CapabilityStatement says where the
    /// authorization server is.
    Discovery,
    /// A private key that cannot be read or used (format, algorithm, size).
    Key,
    /// A request the flow refuses to send: an endpoint on another origin than allowed, plain
    /// HTTP to a host other than loopback, a redirect the client will not follow.
    CrossOrigin,
    /// The `state` of the redirect back is not the one sent: the answer is not for this request.
    State,
    /// Bad input: a URL that does not parse, a redirect without a code, a missing setting.
    InvalidInput,
}

impl SmartErrorKind {
    fn describe(self) -> &'static str {
        match self {
            SmartErrorKind::OAuth => "OAuth error",
            SmartErrorKind::Status => "unsuccessful status",
            SmartErrorKind::Decoding => "unexpected response body",
            SmartErrorKind::Transport => "transport error",
            SmartErrorKind::Timeout => "timed out",
            SmartErrorKind::Discovery => "no SMART configuration",
            SmartErrorKind::Key => "unusable private key",
            SmartErrorKind::CrossOrigin => "refused to send credentials there",
            SmartErrorKind::State => "state mismatch",
            SmartErrorKind::InvalidInput => "invalid input",
        }
    }
}

impl fmt::Display for SmartErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// An error of discovery, a token request, a key or the redirect back.
///
/// It names the method and URL of the request (without credentials) and the status when the
/// server answered. Its `Display` and `Debug` never hold a token, secret, key or code. As the
/// source of a client error of kind [`ErrorKind::Auth`](crate::ErrorKind::Auth) it can be
/// downcast:
///
/// ```
/// # fn check(e: fhir_client::Error) {
/// use fhir_client::smart::SmartError;
/// use std::error::Error as _;
/// if let Some(smart) = e.source().and_then(|s| s.downcast_ref::<SmartError>()) {
///     println!("{:?} {:?}", smart.kind(), smart.oauth_error());
/// }
/// # }
/// ```
pub struct SmartError {
    inner: Box<Inner>,
}

struct Inner {
    kind: SmartErrorKind,
    method: Option<Method>,
    url: Option<Url>,
    status: Option<StatusCode>,
    oauth_error: Option<String>,
    oauth_description: Option<String>,
    message: Option<String>,
    source: Option<BoxError>,
}

impl SmartError {
    pub(crate) fn new(kind: SmartErrorKind, message: impl Into<String>) -> SmartError {
        SmartError {
            inner: Box::new(Inner {
                kind,
                method: None,
                url: None,
                status: None,
                oauth_error: None,
                oauth_description: None,
                message: Some(message.into()),
                source: None,
            }),
        }
    }

    /// The same error, its message prefixed with `what` (a file name, a step).
    pub(crate) fn context(mut self, what: impl Into<String>) -> SmartError {
        let what = what.into();
        self.inner.message = Some(match self.inner.message.take() {
            Some(m) => format!("{what}: {m}"),
            None => what,
        });
        self
    }

    pub(crate) fn at(mut self, method: &Method, url: &Url) -> SmartError {
        self.inner.method = Some(method.clone());
        let mut shown = redact_url(url);
        // A redirect URL may carry a code and state: neither belongs in a message.
        shown.set_query(None);
        self.inner.url = Some(shown);
        self
    }

    pub(crate) fn with_status(mut self, status: StatusCode) -> SmartError {
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn oauth(mut self, error: String, description: Option<String>) -> SmartError {
        self.inner.kind = SmartErrorKind::OAuth;
        self.inner.oauth_error = Some(error);
        self.inner.oauth_description = description;
        self
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> SmartError {
        self.inner.source = Some(source.into());
        self
    }

    pub(crate) fn transport(method: &Method, url: &Url, e: reqwest::Error) -> SmartError {
        let kind = if e.is_timeout() {
            SmartErrorKind::Timeout
        } else {
            SmartErrorKind::Transport
        };
        // reqwest's own text names the URL with its query: keep only the causes' kinds.
        let e = e.without_url();
        SmartError::new(kind, "the request failed")
            .at(method, url)
            .with_source(e)
    }

    /// What went wrong.
    ///
    /// ```
    /// # fn check(e: fhir_client::smart::SmartError) {
    /// use fhir_client::smart::SmartErrorKind;
    /// if e.kind() == SmartErrorKind::Timeout { /* try again later */ }
    /// # }
    /// ```
    pub fn kind(&self) -> SmartErrorKind {
        self.inner.kind
    }

    /// The OAuth `error` code (`invalid_client`, `invalid_grant`, `access_denied`, ...).
    ///
    /// ```
    /// # fn check(e: fhir_client::smart::SmartError) {
    /// if e.oauth_error() == Some("invalid_grant") { /* log in again */ }
    /// # }
    /// ```
    pub fn oauth_error(&self) -> Option<&str> {
        self.inner.oauth_error.as_deref()
    }

    /// The OAuth `error_description`, when the server gave one.
    ///
    /// ```
    /// # fn check(e: fhir_client::smart::SmartError) {
    /// eprintln!("{}", e.oauth_description().unwrap_or("no description"));
    /// # }
    /// ```
    pub fn oauth_description(&self) -> Option<&str> {
        self.inner.oauth_description.as_deref()
    }

    /// The HTTP status, when the server answered.
    ///
    /// ```
    /// # fn check(e: fhir_client::smart::SmartError) {
    /// let code = e.status().map(|s| s.as_u16());
    /// # }
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The URL of the request that failed, without credentials or query.
    ///
    /// ```
    /// # fn check(e: fhir_client::smart::SmartError) {
    /// if let Some(url) = e.url() { println!("{url}"); }
    /// # }
    /// ```
    pub fn url(&self) -> Option<&Url> {
        self.inner.url.as_ref()
    }
}

impl fmt::Display for SmartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &*self.inner;
        if let (Some(m), Some(u)) = (&i.method, &i.url) {
            write!(f, "{m} {u}: ")?;
        }
        if let Some(s) = i.status {
            write!(f, "{s}: ")?;
        }
        f.write_str(i.kind.describe())?;
        if let Some(e) = &i.oauth_error {
            write!(f, " {e}")?;
            if let Some(d) = &i.oauth_description {
                write!(f, " ({d})")?;
            }
        }
        if let Some(m) = &i.message {
            write!(f, ": {m}")?;
        }
        let mut cause: Option<&(dyn std::error::Error + 'static)> = i
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static));
        while let Some(c) = cause {
            write!(f, ": {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

impl fmt::Debug for SmartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &*self.inner;
        let mut d = f.debug_struct("SmartError");
        d.field("kind", &i.kind);
        if let Some(m) = &i.method {
            d.field("method", m);
        }
        if let Some(u) = &i.url {
            d.field("url", &u.as_str());
        }
        if let Some(s) = i.status {
            d.field("status", &s.as_u16());
        }
        if let Some(e) = &i.oauth_error {
            d.field("error", e);
        }
        if let Some(e) = &i.oauth_description {
            d.field("error_description", e);
        }
        if let Some(m) = &i.message {
            d.field("message", m);
        }
        if let Some(s) = &i.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl std::error::Error for SmartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
