//! One table row per resource, for every resource type of every FHIR version without code per
//! type: `Type/id`, version and `meta.lastUpdated` from the typed resource; the key fields from
//! its JSON, since the model has no typed access to an element by name across resource types.

use fhir_model::json::JsonValue;
use fhir_model::{AnyResource, FhirJson};

use crate::version::CliVersion;

/// The columns of a list of resources.
pub const HEADERS: [&str; 4] = ["resource", "version", "last updated", "summary"];

/// One table row for a resource: `Type/id`, version id, `meta.lastUpdated`, key fields.
pub fn row<V: CliVersion>(resource: &V::Resource) -> Vec<String> {
    let resource_type = resource.resource_type();
    vec![
        match resource.id() {
            Some(id) if !id.is_empty() => format!("{resource_type}/{id}"),
            _ => resource_type.to_owned(),
        },
        resource.version_id().unwrap_or("").to_owned(),
        V::last_updated(resource).unwrap_or("").to_owned(),
        // The one place a typed value is written out to be read again (see the module's note).
        JsonValue::parse(&resource.to_json_string())
            .map(|doc| key_fields(&doc))
            .unwrap_or_default(),
    ]
}

/// Up to five `name: value` pairs of the elements people look at first.
pub fn key_fields(doc: &JsonValue) -> String {
    const FIELDS: &[&str] = &[
        "name",
        "title",
        "code",
        "status",
        "gender",
        "birthDate",
        "subject",
        "patient",
        "effective",
        "value",
        "type",
        "url",
        "date",
        "description",
    ];
    let mut parts = Vec::new();
    for field in FIELDS {
        if parts.len() == 5 {
            break;
        }
        let value = match *field {
            // Choice elements: `effectiveDateTime`, `valueQuantity`, ...
            "effective" | "value" => choice(doc, field),
            _ => doc.get(field).and_then(readable),
        };
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            parts.push(format!("{field}: {value}"));
        }
    }
    parts.join("; ")
}

fn choice(doc: &JsonValue, prefix: &str) -> Option<String> {
    let JsonValue::Object(members) = doc else {
        return None;
    };
    members.iter().find_map(|(key, value)| {
        let rest = key.strip_prefix(prefix)?;
        rest.starts_with(|c: char| c.is_ascii_uppercase())
            .then(|| readable(value))
            .flatten()
    })
}

/// A short text for an element of any datatype: a primitive as it is, a HumanName as
/// `given family`, a CodeableConcept by its text or first coding, a Reference by its
/// reference or display, a Quantity as `value unit`, a list by its first item.
fn readable(value: &JsonValue) -> Option<String> {
    let s = |key: &str| value.get(key).and_then(JsonValue::as_str);
    match value {
        JsonValue::String(text) => Some(one_line(text)),
        JsonValue::Number(n) => Some(n.clone()),
        JsonValue::Bool(b) => Some(b.to_string()),
        JsonValue::Array(items) => items.first().and_then(readable),
        JsonValue::Object(_) => {
            if let Some(text) = s("text") {
                return Some(one_line(text));
            }
            if value.get("family").is_some() || value.get("given").is_some() {
                let mut words: Vec<String> = match value.get("given") {
                    Some(JsonValue::Array(g)) => g
                        .iter()
                        .filter_map(JsonValue::as_str)
                        .map(str::to_owned)
                        .collect(),
                    _ => Vec::new(),
                };
                words.extend(s("family").map(str::to_owned));
                return Some(words.join(" "));
            }
            if let Some(coding) = value.get("coding") {
                return readable(coding);
            }
            if s("system").is_some() && s("code").is_some() && value.get("value").is_none() {
                return s("display").or(s("code")).map(str::to_owned);
            }
            if let Some(v) = value.get("value") {
                let unit = s("unit").or(s("code")).unwrap_or("");
                return readable(v).map(|v| format!("{v} {unit}").trim_end().to_owned());
            }
            if let Some(start) = s("start") {
                return Some(format!("{start} – {}", s("end").unwrap_or("")));
            }
            s("reference")
                .or(s("display"))
                .or(s("code"))
                .map(str::to_owned)
        }
        JsonValue::Null => None,
    }
}

fn one_line(text: &str) -> String {
    crate::failure::clip(&text.split_whitespace().collect::<Vec<_>>().join(" "), 60)
}

#[cfg(test)]
mod tests {
    use fhir_client::R4;
    use fhir_model::ParseOptions;

    fn row(json: &str) -> Vec<String> {
        let resource =
            fhir_model::r4::Resource::from_json_str(json, ParseOptions::strict()).unwrap();
        super::row::<R4>(&resource)
    }

    #[test]
    fn patient_row() {
        let json = r#"{"resourceType":"Patient","id":"p1","meta":{"versionId":"2","lastUpdated":"2024-01-02T03:04:05Z"},
            "name":[{"family":"Chalmers","given":["Peter","James"]}],"gender":"male","birthDate":"1974-12-25"}"#;
        assert_eq!(
            row(json),
            [
                "Patient/p1",
                "2",
                "2024-01-02T03:04:05Z",
                "name: Peter James Chalmers; gender: male; birthDate: 1974-12-25"
            ]
        );
    }

    #[test]
    fn observation_fields_include_choices() {
        let json = r#"{"resourceType":"Observation","status":"final",
            "code":{"coding":[{"system":"http://loinc.org","code":"15074-8","display":"Glucose"}]},
            "subject":{"reference":"Patient/f001"},"effectivePeriod":{"start":"2013-04-02T09:30:10+01:00"},
            "valueQuantity":{"value":6.3,"unit":"mmol/l"}}"#;
        assert_eq!(
            row(json)[3],
            "code: Glucose; status: final; subject: Patient/f001; effective: 2013-04-02T09:30:10+01:00 – ; value: 6.3 mmol/l"
        );
    }
}
