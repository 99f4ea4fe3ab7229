//! The `fhir` binary against local test servers: paging bounds, what is printed, Bundle types,
//! logging, memory.

use std::process::Output;

use fhir_model::json::JsonValue;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

mod common;
use common::{stderr, stdout};

/// Runs `fhir --base {base} args...` without blocking the runtime the mock server runs on.
async fn fhir(base: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = common::command();
    command.arg("--base").arg(base).args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    common::output(command).await
}

fn fhir_json(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "application/fhir+json")
}

/// A Bundle of `kind` with `n` patients, a `next` link when given, and `total` when given.
fn bundle(kind: &str, n: usize, next: Option<&str>, total: Option<u32>) -> String {
    let entries: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"fullUrl":"http://h.test/Patient/p{i}","resource":{{"resourceType":"Patient","id":"p{i}","name":[{{"family":"Fam{i}","given":["Given"]}}]}},"search":{{"mode":"match"}}}}"#
            )
        })
        .collect();
    let link = next
        .map(|url| format!(r#","link":[{{"relation":"next","url":"{url}"}}]"#))
        .unwrap_or_default();
    let total = total
        .map(|t| format!(r#","total":{t}"#))
        .unwrap_or_default();
    let entry = if n == 0 {
        String::new()
    } else {
        format!(r#","entry":[{}]"#, entries.join(","))
    };
    format!(r#"{{"resourceType":"Bundle","type":"{kind}"{total}{link}{entry}}}"#)
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

#[tokio::test]
async fn a_next_link_to_the_same_page_stops() {
    let server = MockServer::start().await;
    let same = format!("{}/Patient?page=1", server.uri());
    Mock::given(method("GET"))
        .and(path("/Patient"))
        .respond_with(fhir_json(bundle("searchset", 1, Some(&same), None)))
        // Bounds the run of a CLI that does not notice the loop.
        .up_to_n_times(50)
        .mount(&server)
        .await;
    let o = fhir(&server.uri(), &["search", "Patient", "--all"], &[]).await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // The CLI's own message, or the client's typed error where its page stream detects it.
    assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));
    assert!(stderr(&o).contains("Patient?page=1"), "{}", stderr(&o));
    let n = requests(&server).await;
    assert!(n <= 3, "{n} requests");
}

/// Serves empty searchset pages, each linking to the next one, forever (up to a bound).
fn empty_pages(base: String) -> impl Fn(&Request) -> ResponseTemplate {
    move |request: &Request| {
        let page: u32 = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let next = format!("{base}/Patient?page={}", page + 1);
        fhir_json(bundle("searchset", 0, Some(&next), None))
    }
}

#[tokio::test]
async fn a_run_of_empty_pages_stops_with_a_limit() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Patient"))
        .respond_with(empty_pages(server.uri()))
        .up_to_n_times(200)
        .mount(&server)
        .await;
    let o = fhir(
        &server.uri(),
        &["search", "Patient", "--all", "--limit", "5"],
        &[],
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));
    assert!(stderr(&o).contains("empty"), "{}", stderr(&o));
    let n = requests(&server).await;
    assert!(n <= 11, "{n} requests");
}

#[tokio::test]
async fn max_pages_is_a_cap() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/Patient"))
        .respond_with(move |request: &Request| {
            let page: u32 = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let next = format!("{base}/Patient?page={}", page + 1);
            fhir_json(bundle("searchset", 2, Some(&next), None))
        })
        .up_to_n_times(50)
        .mount(&server)
        .await;
    let o = fhir(
        &server.uri(),
        &[
            "search",
            "Patient",
            "--all",
            "--max-pages",
            "3",
            "--format",
            "ndjson",
        ],
        &[],
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("--max-pages"), "{}", stderr(&o));
    assert_eq!(requests(&server).await, 3);
    assert_eq!(stdout(&o).lines().count(), 6);
}

const TRANSACTION: &str = r#"{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a","resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}]}"#;

async fn transaction(answer: &str, format: &str) -> Output {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(fhir_json(answer.to_owned()))
        .mount(&server)
        .await;
    let file = std::env::temp_dir().join(format!(
        "fhir-cli-output-tx-{}-{format}.json",
        std::process::id()
    ));
    std::fs::write(&file, TRANSACTION).unwrap();
    let o = fhir(
        &server.uri(),
        &["transaction", file.to_str().unwrap(), "--format", format],
        &[],
    )
    .await;
    let _ = std::fs::remove_file(&file);
    o
}

#[tokio::test]
async fn a_transaction_response_is_printed_whole() {
    let answer = r#"{"resourceType":"Bundle","id":"r1","type":"transaction-response","entry":[{"fullUrl":"http://h.test/Patient/1","resource":{"resourceType":"Patient","id":"1"},"response":{"status":"201 Created","location":"Patient/1/_history/1","etag":"W/\"1\""}}]}"#;
    let expected = JsonValue::parse(answer).unwrap();
    for format in ["json", "ndjson"] {
        let o = transaction(answer, format).await;
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(JsonValue::parse(&stdout(&o)).unwrap(), expected, "{format}");
    }
    let batch = r#"{"resourceType":"Bundle","type":"batch-response","entry":[]}"#;
    let o = transaction(batch, "json").await;
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("type `batch-response`, not `transaction-response`"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn a_json_search_keeps_the_servers_total() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Patient"))
        .respond_with(fhir_json(bundle("searchset", 2, None, Some(1234))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/Observation"))
        .respond_with(fhir_json(
            bundle("searchset", 1, None, None).replace("Patient", "Observation"),
        ))
        .mount(&server)
        .await;
    let o = fhir(
        &server.uri(),
        &["search", "Patient", "--format", "json"],
        &[],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let printed = JsonValue::parse(&stdout(&o)).unwrap();
    assert_eq!(
        printed.get("total"),
        Some(&JsonValue::Number("1234".into()))
    );
    assert_eq!(
        printed.get("type").and_then(JsonValue::as_str),
        Some("searchset")
    );
    let Some(JsonValue::Array(entries)) = printed.get("entry") else {
        panic!("no entries: {printed}");
    };
    assert_eq!(entries.len(), 2);
    let o = fhir(
        &server.uri(),
        &["search", "Observation", "--format", "json"],
        &[],
    )
    .await;
    let printed = JsonValue::parse(&stdout(&o)).unwrap();
    assert_eq!(printed.get("total"), None);
}

#[tokio::test]
async fn a_history_must_be_a_history_and_a_search_a_searchset() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(fhir_json(bundle("searchset", 1, None, None)))
        .mount(&server)
        .await;
    for target in [None, Some("Patient"), Some("Patient/p1")] {
        let mut args = vec!["history"];
        args.extend(target);
        let o = fhir(&server.uri(), &args, &[]).await;
        assert_eq!(o.status.code(), Some(1), "{target:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("a Bundle of type `searchset`, not `history`"),
            "{}",
            stderr(&o)
        );
        // The request answered, as the client's own errors name it.
        let answered = match target {
            None => format!("error: GET {}/_history: ", server.uri()),
            Some(t) => format!("error: GET {}/{t}/_history: ", server.uri()),
        };
        assert!(stderr(&o).starts_with(&answered), "{}", stderr(&o));
    }
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(fhir_json(bundle("history", 1, None, None)))
        .mount(&server)
        .await;
    let o = fhir(&server.uri(), &["search", "Patient"], &[]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("type `history`, not `searchset`"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn logs_show_no_token_and_no_query_value() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Patient"))
        .respond_with(fhir_json(bundle("searchset", 1, None, None)))
        .mount(&server)
        .await;
    let args = [
        "-vvv",
        "--token",
        "sekrit-token-4711",
        "search",
        "Patient",
        "name=Zebulon",
    ];
    let o = fhir(&server.uri(), &args, &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let log = stderr(&o);
    assert!(log.contains("fhir_request"), "{log}");
    assert!(!log.contains("sekrit-token-4711"), "{log}");
    assert!(!log.contains("Zebulon"), "{log}");
    let sent = server.received_requests().await.unwrap();
    assert!(sent[0].url.query().unwrap().contains("Zebulon"));

    let quiet = fhir(&server.uri(), &args[1..], &[]).await;
    assert_eq!(stderr(&quiet), "");
    let env = fhir(
        &server.uri(),
        &args[1..],
        &[("RUST_LOG", "fhir_client=debug")],
    )
    .await;
    assert!(stderr(&env).contains("FHIR response"), "{}", stderr(&env));
    assert!(!stderr(&env).contains("Zebulon"));
}

#[tokio::test]
async fn a_json_history_keeps_each_entrys_request_and_response() {
    let server = MockServer::start().await;
    let history = r#"{"resourceType":"Bundle","type":"history","total":3,"entry":[
      {"fullUrl":"http://h.test/Patient/p1","resource":{"resourceType":"Patient","id":"p1","meta":{"versionId":"3"}},"request":{"method":"PUT","url":"Patient/p1"},"response":{"status":"200 OK","etag":"W/\"3\"","lastModified":"2024-01-03T00:00:00Z"}},
      {"fullUrl":"http://h.test/Patient/p1","request":{"method":"DELETE","url":"Patient/p1"},"response":{"status":"204 No Content","etag":"W/\"2\""}},
      {"fullUrl":"http://h.test/Patient/p1","resource":{"resourceType":"Patient","id":"p1","meta":{"versionId":"1"}},"request":{"method":"POST","url":"Patient"},"response":{"status":"201 Created","location":"Patient/p1/_history/1"}}]}"#;
    Mock::given(method("GET"))
        .and(path("/Patient/p1/_history"))
        .respond_with(fhir_json(history.to_owned()))
        .mount(&server)
        .await;
    let o = fhir(
        &server.uri(),
        &["history", "Patient/p1", "--format", "json"],
        &[],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let printed = JsonValue::parse(&stdout(&o)).unwrap();
    let sent = JsonValue::parse(history).unwrap();
    // Every entry as the server sent it, in its order, deletion included.
    assert_eq!(printed.get("entry"), sent.get("entry"), "{printed}");
    assert_eq!(printed, sent);
}

/// The peak resident memory of the largest child process waited for so far, in bytes.
fn children_peak_rss() -> u64 {
    // SAFETY: getrusage only writes into the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0);
    // Linux reports kilobytes.
    usage.ru_maxrss as u64 * 1024
}

/// A searchset page of about `bytes` bytes of JSON.
fn big_page(bytes: usize) -> String {
    let entry = |i: usize| {
        format!(
            r#"{{"fullUrl":"http://h.test/Patient/p{i}","resource":{{"resourceType":"Patient","id":"p{i}","meta":{{"versionId":"1","lastUpdated":"2024-01-02T03:04:05Z"}},"name":[{{"family":"Family{i}","given":["Given","Middle"]}}],"gender":"female","birthDate":"1970-01-01","address":[{{"line":["{i} Main Street"],"city":"Springfield","postalCode":"12345"}}]}},"search":{{"mode":"match"}}}}"#
        )
    };
    let mut entries = Vec::new();
    let mut size = 0;
    while size < bytes {
        let e = entry(entries.len());
        size += e.len() + 1;
        entries.push(e);
    }
    format!(
        r#"{{"resourceType":"Bundle","type":"searchset","total":{},"entry":[{}]}}"#,
        entries.len(),
        entries.join(",")
    )
}

/// One test for all formats: the children's peak is shared by the whole test process, so
/// the measured child must be the biggest one it ever waited for.
#[tokio::test]
async fn memory_stays_bounded_by_the_page() {
    const PAGE: usize = 24 << 20;
    let body = big_page(PAGE);
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Patient"))
        .respond_with(fhir_json(body))
        .mount(&server)
        .await;
    for format in ["table", "json", "ndjson"] {
        let mut command = common::command();
        command
            .args([
                "--base",
                &server.uri(),
                "search",
                "Patient",
                "--format",
                format,
            ])
            .stdout(std::process::Stdio::null());
        let status = tokio::task::spawn_blocking(move || command.status().unwrap())
            .await
            .unwrap();
        assert!(status.success(), "{format}");
        let peak = children_peak_rss();
        let bound = BOUND_PER_PAGE_BYTE * PAGE as u64;
        assert!(
            peak <= bound,
            "{format}: peak {} MB > {} MB",
            peak >> 20,
            bound >> 20
        );
    }
}

/// The bound on peak memory, in bytes per byte of the page. Fetching a page takes about 9.5
/// bytes per byte (its text and its typed Bundle, in the client); printing must add little to
/// that. Keeping every page's text and rows until the end took 17 (table) and 24 (json).
const BOUND_PER_PAGE_BYTE: u64 = 12;
