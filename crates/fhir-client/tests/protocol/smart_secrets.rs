//! No token, secret, key, code, verifier or state in any log line (tracing at TRACE), error
//! message or `Debug` of the SMART flows.

use fhir_client::smart::{AppLaunch, BackendServices, ClientAuth, SigningKey, SmartConfiguration};
use fhir_model::r4::Patient;
use url::Url;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;
use crate::smart_support::*;

fn json(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

#[tokio::test]
async fn no_secret_in_traces_errors_or_debug() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    let server = server().await;
    let token_url = Url::parse(&format!("{}/auth/token", server.uri())).unwrap();
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(json(200, &token_body("AT-BACKEND-SECRET", 300, "")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(json(
            200,
            &token_body(
                "AT-USER-SECRET",
                300,
                r#","refresh_token":"RT-USER-SECRET","id_token":"ID-TOKEN-SECRET""#,
            ),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(json(400, r#"{"error":"invalid_grant"}"#))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .respond_with(fhir(200, &patient("1")))
        .mount(&server)
        .await;

    // Backend services with a private key, then with a client secret.
    let key = SigningKey::from_pem(rsa_pem()).unwrap().with_kid("k1");
    let backend = BackendServices::new(token_url.clone(), "svc", ClientAuth::private_key_jwt(key))
        .unwrap()
        .scope("system/*.rs");
    let backend_debug = format!("{backend:?}");
    let c = builder(&server).token_provider(backend).build().unwrap();
    c.read::<Patient>("1").await.unwrap();
    let basic = BackendServices::new(
        token_url.clone(),
        "svc",
        ClientAuth::client_secret_basic("CLIENT-SECRET-XYZ"),
    )
    .unwrap();
    let basic_debug = format!("{basic:?}");
    let basic_token = basic.token_response(false).await.unwrap();

    // App launch, the code exchanged, then a refresh that fails.
    let config = SmartConfiguration::from_json(&format!(
        r#"{{"authorization_endpoint":"{0}/auth/authorize","token_endpoint":"{0}/auth/token"}}"#,
        server.uri()
    ))
    .unwrap();
    let app = AppLaunch::new(
        config,
        &base(&server),
        "app",
        Url::parse("http://127.0.0.1:9/cb").unwrap(),
    )
    .unwrap()
    .scope("openid offline_access patient/*.rs")
    .client_auth(ClientAuth::client_secret_basic("CLIENT-SECRET-XYZ"));
    let request = app.authorize();
    let state: String = request
        .url()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let back = Url::parse(&format!(
        "http://127.0.0.1:9/cb?code=AUTH-CODE-SECRET&state={state}"
    ))
    .unwrap();
    let tokens = app.complete(&request, &back).await.unwrap();
    let verifier = form_value(
        requests(&server)
            .await
            .iter()
            .find(|r| form_value(r, "grant_type").as_deref() == Some("authorization_code"))
            .unwrap(),
        "code_verifier",
    )
    .unwrap();
    let wrong_state = Url::parse("http://127.0.0.1:9/cb?code=AUTH-CODE-SECRET&state=nope").unwrap();
    let state_error = app.complete(&request, &wrong_state).await.unwrap_err();
    let refresh_error = app.refresh("RT-USER-SECRET").await.unwrap_err();
    let session = app.session(tokens.clone());

    let texts = [
        ("traces", capture.output()),
        ("backend debug", backend_debug),
        ("basic debug", basic_debug),
        ("token debug", format!("{basic_token:?} {tokens:?}")),
        ("request debug", format!("{request:?}")),
        ("session debug", format!("{session:?}")),
        ("client debug", format!("{c:?}")),
        ("state error", format!("{state_error} {state_error:?}")),
        (
            "refresh error",
            format!("{refresh_error} {refresh_error:?}"),
        ),
        (
            "key debug",
            format!("{:?}", SigningKey::from_pem(ec_pem()).unwrap()),
        ),
    ];
    let pem_line = rsa_pem().lines().nth(5).unwrap().to_owned();
    let secrets = [
        "AT-BACKEND-SECRET",
        "AT-USER-SECRET",
        "RT-USER-SECRET",
        "ID-TOKEN-SECRET",
        "CLIENT-SECRET-XYZ",
        "AUTH-CODE-SECRET",
        verifier.as_str(),
        state.as_str(),
        pem_line.as_str(),
        "eyJhbGciOi", // any JWT starting with {"alg": the client assertion
    ];
    for (what, text) in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "{what} shows {secret}: {text}");
        }
    }
    // The traces did see the flows.
    let traces = &texts[0].1;
    assert!(
        traces.contains("requesting a backend services token"),
        "{traces}"
    );
    assert!(
        traces.contains("exchanging an authorization code"),
        "{traces}"
    );
    assert!(traces.contains("SMART request"), "{traces}");
}
