//! Shared helpers for the protocol tests: a mock FHIR server on loopback, response builders,
//! request descriptions for snapshots, and a tracing subscriber that captures everything.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fhir_client::{Client, ClientBuilder, RetryPolicy};
use wiremock::{MockServer, Request, ResponseTemplate};

pub const FHIR_JSON: &str = "application/fhir+json";
pub const TOKEN: &str = "tok-SUPER-SECRET-123";

pub async fn server() -> MockServer {
    MockServer::start().await
}

/// The base URL of the mock server's FHIR endpoint.
pub fn base(server: &MockServer) -> String {
    format!("{}/fhir", server.uri())
}

/// Fast retries, so that retry tests take milliseconds.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(3)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
        .budget(Duration::from_secs(10))
}

pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder(base(server)).retry(fast_retry())
}

pub fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

/// A response with a FHIR JSON body.
pub fn fhir(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), FHIR_JSON)
}

/// A response with a body of the given content type.
pub fn body(status: u16, body: &str, content_type: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), content_type)
}

pub fn patient(id: &str) -> String {
    format!(
        r#"{{"resourceType":"Patient","id":"{id}","meta":{{"versionId":"1"}},"active":true,"name":[{{"family":"Chalmers","given":["Peter","James"]}}],"gender":"male","birthDate":"1974-12-25"}}"#
    )
}

pub fn outcome(code: &str, diagnostics: &str) -> String {
    format!(
        r#"{{"resourceType":"OperationOutcome","issue":[{{"severity":"error","code":"{code}","diagnostics":"{diagnostics}"}}]}}"#
    )
}

/// A searchset of patients with the given ids and `next` link.
pub fn searchset(ids: &[&str], next: Option<&str>) -> String {
    let entries: Vec<String> = ids
        .iter()
        .map(|id| {
            format!(
                r#"{{"fullUrl":"Patient/{id}","resource":{},"search":{{"mode":"match"}}}}"#,
                patient(id)
            )
        })
        .collect();
    let link = match next {
        Some(url) => format!(r#","link":[{{"relation":"next","url":"{url}"}}]"#),
        None => String::new(),
    };
    format!(
        r#"{{"resourceType":"Bundle","type":"searchset"{link},"entry":[{}]}}"#,
        entries.join(",")
    )
}

pub async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

/// The headers that matter, in this order, when present.
const SHOWN: &[&str] = &[
    "accept",
    "content-type",
    "authorization",
    "prefer",
    "if-match",
    "if-none-match",
    "if-none-exist",
    "x-tenant",
];

/// A request as a snapshot shows it: method, path and query, the headers that matter, the body.
/// The mock server's address is replaced by `[mock]`.
pub fn describe(request: &Request, server: &MockServer) -> String {
    let mut out = format!("{} {}", request.method, request.url.path());
    if let Some(q) = request.url.query() {
        write!(out, "?{q}").unwrap();
    }
    out.push('\n');
    for name in SHOWN {
        for value in request.headers.get_all(*name) {
            writeln!(out, "{name}: {}", value.to_str().unwrap_or("<binary>")).unwrap();
        }
    }
    if !request.body.is_empty() {
        out.push('\n');
        out.push_str(&String::from_utf8_lossy(&request.body));
        out.push('\n');
    }
    redact(&out, server)
}

pub fn redact(text: &str, server: &MockServer) -> String {
    text.replace(&server.uri(), "http://[mock]")
        .replace(&server.address().to_string(), "[mock]")
}

/// Every span and event with all their fields, as text.
#[derive(Clone, Default)]
pub struct Capture {
    pub text: Arc<Mutex<String>>,
    next_id: Arc<AtomicU64>,
}

impl Capture {
    pub fn output(&self) -> String {
        self.text.lock().unwrap().clone()
    }
}

struct Visitor<'a>(&'a mut String);

impl tracing::field::Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        write!(self.0, " {}={:?}", field.name(), value).unwrap();
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut text = self.text.lock().unwrap();
        write!(text, "span {}:", span.metadata().name()).unwrap();
        span.record(&mut Visitor(&mut text));
        text.push('\n');
        tracing::span::Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut text = self.text.lock().unwrap();
        text.push_str("record:");
        values.record(&mut Visitor(&mut text));
        text.push('\n');
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = self.text.lock().unwrap();
        write!(text, "event {}:", event.metadata().target()).unwrap();
        event.record(&mut Visitor(&mut text));
        text.push('\n');
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
