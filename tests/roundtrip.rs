//! The official examples, every one, read and written back: the test bed of the model.
//!
//! Lenient reading must reproduce every file exactly (as JSON: key order free, number texts
//! compared as texts). Strict reading must refuse exactly the examples that break the
//! specification, each with the path of the problem; the lists are reviewed snapshots.

use fhir_conformance::{Outcome, Version, package_examples};
use fhir_model::ParseOptions;

/// Runs `check` on every file of a version's pinned packages; the passes and the failures.
fn run_each(dir: &str, check: impl Fn(&str) -> Outcome) -> (usize, Vec<String>) {
    let examples = package_examples(dir).expect("the pinned packages are readable");
    let mut passed = 0;
    let mut failures = Vec::new();
    for ex in &examples {
        match check(&ex.text) {
            Outcome::Passed => passed += 1,
            // Each package's npm metadata is the one file that is not a resource.
            Outcome::NotAResource => assert_eq!(ex.name, "package.json"),
            Outcome::Refused(e) => failures.push(format!("{}: {e}", ex.name)),
            Outcome::Changed(d) => failures.push(format!("{}: changed at {d}", ex.name)),
        }
    }
    (passed, failures)
}

/// Round-trips every file of a version's pinned packages; returns the passes and the failures.
fn run(version: Version, dir: &str, options: ParseOptions) -> (usize, Vec<String>) {
    run_each(dir, |text| version.roundtrip(text, options))
}

#[test]
fn every_r4_example_round_trips_leniently() {
    let (passed, failures) = run(Version::R4, "r4", ParseOptions::lenient());
    assert_eq!(failures, Vec::<String>::new());
    // 5,305 examples plus ig-r4.json, an ImplementationGuide resource as well.
    assert_eq!(passed, 5306);
}

#[test]
fn strict_reading_refuses_exactly_the_examples_that_break_the_specification() {
    let (passed, failures) = run(Version::R4, "r4", ParseOptions::strict());
    assert_eq!(passed + failures.len(), 5306);
    insta::assert_snapshot!(failures.join("\n"));
}

#[test]
fn every_r5_resource_round_trips_leniently() {
    let (passed, failures) = run(Version::R5, "r5", ParseOptions::lenient());
    assert_eq!(failures, Vec::<String>::new());
    // The core package's 2,968 definitions and the examples package's 2,822 resources.
    assert_eq!(passed, 2968 + 2822);
}

#[test]
fn strict_r5_reading_refuses_exactly_the_resources_that_break_the_specification() {
    let (passed, failures) = run(Version::R5, "r5", ParseOptions::strict());
    assert_eq!(passed + failures.len(), 2968 + 2822);
    insta::assert_snapshot!(failures.join("\n"));
}

/// Every file of a version's pinned packages through XML and back (see
/// `fhir_conformance::xml::json_through_xml`).
fn run_xml(version: Version, dir: &str, options: ParseOptions) -> (usize, Vec<String>) {
    run_each(dir, |text| version.json_through_xml(text, options))
}

#[test]
fn every_r4_example_round_trips_through_xml() {
    let (passed, failures) = run_xml(Version::R4, "r4", ParseOptions::lenient());
    assert_eq!(failures, Vec::<String>::new());
    assert_eq!(passed, 5306);
}

#[test]
fn every_r5_resource_round_trips_through_xml() {
    let (passed, failures) = run_xml(Version::R5, "r5", ParseOptions::lenient());
    assert_eq!(failures, Vec::<String>::new());
    assert_eq!(passed, 2968 + 2822);
}
