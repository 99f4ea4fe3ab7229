//! `$export` kick-off: the three levels, each parameter by GET and by POST, `Prefer:
//! respond-async`, and the answers that are not a 202 with a status URL.

use fhir_client::ErrorKind;
use fhir_client::export::ExportLevel;
use fhir_model::json::JsonValue;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

fn accepted(location: &str) -> ResponseTemplate {
    ResponseTemplate::new(202).insert_header("content-location", location)
}

async fn kickoff_server(p: &str, m: &str) -> MockServer {
    let server = server().await;
    Mock::given(method(m))
        .and(path(p))
        .and(header("prefer", "respond-async"))
        .and(header("accept", "application/fhir+json"))
        .respond_with(accepted("/fhir/$export-status/7"))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn each_level_has_its_url_and_the_status_url_is_absolute() {
    for (level, p) in [
        (ExportLevel::System, "/fhir/$export"),
        (ExportLevel::Patient, "/fhir/Patient/$export"),
        (ExportLevel::Group("g1".into()), "/fhir/Group/g1/$export"),
    ] {
        let server = kickoff_server(p, "GET").await;
        let job = client(&server).export().level(level).await.unwrap();
        assert_eq!(
            job.status_url().as_str(),
            format!("{}/fhir/$export-status/7", server.uri())
        );
        assert_eq!(requests(&server).await.len(), 1);
    }
    // The shorthand setters name the same levels.
    let server = kickoff_server("/fhir/Group/g2/$export", "GET").await;
    client(&server).export().group("g2").await.unwrap();
    let server = kickoff_server("/fhir/Patient/$export", "GET").await;
    client(&server).export().patients().await.unwrap();
}

#[tokio::test]
async fn every_parameter_goes_in_the_query_of_a_get() {
    let server = kickoff_server("/fhir/$export", "GET").await;
    client(&server)
        .export()
        .output_format("application/fhir+ndjson")
        .since("2024-01-01T00:00:00Z")
        .until("2024-02-01T00:00:00Z")
        .types(["Patient", "Observation"])
        .elements(["id", "Patient.name"])
        .type_filter("Observation?status=final")
        .type_filter("Patient?active=true")
        .include_associated_data("LatestProvenanceResources")
        .organize_output_by("Patient")
        .await
        .unwrap();
    let r = &requests(&server).await[0];
    let query: Vec<(String, String)> = r.url.query_pairs().into_owned().collect();
    let want = [
        ("_outputFormat", "application/fhir+ndjson"),
        ("_since", "2024-01-01T00:00:00Z"),
        ("_until", "2024-02-01T00:00:00Z"),
        ("_type", "Patient,Observation"),
        ("_elements", "id,Patient.name"),
        ("includeAssociatedData", "LatestProvenanceResources"),
        ("_typeFilter", "Observation?status=final"),
        ("_typeFilter", "Patient?active=true"),
        ("organizeOutputBy", "Patient"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(query, want);
}

#[tokio::test]
async fn post_sends_a_parameters_body_with_typed_values_and_patient_forces_post() {
    let server = kickoff_server("/fhir/Group/g1/$export", "POST").await;
    client(&server)
        .export()
        .group("g1")
        .since("2024-01-01T00:00:00Z")
        .types(["Patient"])
        .patient("Patient/1")
        .patient("Patient/2")
        .include_associated_data("LatestProvenanceResources")
        .await
        .unwrap();
    let r = &requests(&server).await[0];
    assert!(r.url.query().is_none());
    let body = JsonValue::parse(std::str::from_utf8(&r.body).unwrap()).unwrap();
    assert_eq!(
        body.to_json_string(),
        r#"{"resourceType":"Parameters","parameter":[{"name":"_since","valueInstant":"2024-01-01T00:00:00Z"},{"name":"_type","valueString":"Patient"},{"name":"patient","valueReference":{"reference":"Patient/1"}},{"name":"patient","valueReference":{"reference":"Patient/2"}},{"name":"includeAssociatedData","valueCode":"LatestProvenanceResources"}]}"#
    );
    assert!(
        r.headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("application/fhir+json")
    );

    let server = kickoff_server("/fhir/$export", "POST").await;
    client(&server).export().post().await.unwrap();
    let r = &requests(&server).await[0];
    assert_eq!(
        std::str::from_utf8(&r.body).unwrap(),
        r#"{"resourceType":"Parameters","parameter":[]}"#
    );
}

#[tokio::test]
async fn a_refusal_is_a_typed_error_with_its_operation_outcome() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/$export"))
        .respond_with(fhir(
            400,
            &outcome("not-supported", "_typeFilter is not supported"),
        ))
        .mount(&server)
        .await;
    let e = client(&server)
        .export()
        .type_filter("Patient?x=y")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Status);
    assert_eq!(e.status().unwrap().as_u16(), 400);
    let oo = e.operation_outcome().expect("the outcome, typed");
    assert_eq!(
        oo.issue[0].diagnostics.as_ref().unwrap().as_str(),
        Some("_typeFilter is not supported")
    );
    assert!(e.to_string().contains("GET "), "{e}");
}

#[tokio::test]
async fn a_kickoff_is_never_sent_twice() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/fhir/$export"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let e = client(&server).export().post().await.unwrap_err();
    assert_eq!(e.status().unwrap().as_u16(), 503);
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn answers_without_a_status_url_are_errors() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/$export"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    let e = client(&server).export().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decoding);
    assert!(e.to_string().contains("Content-Location"), "{e}");

    let server = server_with_200().await;
    let e = client(&server).export().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decoding);
    assert!(e.to_string().contains("answered 200"), "{e}");
}

async fn server_with_200() -> MockServer {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/$export"))
        .respond_with(fhir(200, &patient("p")))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_group_id_is_checked() {
    let server = server().await;
    let e = client(&server).export().group("").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(requests(&server).await.is_empty());
}
