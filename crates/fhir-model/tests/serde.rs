//! The `serde` feature: models inside a user's derived types, through serde_json (lossless),
//! `serde_json::Value` and TOML (a format without exact decimals).

use fhir_model::r4::{Observation, Patient, Resource};
use fhir_model::serde::Strict;
use fhir_model::{FhirJson, ParseOptions, RawResource};
use serde::{Deserialize, Serialize};

/// A decimal with a trailing zero, a primitive extension (`_birthDate`) and a list of primitives
/// aligned with `null` (`_given`): all things a serde data model loses without care.
const PATIENT: &str = r#"{"resourceType":"Patient","id":"p1","extension":[{"url":"http://example.org/score","valueDecimal":1.50}],"name":[{"family":"Chalmers","given":["Peter","James"],"_given":[null,{"extension":[{"url":"http://example.org/kind","valueString":"middle"}]}]}],"birthDate":"1974-12-25","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1974-12-25T14:35:45-05:00"}]}}"#;

const OBSERVATION: &str = r#"{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"dose"},"valueQuantity":{"value":0.000100,"unit":"g"}}"#;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Envelope {
    patient: Patient,
    resources: Vec<Resource>,
    note: String,
}

fn envelope_json(patient: &str, resources: &[&str]) -> String {
    format!(
        r#"{{"patient":{patient},"resources":[{}],"note":"as sent"}}"#,
        resources.join(",")
    )
}

fn model_json<T: FhirJson>(json: &str) -> String {
    T::from_json_str(json, ParseOptions::strict())
        .unwrap()
        .to_json_string()
}

#[test]
fn the_inputs_are_what_the_model_writes() {
    assert_eq!(model_json::<Patient>(PATIENT), PATIENT);
    assert_eq!(model_json::<Resource>(OBSERVATION), OBSERVATION);
}

#[test]
fn a_user_struct_round_trips_through_serde_json_exactly() {
    let json = envelope_json(PATIENT, &[OBSERVATION, PATIENT]);
    let envelope: Envelope = serde_json::from_str(&json).unwrap();
    let birth = envelope.patient.birth_date.as_ref().unwrap();
    assert_eq!(birth.value.as_ref().unwrap().as_str(), "1974-12-25");
    assert_eq!(birth.extension().len(), 1);
    assert_eq!(envelope.resources[0].resource_type(), "Observation");
    assert_eq!(envelope.resources[1].id(), Some("p1"));
    assert_eq!(envelope.note, "as sent");

    let written = serde_json::to_string(&envelope).unwrap();
    assert_eq!(written, json);
    assert!(written.contains(r#""valueDecimal":1.50"#));
    assert!(written.contains(r#""value":0.000100"#));
    // Each model's part is exactly the model's own output.
    assert_eq!(
        serde_json::to_string(&envelope.patient).unwrap(),
        envelope.patient.to_json_string()
    );
}

#[test]
fn every_serde_json_entry_point_is_lossless() {
    let json = envelope_json(PATIENT, &[OBSERVATION]);
    let from_slice: Envelope = serde_json::from_slice(json.as_bytes()).unwrap();
    let from_reader: Envelope = serde_json::from_reader(json.as_bytes()).unwrap();
    assert_eq!(from_slice, from_reader);
    assert_eq!(serde_json::to_vec(&from_reader).unwrap(), json.as_bytes());

    // Pretty output indents the envelope; the models inside are kept compact, as text.
    let pretty = serde_json::to_string_pretty(&from_slice).unwrap();
    assert!(pretty.starts_with("{\n  \"patient\": {\"resourceType\":\"Patient\""));
    let again: Envelope = serde_json::from_str(&pretty).unwrap();
    assert_eq!(serde_json::to_string(&again).unwrap(), json);

    let mut out = Vec::new();
    from_slice
        .serialize(&mut serde_json::Serializer::with_formatter(
            &mut out,
            serde_json::ser::PrettyFormatter::with_indent(b"\t"),
        ))
        .unwrap();
    assert!(
        String::from_utf8(out)
            .unwrap()
            .contains(r#""value":0.000100"#)
    );
}

#[test]
fn serde_json_values_work_with_f64_decimals() {
    let json = envelope_json(PATIENT, &[OBSERVATION]);
    let envelope: Envelope = serde_json::from_str(&json).unwrap();
    let value = serde_json::to_value(&envelope).unwrap();
    assert_eq!(value["patient"]["birthDate"], "1974-12-25");
    assert_eq!(
        value["patient"]["_birthDate"]["extension"][0]["valueDateTime"],
        "1974-12-25T14:35:45-05:00"
    );
    assert_eq!(
        value["patient"]["name"][0]["_given"][0],
        serde_json::Value::Null
    );
    // Without serde_json's `arbitrary_precision`, a `Value` holds numbers as f64.
    assert_eq!(value["resources"][0]["valueQuantity"]["value"], 0.0001);

    let back: Envelope = serde_json::from_value(value.clone()).unwrap();
    let expected = json.replace("1.50", "1.5").replace("0.000100", "0.0001");
    assert_eq!(serde_json::to_string(&back).unwrap(), expected);
    // Borrowed too.
    let borrowed = Patient::deserialize(&value["patient"]).unwrap();
    assert_eq!(borrowed, back.patient);
}

#[test]
fn a_wrong_field_type_names_its_fhir_path() {
    let bad = r#"{"resourceType":"Patient","id":"p1","birthDate":5}"#;
    let err = serde_json::from_str::<Strict<Patient>>(bad).unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with(
            "Patient.birthDate: expected string, found number (line 1 column 49 of the FHIR value)"
        ),
        "{message}"
    );

    #[derive(Deserialize, Debug)]
    struct Upload {
        #[serde(deserialize_with = "fhir_model::serde::strict::deserialize")]
        #[allow(dead_code)]
        patient: Patient,
    }
    let err = serde_json::from_str::<Upload>(&format!(r#"{{"patient":{bad}}}"#)).unwrap_err();
    assert!(err.to_string().starts_with("Patient.birthDate: "), "{err}");

    // Deep inside a list of resources, through the `Resource` enum.
    let bad_obs =
        r#"{"resourceType":"Observation","status":"final","code":{"coding":[{"code":1}]}}"#;
    let err = serde_json::from_str::<Vec<Strict<Resource>>>(&format!("[{OBSERVATION},{bad_obs}]"))
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Observation.code.coding[0].code: expected string"),
        "{err}"
    );

    // Lenient (the default) keeps the value that does not fit and writes it back.
    let kept: Patient = serde_json::from_str(bad).unwrap();
    assert!(kept.birth_date.is_none());
    assert_eq!(serde_json::to_string(&kept).unwrap(), bad);
}

#[test]
fn what_is_not_a_resource_is_an_error_not_a_panic() {
    let err = serde_json::from_str::<Envelope>(r#"{"patient":"p1","resources":[],"note":""}"#)
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Patient: expected Patient, found string"),
        "{err}"
    );
    let err =
        serde_json::from_str::<Vec<Resource>>(r#"[{"resourceType":"Nonsense"}]"#).unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown resourceType \"Nonsense\""),
        "{err}"
    );
    let err = serde_json::from_str::<Patient>(OBSERVATION).unwrap_err();
    assert!(
        err.to_string()
            .contains("expected resourceType \"Patient\""),
        "{err}"
    );
    // JSON syntax errors stay serde_json's own.
    assert!(serde_json::from_str::<Patient>(r#"{"resourceType":"Patient""#).is_err());
    // `null` for an optional model is `None`, as for any type.
    let none: Option<Patient> = serde_json::from_str("null").unwrap();
    assert!(none.is_none());
}

#[test]
fn strict_refuses_an_unknown_field_that_lenient_keeps() {
    let json = r#"{"resourceType":"Patient","id":"p1","nickname":"Pete","active":true}"#;
    let lenient: Patient = serde_json::from_str(json).unwrap();
    assert!(lenient.active.is_some());
    let written = serde_json::to_string(&lenient).unwrap();
    assert!(written.contains(r#""nickname":"Pete""#), "{written}");
    assert_eq!(
        Patient::from_json_str(&written, ParseOptions::lenient()).unwrap(),
        lenient
    );

    let err = serde_json::from_str::<Strict<Patient>>(json).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Patient.nickname: unknown element"),
        "{err}"
    );

    #[derive(Serialize, Deserialize, Debug)]
    struct Checked {
        #[serde(with = "fhir_model::serde::strict")]
        observation: Observation,
    }
    let err = serde_json::from_str::<Checked>(
        r#"{"observation":{"resourceType":"Observation","status":"final","code":{},"extra":1}}"#,
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("Observation."), "{err}");
    let ok: Checked = serde_json::from_str(&format!(r#"{{"observation":{OBSERVATION}}}"#)).unwrap();
    assert_eq!(
        serde_json::to_string(&ok).unwrap(),
        format!(r#"{{"observation":{OBSERVATION}}}"#)
    );

    let strict: Strict<Patient> = serde_json::from_str(PATIENT).unwrap();
    assert_eq!(serde_json::to_string(&strict).unwrap(), PATIENT);
    assert_eq!(strict.id.as_ref().unwrap().as_str(), Some("p1"));
}

#[test]
fn raw_resources_round_trip() {
    let json = r#"{"resourceType":"Basic","id":"b1","code":{"text":"x"},"future":[1.50,null]}"#;
    let raw: RawResource = serde_json::from_str(json).unwrap();
    assert_eq!(raw.resource_type(), "Basic");
    assert_eq!(serde_json::to_string(&raw).unwrap(), json);
    let err = serde_json::from_str::<RawResource>(r#"{"id":"b1"}"#).unwrap_err();
    assert!(err.to_string().contains("resourceType"), "{err}");
}

/// TOML has no `null` and no exact decimals: decimals come back as the f64's shortest text.
#[test]
fn toml_carries_models_with_f64_decimals() {
    let patient = r#"{"resourceType":"Patient","id":"p1","extension":[{"url":"http://example.org/score","valueDecimal":1.50}],"birthDate":"1974-12-25","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1974-12-25T14:35:45-05:00"}]}}"#;
    let envelope: Envelope = serde_json::from_str(&envelope_json(patient, &[OBSERVATION])).unwrap();
    let text = toml::to_string(&envelope).unwrap();
    assert!(text.contains("valueDecimal = 1.5"), "{text}");
    assert!(text.contains(r#"resourceType = "Observation""#), "{text}");
    let back: Envelope = toml::from_str(&text).unwrap();
    assert_eq!(back.note, "as sent");
    assert_eq!(
        back.patient.to_json_string(),
        patient.replace("1.50", "1.5")
    );
    assert_eq!(
        back.resources[0].to_json_string(),
        OBSERVATION.replace("0.000100", "0.0001")
    );
    // Errors name the FHIR path in other formats too.
    let bad = text.replace(r#"birthDate = "1974-12-25""#, "birthDate = 5");
    assert_ne!(bad, text);
    #[derive(Deserialize)]
    struct StrictEnvelope {
        #[allow(dead_code)]
        patient: Strict<Patient>,
    }
    let err = toml::from_str::<StrictEnvelope>(&bad).err().unwrap();
    assert!(
        err.to_string()
            .contains("Patient.birthDate: expected string"),
        "{err}"
    );
    // A `null` (primitive lists with extensions) has no TOML form: an error, not a panic.
    let with_null: Envelope = serde_json::from_str(&envelope_json(PATIENT, &[])).unwrap();
    assert!(toml::to_string(&with_null).is_err());
}

#[cfg(feature = "r5")]
#[test]
fn r5_models_work_the_same() {
    use fhir_model::r5;

    #[derive(Serialize, Deserialize)]
    struct Envelope5 {
        patient: r5::Patient,
        resources: Vec<r5::Resource>,
        note: String,
    }
    let json = envelope_json(PATIENT, &[OBSERVATION]);
    let envelope: Envelope5 = serde_json::from_str(&json).unwrap();
    assert_eq!(envelope.resources[0].resource_type(), "Observation");
    assert_eq!(serde_json::to_string(&envelope).unwrap(), json);
    let err =
        serde_json::from_str::<Strict<r5::Patient>>(r#"{"resourceType":"Patient","birthDate":5}"#)
            .unwrap_err();
    assert!(err.to_string().starts_with("Patient.birthDate: "), "{err}");
}

/// serde buffers `flatten`ed fields in its own data model before reading them, so decimals
/// read from there are f64 (as the module docs say); fields next to them stay exact.
#[test]
fn flattened_fields_are_buffered_by_serde() {
    #[derive(Serialize, Deserialize)]
    struct Inner {
        patient: Patient,
    }
    #[derive(Serialize, Deserialize)]
    struct Outer {
        observation: Observation,
        #[serde(flatten)]
        inner: Inner,
    }
    let json = format!(r#"{{"observation":{OBSERVATION},"patient":{PATIENT}}}"#);
    let outer: Outer = serde_json::from_str(&json).unwrap();
    assert_eq!(outer.observation.to_json_string(), OBSERVATION);
    assert_eq!(
        outer.inner.patient.to_json_string(),
        PATIENT.replace("1.50", "1.5")
    );
    // Writing goes straight to serde_json: exact.
    let written = serde_json::to_string(&outer).unwrap();
    assert_eq!(written, json.replace("1.50", "1.5"));
}
