//! create, update, delete, patch: conditional forms, version-aware update, Prefer, and the
//! outcome from every shape of Location, ETag and body.

use fhir_client::{ErrorKind, FhirPathPatch, JsonPatch, Return, SearchParams};
use fhir_model::json::JsonValue;
use fhir_model::r4::{ParametersParameterValue, Patient};
use fhir_model::{FhirJson, ParseOptions};
use wiremock::matchers::{body_string, header, header_exists, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;

fn new_patient() -> Patient {
    let mut p = Patient::from_json_str(&patient("ignored"), ParseOptions::lenient()).unwrap();
    p.meta = None;
    p.id = None;
    p
}

#[tokio::test]
async fn create_with_absolute_unversioned_location_and_weak_etag() {
    let server = server().await;
    let location = format!("{}/fhir/Patient/123", server.uri());
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .and(header(
            "content-type",
            "application/fhir+json; charset=utf-8",
        ))
        .and(header("accept", "application/fhir+json"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("location", location.as_str())
                .insert_header("etag", "W/\"1\"")
                .insert_header("last-modified", "Wed, 21 Oct 2015 07:28:00 GMT"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let o = client(&server).create(&new_patient()).await.unwrap();
    assert!(o.created);
    assert_eq!(o.status, 201);
    assert_eq!(o.id.as_deref(), Some("123"));
    assert_eq!(o.version.as_deref(), Some("1"));
    assert_eq!(o.location.unwrap().as_str(), location);
    assert_eq!(o.etag.as_deref(), Some("W/\"1\""));
    assert_eq!(
        o.last_modified.as_deref(),
        Some("Wed, 21 Oct 2015 07:28:00 GMT")
    );
    assert!(o.resource.is_none() && o.operation_outcome.is_none());
    // The id is not sent with a create.
    let sent = String::from_utf8(requests(&server).await[0].body.clone()).unwrap();
    assert!(!sent.contains("\"id\""), "{sent}");
}

#[tokio::test]
async fn create_with_relative_versioned_location_and_strong_etag() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("location", "Patient/77/_history/3")
                .insert_header("etag", "\"3\""),
        )
        .mount(&server)
        .await;
    let o = client(&server).create(&new_patient()).await.unwrap();
    assert_eq!(o.id.as_deref(), Some("77"));
    assert_eq!(o.version.as_deref(), Some("3"));
    assert_eq!(
        o.location.unwrap().as_str(),
        format!("{}/fhir/Patient/77/_history/3", server.uri())
    );
}

#[tokio::test]
async fn create_without_location_takes_id_and_version_from_the_body() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .respond_with(fhir(201, &patient("from-body")))
        .mount(&server)
        .await;
    let o = client(&server)
        .create(&new_patient())
        .prefer(Return::Representation)
        .await
        .unwrap();
    assert_eq!(o.id.as_deref(), Some("from-body"));
    assert_eq!(o.version.as_deref(), Some("1"));
    assert!(o.location.is_none());
    assert_eq!(o.resource.unwrap().id.unwrap().as_str(), Some("from-body"));
    assert_eq!(
        requests(&server).await[0].headers["prefer"],
        "return=representation"
    );
}

#[tokio::test]
async fn create_with_return_minimal_and_return_operation_outcome() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .and(header("prefer", "return=minimal"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("location", "Patient/1/_history/1")
                .insert_header("etag", "W/\"1\""),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .and(header("prefer", "return=OperationOutcome"))
        .respond_with(
            body(
                201,
                &outcome("informational", "created"),
                "application/json",
            )
            .insert_header("location", "Patient/2/_history/1"),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    let o = c
        .create(&new_patient())
        .prefer(Return::Minimal)
        .await
        .unwrap();
    assert_eq!(
        (o.id.as_deref(), o.version.as_deref()),
        (Some("1"), Some("1"))
    );
    assert!(o.resource.is_none());
    let o = c
        .create(&new_patient())
        .prefer(Return::OperationOutcome)
        .await
        .unwrap();
    assert_eq!(o.id.as_deref(), Some("2"));
    assert!(o.resource.is_none());
    assert_eq!(o.operation_outcome.unwrap().issue.len(), 1);
}

#[tokio::test]
async fn conditional_create_sends_if_none_exist_and_is_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .and(header("if-none-exist", "identifier=http://mrn.example|42"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .and(header("if-none-exist", "identifier=http://mrn.example|42"))
        .respond_with(ResponseTemplate::new(200).insert_header("location", "Patient/existing"))
        .expect(1)
        .mount(&server)
        .await;
    let o = client(&server)
        .create(&new_patient())
        .if_none_exist(SearchParams::new().token("identifier", Some("http://mrn.example"), "42"))
        .await
        .unwrap();
    // 200: a match existed, nothing was created.
    assert!(!o.created);
    assert_eq!(o.id.as_deref(), Some("existing"));
}

#[tokio::test]
async fn version_aware_update_echoes_the_weak_etag_and_fails_when_stale() {
    let server = server().await;
    Mock::given(method("PUT"))
        .and(path("/fhir/Patient/123"))
        .and(header("if-match", "W/\"1\""))
        .respond_with(fhir(200, &patient("123")).insert_header("etag", "W/\"2\""))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/fhir/Patient/123"))
        .and(header("if-match", "W/\"0\""))
        .respond_with(fhir(412, &outcome("conflict", "Version 0 is not current")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let p = Patient::from_json_str(&patient("123"), ParseOptions::lenient()).unwrap();
    let o = c.update(&p).version_aware().await.unwrap();
    assert!(!o.created);
    assert_eq!(o.version.as_deref(), Some("2"));
    assert_eq!(o.id.as_deref(), Some("123"));
    let o = c.update(&p).if_match("W/\"1\"").await.unwrap();
    assert_eq!(o.status, 200);
    let e = c.update(&p).if_match("0").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PreconditionFailed);
}

#[tokio::test]
async fn update_needs_an_id_and_conditional_update_uses_criteria() {
    let server = server().await;
    Mock::given(method("PUT"))
        .and(path("/fhir/Patient"))
        .and(query_param("identifier", "http://mrn.example|42"))
        .respond_with(
            ResponseTemplate::new(201).insert_header("location", "Patient/new/_history/1"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let e = c.update(&new_patient()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let o = c
        .update(&new_patient())
        .conditional(SearchParams::new().token("identifier", Some("http://mrn.example"), "42"))
        .await
        .unwrap();
    assert!(o.created);
    assert_eq!(o.id.as_deref(), Some("new"));
}

#[tokio::test]
async fn delete_answers_200_204_404_and_410_are_outcomes() {
    let server = server().await;
    for (id, response) in [
        ("a", fhir(200, &outcome("informational", "deleted"))),
        (
            "b",
            ResponseTemplate::new(204).insert_header("etag", "W/\"4\""),
        ),
        ("c", fhir(404, &outcome("not-found", "unknown"))),
        ("d", fhir(410, &outcome("deleted", "already deleted"))),
    ] {
        Mock::given(method("DELETE"))
            .and(path(format!("/fhir/Patient/{id}")))
            .respond_with(response)
            .mount(&server)
            .await;
    }
    let c = client(&server);
    let a = c.delete::<Patient>("a").await.unwrap();
    assert_eq!(a.status, 200);
    assert!(a.operation_outcome.is_some() && !a.already_absent());
    let b = c.delete::<Patient>("b").await.unwrap();
    assert_eq!((b.status, b.version.as_deref()), (204, Some("4")));
    let cc = c.delete::<Patient>("c").await.unwrap();
    assert!(cc.already_absent() && cc.status == 404);
    let d = c.delete::<Patient>("d").await.unwrap();
    assert!(d.already_absent() && d.status == 410);
    assert!(d.operation_outcome.is_some());
}

#[tokio::test]
async fn conditional_delete_uses_criteria() {
    let server = server().await;
    Mock::given(method("DELETE"))
        .and(path("/fhir/Patient"))
        .and(query_param("identifier", "http://mrn.example|42"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    c.delete_where::<Patient>(SearchParams::new().token(
        "identifier",
        Some("http://mrn.example"),
        "42",
    ))
    .await
    .unwrap();
    let e = c
        .delete_where::<Patient>(SearchParams::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn json_patch_is_sent_as_json_patch() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .and(path("/fhir/Patient/123"))
        .and(header("content-type", "application/json-patch+json"))
        .and(header("if-match", "W/\"2\""))
        .and(body_string(
            r#"[{"op":"replace","path":"/active","value":false}]"#,
        ))
        .respond_with(fhir(200, &patient("123")).insert_header("etag", "W/\"3\""))
        .expect(1)
        .mount(&server)
        .await;
    let o = client(&server)
        .patch::<Patient>(
            "123",
            JsonPatch::new().replace("/active", JsonValue::Bool(false)),
        )
        .if_match("2")
        .await
        .unwrap();
    assert_eq!(o.version.as_deref(), Some("3"));
    assert!(o.resource.is_some());
}

#[tokio::test]
async fn fhirpath_patch_is_sent_as_parameters() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .and(path("/fhir/Patient/123"))
        .and(header(
            "content-type",
            "application/fhir+json; charset=utf-8",
        ))
        .and(header_exists("accept"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let patch = FhirPathPatch::new().replace(
        "Patient.active",
        ParametersParameterValue::Boolean(false.into()),
    );
    let o = client(&server)
        .patch::<Patient>("123", patch)
        .prefer(Return::Minimal)
        .await
        .unwrap();
    assert_eq!(o.id.as_deref(), Some("123"));
    let sent = String::from_utf8(requests(&server).await[0].body.clone()).unwrap();
    assert_eq!(
        sent,
        r#"{"resourceType":"Parameters","parameter":[{"name":"operation","part":[{"name":"type","valueCode":"replace"},{"name":"path","valueString":"Patient.active"},{"name":"value","valueBoolean":false}]}]}"#
    );
}

#[tokio::test]
async fn patch_is_never_retried() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server)
        .patch::<Patient>("1", JsonPatch::new().remove("/active"))
        .await
        .unwrap_err();
    assert_eq!(e.status().unwrap().as_u16(), 503);
}
