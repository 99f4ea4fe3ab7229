//! `roundtrip [--strict] [--xml] [--fhir VERSION] PATH...`: reads every JSON resource under the paths
//! (files, directories, or package `.tgz` archives), writes it back, and compares with the input.
//!
//! With `--xml`, JSON inputs go through XML (JSON → model → XML → model → JSON, compared with the
//! input) and `.xml` inputs are read and written back as XML (compared canonically: attribute
//! order and white space between elements do not count).
//!
//! Prints one line per failure and ends with `N passed, M failed`. Files without `resourceType`
//! (a package's `package.json`, say) are not resources: they are listed and not counted.

use std::path::Path;
use std::process::ExitCode;

use fhir_conformance::{Outcome, Version, collect};
use fhir_model::ParseOptions;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let strict = args.iter().any(|a| a == "--strict");
    let xml = args.iter().any(|a| a == "--xml");
    let Some(&(mut version)) = Version::COMPILED.first() else {
        eprintln!("error: built without any FHIR version (a feature such as r4 or r5)");
        return ExitCode::from(2);
    };
    if xml && !cfg!(feature = "xml") {
        eprintln!(
            "error: --xml needs the tool built with its `xml` feature (cargo xtask roundtrip does that)"
        );
        return ExitCode::from(2);
    }
    let mut paths = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--strict" | "--xml" => {}
            "--fhir" => {
                i += 1;
                match args.get(i).and_then(|v| Version::from_name(v)) {
                    Some(v) => version = v,
                    None => {
                        let compiled: Vec<_> = Version::COMPILED.iter().map(|v| v.name()).collect();
                        eprintln!(
                            "error: --fhir takes one of the versions built in: {} (cargo xtask roundtrip builds the one named)",
                            compiled.join(", ")
                        );
                        return ExitCode::from(2);
                    }
                }
            }
            a if a.starts_with("--") => {
                eprintln!("error: unknown option {a}\n{}", usage());
                return ExitCode::from(2);
            }
            a => paths.push(a.to_owned()),
        }
        i += 1;
    }
    if paths.is_empty() {
        eprintln!("{}", usage());
        return ExitCode::from(2);
    }
    let options = if strict {
        ParseOptions::strict()
    } else {
        ParseOptions::lenient()
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    for path in &paths {
        let examples = match collect(Path::new(path)) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        for ex in examples {
            let outcome = if ex.name.ends_with(".xml") {
                if !xml {
                    println!(
                        "an XML file, read only with --xml, not counted: {}",
                        ex.name
                    );
                    continue;
                }
                xml_through_model(version, &ex.text, options)
            } else if xml {
                json_through_xml(version, &ex.text, options)
            } else {
                version.roundtrip(&ex.text, options)
            };
            match outcome {
                Outcome::Passed => passed += 1,
                Outcome::NotAResource => {
                    println!("not a resource (no resourceType), not counted: {}", ex.name)
                }
                Outcome::Refused(e) => {
                    failed += 1;
                    println!("FAIL {}: {e}", ex.name);
                }
                Outcome::Changed(d) => {
                    failed += 1;
                    println!("FAIL {}: changed at {d}", ex.name);
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The usage line, with the versions built in.
fn usage() -> String {
    let compiled: Vec<_> = Version::COMPILED.iter().map(|v| v.name()).collect();
    format!(
        "usage: roundtrip [--strict] [--xml] [--fhir {}] PATH...",
        compiled.join("|")
    )
}

#[cfg(feature = "xml")]
fn xml_through_model(version: Version, text: &str, options: ParseOptions) -> Outcome {
    version.xml_through_model(text, options)
}

#[cfg(feature = "xml")]
fn json_through_xml(version: Version, text: &str, options: ParseOptions) -> Outcome {
    version.json_through_xml(text, options)
}

// Never reached: `--xml` without the feature stops before reading any file.
#[cfg(not(feature = "xml"))]
fn xml_through_model(_: Version, _: &str, _: ParseOptions) -> Outcome {
    unreachable!("--xml is refused when the tool is built without XML")
}

#[cfg(not(feature = "xml"))]
fn json_through_xml(_: Version, _: &str, _: ParseOptions) -> Outcome {
    unreachable!("--xml is refused when the tool is built without XML")
}
