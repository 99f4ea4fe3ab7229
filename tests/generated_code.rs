//! Snapshots of what the generator makes of a few representative definitions: a resource with
//! backbone elements and a required code (Patient), a resource with choice types (Observation),
//! and the primitive types. A change to the generator shows up here as a reviewable diff.

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

#[test]
fn generated_r4_code() {
    let files = r4_files();
    insta::assert_snapshot!("patient", files["patient.rs"]);
    insta::assert_snapshot!("observation", files["observation.rs"]);
    // One primitive: `date`, from the aliases file.
    let primitives = &files["primitives.rs"];
    let date: String = primitives
        .split("\n\n")
        .filter(|item| item.contains("pub type DateType "))
        .collect();
    assert!(!date.is_empty());
    insta::assert_snapshot!("primitive_date", date);
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
