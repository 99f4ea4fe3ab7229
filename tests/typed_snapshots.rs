//! The typed form of two official examples, as `Debug` shows it (present elements only), and
//! one of them as FHIR XML.

use fhir_conformance::package_examples;
use fhir_model::r4::Resource;
use fhir_model::{FhirXml, ParseOptions};

fn typed(name: &str) -> Resource {
    let examples = package_examples("r4").unwrap();
    let ex = examples.iter().find(|e| e.name == name).unwrap();
    Resource::from_json_str(&ex.text, ParseOptions::strict()).unwrap()
}

#[test]
fn patient_example() {
    let r = typed("Patient-example.json");
    assert_eq!((r.resource_type(), r.id()), ("Patient", Some("example")));
    insta::assert_snapshot!(format!("{r:#?}"));
}

/// The same example written as XML: namespace on the root, `value` attributes, the narrative's
/// XHTML as written, elements in definition order.
#[test]
fn patient_example_xml() {
    let r = typed("Patient-example.json");
    let xml = r.to_xml_pretty();
    let back = Resource::from_xml_str(&xml, ParseOptions::strict()).unwrap();
    assert!(
        back == r,
        "the XML reads back strictly to the same resource"
    );
    insta::assert_snapshot!(xml);
}

#[test]
fn capability_statement_example() {
    let r = typed("CapabilityStatement-example.json");
    assert_eq!(r.resource_type(), "CapabilityStatement");
    insta::assert_snapshot!(format!("{r:#?}"));
}
