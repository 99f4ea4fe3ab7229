//! The official R4 examples, every one, read and written back: the test bed of the model.
//!
//! Lenient reading must reproduce every file exactly (as JSON: key order free, number texts
//! compared as texts). Strict reading must refuse exactly the examples that break the
//! specification, each with the path of the problem; the list is a reviewed snapshot.

use fhir_conformance::{Outcome, package_examples, roundtrip_r4};
use fhir_model::ParseOptions;

fn run(options: ParseOptions) -> (usize, Vec<String>) {
    let examples = package_examples("r4").expect("the pinned R4 package is readable");
    assert!(
        examples.len() > 5300,
        "the package has all its examples: {}",
        examples.len()
    );
    let mut passed = 0;
    let mut failures = Vec::new();
    for ex in &examples {
        match roundtrip_r4(&ex.text, options) {
            Outcome::Passed => passed += 1,
            // The package's npm metadata is the one file that is not a resource.
            Outcome::NotAResource => assert_eq!(ex.name, "package.json"),
            Outcome::Refused(e) => failures.push(format!("{}: {e}", ex.name)),
            Outcome::Changed(d) => failures.push(format!("{}: changed at {d}", ex.name)),
        }
    }
    (passed, failures)
}

#[test]
fn every_r4_example_round_trips_leniently() {
    let (passed, failures) = run(ParseOptions::lenient());
    assert_eq!(failures, Vec::<String>::new());
    // 5,305 examples plus ig-r4.json, an ImplementationGuide resource as well.
    assert_eq!(passed, 5306);
}

#[test]
fn strict_reading_refuses_exactly_the_examples_that_break_the_specification() {
    let (passed, failures) = run(ParseOptions::strict());
    assert_eq!(passed + failures.len(), 5306);
    insta::assert_snapshot!(failures.join("\n"));
}
