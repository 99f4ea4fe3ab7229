//! Retries: only idempotent requests, on 429/502/503/504, honouring Retry-After, within budget.

use std::time::{Duration, Instant, SystemTime};

use fhir_client::{ErrorKind, RetryPolicy};
use fhir_model::r4::Patient;
use fhir_model::{FhirJson, ParseOptions};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

/// `first` once, then a patient.
async fn flaky(server: &MockServer, first: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .respond_with(first)
        .up_to_n_times(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .respond_with(fhir(200, &patient("1")))
        .mount(server)
        .await;
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let server = server().await;
    flaky(
        &server,
        ResponseTemplate::new(429).insert_header("retry-after", "1"),
    )
    .await;
    let start = Instant::now();
    client(&server).read::<Patient>("1").await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let server = server().await;
    let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    flaky(
        &server,
        ResponseTemplate::new(503).insert_header("retry-after", when.as_str()),
    )
    .await;
    let start = Instant::now();
    client(&server).read::<Patient>("1").await.unwrap();
    // HTTP dates have whole seconds: the wait is between 1 and 2 seconds.
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn bad_gateway_and_gateway_timeout_are_retried_with_backoff() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .respond_with(ResponseTemplate::new(504))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .respond_with(fhir(200, &patient("1")))
        .mount(&server)
        .await;
    client(&server).read::<Patient>("1").await.unwrap();
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn retries_stop_after_the_policy_s_count() {
    let server = server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let c = builder(&server)
        .retry(fast_retry().max_retries(2))
        .build()
        .unwrap();
    let e = c.read::<Patient>("1").await.unwrap_err();
    assert_eq!(e.status().unwrap().as_u16(), 503);
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn a_retry_after_past_the_budget_is_not_waited_for() {
    let server = server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .mount(&server)
        .await;
    let c = builder(&server)
        .retry(RetryPolicy::default().budget(Duration::from_secs(5)))
        .build()
        .unwrap();
    let start = Instant::now();
    let e = c.read::<Patient>("1").await.unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(e.kind(), ErrorKind::TooManyRequests);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_plain_create_is_never_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0"))
        .expect(1)
        .mount(&server)
        .await;
    let p = Patient::from_json_str(&patient("1"), ParseOptions::lenient()).unwrap();
    let e = client(&server).create(&p).await.unwrap_err();
    assert_eq!(e.status().unwrap().as_u16(), 503);
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn put_and_delete_are_retried() {
    let server = server().await;
    for verb in ["PUT", "DELETE"] {
        Mock::given(method(verb))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("PUT"))
        .respond_with(fhir(200, &patient("1")))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let c = client(&server);
    let p = Patient::from_json_str(&patient("1"), ParseOptions::lenient()).unwrap();
    c.update(&p).await.unwrap();
    c.delete::<Patient>("1").await.unwrap();
    assert_eq!(requests(&server).await.len(), 4);
}
