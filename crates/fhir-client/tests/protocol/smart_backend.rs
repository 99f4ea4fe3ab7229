//! SMART Backend Services against a mock token endpoint: the signed assertion (claims, header,
//! signature), client_secret_basic, caching until shortly before expiry, single-flight, 401 then
//! a new token, OAuth errors, HTML answers, timeouts and refused redirects.

use std::error::Error as _;
use std::time::Duration;

use fhir_client::smart::{BackendServices, ClientAuth, SigningKey, SmartError, SmartErrorKind};
use fhir_client::{Client, ErrorKind};
use fhir_model::r4::Patient;
use url::Url;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;
use crate::smart_support::*;

const SCOPE: &str = "system/Patient.rs?_tag=research system/*.read";

fn token_url(server: &MockServer) -> Url {
    Url::parse(&format!("{}/auth/token", server.uri())).unwrap()
}

async fn token_endpoint(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(response)
        .mount(server)
        .await;
}

fn json(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

async fn patient_for(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(fhir(200, &patient("1")))
        .mount(server)
        .await;
}

fn provider(server: &MockServer, key: SigningKey) -> BackendServices {
    BackendServices::new(token_url(server), "svc-1", ClientAuth::private_key_jwt(key))
        .unwrap()
        .scope(SCOPE)
}

fn client_with(server: &MockServer, p: BackendServices) -> Client {
    builder(server).token_provider(p).build().unwrap()
}

async fn token_requests(server: &MockServer) -> Vec<wiremock::Request> {
    requests(server)
        .await
        .into_iter()
        .filter(|r| r.url.path() == "/auth/token")
        .collect()
}

/// The assertion of a token request, checked against the SMART rules for `alg` and `kid`.
fn check_assertion(
    request: &wiremock::Request,
    server: &MockServer,
    alg: &str,
    kid: &str,
) -> String {
    assert_eq!(
        form_value(request, "grant_type").as_deref(),
        Some("client_credentials")
    );
    assert_eq!(form_value(request, "scope").as_deref(), Some(SCOPE));
    assert_eq!(
        form_value(request, "client_assertion_type").as_deref(),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    let jwt = decode_jwt(&form_value(request, "client_assertion").unwrap());
    assert_eq!(str_of(&jwt.header, "alg"), Some(alg));
    assert_eq!(str_of(&jwt.header, "typ"), Some("JWT"));
    assert_eq!(str_of(&jwt.header, "kid"), Some(kid));
    assert_eq!(str_of(&jwt.claims, "iss"), Some("svc-1"));
    assert_eq!(str_of(&jwt.claims, "sub"), Some("svc-1"));
    assert_eq!(str_of(&jwt.claims, "aud"), Some(token_url(server).as_str()));
    let exp = num_of(&jwt.claims, "exp").unwrap();
    let now = now();
    assert!(
        exp > now && exp <= now + 300,
        "exp {exp} is not within five minutes of {now}"
    );
    assert!(jwt.verified, "the {alg} signature does not verify");
    if alg == "ES384" {
        assert_eq!(jwt.signature_len, 96, "ES384 is the fixed r || s form");
    }
    str_of(&jwt.claims, "jti").unwrap().to_owned()
}

#[tokio::test]
async fn rs384_assertion_from_pem_is_signed_and_well_formed() {
    let server = server().await;
    token_endpoint(&server, json(200, &token_body("at-rs", 300, ""))).await;
    patient_for(&server, "at-rs").await;
    let key = SigningKey::from_pem(rsa_pem()).unwrap().with_kid("rsa-1");
    let c = client_with(&server, provider(&server, key));
    c.read::<Patient>("1").await.unwrap();
    let reqs = token_requests(&server).await;
    assert_eq!(reqs.len(), 1);
    check_assertion(&reqs[0], &server, "RS384", "rsa-1");
    assert_eq!(
        reqs[0].headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
}

#[tokio::test]
async fn es384_and_jwk_keys_sign_and_each_assertion_has_a_new_jti() {
    let server = server().await;
    token_endpoint(&server, json(200, &token_body("at-ec", 300, ""))).await;
    let ec_from_pem = SigningKey::from_pem(ec_pem()).unwrap().with_kid("ec-1");
    let ec_from_jwk = SigningKey::from_jwk(&ec_jwk("ec-jwk")).unwrap();
    let rsa_from_jwk = SigningKey::from_text(&rsa_jwk("rsa-jwk")).unwrap();
    assert_eq!(
        format!("{rsa_from_jwk:?}"),
        r#"SigningKey { alg: "RS384", kid: Some("rsa-jwk") }"#
    );
    for key in [ec_from_pem, ec_from_jwk, rsa_from_jwk] {
        provider(&server, key).token_response(false).await.unwrap();
    }
    let reqs = token_requests(&server).await;
    let jtis = [
        check_assertion(&reqs[0], &server, "ES384", "ec-1"),
        check_assertion(&reqs[1], &server, "ES384", "ec-jwk"),
        check_assertion(&reqs[2], &server, "RS384", "rsa-jwk"),
    ];
    assert!(jtis[0] != jtis[1] && jtis[1] != jtis[2] && jtis[0] != jtis[2]);
    assert!(jtis.iter().all(|j| j.len() >= 32), "{jtis:?}");
}

#[tokio::test]
async fn a_key_that_cannot_sign_is_a_key_error_naming_the_file() {
    let dir = std::env::temp_dir().join(format!("smart-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("p256.jwk");
    std::fs::write(
        &file,
        r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}"#,
    )
    .unwrap();
    let e = SigningKey::from_file(&file).unwrap_err();
    assert_eq!(e.kind(), SmartErrorKind::Key);
    assert!(
        e.to_string().contains("p256.jwk") && e.to_string().contains("P-384"),
        "{e}"
    );
    let e = SigningKey::from_file(dir.join("missing.pem")).unwrap_err();
    assert!(e.to_string().contains("missing.pem"), "{e}");
}

#[tokio::test]
async fn client_secret_basic_sends_the_secret_in_the_header_only() {
    let server = server().await;
    token_endpoint(&server, json(200, &token_body("at-basic", 300, ""))).await;
    let p = BackendServices::new(
        token_url(&server),
        "svc 1",
        ClientAuth::client_secret_basic("p@ss:word"),
    )
    .unwrap()
    .scope("system/*.rs");
    p.token_response(false).await.unwrap();
    let req = &token_requests(&server).await[0];
    // RFC 6749 2.3.1: form-encoded, then joined and base64-encoded.
    assert_eq!(
        req.headers.get("authorization").unwrap(),
        "Basic c3ZjKzE6cCU0MHNzJTNBd29yZA=="
    );
    assert!(form_value(req, "client_assertion").is_none());
    assert_eq!(form_value(req, "scope").as_deref(), Some("system/*.rs"));
}

#[tokio::test]
async fn the_token_is_cached_until_shortly_before_it_expires() {
    let server = server().await;
    token_endpoint(&server, json(200, &token_body("at-long", 3600, ""))).await;
    patient_for(&server, "at-long").await;
    let key = SigningKey::from_pem(ec_pem()).unwrap();
    let c = client_with(&server, provider(&server, key));
    for _ in 0..3 {
        c.read::<Patient>("1").await.unwrap();
    }
    assert_eq!(
        token_requests(&server).await.len(),
        1,
        "a fresh token is reused"
    );

    // A token of one second is used for half of it (the margin is at most half the lifetime),
    // then replaced before it runs out.
    let server = MockServer::start().await;
    token_endpoint(&server, json(200, &token_body("at-short", 1, ""))).await;
    patient_for(&server, "at-short").await;
    let key = SigningKey::from_pem(ec_pem()).unwrap();
    let c = client_with(&server, provider(&server, key));
    c.read::<Patient>("1").await.unwrap();
    c.read::<Patient>("1").await.unwrap();
    assert_eq!(token_requests(&server).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(700)).await;
    c.read::<Patient>("1").await.unwrap();
    assert_eq!(
        token_requests(&server).await.len(),
        2,
        "an expiring token is fetched again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_requests_share_one_token_request() {
    let server = server().await;
    token_endpoint(
        &server,
        json(200, &token_body("at-shared", 300, "")).set_delay(Duration::from_millis(200)),
    )
    .await;
    patient_for(&server, "at-shared").await;
    let key = SigningKey::from_pem(ec_pem()).unwrap();
    let c = client_with(&server, provider(&server, key));
    let reads: Vec<_> = (0..5)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.read::<Patient>("1").await })
        })
        .collect();
    for r in reads {
        r.await.unwrap().unwrap();
    }
    assert_eq!(token_requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_401_fetches_a_new_token_although_the_cached_one_has_not_expired() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(json(200, &token_body("at-old", 3600, "")))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    token_endpoint(&server, json(200, &token_body("at-new", 3600, ""))).await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer at-old"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    patient_for(&server, "at-new").await;
    let key = SigningKey::from_pem(ec_pem()).unwrap();
    let c = client_with(&server, provider(&server, key));
    let p = c.read::<Patient>("1").await.unwrap();
    assert_eq!(p.id.unwrap().as_str(), Some("1"));
    assert_eq!(token_requests(&server).await.len(), 2);
}

fn smart_error(e: &fhir_client::Error) -> &SmartError {
    assert_eq!(e.kind(), ErrorKind::Auth, "{e}");
    e.source()
        .and_then(|s| s.downcast_ref::<SmartError>())
        .unwrap_or_else(|| panic!("not a SmartError: {e:?}"))
}

#[tokio::test]
async fn an_oauth_error_body_is_a_typed_error_with_the_url() {
    let server = server().await;
    token_endpoint(
        &server,
        json(
            400,
            r#"{"error":"invalid_client","error_description":"the signature does not verify"}"#,
        ),
    )
    .await;
    let key = SigningKey::from_pem(rsa_pem()).unwrap();
    let c = client_with(&server, provider(&server, key));
    let e = c.read::<Patient>("1").await.unwrap_err();
    let s = smart_error(&e);
    assert_eq!(s.kind(), SmartErrorKind::OAuth);
    assert_eq!(s.oauth_error(), Some("invalid_client"));
    assert_eq!(s.oauth_description(), Some("the signature does not verify"));
    assert_eq!(s.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(s.url(), Some(&token_url(&server)));
    let shown = s.to_string();
    assert!(
        shown.starts_with(&format!(
            "POST {}: 400 Bad Request: OAuth error invalid_client",
            token_url(&server)
        )),
        "{shown}"
    );
    // No FHIR request went out without a token.
    assert!(
        requests(&server)
            .await
            .iter()
            .all(|r| r.url.path() == "/auth/token")
    );
}

#[tokio::test]
async fn an_html_answer_is_an_error_naming_url_and_content_type() {
    let server = server().await;
    token_endpoint(&server, body(200, "<html>log in first</html>", "text/html")).await;
    let key = SigningKey::from_pem(ec_pem()).unwrap();
    let e = provider(&server, key)
        .token_response(false)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), SmartErrorKind::Decoding);
    let shown = e.to_string();
    assert!(shown.contains(token_url(&server).as_str()), "{shown}");
    assert!(shown.contains("text/html"), "{shown}");

    let server = MockServer::start().await;
    token_endpoint(&server, body(502, "<html>bad gateway</html>", "text/html")).await;
    let key = SigningKey::from_pem(ec_pem()).unwrap();
    let e = provider(&server, key)
        .token_response(false)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), SmartErrorKind::Status);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(502));
}

#[tokio::test]
async fn a_token_endpoint_that_hangs_times_out_with_the_url() {
    let server = server().await;
    token_endpoint(
        &server,
        json(200, &token_body("late", 300, "")).set_delay(Duration::from_secs(5)),
    )
    .await;
    let key = SigningKey::from_pem(ec_pem()).unwrap();
    let p = provider(&server, key).timeout(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let e = p.token_response(false).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(e.kind(), SmartErrorKind::Timeout);
    assert!(e.to_string().contains(token_url(&server).as_str()), "{e}");
}

#[tokio::test]
async fn a_redirect_from_the_token_endpoint_is_not_followed() {
    let server = server().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json(200, &token_body("stolen", 300, "")))
        .mount(&elsewhere)
        .await;
    token_endpoint(
        &server,
        ResponseTemplate::new(307).insert_header("location", format!("{}/token", elsewhere.uri())),
    )
    .await;
    let key = SigningKey::from_pem(ec_pem()).unwrap();
    let e = provider(&server, key)
        .token_response(false)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), SmartErrorKind::CrossOrigin);
    assert!(e.to_string().contains(&elsewhere.uri()), "{e}");
    assert!(
        requests(&elsewhere).await.is_empty(),
        "the assertion went to another origin"
    );

    let plain = Url::parse("http://auth.example.org/token").unwrap();
    let key = SigningKey::from_pem(ec_pem()).unwrap();
    let e = BackendServices::new(plain, "svc", ClientAuth::private_key_jwt(key)).unwrap_err();
    assert_eq!(e.kind(), SmartErrorKind::CrossOrigin);
}

#[tokio::test]
async fn discovered_backend_services_reads_a_patient() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/.well-known/smart-configuration"))
        .respond_with(json(
            200,
            &format!(
                r#"{{"token_endpoint":"{}","grant_types_supported":["client_credentials"]}}"#,
                token_url(&server)
            ),
        ))
        .mount(&server)
        .await;
    token_endpoint(&server, json(200, &token_body("at-disc", 300, ""))).await;
    patient_for(&server, "at-disc").await;
    let key = SigningKey::from_pem(rsa_pem()).unwrap();
    let p = BackendServices::discover(&base(&server), "svc-1", ClientAuth::private_key_jwt(key))
        .await
        .unwrap()
        .scope(SCOPE);
    assert_eq!(p.token_endpoint(), &token_url(&server));
    client_with(&server, p).read::<Patient>("1").await.unwrap();
}
