//! Snapshots of the exact requests the main operations send (method, path and query, the headers
//! that matter, body) and of the typed values they answer with. The mock server's address is
//! redacted as `[mock]`.

mod common;

use common::*;
use fhir_client::{
    BundleBuilder, Client, FhirPathPatch, FormatParam, HistoryParams, JsonPatch, Prefix, Return,
    SearchParams,
};
use fhir_model::json::JsonValue;
use fhir_model::r4::{Parameters, ParametersParameter, ParametersParameterValue, Patient};
use fhir_model::{FhirJson, ParseOptions};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every request the server received, described, one after the other.
async fn sent(server: &MockServer) -> String {
    requests(server)
        .await
        .iter()
        .map(|r| describe(r, server))
        .collect::<Vec<_>>()
        .join("---\n")
}

fn authed(server: &MockServer) -> Client {
    builder(server)
        .bearer_token("test-token")
        .default_header("x-tenant", "north")
        .build()
        .unwrap()
}

#[tokio::test]
async fn guide_metadata_and_read() {
    let server = server().await;
    let metadata = r#"{"resourceType":"CapabilityStatement","status":"active","date":"2024-01-01","kind":"instance","fhirVersion":"4.0.1","format":["json"]}"#;
    Mock::given(method("GET"))
        .and(path("/fhir/metadata"))
        .respond_with(fhir(200, metadata))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/123"))
        .respond_with(fhir(200, &patient("123")).insert_header("etag", "W/\"1\""))
        .mount(&server)
        .await;
    // As in the guide: `?_format=json` only because it is asked for.
    let c = builder(&server)
        .format_param(FormatParam::Json)
        .build()
        .unwrap();
    let cs = c.capabilities().await.unwrap();
    let p: Patient = c.read("123").await.unwrap();
    insta::assert_snapshot!("guide_requests", sent(&server).await);
    insta::assert_debug_snapshot!("guide_capability_statement", cs);
    insta::assert_debug_snapshot!("guide_patient", p);
}

#[tokio::test]
async fn search_get_and_page() {
    let server = server().await;
    let bundle = format!(
        r#"{{"resourceType":"Bundle","type":"searchset","total":1,"link":[{{"relation":"self","url":"{0}/fhir/Patient?family=Chalmers"}},{{"relation":"next","url":"{0}/fhir?_getpages=abc&_getpagesoffset=1"}}],"entry":[{{"fullUrl":"{0}/fhir/Patient/123","resource":{1},"search":{{"mode":"match"}}}},{{"resource":{{"resourceType":"Organization","id":"org1","name":"Acme"}},"search":{{"mode":"include"}}}}]}}"#,
        server.uri(),
        patient("123")
    );
    Mock::given(method("GET"))
        .and(path("/fhir/Patient"))
        .respond_with(body(200, &bundle, "application/json"))
        .mount(&server)
        .await;
    let page = authed(&server)
        .search::<Patient>(
            SearchParams::new()
                .string("family", "Chalmers")
                .token("identifier", Some("http://mrn.example"), "42")
                .date("birthdate", Prefix::Le, "2000-01-01")
                .include("Patient:organization")
                .count(1),
        )
        .await
        .unwrap();
    insta::assert_snapshot!("search_get_request", sent(&server).await);
    insta::assert_snapshot!("search_page", redact(&format!("{page:#?}"), &server));
}

#[tokio::test]
async fn search_post() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Observation/_search"))
        .respond_with(fhir(200, r#"{"resourceType":"Bundle","type":"searchset"}"#))
        .mount(&server)
        .await;
    authed(&server)
        .search::<fhir_model::r4::Observation>(
            SearchParams::new()
                .reference("subject", "Patient/123")
                .token("code", Some("http://loinc.org"), "8867-4")
                .via_post(),
        )
        .await
        .unwrap();
    insta::assert_snapshot!("search_post_request", sent(&server).await);
}

#[tokio::test]
async fn create_conditional_and_minimal() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header(
                    "location",
                    format!("{}/fhir/Patient/123", server.uri()).as_str(),
                )
                .insert_header("etag", "W/\"1\"")
                .insert_header("last-modified", "Wed, 21 Oct 2015 07:28:00 GMT"),
        )
        .mount(&server)
        .await;
    let mut p =
        Patient::from_json_str(&patient("client-side-id"), ParseOptions::lenient()).unwrap();
    p.meta = None;
    let outcome = authed(&server)
        .create(&p)
        .if_none_exist(SearchParams::new().token("identifier", Some("http://mrn.example"), "42"))
        .prefer(Return::Minimal)
        .await
        .unwrap();
    insta::assert_snapshot!("create_request", sent(&server).await);
    insta::assert_snapshot!("create_outcome", redact(&format!("{outcome:#?}"), &server));
}

#[tokio::test]
async fn update_version_aware_with_representation() {
    let server = server().await;
    Mock::given(method("PUT"))
        .and(path("/fhir/Patient/123"))
        .respond_with(
            fhir(
                200,
                &patient("123").replace("\"versionId\":\"1\"", "\"versionId\":\"2\""),
            )
            .insert_header("etag", "W/\"2\""),
        )
        .mount(&server)
        .await;
    let p = Patient::from_json_str(&patient("123"), ParseOptions::lenient()).unwrap();
    let outcome = authed(&server)
        .update(&p)
        .version_aware()
        .prefer(Return::Representation)
        .await
        .unwrap();
    insta::assert_snapshot!("update_request", sent(&server).await);
    insta::assert_snapshot!("update_outcome", redact(&format!("{outcome:#?}"), &server));
}

#[tokio::test]
async fn patches_and_delete() {
    let server = server().await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200).insert_header("etag", "W/\"3\""))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let c = authed(&server);
    c.patch::<Patient>(
        "123",
        JsonPatch::new()
            .test("/meta/versionId", JsonValue::String("2".into()))
            .replace("/active", JsonValue::Bool(false)),
    )
    .if_match("W/\"2\"")
    .await
    .unwrap();
    c.patch::<Patient>(
        "123",
        FhirPathPatch::new().replace(
            "Patient.birthDate",
            ParametersParameterValue::Date(
                "1974-12-25"
                    .parse::<fhir_model::value::Date>()
                    .unwrap()
                    .into(),
            ),
        ),
    )
    .await
    .unwrap();
    let deleted = c.delete::<Patient>("123").await.unwrap();
    c.delete_where::<Patient>(SearchParams::new().token(
        "identifier",
        Some("http://mrn.example"),
        "42",
    ))
    .await
    .unwrap();
    insta::assert_snapshot!("patch_and_delete_requests", sent(&server).await);
    insta::assert_debug_snapshot!("delete_outcome", deleted);
}

#[tokio::test]
async fn transaction() {
    let server = server().await;
    let answer = r#"{"resourceType":"Bundle","type":"transaction-response","entry":[
      {"response":{"status":"201 Created","location":"Patient/p9/_history/1","etag":"W/\"1\"","lastModified":"2024-03-01T10:00:00.000+00:00"}},
      {"response":{"status":"204 No Content"}}]}"#;
    Mock::given(method("POST"))
        .and(path("/fhir"))
        .respond_with(body(200, answer, "application/json"))
        .mount(&server)
        .await;
    let p = Patient {
        active: Some(true.into()),
        ..Default::default()
    };
    let response = authed(&server)
        .transaction(
            BundleBuilder::transaction()
                .create_with_full_url("urn:uuid:1f9d4a0e-0000-4000-8000-000000000001", p)
                .delete("Observation", "o1")
                .build(),
        )
        .await
        .unwrap();
    insta::assert_snapshot!("transaction_request", sent(&server).await);
    insta::assert_debug_snapshot!("transaction_response", response.entries);
}

#[tokio::test]
async fn history_and_operations() {
    let server = server().await;
    Mock::given(method("GET"))
        .respond_with(fhir(200, r#"{"resourceType":"Bundle","type":"history"}"#))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(fhir(200, r#"{"resourceType":"Parameters"}"#))
        .mount(&server)
        .await;
    let c = authed(&server);
    c.history::<Patient>(
        "123",
        HistoryParams::new().since("2024-01-01T00:00:00Z").count(10),
    )
    .await
    .unwrap();
    c.operation("$validate-code")
        .on_type("ValueSet")
        .param("url", "http://hl7.org/fhir/ValueSet/administrative-gender")
        .param("code", "female")
        .await
        .unwrap();
    let mut input = Parameters::default();
    let mut p = ParametersParameter::new("resource");
    p.resource = Some(Patient::default().into());
    input.parameter.push(p);
    c.operation("$validate")
        .on_type("Patient")
        .parameters(input)
        .await
        .unwrap();
    c.everything("123").await.unwrap();
    insta::assert_snapshot!("history_and_operation_requests", sent(&server).await);
}

#[tokio::test]
async fn error_with_operation_outcome() {
    let server = server().await;
    Mock::given(method("GET"))
        .respond_with(fhir(
            410,
            &outcome("deleted", "Resource Patient/123 was deleted"),
        ))
        .mount(&server)
        .await;
    let e = authed(&server).read::<Patient>("123").await.unwrap_err();
    insta::assert_snapshot!("error_gone_display", redact(&e.to_string(), &server));
    insta::assert_snapshot!("error_gone_debug", redact(&format!("{e:#?}"), &server));
}
