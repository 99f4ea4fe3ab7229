//! Input that lenient reading used to trust too much: one test per finding, each reproduced on
//! the code before its fix.

use fhir_model::json::{JsonValue, Reader};
use fhir_model::r4::{Bundle, HumanName, Observation, Patient, Resource};
use fhir_model::{ErrorKind, FhirJson, ParseOptions, RawResource};

fn lenient() -> ParseOptions {
    ParseOptions::lenient()
}

fn strict() -> ParseOptions {
    ParseOptions::strict()
}

/// Reads leniently as `T` and writes back compactly.
fn round_trip<T: FhirJson>(json: &str) -> String {
    T::from_json_str(json, lenient())
        .unwrap_or_else(|e| panic!("{json}: {e}"))
        .to_json_string()
}

#[test]
fn type_confusion() {
    let observation = r#"{"resourceType":"Observation","status":"final","code":{"text":"x"}}"#;
    for options in [lenient(), strict()] {
        let err = Patient::from_json_str(observation, options).unwrap_err();
        assert_eq!(
            err.kind(),
            &ErrorKind::WrongResourceType {
                expected: "Patient",
                found: "Observation".into()
            }
        );
        assert_eq!(err.path(), "Patient.resourceType");
        assert_eq!((err.line(), err.column()), (1, 17));
        assert_eq!(
            err.to_string(),
            r#"Patient.resourceType: expected resourceType "Patient", found "Observation" at line 1 column 17"#
        );
        // Not first either, and not a string.
        let late = r#"{"id":"a","resourceType":"Observation"}"#;
        assert!(Patient::from_json_str(late, options).is_err());
        let number = r#"{"resourceType":5}"#;
        let err = Patient::from_json_str(number, options).unwrap_err();
        assert_eq!(err.path(), "Patient.resourceType");
    }
    // The same through the other ways into a fixed type.
    let raw = RawResource::from_json(JsonValue::parse(observation).unwrap()).unwrap();
    assert!(raw.to_typed::<Patient>(lenient()).is_err());
    assert!(raw.to_typed::<Observation>(strict()).is_ok());
    let any = Resource::from_json_str(observation, lenient()).unwrap();
    let any = any.downcast::<Patient>().unwrap_err();
    assert!(any.downcast::<Observation>().is_ok());
    assert!(Patient::from_json_slice(observation.as_bytes(), lenient()).is_err());
    // A contained resource is read as the type it names, whatever the container.
    let contained = r#"{"resourceType":"Patient","contained":[{"resourceType":"Observation","status":"final","code":{"text":"x"}}]}"#;
    assert_eq!(round_trip::<Patient>(contained), contained);
}

#[test]
fn duplicate_keys_keep_their_order() {
    // The first occurrence does not fit, the second does: a reader that takes the last one must
    // still see the second after a round trip.
    let cases = [
        // primitive (a code), inside a HumanName
        r#"{"resourceType":"Patient","name":[{"use":"","use":"official"}]}"#,
        // complex
        r#"{"resourceType":"Patient","maritalStatus":{},"maritalStatus":{"text":"M"}}"#,
        // list
        r#"{"resourceType":"Patient","name":[],"name":[{"family":"F"}]}"#,
        // primitive list
        r#"{"resourceType":"Patient","name":[{"given":5,"given":["G"]}]}"#,
        // choice
        r#"{"resourceType":"Patient","deceasedBoolean":"yes","deceasedBoolean":true}"#,
        // the first fits, the second does not
        r#"{"resourceType":"Patient","gender":"male","gender":"nope"}"#,
        // three times
        r#"{"resourceType":"Patient","gender":"?","gender":"male","gender":"female"}"#,
    ];
    for json in cases {
        assert_eq!(round_trip::<Patient>(json), json);
        assert_eq!(round_trip::<Resource>(json), json);
    }
    let name = r#"{"use":"","use":"official"}"#;
    assert_eq!(round_trip::<HumanName>(name), name);
    // resourceType repeated after other members keeps its place among the resourceTypes.
    let json = r#"{"id":"a","resourceType":"Patient","resourceType":"Patient"}"#;
    assert_eq!(
        round_trip::<Patient>(json),
        r#"{"resourceType":"Patient","id":"a","resourceType":"Patient"}"#
    );
}

#[test]
fn primitive_list_extension_arrays_come_back_as_written() {
    let ext = r#"{"extension":[{"url":"http://e","valueString":"x"}]}"#;
    let cases = [
        // The finding: an element array of nulls only, without values.
        r#"{"given":[null]}"#.to_owned(),
        r#"{"_given":[null]}"#.to_owned(),
        r#"{"_given":[null,null]}"#.to_owned(),
        // ... next to values.
        r#"{"given":["a"],"_given":[null]}"#.to_owned(),
        // Values of nulls only next to extensions, in both orders.
        format!(r#"{{"given":[null,null],"_given":[{ext},null]}}"#),
        format!(r#"{{"_given":[{ext},null],"given":[null,null]}}"#),
        // Arrays of different lengths, in both orders.
        format!(r#"{{"given":["a","b"],"_given":[{ext}]}}"#),
        format!(r#"{{"given":["a"],"_given":[{ext},null]}}"#),
        format!(r#"{{"_given":[{ext}],"given":["a","b"]}}"#),
        format!(r#"{{"_given":[null,{ext}],"given":["a"]}}"#),
        // What was already right stays right.
        format!(r#"{{"given":["a",null],"_given":[null,{ext}]}}"#),
        format!(r#"{{"_given":[{ext}]}}"#),
        r#"{"given":["a",null]}"#.to_owned(),
    ];
    for json in &cases {
        let back = round_trip::<HumanName>(json);
        let (a, b) = (
            JsonValue::parse(json).unwrap(),
            JsonValue::parse(&back).unwrap(),
        );
        assert_eq!(sorted(&a), sorted(&b), "{json} came back as {back}");
    }
    // Extensions of a lone primitive's element half: the same shapes, in an Extension list.
    let json = r#"{"resourceType":"Patient","_birthDate":{"extension":[]}}"#;
    assert_eq!(round_trip::<Patient>(json), json);
}

/// The members of every object sorted by key (the model writes its fields in definition order).
fn sorted(v: &JsonValue) -> JsonValue {
    match v {
        JsonValue::Object(members) => {
            let mut m: Vec<_> = members
                .iter()
                .map(|(k, v)| (k.clone(), sorted(v)))
                .collect();
            m.sort_by(|a, b| a.0.cmp(&b.0));
            JsonValue::Object(m)
        }
        JsonValue::Array(items) => JsonValue::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[test]
fn second_resource_type() {
    let json = r#"{"resourceType":"Patient","id":"a","resourceType":"Patient"}"#;
    let back = r#"{"resourceType":"Patient","id":"a","resourceType":"Patient"}"#;
    assert_eq!(round_trip::<Patient>(json), back);
    assert_eq!(round_trip::<Resource>(json), back);
    for err in [
        Patient::from_json_str(json, strict()).unwrap_err(),
        Resource::from_json_str(json, strict()).unwrap_err(),
    ] {
        assert_eq!(err.kind(), &ErrorKind::Duplicate);
        assert_eq!(err.path(), "Patient.resourceType");
        assert_eq!(err.column(), 51);
    }
    // A second one of another type is refused in both modes.
    let other = r#"{"resourceType":"Patient","resourceType":"Observation"}"#;
    for options in [lenient(), strict()] {
        let err = Resource::from_json_str(other, options).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::WrongResourceType { .. }),
            "{err}"
        );
    }
    // A typed resource wants its resourceType in both modes: lenient reading would otherwise add
    // one when writing back, and take an object of unknown type for a Patient.
    for options in [lenient(), strict()] {
        let err = Patient::from_json_str(r#"{"id":"a"}"#, options).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::MissingResourceType);
        assert_eq!(err.path(), "Patient");
    }
}

#[test]
fn one_bad_item_does_not_untype_the_list() {
    // A Bundle of many good entries and a bad last one.
    let n = 10_000;
    let mut json = String::from(r#"{"resourceType":"Bundle","type":"collection","entry":["#);
    for i in 0..n {
        json.push_str(&format!(r#"{{"fullUrl":"urn:uuid:{i}"}},"#));
    }
    json.push_str("{}]}");
    let bundle = Bundle::from_json_str(&json, lenient()).unwrap();
    assert_eq!(bundle.entry.len(), n);
    let kept: Vec<_> = bundle.unknown.items().collect();
    assert_eq!(kept.len(), 1);
    assert_eq!((kept[0].0, kept[0].1), ("entry", n));
    assert_eq!(bundle.to_json_string(), json);
    let err = Bundle::from_json_str(&json, strict()).unwrap_err();
    assert_eq!(err.path(), format!("Bundle.entry[{n}]"));
    assert_eq!(err.kind(), &ErrorKind::EmptyObject);

    let small = r#"{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"a"},{"fullUrl":"b"},{"fullUrl":"c"},{"fullUrl":5}]}"#;
    let err = Bundle::from_json_str(small, strict()).unwrap_err();
    assert_eq!(err.path(), "Bundle.entry[3].fullUrl");

    let ext = r#"{"extension":[{"url":"http://e","valueString":"x"}]}"#;
    let cases = [
        // complex lists, bad items first, in the middle, last, several
        r#"{"resourceType":"Patient","name":[{},{"family":"A"}]}"#.to_owned(),
        r#"{"resourceType":"Patient","name":[{"family":"A"},5,{"family":"B"}]}"#.to_owned(),
        r#"{"resourceType":"Patient","name":[{"family":"A"},{"family":"B"},null]}"#.to_owned(),
        r#"{"resourceType":"Patient","name":[[],{"family":"A"},"x",{"family":"B"},{}]}"#.to_owned(),
        // inside an item of a list
        r#"{"resourceType":"Patient","contact":[{"name":{"family":"A"},"telecom":[{"system":"phone"},{}]}]}"#.to_owned(),
        // primitive lists: a bad value, a bad element, with the twin array
        r#"{"resourceType":"Patient","name":[{"given":["a",5,"c"]}]}"#.to_owned(),
        format!(r#"{{"resourceType":"Patient","name":[{{"given":["a",5,"c"],"_given":[null,{ext},null]}}]}}"#),
        format!(r#"{{"resourceType":"Patient","name":[{{"given":["a","b"],"_given":[{ext},7]}}]}}"#),
        format!(r#"{{"resourceType":"Patient","name":[{{"_given":[{ext},7],"given":["a",true]}}]}}"#),
        r#"{"resourceType":"Patient","name":[{"given":[null,5]}]}"#.to_owned(),
        // resource lists
        r#"{"resourceType":"Patient","contained":[{"resourceType":"Basic","code":{"text":"a"}},{},{"resourceType":"Nope"},{"id":"x"}]}"#.to_owned(),
        // extensions of an element, and the element half of a primitive
        r#"{"resourceType":"Patient","extension":[{"url":"http://e","valueString":"x"},{}],"_gender":{"extension":[{"url":"http://e","valueInteger":1},5]}}"#.to_owned(),
        // every item bad: the list is kept whole
        r#"{"resourceType":"Patient","name":[{},5]}"#.to_owned(),
    ];
    for json in &cases {
        let expected = sorted(&JsonValue::parse(json).unwrap());
        for back in [round_trip::<Patient>(json), round_trip::<Resource>(json)] {
            assert_eq!(
                sorted(&JsonValue::parse(&back).unwrap()),
                expected,
                "{json} came back as {back}"
            );
        }
    }
    // Where the fields are in definition order, exactly.
    for json in &cases[..7] {
        assert_eq!(round_trip::<Patient>(json), *json);
    }
    let patient = Patient::from_json_str(&cases[3], lenient()).unwrap();
    assert_eq!(patient.name.len(), 2);
    let kept: Vec<_> = patient.unknown.items().map(|(k, i, _)| (k, i)).collect();
    assert_eq!(kept, [("name", 0), ("name", 2), ("name", 4)]);
    let patient = Patient::from_json_str(&cases[6], lenient()).unwrap();
    let given = &patient.name[0].given;
    assert_eq!(given.len(), 3);
    assert_eq!(given[1].value, None);
    assert_eq!(given[1].extension().len(), 1);
    let patient = Patient::from_json_str(&cases[10], lenient()).unwrap();
    assert_eq!(patient.contained.len(), 1);
    // Pretty output keeps the kept items in place too.
    let pretty = Patient::from_json_str(&cases[1], lenient())
        .unwrap()
        .to_json_pretty();
    assert_eq!(
        JsonValue::parse(&pretty).unwrap().to_json_string(),
        cases[1]
    );
    // Strict reading still refuses the bad item, naming it.
    let err = Patient::from_json_str(&cases[5], strict()).unwrap_err();
    assert_eq!(err.path(), "Patient.name[0].given[1]");
}

/// `depth` Patients, each contained in the next, each with `resourceType` as its last key.
fn nested(depth: usize) -> String {
    let mut json = String::from(r#"{"id":"p0","resourceType":"Patient"}"#);
    for i in 1..depth {
        json = format!(r#"{{"id":"p{i}","contained":[{json}],"resourceType":"Patient"}}"#);
    }
    json
}

#[test]
fn resource_type_look_ahead_is_linear() {
    for depth in [10, 40, 120] {
        let json = nested(depth);
        let mut r = Reader::new(&json, lenient());
        let resource = <Resource as fhir_model::codec::ResourceValue>::read_json(&mut r).unwrap();
        r.finish().unwrap();
        assert_eq!(resource.to_json_string(), {
            // The writer puts resourceType first.
            let mut expected = String::from(r#"{"resourceType":"Patient","id":"p0"}"#);
            for i in 1..depth {
                expected =
                    format!(r#"{{"resourceType":"Patient","id":"p{i}","contained":[{expected}]}}"#);
            }
            expected
        });
        // Quadratic look-aheads scanned about depth / 2 times the input.
        let scanned = r.look_ahead_bytes();
        assert!(
            scanned <= json.len() as u64,
            "depth {depth}: {scanned} bytes looked ahead through for {} of input",
            json.len()
        );
    }
    // The same through the public entry point, and the round trip stays exact.
    let json = nested(120);
    let patient = Resource::from_json_str(&json, strict()).unwrap();
    assert_eq!(patient.id(), Some("p119"));
}

#[test]
fn bytes_entry_point() {
    let json = r#"{"resourceType":"Patient","id":"a","name":[{"family":"Chalmers"}]}"#;
    let p = Patient::from_json_slice(json.as_bytes(), strict()).unwrap();
    assert_eq!(p.to_json_string(), json);
    let r = Resource::from_json_slice(json.as_bytes(), strict()).unwrap();
    assert_eq!(r.to_json_string(), json);
    let r: Resource = fhir_model::resource_from_slice(json.as_bytes(), strict()).unwrap();
    assert_eq!(r.resource_type(), "Patient");

    let mut bad = b"{\"resourceType\":\"Patient\",\n\"name\":[{\"family\":\"Ch\xe9".to_vec();
    bad.extend_from_slice(b"lmers\"}]}");
    for err in [
        Patient::from_json_slice(&bad, lenient()).unwrap_err(),
        Resource::from_json_slice(&bad, lenient()).unwrap_err(),
        <Resource as FhirJson>::from_json_slice(&bad, strict()).unwrap_err(),
    ] {
        assert_eq!(err.kind(), &ErrorKind::InvalidUtf8);
        assert_eq!(err.path(), "Patient.name[0].family");
        assert_eq!((err.line(), err.column(), err.offset()), (2, 22, 48));
        assert_eq!(
            err.to_string(),
            "Patient.name[0].family: invalid UTF-8 at line 2 column 22"
        );
    }
    // Before the resource type is known.
    let err = Resource::from_json_slice(b"\xff{}", lenient()).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidUtf8);
    assert_eq!(err.to_string(), "$: invalid UTF-8 at line 1 column 1");
    // In a key.
    let err =
        Patient::from_json_slice(b"{\"resourceType\":\"Patient\",\"n\xc3", lenient()).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidUtf8);
    assert_eq!(err.path(), "Patient");
}

#[test]
fn top_level_errors_have_a_path() {
    let cases: &[(&str, &str)] = &[
        ("", "$: unexpected end of input at line 1 column 1"),
        (" \n ", "$: unexpected end of input at line 2 column 2"),
        ("{}", "$: resource without resourceType at line 1 column 1"),
        (
            "[]",
            "$: expected a resource (JSON object), found array at line 1 column 1",
        ),
        (
            r#"{"resourceType": 5}"#,
            "$.resourceType: expected string, found number at line 1 column 18",
        ),
        (
            r#"{"id": "a"}"#,
            "$: resource without resourceType at line 1 column 1",
        ),
        (
            r#"{"resourceType": "Nope"}"#,
            r#"$: unknown resourceType "Nope" at line 1 column 1"#,
        ),
        (
            r#"{"resourceType": "Patient"} x"#,
            "Patient: invalid JSON: trailing characters after the JSON value at line 1 column 29",
        ),
        (
            r#"{"resourceType": "Patient"}{}"#,
            "Patient: invalid JSON: trailing characters after the JSON value at line 1 column 28",
        ),
    ];
    for (input, message) in cases {
        for options in [lenient(), strict()] {
            let err = Resource::from_json_str(input, options).unwrap_err();
            assert_eq!(err.to_string(), *message, "{input:?}");
            assert!(!err.path().is_empty());
        }
    }
    // A typed resource names its type from the start.
    for input in ["", "[]", "{}", r#"{"resourceType":"Patient"} x"#] {
        let err = Patient::from_json_str(input, lenient()).unwrap_err();
        assert_eq!(err.path(), "Patient", "{input:?}: {err}");
    }
}
