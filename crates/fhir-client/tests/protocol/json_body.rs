//! Writes of JSON the caller already checked: sent as written (a create less its id), only the
//! members the request needs read off the text, and text of the wrong kind refused unsent.

use fhir_client::ErrorKind;
use fhir_model::r4::Patient;
use fhir_model::{FhirJson, ParseOptions};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;

fn created(location: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).insert_header("Location", location)
}

#[tokio::test]
async fn create_json_sends_the_text_as_written_less_its_id() {
    let server = server().await;
    // Spacing, key order and number texts the model would write otherwise.
    let written = "{\"resourceType\":\"Patient\",\n  \"id\": \"mine\",\n  \"active\": true, \"multipleBirthInteger\": 2, \"extension\":[{\"url\":\"http://x.test\",\"valueDecimal\":1.50}]}";
    let sent = "{\"resourceType\":\"Patient\",\n  \"active\": true, \"multipleBirthInteger\": 2, \"extension\":[{\"url\":\"http://x.test\",\"valueDecimal\":1.50}]}";
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .and(body_string(sent))
        .and(header(
            "content-type",
            "application/fhir+json; charset=utf-8",
        ))
        .respond_with(created("Patient/9/_history/1"))
        .expect(1)
        .mount(&server)
        .await;
    let outcome = client(&server)
        .create_json("Patient", written)
        .await
        .unwrap();
    assert_eq!(outcome.id.as_deref(), Some("9"));
    assert_eq!(outcome.version.as_deref(), Some("1"));
}

#[tokio::test]
async fn the_typed_create_still_sends_no_id() {
    let server = server().await;
    let mut patient = Patient::from_json_str(&patient("p1"), ParseOptions::strict()).unwrap();
    patient.active = Some(false.into());
    let mut expected = patient.clone();
    expected.id = None;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .and(body_string(expected.to_json_string()))
        .respond_with(created("Patient/9"))
        .expect(1)
        .mount(&server)
        .await;
    client(&server).create(&patient).await.unwrap();
    // The resource given is left as it was.
    assert_eq!(patient.id.as_ref().and_then(|i| i.as_str()), Some("p1"));
}

#[tokio::test]
async fn update_json_takes_its_id_and_version_from_the_text() {
    let server = server().await;
    let written = r#"{"resourceType":"Patient","meta":{"versionId":"3"},"id":"p 7","active":true}"#;
    Mock::given(method("PUT"))
        .and(path("/fhir/Patient/p%207"))
        .and(body_string(written))
        .and(header("if-match", "W/\"3\""))
        .respond_with(ResponseTemplate::new(200).insert_header("ETag", "W/\"4\""))
        .expect(1)
        .mount(&server)
        .await;
    let outcome = client(&server)
        .update_json("Patient", written)
        .version_aware()
        .await
        .unwrap();
    assert_eq!(outcome.id.as_deref(), Some("p 7"));
    assert_eq!(outcome.version.as_deref(), Some("4"));
    assert!(!outcome.created);
}

#[tokio::test]
async fn transaction_json_sends_the_bundle_as_written() {
    let server = server().await;
    let written = r#"{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a","resource":{"resourceType":"Patient","id":"kept"},"request":{"method":"POST","url":"Patient"}}]}"#;
    let answer = r#"{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"201 Created","location":"Patient/1/_history/1"}}]}"#;
    Mock::given(method("POST"))
        .and(path("/fhir"))
        .and(body_string(written))
        .respond_with(fhir(200, answer))
        .expect(1)
        .mount(&server)
        .await;
    let response = client(&server).transaction_json(written).await.unwrap();
    assert_eq!(response.entries[0].status, 201);
    assert_eq!(response.entries[0].id.as_deref(), Some("1"));
}

#[tokio::test]
async fn json_of_the_wrong_kind_is_refused_before_sending() {
    let server = server().await;
    let c = client(&server);
    let patient = r#"{"resourceType":"Patient","id":"1"}"#;
    let e = c.create_json("Observation", patient).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(
        e.to_string().contains("is a Patient, not a Observation"),
        "{e}"
    );
    let e = c.create_json("Patient", "[1]").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = c.create_json("Patient", &b"\xff"[..]).await.unwrap_err();
    assert!(e.to_string().contains("UTF-8"), "{e}");
    let e = c
        .update_json("Patient", r#"{"resourceType":"Patient"}"#)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = c
        .transaction_json(r#"{"resourceType":"Bundle","type":"batch"}"#)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("a Bundle of type `batch`, not a Bundle of type `transaction`"),
        "{e}"
    );
    let e = c.batch_json(patient).await.unwrap_err();
    assert!(e.to_string().contains("a Patient, not a Bundle"), "{e}");
    assert!(requests(&server).await.is_empty());
}
