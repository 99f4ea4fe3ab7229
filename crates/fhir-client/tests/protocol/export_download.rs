//! `$export` downloads: the token rule, gzip (both ways), typed, raw and text lines with their
//! numbers, bad lines reported without stopping the others, error files typed, the line limit,
//! concurrency, and downloads cut in the middle of a line, retried without a line twice.

use std::io::Write as _;
use std::sync::Arc;

use fhir_client::ErrorKind;
use fhir_client::export::{Export, Manifest};
use fhir_model::r4::{Observation, Patient};
use futures_util::StreamExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;
use crate::export_support::*;

fn ndjson(text: &str) -> ResponseTemplate {
    body(200, text, "application/fhir+ndjson")
}

async fn serve(server: &MockServer, p: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(p))
        .respond_with(response)
        .mount(server)
        .await;
}

fn gzip(text: &str) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap()
}

#[tokio::test]
async fn the_token_goes_only_to_the_fhir_server_and_only_when_required() {
    for requires in [true, false] {
        let fhir_server = server().await;
        let elsewhere = crate::common::server().await;
        serve(&fhir_server, "/files/a.ndjson", ndjson(&patients(2))).await;
        serve(&elsewhere, "/presigned/b.ndjson", ndjson(&patients(3))).await;
        let m = manifest(
            requires,
            &[
                ("Patient", &format!("{}/files/a.ndjson", fhir_server.uri())),
                (
                    "Patient",
                    &format!("{}/presigned/b.ndjson", elsewhere.uri()),
                ),
            ],
            &[],
        );
        let client = builder(&fhir_server).bearer_token(TOKEN).build().unwrap();
        let export = Export::new(&client, Manifest::from_json_str(&m).unwrap());
        let all: Vec<_> = export.resources::<Patient>().collect().await;
        assert_eq!(all.len(), 5);
        assert!(all.iter().all(|r| r.is_ok()));
        let here = &requests(&fhir_server).await[0];
        let there = &requests(&elsewhere).await[0];
        assert_eq!(
            here.headers.get("authorization").is_some(),
            requires,
            "requiresAccessToken {requires}"
        );
        assert!(there.headers.get("authorization").is_none());
        assert_eq!(
            here.headers.get("accept").unwrap(),
            "application/fhir+ndjson"
        );
        assert_eq!(
            export.file(&export.manifest().output[0]).sends_token(),
            requires
        );
        assert!(!export.file(&export.manifest().output[1]).sends_token());
    }
}

#[tokio::test]
async fn gzip_files_and_gzip_encoding_are_both_undone() {
    let server = server().await;
    serve(
        &server,
        "/f/encoded.ndjson",
        ResponseTemplate::new(200)
            .set_body_raw(gzip(&patients(3)), "application/fhir+ndjson")
            .insert_header("content-encoding", "gzip"),
    )
    .await;
    serve(
        &server,
        "/f/file.ndjson.gz",
        ResponseTemplate::new(200).set_body_raw(gzip(&patients(4)), "application/gzip"),
    )
    .await;
    serve(
        &server,
        "/f/octets.gz",
        ResponseTemplate::new(200).set_body_raw(gzip(&patients(2)), "application/octet-stream"),
    )
    .await;
    let m = manifest(
        false,
        &[
            ("Patient", &format!("{}/f/encoded.ndjson", server.uri())),
            ("Patient", &format!("{}/f/file.ndjson.gz", server.uri())),
            ("Patient", &format!("{}/f/octets.gz", server.uri())),
        ],
        &[],
    );
    let export = Export::new(&client(&server), Manifest::from_json_str(&m).unwrap()).concurrency(1);
    let ids: Vec<String> = export
        .resources::<Patient>()
        .map(|r| r.unwrap().value.id.unwrap().as_str().unwrap().to_owned())
        .collect()
        .await;
    assert_eq!(ids, ["p0", "p1", "p2", "p0", "p1", "p2", "p3", "p0", "p1"]);
}

#[tokio::test]
async fn a_corrupt_gzip_file_is_a_decompression_error() {
    let server = server().await;
    let mut data = gzip(&patients(50));
    data.truncate(data.len() / 2);
    serve(
        &server,
        "/f/bad.gz",
        ResponseTemplate::new(200).set_body_raw(data, "application/gzip"),
    )
    .await;
    let m = manifest(
        false,
        &[("Patient", &format!("{}/f/bad.gz", server.uri()))],
        &[],
    );
    let export = Export::new(&client(&server), Manifest::from_json_str(&m).unwrap());
    let items: Vec<_> = export.lines().collect().await;
    let last = items.last().unwrap().as_ref().unwrap_err();
    assert_eq!(last.kind(), ErrorKind::Decompression, "{last}");
}

#[tokio::test]
async fn a_bad_line_is_reported_with_its_file_and_line_and_the_others_come() {
    bad_lines_reported_and_the_others_come().await;
}

/// On a runtime of several threads each file is downloaded ahead by a task of its own: the
/// same lines, numbers and errors come, in the same order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_lines_are_reported_the_same_when_the_download_runs_ahead() {
    bad_lines_reported_and_the_others_come().await;
}

async fn bad_lines_reported_and_the_others_come() {
    let server = server().await;
    let text = format!(
        "{}\n{}\n\n{}\nnot json\n{}",
        r#"{"resourceType":"Patient","id":"a"}"#,
        r#"{"resourceType":"Patient","id":"b","birthDate":"yesterday"}"#,
        r#"{"resourceType":"Observation","id":"o"}"#,
        r#"{"resourceType":"Patient","id":"z"}"#,
    );
    serve(&server, "/f/p.ndjson", ndjson(&text)).await;
    let url = format!("{}/f/p.ndjson", server.uri());
    let m = manifest(false, &[("Patient", &url)], &[]);
    let export = Export::new(&client(&server), Manifest::from_json_str(&m).unwrap()).strict(true);
    let items: Vec<_> = export.resources::<Patient>().collect().await;
    let summary: Vec<String> = items
        .iter()
        .map(|i| match i {
            Ok(p) => format!("{} ok", p.line),
            Err(e) => format!("{} {:?}", e.line().unwrap(), e.kind()),
        })
        .collect();
    // Line 3 is blank: counted, not read.
    assert_eq!(
        summary,
        [
            "1 ok",
            "2 Decoding",
            "4 UnexpectedResource",
            "5 Decoding",
            "6 ok"
        ]
    );
    let e = items[1].as_ref().unwrap_err();
    assert_eq!(e.url().unwrap().as_str(), url);
    assert!(e.decode_error().is_some());
    let text = e.to_string();
    assert!(text.contains("line 2"), "{text}");
    assert!(text.contains("birthDate"), "{text}");

    // Asked to, the stream stops at the first bad line.
    let export = export.stop_on_error(true);
    let items: Vec<_> = export.resources::<Patient>().collect().await;
    assert_eq!(items.len(), 2);
    assert!(items[1].is_err());

    // Raw and text readers see the same file.
    let raw: Vec<_> = export
        .clone()
        .stop_on_error(false)
        .raw_resources()
        .collect()
        .await;
    assert_eq!(raw.iter().filter(|r| r.is_ok()).count(), 3);
    let lines: Vec<_> = export.stop_on_error(false).lines().collect().await;
    let numbers: Vec<u64> = lines.iter().map(|l| l.as_ref().unwrap().line).collect();
    assert_eq!(numbers, [1, 2, 4, 5, 6]);
}

#[tokio::test]
async fn typed_streams_read_only_their_type_and_error_files_are_outcomes() {
    let server = server().await;
    serve(&server, "/f/p.ndjson", ndjson(&patients(2))).await;
    serve(
        &server,
        "/f/o.ndjson",
        ndjson(
            "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"}}\n",
        ),
    )
    .await;
    serve(
        &server,
        "/f/e.ndjson",
        ndjson(&format!(
            "{}\n",
            outcome("processing", "Observation/9 could not be read")
        )),
    )
    .await;
    let m = manifest(
        false,
        &[
            ("Patient", &format!("{}/f/p.ndjson", server.uri())),
            ("Observation", &format!("{}/f/o.ndjson", server.uri())),
        ],
        &[&format!("{}/f/e.ndjson", server.uri())],
    );
    let export = Export::new(&client(&server), Manifest::from_json_str(&m).unwrap());
    let obs: Vec<_> = export.resources::<Observation>().collect().await;
    assert_eq!(obs.len(), 1);
    assert_eq!(obs[0].as_ref().unwrap().file.resource_type, "Observation");
    // The Patient file was not downloaded for Observations.
    assert_eq!(requests(&server).await.len(), 1);
    let errors: Vec<_> = export.errors().collect().await;
    let oo = &errors[0].as_ref().unwrap().value;
    assert_eq!(
        oo.issue[0].diagnostics.as_ref().unwrap().as_str(),
        Some("Observation/9 could not be read")
    );
    let any: Vec<_> = export.any_resources().collect().await;
    assert_eq!(any.iter().filter(|r| r.is_ok()).count(), 3);
}

#[tokio::test]
async fn a_line_longer_than_the_limit_ends_its_file_only() {
    let server = server().await;
    let long = format!(
        "{{\"resourceType\":\"Patient\",\"id\":\"{}\"}}\n",
        "x".repeat(5000)
    );
    serve(
        &server,
        "/f/long.ndjson",
        ndjson(&format!("{}{long}", patients(1))),
    )
    .await;
    serve(&server, "/f/ok.ndjson", ndjson(&patients(2))).await;
    let m = manifest(
        false,
        &[
            ("Patient", &format!("{}/f/long.ndjson", server.uri())),
            ("Patient", &format!("{}/f/ok.ndjson", server.uri())),
        ],
        &[],
    );
    let export =
        Export::new(&client(&server), Manifest::from_json_str(&m).unwrap()).max_line_bytes(1000);
    let items: Vec<_> = export.lines().collect().await;
    assert_eq!(items.iter().filter(|i| i.is_ok()).count(), 3);
    let e = items.iter().find_map(|i| i.as_ref().err()).unwrap();
    assert_eq!(e.kind(), ErrorKind::BodyTooLarge);
    assert!(e.to_string().contains("line 2"), "{e}");
}

#[tokio::test]
async fn a_missing_file_is_a_typed_error_and_the_others_come() {
    let server = server().await;
    serve(&server, "/f/ok.ndjson", ndjson(&patients(2))).await;
    serve(
        &server,
        "/f/gone.ndjson",
        fhir(404, &outcome("not-found", "expired")),
    )
    .await;
    let m = manifest(
        false,
        &[
            ("Patient", &format!("{}/f/gone.ndjson", server.uri())),
            ("Patient", &format!("{}/f/ok.ndjson", server.uri())),
        ],
        &[],
    );
    let export = Export::new(&client(&server), Manifest::from_json_str(&m).unwrap());
    let items: Vec<_> = export.resources::<Patient>().collect().await;
    assert_eq!(items.iter().filter(|i| i.is_ok()).count(), 2);
    let e = items.iter().find_map(|i| i.as_ref().err()).unwrap();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.operation_outcome().is_some());
}

/// A file cut in the middle of its third line on the first attempt.
fn cut_file(lines: usize) -> (String, usize) {
    let text = patients(lines);
    let third = text.match_indices('\n').nth(1).unwrap().0 + 10;
    (text, third)
}

/// An export of one Patient file of `text`, from a server that cuts its first answer after
/// `cut` bytes and does not accept ranges; what the server saw.
async fn export_cut_once(text: &str, cut: usize) -> (Export, Arc<std::sync::Mutex<Vec<Seen>>>) {
    let body = text.as_bytes().to_vec();
    let (base, seen) = raw_server(4, move |n, _| Answer {
        head: ok_head(body.len(), ""),
        body: body.clone(),
        cut_after: (n == 0).then_some(cut),
    })
    .await;
    let m = manifest(false, &[("Patient", &format!("{base}/p.ndjson"))], &[]);
    let client = fhir_client::Client::new("http://127.0.0.1:9/fhir").unwrap();
    (
        Export::new(&client, Manifest::from_json_str(&m).unwrap()),
        seen,
    )
}

#[tokio::test]
async fn a_download_cut_mid_line_is_downloaded_again_without_a_line_twice() {
    let (text, cut) = cut_file(5);
    let (export, seen) = export_cut_once(&text, cut).await;
    let mut file = export.file(&export.manifest().output[0]);
    let mut lines = Vec::new();
    while let Some(line) = file.next_line().await {
        lines.push(line.unwrap());
    }
    let numbers: Vec<u64> = lines.iter().map(|l| l.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);
    let got: String = lines.iter().map(|l| format!("{}\n", l.text)).collect();
    assert_eq!(got, text);
    assert_eq!(file.retries(), 1);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    // Without `Accept-Ranges` the second attempt starts from the start.
    assert_eq!(seen[1].range_start(), None);
}

#[tokio::test]
async fn a_download_cut_mid_line_resumes_with_range_when_the_server_accepts_it() {
    let (text, cut) = cut_file(6);
    let body = text.clone().into_bytes();
    let (base, seen) = raw_server(4, move |_, request| match request.range_start() {
        None => Answer {
            head: ok_head(body.len(), "accept-ranges: bytes\r\n"),
            body: body.clone(),
            cut_after: Some(cut),
        },
        Some(from) => Answer {
            head: format!(
                "HTTP/1.1 206 Partial Content\r\ncontent-type: application/fhir+ndjson\r\ncontent-range: bytes {from}-{}/{}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len() - 1,
                body.len(),
                body.len() - from
            ),
            body: body[from..].to_vec(),
            cut_after: None,
        },
    })
    .await;
    let m = manifest(false, &[("Patient", &format!("{base}/p.ndjson"))], &[]);
    let client = fhir_client::Client::new("http://127.0.0.1:9/fhir").unwrap();
    let export = Export::new(&client, Manifest::from_json_str(&m).unwrap());
    let lines: Vec<String> = export.lines().map(|l| l.unwrap().value).collect().await;
    assert_eq!(lines.len(), 6);
    assert_eq!(
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
        text
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    // From the end of the last complete line: the two first lines and their line breaks.
    let two_lines = text.match_indices('\n').nth(1).unwrap().0 + 1;
    assert_eq!(seen[1].range_start(), Some(two_lines));
}

#[tokio::test]
async fn a_download_that_keeps_breaking_gives_up_after_its_retries() {
    let body = patients(4).into_bytes();
    let (base, seen) = raw_server(10, move |_, _| Answer {
        head: ok_head(body.len(), ""),
        body: body.clone(),
        cut_after: Some(70),
    })
    .await;
    let m = manifest(false, &[("Patient", &format!("{base}/p.ndjson"))], &[]);
    let client = fhir_client::Client::new("http://127.0.0.1:9/fhir").unwrap();
    let export = Export::new(&client, Manifest::from_json_str(&m).unwrap()).max_retries(2);
    let items: Vec<_> = export.lines().collect().await;
    // The first line comes once; then the error.
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().unwrap().line, 1);
    let e = items[1].as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(e.to_string().contains("after 2 retries"), "{e}");
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn files_are_downloaded_concurrently_within_the_limit() {
    let server = server().await;
    let mut files = Vec::new();
    for i in 0..6 {
        let p = format!("/f/{i}.ndjson");
        serve(
            &server,
            &p,
            ndjson(&patients(3)).set_delay(std::time::Duration::from_millis(200)),
        )
        .await;
        files.push(format!("{}{p}", server.uri()));
    }
    let output: Vec<(&str, &str)> = files.iter().map(|u| ("Patient", u.as_str())).collect();
    let m = manifest(false, &output, &[]);
    let export = Export::new(&client(&server), Manifest::from_json_str(&m).unwrap()).concurrency(3);
    let t0 = std::time::Instant::now();
    let n = export.resources::<Patient>().count().await;
    let took = t0.elapsed();
    assert_eq!(n, 18);
    // Six files of 200 ms, three at a time: two rounds, not one nor six.
    assert!(took >= std::time::Duration::from_millis(400), "{took:?}");
    assert!(took < std::time::Duration::from_millis(1100), "{took:?}");
    assert!(export.bytes_received() > 0);
}

#[tokio::test]
async fn deleted_files_are_bundles_of_deletes() {
    let server = server().await;
    serve(
        &server,
        "/f/d.ndjson",
        ndjson("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient/p9\"}}]}\n"),
    )
    .await;
    let m = format!(
        r#"{{"transactionTime":"t","request":"r","output":[],"deleted":[{{"type":"Bundle","url":"{}/f/d.ndjson"}}]}}"#,
        server.uri()
    );
    let export = Export::new(&client(&server), Manifest::from_json_str(&m).unwrap());
    let deleted: Vec<_> = export.deleted().collect().await;
    let bundle = &deleted[0].as_ref().unwrap().value;
    assert_eq!(
        bundle.entry[0].request.as_ref().unwrap().url.as_str(),
        Some("Patient/p9")
    );
    // Output streams do not read the deleted files.
    assert_eq!(export.lines().count().await, 0);
}

/// The authorization header of the request to `p` on `server`, if it came.
async fn authorization_to(server: &MockServer, p: &str) -> Option<String> {
    let seen = requests(server).await;
    let request = seen
        .iter()
        .find(|r| r.url.path() == p)
        .unwrap_or_else(|| panic!("no request to {p}"));
    request
        .headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_token_goes_to_the_manifests_own_origin_too_and_nowhere_else() {
    for requires in [true, false] {
        // The FHIR server, the server of the status URL (another origin), and a third one.
        let fhir_server = server().await;
        let jobs = server().await;
        let third = server().await;
        serve(&fhir_server, "/files/a.ndjson", ndjson(&patients(1))).await;
        serve(&jobs, "/files/b.ndjson", ndjson(&patients(2))).await;
        serve(&third, "/presigned/c.ndjson", ndjson(&patients(3))).await;
        let m = manifest(
            requires,
            &[
                ("Patient", &format!("{}/files/a.ndjson", fhir_server.uri())),
                ("Patient", &format!("{}/files/b.ndjson", jobs.uri())),
                ("Patient", &format!("{}/presigned/c.ndjson", third.uri())),
            ],
            &[],
        );
        Mock::given(method("GET"))
            .and(path("/status/7"))
            .respond_with(body(200, &m, "application/json"))
            .mount(&jobs)
            .await;
        let client = builder(&fhir_server).bearer_token(TOKEN).build().unwrap();
        let status_url = format!("{}/status/7", jobs.uri()).parse().unwrap();
        let manifest = fhir_client::export::ExportJob::resume(&client, status_url)
            .wait()
            .await
            .unwrap();
        assert_eq!(
            manifest.status_url.as_ref().map(|u| u.path()),
            Some("/status/7")
        );
        let export = Export::new(&client, manifest);
        let all: Vec<_> = export.resources::<Patient>().collect().await;
        assert_eq!(all.iter().filter(|r| r.is_ok()).count(), 6, "{all:?}");
        let bearer = format!("Bearer {TOKEN}");
        let expected = requires.then_some(bearer.as_str());
        assert_eq!(
            authorization_to(&fhir_server, "/files/a.ndjson")
                .await
                .as_deref(),
            expected,
            "the FHIR server's origin, requiresAccessToken {requires}"
        );
        assert_eq!(
            authorization_to(&jobs, "/files/b.ndjson").await.as_deref(),
            expected,
            "the manifest's origin, requiresAccessToken {requires}"
        );
        assert_eq!(
            authorization_to(&third, "/presigned/c.ndjson").await,
            None,
            "a third origin, requiresAccessToken {requires}"
        );
        let sends: Vec<bool> = export
            .manifest()
            .output
            .iter()
            .map(|f| export.sends_token(f))
            .collect();
        assert_eq!(sends, [requires, requires, false]);

        // The same manifest built by hand knows no status URL: the FHIR server's origin only.
        let by_hand = Export::new(&client, Manifest::from_json_str(&m).unwrap());
        let sends: Vec<bool> = by_hand
            .manifest()
            .output
            .iter()
            .map(|f| by_hand.file(f).sends_token())
            .collect();
        assert_eq!(sends, [requires, false, false]);
    }
}

#[tokio::test]
async fn a_line_that_is_not_utf8_ends_its_file_after_the_lines_before_it() {
    let server = server().await;
    let mut text = patients(2).into_bytes();
    text.extend_from_slice(b"{\"resourceType\":\"Patient\",\"id\":\"\xff\"}\n");
    text.extend_from_slice(patients(1).as_bytes());
    serve(
        &server,
        "/f/p.ndjson",
        ResponseTemplate::new(200).set_body_raw(text, "application/fhir+ndjson"),
    )
    .await;
    let m = manifest(
        false,
        &[("Patient", &format!("{}/f/p.ndjson", server.uri()))],
        &[],
    );
    let export = Export::new(&client(&server), Manifest::from_json_str(&m).unwrap());
    let items: Vec<_> = export.resources::<Patient>().collect().await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[1].as_ref().unwrap().line, 2);
    let e = items[2].as_ref().unwrap_err();
    assert_eq!((e.kind(), e.line()), (ErrorKind::Decoding, Some(3)), "{e}");
    assert!(e.to_string().contains("not UTF-8"), "{e}");
}

#[tokio::test]
async fn lines_are_mapped_on_a_thread_in_order_and_the_thread_ends_with_the_stream() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    /// Sets its flag when dropped: the mapping closure holds it, and the thread drops the
    /// closure when it ends.
    struct Ended(Arc<AtomicBool>);
    impl Drop for Ended {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    let (m, closed_rx) = endless_patients().await;
    let client = fhir_client::Client::new("http://127.0.0.1:9/fhir").unwrap();
    let export = Export::new(&client, Manifest::from_json_str(&m).unwrap());
    let ended = Arc::new(AtomicBool::new(false));
    let guard = Ended(ended.clone());
    let mut stream = export.map_lines(&export.manifest().output[0], move |number, text| {
        let _ = &guard;
        (
            number,
            text.len(),
            std::thread::current().name().map(str::to_owned),
        )
    });
    for expected in 1..=5000u64 {
        let item = stream.next().await.unwrap().unwrap();
        assert_eq!((item.line, item.value.0), (expected, expected));
        assert!(item.value.1 > 30);
        assert_eq!(item.value.2.as_deref(), Some("fhir-export-lines"));
    }
    drop(stream);
    // The download stops (the server's writes fail) and the thread ends.
    connection_closes(closed_rx).await;
    let t0 = std::time::Instant::now();
    while !ended.load(Ordering::SeqCst) {
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(10),
            "the thread is still running"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_running_ahead_is_retried_without_a_line_twice() {
    let (text, cut) = cut_file(5);
    let (export, seen) = export_cut_once(&text, cut).await;
    let items: Vec<_> = export.resources::<Patient>().collect().await;
    let lines: Vec<u64> = items.iter().map(|i| i.as_ref().unwrap().line).collect();
    assert_eq!(lines, [1, 2, 3, 4, 5]);
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typed_stream_downloading_ahead_comes_in_order_and_its_download_stops_when_dropped() {
    let (m, closed_rx) = endless_patients().await;
    let client = fhir_client::Client::new("http://127.0.0.1:9/fhir").unwrap();
    let export = Export::new(&client, Manifest::from_json_str(&m).unwrap());
    let mut stream = export.resources::<Patient>();
    // Many batches: the download runs ahead and hands them over in order.
    for expected in 1..=5000u64 {
        let item = stream.next().await.unwrap().unwrap();
        assert_eq!(item.line, expected);
        assert!(item.value.id.is_some());
    }
    drop(stream);
    // The download's task is aborted: the connection closes and the server's writes fail.
    connection_closes(closed_rx).await;
}

/// A manifest of one file that does not end: chunks of Patients until the client goes away;
/// the receiver gets how many chunks were sent once a write fails.
async fn endless_patients() -> (String, tokio::sync::oneshot::Receiver<u64>) {
    use tokio::io::AsyncWriteExt;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<u64>();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        read_head(&mut socket).await.unwrap();
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/fhir+ndjson\r\ntransfer-encoding: chunked\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        let chunk = patients(1000);
        let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
        let mut sent = 0u64;
        while socket.write_all(framed.as_bytes()).await.is_ok() {
            sent += 1;
        }
        let _ = closed_tx.send(sent);
    });
    let m = manifest(
        false,
        &[("Patient", &format!("http://{addr}/p.ndjson"))],
        &[],
    );
    (m, closed_rx)
}

/// Waits for the server of [`endless_patients`] to see its connection closed, after it sent a
/// few chunks.
async fn connection_closes(closed: tokio::sync::oneshot::Receiver<u64>) {
    let sent = tokio::time::timeout(std::time::Duration::from_secs(10), closed)
        .await
        .expect("the connection closes when the stream is dropped")
        .unwrap();
    assert!(sent >= 5, "{sent} chunks");
}
