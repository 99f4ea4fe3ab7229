//! XML written by others: real files with comments, tabs and newlines between elements,
//! narrative XHTML with character references and `<br/>`, read in both modes and compared with
//! their official JSON twins (see `xml-samples/README.md`).

use fhir_conformance::xml::{canonical_difference, xml_through_model};
use fhir_conformance::{Outcome, first_difference, package_examples, workspace_root};
use fhir_model::json::JsonValue;
use fhir_model::r4::Resource;
use fhir_model::{FhirJson, FhirXml, ParseOptions};

fn sample(name: &str) -> String {
    let path = workspace_root().join("tests/xml-samples").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn official(name: &str) -> String {
    package_examples("r4")
        .expect("the pinned packages are readable")
        .into_iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("{name} is an official R4 example"))
        .text
}

#[test]
fn every_sample_reads_strictly_and_writes_back_the_same_xml() {
    for name in ["observation-example.xml", "organization-1.xml"] {
        let text = sample(name);
        for options in [ParseOptions::strict(), ParseOptions::lenient()] {
            match xml_through_model::<Resource>(&text, options) {
                Outcome::Passed => {}
                Outcome::Refused(e) => panic!("{name}: refused: {e}"),
                Outcome::Changed(d) => panic!("{name}: changed at {d}"),
                Outcome::NotAResource => unreachable!(),
            }
        }
    }
}

#[test]
fn organization_1_is_the_same_resource_as_its_json_twin() {
    let from_xml = Resource::from_xml_str(&sample("organization-1.xml"), ParseOptions::strict())
        .expect("reads strictly");
    let twin = JsonValue::parse(&official("Organization-hl7.json")).unwrap();
    let written = JsonValue::parse(&from_xml.to_json_string()).unwrap();
    assert_eq!(first_difference(&twin, &written), None);
}

#[test]
fn observation_example_matches_its_older_json_variant_element_by_element() {
    use fhir_model::r4::{Observation, ObservationValue};
    let xml = Observation::from_xml_str(&sample("observation-example.xml"), ParseOptions::strict())
        .expect("reads strictly");
    let json = Observation::from_json_str(
        &official("Observation-example.json"),
        ParseOptions::strict(),
    )
    .unwrap();
    // The XML carries one more extension (patient-age, a valueAge) and another narrative.
    assert_eq!(xml.extension.len(), 1);
    assert_eq!(
        xml.extension[0].url,
        "http://example.com/fhir/StructureDefinition/patient-age"
    );
    assert!(json.extension.is_empty());
    assert_eq!(xml.id, json.id);
    assert_eq!(xml.status, json.status);
    assert_eq!(xml.category, json.category);
    assert_eq!(xml.code, json.code);
    assert_eq!(xml.subject, json.subject);
    assert_eq!(xml.encounter, json.encounter);
    assert_eq!(xml.effective, json.effective);
    let (Some(ObservationValue::Quantity(qx)), Some(ObservationValue::Quantity(qj))) =
        (&xml.value, &json.value)
    else {
        panic!("both have a valueQuantity");
    };
    assert_eq!(qx, qj);
    assert_eq!(
        qx.value.as_ref().unwrap().value.as_ref().unwrap().as_str(),
        "185"
    );
}

#[test]
fn the_canonical_comparison_sees_a_changed_sample() {
    let text = sample("organization-1.xml");
    let changed = text.replace("Ann Arbor\"", "Ann Arbour\"");
    assert_ne!(text, changed);
    assert!(canonical_difference(&text, &changed).unwrap().is_some());
}
