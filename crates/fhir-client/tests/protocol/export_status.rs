//! `$export` status polling: 202 then 200, `Retry-After` in seconds and as a date, `X-Progress`,
//! 429 as a wait, errors during polling, the manifest typed, cancellation.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use fhir_client::ErrorKind;
use fhir_client::export::{ExportJob, ExportStatus};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::common::*;
use crate::export_support::manifest;

const STATUS: &str = "/fhir/$export-status/7";

fn job(server: &MockServer) -> ExportJob {
    let url = format!("{}{STATUS}", server.uri()).parse().unwrap();
    ExportJob::resume(&client(server), url)
        .poll_interval(Duration::from_millis(5), Duration::from_millis(20))
}

/// Answers the status requests in turn with `answers`, the last one again after that.
async fn status_server(answers: Vec<ResponseTemplate>) -> MockServer {
    let server = server().await;
    let n = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path(STATUS))
        .respond_with(move |_: &Request| {
            let i = n.fetch_add(1, Ordering::SeqCst).min(answers.len() - 1);
            answers[i].clone()
        })
        .mount(&server)
        .await;
    server
}

fn complete() -> ResponseTemplate {
    body(
        200,
        &manifest(true, &[("Patient", "http://files.test/p.ndjson")], &[]),
        "application/json",
    )
}

#[tokio::test]
async fn in_progress_then_complete_with_progress_reported() {
    let server = status_server(vec![
        ResponseTemplate::new(202).insert_header("x-progress", "10% done"),
        ResponseTemplate::new(202).insert_header("x-progress", "80% done"),
        complete(),
    ])
    .await;
    let mut seen = Vec::new();
    let manifest = job(&server)
        .wait_with(|p| seen.push((p.polls, p.progress.clone())))
        .await
        .unwrap();
    assert_eq!(
        seen,
        [(1, Some("10% done".into())), (2, Some("80% done".into()))]
    );
    assert!(manifest.requires_access_token);
    assert_eq!(
        manifest.output[0].url.as_str(),
        "http://files.test/p.ndjson"
    );
    let r = &requests(&server).await[0];
    assert_eq!(r.headers.get("accept").unwrap(), "application/json");
}

#[tokio::test]
async fn one_status_request_says_what_the_server_said() {
    let server = status_server(vec![
        ResponseTemplate::new(202)
            .insert_header("x-progress", "half")
            .insert_header("retry-after", "120"),
    ])
    .await;
    assert_eq!(
        job(&server).status().await.unwrap(),
        ExportStatus::InProgress {
            progress: Some("half".into()),
            retry_after: Some(Duration::from_secs(120)),
        }
    );
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let server = status_server(vec![
        ResponseTemplate::new(202).insert_header("retry-after", "1"),
        complete(),
    ])
    .await;
    let t0 = Instant::now();
    let mut waits = Vec::new();
    job(&server)
        .wait_with(|p| waits.push(p.next_poll))
        .await
        .unwrap();
    assert_eq!(waits, [Duration::from_secs(1)]);
    assert!(t0.elapsed() >= Duration::from_secs(1), "{:?}", t0.elapsed());
}

#[tokio::test]
async fn retry_after_as_a_date_is_honoured() {
    let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3));
    let server = status_server(vec![
        ResponseTemplate::new(202).insert_header("retry-after", when.as_str()),
    ])
    .await;
    match job(&server).status().await.unwrap() {
        ExportStatus::InProgress {
            retry_after: Some(d),
            ..
        } => assert!(
            d > Duration::from_secs(1) && d <= Duration::from_secs(3),
            "{d:?}"
        ),
        other => panic!("{other:?}"),
    }
    // The date is 2-3 s away: more than the 100 ms allowed, so the wait gives up at once
    // rather than sleeping past its limit.
    let mut waits = Vec::new();
    let t0 = Instant::now();
    let e = job(&server)
        .max_wait(Duration::from_millis(100))
        .wait_with(|p| waits.push(p.next_poll))
        .await
        .unwrap_err();
    assert!(waits.is_empty());
    assert!(t0.elapsed() < Duration::from_secs(1));
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.to_string().contains("max_wait"), "{e}");
}

#[tokio::test]
async fn a_long_retry_after_can_be_capped() {
    let server = status_server(vec![
        ResponseTemplate::new(202).insert_header("retry-after", "120"),
        complete(),
    ])
    .await;
    let mut waits = Vec::new();
    let t0 = Instant::now();
    job(&server)
        .cap_retry_after(Duration::from_millis(50))
        .wait_with(|p| waits.push(p.next_poll))
        .await
        .unwrap();
    assert_eq!(waits, [Duration::from_millis(50)]);
    assert!(t0.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_429_is_a_wait_not_a_failure() {
    let server = status_server(vec![
        ResponseTemplate::new(429),
        ResponseTemplate::new(202),
        complete(),
    ])
    .await;
    let mut throttled = Vec::new();
    job(&server)
        .wait_with(|p| throttled.push(p.throttled))
        .await
        .unwrap();
    assert_eq!(throttled, [true, false]);
    // Each 429 is one request: the client's own retries do not hide it.
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn an_error_during_polling_is_typed_with_its_outcome() {
    for status in [404, 500] {
        let server = status_server(vec![
            ResponseTemplate::new(202),
            fhir(
                status,
                &outcome("exception", "the export failed: disk full"),
            ),
        ])
        .await;
        let e = job(&server).wait().await.unwrap_err();
        assert_eq!(e.status().unwrap().as_u16(), status);
        assert_eq!(
            e.operation_outcome().unwrap().issue[0]
                .diagnostics
                .as_ref()
                .unwrap()
                .as_str(),
            Some("the export failed: disk full")
        );
        assert_eq!(requests(&server).await.len(), 2);
    }
}

#[tokio::test]
async fn a_manifest_that_is_not_one_is_a_decoding_error() {
    let server = status_server(vec![body(200, r#"{"output":"nope"}"#, "application/json")]).await;
    let e = job(&server).wait().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decoding);
    assert!(e.to_string().contains("transactionTime"), "{e}");
}

#[tokio::test]
async fn cancel_sends_delete_to_the_status_url() {
    let server = server().await;
    Mock::given(method("DELETE"))
        .and(path(STATUS))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    job(&server).cancel().await.unwrap();

    let server = crate::common::server().await;
    Mock::given(method("DELETE"))
        .and(path(STATUS))
        .respond_with(fhir(404, &outcome("not-found", "no such job")))
        .mount(&server)
        .await;
    let e = job(&server).cancel().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}
