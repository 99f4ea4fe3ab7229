//! The committed seed corpus: small, as the brief of the corpus says, and every seed inside both
//! properties, so a crash the fuzzers report comes from a mutation, not from a seed.

use std::fs;
use std::path::Path;

fn seeds() -> Vec<(String, String)> {
    files("seeds")
}

/// The files of a folder of this crate, by name, with their texts.
fn files(folder: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut out: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn corpus_is_small() {
    let seeds = seeds();
    let bytes: usize = seeds.iter().map(|(_, s)| s.len()).sum();
    assert!((100..=200).contains(&seeds.len()), "{} seeds", seeds.len());
    assert!(bytes < 1 << 20, "{bytes} bytes");
}

#[test]
fn every_seed_passes_parse_through_the_resource_enum() {
    for (name, text) in seeds() {
        if let Err(what) = fhir_fuzz::check_parse_resource(&text) {
            panic!("{name}: {what}");
        }
    }
}

/// The whole of target `parse`, with the typed entry point.
#[test]
fn every_seed_passes_parse() {
    for (name, text) in seeds() {
        if let Err(what) = fhir_fuzz::check_parse(&text) {
            panic!("{name}: {what}");
        }
    }
}

#[test]
fn every_seed_is_a_resource_written_back_unchanged() {
    for (name, text) in seeds() {
        match fhir_fuzz::check_lossless(&text) {
            Ok(Ok(())) => {}
            Ok(Err(skip)) => panic!("{name}: outside the property: {skip:?}"),
            Err(what) => panic!("{name}: {what}"),
        }
    }
}

#[test]
fn every_xml_seed_passes_parse_xml() {
    let seeds = files("seeds-xml");
    assert!(seeds.len() >= 100, "{} XML seeds", seeds.len());
    for (name, text) in seeds {
        if let Err(what) = fhir_fuzz::check_parse_xml(&text) {
            panic!("{name}: {what}");
        }
    }
}

/// Inputs the fuzzers once found failing, kept so that they stay fixed.
#[test]
fn every_regression_passes_its_target() {
    let found = files("regressions");
    assert!(!found.is_empty());
    for (name, text) in found {
        let result = match name.split_once('-').map(|(target, _)| target) {
            Some("parse_xml") => fhir_fuzz::check_parse_xml(&text),
            Some("parse") => fhir_fuzz::check_parse(&text),
            _ => panic!("{name}: the name starts with no target"),
        };
        if let Err(what) = result {
            panic!("{name}: {what}");
        }
    }
}
