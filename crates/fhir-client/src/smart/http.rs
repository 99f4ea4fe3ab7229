//! Sending for the SMART flows: the endpoint rule, bounded bodies, OAuth error answers.

use std::time::Duration;

use fhir_model::json::JsonValue;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, LOCATION};
use reqwest::{Method, StatusCode};
use url::{Host, Url};

use super::error::{SmartError, SmartErrorKind};
use crate::auth::Secret;

/// The largest answer read from a SMART endpoint; configurations and tokens are a few KiB.
const MAX_BODY: usize = 1024 * 1024;

/// The default timeout of one request to the authorization server.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// An HTTP client for the authorization server: no redirects followed (a 307 would send the
/// form, with its secrets, wherever the `Location` says), a timeout of its own.
pub(crate) fn http_client(timeout: Duration) -> reqwest::Client {
    crate::http_client_builder()
        .timeout(timeout)
        .build()
        .unwrap_or_default()
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Credentials go over HTTPS only, or plain HTTP to this machine (tests, local servers).
pub(crate) fn check_endpoint(url: &Url, what: &str) -> Result<(), SmartError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        other => Err(SmartError::new(
            SmartErrorKind::CrossOrigin,
            format!("the {what} {url} is {other}, not https: credentials are not sent there"),
        )),
    }
}

/// An answer: status, headers, body (at most [`MAX_BODY`] bytes).
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("no content type")
    }

    /// The body as a JSON object, or `None` when it is not one (HTML, empty, malformed).
    pub(crate) fn json_object(&self) -> Option<JsonValue> {
        let text = std::str::from_utf8(&self.body).ok()?;
        match JsonValue::parse(text).ok()? {
            v @ JsonValue::Object(_) => Some(v),
            _ => None,
        }
    }
}

/// One request; a transport failure or timeout is an error naming the method and URL.
pub(crate) async fn send(
    http: &reqwest::Client,
    method: Method,
    url: &Url,
    form: Option<String>,
    basic: Option<(&str, &Secret)>,
) -> Result<Answer, SmartError> {
    let mut request = http
        .request(method.clone(), url.clone())
        .header(ACCEPT, "application/json");
    if let Some(form) = form {
        request = request
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form);
    }
    if let Some((user, password)) = basic {
        // RFC 6749 2.3.1: both are form-encoded before they are joined.
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        request = request.basic_auth(enc(user), Some(enc(password.expose())));
    }
    let fail = |e: reqwest::Error| SmartError::transport(&method, url, e);
    let mut response = request.send().await.map_err(fail)?;
    let status = response.status();
    let headers = response.headers().clone();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(fail)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(SmartError::new(
                SmartErrorKind::Decoding,
                format!("the {status} answer is larger than {MAX_BODY} bytes"),
            )
            .at(&method, url)
            .with_status(status));
        }
        body.extend_from_slice(&chunk);
    }
    tracing::debug!(method = %method, url = %without_query(url), status = status.as_u16(), "SMART request");
    Ok(Answer {
        status,
        headers,
        body,
    })
}

pub(crate) fn without_query(url: &Url) -> Url {
    let mut u = crate::error::redact_url(url);
    u.set_query(None);
    u
}

/// A POST of a form to the token endpoint, its answer read as a JSON object: an OAuth error
/// body becomes [`SmartErrorKind::OAuth`], a redirect is refused, anything but JSON is an error
/// naming the content type.
pub(crate) async fn post_token(
    http: &reqwest::Client,
    url: &Url,
    form: String,
    basic: Option<(&str, &Secret)>,
) -> Result<JsonValue, SmartError> {
    let method = Method::POST;
    let answer = send(http, method.clone(), url, Some(form), basic).await?;
    let status = answer.status;
    let here = |kind, message: String| {
        SmartError::new(kind, message)
            .at(&method, url)
            .with_status(status)
    };
    if status.is_redirection() {
        let to = answer
            .headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| url.join(l).ok())
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|| "an unreadable location".to_owned());
        return Err(here(
            SmartErrorKind::CrossOrigin,
            format!("the token endpoint redirects to {to}; the request is not sent again there"),
        ));
    }
    let json = answer.json_object();
    if let Some(error) = json
        .as_ref()
        .and_then(|j| j.get("error"))
        .and_then(JsonValue::as_str)
    {
        let description = json
            .as_ref()
            .and_then(|j| j.get("error_description"))
            .and_then(JsonValue::as_str)
            .map(str::to_owned);
        return Err(here(
            SmartErrorKind::OAuth,
            "the token request was refused".into(),
        )
        .oauth(error.to_owned(), description));
    }
    match json {
        Some(json) if status.is_success() => Ok(json),
        Some(_) => Err(here(
            SmartErrorKind::Status,
            "the token endpoint answered JSON without an OAuth error".into(),
        )),
        None => Err(here(
            if status.is_success() {
                SmartErrorKind::Decoding
            } else {
                SmartErrorKind::Status
            },
            format!(
                "expected a JSON token response, got {} bytes of {}",
                answer.body.len(),
                answer.content_type()
            ),
        )),
    }
}
