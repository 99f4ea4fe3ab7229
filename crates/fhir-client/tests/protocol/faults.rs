//! Misbehaving servers: retry budgets, redirects of writes, writes that name no id, paging that
//! never ends, and `next` links to other origins.

use std::time::{Duration, Instant};

use fhir_client::{Client, ErrorKind, RetryPolicy, SearchParams};
use fhir_model::r4::Patient;
use futures_util::StreamExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;

fn budget(total: Duration) -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(5)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
        .budget(total)
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_stops_at_once() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/p"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "2"))
        .mount(&server)
        .await;
    let c = Client::builder(base(&server))
        .retry(budget(Duration::from_millis(1500)))
        .build()
        .unwrap();
    let t0 = Instant::now();
    let e = c.read::<Patient>("p").await.unwrap_err();
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
    assert_eq!(requests(&server).await.len(), 1);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503));
    let text = e.to_string();
    assert!(text.contains("asked to wait 2s"), "{text}");
    assert!(text.contains("retry budget"), "{text}");
}

#[tokio::test]
async fn the_budget_bounds_the_requests_too() {
    let server = server().await;
    // Each answer takes 400 ms: with a budget of 1 s, the third attempt is cut short.
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/p"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "0")
                .set_delay(Duration::from_millis(400)),
        )
        .mount(&server)
        .await;
    let c = Client::builder(base(&server))
        .retry(budget(Duration::from_secs(1)))
        .build()
        .unwrap();
    let t0 = Instant::now();
    let e = c.read::<Patient>("p").await.unwrap_err();
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    assert!(requests(&server).await.len() <= 3);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503), "{e}");
    assert!(e.to_string().contains("ran out"), "{e}");
}

#[tokio::test]
async fn a_post_redirected_with_302_is_not_resent_as_a_get() {
    let server = server().await;
    for code in [301u16, 302, 303] {
        server.reset().await;
        Mock::given(method("POST"))
            .and(path("/fhir/Patient"))
            .respond_with(ResponseTemplate::new(code).insert_header("location", "/elsewhere"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/elsewhere"))
            .respond_with(fhir(200, &patient("other")))
            .expect(0)
            .mount(&server)
            .await;
        let e = client(&server)
            .create(&Patient::default())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Redirect, "{code}: {e}");
        assert!(e.to_string().contains("/elsewhere"), "{e}");
        assert_eq!(requests(&server).await.len(), 1, "{code}");
    }
}

#[tokio::test]
async fn a_307_keeps_the_method_on_the_same_origin_only() {
    let server = server().await;
    let other = crate::common::server().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/fhir/v2/Patient"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/fhir/v2/Patient"))
        .respond_with(fhir(201, &patient("n1")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(
        c.create(&Patient::default()).await.unwrap().id.as_deref(),
        Some("n1")
    );

    server.reset().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .respond_with(
            ResponseTemplate::new(308)
                .insert_header("location", format!("{}/fhir/Patient", other.uri()).as_str()),
        )
        .mount(&server)
        .await;
    let e = c.create(&Patient::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Redirect, "{e}");
    assert!(requests(&other).await.is_empty());
}

#[tokio::test]
async fn a_redirect_loop_is_its_own_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/p"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/fhir/Patient/p"))
        .mount(&server)
        .await;
    let e = client(&server).read::<Patient>("p").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Redirect, "{e}");
    assert!(e.to_string().contains("too many redirects"), "{e}");
}

#[tokio::test]
async fn a_create_that_names_no_id_is_an_error() {
    for answer in [
        body(200, "<html>welcome to the portal</html>", "text/html"),
        body(201, "{not json", FHIR_JSON),
        ResponseTemplate::new(200),
    ] {
        let server = server().await;
        Mock::given(method("POST"))
            .and(path("/fhir/Patient"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let e = client(&server)
            .create(&Patient::default())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decoding, "{e}");
        assert!(e.status().is_some_and(|s| s.is_success()), "{e}");
        assert!(e.url().is_some());
    }
}

#[tokio::test]
async fn an_empty_create_answer_with_a_location_is_still_fine() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .respond_with(ResponseTemplate::new(201).insert_header("location", "Patient/n2/_history/1"))
        .mount(&server)
        .await;
    let out = client(&server).create(&Patient::default()).await.unwrap();
    assert_eq!(out.id.as_deref(), Some("n2"));
}

/// A server whose every page links to the next one: `Patient?p=N` → `Patient?p=N+1`, with
/// `ids` entries on each page.
async fn endless_pages(ids: &'static [&'static str]) -> wiremock::MockServer {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient"))
        .respond_with(move |request: &wiremock::Request| {
            let n: u64 = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "p")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            fhir(200, &searchset(ids, Some(&format!("Patient?p={}", n + 1))))
        })
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn paging_stops_at_the_page_cap() {
    let server = endless_pages(&["a"]).await;
    let c = builder(&server).max_pages(5).build().unwrap();
    let pages: Vec<_> = c
        .search_pages::<Patient>(SearchParams::new())
        .take(20)
        .collect()
        .await;
    assert_eq!(pages.len(), 6);
    assert!(pages[..5].iter().all(Result::is_ok));
    let e = pages[5].as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Paging);
    assert!(e.to_string().contains("more than 5 pages"), "{e}");
    assert_eq!(requests(&server).await.len(), 5);
}

#[tokio::test]
async fn paging_stops_after_too_many_empty_pages() {
    let server = endless_pages(&[]).await;
    let c = builder(&server).max_empty_pages(3).build().unwrap();
    let e = c
        .search_pages::<Patient>(SearchParams::new())
        .all_matches()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Paging);
    assert!(e.to_string().contains("3 empty pages"), "{e}");
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused_by_default() {
    let server = server().await;
    let cdn = crate::common::server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient"))
        .respond_with(fhir(
            200,
            &searchset(&["a"], Some(&format!("{}/pages?c=1", cdn.uri()))),
        ))
        .mount(&server)
        .await;
    let e = client(&server)
        .search_pages::<Patient>(SearchParams::new())
        .all_matches()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Paging);
    let text = e.to_string();
    assert!(text.contains(&cdn.uri()), "{text}");
    assert!(text.contains(&server.uri()), "{text}");
    assert!(requests(&cdn).await.is_empty());
}
