//! Auth: bearer, basic, refresh on 401 (single-flight), the cross-origin rule on redirects, and
//! secrets kept out of Debug, errors and tracing output.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use fhir_client::{BoxError, ErrorKind, token_fn};
use fhir_model::r4::Patient;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;

#[tokio::test]
async fn bearer_and_basic_credentials_are_sent() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(fhir(200, &patient("1")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/2"))
        .and(header("authorization", "Basic dXNlcjpwYXNz"))
        .respond_with(fhir(200, &patient("2")))
        .expect(1)
        .mount(&server)
        .await;
    let bearer = builder(&server).bearer_token(TOKEN).build().unwrap();
    bearer.read::<Patient>("1").await.unwrap();
    let basic = builder(&server).basic_auth("user", "pass").build().unwrap();
    basic.read::<Patient>("2").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_refreshes_the_token_once_for_all_concurrent_requests() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer t1"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("www-authenticate", "Bearer error=\"invalid_token\""),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer t2"))
        .respond_with(fhir(200, &patient("1")))
        .mount(&server)
        .await;
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let c = builder(&server)
        .token_provider(token_fn(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok::<_, BoxError>(format!("t{n}"))
            }
        }))
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.read::<Patient>("1").await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_second_401_is_an_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let c = builder(&server)
        .token_provider(token_fn(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, BoxError>("nope".to_string()) }
        }))
        .build()
        .unwrap();
    let e = c.read::<Patient>("1").await.unwrap_err();
    assert_eq!(e.status().unwrap().as_u16(), 401);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(requests(&server).await.len(), 2);

    // A fixed token cannot be refreshed: one request.
    let server = crate::common::server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let c = builder(&server).bearer_token(TOKEN).build().unwrap();
    c.read::<Patient>("1").await.unwrap_err();
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_failing_token_provider_is_an_auth_error() {
    let server = server().await;
    let c = builder(&server)
        .token_provider(token_fn(|| async {
            Err::<String, BoxError>("idp down".into())
        }))
        .build()
        .unwrap();
    let e = c.read::<Patient>("1").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert!(e.to_string().contains("idp down"));
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn redirects_keep_credentials_only_on_the_base_origin() {
    let server = server().await;
    let elsewhere = crate::common::server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/moved"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/fhir/Patient/1"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(fhir(200, &patient("1")))
        .expect(1)
        .mount(&server)
        .await;
    let away = format!("{}/mirror/Patient/2", elsewhere.uri());
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/away"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", away.as_str()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/mirror/Patient/2"))
        .respond_with(fhir(200, &patient("2")))
        .expect(1)
        .mount(&elsewhere)
        .await;
    let c = builder(&server)
        .bearer_token(TOKEN)
        .default_header("x-tenant", "north")
        .build()
        .unwrap();
    c.read::<Patient>("moved").await.unwrap();
    let p = c.read::<Patient>("away").await.unwrap();
    assert_eq!(p.id.unwrap().as_str(), Some("2"));
    let req = &requests(&elsewhere).await[0];
    assert!(req.headers.get("authorization").is_none());
    assert!(req.headers.get("x-tenant").is_none());
}

#[tokio::test]
async fn the_token_never_shows_in_debug_errors_or_traces() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/1"))
        .respond_with(fhir(200, &patient("1")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/2"))
        .respond_with(fhir(403, &outcome("forbidden", "no access")))
        .mount(&server)
        .await;
    let c = builder(&server).bearer_token(TOKEN).build().unwrap();
    c.read::<Patient>("1").await.unwrap();
    let e = c.read::<Patient>("2").await.unwrap_err();

    let debug = format!("{c:?}");
    let display = e.to_string();
    let error_debug = format!("{e:?}");
    let traces = capture.output();
    for text in [&debug, &display, &error_debug, &traces] {
        assert!(!text.contains(TOKEN), "{text}");
        assert!(!text.contains("SUPER-SECRET"), "{text}");
    }
    assert!(debug.contains("[redacted]"), "{debug}");

    // One span per request, with its method, URL, attempt, status and elapsed time.
    assert!(
        traces.contains("span fhir_request: method=GET url="),
        "{traces}"
    );
    assert!(traces.contains("/fhir/Patient/1 attempt=1"), "{traces}");
    assert!(traces.contains("record: elapsed_ms="), "{traces}");
    assert!(traces.contains("record: status=200"), "{traces}");
    assert!(traces.contains("record: status=403"), "{traces}");
}
