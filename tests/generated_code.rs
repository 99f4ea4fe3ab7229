//! Snapshots of what the generator makes of a few representative definitions: a resource with
//! backbone elements and a required code (Patient), a resource with choice types (Observation),
//! and the primitive types. A change to the generator shows up here as a reviewable diff.
//!
//! The XML code (the items behind `cfg(feature = "xml")`) is split off each file, so that the
//! JSON snapshots show that XML left the JSON code alone; Patient's XML is a snapshot of its own.

use std::collections::BTreeMap;

use fhir_conformance::workspace_root;
use xtask::codegen::{VERSIONS, generate};

fn r4_files() -> BTreeMap<String, String> {
    let r4 = VERSIONS.iter().find(|v| v.module == "r4").unwrap();
    generate(&workspace_root(), r4)
        .unwrap()
        .into_iter()
        .collect()
}

/// The line that contains `needle`, with the doc comment above it.
fn item(file: &str, needle: &str) -> String {
    let lines: Vec<&str> = file.lines().collect();
    let end = lines
        .iter()
        .position(|l| l.contains(needle))
        .expect("the item is generated");
    let start = lines[..end]
        .iter()
        .rposition(|l| !l.starts_with("///"))
        .map_or(0, |i| i + 1);
    lines[start..=end].join("\n")
}

/// A generated file split in two: everything but the XML items, and the XML items (each a
/// top-level item under `#[cfg(feature = "xml")]`, up to its closing line).
fn split_xml(file: &str) -> (String, String) {
    let (mut rest, mut xml) = (Vec::new(), Vec::new());
    let mut in_xml = false;
    for line in file.lines() {
        in_xml |= line == r#"#[cfg(feature = "xml")]"#;
        if in_xml {
            xml.push(line);
            let top_level = !line.starts_with([' ', '#']);
            in_xml = !(top_level && (line.ends_with('}') || line.ends_with(';')));
        } else {
            rest.push(line);
        }
    }
    (rest.join("\n") + "\n", xml.join("\n") + "\n")
}

#[test]
fn generated_r4_code() {
    let files = r4_files();
    let (patient, patient_xml) = split_xml(&files["patient.rs"]);
    assert!(!patient.contains("Xml"), "every XML item is split off");
    // A struct's element reader and writer, and a choice's.
    assert!(patient_xml.contains("impl XmlComplex for Patient {"));
    assert!(patient_xml.contains("impl XmlChoice for PatientDeceased {"));
    insta::assert_snapshot!("patient", patient);
    insta::assert_snapshot!("patient_xml", patient_xml);
    insta::assert_snapshot!("observation", split_xml(&files["observation.rs"]).0);
    // One primitive: `date`, from the aliases file.
    let primitives = &files["primitives.rs"];
    insta::assert_snapshot!("primitive_date", item(primitives, "pub type DateType "));
    // The code enum of Patient.gender.
    let codes = &files["codes.rs"];
    let start = codes
        .find("/// AdministrativeGender")
        .expect("the enum is generated");
    let end = start + codes[start..].find("crate::code_enum_support!").unwrap();
    insta::assert_snapshot!("code_enum_administrative_gender", &codes[start..end]);
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(r4_files(), r4_files());
}

/// Definitions that changed between R4 and R5: a new datatype (`CodeableReference`), a resource
/// whose medication became one (`MedicationRequest`), and R5's `integer64` primitive.
#[test]
fn generated_r5_code() {
    let r5 = VERSIONS.iter().find(|v| v.module == "r5").unwrap();
    let files: BTreeMap<String, String> = generate(&workspace_root(), r5)
        .unwrap()
        .into_iter()
        .collect();
    insta::assert_snapshot!(
        "r5_codeable_reference",
        split_xml(&files["codeable_reference.rs"]).0
    );
    insta::assert_snapshot!(
        "r5_medication_request",
        split_xml(&files["medication_request.rs"]).0
    );
    insta::assert_snapshot!(
        "r5_primitive_integer64",
        item(&files["primitives.rs"], "pub type Integer64Type ")
    );
}
