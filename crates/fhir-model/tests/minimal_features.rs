//! With only some resources compiled (`--no-default-features --features
//! r4,patient,capability-statement`), every other resource is kept as JSON and still round-trips,
//! at the top level, in `contained` and in `Bundle.entry`. CI runs this configuration.
#![cfg(all(feature = "r4", feature = "patient", not(feature = "observation")))]

use fhir_model::json::JsonValue;
use fhir_model::r4::{Patient, Resource};
use fhir_model::{ParseOptions, RawResource};

/// JSON with object keys sorted, so that two values compare regardless of key order.
fn canonical(v: &JsonValue) -> JsonValue {
    match v {
        JsonValue::Object(members) => {
            let mut m: Vec<(String, JsonValue)> = members
                .iter()
                .map(|(k, v)| (k.clone(), canonical(v)))
                .collect();
            m.sort_by(|a, b| a.0.cmp(&b.0));
            JsonValue::Object(m)
        }
        JsonValue::Array(items) => JsonValue::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

#[test]
fn resources_without_their_feature_are_kept_as_json() {
    let json = r#"{"resourceType":"Patient","id":"p","contained":[{"resourceType":"Observation","id":"o",
        "status":"final","code":{"text":"x"},"valueQuantity":{"value":1.50}}]}"#;
    let r = Resource::from_json_str(json, ParseOptions::strict()).unwrap();
    let Resource::Patient(p) = &r else {
        panic!("Patient is compiled")
    };
    let Resource::Other(raw) = &p.contained[0] else {
        panic!("Observation is not compiled")
    };
    assert_eq!((raw.resource_type(), raw.id()), ("Observation", Some("o")));
    let written = JsonValue::parse(&r.to_json_string()).unwrap();
    assert_eq!(
        canonical(&written),
        canonical(&JsonValue::parse(json).unwrap())
    );

    // A raw resource of a compiled type converts into it.
    let raw =
        RawResource::from_json(JsonValue::parse(r#"{"resourceType":"Patient","id":"q"}"#).unwrap())
            .unwrap();
    let typed: Patient = raw.to_typed(ParseOptions::strict()).unwrap();
    assert_eq!(fhir_model::TypedResource::id(&typed), Some("q"));

    // A type that FHIR R4 does not have is still an error, not a raw resource.
    let e =
        Resource::from_json_str(r#"{"resourceType":"Foo"}"#, ParseOptions::strict()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "$: unknown resourceType \"Foo\" at line 1 column 1"
    );
}

#[test]
fn every_r4_example_round_trips_with_two_resources_compiled() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../definitions/r4");
    let manifest = fhir_package::Manifest::load(&dir).unwrap();
    let package = fhir_package::Package::open_ref(&manifest, &manifest.packages[0]).unwrap();
    let files = package
        .read_files(|n| n.ends_with(".json") && n != "package.json")
        .unwrap();
    let (mut typed, mut raw) = (0, 0);
    for (name, bytes) in files {
        let text = String::from_utf8(bytes).unwrap();
        let r = Resource::from_json_str(&text, ParseOptions::lenient())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        match r {
            Resource::Other(_) => raw += 1,
            _ => typed += 1,
        }
        let written = JsonValue::parse(&r.to_json_string()).unwrap();
        assert_eq!(
            canonical(&written),
            canonical(&JsonValue::parse(&text).unwrap()),
            "{name}"
        );
    }
    // The 22 Patient and 8 CapabilityStatement examples are typed; the rest are kept as JSON.
    assert_eq!((typed, raw), (30, 5276));
}
