//! A successful answer of another resource type than the one asked for is an
//! `UnexpectedResource` error carrying what came, never a resource of the type asked for.

use fhir_client::{BundleBuilder, ErrorKind, HistoryParams, SearchParams};
use fhir_model::r4::{Observation, Patient};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

use crate::common::*;

async fn answering(verb: &str, at: &str, body: &str) -> MockServer {
    let server = server().await;
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(fhir(200, body))
        .mount(&server)
        .await;
    server
}

fn assert_unexpected(e: &fhir_client::Error, found: &str) {
    assert_eq!(e.kind(), ErrorKind::UnexpectedResource, "{e}");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(
        e.resource().map(|r| r.resource_type()),
        Some(found),
        "{e:?}"
    );
    assert!(e.body().is_some_and(|b| !b.is_empty()));
    assert!(e.to_string().contains(found), "{e}");
}

#[tokio::test]
async fn read_answered_with_another_type() {
    let server = answering("GET", "/fhir/Observation/o1", &patient("o1")).await;
    let e = client(&server).read::<Observation>("o1").await.unwrap_err();
    assert_unexpected(&e, "Patient");
    assert!(e.to_string().contains("expected a Observation"), "{e}");
    assert!(e.operation_outcome().is_none());
}

#[tokio::test]
async fn read_answered_with_an_operation_outcome() {
    let oo = outcome("processing", "backend is down");
    let server = answering("GET", "/fhir/Patient/p1", &oo).await;
    let e = client(&server).read::<Patient>("p1").await.unwrap_err();
    assert_unexpected(&e, "OperationOutcome");
    let outcome = e.operation_outcome().expect("the outcome is kept");
    assert_eq!(outcome.issue.len(), 1);
    assert!(e.to_string().contains("backend is down"), "{e}");
}

#[tokio::test]
async fn vread_read_any_and_versioned_reads_check_the_type() {
    let oo = outcome("processing", "no");
    let server = server().await;
    for at in ["/fhir/Patient/p1/_history/2", "/fhir/Patient/p1"] {
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(fhir(200, &oo))
            .mount(&server)
            .await;
    }
    let c = client(&server);
    assert_unexpected(
        &c.vread::<Patient>("p1", "2").await.unwrap_err(),
        "OperationOutcome",
    );
    assert_unexpected(
        &c.read_versioned::<Patient>("p1").await.unwrap_err(),
        "OperationOutcome",
    );
    assert_unexpected(
        &c.read_any("Patient", "p1").await.unwrap_err(),
        "OperationOutcome",
    );
    assert_unexpected(
        &c.vread_any("Patient", "p1", "2").await.unwrap_err(),
        "OperationOutcome",
    );
}

#[tokio::test]
async fn capabilities_answered_with_an_operation_outcome() {
    let server = answering("GET", "/fhir/metadata", &outcome("security", "log in")).await;
    let e = client(&server).capabilities().await.unwrap_err();
    assert_unexpected(&e, "OperationOutcome");
}

#[tokio::test]
async fn search_and_history_answered_with_something_else() {
    let server = server().await;
    for at in ["/fhir/Patient", "/fhir/Patient/_history"] {
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(fhir(200, &outcome("too-costly", "narrow it")))
            .mount(&server)
            .await;
    }
    let c = client(&server);
    let e = c.search::<Patient>(SearchParams::new()).await.unwrap_err();
    assert_unexpected(&e, "OperationOutcome");
    assert!(e.to_string().contains("expected a Bundle"), "{e}");
    let e = c
        .history_type::<Patient>(HistoryParams::new())
        .await
        .unwrap_err();
    assert_unexpected(&e, "OperationOutcome");
}

#[tokio::test]
async fn transaction_answered_with_a_patient() {
    let server = answering("POST", "/fhir", &patient("x")).await;
    let e = client(&server)
        .transaction(BundleBuilder::transaction().read("Patient/x").build())
        .await
        .unwrap_err();
    assert_unexpected(&e, "Patient");
}

#[tokio::test]
async fn create_answered_with_another_type() {
    let server = server().await;
    let observation =
        r#"{"resourceType":"Observation","id":"o9","status":"final","code":{"text":"x"}}"#;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .respond_with(fhir(201, observation).insert_header("location", "Patient/p9/_history/1"))
        .mount(&server)
        .await;
    let e = client(&server)
        .create(&Patient::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResource, "{e}");
    assert_eq!(e.resource().map(|r| r.resource_type()), Some("Observation"));
}
