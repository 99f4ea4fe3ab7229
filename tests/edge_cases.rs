//! What servers send that the official examples lack: each case is kept exactly by lenient
//! reading and refused, with its path, line and column, by strict reading.

use fhir_conformance::first_difference;
use fhir_model::json::JsonValue;
use fhir_model::prelude::*;
use fhir_model::r4::{
    AdministrativeGender, Extension, ExtensionValue, HumanName, Observation, ObservationStatus,
    ObservationValue, Patient, PatientDeceased, ReferenceHandlingPolicy, Resource,
};
use fhir_model::value::{DateTime, Decimal, TimeZone};
use fhir_model::{Code, CodeEnum, ErrorKind, FhirJson, ParseOptions};

/// Reads leniently, writes back, and asserts that the output equals the input as JSON.
fn lenient(json: &str) -> Resource {
    let resource =
        Resource::from_json_str(json, ParseOptions::lenient()).unwrap_or_else(|e| panic!("{e}"));
    let written = resource.to_json_string();
    let input = JsonValue::parse(json).unwrap();
    let output = JsonValue::parse(&written).expect("the output is JSON");
    assert_eq!(
        first_difference(&input, &output),
        None,
        "written: {written}"
    );
    resource
}

/// Reads strictly and returns the error, which must exist.
fn strict_error(json: &str) -> fhir_model::Error {
    match Resource::from_json_str(json, ParseOptions::strict()) {
        Ok(r) => panic!("strict reading accepted {json}: {r:?}"),
        Err(e) => e,
    }
}

fn patient(r: &Resource) -> &Patient {
    match r {
        Resource::Patient(p) => p,
        other => panic!("not a patient: {other:?}"),
    }
}

fn observation(r: &Resource) -> &Observation {
    match r {
        Resource::Observation(o) => o,
        other => panic!("not an observation: {other:?}"),
    }
}

#[test]
fn unknown_element_is_kept_or_refused() {
    let json =
        r#"{"resourceType":"Patient","id":"p","favouriteColour":{"hue":[1,2.50]},"active":true}"#;
    let r = lenient(json);
    let p = patient(&r);
    assert_eq!(
        p.unknown.get("favouriteColour").unwrap().to_json_string(),
        r#"{"hue":[1,2.50]}"#
    );
    assert_eq!(p.active.as_ref().unwrap().value, Some(true));

    let e = strict_error(json);
    assert_eq!(e.kind(), &ErrorKind::UnknownElement);
    assert_eq!(e.path(), "Patient.favouriteColour");
    assert_eq!((e.line(), e.column()), (1, 54));
}

#[test]
fn dstu2_fhir_comments_are_kept_or_refused() {
    let json = r#"{
  "resourceType": "Patient",
  "fhir_comments": ["  a comment  ", "another"],
  "name": [{"fhir_comments": ["inside"], "family": "Chalmers"}],
  "birthDate": "1974-12-25",
  "_birthDate": {"fhir_comments": ["on a primitive"]}
}"#;
    let r = lenient(json);
    let p = patient(&r);
    assert!(p.unknown.get("fhir_comments").is_some());
    assert!(p.name[0].unknown.get("fhir_comments").is_some());

    let e = strict_error(json);
    assert_eq!(e.path(), "Patient.fhir_comments");
    assert_eq!((e.line(), e.column()), (3, 20));
}

#[test]
fn empty_array_is_kept_or_refused() {
    let json = r#"{"resourceType":"Patient","name":[],"active":false}"#;
    let r = lenient(json);
    assert!(patient(&r).name.is_empty());
    assert_eq!(
        patient(&r).unknown.get("name"),
        Some(&JsonValue::Array(vec![]))
    );

    let e = strict_error(json);
    assert_eq!(e.kind(), &ErrorKind::EmptyArray);
    assert_eq!(e.path(), "Patient.name");
}

#[test]
fn empty_objects_are_kept_or_refused() {
    for (json, path) in [
        (r#"{"resourceType":"Patient","meta":{}}"#, "Patient.meta"),
        (
            r#"{"resourceType":"Patient","name":[{"family":"A"},{}]}"#,
            "Patient.name[1]",
        ),
        (
            r#"{"resourceType":"Patient","birthDate":"1970","_birthDate":{}}"#,
            "Patient._birthDate",
        ),
        (
            r#"{"resourceType":"Observation","status":"final","code":{}}"#,
            "Observation.code",
        ),
    ] {
        lenient(json);
        let e = strict_error(json);
        assert_eq!(e.kind(), &ErrorKind::EmptyObject, "{json}");
        assert_eq!(e.path(), path, "{json}");
    }
}

#[test]
fn null_values_are_kept_or_refused() {
    for (json, path) in [
        (
            r#"{"resourceType":"Patient","birthDate":null}"#,
            "Patient.birthDate",
        ),
        (
            r#"{"resourceType":"Patient","name":[null]}"#,
            "Patient.name[0]",
        ),
        (r#"{"resourceType":"Patient","meta":null}"#, "Patient.meta"),
        (
            r#"{"resourceType":"Patient","_active":null,"active":true}"#,
            "Patient._active",
        ),
    ] {
        lenient(json);
        let e = strict_error(json);
        assert_eq!(e.kind(), &ErrorKind::Null, "{json}");
        assert_eq!(e.path(), path, "{json}");
    }
}

#[test]
fn integer_above_i32_is_kept_or_refused() {
    let json = r#"{"resourceType":"Patient","multipleBirthInteger":2147483648}"#;
    let r = lenient(json);
    let p = patient(&r);
    assert!(
        p.multiple_birth.is_none(),
        "the value does not fit, so it is not typed"
    );
    assert_eq!(
        p.unknown.get("multipleBirthInteger"),
        Some(&JsonValue::Number("2147483648".into()))
    );

    let e = strict_error(json);
    assert!(matches!(e.kind(), ErrorKind::InvalidValue(_)), "{e}");
    assert_eq!(e.path(), "Patient.multipleBirthInteger");
    assert_eq!((e.line(), e.column()), (1, 50));

    // The largest integer is fine.
    let ok = r#"{"resourceType":"Patient","multipleBirthInteger":2147483647}"#;
    let r = Resource::from_json_str(ok, ParseOptions::strict()).unwrap();
    assert!(matches!(
        patient(&r).multiple_birth,
        Some(fhir_model::r4::PatientMultipleBirth::Integer(_))
    ));
}

#[test]
fn decimals_keep_their_text() {
    for text in [
        "1e2",
        "100",
        "1.0",
        "123456789012345678901234567890.123456",
        "1.50",
        "1E-22",
        "-0.0",
    ] {
        let json = format!(
            r#"{{"resourceType":"Observation","status":"final","code":{{"text":"x"}},"valueQuantity":{{"value":{text}}}}}"#
        );
        let r = lenient(&json);
        let Some(ObservationValue::Quantity(q)) = &observation(&r).value else {
            panic!("no quantity")
        };
        assert_eq!(
            q.value
                .as_ref()
                .unwrap()
                .value
                .as_ref()
                .map(Decimal::as_str),
            Some(text)
        );
        // Strict reading accepts them all: they are valid decimals.
        Resource::from_json_str(&json, ParseOptions::strict()).unwrap();
    }
}

#[test]
fn instant_with_offset_and_millis_keeps_its_text() {
    let json =
        r#"{"resourceType":"Patient","meta":{"lastUpdated":"2015-02-07T13:28:17.000+10:00"}}"#;
    let r = lenient(json);
    let instant = patient(&r)
        .meta
        .as_ref()
        .unwrap()
        .last_updated
        .as_ref()
        .unwrap()
        .value
        .as_ref()
        .unwrap();
    assert_eq!(instant.as_str(), "2015-02-07T13:28:17.000+10:00");
    assert_eq!(instant.offset(), TimeZone::Offset { minutes: 600 });
    assert_eq!(instant.fraction(), Some("000"));
    Resource::from_json_str(json, ParseOptions::strict()).unwrap();
}

#[test]
fn date_times_are_not_rewritten() {
    let json = r#"{"resourceType":"Patient","deceasedDateTime":"2015-02-07T13:28:17+00:00","birthDate":"1974"}"#;
    let r = lenient(json);
    let p = patient(&r);
    let Some(PatientDeceased::DateTime(dt)) = &p.deceased else {
        panic!()
    };
    let dt: &DateTime = dt.value.as_ref().unwrap();
    assert_eq!(dt.as_str(), "2015-02-07T13:28:17+00:00");
    assert_eq!(dt.offset(), Some(TimeZone::Offset { minutes: 0 }));
    assert_eq!(
        p.birth_date
            .as_ref()
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .year(),
        1974
    );
}

#[test]
fn malformed_date_is_kept_or_refused() {
    let json = "{\"resourceType\":\"Patient\",\n  \"birthDate\":\"1974-02-30\"}";
    let r = lenient(json);
    assert!(patient(&r).birth_date.is_none());
    let e = strict_error(json);
    assert_eq!(e.path(), "Patient.birthDate");
    assert_eq!((e.line(), e.column()), (2, 15));
    assert!(e.to_string().contains("invalid date"), "{e}");
}

#[test]
fn choice_inside_a_list_item() {
    let json = r#"{"resourceType":"Patient","extension":[
        {"url":"http://example.org/a","valueString":"x","_valueString":{"id":"s1"}},
        {"url":"http://example.org/b","valueCodeableConcept":{"text":"y"}},
        {"url":"http://example.org/c","valueDecimal":0.40}]}"#;
    let r = lenient(json);
    let ext: &[Extension] = &patient(&r).extension;
    let Some(ExtensionValue::String(s)) = &ext[0].value else {
        panic!()
    };
    assert_eq!((s.as_str(), s.id()), (Some("x"), Some("s1")));
    assert!(matches!(
        &ext[1].value,
        Some(ExtensionValue::CodeableConcept(_))
    ));
    let Some(ExtensionValue::Decimal(d)) = &ext[2].value else {
        panic!()
    };
    assert_eq!(d.value.as_ref().unwrap().as_str(), "0.40");
    Resource::from_json_str(json, ParseOptions::strict()).unwrap();

    // Two types of one choice: the second is kept leniently, refused strictly.
    let two = r#"{"resourceType":"Patient","extension":[{"url":"u","valueString":"x","valueBoolean":true}]}"#;
    lenient(two);
    let e = strict_error(two);
    assert_eq!(e.kind(), &ErrorKind::ConflictingChoice);
    assert_eq!(e.path(), "Patient.extension[0].valueBoolean");
}

#[test]
fn primitive_lists_stay_aligned() {
    let json = r#"{"resourceType":"Patient","name":[{"given":["Pieter",null,"Jan"],
        "_given":[null,{"extension":[{"url":"http://example.org/x","valueCode":"absent"}]},{"id":"g3"}]}]}"#;
    let r = lenient(json);
    let given = &patient(&r).name[0].given;
    assert_eq!(given.len(), 3);
    assert_eq!(given[0].as_str(), Some("Pieter"));
    assert_eq!((given[1].as_str(), given[1].extension().len()), (None, 1));
    assert_eq!(
        (given[2].as_str(), given[2].id()),
        (Some("Jan"), Some("g3"))
    );
    Resource::from_json_str(json, ParseOptions::strict()).unwrap();

    // Extension-only primitives (no value at all), here in a list and on a required element.
    let only = r#"{"resourceType":"Observation","_status":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}]},
        "code":{"coding":[{"_code":{"extension":[{"url":"u","valueString":"v"}]}}]}}"#;
    let r = lenient(only);
    let o = observation(&r);
    assert!(o.status.value.is_none());
    assert_eq!(o.status.extension().len(), 1);
    Resource::from_json_str(only, ParseOptions::strict()).unwrap();
}

#[test]
fn code_outside_required_set_is_kept_or_refused() {
    let json = r#"{"resourceType":"Patient","gender":"Male"}"#;
    // Lenient reading keeps the code typed as `Code::Other`, nothing in `unknown`, and writes
    // it back as it came; a list of codes keeps each one in its place.
    let r = lenient(json);
    assert_eq!(patient(&r).gender.value(), Some(&Code::other("Male")));
    assert_eq!(patient(&r).gender.known(), None);
    assert!(patient(&r).unknown.is_empty());
    assert_eq!(r.to_json_string(), json);
    let list = r#"{"resourceType":"CapabilityStatement","status":"active","date":"2024","kind":"instance","fhirVersion":"4.0.1","format":["json"],"rest":[{"mode":"server","resource":[{"type":"Patient","interaction":[{"code":"read"}],"referencePolicy":["literal","sideways","logical"]}]}]}"#;
    let cs = Resource::from_json_str(list, ParseOptions::lenient()).unwrap();
    let Resource::CapabilityStatement(cs) = &cs else {
        panic!("{cs:?}")
    };
    let policy = &cs.rest[0].resource[0].reference_policy;
    assert_eq!(
        policy[0].value,
        Some(Code::Known(ReferenceHandlingPolicy::Literal))
    );
    assert_eq!(policy[1].value, Some(Code::other("sideways")));
    assert_eq!(policy[2].known(), Some(ReferenceHandlingPolicy::Logical));
    assert_eq!(cs.to_json_string(), list);
    assert_eq!(
        strict_error(list).path(),
        "CapabilityStatement.rest[0].resource[0].referencePolicy[1]"
    );
    let e = strict_error(json);
    assert_eq!(
        e.kind(),
        &ErrorKind::UnknownCode {
            code: "Male".into(),
            value_set: AdministrativeGender::VALUE_SET
        }
    );
    assert_eq!(e.path(), "Patient.gender");

    let ok = Resource::from_json_str(
        r#"{"resourceType":"Patient","gender":"male"}"#,
        ParseOptions::strict(),
    )
    .unwrap();
    assert_eq!(
        patient(&ok).gender.known(),
        Some(AdministrativeGender::Male)
    );
}

#[test]
fn wrong_json_types_are_kept_or_refused() {
    for (json, path) in [
        (
            r#"{"resourceType":"Patient","active":"true"}"#,
            "Patient.active",
        ),
        (
            r#"{"resourceType":"Patient","name":{"family":"A"}}"#,
            "Patient.name",
        ),
        (
            r#"{"resourceType":"Patient","name":[{"given":"A"}]}"#,
            "Patient.name[0].given",
        ),
        (
            r#"{"resourceType":"Patient","name":[{"given":["A",1]}]}"#,
            "Patient.name[0].given[1]",
        ),
        (
            r#"{"resourceType":"Patient","birthDate":19740101}"#,
            "Patient.birthDate",
        ),
    ] {
        lenient(json);
        let e = strict_error(json);
        assert!(
            matches!(e.kind(), ErrorKind::WrongType { .. }),
            "{json}: {e}"
        );
        assert_eq!(e.path(), path, "{json}");
    }
}

#[test]
fn missing_required_element_is_refused_strictly_only() {
    let json = r#"{"resourceType":"Observation","code":{"text":"x"}}"#;
    let r = lenient(json);
    assert!(observation(&r).status.is_empty());
    let e = strict_error(json);
    assert_eq!(e.kind(), &ErrorKind::MissingRequired);
    assert_eq!(e.path(), "Observation.status");

    let nested = r#"{"resourceType":"Patient","link":[{"type":"seealso"}]}"#;
    lenient(nested);
    assert_eq!(strict_error(nested).path(), "Patient.link[0].other");
}

#[test]
fn resource_type_anywhere_and_nested_resources() {
    let json = r#"{"entry":[{"resource":{"gender":"female","resourceType":"Patient","contained":[
        {"id":"o","status":"final","code":{"text":"c"},"resourceType":"Observation"}]}}],
        "type":"collection","resourceType":"Bundle"}"#;
    let r = lenient(json);
    let Resource::Bundle(b) = &r else { panic!() };
    let Some(Resource::Patient(p)) = &b.entry[0].resource else {
        panic!()
    };
    assert_eq!(p.contained[0].resource_type(), "Observation");
    assert_eq!(p.contained[0].id(), Some("o"));
    Resource::from_json_str(json, ParseOptions::strict()).unwrap();

    let unknown = r#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Foo","x":1}}]}"#;
    lenient(unknown);
    let e = strict_error(unknown);
    assert_eq!(e.kind(), &ErrorKind::UnknownResourceType("Foo".into()));
    assert_eq!(e.path(), "Bundle.entry[0].resource");
}

#[test]
fn broken_json_is_an_error_not_a_panic() {
    for (json, line, column) in [
        ("", 1, 1),
        ("{", 1, 2),
        (r#"{"resourceType":"Patient","name":[{"family":"A"}"#, 1, 49),
        (r#"{"resourceType":"Patient",}"#, 1, 27),
        ("{\"resourceType\":\"Patient\"}\n x", 2, 2),
        (r#"{"resourceType":"Patient","active":tru}"#, 1, 36),
        (
            r#"{"resourceType":"Patient","text":{"status":"generated","div":"a\qb"}}"#,
            1,
            65,
        ),
        (
            r#"{"resourceType":"Patient","multipleBirthInteger":01}"#,
            1,
            51,
        ),
    ] {
        for options in [ParseOptions::lenient(), ParseOptions::strict()] {
            let e = Resource::from_json_str(json, options).unwrap_err();
            assert!(!e.kind().is_recoverable(), "{json}: {e}");
            assert_eq!((e.line(), e.column()), (line, column), "{json}: {e}");
        }
    }
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let depth = 100_000;
    let json = format!(
        r#"{{"resourceType":"Patient","x":{}{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let e = Resource::from_json_str(&json, ParseOptions::lenient()).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::TooDeep);
}

#[test]
fn typed_construction_and_writing() {
    let mut obs = Observation::new(
        ObservationStatus::Final,
        fhir_model::r4::CodeableConcept::default(),
    );
    obs.code.text = Some("Body weight".into());
    obs.value = Some(ObservationValue::Quantity(Box::new(
        fhir_model::r4::Quantity {
            value: Some(Decimal::parse("72.50").unwrap().into()),
            unit: Some("kg".into()),
            ..Default::default()
        },
    )));
    assert_eq!(
        obs.to_json_string(),
        r#"{"resourceType":"Observation","status":"final","code":{"text":"Body weight"},"valueQuantity":{"value":72.50,"unit":"kg"}}"#
    );
    let name = HumanName {
        family: Some("Chalmers".into()),
        ..Default::default()
    };
    let patient = Patient {
        name: vec![name],
        ..Default::default()
    };
    let resource = Resource::from(patient);
    assert_eq!(
        resource.to_json_string(),
        r#"{"resourceType":"Patient","name":[{"family":"Chalmers"}]}"#
    );
    assert_eq!(
        Resource::from_json_str(&resource.to_json_pretty(), ParseOptions::strict()).unwrap(),
        resource
    );

    // A code of a required value set converts into a Coding with its system and display.
    let coding: fhir_model::r4::Coding = AdministrativeGender::Female.into();
    assert_eq!(
        coding.to_json_string(),
        r#"{"system":"http://hl7.org/fhir/administrative-gender","code":"female","display":"Female"}"#
    );
    assert_eq!(AdministrativeGender::Female.to_string(), "female");
    assert_eq!(
        "other".parse::<AdministrativeGender>(),
        Ok(AdministrativeGender::Other)
    );
    assert!("Other".parse::<AdministrativeGender>().is_err());
}

#[test]
fn r5_reads_strictly_too() {
    use fhir_model::r5;
    let json = r#"{"resourceType":"MedicationRequest","status":"active","intent":"order",
        "medication":{"concept":{"text":"aspirin"}},"subject":{"reference":"Patient/p"}}"#;
    let r = r5::Resource::from_json_str(json, ParseOptions::strict()).unwrap();
    let r5::Resource::MedicationRequest(m) = &r else {
        panic!()
    };
    assert_eq!(
        m.medication
            .concept
            .as_ref()
            .unwrap()
            .text
            .as_ref()
            .unwrap()
            .as_str(),
        Some("aspirin")
    );
    // R4's shape of the same element is unknown to R5.
    let r4_shape = r#"{"resourceType":"MedicationRequest","status":"active","intent":"order",
        "medicationCodeableConcept":{"text":"aspirin"},"subject":{"reference":"Patient/p"}}"#;
    let e = r5::Resource::from_json_str(r4_shape, ParseOptions::strict()).unwrap_err();
    assert_eq!(e.path(), "MedicationRequest.medicationCodeableConcept");
    let kept = r5::Resource::from_json_str(r4_shape, ParseOptions::lenient()).unwrap();
    let (a, b) = (
        JsonValue::parse(&kept.to_json_string()).unwrap(),
        JsonValue::parse(r4_shape).unwrap(),
    );
    assert_eq!(first_difference(&b, &a), None);
}
