//! The client with the model compiled for two resources only. CI runs:
//! `cargo test -p fhir-rs-client --no-default-features --features fhir-rs-model/patient --test minimal_features`.
//! CapabilityStatement is always compiled (the client needs it), Patient comes from the feature,
//! and Observation is not compiled: it arrives as raw JSON, losslessly.
#![cfg(not(feature = "all-resources"))]

use fhir_client::{Client, SearchParams};
use fhir_model::json::JsonValue;
use fhir_model::r4::{Patient, Resource};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fhir_json(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "application/fhir+json")
}

#[tokio::test]
async fn patient_and_capability_statement_with_two_resources_compiled() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fhir/metadata"))
        .respond_with(fhir_json(
            r#"{"resourceType":"CapabilityStatement","status":"active","date":"2026-11-26","kind":"instance",
            "fhirVersion":"4.0.1","format":["json"],"software":{"name":"mock"}}"#,
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/p1"))
        .respond_with(fhir_json(
            r#"{"resourceType":"Patient","id":"p1","birthDate":"1974-12"}"#,
        ))
        .mount(&server)
        .await;
    let observation = r#"{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.50}}"#;
    let bundle = format!(
        r#"{{"resourceType":"Bundle","type":"searchset","entry":[{{"search":{{"mode":"match"}},"resource":{observation}}}]}}"#
    );
    Mock::given(method("GET"))
        .and(path("/fhir/Observation"))
        .respond_with(fhir_json(&bundle))
        .mount(&server)
        .await;

    let client = Client::new(format!("{}/fhir", server.uri())).unwrap();
    let caps = client.capabilities().await.unwrap();
    assert_eq!(caps.software.unwrap().name.as_str(), Some("mock"));
    let patient: Patient = client.read("p1").await.unwrap();
    assert_eq!(
        patient.birth_date.unwrap().value.unwrap().as_str(),
        "1974-12"
    );

    let page = client
        .search_type("Observation", SearchParams::new())
        .await
        .unwrap();
    let Resource::Other(raw) = &page.matches[0] else {
        panic!("Observation is not compiled in this configuration")
    };
    assert_eq!(raw.id(), Some("o1"));
    assert_eq!(raw.json(), &JsonValue::parse(observation).unwrap());
}
