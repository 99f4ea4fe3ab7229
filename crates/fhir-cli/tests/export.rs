//! `fhir export` against a local mock server: the files it writes, the counts table, line
//! checks, gzip, partial exports, resuming after an interruption, cancelling, and the progress
//! line under a terminal.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod common;
use common::{stderr, stdout};

const STATUS: &str = "/fhir/$export-status/1";

async fn fhir(base: &str, args: &[&str]) -> Output {
    let mut command = common::command();
    command.arg("--base").arg(base).args(args);
    common::output(command).await
}

fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "fhir-cli-export-{label}-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn patients(range: std::ops::Range<usize>) -> String {
    range
        .map(|i| format!("{{\"resourceType\":\"Patient\",\"id\":\"p{i}\",\"active\":true}}\n"))
        .collect()
}

fn ndjson(text: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(text.as_bytes().to_vec(), "application/fhir+ndjson")
}

/// A server whose export is complete at once: two Patient files, an Observation file with a
/// line the strict model refuses, an error file.
async fn complete_server() -> MockServer {
    let server = MockServer::start().await;
    let uri = server.uri();
    Mock::given(method("GET"))
        .and(path("/fhir/$export"))
        .respond_with(ResponseTemplate::new(202).insert_header("content-location", STATUS))
        .mount(&server)
        .await;
    let manifest = format!(
        r#"{{"transactionTime":"2024-05-01T10:00:00Z","request":"{uri}/fhir/$export","requiresAccessToken":false,
        "output":[{{"type":"Patient","url":"{uri}/f/p1","count":2}},{{"type":"Patient","url":"{uri}/f/p2","count":3}},{{"type":"Observation","url":"{uri}/f/o1","count":1}}],
        "error":[{{"type":"OperationOutcome","url":"{uri}/f/e1"}}]}}"#
    );
    mount_status(
        &server,
        vec![
            ResponseTemplate::new(202).insert_header("x-progress", "50%"),
            ResponseTemplate::new(200).set_body_raw(manifest, "application/json"),
        ],
    )
    .await;
    for (p, body) in [
        ("/f/p1", patients(0..2)),
        ("/f/p2", patients(2..5)),
        (
            "/f/o1",
            "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},\"nickname\":\"n\"}\n".into(),
        ),
        (
            "/f/e1",
            "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"processing\",\"diagnostics\":\"Observation/9 failed\"}]}\n".into(),
        ),
    ] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ndjson(&body))
            .mount(&server)
            .await;
    }
    server
}

/// Answers status requests with `answers` in turn, the last one again after that.
async fn mount_status(server: &MockServer, answers: Vec<ResponseTemplate>) {
    let n = std::sync::atomic::AtomicUsize::new(0);
    Mock::given(method("GET"))
        .and(path(STATUS))
        .respond_with(move |_: &wiremock::Request| {
            let i = n
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                .min(answers.len() - 1);
            answers[i].clone()
        })
        .mount(server)
        .await;
}

fn base(server: &MockServer) -> String {
    format!("{}/fhir", server.uri())
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[tokio::test]
async fn an_export_is_written_as_files_with_a_table_of_counts() {
    let server = complete_server().await;
    let dir = temp_dir("full");
    let d = dir.to_str().unwrap();
    let o = fhir(
        &base(&server),
        &[
            "export",
            "--type",
            "Patient,Observation",
            "--out",
            d,
            "--poll-interval",
            "0.01",
            "--lenient",
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(read(&dir, "Patient.1.ndjson"), patients(0..2));
    assert_eq!(read(&dir, "Patient.2.ndjson"), patients(2..5));
    assert!(read(&dir, "Observation.1.ndjson").contains("nickname"));
    assert!(read(&dir, "error.OperationOutcome.1.ndjson").contains("Observation/9 failed"));
    let table = stdout(&o);
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "TYPE",
            "FILES",
            "RESOURCES",
            "SERVER",
            "COUNT",
            "INVALID",
            "FAILED"
        ]
    );
    assert_eq!(rows[1], ["Observation", "1", "1", "1", "0", "0"]);
    assert_eq!(rows[2], ["Patient", "2", "5", "5", "0", "0"]);
    assert_eq!(
        rows[3],
        ["OperationOutcome", "(error)", "1", "1", "-", "0", "0"]
    );
    assert!(table.contains("4 files in"), "{table}");
    let kickoff = &server.received_requests().await.unwrap()[0];
    assert_eq!(kickoff.url.query(), Some("_type=Patient,Observation"));
    assert_eq!(kickoff.headers.get("prefer").unwrap(), "respond-async");
    // The state says every file is done.
    let state = read(&dir, "export-state.json");
    assert_eq!(state.matches("\"name\"").count(), 4, "{state}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn lines_the_model_refuses_are_named_and_the_exit_code_is_1() {
    let server = complete_server().await;
    let dir = temp_dir("strict");
    let d = dir.to_str().unwrap();
    let o = fhir(
        &base(&server),
        &["export", "--out", d, "--poll-interval", "0.01"],
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning: Observation.1.ndjson line 1: "),
        "{err}"
    );
    assert!(err.contains("nickname"), "{err}");
    assert!(err.contains("1 lines do not match the model"), "{err}");
    // Written all the same: nothing is lost.
    assert!(read(&dir, "Observation.1.ndjson").contains("nickname"));
    std::fs::remove_dir_all(&dir).unwrap();

    let dir = temp_dir("nocheck");
    let d = dir.to_str().unwrap();
    let o = fhir(
        &base(&server),
        &[
            "export",
            "--out",
            d,
            "--poll-interval",
            "0.01",
            "--no-check",
            "--gzip",
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let gz = std::fs::read(dir.join("Patient.2.ndjson.gz")).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, patients(2..5));
    // A directory that holds an export is not written over.
    let o = fhir(&base(&server), &["export", "--out", d]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--resume"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_partial_export_says_which_file_failed_and_resume_fetches_only_it() {
    let server = MockServer::start().await;
    let uri = server.uri();
    Mock::given(method("GET"))
        .and(path("/fhir/Group/g1/$export"))
        .and(query_param("_since", "2024-01-01T00:00:00Z"))
        .respond_with(ResponseTemplate::new(202).insert_header("content-location", STATUS))
        .mount(&server)
        .await;
    let manifest = format!(
        r#"{{"transactionTime":"t","request":"r","requiresAccessToken":false,
        "output":[{{"type":"Patient","url":"{uri}/f/ok"}},{{"type":"Patient","url":"{uri}/f/broken"}}]}}"#
    );
    mount_status(
        &server,
        vec![ResponseTemplate::new(200).set_body_raw(manifest, "application/json")],
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/f/ok"))
        .respond_with(ndjson(&patients(0..2)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/f/broken"))
        .respond_with(ResponseTemplate::new(404))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let dir = temp_dir("partial");
    let d = dir.to_str().unwrap();
    let o = fhir(
        &base(&server),
        &[
            "export",
            "--group",
            "g1",
            "--since",
            "2024-01-01T00:00:00Z",
            "--out",
            d,
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("1 of 2 files failed"), "{err}");
    assert!(err.contains("/f/broken"), "{err}");
    assert!(err.contains("404"), "{err}");
    assert!(!dir.join("Patient.2.ndjson").exists());
    assert!(!dir.join("Patient.2.ndjson.part").exists());

    Mock::given(method("GET"))
        .and(path("/f/broken"))
        .respond_with(ndjson(&patients(5..6)))
        .mount(&server)
        .await;
    let o = fhir(&base(&server), &["export", "--resume", d]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(read(&dir, "Patient.2.ndjson"), patients(5..6));
    assert!(stdout(&o).contains("Patient  2      3"), "{}", stdout(&o));
    // `/f/ok` was downloaded once (its `expect(1)`), and there was one kick-off.
    let kickoffs = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("$export"))
        .count();
    assert_eq!(kickoffs, 1);
    // A resume against another server is refused.
    let o = fhir("http://127.0.0.1:9/other", &["export", "--resume", d]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn an_interrupted_export_resumes_polling_and_cancel_deletes_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/$export"))
        .respond_with(ResponseTemplate::new(202).insert_header("content-location", STATUS))
        .mount(&server)
        .await;
    mount_status(&server, vec![ResponseTemplate::new(202)]).await;
    let dir = temp_dir("interrupt");
    let d = dir.to_str().unwrap().to_owned();
    let mut command = common::command();
    command
        .args([
            "--base",
            &base(&server),
            "export",
            "--patient",
            "--out",
            &d,
            "--poll-interval",
            "0.05",
        ])
        .stderr(std::process::Stdio::null());
    // A test run started in the background of a shell without job control inherits SIGINT
    // ignored, and so would the command: Ctrl-C gets its default action back in the child.
    // SAFETY: `signal` is async-signal-safe, and nothing else runs between fork and exec.
    unsafe {
        use std::os::unix::process::CommandExt as _;
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut child = command.spawn().unwrap();
    let state = dir.join("export-state.json");
    let t0 = Instant::now();
    while !state.exists() && t0.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(state.exists());
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Ctrl-C.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let t0 = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if t0.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("the export did not stop at SIGINT");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(!status.success());

    server.reset().await;
    let uri = server.uri();
    let manifest = format!(
        r#"{{"transactionTime":"t","request":"r","output":[{{"type":"Patient","url":"{uri}/f/p"}}]}}"#
    );
    mount_status(
        &server,
        vec![
            ResponseTemplate::new(202),
            ResponseTemplate::new(200).set_body_raw(manifest, "application/json"),
        ],
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/f/p"))
        .respond_with(ndjson(&patients(0..3)))
        .mount(&server)
        .await;
    let o = fhir(
        &base(&server),
        &["export", "--resume", &d, "--poll-interval", "0.01"],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(read(&dir, "Patient.1.ndjson"), patients(0..3));
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| !r.url.path().ends_with("$export")));

    Mock::given(method("DELETE"))
        .and(path(STATUS))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    let o = fhir(&base(&server), &["export", "--resume", &d, "--cancel"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("cancelled the export"),
        "{}",
        stdout(&o)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_refused_kickoff_prints_the_outcome_and_exits_1() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fhir/$export"))
        .respond_with(
            ResponseTemplate::new(400).set_body_raw(
                r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-supported","diagnostics":"no system export here"}]}"#,
                "application/fhir+json",
            ),
        )
        .mount(&server)
        .await;
    let dir = temp_dir("refused");
    let o = fhir(&base(&server), &["export", "--out", dir.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no system export here"),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `fhir` with standard error on a pseudo-terminal, returning what the terminal showed.
fn run_with_terminal_stderr(args: &[&str]) -> (i32, String) {
    let (mut master, mut slave) = (0, 0);
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty");
    use std::os::fd::FromRawFd;
    let slave_file = unsafe { std::fs::File::from_raw_fd(slave) };
    let mut child = common::command()
        .args(args)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::null())
        .stderr(slave_file)
        .spawn()
        .unwrap();
    let mut master_file = unsafe { std::fs::File::from_raw_fd(master) };
    let reader = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        // Reading ends with EIO once the child (the last holder of the slave) exits.
        while let Ok(n) = master_file.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&seen).into_owned()
    });
    let code = child.wait().unwrap().code().unwrap_or(-1);
    (code, reader.join().unwrap())
}

#[tokio::test]
async fn the_progress_line_shows_under_a_terminal() {
    let server = complete_server().await;
    let dir = temp_dir("tty");
    let args = [
        "--base".to_owned(),
        base(&server),
        "export".into(),
        "--out".into(),
        dir.to_str().unwrap().into(),
        "--poll-interval".into(),
        "0.3".into(),
        "--no-check".into(),
    ];
    let (code, shown) = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_with_terminal_stderr(&args)
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{shown}");
    assert!(
        shown.contains("export in progress on the server: 50% (1 poll"),
        "{shown:?}"
    );
    assert!(shown.contains("4/4 files"), "{shown:?}");
    assert!(shown.contains("resources/s"), "{shown:?}");
    // The line is cleared at the end.
    assert!(shown.contains("\r\x1b[K"), "{shown:?}");

    // Not a terminal: nothing but the table on stdout.
    let dir2 = temp_dir("notty");
    let o = fhir(
        &base(&server),
        &[
            "export",
            "--out",
            dir2.to_str().unwrap(),
            "--poll-interval",
            "0.01",
            "--no-check",
        ],
    )
    .await;
    assert_eq!(stderr(&o), "");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&dir2);
}

#[tokio::test]
async fn a_long_retry_after_is_capped_with_max_poll_interval() {
    let server = complete_server().await;
    server.reset().await;
    let fresh = complete_server().await;
    // The same files, the status first asking for two minutes.
    let uri = fresh.uri();
    let manifest = format!(
        r#"{{"transactionTime":"t","request":"r","output":[{{"type":"Patient","url":"{uri}/f/p1"}}]}}"#
    );
    Mock::given(method("GET"))
        .and(path("/fhir/$export"))
        .respond_with(ResponseTemplate::new(202).insert_header("content-location", STATUS))
        .mount(&server)
        .await;
    mount_status(
        &server,
        vec![
            ResponseTemplate::new(202).insert_header("retry-after", "120"),
            ResponseTemplate::new(200).set_body_raw(manifest, "application/json"),
        ],
    )
    .await;
    let dir = temp_dir("cap");
    let t0 = Instant::now();
    let o = fhir(
        &base(&server),
        &[
            "export",
            "--out",
            dir.to_str().unwrap(),
            "--max-poll-interval",
            "0.05",
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(t0.elapsed() < Duration::from_secs(30), "{:?}", t0.elapsed());
    assert_eq!(read(&dir, "Patient.1.ndjson"), patients(0..2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn post_sends_the_parameters_in_a_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient/$export"))
        .respond_with(ResponseTemplate::new(202).insert_header("content-location", STATUS))
        .mount(&server)
        .await;
    mount_status(
        &server,
        vec![ResponseTemplate::new(200).set_body_raw(
            r#"{"transactionTime":"t","request":"r","output":[]}"#,
            "application/json",
        )],
    )
    .await;
    let dir = temp_dir("post");
    let o = fhir(
        &base(&server),
        &[
            "export",
            "--patient",
            "--post",
            "--type",
            "Observation",
            "--type-filter",
            "Observation?status=final",
            "--elements",
            "id,status",
            "--until",
            "2024-02-01T00:00:00Z",
            "--out",
            dir.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let kickoff = &server.received_requests().await.unwrap()[0];
    let body = String::from_utf8_lossy(&kickoff.body);
    for part in [
        r#"{"name":"_until","valueInstant":"2024-02-01T00:00:00Z"}"#,
        r#"{"name":"_type","valueString":"Observation"}"#,
        r#"{"name":"_elements","valueString":"id,status"}"#,
        r#"{"name":"_typeFilter","valueString":"Observation?status=final"}"#,
    ] {
        assert!(body.contains(part), "{part} in {body}");
    }
    assert!(stdout(&o).contains("0 files in"), "{}", stdout(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_token_goes_to_the_status_urls_origin_also_after_a_resume_but_not_elsewhere() {
    // The FHIR server kicks off; the status URL and some files are on a second origin, a
    // presigned file on a third.
    let fhir_server = MockServer::start().await;
    let jobs = MockServer::start().await;
    let third = MockServer::start().await;
    let status = format!("{}/jobs/7", jobs.uri());
    Mock::given(method("GET"))
        .and(path("/fhir/$export"))
        .respond_with(ResponseTemplate::new(202).insert_header("content-location", status.as_str()))
        .mount(&fhir_server)
        .await;
    let manifest = format!(
        r#"{{"transactionTime":"t","request":"r","requiresAccessToken":true,
        "output":[{{"type":"Patient","url":"{}/f/a"}},{{"type":"Patient","url":"{}/f/b"}}]}}"#,
        jobs.uri(),
        third.uri()
    );
    Mock::given(method("GET"))
        .and(path("/jobs/7"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(manifest, "application/json"))
        .mount(&jobs)
        .await;
    // The first download of `a` fails, so that `--resume` fetches it from the saved manifest.
    Mock::given(method("GET"))
        .and(path("/f/a"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(4)
        .mount(&jobs)
        .await;
    Mock::given(method("GET"))
        .and(path("/f/b"))
        .respond_with(ndjson(&patients(0..2)))
        .mount(&third)
        .await;
    let dir = temp_dir("origins");
    let d = dir.to_str().unwrap();
    let o = fhir(
        &base(&fhir_server),
        &["--token", "T0K", "export", "--out", d],
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    Mock::given(method("GET"))
        .and(path("/f/a"))
        .respond_with(ndjson(&patients(2..5)))
        .mount(&jobs)
        .await;
    let o = fhir(
        &base(&fhir_server),
        &["--token", "T0K", "export", "--resume", d],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(read(&dir, "Patient.1.ndjson"), patients(2..5));
    let auth = |r: &wiremock::Request| {
        r.headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let to_a: Vec<Option<String>> = jobs
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/f/a")
        .map(auth)
        .collect();
    // Every attempt, before and after the resume, carried the token.
    assert!(to_a.len() >= 2, "{to_a:?}");
    assert!(
        to_a.iter().all(|a| a.as_deref() == Some("Bearer T0K")),
        "{to_a:?}"
    );
    let to_b: Vec<Option<String>> = third
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(auth)
        .collect();
    assert_eq!(to_b, [None]);
    std::fs::remove_dir_all(&dir).unwrap();
}
