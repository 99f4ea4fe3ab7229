//! The `fhir` command's SMART features against mock servers: backend flags and their environment
//! variables, named servers, `fhir auth token`, `fhir login` (the browser's part played by the
//! test), the token store (mode 0600), refresh on expiry, and `fhir logout`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fhir_model::json::JsonValue;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A fresh config folder for one test.
fn config_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fhir-cli-smart-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An RSA private key made by openssl, written to `dir/key.pem`.
fn key_file(dir: &Path) -> PathBuf {
    let out = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ])
        .output()
        .expect("the test key is made with the openssl command");
    assert!(out.status.success());
    let file = dir.join("key.pem");
    std::fs::write(&file, out.stdout).unwrap();
    file
}

fn command(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fhir"));
    c.args(args);
    for var in [
        "RUST_LOG",
        "FHIR_TOKEN",
        "FHIR_BASE_URL",
        "FHIR_SERVER",
        "FHIR_CLIENT_ID",
        "FHIR_PRIVATE_KEY",
        "FHIR_KEY_ID",
        "FHIR_SCOPE",
    ] {
        c.env_remove(var);
    }
    c.env("FHIR_CONFIG_DIR", config);
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

async fn fhir(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = command(config, args, env);
    tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

fn patient(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        format!(r#"{{"resourceType":"Patient","id":"{id}"}}"#),
        "application/fhir+json",
    )
}

fn base(server: &MockServer) -> String {
    format!("{}/fhir", server.uri())
}

/// A mock FHIR server with its SMART configuration and a token endpoint answering `access`.
async fn smart_server(access: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fhir/.well-known/smart-configuration"))
        .respond_with(json(
            200,
            &format!(
                r#"{{"token_endpoint":"{0}/token","authorization_endpoint":"{0}/authorize"}}"#,
                server.uri()
            ),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(json(
            200,
            &format!(r#"{{"access_token":"{access}","token_type":"Bearer","expires_in":300}}"#),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .and(header("authorization", format!("Bearer {access}").as_str()))
        .respond_with(patient("1"))
        .mount(&server)
        .await;
    server
}

/// The client assertion's header and claims of the token requests the server received.
async fn assertions(server: &MockServer) -> Vec<(JsonValue, JsonValue)> {
    let decode =
        |part: &str| JsonValue::parse(&text(&URL_SAFE_NO_PAD.decode(part).unwrap())).unwrap();
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/token")
        .filter_map(|r| {
            url::form_urlencoded::parse(&r.body)
                .find(|(k, _)| k == "client_assertion")
                .map(|(_, v)| v.into_owned())
        })
        .map(|jwt| {
            let parts: Vec<&str> = jwt.split('.').collect();
            (decode(parts[0]), decode(parts[1]))
        })
        .collect()
}

fn str_of<'a>(v: &'a JsonValue, k: &str) -> Option<&'a str> {
    v.get(k).and_then(|v| v.as_str())
}

#[tokio::test]
async fn backend_flags_sign_a_client_assertion_and_read() {
    let config = config_dir("flags");
    let key = key_file(&config);
    let server = smart_server("at-flags").await;
    let o = fhir(
        &config,
        &[
            "-vvv",
            "--base",
            &base(&server),
            "--client-id",
            "svc",
            "--private-key",
            key.to_str().unwrap(),
            "--key-id",
            "k1",
            "--scope",
            "system/Patient.rs",
            "read",
            "Patient/1",
        ],
        &[],
    )
    .await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains(r#""id": "1""#),
        "{}",
        text(&o.stdout)
    );
    let a = assertions(&server).await;
    assert_eq!(a.len(), 1);
    assert_eq!(str_of(&a[0].0, "alg"), Some("RS384"));
    assert_eq!(str_of(&a[0].0, "kid"), Some("k1"));
    assert_eq!(str_of(&a[0].1, "iss"), Some("svc"));
    let form = server.received_requests().await.unwrap();
    let token_request = form.iter().find(|r| r.url.path() == "/token").unwrap();
    assert!(text(&token_request.body).contains("scope=system%2FPatient.rs"));
}

#[tokio::test]
async fn environment_variables_and_auth_token() {
    let config = config_dir("env");
    let key = key_file(&config);
    let server = smart_server("at-env").await;
    let b = base(&server);
    let env = [
        ("FHIR_BASE_URL", b.as_str()),
        ("FHIR_CLIENT_ID", "svc-env"),
        ("FHIR_PRIVATE_KEY", key.to_str().unwrap()),
        ("FHIR_KEY_ID", "k-env"),
    ];
    let o = fhir(&config, &["auth", "token"], &env).await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "at-env\n");
    assert!(!text(&o.stderr).contains("at-env"));
    let a = assertions(&server).await;
    assert_eq!(str_of(&a[0].0, "kid"), Some("k-env"));
    assert_eq!(str_of(&a[0].1, "sub"), Some("svc-env"));

    // Nothing to authenticate with: a usage error that says what to do.
    let o = fhir(&config, &["--base", &b, "auth", "token"], &[]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("fhir login"),
        "{}",
        text(&o.stderr)
    );
}

#[tokio::test]
async fn a_named_server_gives_base_client_key_and_scope() {
    let config = config_dir("named");
    key_file(&config);
    let server = smart_server("at-named").await;
    std::fs::write(
        config.join("config.toml"),
        format!(
            "# test servers\n[servers.sandbox]\nbase = \"{}\"\nclient_id = \"svc-named\"\nprivate_key = \"key.pem\"\nkey_id = \"k-named\"\nscope = \"system/*.rs\"\n",
            base(&server)
        ),
    )
    .unwrap();
    let o = fhir(&config, &["--server", "sandbox", "read", "Patient/1"], &[]).await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    let a = assertions(&server).await;
    assert_eq!(str_of(&a[0].0, "kid"), Some("k-named"));
    assert_eq!(str_of(&a[0].1, "iss"), Some("svc-named"));

    let o = fhir(&config, &["--server", "prod", "read", "Patient/1"], &[]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("(it has: sandbox)"),
        "{}",
        text(&o.stderr)
    );

    std::fs::write(
        config.join("config.toml"),
        "[servers.sandbox]\nbase = \"http://127.0.0.1:9/fhir\"\nclientid = \"typo\"\n",
    )
    .unwrap();
    let o = fhir(&config, &["--server", "sandbox", "read", "Patient/1"], &[]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("unknown key `clientid`"),
        "{}",
        text(&o.stderr)
    );
}

/// Runs `fhir login`, plays the browser (the authorization server's redirect back with `code`
/// and the state it was given, or `forged_state`), and returns the command's output.
async fn login(config: &Path, base: &str, forged_state: Option<&str>) -> Output {
    let mut c = command(
        config,
        &[
            "-vvv",
            "--base",
            base,
            "--client-id",
            "app",
            "login",
            "--no-browser",
            "--wait",
            "20",
        ],
        &[],
    );
    c.stderr(Stdio::piped()).stdout(Stdio::piped());
    let forged = forged_state.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut child = c.spawn().unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut seen = String::new();
        let url = loop {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("no address printed: {seen}"))
                .unwrap();
            seen.push_str(&line);
            if line.starts_with("http") {
                break url::Url::parse(&line).unwrap();
            }
        };
        let param = |k: &str| {
            url.query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
                .unwrap()
        };
        let state = forged.unwrap_or_else(|| param("state"));
        let back = format!("{}?code=the-code&state={state}", param("redirect_uri"));
        let back = url::Url::parse(&back).unwrap();
        let mut stream =
            std::net::TcpStream::connect((back.host_str().unwrap(), back.port().unwrap())).unwrap();
        use std::io::{Read, Write};
        write!(
            stream,
            "GET {}?{} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            back.path(),
            back.query().unwrap()
        )
        .unwrap();
        let mut page = String::new();
        let _ = stream.read_to_string(&mut page);
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        let mut output = child.wait_with_output().unwrap();
        output.stderr = format!("{seen}\n{}", rest.join("\n")).into_bytes();
        output
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn login_stores_tokens_that_later_commands_use_refresh_and_logout_removes() {
    let config = config_dir("login");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fhir/.well-known/smart-configuration"))
        .respond_with(json(
            200,
            &format!(
                r#"{{"token_endpoint":"{0}/token","authorization_endpoint":"{0}/authorize","code_challenge_methods_supported":["S256"]}}"#,
                server.uri()
            ),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code=the-code"))
        .and(body_string_contains("code_verifier="))
        .respond_with(json(
            200,
            r#"{"access_token":"at-login","token_type":"Bearer","expires_in":1,"refresh_token":"rt-login","patient":"1","scope":"launch/patient patient/*.rs"}"#,
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=rt-login"))
        .respond_with(json(
            200,
            r#"{"access_token":"at-refreshed","token_type":"Bearer","expires_in":3600}"#,
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .and(header("authorization", "Bearer at-refreshed"))
        .respond_with(patient("1"))
        .mount(&server)
        .await;
    let b = base(&server);

    let o = login(&config, &b, None).await;
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("patient in context: 1"), "{err}");
    assert!(
        err.contains("scopes not granted: openid fhirUser offline_access"),
        "{err}"
    );
    for secret in ["at-login", "rt-login", "the-code"] {
        assert!(
            !err.contains(secret) && !text(&o.stdout).contains(secret),
            "{err}"
        );
    }
    let files: Vec<_> = std::fs::read_dir(config.join("tokens")).unwrap().collect();
    assert_eq!(files.len(), 1);
    let file = files[0].as_ref().unwrap().path();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the token file is readable by its user alone");
        let dir_mode = std::fs::metadata(config.join("tokens"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
    }

    // The access token of one second has expired: the next command refreshes it, and stores it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let o = fhir(&config, &["--base", &b, "read", "Patient/1"], &[]).await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("at-refreshed")
    );
    let o = fhir(&config, &["--base", &format!("{b}/"), "auth", "token"], &[]).await;
    assert_eq!(text(&o.stdout), "at-refreshed\n", "{}", text(&o.stderr));

    let o = fhir(&config, &["--base", &b, "logout"], &[]).await;
    assert!(o.status.success());
    assert!(!file.exists());
    let o = fhir(&config, &["--base", &b, "auth", "token"], &[]).await;
    assert_eq!(o.status.code(), Some(2));
}

#[tokio::test]
async fn a_login_whose_redirect_has_another_state_stores_nothing() {
    let config = config_dir("state");
    let server = smart_server("unused").await;
    let o = login(&config, &base(&server), Some("forged")).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("state mismatch"),
        "{}",
        text(&o.stderr)
    );
    assert!(!config.join("tokens").exists());
    let token_requests = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/token")
        .count();
    assert_eq!(token_requests, 0);
}

#[tokio::test]
async fn an_unreachable_token_endpoint_is_a_network_failure() {
    let config = config_dir("unreachable");
    let key = key_file(&config);
    // A port nobody listens on: bound, then released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fhir/.well-known/smart-configuration"))
        .respond_with(json(
            200,
            &format!(r#"{{"token_endpoint":"http://127.0.0.1:{closed}/token"}}"#),
        ))
        .mount(&server)
        .await;
    let b = base(&server);
    let args = [
        "--base",
        &b,
        "--client-id",
        "svc",
        "--private-key",
        key.to_str().unwrap(),
    ];
    let mut read = args.to_vec();
    read.extend(["read", "Patient/1"]);
    let o = fhir(&config, &read, &[]).await;
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&format!("127.0.0.1:{closed}/token")),
        "{}",
        text(&o.stderr)
    );
    let mut token = args.to_vec();
    token.extend(["auth", "token"]);
    let o = fhir(&config, &token, &[]).await;
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
}
