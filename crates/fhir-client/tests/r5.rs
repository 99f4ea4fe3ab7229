//! The client with the FHIR R5 models (`Client<R5>`), against an in-process HTTP mock (wiremock,
//! loopback only), and the check of a server's FHIR version, both ways. CI runs:
//! `cargo test -p fhir-rs-client --features r5 --test r5`.

mod common;

use std::time::Duration;

use common::*;
use fhir_client::{BundleBuilder, Client, Error, ErrorKind, FhirPathPatch, FhirVersion, R4, R5};
use fhir_model::r5::{
    CapabilityStatement, FHIRVersion, IssueType, OperationOutcome, ParametersParameterValue,
    Patient, Resource,
};
use fhir_model::{FhirJson, ParseOptions};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn metadata(fhir_version: &str) -> String {
    format!(
        r#"{{"resourceType":"CapabilityStatement","status":"active","date":"2026-01-01","kind":"instance","fhirVersion":"{fhir_version}","format":["json"],"software":{{"name":"mock"}}}}"#
    )
}

fn r5_client(server: &MockServer) -> Client<R5> {
    builder(server).fhir_version::<R5>().build().unwrap()
}

async fn mount_metadata(server: &MockServer, fhir_version: &str) {
    Mock::given(method("GET"))
        .and(path("/fhir/metadata"))
        .respond_with(fhir(200, &metadata(fhir_version)))
        .mount(server)
        .await;
}

async fn count(server: &MockServer, of: &str) -> usize {
    requests(server)
        .await
        .iter()
        .filter(|r| r.url.path() == of)
        .count()
}

#[tokio::test]
async fn capabilities_are_r5() {
    let server = server().await;
    mount_metadata(&server, "5.0.0").await;
    let cs: CapabilityStatement = r5_client(&server).capabilities().await.unwrap();
    // `5.0.0` is a code the R4 models do not know: only the R5 ones type it.
    assert_eq!(cs.fhir_version.known(), Some(FHIRVersion::V500));
    assert_eq!(cs.software.unwrap().name.as_str(), Some("mock"));
}

#[tokio::test]
async fn read_r5_patient() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/123"))
        .respond_with(fhir(200, &patient("123")).insert_header("etag", "W/\"1\""))
        .expect(2)
        .mount(&server)
        .await;
    let client = r5_client(&server);
    let p: Patient = client.read("123").await.unwrap();
    assert_eq!(p.id.unwrap().as_str(), Some("123"));
    assert_eq!(
        p.name[0].family.as_ref().unwrap().as_str(),
        Some("Chalmers")
    );
    let v = client.read_versioned::<Patient>("123").await;
    assert_eq!(v.unwrap().version.as_deref(), Some("1"));
    assert!(format!("{client:?}").contains(r#"fhir_version: "R5""#));
}

#[tokio::test]
async fn search_page_of_an_r5_bundle() {
    let server = server().await;
    // R5: `link.relation` is a code, and `issues` holds an OperationOutcome about the search.
    let bundle = format!(
        r#"{{"resourceType":"Bundle","type":"searchset","total":2,
        "link":[{{"relation":"self","url":"Patient?name=x"}},{{"relation":"next","url":"Patient?name=x&page=2"}}],
        "issues":{},
        "entry":[
          {{"resource":{},"search":{{"mode":"match"}}}},
          {{"resource":{{"resourceType":"Organization","id":"org1","name":"Acme"}},"search":{{"mode":"include"}}}},
          {{"resource":{},"search":{{"mode":"outcome"}}}},
          {{"resource":{}}}
        ]}}"#,
        outcome("informational", "issues of the search"),
        patient("a"),
        outcome("too-costly", "an outcome entry"),
        patient("b"),
    );
    Mock::given(method("GET"))
        .and(path("/fhir/Patient"))
        .respond_with(fhir(200, &bundle))
        .mount(&server)
        .await;
    let page = r5_client(&server)
        .search::<Patient>(fhir_client::SearchParams::new().string("name", "x"))
        .await
        .unwrap();
    let ids: Vec<_> = page.matches.iter().map(|p| p.id.clone().unwrap()).collect();
    assert_eq!(ids, ["a".into(), "b".into()]);
    assert_eq!(page.included.len(), 1);
    let Resource::Organization(org) = &page.included[0] else {
        panic!("not an Organization: {:?}", page.included[0])
    };
    assert_eq!(org.name.as_ref().unwrap().as_str(), Some("Acme"));
    let outcomes: Vec<&OperationOutcome> = page.outcomes.iter().collect();
    assert_eq!(outcomes.len(), 2);
    assert_eq!(
        outcomes[0].issue[0].code.known(),
        Some(IssueType::Informational)
    );
    assert_eq!(
        outcomes[1].issue[0].code.known(),
        Some(IssueType::TooCostly)
    );
    assert!(page.bundle.issues.is_none());
    assert_eq!(page.total, Some(2));
    assert_eq!(
        page.next.as_ref().map(|u| u.path()),
        Some("/fhir/Patient"),
        "{:?}",
        page.next
    );
    assert_eq!(page.next.unwrap().query(), Some("name=x&page=2"));
    assert!(page.self_link.is_some());
}

#[tokio::test]
async fn r5_operation_outcome_reaches_the_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/gone"))
        .respond_with(fhir(410, &outcome("deleted", "Patient/gone was deleted")))
        .mount(&server)
        .await;
    let e: Error<R5> = r5_client(&server)
        .read::<Patient>("gone")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Gone);
    let oo: &OperationOutcome = e.operation_outcome().unwrap();
    assert_eq!(oo.issue[0].code.known(), Some(IssueType::Deleted));
    assert!(
        e.to_string()
            .ends_with("410 Gone (gone (deleted)): error (deleted): Patient/gone was deleted"),
        "{e}"
    );
    assert!(format!("{e:?}").contains("operation_outcome: true"));
}

#[tokio::test]
async fn transaction_with_an_r5_bundle_builder() {
    let server = server().await;
    let answer = r#"{"resourceType":"Bundle","type":"transaction-response","entry":[
      {"response":{"status":"201 Created","location":"Patient/p9/_history/1","etag":"W/\"1\""}},
      {"response":{"status":"200 OK"},"resource":{"resourceType":"Patient","id":"p1","meta":{"versionId":"4"}}},
      {"response":{"status":"404 Not Found","outcome":{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}}}]}"#;
    Mock::given(method("POST"))
        .and(path("/fhir"))
        .respond_with(fhir(200, answer))
        .expect(1)
        .mount(&server)
        .await;
    let mut existing = Patient::from_json_str(&patient("p1"), ParseOptions::lenient()).unwrap();
    existing.meta = None;
    let bundle = BundleBuilder::<R5>::new_transaction()
        .create_with_full_url(
            "urn:uuid:1f9d4a0e-0000-4000-8000-000000000001",
            Patient::default(),
        )
        .update(existing)
        .delete("Observation", "o1")
        .build();
    let response = r5_client(&server).transaction(bundle).await.unwrap();

    let sent = String::from_utf8(requests(&server).await[0].body.clone()).unwrap();
    assert!(sent.starts_with(r#"{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:1f9d4a0e-0000-4000-8000-000000000001","resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}"#), "{sent}");
    assert!(
        sent.contains(r#""request":{"method":"PUT","url":"Patient/p1"}"#),
        "{sent}"
    );
    assert!(
        sent.ends_with(r#"{"request":{"method":"DELETE","url":"Observation/o1"}}]}"#),
        "{sent}"
    );

    let e = &response.entries;
    assert_eq!(
        (e[0].status, e[0].id.as_deref(), e[0].version.as_deref()),
        (201, Some("p9"), Some("1"))
    );
    assert!(
        matches!(&e[1].resource, Some(Resource::Patient(p)) if p.id.as_ref().unwrap().as_str() == Some("p1"))
    );
    assert_eq!(e[1].version.as_deref(), Some("4"));
    let oo: &OperationOutcome = e[2].outcome.as_ref().unwrap();
    assert_eq!(oo.issue[0].code.known(), Some(IssueType::NotFound));
    assert!(!e[2].is_success());
}

#[tokio::test]
async fn r5_fhirpath_patch_takes_r5_values() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .and(path("/fhir/Patient/123"))
        .respond_with(ResponseTemplate::new(200).insert_header("etag", "W/\"3\""))
        .expect(1)
        .mount(&server)
        .await;
    // `valueInteger64` is an R5 type of `Parameters.parameter.value[x]`.
    let patch = FhirPathPatch::<R5>::default()
        .add(
            "Patient",
            "extension",
            ParametersParameterValue::Integer64(7_000_000_000i64.into()),
        )
        .delete("Patient.birthDate");
    let outcome = r5_client(&server)
        .patch::<Patient>("123", patch)
        .await
        .unwrap();
    assert_eq!(outcome.version.as_deref(), Some("3"));
    let sent = String::from_utf8(requests(&server).await[0].body.clone()).unwrap();
    assert!(
        sent.contains(r#"{"name":"value","valueInteger64":"7000000000"}"#),
        "{sent}"
    );
    assert!(
        sent.contains(r#"{"name":"type","valueCode":"delete"}"#),
        "{sent}"
    );
}

#[tokio::test]
async fn r5_operation_answers_an_r5_resource() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient/$validate"))
        .respond_with(fhir(200, &outcome("informational", "all fine")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/fhir/$reindex"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = r5_client(&server);
    let answer = client
        .operation("$validate")
        .on_type("Patient")
        .param("mode", "create")
        .post()
        .await
        .unwrap();
    assert!(
        matches!(answer, Resource::OperationOutcome(_)),
        "{answer:?}"
    );
    let sent = String::from_utf8(requests(&server).await[0].body.clone()).unwrap();
    assert_eq!(
        sent,
        r#"{"resourceType":"Parameters","parameter":[{"name":"mode","valueString":"create"}]}"#
    );
    let empty = client.operation("reindex").post().await.unwrap();
    assert!(matches!(empty, Resource::Parameters(_)), "{empty:?}");
}

#[tokio::test]
async fn version_check_success() {
    let server = server().await;
    mount_metadata(&server, "5.0.0").await;
    assert_eq!(
        r5_client(&server).check_fhir_version().await.unwrap(),
        "5.0.0"
    );
    let r4_server = self::server().await;
    mount_metadata(&r4_server, "4.0.1").await;
    assert_eq!(
        client(&r4_server).check_fhir_version().await.unwrap(),
        "4.0.1"
    );
}

#[tokio::test]
async fn r5_client_against_an_r4_server() {
    let server = server().await;
    mount_metadata(&server, "4.0.1").await;
    let e = r5_client(&server).check_fhir_version().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::FhirVersionMismatch);
    let message = redact(&e.to_string(), &server);
    assert_eq!(
        message,
        "GET http://[mock]/fhir/metadata: FHIR version mismatch: the server implements FHIR 4.0.1, \
         but the client uses the FHIR R5 models (5.0.0)"
    );
    assert!(e.status().is_none());
}

#[tokio::test]
async fn r4_client_against_an_r5_server() {
    let server = server().await;
    mount_metadata(&server, "5.0.0").await;
    let e = client(&server).check_fhir_version().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::FhirVersionMismatch);
    let message = e.to_string();
    assert!(message.contains("FHIR 5.0.0"), "{message}");
    assert!(message.contains("FHIR R4 models (4.0.1)"), "{message}");
    // R4B (4.3) is not R4 (4.0) either.
    let r4b = self::server().await;
    mount_metadata(&r4b, "4.3.0").await;
    let e = client(&r4b).check_fhir_version().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::FhirVersionMismatch);
}

#[tokio::test]
async fn version_from_the_content_type_when_the_statement_has_none() {
    let server = server().await;
    let statement = r#"{"resourceType":"CapabilityStatement","status":"active","kind":"instance"}"#;
    Mock::given(method("GET"))
        .and(path("/fhir/metadata"))
        .respond_with(body(
            200,
            statement,
            "application/fhir+json; fhirVersion=5.0",
        ))
        .mount(&server)
        .await;
    assert_eq!(
        r5_client(&server).check_fhir_version().await.unwrap(),
        "5.0"
    );
    let e = client(&server).check_fhir_version().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::FhirVersionMismatch);

    let bare = self::server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/metadata"))
        .respond_with(fhir(200, statement))
        .mount(&bare)
        .await;
    let e = r5_client(&bare).check_fhir_version().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decoding);
    assert!(e.to_string().contains("no fhirVersion"), "{e}");
}

#[tokio::test]
async fn lazy_check_happens_once_for_concurrent_requests() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/metadata"))
        .respond_with(fhir(200, &metadata("5.0.0")).set_delay(Duration::from_millis(100)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/123"))
        .respond_with(fhir(200, &patient("123")))
        .expect(6)
        .mount(&server)
        .await;
    let client = builder(&server)
        .fhir_version::<R5>()
        .verify_fhir_version(true)
        .build()
        .unwrap();
    let reads: Vec<_> = (0..5)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.read::<Patient>("123").await })
        })
        .collect();
    for read in reads {
        read.await.unwrap().unwrap();
    }
    client.read::<Patient>("123").await.unwrap();
    // The check came first: no read reached the server before the metadata.
    assert_eq!(requests(&server).await[0].url.path(), "/fhir/metadata");
    server.verify().await;
}

#[tokio::test]
async fn lazy_check_mismatch_fails_the_request_before_it_is_sent() {
    let server = server().await;
    mount_metadata(&server, "4.0.1").await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/123"))
        .respond_with(fhir(200, &patient("123")))
        .expect(0)
        .mount(&server)
        .await;
    let client = builder(&server)
        .fhir_version::<R5>()
        .verify_fhir_version(true)
        .build()
        .unwrap();
    for _ in 0..2 {
        let e = client.read::<Patient>("123").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::FhirVersionMismatch);
        assert!(e.to_string().contains("FHIR 4.0.1"), "{e}");
    }
    // A mismatch is not remembered as a success: each request checks (and fails) again.
    assert_eq!(count(&server, "/fhir/metadata").await, 2);
    server.verify().await;
}

#[tokio::test]
async fn failed_lazy_check_is_returned_and_retried() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/metadata"))
        .respond_with(fhir(500, &outcome("exception", "starting up")))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_metadata(&server, "5.0.0").await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/123"))
        .respond_with(fhir(200, &patient("123")))
        .expect(2)
        .mount(&server)
        .await;
    let client = builder(&server)
        .fhir_version::<R5>()
        .verify_fhir_version(true)
        .build()
        .unwrap();
    let e = client.read::<Patient>("123").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Status);
    assert_eq!(e.status().unwrap().as_u16(), 500);
    // The metadata's error, with its R5 OperationOutcome.
    assert_eq!(
        e.operation_outcome().unwrap().issue[0].code.known(),
        Some(IssueType::Exception)
    );
    assert_eq!(count(&server, "/fhir/Patient/123").await, 0);
    client.read::<Patient>("123").await.unwrap();
    client.read::<Patient>("123").await.unwrap();
    assert_eq!(count(&server, "/fhir/metadata").await, 2);
    server.verify().await;
}

#[tokio::test]
async fn capabilities_serve_as_the_lazy_check() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/metadata"))
        .respond_with(fhir(200, &metadata("5.0.0")))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/123"))
        .respond_with(fhir(200, &patient("123")))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server)
        .fhir_version::<R5>()
        .verify_fhir_version(true)
        .build()
        .unwrap();
    // One metadata request, both the check and the answer; later ones are plain reads of it.
    client.capabilities().await.unwrap();
    client.read::<Patient>("123").await.unwrap();
    client.capabilities().await.unwrap();
    server.verify().await;

    let r4_server = self::server().await;
    mount_metadata(&r4_server, "5.0.0").await;
    let r4 = builder(&r4_server)
        .verify_fhir_version(true)
        .build()
        .unwrap();
    let e = r4.capabilities().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::FhirVersionMismatch);
}

#[test]
fn version_constants() {
    assert_eq!(
        (R5::NAME, R5::VERSION, R5::MAJOR_MINOR),
        ("R5", "5.0.0", "5.0")
    );
    assert_eq!(
        (R4::NAME, R4::VERSION, R4::MAJOR_MINOR),
        ("R4", "4.0.1", "4.0")
    );
}
