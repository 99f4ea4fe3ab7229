//! SMART scenarios against a real authorization server: oidc-provider on loopback with a FHIR
//! proxy that checks bearer tokens by introspection, in front of the interop FHIR server.
//! `cargo xtask interop` starts both and runs this target with `FHIR_OAUTH_DIR` (the provider's
//! keys and addresses) and `FHIR_INTEROP_BASE` (the FHIR server behind the proxy).

mod browser;

use std::path::PathBuf;

use fhir_client::smart::{AppLaunch, BackendServices, ClientAuth, SigningKey, SmartErrorKind};
use fhir_client::{Client, ErrorKind};
use fhir_model::json::JsonValue;
use fhir_model::r4::{HumanName, Patient};
use url::Url;

/// What the provider wrote at start.
struct Provider {
    dir: PathBuf,
    fhir_base: String,
}

fn provider() -> Provider {
    let dir = PathBuf::from(
        std::env::var_os("FHIR_OAUTH_DIR")
            .expect("FHIR_OAUTH_DIR is not set: run the suite with `cargo xtask interop`"),
    );
    let text = std::fs::read_to_string(dir.join("server.json")).expect("server.json");
    let doc = JsonValue::parse(&text).unwrap();
    let fhir_base = doc
        .get("fhir_base")
        .and_then(|v| v.as_str())
        .unwrap()
        .to_owned();
    Provider { dir, fhir_base }
}

/// A Patient created on the FHIR server behind the proxy (directly, without a token).
async fn patient_id() -> String {
    let upstream = std::env::var("FHIR_INTEROP_BASE").expect("FHIR_INTEROP_BASE");
    let client = Client::new(upstream).unwrap();
    let mut patient = Patient::default();
    patient.name.push(HumanName {
        family: Some("Smart".into()),
        ..Default::default()
    });
    let outcome = client.create(&patient).await.unwrap();
    outcome.id.expect("the server named the new Patient")
}

async fn checked(p: &Provider) -> u64 {
    let url = p.fhir_base.replace("/fhir", "/proxy/checked");
    let http = fhir_client::http_client_builder().build().unwrap();
    let text = http.get(url).send().await.unwrap().text().await.unwrap();
    match JsonValue::parse(&text).unwrap().get("checked") {
        Some(JsonValue::Number(n)) => n.parse().unwrap(),
        _ => panic!("{text}"),
    }
}

#[tokio::test]
async fn without_a_token_the_proxy_refuses() {
    let p = provider();
    let e = Client::new(&p.fhir_base)
        .unwrap()
        .read::<Patient>("anything")
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401), "{e}");
    let e = Client::builder(&p.fhir_base)
        .bearer_token("not-a-token")
        .build()
        .unwrap()
        .read::<Patient>("anything")
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401), "{e}");
}

async fn backend_read(key: SigningKey) {
    let p = provider();
    let id = patient_id().await;
    let tokens = BackendServices::discover(
        &p.fhir_base,
        "backend-service",
        ClientAuth::private_key_jwt(key),
    )
    .await
    .unwrap()
    .scope("system/Patient.rs");
    let granted = tokens.token_response(false).await.unwrap();
    assert_eq!(granted.scope(), Some("system/Patient.rs"));
    let before = checked(&p).await;
    let client = Client::builder(&p.fhir_base)
        .token_provider(tokens)
        .build()
        .unwrap();
    let patient: Patient = client.read(&id).await.unwrap();
    assert_eq!(
        patient.id.as_ref().and_then(|i| i.as_str()),
        Some(id.as_str())
    );
    assert!(checked(&p).await > before, "the proxy checked the token");
}

#[tokio::test]
async fn backend_services_rs384_from_pem_reads_a_patient() {
    let key = SigningKey::from_file(provider().dir.join("rsa-private.pem"))
        .unwrap()
        .with_kid("rsa-1");
    backend_read(key).await;
}

#[tokio::test]
async fn backend_services_es384_from_jwk_reads_a_patient() {
    let key = SigningKey::from_file(provider().dir.join("ec-private.jwk")).unwrap();
    assert_eq!(key.kid(), Some("ec-1"));
    backend_read(key).await;
}

#[tokio::test]
async fn an_unregistered_key_is_refused_by_the_server() {
    let p = provider();
    // A key of the right kind that the server does not know.
    let pem = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
        ])
        .output()
        .expect("openssl");
    let key = SigningKey::from_pem(std::str::from_utf8(&pem.stdout).unwrap())
        .unwrap()
        .with_kid("ec-1");
    let tokens = BackendServices::discover(
        &p.fhir_base,
        "backend-service",
        ClientAuth::private_key_jwt(key),
    )
    .await
    .unwrap()
    .scope("system/Patient.rs");
    let e = tokens.token_response(false).await.unwrap_err();
    assert_eq!(e.kind(), SmartErrorKind::OAuth, "{e}");
    assert_eq!(e.oauth_error(), Some("invalid_client"), "{e}");
    assert!(e.to_string().contains("/token"), "{e}");
}

#[tokio::test]
async fn standalone_launch_of_a_public_client_reads_the_patient_in_context() {
    let p = provider();
    let id = patient_id().await;
    // The app's redirect listener: any loopback port is accepted for this native client.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let redirect = format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr().unwrap().port()
    );
    let scope = "launch/patient openid fhirUser offline_access patient/*.rs";
    let app = AppLaunch::discover(&p.fhir_base, "public-app", Url::parse(&redirect).unwrap())
        .await
        .unwrap()
        .scope(scope);
    let request = app.authorize();
    let back = browser::log_in(request.url(), &id, &redirect).await;
    assert!(back.query_pairs().any(|(k, _)| k == "code"), "{back}");

    let tokens = app.complete(&request, &back).await.unwrap();
    assert_eq!(tokens.patient(), Some(id.as_str()));
    assert_eq!(tokens.need_patient_banner(), Some(true));
    let user = tokens.fhir_user().expect("fhirUser in the id_token");
    assert!(user.ends_with(&format!("/Patient/{id}")), "{user}");
    assert!(tokens.refresh_token().is_some());
    assert!(tokens.id_token().is_some());
    // The id_token verified with the provider's JWKS (its signature, iss, aud, exp).
    let claims = app.verify_id_token(&tokens).await.unwrap();
    assert_eq!(
        claims.get("fhirUser").and_then(|v| v.as_str()),
        Some(user.as_str())
    );

    let refreshed = app.refresh(tokens.refresh_token().unwrap()).await.unwrap();
    assert_ne!(refreshed.access_token(), tokens.access_token());
    let patient_in_context = tokens.patient().unwrap().to_owned();
    let client = Client::builder(&p.fhir_base)
        .token_provider(app.session(refreshed))
        .build()
        .unwrap();
    let patient: Patient = client.read(&patient_in_context).await.unwrap();
    assert_eq!(
        patient.id.as_ref().and_then(|i| i.as_str()),
        Some(id.as_str())
    );

    // The code is single use: the same redirect again is refused, and the server revokes what
    // the code gave (RFC 6749 4.1.2), which the proxy then refuses too.
    let e = AppLaunch::discover(&p.fhir_base, "public-app", Url::parse(&redirect).unwrap())
        .await
        .unwrap()
        .complete(&request, &back)
        .await
        .unwrap_err();
    assert_eq!(e.oauth_error(), Some("invalid_grant"), "{e}");
    let e = Client::builder(&p.fhir_base)
        .bearer_token(tokens.access_token())
        .build()
        .unwrap()
        .read::<Patient>(&id)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Status, "{e}");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401), "{e}");
}

/// The `fhir` binary with its config folder in `config`.
fn fhir_command(config: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_fhir"));
    c.args(args).env("FHIR_CONFIG_DIR", config);
    for var in [
        "RUST_LOG",
        "FHIR_TOKEN",
        "FHIR_BASE_URL",
        "FHIR_SERVER",
        "FHIR_CLIENT_ID",
    ] {
        c.env_remove(var);
    }
    for var in ["FHIR_PRIVATE_KEY", "FHIR_KEY_ID", "FHIR_SCOPE"] {
        c.env_remove(var);
    }
    c
}

fn temp_config(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fhir-oauth-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn fhir_login_then_read_then_logout() {
    use std::io::{BufRead, BufReader};
    let p = provider();
    let id = patient_id().await;
    let config = temp_config("login");
    let mut login = fhir_command(
        &config,
        &[
            "--base",
            &p.fhir_base,
            "--client-id",
            "public-app",
            "login",
            "--no-browser",
            "--wait",
            "60",
        ],
    );
    login
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = login.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (address, rest) = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stderr).lines();
        loop {
            let line = lines
                .next()
                .expect("fhir login printed no address")
                .unwrap();
            if line.starts_with("http") {
                return (Url::parse(&line).unwrap(), lines);
            }
        }
    })
    .await
    .unwrap();
    let redirect = address
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .into_owned();
    let back = browser::log_in(&address, &id, &redirect).await;
    // The browser's last step: the redirect to the command's listener.
    let http = fhir_client::http_client_builder().build().unwrap();
    let page = http.get(back).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let (status, said) = tokio::task::spawn_blocking(move || {
        let said: Vec<String> = rest.map_while(Result::ok).collect();
        (child.wait().unwrap(), said.join("\n"))
    })
    .await
    .unwrap();
    assert!(status.success(), "{said}");
    assert!(
        said.contains(&format!("patient in context: {id}")),
        "{said}"
    );

    let read = fhir_command(
        &config,
        &["--base", &p.fhir_base, "read", &format!("Patient/{id}")],
    )
    .output()
    .unwrap();
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    assert!(String::from_utf8_lossy(&read.stdout).contains(&id));

    let logout = fhir_command(&config, &["--base", &p.fhir_base, "logout"])
        .output()
        .unwrap();
    assert!(logout.status.success());
    let read = fhir_command(
        &config,
        &["--base", &p.fhir_base, "read", &format!("Patient/{id}")],
    )
    .output()
    .unwrap();
    assert_eq!(
        read.status.code(),
        Some(1),
        "without the login the proxy refuses"
    );
}

#[tokio::test]
async fn fhir_backend_flags_read_a_patient() {
    let p = provider();
    let id = patient_id().await;
    let config = temp_config("backend");
    let key = p.dir.join("rsa-private.pem");
    let read = fhir_command(
        &config,
        &[
            "--base",
            &p.fhir_base,
            "--client-id",
            "backend-service",
            "--private-key",
            key.to_str().unwrap(),
            "--key-id",
            "rsa-1",
            "--scope",
            "system/Patient.rs",
            "read",
            &format!("Patient/{id}"),
        ],
    )
    .output()
    .unwrap();
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    assert!(String::from_utf8_lossy(&read.stdout).contains(&id));
}
