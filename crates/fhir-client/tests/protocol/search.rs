//! Search: typed parameters, GET and POST, typed pages, and every shape of `next` link.

use fhir_client::{ErrorKind, Prefix, SearchParams, Summary, Total};
use fhir_model::r4::{Patient, Resource};
use futures_util::StreamExt;
use wiremock::matchers::{body_string, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer};

use crate::common::*;

#[tokio::test]
async fn typed_parameters_become_the_query() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient"))
        .respond_with(fhir(200, &searchset(&["a"], None)))
        .mount(&server)
        .await;
    let params = SearchParams::new()
        .string("family", "O'Brien, Jr")
        .exact("given", "Peter")
        .token("identifier", Some("http://mrn.example"), "12|34")
        .date("birthdate", Prefix::Ge, "1970-01-01")
        .date("_lastUpdated", Prefix::Lt, "2024-01-01T00:00:00+01:00")
        .reference("general-practitioner", "Practitioner/7")
        .quantity(
            "x-weight",
            Prefix::Gt,
            "70",
            Some("http://unitsofmeasure.org"),
            Some("kg"),
        )
        .missing("deceased", true)
        .include("Patient:organization")
        .revinclude("Provenance:target")
        .sort_asc("family")
        .sort_desc("birthdate")
        .count(10)
        .elements(["name", "birthDate"])
        .summary(Summary::Data)
        .raw("_has:Observation:patient:code", "1234-5");
    client(&server).search::<Patient>(params).await.unwrap();
    let query = requests(&server).await[0].url.query().unwrap().to_owned();
    assert_eq!(
        query,
        "family=O%27Brien%5C,%20Jr&given:exact=Peter&identifier=http://mrn.example|12%5C|34\
         &birthdate=ge1970-01-01&_lastUpdated=lt2024-01-01T00:00:00%2B01:00\
         &general-practitioner=Practitioner/7&x-weight=gt70|http://unitsofmeasure.org|kg\
         &deceased:missing=true&_include=Patient:organization&_revinclude=Provenance:target\
         &_sort=family,-birthdate&_count=10&_elements=name,birthDate&_summary=data\
         &_has:Observation:patient:code=1234-5"
    );
}

#[tokio::test]
async fn page_separates_matches_includes_and_outcomes() {
    let server = server().await;
    let bundle = r#"{"resourceType":"Bundle","type":"searchset","total":2,"entry":[
      {"resource":{"resourceType":"Patient","id":"a"},"search":{"mode":"match"}},
      {"resource":{"resourceType":"Organization","id":"org"},"search":{"mode":"include"}},
      {"resource":{"resourceType":"Patient","id":"b"},"search":{"mode":"match"}},
      {"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"informational","diagnostics":"_sort ignored"}]},"search":{"mode":"outcome"}}
    ]}"#;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient"))
        .and(query_param("_total", "accurate"))
        .respond_with(body(200, bundle, "application/json"))
        .mount(&server)
        .await;
    let page = client(&server)
        .search::<Patient>(
            SearchParams::new()
                .include("Patient:organization")
                .total(Total::Accurate),
        )
        .await
        .unwrap();
    assert_eq!(page.total, Some(2));
    assert_eq!(page.matches.len(), 2);
    assert!(matches!(&page.included[..], [Resource::Organization(_)]));
    assert_eq!(page.outcomes.len(), 1);
    assert!(!page.has_next());
}

#[tokio::test]
async fn total_is_optional() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient"))
        .respond_with(fhir(200, &searchset(&["a", "b"], None)))
        .mount(&server)
        .await;
    let page = client(&server)
        .search::<Patient>(SearchParams::new())
        .await
        .unwrap();
    assert_eq!(page.total, None);
    assert_eq!(page.matches.len(), 2);
}

#[tokio::test]
async fn post_search_on_request() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient/_search"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(
            "family=Chalmers&identifier=http%3A%2F%2Fmrn.example%7C1",
        ))
        .respond_with(fhir(200, &searchset(&["a"], None)))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .search::<Patient>(
            SearchParams::new()
                .string("family", "Chalmers")
                .token("identifier", Some("http://mrn.example"), "1")
                .via_post(),
        )
        .await
        .unwrap();
    assert_eq!(page.matches.len(), 1);
}

#[tokio::test]
async fn post_search_when_the_url_is_too_long() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient/_search"))
        .respond_with(fhir(200, &searchset(&["a"], None)))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server).max_get_url_len(100).build().unwrap();
    let ids: Vec<String> = (0..40).map(|i| format!("id-{i}")).collect();
    let params = SearchParams::new().any_of("_id", ids.iter().map(String::as_str));
    c.search::<Patient>(params.clone()).await.unwrap();
    let req = &requests(&server).await[0];
    assert!(String::from_utf8_lossy(&req.body).starts_with("_id=id-0%2Cid-1"));
}

/// Page 1 links to page 2 with `next(server)`; the stream must fetch page 2 where `page2` matches.
async fn follows_next_link(
    next: impl Fn(&MockServer) -> String,
    page2_path: &str,
    page2_query: (&str, &str),
) {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient"))
        .and(query_param("name", "x"))
        .and(query_param_is_missing(page2_query.0))
        .respond_with(fhir(200, &searchset(&["a", "b"], Some(&next(&server)))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(page2_path))
        .and(query_param(page2_query.0, page2_query.1))
        .respond_with(fhir(200, &searchset(&["c"], None)))
        .expect(1)
        .mount(&server)
        .await;
    let all = client(&server)
        .search_pages::<Patient>(SearchParams::new().string("name", "x"))
        .all_matches()
        .await
        .unwrap();
    let ids: Vec<_> = all
        .iter()
        .map(|p| p.id.clone().unwrap().value.unwrap())
        .collect();
    assert_eq!(ids, ["a", "b", "c"]);
}

#[tokio::test]
async fn next_link_absolute() {
    follows_next_link(
        |s| format!("{}/fhir/Patient?name=x&page=2", s.uri()),
        "/fhir/Patient",
        ("page", "2"),
    )
    .await;
}

#[tokio::test]
async fn next_link_relative_to_the_base() {
    follows_next_link(
        |_| "Patient?_getpages=abc&_getpagesoffset=2".to_owned(),
        "/fhir/Patient",
        ("_getpages", "abc"),
    )
    .await;
}

#[tokio::test]
async fn next_link_relative_to_the_host() {
    follows_next_link(
        |_| "/fhir?_getpages=abc".to_owned(),
        "/fhir",
        ("_getpages", "abc"),
    )
    .await;
}

#[tokio::test]
async fn next_link_on_the_base_itself() {
    follows_next_link(
        |s| format!("{}/fhir?_getpages=abc&_getpagesoffset=2", s.uri()),
        "/fhir",
        ("_getpages", "abc"),
    )
    .await;
}

#[tokio::test]
async fn next_link_to_another_origin_carries_no_token() {
    let server = server().await;
    let cdn = crate::common::server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(fhir(
            200,
            &searchset(
                &["a"],
                Some(&format!("{}/pages/Patient?cursor=opaque", cdn.uri())),
            ),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/pages/Patient"))
        .respond_with(fhir(200, &searchset(&["b"], None)))
        .expect(1)
        .mount(&cdn)
        .await;
    let notices = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = notices.clone();
    let c = builder(&server)
        .bearer_token(TOKEN)
        .default_header("x-tenant", "north")
        .follow_cross_origin_next(true)
        .on_cross_origin_next(move |_, next| seen.lock().unwrap().push(next.to_string()))
        .build()
        .unwrap();
    let all = c
        .search_pages::<Patient>(SearchParams::new())
        .all_matches()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        *notices.lock().unwrap(),
        [format!("{}/pages/Patient?cursor=opaque", cdn.uri())]
    );
    let req = &requests(&cdn).await[0];
    assert!(req.headers.get("authorization").is_none());
    assert!(req.headers.get("x-tenant").is_none());
    assert_eq!(req.headers["accept"], "application/fhir+json");
}

#[tokio::test]
async fn paging_fails_when_a_next_link_repeats() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient"))
        .respond_with(fhir(200, &searchset(&["a"], Some("/fhir?_getpages=loop"))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir"))
        .respond_with(fhir(200, &searchset(&["b"], Some("/fhir?_getpages=loop"))))
        .expect(1)
        .mount(&server)
        .await;
    let pages: Vec<_> = client(&server)
        .search_pages::<Patient>(SearchParams::new())
        .collect()
        .await;
    assert_eq!(pages.len(), 3);
    assert!(pages[0].is_ok() && pages[1].is_ok());
    let e = pages[2].as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Paging);
    assert!(e.to_string().contains("_getpages=loop"), "{e}");
    assert!(e.to_string().contains("repeats"), "{e}");
}

#[tokio::test]
async fn next_page_and_items_stream() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient"))
        .and(query_param_is_missing("p"))
        .respond_with(fhir(200, &searchset(&["a"], Some("Patient?p=2"))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient"))
        .and(query_param("p", "2"))
        .respond_with(fhir(200, &searchset(&["b", "c"], None)))
        .mount(&server)
        .await;
    let c = client(&server);
    let first = c.search::<Patient>(SearchParams::new()).await.unwrap();
    let second = c.next_page(&first).await.unwrap().unwrap();
    assert_eq!(second.matches.len(), 2);
    assert!(c.next_page(&second).await.unwrap().is_none());

    let items: Vec<_> = c
        .pages(first)
        .items()
        .map(|r| r.unwrap().id.unwrap().value.unwrap())
        .collect()
        .await;
    assert_eq!(items, ["a", "b", "c"]);
}

#[tokio::test]
async fn untyped_and_system_searches() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient"))
        .respond_with(fhir(200, &searchset(&["a"], None)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir"))
        .and(query_param("_type", "Patient"))
        .respond_with(fhir(200, &searchset(&["b"], None)))
        .mount(&server)
        .await;
    let c = client(&server);
    let page = c.search_type("Patient", SearchParams::new()).await.unwrap();
    assert!(matches!(&page.matches[..], [Resource::Patient(_)]));
    let page = c
        .search_system(SearchParams::new().raw("_type", "Patient"))
        .await
        .unwrap();
    assert_eq!(page.matches[0].id(), Some("b"));
}
