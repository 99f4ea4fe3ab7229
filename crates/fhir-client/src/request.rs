//! The one place that sends: headers, credentials (for the base's origin only), the tracing span,
//! redirects, the 401 refresh and the retry loop; and, since every request waits for it, the
//! check of the server's FHIR version (its metadata read, its `fhirVersion` compared with the
//! client's). Free functions over an [`Inner`]: this module imports the settings, never the client.

use std::time::{Instant, SystemTime};

use bytes::Bytes;

use fhir_model::json::JsonValue;
use fhir_model::{FhirFormats, TypedResource};
use reqwest::header::{
    ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER, USER_AGENT,
};
use reqwest::{Method, StatusCode};
use tracing::Instrument;
use url::Url;

use crate::auth::Credential;
use crate::error::{RawError, redact_url, show_bytes};
use crate::format::{Format, body_format};
use crate::inner::Inner;
use crate::retry::{Decision, is_retryable_status, parse_retry_after};
use crate::version::major_minor;

/// The media type of a JSON Patch document.
pub(crate) const JSON_PATCH: &str = "application/json-patch+json";
/// The media type of a search sent as a form POST.
pub(crate) const FORM: &str = "application/x-www-form-urlencoded";

/// One logical request, before credentials, retries and redirects.
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    /// Shared bytes: each attempt sends the same buffer, never a copy of it.
    pub(crate) body: Option<(Bytes, &'static str)>,
    /// Whether sending it twice does no harm: only those are retried.
    pub(crate) idempotent: bool,
}

impl Request {
    /// A request; GET, HEAD, PUT and DELETE count as idempotent.
    pub(crate) fn new(method: Method, url: Url) -> Request {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE
        );
        Request {
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            idempotent,
        }
    }

    pub(crate) fn get(url: Url) -> Request {
        Request::new(Method::GET, url)
    }

    /// Adds a header; values the client builds itself are always valid, others are dropped.
    pub(crate) fn header(mut self, name: HeaderName, value: &str) -> Request {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.insert(name, v);
        }
        self
    }

    pub(crate) fn body(mut self, bytes: impl Into<Bytes>, content_type: &'static str) -> Request {
        self.body = Some((bytes.into(), content_type));
        self
    }

    /// A resource body in `format`.
    pub(crate) fn fhir_body(self, bytes: impl Into<Bytes>, format: Format) -> Request {
        self.body(bytes, format.content_type())
    }

    pub(crate) fn idempotent(mut self, idempotent: bool) -> Request {
        self.idempotent = idempotent;
        self
    }
}

/// A response with a 2xx or 304 status, its body read.
pub(crate) struct Response {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Response {
    pub(crate) fn header(&self, name: HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the body is empty or white space.
    pub(crate) fn body_is_empty(&self) -> bool {
        self.body.iter().all(|b| b.is_ascii_whitespace())
    }

    /// The body as text and the format to read it in: by its content type, or by its first
    /// character when it has none; a body of another type is a decoding error.
    pub(crate) fn fhir_text(&self) -> Result<(&str, Format), RawError> {
        let format = body_format(self.header(CONTENT_TYPE), &self.body).map_err(|ct| {
            self.decoding_error(
                None,
                format!("expected a FHIR resource, the server sent {ct:?}"),
            )
        })?;
        let text = std::str::from_utf8(&self.body)
            .map_err(|_| self.decoding_error(None, "the body is not UTF-8"))?;
        Ok((text, format))
    }

    /// The `resourceType` of the body, when it is a resource.
    pub(crate) fn resource_type(&self) -> Result<Option<String>, RawError> {
        let (text, format) = self.fhir_text()?;
        Ok(format.resource_type(text))
    }

    /// The body read as the typed resource `T`, leniently; an empty or malformed body is a
    /// decoding error, a resource of another type an [`ErrorKind::UnexpectedResource`](crate::ErrorKind::UnexpectedResource) error.
    pub(crate) fn decode<T: TypedResource>(&self) -> Result<T, RawError> {
        self.decode_as(Some(T::TYPE))
    }

    /// The body read as `T`; when `expected` names a resource type, a body of another
    /// `resourceType` is an [`ErrorKind::UnexpectedResource`](crate::ErrorKind::UnexpectedResource) error. The type is checked before
    /// `T` is parsed: lenient parsing must never turn one resource type into another.
    pub(crate) fn decode_as<T: FhirFormats>(&self, expected: Option<&str>) -> Result<T, RawError> {
        if self.body_is_empty() {
            return Err(self.decoding_error(None, "the body is empty"));
        }
        let (text, format) = self.fhir_text()?;
        if let Some(expected) = expected {
            if let Some(found) = format.resource_type(text) {
                if found != expected {
                    return Err(self.unexpected_resource(expected, &found));
                }
            }
        }
        format
            .decode(text)
            .map_err(|e| self.decoding_error(Some(e), "the body is not the FHIR resource expected"))
    }

    /// The error for a body holding a `found` where a `expected` was asked for.
    pub(crate) fn unexpected_resource(&self, expected: &str, found: &str) -> RawError {
        RawError::unexpected_resource(
            &self.method,
            &self.url,
            self.status,
            self.headers.clone(),
            self.body.clone(),
            format!("expected a {expected}, the server sent a {found}"),
        )
    }

    pub(crate) fn decoding_error(
        &self,
        decode: Option<fhir_model::Error>,
        message: impl Into<String>,
    ) -> RawError {
        RawError::decoding(
            &self.method,
            &self.url,
            self.status,
            self.headers.clone(),
            self.body.clone(),
            decode,
            message,
        )
    }
}

/// What is left of the retry budget for a retry: `None` before the first retry (the first
/// attempt, its redirects and its token refresh are bounded by the client's timeout alone).
fn budget_left(inner: &Inner, started: Instant, retries: u32) -> Option<std::time::Duration> {
    (retries > 0).then(|| inner.retry.get_budget().saturating_sub(started.elapsed()))
}

/// Sends a request: retries, redirects and a token refresh included. A 2xx or 304 is a
/// response, anything else an error. With the builder's `verify_fhir_version`, the server's FHIR
/// version is checked first, once.
pub(crate) async fn send(inner: &Inner, request: Request) -> Result<Response, RawError> {
    verified_fhir_version(inner).await?;
    send_unchecked(inner, request).await
}

/// Sends a GET and reads the body as `T`.
pub(crate) async fn get_as<T: TypedResource>(inner: &Inner, url: Url) -> Result<T, RawError> {
    send(inner, Request::get(url)).await?.decode()
}

/// Sends a request without the FHIR version check: retries, redirects and a token refresh
/// included. A 2xx or 304 is a response, anything else an error. The client's requests come
/// through [`send`], which checks the version first.
async fn send_unchecked(inner: &Inner, request: Request) -> Result<Response, RawError> {
    let started = Instant::now();
    let Request {
        method,
        mut url,
        headers,
        body,
        idempotent,
    } = request;
    let mut attempt: u32 = 0;
    let mut retries: u32 = 0;
    let mut redirects: u32 = 0;
    let mut refreshed = false;
    // The error of the attempt before a retry: what a retry cut short by the budget returns.
    let mut last_error: Option<RawError> = None;
    loop {
        attempt += 1;
        let same_origin = url.origin() == inner.base.origin();
        let credential = if same_origin {
            inner.auth.credential().await?
        } else {
            None
        };

        let mut all = HeaderMap::new();
        all.insert(ACCEPT, HeaderValue::from_static(inner.format.media_type()));
        all.insert(USER_AGENT, inner.user_agent.clone());
        if same_origin {
            for (name, value) in &inner.default_headers {
                all.append(name.clone(), value.clone());
            }
        }
        for (name, value) in &headers {
            all.insert(name.clone(), value.clone());
        }
        let mut builder = inner.http.request(method.clone(), url.clone());
        if let Some((bytes, content_type)) = &body {
            all.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            builder = builder.body(bytes.clone());
        }
        builder = builder.headers(all);
        builder = match &credential {
            Some(Credential::Bearer { token, .. }) => builder.bearer_auth(token.expose()),
            Some(Credential::Basic { user, password }) => {
                builder.basic_auth(user, Some(password.expose()))
            }
            None => builder,
        };
        if let Some(timeout) = inner.timeout {
            builder = builder.timeout(timeout);
        }

        let shown_url = redact_url(&url);
        let span = tracing::info_span!(
            "fhir_request",
            method = %method,
            url = %shown_url,
            attempt,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let t0 = Instant::now();
        let max_body = inner.max_body_bytes;
        let attempt_result = async {
            let mut response = builder.send().await?;
            let status = response.status();
            let headers = response.headers().clone();
            let mut body: Vec<u8> = Vec::new();
            // Read in chunks, counting the bytes after decompression, so that neither a huge
            // nor an endless nor a highly compressed body is ever held past the limit.
            while let Some(chunk) = response.chunk().await? {
                if body.len() as u64 + chunk.len() as u64 > max_body {
                    return Ok(Err(status));
                }
                body.extend_from_slice(&chunk);
            }
            Ok::<_, reqwest::Error>(Ok((status, headers, body)))
        }
        .instrument(span.clone());
        // Once a retry was made, the retry budget bounds the whole call, requests included.
        let result = match budget_left(inner, started, retries) {
            Some(left) => match tokio::time::timeout(left, attempt_result).await {
                Ok(result) => result,
                Err(_) => {
                    let why = format!(
                        "the retry budget of {:?} ran out during attempt {attempt}",
                        inner.retry.get_budget()
                    );
                    return Err(match last_error.take() {
                        Some(e) => e.with_message(why),
                        None => RawError::at_url(crate::ErrorKind::Timeout, &method, &url, why),
                    });
                }
            },
            None => attempt_result.await,
        };
        let elapsed_ms = t0.elapsed().as_millis() as u64;
        span.record("elapsed_ms", elapsed_ms);

        let (status, response_headers, response_body) = match result {
            Ok(Ok(parts)) => parts,
            Ok(Err(status)) => {
                span.record("status", status.as_u16());
                return Err(RawError::at_url(
                    crate::ErrorKind::BodyTooLarge,
                    &method,
                    &url,
                    format!(
                        "the {status} answer's body is larger than the limit of {} \
                             (ClientBuilder::max_body_bytes); reading stopped there",
                        show_bytes(max_body)
                    ),
                ));
            }
            Err(e) => {
                let connect = e.is_connect();
                let error = RawError::transport(&method, &url, e);
                tracing::debug!(parent: &span, elapsed_ms, error = %error, "FHIR request failed");
                if connect && idempotent {
                    if let Some(wait) =
                        inner
                            .retry
                            .delay(retries, None, started.elapsed(), fastrand::f64())
                    {
                        retries += 1;
                        tracing::info!(parent: &span, wait_ms = wait.as_millis() as u64, "retrying after a connect error");
                        tokio::time::sleep(wait).await;
                        last_error = Some(error);
                        continue;
                    }
                }
                return Err(error);
            }
        };
        let code = status.as_u16();
        span.record("status", code);
        tracing::debug!(parent: &span, status = code, elapsed_ms, "FHIR response");

        // 401: one refresh of a provider's token (shared with concurrent requests), one retry.
        if code == 401 && !refreshed {
            if let Some(Credential::Bearer {
                generation: Some(generation),
                ..
            }) = &credential
            {
                if inner.auth.refreshed(Some(*generation)).await?.is_some() {
                    refreshed = true;
                    tracing::info!(parent: &span, "401: token refreshed, sending again");
                    continue;
                }
            }
        }

        if matches!(code, 301 | 302 | 303 | 307 | 308) {
            if let Some(next) = response_headers
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| url.join(l).ok())
            {
                let refuse =
                    |why: String| RawError::at_url(crate::ErrorKind::Redirect, &method, &url, why);
                redirects += 1;
                if redirects > inner.max_redirects {
                    return Err(refuse(format!(
                        "too many redirects (more than {}), the last to {}",
                        inner.max_redirects,
                        redact_url(&next)
                    )));
                }
                let reads = method == Method::GET || method == Method::HEAD;
                if (301..=303).contains(&code) && !reads {
                    // Following would re-send the write as a GET elsewhere, and report that
                    // GET's answer as the write's.
                    return Err(refuse(format!(
                        "the server answered {code} to the {method}, redirecting to {}; \
                             a {method} is not re-sent as a GET",
                        redact_url(&next)
                    )));
                }
                if matches!(code, 307 | 308) && !reads && next.origin() != url.origin() {
                    return Err(refuse(format!(
                        "the server answered {code} to the {method}, redirecting to another \
                             origin ({}); the request and its body are not sent there",
                        redact_url(&next)
                    )));
                }
                tracing::debug!(parent: &span, to = %redact_url(&next), "following a redirect");
                url = next;
                continue;
            }
        }

        if is_retryable_status(code) && idempotent {
            let retry_after = response_headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            match inner
                .retry
                .decide(retries, retry_after, started.elapsed(), fastrand::f64())
            {
                Decision::Wait(wait) => {
                    retries += 1;
                    tracing::info!(parent: &span, status = code, wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                    last_error = Some(RawError::from_response(
                        &method,
                        &url,
                        status,
                        response_headers,
                        response_body,
                    ));
                    continue;
                }
                Decision::BeyondBudget { asked, left } => {
                    return Err(RawError::from_response(
                        &method,
                        &url,
                        status,
                        response_headers,
                        response_body,
                    )
                    .with_message(format!(
                        "not retried: the server asked to wait {asked:?} (Retry-After), \
                             more than the {left:?} left of the retry budget"
                    )));
                }
                Decision::GiveUp => {}
            }
        }

        if status.is_success() || code == 304 {
            return Ok(Response {
                method,
                url,
                status,
                headers: response_headers,
                body: response_body,
            });
        }
        return Err(RawError::from_response(
            &method,
            &url,
            status,
            response_headers,
            response_body,
        ));
    }
}

/// `GET {base}/metadata`. When the FHIR version is still to be checked, it is checked from
/// this same answer rather than with a second request.
pub(crate) async fn metadata(inner: &Inner) -> Result<Response, RawError> {
    let response = send_unchecked(inner, metadata_request(inner)).await?;
    if let Some(check) = &inner.version_check {
        check
            .get_or_try_init(|| async { fhir_version_of(inner, &response) })
            .await?;
    }
    Ok(response)
}

/// The request of the server's metadata: `GET {base}/metadata`.
fn metadata_request(inner: &Inner) -> Request {
    Request::get(inner.url(&["metadata"], &[]))
}

/// `Client::check_fhir_version`; a success also settles the builder's lazy check.
pub(crate) async fn check_fhir_version(inner: &Inner) -> Result<String, RawError> {
    let response = send_unchecked(inner, metadata_request(inner)).await?;
    let version = fhir_version_of(inner, &response)?;
    if let Some(check) = &inner.version_check {
        // Already set (or being set by a request): that check stands.
        let _ = check.set(version.clone());
    }
    Ok(version)
}

/// The lazy check of `ClientBuilder::verify_fhir_version`, before a request: one metadata
/// request for all the requests that wait for it; after a failure, the next request checks again.
async fn verified_fhir_version(inner: &Inner) -> Result<(), RawError> {
    if let Some(check) = &inner.version_check {
        check
            .get_or_try_init(|| async {
                let response = send_unchecked(inner, metadata_request(inner)).await?;
                fhir_version_of(inner, &response)
            })
            .await?;
    }
    Ok(())
}

/// The server's FHIR version from its metadata, checked against the client's.
fn fhir_version_of(inner: &Inner, metadata: &Response) -> Result<String, RawError> {
    let server = server_fhir_version(metadata)?;
    if major_minor(&server) == inner.fhir.major_minor {
        return Ok(server);
    }
    Err(RawError::fhir_version_mismatch(
        &metadata.method,
        &metadata.url,
        format!(
            "the server implements FHIR {server}, but the client uses the FHIR {} models ({})",
            inner.fhir.name, inner.fhir.version
        ),
    ))
}

#[cfg_attr(not(feature = "xml"), allow(unused_variables))]
/// A metadata answer in XML as JSON (through the R4 and R5 model's common `CapabilityStatement`
/// shape: the version check reads only `resourceType` and `fhirVersion`); `None` for JSON.
fn metadata_as_json(
    text: &str,
    format: Format,
    metadata: &Response,
) -> Result<Option<String>, RawError> {
    match format {
        Format::Json => Ok(None),
        #[cfg(feature = "xml")]
        Format::Xml => {
            let resource: fhir_model::r4::Resource = Format::Xml.decode(text).map_err(|e| {
                metadata.decoding_error(Some(e), "the metadata is not the FHIR XML expected")
            })?;
            Ok(Some(fhir_model::FhirJson::to_json_string(&resource)))
        }
    }
}

/// The `fhirVersion` of a metadata answer, read from the JSON as it is (a version the client's
/// models do not know is still a version to report); when the CapabilityStatement has none, the
/// `fhirVersion` parameter of the `Content-Type` (`application/fhir+json; fhirVersion=4.0`).
fn server_fhir_version(metadata: &Response) -> Result<String, RawError> {
    let (text, format) = metadata.fhir_text()?;
    let converted = metadata_as_json(text, format, metadata)?;
    let text = converted.as_deref().unwrap_or(text);
    let doc = JsonValue::parse(text).map_err(|e| {
        metadata.decoding_error(Some(e), "the metadata is not the FHIR JSON expected")
    })?;
    let resource_type = doc.get("resourceType").and_then(JsonValue::as_str);
    if resource_type != Some("CapabilityStatement") {
        return Err(metadata.decoding_error(
            None,
            format!(
                "expected a CapabilityStatement, the server sent {}",
                resource_type.unwrap_or("something else")
            ),
        ));
    }
    if let Some(version) = doc.get("fhirVersion").and_then(JsonValue::as_str) {
        return Ok(version.trim().to_owned());
    }
    metadata
        .header(CONTENT_TYPE)
        .and_then(content_type_fhir_version)
        .ok_or_else(|| {
            metadata.decoding_error(
                None,
                "the CapabilityStatement has no fhirVersion (nor has its Content-Type)",
            )
        })
}

/// The `fhirVersion` parameter of a media type, e.g. `4.0` in `application/fhir+json; fhirVersion=4.0`.
fn content_type_fhir_version(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        let value = value.trim().trim_matches('"').trim();
        (name.trim().eq_ignore_ascii_case("fhirVersion") && !value.is_empty())
            .then(|| value.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::{content_type_fhir_version, major_minor};
    #[cfg(feature = "r5")]
    use crate::version::R5;
    use crate::version::{FhirVersion, R4};

    #[test]
    fn json_content_types() {
        use crate::format::is_json_content_type;
        for ct in [
            "application/fhir+json",
            "application/fhir+json; fhirVersion=4.0",
            "application/json;charset=UTF-8",
            "application/json+fhir",
            "Application/FHIR+JSON",
        ] {
            assert!(is_json_content_type(ct), "{ct}");
        }
        for ct in [
            "text/html",
            "application/problem+json",
            "application/fhir+xml",
        ] {
            assert!(!is_json_content_type(ct), "{ct}");
        }
    }

    #[test]
    fn fhir_version_in_content_type() {
        let v = |ct: &str| content_type_fhir_version(ct);
        assert_eq!(
            v("application/fhir+json; fhirVersion=4.0").as_deref(),
            Some("4.0")
        );
        assert_eq!(
            v("application/fhir+json;charset=utf-8; fhirversion=\"5.0\"").as_deref(),
            Some("5.0")
        );
        assert_eq!(v("application/fhir+json"), None);
        assert_eq!(v("application/fhir+json; fhirVersion="), None);
        assert_eq!(v("application/fhir+json; x=fhirVersion"), None);
    }

    #[test]
    fn major_minor_versions() {
        assert_eq!(major_minor("4.0.1"), "4.0");
        assert_eq!(major_minor("4.0"), "4.0");
        assert_eq!(major_minor(" 5.0.0-ballot "), "5.0");
        assert_eq!(major_minor("4.3.0"), "4.3");
        assert_eq!(major_minor("4"), "4");
        assert_eq!(major_minor(R4::VERSION), R4::MAJOR_MINOR);
        #[cfg(feature = "r5")]
        assert_eq!(major_minor(R5::VERSION), R5::MAJOR_MINOR);
    }
}
