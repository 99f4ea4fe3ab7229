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

#[test]
fn generated_r4_code() {
    let files = r4_files();
    insta::assert_snapshot!("patient", files["patient.rs"]);
    insta::assert_snapshot!("observation", files["observation.rs"]);
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
    insta::assert_snapshot!("r5_codeable_reference", files["codeable_reference.rs"]);
    insta::assert_snapshot!("r5_medication_request", files["medication_request.rs"]);
    insta::assert_snapshot!(
        "r5_primitive_integer64",
        item(&files["primitives.rs"], "pub type Integer64Type ")
    );
}
