//! Error kinds, OperationOutcome bodies, and non-FHIR error bodies kept as they came.

use fhir_client::{ErrorKind, RetryPolicy};
use fhir_model::r4::{IssueType, Patient};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;

async fn error_for(response: ResponseTemplate) -> fhir_client::Error {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/x"))
        .respond_with(response)
        .mount(&server)
        .await;
    builder(&server)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
        .read::<Patient>("x")
        .await
        .unwrap_err()
}

#[tokio::test]
async fn statuses_map_to_kinds() {
    for (status, kind) in [
        (404, ErrorKind::NotFound),
        (410, ErrorKind::Gone),
        (409, ErrorKind::Conflict),
        (412, ErrorKind::PreconditionFailed),
        (422, ErrorKind::Unprocessable),
        (429, ErrorKind::TooManyRequests),
        (400, ErrorKind::Status),
        (401, ErrorKind::Status),
        (403, ErrorKind::Status),
        (500, ErrorKind::Status),
        (503, ErrorKind::Status),
    ] {
        let e = error_for(ResponseTemplate::new(status)).await;
        assert_eq!(e.kind(), kind, "{status}");
        assert_eq!(e.status().unwrap().as_u16(), status);
    }
}

#[tokio::test]
async fn operation_outcome_bodies_are_parsed() {
    let e = error_for(
        body(
            422,
            &outcome("processing", "Patient.birthDate: invalid date"),
            "application/json",
        )
        .insert_header("x-request-id", "r-1"),
    )
    .await;
    assert_eq!(e.kind(), ErrorKind::Unprocessable);
    let oo = e.operation_outcome().unwrap();
    assert_eq!(oo.issue[0].code.known(), Some(IssueType::Processing));
    assert_eq!(e.headers().unwrap()["x-request-id"], "r-1");
    assert!(
        e.body_text()
            .unwrap()
            .starts_with("{\"resourceType\":\"OperationOutcome\"")
    );
    assert!(
        e.to_string()
            .ends_with("422 Unprocessable Entity (unprocessable): error (processing): Patient.birthDate: invalid date"),
        "{e}"
    );
}

#[tokio::test]
async fn problem_json_is_kept_as_it_is() {
    let problem = r#"{"type":"about:blank","title":"Not Found","status":404}"#;
    let e = error_for(body(404, problem, "application/problem+json")).await;
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.operation_outcome().is_none());
    assert_eq!(e.body_text(), Some(problem));
    assert_eq!(e.content_type(), Some("application/problem+json"));
}

#[tokio::test]
async fn html_from_a_gateway_is_kept_as_it_is() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let e = error_for(body(502, html, "text/html")).await;
    assert_eq!(e.kind(), ErrorKind::Status);
    assert!(e.operation_outcome().is_none());
    assert_eq!(e.body_text(), Some(html));
    assert!(e.to_string().contains("text/html"), "{e}");
}

#[tokio::test]
async fn empty_error_bodies_are_fine() {
    let e = error_for(ResponseTemplate::new(500)).await;
    assert_eq!(e.kind(), ErrorKind::Status);
    assert_eq!(e.body(), Some(&b""[..]));
    assert!(e.operation_outcome().is_none());
}

#[tokio::test]
async fn malformed_operation_outcome_is_kept_raw_not_a_second_error() {
    let broken = r#"{"resourceType":"OperationOutcome","issue":[{"severity":"#;
    let e = error_for(body(400, broken, "application/fhir+json")).await;
    assert_eq!(e.kind(), ErrorKind::Status);
    assert!(e.operation_outcome().is_none());
    assert_eq!(e.body_text(), Some(broken));
}
