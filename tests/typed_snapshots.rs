//! The typed form of two official examples, as `Debug` shows it (present elements only).

use fhir_conformance::package_examples;
use fhir_model::ParseOptions;
use fhir_model::r4::Resource;

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

#[test]
fn capability_statement_example() {
    let r = typed("CapabilityStatement-example.json");
    assert_eq!(r.resource_type(), "CapabilityStatement");
    insta::assert_snapshot!(format!("{r:#?}"));
}
