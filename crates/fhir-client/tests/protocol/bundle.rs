//! Batch and transaction: the Bundle sent, typed response entries, a failing transaction.

use fhir_client::{BundleBuilder, ErrorKind};
use fhir_model::r4::{Patient, Resource};
use fhir_model::{FhirJson, ParseOptions};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;

const TRANSACTION_RESPONSE: &str = r#"{"resourceType":"Bundle","type":"transaction-response","entry":[
  {"response":{"status":"201 Created","location":"Patient/p9/_history/1","etag":"W/\"1\"","lastModified":"2024-03-01T10:00:00.000+00:00"}},
  {"response":{"status":"200 OK","location":"Patient/p1/_history/4","etag":"W/\"4\""}},
  {"response":{"status":"204 No Content"}}
]}"#;

#[tokio::test]
async fn transaction_entries_are_typed_with_their_status() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/fhir"))
        .respond_with(body(200, TRANSACTION_RESPONSE, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let existing = Patient::from_json_str(&patient("p1"), ParseOptions::lenient()).unwrap();
    let bundle = BundleBuilder::transaction()
        .create_with_full_url(
            "urn:uuid:1f9d4a0e-0000-4000-8000-000000000001",
            Patient::default(),
        )
        .update(existing)
        .delete("Observation", "o1")
        .build();
    let response = client(&server).transaction(bundle).await.unwrap();
    let e = &response.entries;
    assert_eq!(e.len(), 3);
    assert_eq!(
        (e[0].status, e[0].id.as_deref(), e[0].version.as_deref()),
        (201, Some("p9"), Some("1"))
    );
    assert_eq!(
        (e[1].status, e[1].id.as_deref(), e[1].version.as_deref()),
        (200, Some("p1"), Some("4"))
    );
    assert_eq!(e[2].status, 204);
    assert!(e.iter().all(|e| e.is_success()));

    let sent = String::from_utf8(requests(&server).await[0].body.clone()).unwrap();
    assert!(
        sent.starts_with(r#"{"resourceType":"Bundle","type":"transaction","entry":["#),
        "{sent}"
    );
    assert!(
        sent.contains(r#""request":{"method":"PUT","url":"Patient/p1"}"#),
        "{sent}"
    );
}

#[tokio::test]
async fn batch_entries_fail_on_their_own() {
    let server = server().await;
    let answer = format!(
        r#"{{"resourceType":"Bundle","type":"batch-response","entry":[
          {{"resource":{},"response":{{"status":"200 OK"}}}},
          {{"response":{{"status":"404 Not Found","outcome":{}}}}}]}}"#,
        patient("1"),
        outcome("not-found", "Patient/2 is not known")
    );
    Mock::given(method("POST"))
        .and(path("/fhir"))
        .respond_with(fhir(200, &answer))
        .mount(&server)
        .await;
    // The type is set to batch whatever the Bundle said.
    let bundle = BundleBuilder::transaction()
        .read("Patient/1")
        .read("Patient/2")
        .build();
    let response = client(&server).batch(bundle).await.unwrap();
    assert!(matches!(
        response.entries[0].resource,
        Some(Resource::Patient(_))
    ));
    assert!(!response.entries[1].is_success());
    assert_eq!(response.entries[1].status, 404);
    assert!(response.entries[1].outcome.is_some());
    let sent = String::from_utf8(requests(&server).await[0].body.clone()).unwrap();
    assert!(sent.contains(r#""type":"batch""#), "{sent}");
}

#[tokio::test]
async fn a_failing_transaction_is_an_error_and_is_not_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/fhir"))
        .respond_with(fhir(
            400,
            &outcome("processing", "Entry 2 failed: unknown reference"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/fhir/"))
        .respond_with(ResponseTemplate::new(503))
        .expect(0)
        .mount(&server)
        .await;
    let e = client(&server)
        .transaction(
            BundleBuilder::transaction()
                .create(Patient::default())
                .build(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Status);
    assert!(e.to_string().contains("Entry 2 failed"));
}
