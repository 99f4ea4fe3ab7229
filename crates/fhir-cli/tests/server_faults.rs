//! The `fhir` binary against misbehaving servers (wiremock on loopback): the server's faults
//! exit 1 with a message that says what went wrong, never 0 and never "check the network".

use std::process::Command;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FHIR_JSON: &str = "application/fhir+json";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn fhir(base: &str, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_fhir"))
        .arg("--base")
        .arg(base)
        .args(args)
        .env_remove("FHIR_BASE_URL")
        .env_remove("FHIR_TOKEN")
        .output()
        .expect("the fhir binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

async fn answering(verb: &str, at: &str, answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

fn json(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), FHIR_JSON)
}

const PATIENT: &str = r#"{"resourceType":"Patient","id":"p1"}"#;
const OUTCOME: &str = r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","diagnostics":"database offline"},{"severity":"warning","code":"transient","diagnostics":"try later"}]}"#;

fn base(server: &MockServer) -> String {
    format!("{}/fhir", server.uri())
}

#[tokio::test]
async fn a_read_answered_with_another_type_exits_1() {
    let server = answering("GET", "/fhir/Observation/o1", json(200, PATIENT)).await;
    let run = fhir(&base(&server), &["read", "Observation/o1"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("/fhir/Observation/o1"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Patient"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[tokio::test]
async fn a_read_answered_with_an_operation_outcome_shows_its_issues() {
    let server = answering("GET", "/fhir/Patient/p1", json(200, OUTCOME)).await;
    let run = fhir(&base(&server), &["read", "Patient/p1"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("/fhir/Patient/p1"), "{}", run.stderr);
    assert!(run.stderr.contains("database offline"), "{}", run.stderr);
    assert!(run.stderr.contains("try later"), "{}", run.stderr);
}

#[tokio::test]
async fn max_body_limits_what_is_read() {
    let big = format!(
        r#"{{"resourceType":"Patient","id":"p1","text":{{"status":"generated","div":"{}"}}}}"#,
        "x".repeat(3 << 20)
    );
    let server = answering("GET", "/fhir/Patient/p1", json(200, &big)).await;
    let run = fhir(
        &base(&server),
        &["--max-body", "1MiB", "read", "Patient/p1"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("1 MiB"), "{}", run.stderr);
    assert!(run.stderr.contains("--max-body"), "{}", run.stderr);
    let run = fhir(
        &base(&server),
        &["--max-body", "8MiB", "read", "Patient/p1"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = fhir(
        &base(&server),
        &["--max-body", "lots", "read", "Patient/p1"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
}

fn patient_file() -> tempfile_path::Path {
    tempfile_path::write(r#"{"resourceType":"Patient","name":[{"family":"Chalmers"}]}"#)
}

/// A file in the target directory's temporary folder, removed when dropped.
mod tempfile_path {
    pub struct Path(pub std::path::PathBuf);

    impl Drop for Path {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    pub fn write(text: &str) -> Path {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "server-faults-{}-{}.json",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, text).unwrap();
        Path(path)
    }
}

#[tokio::test]
async fn a_create_that_gets_no_id_back_fails() {
    let file = patient_file();
    let file = file.0.to_str().unwrap();
    for answer in [
        ResponseTemplate::new(200).set_body_raw(b"<html>portal</html>".to_vec(), "text/html"),
        json(200, "{broken"),
        ResponseTemplate::new(200),
    ] {
        let server = answering("POST", "/fhir/Patient", answer).await;
        let run = fhir(&base(&server), &["create", file]);
        assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
        assert!(!run.stdout.contains("created"), "{}", run.stdout);
        assert!(run.stderr.contains("/fhir/Patient"), "{}", run.stderr);
    }
}

#[tokio::test]
async fn a_create_redirected_with_303_is_not_reported_as_created() {
    let file = patient_file();
    let server = answering(
        "POST",
        "/fhir/Patient",
        ResponseTemplate::new(303).insert_header("location", "/fhir/Patient/p1"),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/p1"))
        .respond_with(json(200, PATIENT))
        .expect(0)
        .mount(&server)
        .await;
    let run = fhir(&base(&server), &["create", file.0.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("/fhir/Patient/p1"), "{}", run.stderr);
}

#[tokio::test]
async fn corrupt_gzip_and_redirect_loops_are_the_servers_fault() {
    let server = answering(
        "GET",
        "/fhir/Patient/p1",
        ResponseTemplate::new(200)
            .set_body_raw(b"\x1f\x8b\x08\x00not deflate at all".to_vec(), FHIR_JSON)
            .insert_header("content-encoding", "gzip"),
    )
    .await;
    let run = fhir(&base(&server), &["read", "Patient/p1"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("gzip"), "{}", run.stderr);
    assert!(!run.stderr.contains("the network"), "{}", run.stderr);

    let server = answering(
        "GET",
        "/fhir/Patient/p1",
        ResponseTemplate::new(302).insert_header("location", "/fhir/Patient/p1"),
    )
    .await;
    let run = fhir(&base(&server), &["read", "Patient/p1"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("too many redirects"), "{}", run.stderr);
    assert!(!run.stderr.contains("the network"), "{}", run.stderr);
}

#[test]
fn a_bad_base_is_echoed_without_its_password() {
    let run = fhir(
        "ftp://alice:PWSECRET@host.test/fhir?key=KEYSECRET",
        &["metadata"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("ftp://host.test/fhir"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("PWSECRET"), "{}", run.stderr);
    assert!(!run.stderr.contains("KEYSECRET"), "{}", run.stderr);
    let run = fhir("http://alice:PWSECRET@[not-a-host/", &["metadata"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("PWSECRET"), "{}", run.stderr);
}

fn searchset(id: &str, next: Option<&str>) -> String {
    let link = next
        .map(|n| format!(r#","link":[{{"relation":"next","url":"{n}"}}]"#))
        .unwrap_or_default();
    format!(
        r#"{{"resourceType":"Bundle","type":"searchset"{link},"entry":[{{"fullUrl":"Patient/{id}","resource":{{"resourceType":"Patient","id":"{id}"}},"search":{{"mode":"match"}}}}]}}"#
    )
}

#[tokio::test]
async fn a_next_link_to_another_server_needs_allow_cross_origin() {
    let other = answering("GET", "/elsewhere", json(200, &searchset("b", None))).await;
    let next = format!("{}/elsewhere?cursor=SECRETCURSOR", other.uri());
    let server = answering(
        "GET",
        "/fhir/Patient",
        json(200, &searchset("a", Some(&next))),
    )
    .await;

    let run = fhir(&base(&server), &["search", "Patient", "--all"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains(&other.uri()), "{}", run.stderr);
    assert!(other.received_requests().await.unwrap().is_empty());

    let run = fhir(
        &base(&server),
        &[
            "--allow-cross-origin",
            "search",
            "Patient",
            "--all",
            "--format",
            "ndjson",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(
        warnings[0].contains(&format!("{}/elsewhere", other.uri())),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("SECRETCURSOR"), "{}", run.stderr);
    assert!(run.stdout.contains(r#""id":"b""#), "{}", run.stdout);
}
