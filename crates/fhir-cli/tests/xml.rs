//! XML from the command line: `fhir convert` offline, `--format xml` against a local test
//! server, and XML files for create, update and transaction.

use std::path::PathBuf;
use std::process::Output;

use fhir_model::json::JsonValue;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod common;
use common::{stderr, stdout};

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut command = common::command();
    command.args(args);
    command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

async fn fhir(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args, None)
    })
    .await
    .unwrap()
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fhir-cli-xml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const PATIENT_JSON: &str = r#"{"resourceType":"Patient","id":"p1","active":true,"name":[{"family":"Chalmers","given":["Peter",null],"_given":[null,{"extension":[{"url":"http://example.org/x","valueDecimal":1.50}]}]}],"birthDate":"1974-12-25"}"#;

fn xml(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/fhir+xml")
}

#[test]
fn convert_goes_json_to_xml_and_back_without_a_server() {
    let to_xml = run(
        &["--base", "http://127.0.0.1:9", "convert", "-"],
        Some(PATIENT_JSON),
    );
    assert!(to_xml.status.success(), "{}", stderr(&to_xml));
    let xml_text = stdout(&to_xml);
    assert!(
        xml_text.starts_with("<Patient xmlns=\"http://hl7.org/fhir\">\n  <id value=\"p1\"/>"),
        "{xml_text}"
    );
    assert!(
        xml_text.contains(r#"<valueDecimal value="1.50"/>"#),
        "{xml_text}"
    );
    let back = run(&["convert", "-"], Some(&xml_text));
    assert!(back.status.success(), "{}", stderr(&back));
    assert_eq!(
        JsonValue::parse(&stdout(&back)).unwrap(),
        JsonValue::parse(PATIENT_JSON).unwrap()
    );
    // Asked for explicitly, and from a file.
    let file = temp_file("p.json", PATIENT_JSON);
    let same = run(&["convert", file.to_str().unwrap(), "--to", "xml"], None);
    assert_eq!(stdout(&same), xml_text);
}

#[test]
fn convert_is_strict_by_default_and_refuses_to_lose_what_lenient_reading_kept() {
    let odd = r#"{"resourceType":"Patient","nickname":"Al"}"#;
    let strict = run(&["convert", "-"], Some(odd));
    assert_eq!(strict.status.code(), Some(2));
    assert!(
        stderr(&strict).contains("Patient.nickname: unknown element"),
        "{}",
        stderr(&strict)
    );
    let lenient = run(&["convert", "-", "--lenient"], Some(odd));
    assert_eq!(lenient.status.code(), Some(2));
    assert!(
        stderr(&lenient)
            .contains("1 element(s) that lenient reading kept as JSON have no XML form"),
        "{}",
        stderr(&lenient)
    );
    // In its own format it is kept.
    let own = run(&["convert", "-", "--lenient", "--to", "json"], Some(odd));
    assert!(own.status.success(), "{}", stderr(&own));
    assert!(
        stdout(&own).contains("\"nickname\": \"Al\""),
        "{}",
        stdout(&own)
    );
    // XML errors name the path, line and column.
    let bad =
        "<Patient xmlns=\"http://hl7.org/fhir\">\n  <birthDate value=\"1974-13\"/>\n</Patient>";
    let e = run(&["convert", "-"], Some(bad));
    assert_eq!(e.status.code(), Some(2));
    assert!(stderr(&e).contains("Patient.birthDate"), "{}", stderr(&e));
    assert!(stderr(&e).contains("line 2"), "{}", stderr(&e));
}

#[tokio::test]
async fn format_xml_asks_for_xml_and_prints_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/p1"))
        .and(header("accept", "application/fhir+xml"))
        .respond_with(xml(200, r#"<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><active value="true"/></Patient>"#))
        .expect(1)
        .mount(&server)
        .await;
    let base = format!("{}/fhir", server.uri());
    let out = fhir(vec![
        "--base".into(),
        base,
        "--format".into(),
        "xml".into(),
        "read".into(),
        "Patient/p1".into(),
    ])
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "<Patient xmlns=\"http://hl7.org/fhir\">\n  <id value=\"p1\"/>\n  <active value=\"true\"/>\n</Patient>\n"
    );
}

#[tokio::test]
async fn a_search_prints_one_xml_bundle_across_pages() {
    let server = MockServer::start().await;
    let base = format!("{}/fhir", server.uri());
    let page = |id: &str, next: Option<&str>| {
        let link = next
            .map(|n| format!(r#"<link><relation value="next"/><url value="{n}"/></link>"#))
            .unwrap_or_default();
        format!(
            r#"<Bundle xmlns="http://hl7.org/fhir"><type value="searchset"/><total value="2"/>{link}<entry><fullUrl value="{base}/Patient/{id}"/><resource><Patient><id value="{id}"/></Patient></resource><search><mode value="match"/></search></entry></Bundle>"#
        )
    };
    Mock::given(method("GET"))
        .and(path("/fhir/Patient"))
        .respond_with(xml(200, &page("a", Some(&format!("{base}/page2")))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/page2"))
        .respond_with(xml(200, &page("b", None)))
        .mount(&server)
        .await;
    let out = fhir(vec![
        "--base".into(),
        base,
        "--format".into(),
        "xml".into(),
        "search".into(),
        "Patient".into(),
        "--all".into(),
    ])
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let bundle = <fhir_model::r4::Bundle as fhir_model::FhirXml>::from_xml_str(
        &text,
        fhir_model::ParseOptions::strict(),
    )
    .unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(bundle.entry.len(), 2);
    assert_eq!(bundle.total.as_ref().and_then(|t| t.value), Some(2));
    assert!(bundle.link.is_empty());
}

#[tokio::test]
async fn xml_files_are_checked_then_sent_as_xml() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .and(header(
            "content-type",
            "application/fhir+xml; charset=utf-8",
        ))
        .respond_with(
            ResponseTemplate::new(201).insert_header("location", "Patient/new/_history/1"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let base = format!("{}/fhir", server.uri());
    let good = temp_file(
        "good.xml",
        "<?xml version=\"1.0\"?>\n<!-- a comment -->\n<Patient xmlns=\"http://hl7.org/fhir\">\n  <id value=\"p1\"/>\n  <active value=\"true\"/>\n</Patient>\n",
    );
    let out = fhir(vec![
        "--base".into(),
        base.clone(),
        "create".into(),
        good.display().to_string(),
    ])
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "created Patient/new (version 1)\n");
    let sent = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        String::from_utf8(sent.body.clone()).unwrap(),
        r#"<Patient xmlns="http://hl7.org/fhir"><active value="true"/></Patient>"#
    );
    // A file that breaks the rules is refused before anything is sent.
    let bad = temp_file(
        "bad.xml",
        "<Patient xmlns=\"http://hl7.org/fhir\">\n  <colour value=\"red\"/>\n</Patient>",
    );
    let out = fhir(vec![
        "--base".into(),
        base,
        "create".into(),
        bad.display().to_string(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("Patient.colour: unknown element"),
        "{}",
        stderr(&out)
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
