//! FHIR XML: the rules of the specification's XML page, strict and lenient reading, and input
//! written to hurt (entities, document types, depth), each an error with a path, line and
//! column, never a panic.

use fhir_model::prelude::*;
use fhir_model::r4::{Bundle, Observation, Patient, Resource};
use fhir_model::{Code, ErrorKind, FhirJson, FhirXml, ParseOptions, XmlKept};

const NS: &str = r#"xmlns="http://hl7.org/fhir""#;

fn patient(body: &str) -> String {
    format!("<Patient {NS}>{body}</Patient>")
}

fn strict<T: FhirXml>(xml: &str) -> Result<T, fhir_model::Error> {
    T::from_xml_str(xml, ParseOptions::strict())
}

fn lenient<T: FhirXml>(xml: &str) -> Result<T, fhir_model::Error> {
    T::from_xml_str(xml, ParseOptions::lenient())
}

// --- The rules of the XML page -------------------------------------------------------------

#[test]
fn a_primitive_is_one_element_with_value_id_and_extensions() {
    let xml = patient(
        r#"<birthDate id="b1" value="1974-12-25"><extension url="http://example.org/x"><valueString value="x"/></extension></birthDate>"#,
    );
    let p: Patient = strict(&xml).unwrap();
    assert_eq!(
        p.to_json_string(),
        r#"{"resourceType":"Patient","birthDate":"1974-12-25","_birthDate":{"id":"b1","extension":[{"url":"http://example.org/x","valueString":"x"}]}}"#
    );
    assert_eq!(p.to_xml_string(), xml);
}

#[test]
fn a_primitive_with_only_extensions_has_no_value() {
    let json = r#"{"resourceType":"Patient","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}]}}"#;
    let p = Patient::from_json_str(json, ParseOptions::strict()).unwrap();
    let xml = p.to_xml_string();
    assert_eq!(
        xml,
        patient(
            r#"<birthDate><extension url="http://hl7.org/fhir/StructureDefinition/data-absent-reason"><valueCode value="unknown"/></extension></birthDate>"#
        )
    );
    assert_eq!(strict::<Patient>(&xml).unwrap().to_json_string(), json);
}

#[test]
fn primitive_lists_align_like_json_nulls() {
    let json = r#"{"resourceType":"Patient","name":[{"given":["Pieter",null,"Jan"],"_given":[null,{"id":"g2","extension":[{"url":"http://example.org/x","valueBoolean":true}]},null]}]}"#;
    let p = Patient::from_json_str(json, ParseOptions::strict()).unwrap();
    let xml = p.to_xml_string();
    assert!(xml.contains(r#"<given value="Pieter"/><given id="g2"><extension url="http://example.org/x"><valueBoolean value="true"/></extension></given><given value="Jan"/>"#), "{xml}");
    assert_eq!(strict::<Patient>(&xml).unwrap().to_json_string(), json);
}

#[test]
fn element_id_and_extension_url_are_attributes() {
    let xml = patient(
        r#"<extension id="e1" url="http://example.org/a"><valueInteger value="1"/></extension><name id="n1"><family value="A"/></name>"#,
    );
    let p: Patient = strict(&xml).unwrap();
    assert_eq!(p.extension[0].id.as_deref(), Some("e1"));
    assert_eq!(p.extension[0].url, "http://example.org/a");
    assert_eq!(p.name[0].id.as_deref(), Some("n1"));
    assert_eq!(p.to_xml_string(), xml);
}

#[test]
fn contained_and_bundle_resources_are_wrapped_in_an_element_of_their_type() {
    let xml = format!(
        r#"<Bundle {NS}><type value="collection"/><entry><fullUrl value="urn:uuid:1"/><resource><Patient><id value="a"/><contained><Observation><id value="o"/><status value="final"/><code><text value="t"/></code></Observation></contained></Patient></resource></entry></Bundle>"#
    );
    let b: Bundle = strict(&xml).unwrap();
    let Some(Resource::Patient(p)) = &b.entry[0].resource else {
        panic!("a Patient entry");
    };
    assert!(matches!(p.contained[0], Resource::Observation(_)));
    assert_eq!(b.to_xml_string(), xml);
    let json = b.to_json_string();
    assert!(
        json.contains(r#""contained":[{"resourceType":"Observation","id":"o""#),
        "{json}"
    );
}

#[test]
fn the_narrative_is_embedded_xhtml_kept_as_written() {
    let div = "<div xmlns=\"http://www.w3.org/1999/xhtml\">\n  <p>caf&#233; &amp; <b>bar</b><br/></p>\n</div>";
    let xml = patient(&format!(r#"<text><status value="generated"/>{div}</text>"#));
    let p: Patient = strict(&xml).unwrap();
    let text = p.text.as_ref().unwrap();
    assert_eq!(text.div.value.as_deref(), Some(div));
    // Its JSON form is the same string.
    let json = p.to_json_string();
    let back = Patient::from_json_str(&json, ParseOptions::strict()).unwrap();
    assert_eq!(back.to_xml_string(), xml);
}

#[test]
fn a_div_outside_the_xhtml_namespace_is_refused_strictly() {
    let xml = patient(r#"<text><status value="generated"/><div><p>x</p></div></text>"#);
    let e = strict::<Patient>(&xml).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::WrongNamespace { .. }), "{e}");
    assert_eq!(e.path(), "Patient.text.div");
}

#[test]
fn decimals_keep_their_text_and_attribute_white_space_is_kept() {
    let xml = format!(
        "<Observation {NS}><status value=\"final\"/><code><text value=\"a  b&#10;c&#9;d\"/></code><valueQuantity><value value=\"1.50E-3\"/></valueQuantity></Observation>"
    );
    let o: Observation = strict(&xml).unwrap();
    assert_eq!(
        o.code.text.as_ref().unwrap().value.as_deref(),
        Some("a  b\nc\td")
    );
    let json = o.to_json_string();
    assert!(json.contains(r#""value":1.50E-3"#), "{json}");
    assert_eq!(o.to_xml_string(), xml);
}

#[test]
fn escaped_text_and_character_references_are_read_and_written_back_escaped() {
    let xml = patient(
        r#"<name><family value="a &amp; &lt;b&gt; &quot;c&quot; &apos;d&apos; &#233;&#x41;"/></name>"#,
    );
    let p: Patient = strict(&xml).unwrap();
    assert_eq!(
        p.name[0].family.as_ref().unwrap().value.as_deref(),
        Some("a & <b> \"c\" 'd' éA")
    );
    let again: Patient = strict(&p.to_xml_string()).unwrap();
    assert_eq!(again, p);
}

#[test]
fn white_space_comments_and_declarations_around_elements_are_ignored() {
    let xml = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- a comment -->\n<Patient {NS}>\n\t<!-- inside -->\n\t<active value=\"true\"/> <?pi x?>\n</Patient>\n<!-- after -->\n"
    );
    let p: Patient = strict(&xml).unwrap();
    assert_eq!(
        p.to_json_string(),
        r#"{"resourceType":"Patient","active":true}"#
    );
}

#[test]
fn a_prefix_bound_to_the_fhir_namespace_is_read() {
    let xml = r#"<f:Patient xmlns:f="http://hl7.org/fhir"><f:id value="a"/><f:active value="false"/></f:Patient>"#;
    let p: Patient = strict(xml).unwrap();
    assert_eq!(
        p.to_json_string(),
        r#"{"resourceType":"Patient","id":"a","active":false}"#
    );
}

#[test]
fn schema_location_and_namespace_declarations_are_kept() {
    let xml = format!(
        r#"<Patient {NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://hl7.org/fhir ../../schema/patient.xsd"><active value="true"/></Patient>"#
    );
    let p: Patient = strict(&xml).unwrap();
    assert_eq!(p.to_xml_string(), xml);
    assert_eq!(
        p.to_json_string(),
        r#"{"resourceType":"Patient","active":true}"#
    );
}

// --- Strict and lenient ----------------------------------------------------------------------

#[test]
fn strict_reading_refuses_unknown_elements_and_attributes_with_path_line_and_column() {
    let xml =
        format!("<Patient {NS}>\n  <name>\n    <nickname value=\"B\"/>\n  </name>\n</Patient>");
    let e = strict::<Patient>(&xml).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::UnknownElement);
    assert_eq!(
        (e.path().as_str(), e.line(), e.column()),
        ("Patient.name[0].nickname", 3, 5)
    );

    let xml = format!("<Patient {NS}>\n<active value=\"true\" colour=\"red\"/></Patient>");
    let e = strict::<Patient>(&xml).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::UnknownAttribute);
    assert_eq!(
        (e.path().as_str(), e.line(), e.column()),
        ("Patient.active.colour", 2, 22)
    );
}

#[test]
fn lenient_reading_keeps_unknown_elements_and_attributes_and_writes_them_back() {
    let xml = patient(
        r#"<active value="true" colour="red"/><name><family value="A"/><nickname value="B"/></name>"#,
    );
    let p: Patient = lenient(&xml).unwrap();
    assert_eq!(
        p.name[0].unknown.xml().collect::<Vec<_>>(),
        [XmlKept::Element {
            name: "nickname",
            xml: r#"<nickname value="B"/>"#
        }]
    );
    let active = p.active.as_ref().unwrap();
    assert_eq!(active.value, Some(true));
    assert_eq!(
        active
            .element
            .as_ref()
            .unwrap()
            .unknown
            .xml()
            .collect::<Vec<_>>(),
        [XmlKept::Attribute {
            name: "colour",
            value: "red"
        }]
    );
    assert_eq!(p.to_xml_string(), xml);
    // JSON has no form for them: the writer leaves them out and says how many.
    let mut w = fhir_model::json::Writer::new(false);
    p.write_to(&mut w);
    assert_eq!(w.skipped(), 2);
}

#[test]
fn what_lenient_json_kept_is_counted_when_xml_cannot_hold_it() {
    let json = r#"{"resourceType":"Patient","nickname":"B","active":true}"#;
    let p = Patient::from_json_str(json, ParseOptions::lenient()).unwrap();
    let mut w = fhir_model::xml::Writer::new(false);
    p.write_xml_to(&mut w);
    assert_eq!(w.skipped(), 1);
    assert_eq!(w.into_string(), patient(r#"<active value="true"/>"#));
}

#[test]
fn strict_reading_wants_definition_order_and_lenient_reading_takes_any() {
    let xml =
        format!("<Patient {NS}>\n<gender value=\"male\"/>\n<active value=\"true\"/></Patient>");
    let e = strict::<Patient>(&xml).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::OutOfOrder);
    assert_eq!(
        (e.path().as_str(), e.line(), e.column()),
        ("Patient.active", 3, 1)
    );
    let p: Patient = lenient(&xml).unwrap();
    assert_eq!(
        p.to_xml_string(),
        patient(r#"<active value="true"/><gender value="male"/>"#)
    );
    // A list interrupted by another element is out of order too.
    let xml = patient(r#"<name><given value="A"/><family value="F"/><given value="B"/></name>"#);
    assert_eq!(
        strict::<Patient>(&xml).unwrap_err().kind(),
        &ErrorKind::OutOfOrder
    );
    let p: Patient = lenient(&xml).unwrap();
    assert_eq!(p.name[0].given.len(), 2);
}

#[test]
fn an_invalid_value_is_an_error_strictly_and_kept_as_written_leniently() {
    let xml = format!("<Patient {NS}>\n  <birthDate value=\"1974-13-01\"/></Patient>");
    let e = strict::<Patient>(&xml).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidValue(_)), "{e}");
    assert_eq!(
        (e.path().as_str(), e.line(), e.column()),
        ("Patient.birthDate", 2, 14)
    );
    let p: Patient = lenient(&xml).unwrap();
    assert!(p.birth_date.is_none());
    assert_eq!(
        p.to_xml_string(),
        patient(r#"<birthDate value="1974-13-01"/>"#)
    );
}

#[test]
fn a_code_outside_its_required_value_set_names_the_value_set() {
    let e = strict::<Patient>(&patient(r#"<gender value="mal"/>"#)).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::UnknownCode { code, .. } if code == "mal"),
        "{e}"
    );
    assert_eq!(e.path(), "Patient.gender");
    // Lenient reading keeps it typed as text and writes it back unchanged.
    let xml = patient(r#"<gender value="mal"/>"#);
    let p: Patient = lenient(&xml).unwrap();
    assert_eq!(p.gender.value(), Some(&Code::other("mal")));
    assert_eq!(p.to_xml_string(), xml);
}

#[test]
fn empty_elements_are_refused_strictly() {
    let e = strict::<Patient>(&patient("<active/>")).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::EmptyElement);
    assert_eq!(e.path(), "Patient.active");
    let e = strict::<Patient>(&patient("<name></name>")).unwrap_err();
    assert_eq!(
        (e.kind(), e.path().as_str()),
        (&ErrorKind::EmptyElement, "Patient.name[0]")
    );
}

#[test]
fn missing_required_elements_are_refused_strictly() {
    let e = strict::<Observation>(&format!(
        r#"<Observation {NS}><status value="final"/></Observation>"#
    ))
    .unwrap_err();
    assert_eq!(
        (e.kind(), e.path().as_str()),
        (&ErrorKind::MissingRequired, "Observation.code")
    );
}

#[test]
fn text_where_fhir_has_only_elements_is_an_error() {
    let e = strict::<Patient>(&patient("<active value=\"true\">yes</active>")).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::MisplacedText);
    assert_eq!(e.path(), "Patient.active");
    // Leniently the element is kept as written.
    let xml = patient("<active value=\"true\">yes</active>");
    assert_eq!(lenient::<Patient>(&xml).unwrap().to_xml_string(), xml);
}

#[test]
fn namespaces_are_checked() {
    let bare = "<Patient><active value=\"true\"/></Patient>";
    let e = strict::<Patient>(bare).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::WrongNamespace { .. }), "{e}");
    assert_eq!(
        lenient::<Patient>(bare).unwrap().active.unwrap().value,
        Some(true)
    );
    let other = "<Patient xmlns=\"urn:other\"><active value=\"true\"/></Patient>";
    assert!(matches!(
        lenient::<Patient>(other).unwrap_err().kind(),
        ErrorKind::WrongNamespace { .. }
    ));
    let foreign = patient(r#"<active value="true"/><x:thing xmlns:x="urn:x" value="1"/>"#);
    assert_eq!(
        strict::<Patient>(&foreign).unwrap_err().kind(),
        &ErrorKind::UnknownElement
    );
    assert_eq!(
        lenient::<Patient>(&foreign).unwrap().to_xml_string(),
        foreign
    );
}

#[test]
fn a_document_of_another_type_is_not_read_as_this_one() {
    let xml = format!(r#"<Observation {NS}><status value="final"/></Observation>"#);
    for options in [ParseOptions::strict(), ParseOptions::lenient()] {
        let e = Patient::from_xml_str(&xml, options).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::WrongResourceType {
                expected: "Patient",
                found: "Observation".into()
            }
        );
    }
    let e =
        Resource::from_xml_str(&format!("<Nothing {NS}/>"), ParseOptions::lenient()).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::UnknownResourceType("Nothing".into()));
}

#[test]
fn content_after_the_root_is_an_error() {
    let e = strict::<Patient>(&format!(
        "{}<Patient {NS}/>",
        patient(r#"<active value="true"/>"#)
    ))
    .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::TrailingContent);
}

// --- Hostile XML ------------------------------------------------------------------------------

#[test]
fn external_entities_are_never_resolved() {
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Patient [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<Patient {NS}><name><family value=\"&xxe;\"/></name></Patient>"
    );
    for options in [ParseOptions::strict(), ParseOptions::lenient()] {
        let e = Patient::from_xml_str(&xml, options).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::DoctypeNotAllowed);
        assert_eq!((e.line(), e.column()), (2, 1));
    }
}

#[test]
fn entity_expansion_is_refused() {
    let mut dtd = String::from("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", i - 1)
        };
        dtd.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&{prev};").repeat(10)
        ));
    }
    dtd.push(']');
    dtd.push('>');
    let xml = format!("{dtd}<Patient {NS}><name><family value=\"&lol9;\"/></name></Patient>");
    let e = lenient::<Patient>(&xml).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::DoctypeNotAllowed);
    // Without a DTD, an entity other than XML's five is an error too, in both modes and in the
    // narrative as well.
    let e = lenient::<Patient>(&patient(r#"<name><family value="&lol9;"/></name>"#)).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::UndefinedEntity("lol9".into()));
    assert_eq!(e.path(), "Patient.name[0].family");
    let div = patient(
        r#"<text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml">a&nbsp;b</div></text>"#,
    );
    let e = lenient::<Patient>(&div).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::UndefinedEntity("nbsp".into()));
    assert_eq!(e.path(), "Patient.text.div");
}

#[test]
fn nesting_is_bounded_like_json() {
    let depth = 100_000;
    let mut xml = format!("<Patient {NS}>");
    for _ in 0..depth {
        xml.push_str(r#"<extension url="http://example.org/x">"#);
    }
    for _ in 0..depth {
        xml.push_str("</extension>");
    }
    xml.push_str("</Patient>");
    for options in [ParseOptions::strict(), ParseOptions::lenient()] {
        let e = Patient::from_xml_str(&xml, options).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::TooDeep);
    }
}

#[test]
fn every_prefix_of_a_document_is_an_error_or_a_resource_never_a_panic() {
    let xml = format!(
        "<Bundle {NS}><type value=\"collection\"/><entry><resource><Patient><text><status value=\"generated\"/><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>x &amp; y</p></div></text><name><given value=\"A\"/><given id=\"g\"><extension url=\"u\"><valueString value=\"v\"/></extension></given></name></Patient></resource></entry></Bundle>"
    );
    for end in 0..xml.len() {
        for options in [ParseOptions::strict(), ParseOptions::lenient()] {
            let _ = Resource::from_xml_str(&xml[..end], options);
        }
    }
    assert!(Resource::from_xml_str(&xml, ParseOptions::strict()).is_ok());
}

#[test]
fn bytes_that_are_not_utf8_are_an_error() {
    let mut bytes = patient(r#"<active value="true"/>"#).into_bytes();
    bytes[40] = 0xff;
    let e = Patient::from_xml_slice(&bytes, ParseOptions::lenient()).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidUtf8);
}
