//! SMART App Launch against a mock authorization server: the authorization URL, PKCE, `state`,
//! the code exchange and its launch context, EHR launch, refresh on expiry and after a 401.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use base64::Engine as _;
use fhir_client::smart::{AppLaunch, ClientAuth, SigningKey, SmartConfiguration, SmartErrorKind};
use fhir_model::r4::Patient;
use url::Url;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;
use crate::smart_support::*;

const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn config(server: &MockServer) -> SmartConfiguration {
    SmartConfiguration::from_json(&format!(
        r#"{{"authorization_endpoint":"{0}/auth/authorize","token_endpoint":"{0}/auth/token",
            "code_challenge_methods_supported":["S256"]}}"#,
        server.uri()
    ))
    .unwrap()
}

fn app(server: &MockServer) -> AppLaunch {
    AppLaunch::new(
        config(server),
        &base(server),
        "app-1",
        Url::parse(REDIRECT).unwrap(),
    )
    .unwrap()
    .scope("launch/patient openid fhirUser offline_access patient/*.rs")
}

fn json(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

fn param(url: &Url, name: &str) -> String {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn id_token() -> String {
    let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.",
        b(r#"{"alg":"none"}"#),
        b(r#"{"sub":"u1","fhirUser":"https://ehr.test/fhir/Practitioner/9"}"#)
    )
}

fn full_token_body(access: &str, expires_in: u64) -> String {
    token_body(
        access,
        expires_in,
        &format!(
            r#","scope":"launch/patient openid fhirUser patient/*.rs","refresh_token":"rt-1","id_token":"{}","patient":"123","encounter":"e-7","need_patient_banner":true,"smart_style_url":"https://ehr.test/style.json""#,
            id_token()
        ),
    )
}

async fn token_endpoint(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(response)
        .mount(server)
        .await;
}

async fn token_requests(server: &MockServer) -> Vec<wiremock::Request> {
    requests(server)
        .await
        .into_iter()
        .filter(|r| r.url.path() == "/auth/token")
        .collect()
}

#[tokio::test]
async fn standalone_launch_with_pkce_and_the_context_typed() {
    let server = server().await;
    token_endpoint(&server, json(200, &full_token_body("at-1", 300))).await;
    let app = app(&server);
    let request = app.authorize();
    let url = request.url().clone();
    assert_eq!(url.path(), "/auth/authorize");
    assert_eq!(param(&url, "response_type"), "code");
    assert_eq!(param(&url, "client_id"), "app-1");
    assert_eq!(param(&url, "redirect_uri"), REDIRECT);
    assert_eq!(param(&url, "aud"), base(&server));
    assert_eq!(param(&url, "code_challenge_method"), "S256");
    assert!(param(&url, "scope").starts_with("launch/patient "));
    let state = param(&url, "state");
    assert!(state.len() >= 32, "{state}");
    assert_ne!(
        state,
        param(app.authorize().url(), "state"),
        "state is fresh each time"
    );

    let back = Url::parse(&format!("{REDIRECT}?code=the-code&state={state}")).unwrap();
    let tokens = app.complete(&request, &back).await.unwrap();

    let req = &token_requests(&server).await[0];
    assert_eq!(
        form_value(req, "grant_type").as_deref(),
        Some("authorization_code")
    );
    assert_eq!(form_value(req, "code").as_deref(), Some("the-code"));
    assert_eq!(form_value(req, "redirect_uri").as_deref(), Some(REDIRECT));
    assert_eq!(
        form_value(req, "client_id").as_deref(),
        Some("app-1"),
        "a public client names itself"
    );
    let verifier = form_value(req, "code_verifier").unwrap();
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    assert_eq!(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref()),
        param(&url, "code_challenge"),
        "the verifier sent is the one the challenge was made from"
    );

    assert_eq!(tokens.access_token(), "at-1");
    assert_eq!(tokens.patient(), Some("123"));
    assert_eq!(tokens.encounter(), Some("e-7"));
    assert_eq!(tokens.need_patient_banner(), Some(true));
    assert_eq!(
        tokens.smart_style_url(),
        Some("https://ehr.test/style.json")
    );
    assert_eq!(tokens.refresh_token(), Some("rt-1"));
    assert_eq!(
        tokens.fhir_user().as_deref(),
        Some("https://ehr.test/fhir/Practitioner/9")
    );
    assert_eq!(
        tokens.scopes_not_granted("launch/patient openid fhirUser offline_access patient/*.rs"),
        ["offline_access"]
    );
}

#[tokio::test]
async fn a_wrong_state_or_an_error_in_the_redirect_stops_before_the_token_request() {
    let server = server().await;
    token_endpoint(&server, json(200, &full_token_body("at-1", 300))).await;
    let app = app(&server);
    let request = app.authorize();
    let state = param(request.url(), "state");

    let forged = Url::parse(&format!("{REDIRECT}?code=c&state={state}x")).unwrap();
    let e = app.complete(&request, &forged).await.unwrap_err();
    assert_eq!(e.kind(), SmartErrorKind::State);
    assert!(!e.to_string().contains(&state), "{e}");

    let missing = Url::parse(&format!("{REDIRECT}?code=c")).unwrap();
    assert_eq!(
        app.complete(&request, &missing).await.unwrap_err().kind(),
        SmartErrorKind::State
    );

    let denied = Url::parse(&format!(
        "{REDIRECT}?error=access_denied&error_description=the+user+said+no&state={state}"
    ))
    .unwrap();
    let e = app.complete(&request, &denied).await.unwrap_err();
    assert_eq!(e.kind(), SmartErrorKind::OAuth);
    assert_eq!(e.oauth_error(), Some("access_denied"));
    assert_eq!(e.oauth_description(), Some("the user said no"));

    assert!(token_requests(&server).await.is_empty());
}

#[tokio::test]
async fn ehr_launch_sends_launch_and_refuses_another_iss() {
    let server = server().await;
    let app = app(&server);
    let r = app
        .authorize_ehr_launch(&base(&server), "launch-42")
        .unwrap();
    assert_eq!(param(r.url(), "launch"), "launch-42");
    assert_eq!(param(r.url(), "aud"), base(&server));
    let e = app
        .authorize_ehr_launch("https://evil.test/fhir", "launch-42")
        .unwrap_err();
    assert_eq!(e.kind(), SmartErrorKind::CrossOrigin);
}

#[tokio::test]
async fn a_confidential_client_signs_the_code_exchange() {
    let server = server().await;
    token_endpoint(&server, json(200, &full_token_body("at-c", 300))).await;
    let key = SigningKey::from_pem(rsa_pem()).unwrap().with_kid("k");
    let app = app(&server).client_auth(ClientAuth::private_key_jwt(key));
    let request = app.authorize();
    let back = Url::parse(&format!(
        "{REDIRECT}?code=c2&state={}",
        param(request.url(), "state")
    ))
    .unwrap();
    app.complete(&request, &back).await.unwrap();
    let req = &token_requests(&server).await[0];
    let jwt = decode_jwt(&form_value(req, "client_assertion").unwrap());
    assert!(jwt.verified);
    assert_eq!(str_of(&jwt.claims, "iss"), Some("app-1"));
    assert!(form_value(req, "client_id").is_none());
}

#[tokio::test]
async fn the_session_refreshes_when_the_token_expires_and_after_a_401() {
    let server = server().await;
    // The code exchange gives a token of one second; refreshes give long ones, numbered.
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(json(200, &full_token_body("at-first", 1)))
        .mount(&server)
        .await;
    let n = Arc::new(AtomicU32::new(0));
    let counter = n.clone();
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=rt-1"))
        .respond_with(move |_: &wiremock::Request| {
            let i = counter.fetch_add(1, Ordering::SeqCst) + 1;
            json(200, &token_body(&format!("at-r{i}"), 3600, ""))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer at-r1"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    for t in ["at-first", "at-r2"] {
        Mock::given(method("GET"))
            .and(path("/fhir/Patient/123"))
            .and(header("authorization", format!("Bearer {t}").as_str()))
            .respond_with(fhir(200, &patient("123")))
            .mount(&server)
            .await;
    }
    let app = app(&server);
    let request = app.authorize();
    let back = Url::parse(&format!(
        "{REDIRECT}?code=c&state={}",
        param(request.url(), "state")
    ))
    .unwrap();
    let tokens = app.complete(&request, &back).await.unwrap();
    let stored = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = stored.clone();
    let session = app
        .session(tokens)
        .on_refresh(move |t| sink.lock().unwrap().push(t.access_token().to_owned()));
    let c = builder(&server).token_provider(session).build().unwrap();
    c.read::<Patient>("123").await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    // Expired: refreshed to at-r1, which the server refuses; after the 401, at-r2 works.
    c.read::<Patient>("123").await.unwrap();
    assert_eq!(*stored.lock().unwrap(), ["at-r1", "at-r2"]);
    // The refresh answers had no refresh token: the old one was kept and used again.
    assert_eq!(n.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_expired_session_without_a_refresh_token_says_to_log_in_again() {
    let server = server().await;
    token_endpoint(&server, json(200, &token_body("at-x", 1, ""))).await;
    let app = app(&server);
    let request = app.authorize();
    let back = Url::parse(&format!(
        "{REDIRECT}?code=c&state={}",
        param(request.url(), "state")
    ))
    .unwrap();
    let tokens = app.complete(&request, &back).await.unwrap();
    let session = app.session(tokens);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let e = session.tokens(false).await.unwrap_err();
    assert!(e.to_string().contains("log in again"), "{e}");
}

#[tokio::test]
async fn the_id_token_is_verified_against_the_servers_jwks() {
    let server = server().await;
    let issuer = format!("{}/auth", server.uri());
    let claims = |aud: &str, exp: u64| {
        format!(
            r#"{{"iss":"{issuer}","aud":"{aud}","exp":{exp},"sub":"u1","fhirUser":"Practitioner/9"}}"#
        )
    };
    let good = sign_es384(&claims("app-1", now() + 300));
    let cases = [
        (good.clone(), None),
        (sign_es384(&claims("other-app", now() + 300)), Some("aud")),
        (sign_es384(&claims("app-1", now() - 10)), Some("expired")),
        (
            // The payload swapped for another: the signature no longer matches.
            format!(
                "{}.{}.{}",
                good.split('.').next().unwrap(),
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(claims("app-1", now() + 9999)),
                good.split('.').nth(2).unwrap()
            ),
            Some("verifies"),
        ),
        (id_token(), Some("alg none")),
    ];
    Mock::given(method("GET"))
        .and(path("/auth/jwks"))
        .respond_with(json(200, &ec_jwks()))
        .mount(&server)
        .await;
    let config = SmartConfiguration::from_json(&format!(
        r#"{{"issuer":"{issuer}","jwks_uri":"{issuer}/jwks","authorization_endpoint":"{issuer}/authorize","token_endpoint":"{issuer}/token"}}"#
    ))
    .unwrap();
    let app = AppLaunch::new(
        config,
        &base(&server),
        "app-1",
        Url::parse(REDIRECT).unwrap(),
    )
    .unwrap();
    for (jwt, error) in cases {
        let tokens = fhir_client::smart::TokenResponse::from_json(&format!(
            r#"{{"access_token":"a","id_token":"{jwt}"}}"#
        ))
        .unwrap();
        match (app.verify_id_token(&tokens).await, error) {
            (Ok(claims), None) => {
                assert_eq!(str_of(&claims, "fhirUser"), Some("Practitioner/9"))
            }
            (Err(e), Some(why)) => assert!(e.to_string().contains(why), "{e}"),
            (result, expected) => panic!("{result:?}, expected {expected:?}"),
        }
    }
}
