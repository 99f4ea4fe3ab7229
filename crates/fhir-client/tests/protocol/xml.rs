//! FHIR XML on the wire: what an XML client asks for and sends, and answers read by their
//! `Content-Type` whatever was asked for.

use fhir_client::{BundleBuilder, Client, ErrorKind, Format, FormatParam, SearchParams};
use fhir_model::r4::{CapabilityStatement, Patient};
use fhir_model::{FhirXml, ParseOptions};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

const FHIR_XML: &str = "application/fhir+xml";

fn xml(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(
        body.as_bytes().to_vec(),
        "application/fhir+xml; charset=utf-8",
    )
}

fn xml_patient(id: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Patient xmlns="http://hl7.org/fhir">
  <id value="{id}"/>
  <meta><versionId value="3"/></meta>
  <name><family value="Chalmers"/><given value="Peter"/></name>
</Patient>"#
    )
}

fn xml_client(server: &MockServer) -> Client {
    builder(server).format(Format::Xml).build().unwrap()
}

#[tokio::test]
async fn an_xml_client_asks_for_xml_and_reads_the_typed_resource() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/p1"))
        .and(header("accept", FHIR_XML))
        .respond_with(xml(200, &xml_patient("p1")))
        .expect(1)
        .mount(&server)
        .await;
    let p: Patient = xml_client(&server).read("p1").await.unwrap();
    assert_eq!(
        p.name[0].family.as_ref().unwrap().value.as_deref(),
        Some("Chalmers")
    );
    assert_eq!(
        p.meta.unwrap().version_id.unwrap().value.as_deref(),
        Some("3")
    );
}

#[tokio::test]
async fn a_json_answer_to_an_xml_request_still_reads() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/p1"))
        .respond_with(fhir(200, &patient("p1")))
        .mount(&server)
        .await;
    let p: Patient = xml_client(&server).read("p1").await.unwrap();
    assert_eq!(p.id.unwrap().value.as_deref(), Some("p1"));
}

#[tokio::test]
async fn a_json_client_reads_an_xml_answer_too() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/p1"))
        .and(header("accept", FHIR_JSON))
        .respond_with(xml(200, &xml_patient("p1")))
        .mount(&server)
        .await;
    let p: Patient = client(&server).read("p1").await.unwrap();
    assert_eq!(p.id.unwrap().value.as_deref(), Some("p1"));
}

#[tokio::test]
async fn the_guides_metadata_request_with_format_xml_is_typed() {
    let server = server().await;
    let cs = r#"<CapabilityStatement xmlns="http://hl7.org/fhir"><status value="active"/><date value="2026-12-01"/><kind value="instance"/><fhirVersion value="4.0.1"/><format value="xml"/><format value="json"/><rest><mode value="server"/></rest></CapabilityStatement>"#;
    Mock::given(method("GET"))
        .and(path("/fhir/metadata"))
        .and(query_param("_format", "xml"))
        .and(header("accept", FHIR_XML))
        .respond_with(xml(200, cs))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server)
        .format(Format::Xml)
        .format_param(FormatParam::Xml)
        .verify_fhir_version(true)
        .build()
        .unwrap();
    let metadata: CapabilityStatement = client.capabilities().await.unwrap();
    assert_eq!(
        metadata.fhir_version.value.as_ref().map(|v| v.as_str()),
        Some("4.0.1")
    );
    let formats: Vec<_> = metadata
        .format
        .iter()
        .filter_map(|f| f.value.as_deref())
        .collect();
    assert_eq!(formats, ["xml", "json"]);
}

#[tokio::test]
async fn creates_and_updates_send_xml_without_and_with_the_id() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/fhir/Patient"))
        .and(header(
            "content-type",
            "application/fhir+xml; charset=utf-8",
        ))
        .respond_with(
            xml(201, &xml_patient("new")).insert_header("location", "Patient/new/_history/1"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/fhir/Patient/p1"))
        .and(header(
            "content-type",
            "application/fhir+xml; charset=utf-8",
        ))
        .respond_with(xml(200, &xml_patient("p1")))
        .expect(1)
        .mount(&server)
        .await;
    let client = xml_client(&server);
    let p = Patient::from_xml_str(&xml_patient("p1"), ParseOptions::strict()).unwrap();
    let created = client.create(&p).await.unwrap();
    assert_eq!(created.id.as_deref(), Some("new"));
    assert_eq!(
        created.resource.unwrap().id.unwrap().value.as_deref(),
        Some("new")
    );
    client.update(&p).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    let sent = |m: &str| {
        let r = requests.iter().find(|r| r.method.as_str() == m).unwrap();
        String::from_utf8(r.body.clone()).unwrap()
    };
    let create = sent("POST");
    assert!(
        create.starts_with(r#"<Patient xmlns="http://hl7.org/fhir"><meta>"#),
        "{create}"
    );
    assert!(!create.contains("<id "), "{create}");
    let update = sent("PUT");
    assert!(
        update.starts_with(r#"<Patient xmlns="http://hl7.org/fhir"><id value="p1"/>"#),
        "{update}"
    );
    // What was sent is the resource, in XML.
    assert_eq!(
        Patient::from_xml_str(&update, ParseOptions::strict()).unwrap(),
        p
    );
}

#[tokio::test]
async fn an_xml_operation_outcome_is_the_same_typed_error() {
    let server = server().await;
    let oo = r#"<OperationOutcome xmlns="http://hl7.org/fhir"><issue><severity value="error"/><code value="not-found"/><diagnostics value="Patient/p9 is not known"/></issue></OperationOutcome>"#;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/p9"))
        .respond_with(xml(404, oo))
        .mount(&server)
        .await;
    let e = xml_client(&server).read::<Patient>("p9").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let outcome = e.operation_outcome().expect("typed from XML");
    assert_eq!(
        outcome.issue[0]
            .diagnostics
            .as_ref()
            .unwrap()
            .value
            .as_deref(),
        Some("Patient/p9 is not known")
    );
    assert!(e.to_string().contains("Patient/p9 is not known"), "{e}");
}

#[tokio::test]
async fn an_xml_answer_of_another_type_is_unexpected() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Observation/p1"))
        .respond_with(xml(200, &xml_patient("p1")))
        .mount(&server)
        .await;
    let e = xml_client(&server)
        .read::<fhir_model::r4::Observation>("p1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResource);
    assert_eq!(e.resource().map(|r| r.resource_type()), Some("Patient"));
}

#[tokio::test]
async fn a_search_page_in_xml_is_typed() {
    let server = server().await;
    let bundle = format!(
        r#"<Bundle xmlns="http://hl7.org/fhir"><type value="searchset"/><total value="1"/><entry><fullUrl value="{base}/Patient/p1"/><resource><Patient><id value="p1"/></Patient></resource><search><mode value="match"/></search></entry></Bundle>"#,
        base = base(&server)
    );
    Mock::given(method("GET"))
        .and(path("/fhir/Patient"))
        .and(query_param("name", "x"))
        .respond_with(xml(200, &bundle))
        .mount(&server)
        .await;
    let page = xml_client(&server)
        .search::<Patient>(SearchParams::new().string("name", "x"))
        .await
        .unwrap();
    assert_eq!(page.total, Some(1));
    assert_eq!(
        page.matches[0].id.as_ref().unwrap().value.as_deref(),
        Some("p1")
    );
}

#[tokio::test]
async fn one_request_in_xml_from_a_json_client() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/x"))
        .and(header("accept", FHIR_XML))
        .respond_with(xml(200, &xml_patient("x")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/j"))
        .and(header("accept", FHIR_JSON))
        .respond_with(fhir(200, &patient("j")))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let xml_one = client.with_format(Format::Xml);
    assert_eq!(
        (client.format(), xml_one.format()),
        (Format::Json, Format::Xml)
    );
    let _: Patient = xml_one.read("x").await.unwrap();
    let _: Patient = client.read("j").await.unwrap();
}

#[tokio::test]
async fn a_transaction_is_sent_as_xml() {
    let server = server().await;
    let response = r#"<Bundle xmlns="http://hl7.org/fhir"><type value="transaction-response"/><entry><response><status value="201 Created"/><location value="Patient/1/_history/1"/></response></entry></Bundle>"#;
    Mock::given(method("POST"))
        .and(path("/fhir"))
        .and(header(
            "content-type",
            "application/fhir+xml; charset=utf-8",
        ))
        .respond_with(xml(200, response))
        .expect(1)
        .mount(&server)
        .await;
    let client = xml_client(&server);
    let tx = BundleBuilder::transaction()
        .create(Patient::default())
        .build();
    let answer = client.transaction(tx).await.unwrap();
    assert_eq!(answer.entries.len(), 1);
    let sent = server.received_requests().await.unwrap();
    let body = String::from_utf8(sent[0].body.clone()).unwrap();
    assert!(
        body.starts_with(r#"<Bundle xmlns="http://hl7.org/fhir"><type value="transaction"/>"#),
        "{body}"
    );
}

#[tokio::test]
async fn an_xml_body_past_the_size_limit_is_refused_like_json() {
    let server = server().await;
    let mut big = String::from(r#"<Patient xmlns="http://hl7.org/fhir">"#);
    while big.len() < 3 << 20 {
        big.push_str(r#"<name><family value="aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"/></name>"#);
    }
    big.push_str("</Patient>");
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/big"))
        .respond_with(xml(200, &big))
        .mount(&server)
        .await;
    let client = builder(&server)
        .format(Format::Xml)
        .max_body_bytes(1 << 20)
        .build()
        .unwrap();
    let e = client.read::<Patient>("big").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BodyTooLarge, "{e}");
}
