//! metadata, read, vread, conditional read, references, content types, decoding, timeouts.

use std::time::Duration;

use fhir_client::{Client, Conditional, ErrorKind, FormatParam};
use fhir_model::r4::{Medication, MedicationRequest, Organization, Patient, Reference};
use fhir_model::{FhirJson, ParseOptions};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;

const METADATA: &str = r#"{"resourceType":"CapabilityStatement","status":"active","date":"2024-01-01","kind":"instance","fhirVersion":"4.0.1","format":["json"],"software":{"name":"Mock FHIR","version":"1.0"},"rest":[{"mode":"server"}]}"#;

#[tokio::test]
async fn capabilities_is_one_typed_call() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/metadata"))
        .and(header("accept", "application/fhir+json"))
        .respond_with(fhir(200, METADATA))
        .expect(1)
        .mount(&server)
        .await;
    let cs = client(&server).capabilities().await.unwrap();
    assert_eq!(cs.fhir_version.value.unwrap().as_str(), "4.0.1");
    assert_eq!(cs.software.unwrap().name.as_str(), Some("Mock FHIR"));
    // No _format unless asked for.
    let reqs = requests(&server).await;
    assert_eq!(reqs[0].url.query(), None);
}

#[tokio::test]
async fn format_param_is_sent_only_when_asked_for() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/metadata"))
        .and(query_param("_format", "json"))
        .respond_with(fhir(200, METADATA))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server)
        .format_param(FormatParam::Json)
        .build()
        .unwrap();
    client.capabilities().await.unwrap();
    let reqs = requests(&server).await;
    assert_eq!(reqs[0].url.query(), Some("_format=json"));
    assert_eq!(reqs[0].headers["accept"], "application/fhir+json");
}

#[tokio::test]
async fn read_patient_is_typed() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/123"))
        .respond_with(fhir(200, &patient("123")))
        .mount(&server)
        .await;
    let p: Patient = client(&server).read("123").await.unwrap();
    assert_eq!(p.id.unwrap().as_str(), Some("123"));
    assert_eq!(
        p.name[0].family.as_ref().unwrap().as_str(),
        Some("Chalmers")
    );
    assert_eq!(p.birth_date.unwrap().value.unwrap().as_str(), "1974-12-25");
}

#[tokio::test]
async fn json_legacy_and_versioned_content_types_are_accepted() {
    for ct in [
        "application/json",
        "application/json+fhir",
        "application/fhir+json; fhirVersion=4.0",
        "application/json;charset=UTF-8",
    ] {
        let server = server().await;
        Mock::given(method("GET"))
            .and(path("/fhir/Patient/1"))
            .respond_with(body(200, &patient("1"), ct))
            .mount(&server)
            .await;
        let p: Patient = client(&server).read("1").await.unwrap();
        assert_eq!(p.id.unwrap().as_str(), Some("1"), "{ct}");
    }
}

#[tokio::test]
async fn gzip_bodies_are_decoded() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(patient("1").as_bytes()).unwrap();
    let compressed = gz.finish().unwrap();
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .and(header("accept-encoding", "gzip"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(compressed, FHIR_JSON)
                .insert_header("content-encoding", "gzip"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let p: Patient = client(&server).read("1").await.unwrap();
    assert_eq!(p.id.unwrap().as_str(), Some("1"));
}

#[tokio::test]
async fn not_found_and_gone_are_told_apart() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/never"))
        .respond_with(fhir(
            404,
            &outcome("not-found", "Resource Patient/never is not known"),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/deleted"))
        .respond_with(fhir(
            410,
            &outcome("deleted", "Resource Patient/deleted was deleted"),
        ))
        .mount(&server)
        .await;
    let c = client(&server);
    let e = c.read::<Patient>("never").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.status().unwrap().as_u16(), 404);
    let e = c.read::<Patient>("deleted").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Gone);
    assert_eq!(
        e.operation_outcome().unwrap().issue[0]
            .diagnostics
            .as_ref()
            .unwrap()
            .as_str(),
        Some("Resource Patient/deleted was deleted")
    );
}

#[tokio::test]
async fn vread_reads_one_version() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/123/_history/2"))
        .respond_with(fhir(200, &patient("123")))
        .expect(1)
        .mount(&server)
        .await;
    let p = client(&server).vread::<Patient>("123", "2").await.unwrap();
    assert_eq!(p.id.unwrap().as_str(), Some("123"));
}

#[tokio::test]
async fn conditional_read_with_etag() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .and(header("if-none-match", "W/\"1\""))
        .respond_with(ResponseTemplate::new(304))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .and(header("if-none-match", "W/\"0\""))
        .respond_with(
            fhir(200, &patient("1"))
                .insert_header("etag", "W/\"1\"")
                .insert_header("last-modified", "Wed, 21 Oct 2015 07:28:00 GMT"),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    // A bare version id is sent as a weak ETag; an ETag as it is.
    assert_eq!(
        c.read_if_none_match::<Patient>("1", "1").await.unwrap(),
        Conditional::NotModified
    );
    assert_eq!(
        c.read_if_none_match::<Patient>("1", "W/\"1\"")
            .await
            .unwrap(),
        Conditional::NotModified
    );
    match c
        .read_if_none_match::<Patient>("1", "W/\"0\"")
        .await
        .unwrap()
    {
        Conditional::Modified(v) => {
            assert_eq!(v.etag.as_deref(), Some("W/\"1\""));
            assert_eq!(v.version.as_deref(), Some("1"));
            assert_eq!(
                v.last_modified.as_deref(),
                Some("Wed, 21 Oct 2015 07:28:00 GMT")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn read_versioned_reports_headers() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .respond_with(fhir(200, &patient("1")).insert_header("etag", "\"7\""))
        .mount(&server)
        .await;
    let v = client(&server)
        .read_versioned::<Patient>("1")
        .await
        .unwrap();
    assert_eq!(v.version.as_deref(), Some("7"));
    assert_eq!(v.etag.as_deref(), Some("\"7\""));
}

fn reference(text: &str) -> Reference {
    Reference {
        reference: Some(text.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn references_relative_versioned_and_absolute_on_the_same_origin() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .respond_with(fhir(200, &patient("1")))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1/_history/3"))
        .respond_with(fhir(200, &patient("1")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/other-base/Patient/9"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(fhir(200, &patient("9")))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server).bearer_token(TOKEN).build().unwrap();
    c.read_reference::<Patient>(&reference("Patient/1"))
        .await
        .unwrap();
    c.read_reference::<Patient>(&reference(&format!("{}/Patient/1", base(&server))))
        .await
        .unwrap();
    c.read_reference::<Patient>(&reference("Patient/1/_history/3"))
        .await
        .unwrap();
    // Same origin, another path: fetched as it is, with credentials.
    let p = c
        .read_reference::<Patient>(&reference(&format!(
            "{}/other-base/Patient/9",
            server.uri()
        )))
        .await
        .unwrap();
    assert_eq!(p.id.unwrap().as_str(), Some("9"));
    // A reference of another type is refused before any request.
    let e = c
        .read_reference::<Organization>(&reference("Patient/1"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(
        e.to_string()
            .contains("points to a Patient, not a Organization")
    );
}

#[tokio::test]
async fn absolute_reference_elsewhere_gets_no_credentials() {
    let server = server().await;
    let elsewhere = crate::common::server().await;
    Mock::given(method("GET"))
        .and(path("/r4/Patient/5"))
        .respond_with(fhir(200, &patient("5")))
        .expect(1)
        .mount(&elsewhere)
        .await;
    let c = builder(&server)
        .bearer_token(TOKEN)
        .default_header("x-tenant", "north")
        .build()
        .unwrap();
    let p = c
        .read_reference::<Patient>(&reference(&format!("{}/r4/Patient/5", elsewhere.uri())))
        .await
        .unwrap();
    assert_eq!(p.id.unwrap().as_str(), Some("5"));
    let req = &requests(&elsewhere).await[0];
    assert!(req.headers.get("authorization").is_none());
    assert!(req.headers.get("x-tenant").is_none());
    assert!(requests(&server).await.is_empty());
}

const PRESCRIPTION: &str = r##"{"resourceType":"MedicationRequest","id":"rx","contained":[{"resourceType":"Medication","id":"med1","code":{"text":"Aspirin"}}],"status":"active","intent":"order","medicationReference":{"reference":"#med1"},"subject":{"reference":"Patient/1"}}"##;

#[tokio::test]
async fn contained_references_are_resolved_from_the_container_or_refused() {
    let server = server().await;
    let c = client(&server);
    let rx = MedicationRequest::from_json_str(PRESCRIPTION, ParseOptions::lenient()).unwrap();
    let med: Medication = c.resolve_reference(&reference("#med1"), &rx).await.unwrap();
    assert_eq!(med.code.unwrap().text.unwrap().as_str(), Some("Aspirin"));

    let e = c
        .read_reference::<Medication>(&reference("#med1"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("contained reference"), "{e}");

    let e = c
        .resolve_reference::<Medication, _>(&reference("#nope"), &rx)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("no contained resource with id \"nope\""),
        "{e}"
    );

    let e = c
        .read_reference::<Patient>(&Reference {
            display: Some("Peter".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn decoding_errors_carry_the_fhir_path() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/bad"))
        .respond_with(fhir(
            200,
            "{\"resourceType\":\"Patient\",\n\"name\":[{\"family\": }]}",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/html"))
        .respond_with(body(200, "<html>login</html>", "text/html"))
        .mount(&server)
        .await;
    let c = client(&server);
    let e = c.read::<Patient>("bad").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decoding);
    let d = e.decode_error().unwrap();
    assert_eq!(d.path(), "Patient.name[0].family");
    assert_eq!(d.line(), 2);
    assert!(e.body_text().unwrap().contains("\"family\""));

    let e = c.read::<Patient>("html").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decoding);
    assert!(e.decode_error().is_none());
    assert!(e.to_string().contains("text/html"), "{e}");
}

#[tokio::test]
async fn timeouts_are_their_own_kind() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/slow"))
        .respond_with(fhir(200, &patient("slow")).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let c = builder(&server)
        .timeout(Duration::from_millis(150))
        .retry(fhir_client::RetryPolicy::none())
        .build()
        .unwrap();
    let e = c.read::<Patient>("slow").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    // A port that was free a moment ago: nothing listens there now.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = Client::builder(format!("http://127.0.0.1:{port}/fhir"))
        .retry(fast_retry())
        .build()
        .unwrap();
    let e = c.read::<Patient>("1").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(e.status().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_is_shared_by_many_tasks() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .respond_with(fhir(200, &patient("1")))
        .expect(20)
        .mount(&server)
        .await;
    let c = client(&server);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.read::<Patient>("1").await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
}
