//! History (instance, type, system) and operations (system, type, instance; GET and POST).

use fhir_client::HistoryParams;
use fhir_model::r4::{
    Parameters, ParametersParameter, ParametersParameterValue, Patient, Resource,
};
use wiremock::matchers::{body_string, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;

fn history_bundle() -> String {
    format!(
        r#"{{"resourceType":"Bundle","type":"history","entry":[
          {{"request":{{"method":"DELETE","url":"Patient/1"}},"response":{{"status":"204"}}}},
          {{"resource":{},"request":{{"method":"PUT","url":"Patient/1"}},"response":{{"status":"200"}}}}]}}"#,
        patient("1")
    )
}

#[tokio::test]
async fn instance_type_and_system_history() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1/_history"))
        .and(query_param("_since", "2024-01-01T00:00:00Z"))
        .and(query_param("_count", "2"))
        .respond_with(fhir(200, &history_bundle()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/_history"))
        .respond_with(fhir(200, &history_bundle()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/_history"))
        .and(query_param("_count", "5"))
        .respond_with(fhir(200, &history_bundle()))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let page = c
        .history::<Patient>(
            "1",
            HistoryParams::new().since("2024-01-01T00:00:00Z").count(2),
        )
        .await
        .unwrap();
    assert_eq!(page.matches.len(), 1);
    // The deletion has no resource: it is kept with its request and response.
    assert_eq!(page.other_entries.len(), 1);
    assert!(page.other_entries[0].request.is_some());
    let page = c
        .history_type::<Patient>(HistoryParams::new())
        .await
        .unwrap();
    assert_eq!(page.matches.len(), 1);
    let page = c
        .history_system(HistoryParams::new().count(5))
        .await
        .unwrap();
    assert!(matches!(&page.matches[..], [Resource::Patient(_)]));
}

#[tokio::test]
async fn operations_by_get_and_post() {
    let server = server().await;
    let out = r#"{"resourceType":"Parameters","parameter":[{"name":"display","valueString":"Bilirubin"}]}"#;
    Mock::given(method("GET"))
        .and(path("/fhir/CodeSystem/$lookup"))
        .and(query_param("system", "http://loinc.org"))
        .and(query_param("code", "1963-8"))
        .respond_with(fhir(200, out))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient/1/$meta-add"))
        .and(header(
            "content-type",
            "application/fhir+json; charset=utf-8",
        ))
        .and(body_string(
            r#"{"resourceType":"Parameters","parameter":[{"name":"meta","valueString":"x"}]}"#,
        ))
        .respond_with(fhir(200, out))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/fhir/$reindex"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let r = c
        .operation("$lookup")
        .on_type("CodeSystem")
        .param("system", "http://loinc.org")
        .param("code", "1963-8")
        .await
        .unwrap();
    assert!(matches!(r, Resource::Parameters(_)));
    let mut input = Parameters::default();
    let mut p = ParametersParameter::new("meta");
    p.value = Some(ParametersParameterValue::String("x".into()));
    input.parameter.push(p);
    c.operation("meta-add")
        .on_instance("Patient", "1")
        .parameters(input)
        .await
        .unwrap();
    // No body: an empty Parameters.
    match c.operation("$reindex").post().await.unwrap() {
        Resource::Parameters(p) => assert!(p.parameter.is_empty()),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn everything_is_a_page_to_follow() {
    let server = server().await;
    let first = format!(
        r#"{{"resourceType":"Bundle","type":"searchset","link":[{{"relation":"next","url":"{}/fhir?_getpages=e1"}}],"entry":[{{"resource":{}}},{{"resource":{{"resourceType":"Observation","id":"o1","status":"final","code":{{"text":"x"}}}}}}]}}"#,
        server.uri(),
        patient("1")
    );
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1/$everything"))
        .respond_with(fhir(200, &first))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir"))
        .and(query_param("_getpages", "e1"))
        .respond_with(fhir(200, r#"{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"AMB"}}}]}"#))
        .mount(&server)
        .await;
    let c = client(&server);
    let page = c.everything("1").await.unwrap();
    assert_eq!(page.matches.len(), 2);
    let all = c.pages(page).all_matches().await.unwrap();
    let types: Vec<_> = all.iter().map(|r| r.resource_type()).collect();
    assert_eq!(types, ["Patient", "Observation", "Encounter"]);
}

#[tokio::test]
async fn a_history_keeps_each_entrys_request_and_response_with_its_resource() {
    let server = server().await;
    let bundle = format!(
        r#"{{"resourceType":"Bundle","type":"history","entry":[
          {{"fullUrl":"http://h.test/Patient/1","resource":{},"request":{{"method":"PUT","url":"Patient/1"}},"response":{{"status":"200 OK","etag":"W/\"2\""}}}},
          {{"request":{{"method":"DELETE","url":"Patient/2"}},"response":{{"status":"204"}}}},
          {{"fullUrl":"http://h.test/Patient/1","resource":{},"request":{{"method":"POST","url":"Patient"}},"response":{{"status":"201 Created","location":"Patient/1/_history/1"}}}}]}}"#,
        patient("1"),
        patient("1")
    );
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/_history"))
        .respond_with(fhir(200, &bundle))
        .mount(&server)
        .await;
    let page = client(&server)
        .history_type::<Patient>(HistoryParams::new())
        .await
        .unwrap();
    assert_eq!(
        page.resource_at,
        [
            fhir_client::ResourceAt::Match(0),
            fhir_client::ResourceAt::None,
            fhir_client::ResourceAt::Match(1),
        ]
    );
    let seen: Vec<_> = page
        .matches_with_entries()
        .map(|(patient, entry)| {
            let request = entry.request.as_ref().unwrap();
            let response = entry.response.as_ref().unwrap();
            (
                patient.id.as_ref().and_then(|i| i.as_str()).unwrap(),
                request.method.value.as_ref().unwrap().as_str(),
                response.status.as_str().unwrap(),
                entry.full_url.as_ref().and_then(|u| u.as_str()).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("1", "PUT", "200 OK", "http://h.test/Patient/1"),
            ("1", "POST", "201 Created", "http://h.test/Patient/1"),
        ]
    );
    assert_eq!(
        page.entries[2]
            .response
            .as_ref()
            .unwrap()
            .location
            .as_ref()
            .and_then(|l| l.as_str()),
        Some("Patient/1/_history/1")
    );
    assert_eq!(
        page.url.as_ref().map(|u| u.path()),
        Some("/fhir/Patient/_history")
    );
}
