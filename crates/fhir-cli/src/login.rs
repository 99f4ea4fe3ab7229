//! `fhir login` and `fhir logout`: the SMART standalone launch from a terminal, the redirect
//! caught by a listener on a loopback port, the tokens stored per base URL.

use std::io::Write;
use std::time::{Duration, Instant};

use fhir_client::reqwest::Url;
use fhir_client::smart::{AppLaunch, ClientAuth};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::auth_cmd::{signing_key, smart_failure};
use crate::config::Settings;
use crate::failure::Failure;
use crate::store::{Stored, TokenStore, normalize};

/// The scope of a login when none is given: the patient picked at login, the user's identity,
/// a refresh token, and read access to that patient's data.
pub const DEFAULT_LOGIN_SCOPE: &str = "launch/patient openid fhirUser offline_access patient/*.rs";

/// Requests the listener answers at most before it gives up (a browser also asks for icons).
const MAX_REQUESTS: usize = 20;

/// The largest request head read from the browser.
const MAX_HEAD: usize = 16 * 1024;

fn store_of(settings: &Settings) -> Result<TokenStore, Failure> {
    settings
        .config_dir
        .as_deref()
        .map(TokenStore::new)
        .ok_or_else(|| {
            Failure::Usage(
                "no config folder to store tokens in (set FHIR_CONFIG_DIR or HOME)".into(),
            )
        })
}

/// Logs in: discovery, the authorization URL printed (and opened in a browser unless told
/// not to), the redirect awaited for at most `wait`, the code exchanged, the tokens stored.
pub async fn login(
    settings: &Settings,
    port: u16,
    open_browser: bool,
    wait: Duration,
) -> Result<(), Failure> {
    let store = store_of(settings)?;
    let client_id = settings.client_id.as_deref().ok_or_else(|| {
        Failure::Usage(
            "fhir login needs --client-id (or FHIR_CLIENT_ID, or client_id in the named server)"
                .into(),
        )
    })?;
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Failure::Usage(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let port = listener.local_addr()?.port();
    let redirect = Url::parse(&format!("http://127.0.0.1:{port}/callback"))
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let scope = settings.scope.as_deref().unwrap_or(DEFAULT_LOGIN_SCOPE);
    let mut app = AppLaunch::discover(&settings.base, client_id, redirect.clone())
        .await
        .map_err(smart_failure)?
        .scope(scope);
    if let Some(key) = signing_key(settings)? {
        app = app.client_auth(ClientAuth::private_key_jwt(key));
    }
    let request = app.authorize();
    eprintln!(
        "Open this address in a browser to log in to {}:",
        settings.base
    );
    eprintln!("{}", request.url());
    if open_browser {
        open(request.url().as_str());
    }
    let back = wait_for_redirect(&listener, wait).await?;
    let result = app.complete(&request, &back).await;
    let tokens = result.map_err(smart_failure)?;
    let config = app.configuration();
    let stored = Stored {
        base: normalize(&settings.base),
        client_id: client_id.to_owned(),
        token_endpoint: config.token_endpoint.to_string(),
        authorization_endpoint: config
            .authorization_endpoint
            .as_ref()
            .map(Url::to_string)
            .unwrap_or_default(),
        redirect_uri: redirect.to_string(),
        tokens,
    };
    let file = store.save(&stored)?;
    let mut err = std::io::stderr();
    let _ = writeln!(
        err,
        "Logged in to {}; tokens stored in {}",
        settings.base,
        file.display()
    );
    if let Some(patient) = stored.tokens.patient() {
        let _ = writeln!(err, "patient in context: {patient}");
    }
    let missing = stored.tokens.scopes_not_granted(scope);
    if !missing.is_empty() {
        let _ = writeln!(err, "scopes not granted: {}", missing.join(" "));
    }
    Ok(())
}

/// Removes the stored login of the base URL.
pub fn logout(settings: &Settings) -> Result<(), Failure> {
    let store = store_of(settings)?;
    if store.remove(&settings.base)? {
        eprintln!("Logged out of {}", settings.base);
    } else {
        eprintln!("Not logged in to {}", settings.base);
    }
    Ok(())
}

/// The first request to `/callback`, as the URL it asked for; other requests get a 404.
async fn wait_for_redirect(listener: &TcpListener, wait: Duration) -> Result<Url, Failure> {
    let deadline = Instant::now() + wait;
    let port = listener.local_addr()?.port();
    for _ in 0..MAX_REQUESTS {
        let left = deadline.saturating_duration_since(Instant::now());
        let (mut stream, _) = tokio::time::timeout(left, listener.accept())
            .await
            .map_err(|_| Failure::Usage(format!("no login within {} s", wait.as_secs())))??;
        let mut head = Vec::new();
        let mut buf = [0u8; 2048];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
            let n = match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await
            {
                Ok(Ok(n)) if n > 0 => n,
                _ => break,
            };
            head.extend_from_slice(&buf[..n]);
        }
        let line = String::from_utf8_lossy(&head);
        let target = line
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("GET "))
            .and_then(|l| l.split(' ').next())
            .unwrap_or("");
        if !target.starts_with("/callback") {
            let _ = stream
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
            continue;
        }
        let page = "<!doctype html><title>fhir login</title><p>Done: you can close this window and go back to the terminal.</p>";
        let _ = stream
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                    page.len()
                )
                .as_bytes(),
            )
            .await;
        return Url::parse(&format!("http://127.0.0.1:{port}{target}"))
            .map_err(|e| Failure::Usage(format!("the redirect is not a URL: {e}")));
    }
    Err(Failure::Usage(format!(
        "no redirect to /callback among {MAX_REQUESTS} requests"
    )))
}

/// Opens `url` in the user's browser, when there is one; silently does nothing otherwise (the
/// address is printed anyway).
fn open(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let _ = command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
