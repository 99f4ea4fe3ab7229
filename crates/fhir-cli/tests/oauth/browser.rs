//! A headless browser for oidc-provider's login and consent pages: follows redirects, keeps
//! cookies, fills the forms, and stops at the redirect to the app.

use std::collections::BTreeMap;

use fhir_client::reqwest::{Method, header};
use url::Url;

/// The steps one login takes at most (authorize, login page, login, resume, consent page,
/// consent, resume, redirect): a loop past this is a bug, not a slow server.
const MAX_STEPS: usize = 16;

/// Opens `authorize`, logs in as `login`, consents, and returns the URL the provider sends the
/// browser back to (on `redirect_origin`, the app's loopback listener).
pub async fn log_in(authorize: &Url, login: &str, redirect_origin: &str) -> Url {
    // The client's own setup (TLS provider, no redirects followed).
    let http = fhir_client::http_client_builder().build().unwrap();
    let mut cookies: BTreeMap<String, String> = BTreeMap::new();
    let mut url = authorize.clone();
    let mut form: Option<String> = None;
    for _ in 0..MAX_STEPS {
        let method = if form.is_some() {
            Method::POST
        } else {
            Method::GET
        };
        let mut request = http.request(method.clone(), url.clone());
        if !cookies.is_empty() {
            let jar: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header(header::COOKIE, jar.join("; "));
        }
        if let Some(body) = form.take() {
            request = request
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        for value in response.headers().get_all(header::SET_COOKIE) {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        if status.is_redirection() {
            let location = response.headers()[header::LOCATION].to_str().unwrap();
            let next = url.join(location).unwrap();
            if next.as_str().starts_with(redirect_origin) {
                return next;
            }
            url = next;
            continue;
        }
        let page = response.text().await.unwrap();
        assert!(status.is_success(), "{method} {url}: {status}\n{page}");
        let action = page
            .split("action=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no form on the page at {url}:\n{page}"));
        url = url.join(action).unwrap();
        form = Some(if page.contains("name=\"prompt\" value=\"login\"") {
            format!("prompt=login&login={login}&password=any")
        } else if page.contains("name=\"prompt\" value=\"consent\"") {
            "prompt=consent".to_owned()
        } else {
            panic!("a form that is neither login nor consent at {url}:\n{page}")
        });
    }
    panic!("no redirect back to the app after {MAX_STEPS} steps (last at {url})");
}
