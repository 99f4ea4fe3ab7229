//! SMART discovery: the well-known document typed, the CapabilityStatement fallback, and errors
//! that name what was tried.

use fhir_client::smart::{ConfigSource, SmartErrorKind, discover};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

async fn well_known(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/fhir/.well-known/smart-configuration"))
        .respond_with(response)
        .mount(server)
        .await;
}

async fn metadata(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/fhir/metadata"))
        .respond_with(response)
        .mount(server)
        .await;
}

#[tokio::test]
async fn the_well_known_document_is_read_typed() {
    let server = server().await;
    well_known(
        &server,
        body(
            200,
            r#"{
              "issuer": "https://auth.example.org",
              "jwks_uri": "https://auth.example.org/jwks",
              "authorization_endpoint": "https://auth.example.org/authorize",
              "token_endpoint": "https://auth.example.org/token",
              "introspection_endpoint": "https://auth.example.org/introspect",
              "grant_types_supported": ["authorization_code", "client_credentials"],
              "code_challenge_methods_supported": ["S256"],
              "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"],
              "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
              "scopes_supported": ["openid", "fhirUser", "launch/patient", "system/*.rs"],
              "response_types_supported": ["code"],
              "capabilities": ["launch-standalone", "launch-ehr", "client-confidential-asymmetric", "permission-v2"],
              "unknown_member": {"kept": "out"}
            }"#,
            "application/json",
        ),
    )
    .await;
    let c = discover(&base(&server)).await.unwrap();
    assert_eq!(c.source, ConfigSource::WellKnown);
    assert_eq!(c.token_endpoint.as_str(), "https://auth.example.org/token");
    assert_eq!(
        c.authorization_endpoint.as_ref().map(|u| u.as_str()),
        Some("https://auth.example.org/authorize")
    );
    assert_eq!(c.jwks_uri.as_ref().map(|u| u.path()), Some("/jwks"));
    assert!(c.supports_grant("client_credentials") && c.supports_s256());
    assert_eq!(
        c.token_endpoint_auth_methods_supported,
        ["private_key_jwt", "client_secret_basic"]
    );
    assert_eq!(
        c.token_endpoint_auth_signing_alg_values_supported,
        ["RS384", "ES384"]
    );
    assert_eq!(c.scopes_supported.len(), 4);
    assert!(c.has_capability("permission-v2"));
    assert!(
        requests(&server)
            .await
            .iter()
            .all(|r| r.url.path() != "/fhir/metadata")
    );
}

const CAPABILITY_STATEMENT: &str = r#"{
  "resourceType": "CapabilityStatement", "status": "active", "kind": "instance", "fhirVersion": "4.0.1",
  "format": ["json"],
  "rest": [{"mode": "server", "security": {
    "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR"}]}],
    "extension": [{"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris", "extension": [
      {"url": "authorize", "valueUri": "https://auth.example.org/authorize"},
      {"url": "token", "valueUri": "https://auth.example.org/token"},
      {"url": "revoke", "valueUri": "https://auth.example.org/revoke"}
    ]}]
  }}]
}"#;

#[tokio::test]
async fn without_the_well_known_document_the_capability_statement_is_read() {
    for answer in [
        ResponseTemplate::new(404),
        body(200, "<html>not here</html>", "text/html"),
    ] {
        let server = server().await;
        well_known(&server, answer).await;
        metadata(&server, fhir(200, CAPABILITY_STATEMENT)).await;
        let c = discover(&base(&server)).await.unwrap();
        assert_eq!(c.source, ConfigSource::CapabilityStatement);
        assert_eq!(c.token_endpoint.as_str(), "https://auth.example.org/token");
        assert_eq!(
            c.authorization_endpoint.as_ref().map(|u| u.as_str()),
            Some("https://auth.example.org/authorize")
        );
        assert_eq!(
            c.revocation_endpoint.as_ref().map(|u| u.as_str()),
            Some("https://auth.example.org/revoke")
        );
        assert!(c.grant_types_supported.is_empty());
    }
}

#[tokio::test]
async fn a_server_without_either_is_a_discovery_error_naming_both() {
    let server = server().await;
    well_known(&server, ResponseTemplate::new(404)).await;
    metadata(
        &server,
        fhir(
            200,
            r#"{"resourceType":"CapabilityStatement","rest":[{"mode":"server"}]}"#,
        ),
    )
    .await;
    let e = discover(&base(&server)).await.unwrap_err();
    assert_eq!(e.kind(), SmartErrorKind::Discovery);
    let shown = e.to_string();
    assert!(
        shown.contains("smart-configuration answered 404"),
        "{shown}"
    );
    assert!(shown.contains("names no OAuth token endpoint"), "{shown}");
    assert!(shown.contains("/fhir/metadata"), "{shown}");
}

#[tokio::test]
async fn a_member_of_the_wrong_type_is_named() {
    let server = server().await;
    well_known(
        &server,
        body(
            200,
            r#"{"token_endpoint":"https://a.test/t","grant_types_supported":"client_credentials"}"#,
            "application/json",
        ),
    )
    .await;
    metadata(&server, ResponseTemplate::new(404)).await;
    let e = discover(&base(&server)).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("grant_types_supported is a string, not an array"),
        "{e}"
    );
}
