//! The properties the fuzz targets check, as plain functions: each returns `Err` with what went
//! wrong instead of panicking, so unit tests can run them on fixed inputs, and the targets turn
//! an `Err` into a crash that libFuzzer records.
#![warn(missing_docs)]

mod tree;

use fhir_model::json::JsonValue;
use fhir_model::r4::{Patient, Resource};
use fhir_model::{ErrorKind, FhirJson, ParseOptions};

pub use tree::{canonical, has_ambiguous_resource_type, is_valid_json, max_nesting};

/// Target `parse`: reading any text never panics (libFuzzer sees a panic as a crash), strict
/// success implies lenient success with the same output, the output is valid JSON and reads back
/// to itself, and the typed entry point `Patient::from_json_str` only takes Patients.
pub fn check_parse(input: &str) -> Result<(), String> {
    let lenient = check_parse_resource(input)?;
    check_patient(input, lenient.as_ref())
}

/// The part of [`check_parse`] about the `Resource` enum; returns what lenient reading read.
pub fn check_parse_resource(input: &str) -> Result<Option<Resource>, String> {
    let lenient = Resource::from_json_str(input, ParseOptions::lenient());
    let strict = Resource::from_json_str(input, ParseOptions::strict());
    if let Ok(strict) = &strict {
        let Ok(lenient) = &lenient else {
            return Err(format!(
                "strict reading succeeds but lenient fails: {}",
                lenient.as_ref().unwrap_err()
            ));
        };
        let (s, l) = (strict.to_json_string(), lenient.to_json_string());
        if s != l {
            return Err(format!(
                "strict and lenient read differently:\nstrict  {s}\nlenient {l}"
            ));
        }
    }
    if let Ok(resource) = &lenient {
        check_output(&resource.to_json_string())?;
    }
    Ok(lenient.ok())
}

/// The written text is valid JSON, reads back leniently, and writes the same text again.
fn check_output(out: &str) -> Result<(), String> {
    if !is_valid_json(out) {
        return Err(format!("the output is not valid JSON: {out}"));
    }
    let again = Resource::from_json_str(out, ParseOptions::lenient())
        .map_err(|e| format!("the output does not read back: {e}\noutput {out}"))?;
    let out2 = again.to_json_string();
    if out2 != out {
        return Err(format!(
            "a second read and write changes the output:\nfirst  {out}\nsecond {out2}"
        ));
    }
    Ok(())
}

/// The part of [`check_parse`] about the typed entry point, given what the `Resource` enum read
/// leniently: `Patient::from_json_str` succeeds only on a document whose `resourceType` is `Patient`, and
/// then writes what the `Resource` enum writes.
pub fn check_patient(input: &str, resource: Option<&Resource>) -> Result<(), String> {
    for options in [ParseOptions::lenient(), ParseOptions::strict()] {
        let Ok(patient) = Patient::from_json_str(input, options) else {
            continue;
        };
        let Some(Resource::Patient(from_enum)) = resource else {
            return Err(format!(
                "Patient::from_json_str ({}) accepts a document the Resource enum does not read as a Patient",
                if options.is_strict() {
                    "strict"
                } else {
                    "lenient"
                }
            ));
        };
        let (p, e) = (patient.to_json_string(), from_enum.to_json_string());
        if p != e {
            return Err(format!(
                "Patient::from_json_str and Resource write differently:\nPatient  {p}\nResource {e}"
            ));
        }
    }
    Ok(())
}

/// Why an input is outside what target `lossless` checks; see [`check_lossless`].
#[derive(Debug, PartialEq, Eq)]
pub enum Skip {
    /// Not valid JSON (see [`is_valid_json`]).
    NotJson,
    /// Nested deeper than the checks read (a cheap bound, before any recursive reading).
    TooDeep,
    /// Valid JSON but not a resource: not an object, or its first `resourceType` is not a string
    /// naming an R4 resource type.
    NotAResource,
    /// An object with a `resourceType` that is not a string, or with two that differ (see
    /// [`has_ambiguous_resource_type`]): refused by design, not kept.
    AmbiguousResourceType,
}

/// The deepest input target `lossless` reads, counted in brackets; the model's own limit is 256.
pub const LOSSLESS_MAX_NESTING: usize = 300;

/// Target `lossless`: lenient reading of a valid JSON resource succeeds (or fails only for
/// nesting too deep) and writes the input back, as JSON: key order is free, number text is exact,
/// and values of a repeated key keep their relative order.
///
/// "Valid JSON" is RFC 8259 text whose strings are Unicode: a lone surrogate escape (`"\ud800"`)
/// makes an input invalid, as FHIR strings are Unicode text and cannot hold one. Duplicate keys
/// are valid JSON (RFC 8259 says names SHOULD be unique, not MUST); FHIR JSON forbids them, but
/// lenient reading keeps whatever it cannot type, so it must keep those too.
pub fn check_lossless(input: &str) -> Result<Result<(), Skip>, String> {
    if max_nesting(input) > LOSSLESS_MAX_NESTING {
        return Ok(Err(Skip::TooDeep));
    }
    if !is_valid_json(input) {
        return Ok(Err(Skip::NotJson));
    }
    let tree = JsonValue::parse(input)
        .map_err(|e| format!("the model's JsonValue refuses valid JSON: {e}"))?;
    let is_resource = matches!(
        tree.get("resourceType"),
        Some(JsonValue::String(t)) if fhir_model::r4::RESOURCE_TYPES.contains(&t.as_str())
    );
    if !is_resource {
        return Ok(Err(Skip::NotAResource));
    }
    if has_ambiguous_resource_type(&tree) {
        return Ok(Err(Skip::AmbiguousResourceType));
    }
    let resource = match Resource::from_json_str(input, ParseOptions::lenient()) {
        Ok(r) => r,
        Err(e) if matches!(e.kind(), ErrorKind::TooDeep) => return Ok(Ok(())),
        Err(e) => return Err(format!("lenient reading fails on a valid resource: {e}")),
    };
    let out = resource.to_json_string();
    let out_tree =
        JsonValue::parse(&out).map_err(|e| format!("the output is not JSON: {e}\noutput {out}"))?;
    let (want, got) = (canonical(&tree), canonical(&out_tree));
    if want != got {
        return Err(format!(
            "lenient reading loses or changes data:\ninput  {want}\noutput {got}"
        ));
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossless_scope() {
        let deep = format!("{}{}", "[".repeat(400), "]".repeat(400));
        assert_eq!(check_lossless(&deep), Ok(Err(Skip::TooDeep)));
        let surrogate = r#"{"resourceType":"Patient","id":"\ud800"}"#;
        assert_eq!(check_lossless(surrogate), Ok(Err(Skip::NotJson)));
        assert_eq!(check_lossless("[1]"), Ok(Err(Skip::NotAResource)));
        let unknown_type = r#"{"resourceType":"Nonsense"}"#;
        assert_eq!(check_lossless(unknown_type), Ok(Err(Skip::NotAResource)));
        let two_types = r#"{"resourceType":"Patient","contained":[{"resourceType":"Basic","resourceType":"Patient"}]}"#;
        assert_eq!(
            check_lossless(two_types),
            Ok(Err(Skip::AmbiguousResourceType))
        );
        // The same type twice is not ambiguous, and is kept.
        let same_twice = r#"{"resourceType":"Patient","resourceType":"Patient"}"#;
        assert_eq!(check_lossless(same_twice), Ok(Ok(())));
    }

    #[test]
    fn lossless_holds_for_kept_data() {
        // Unknown properties, number text and a resource read as raw JSON are all written back.
        let input = r#"{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.50},"zz":[1e2]}"#;
        assert_eq!(check_lossless(input), Ok(Ok(())));
        assert_eq!(
            check_lossless(r#"{"resourceType":"Basic","x":1.0}"#),
            Ok(Ok(()))
        );
    }

    #[test]
    fn parse_accepts_broken_input_without_panicking() {
        for input in ["", "{", "nul", r#"{"resourceType":1}"#, "[]"] {
            assert_eq!(check_parse_resource(input).map(|r| r.is_some()), Ok(false));
        }
    }
}

/// The properties of the `parse_xml` target: reading XML never panics in either mode; a
/// resource strict reading accepts is the one lenient reading reads; a resource read writes
/// XML that reads back (leniently) and then writes the same text.
pub fn check_parse_xml(input: &str) -> Result<(), String> {
    use fhir_model::FhirXml;
    let lenient = Resource::from_xml_str(input, ParseOptions::lenient());
    let strict = Resource::from_xml_str(input, ParseOptions::strict());
    if let Ok(strict) = &strict {
        match &lenient {
            Ok(lenient) if lenient == strict => {}
            Ok(_) => return Err("strict and lenient XML reading read different resources".into()),
            Err(e) => return Err(format!("strict XML reading accepted what lenient refused: {e}")),
        }
    }
    let Ok(resource) = lenient else {
        return Ok(());
    };
    let written = resource.to_xml_string();
    let again = Resource::from_xml_str(&written, ParseOptions::lenient())
        .map_err(|e| format!("the written XML does not read back: {e}\nwritten {written}"))?;
    let rewritten = again.to_xml_string();
    if rewritten != written {
        return Err(format!("writing is not stable:\nfirst  {written}\nsecond {rewritten}"));
    }
    Ok(())
}
