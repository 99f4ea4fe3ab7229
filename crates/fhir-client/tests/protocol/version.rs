//! The check of the server's FHIR version with the default (R4) models: on demand, and once,
//! lazily, before the first request. (`tests/r5.rs` checks the R5 client, both ways.)

use fhir_client::ErrorKind;
use fhir_model::r4::Patient;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

use crate::common::*;

async fn mount_metadata(server: &MockServer, fhir_version: &str, expect: u64) {
    let metadata = format!(
        r#"{{"resourceType":"CapabilityStatement","status":"active","date":"2026-01-01","kind":"instance","fhirVersion":"{fhir_version}","format":["json"]}}"#
    );
    Mock::given(method("GET"))
        .and(path("/fhir/metadata"))
        .respond_with(fhir(200, &metadata))
        .expect(expect)
        .mount(server)
        .await;
}

#[tokio::test]
async fn r4_server_passes_the_check() {
    let server = server().await;
    mount_metadata(&server, "4.0.1", 1).await;
    assert_eq!(client(&server).check_fhir_version().await.unwrap(), "4.0.1");
    server.verify().await;
}

#[tokio::test]
async fn r5_server_fails_the_check() {
    let server = server().await;
    mount_metadata(&server, "5.0.0", 1).await;
    let e = client(&server).check_fhir_version().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::FhirVersionMismatch);
    assert_eq!(
        redact(&e.to_string(), &server),
        "GET http://[mock]/fhir/metadata: FHIR version mismatch: the server implements FHIR \
         5.0.0, but the client uses the FHIR R4 models (4.0.1)"
    );
}

#[tokio::test]
async fn no_check_unless_asked() {
    let server = server().await;
    mount_metadata(&server, "5.0.0", 0).await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/123"))
        .respond_with(fhir(200, &patient("123")))
        .expect(1)
        .mount(&server)
        .await;
    client(&server).read::<Patient>("123").await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn lazy_check_once_before_the_first_request() {
    let server = server().await;
    mount_metadata(&server, "4.0.1", 1).await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/123"))
        .respond_with(fhir(200, &patient("123")))
        .expect(3)
        .mount(&server)
        .await;
    let client = builder(&server).verify_fhir_version(true).build().unwrap();
    let (a, b) = tokio::join!(client.read::<Patient>("123"), client.read::<Patient>("123"));
    a.unwrap();
    b.unwrap();
    // A later request does not check again.
    client.read::<Patient>("123").await.unwrap();
    assert_eq!(requests(&server).await[0].url.path(), "/fhir/metadata");
    server.verify().await;
}

#[tokio::test]
async fn lazy_check_mismatch_is_the_request_error() {
    let server = server().await;
    mount_metadata(&server, "5.0.0", 1).await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/123"))
        .respond_with(fhir(200, &patient("123")))
        .expect(0)
        .mount(&server)
        .await;
    let client = builder(&server).verify_fhir_version(true).build().unwrap();
    let e = client.read::<Patient>("123").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::FhirVersionMismatch);
    assert!(e.operation_outcome().is_none());
    server.verify().await;
}
