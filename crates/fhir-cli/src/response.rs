//! The answer to a transaction as the server sent it, put back together from the client's
//! per-entry view, for `--format json`, `ndjson` and `xml`.

use fhir_client::{BundleResponse, EntryResponse};
use fhir_model::FhirJson;
use fhir_model::json::JsonValue;

/// The whole response Bundle: its own elements, then one entry per [`EntryResponse`] with its
/// `fullUrl`, `resource` and `response` (status, location, etag, lastModified, outcome).
pub fn whole(response: &BundleResponse) -> JsonValue {
    let mut members = match parse(&response.bundle.to_json_string()) {
        JsonValue::Object(members) => members,
        other => return other,
    };
    members.retain(|(key, _)| key != "entry");
    if !response.entries.is_empty() {
        let entries = response.entries.iter().map(entry).collect();
        members.push(("entry".into(), JsonValue::Array(entries)));
    }
    JsonValue::Object(members)
}

/// The same Bundle, typed, for `--format xml`.
pub fn whole_bundle(response: &BundleResponse) -> fhir_model::r4::Bundle {
    let json = whole(response).to_json_string();
    fhir_model::r4::Bundle::from_json_str(&json, fhir_model::ParseOptions::lenient())
        .unwrap_or_else(|_| response.bundle.clone())
}

fn entry(e: &EntryResponse) -> JsonValue {
    let text = |s: &str| JsonValue::String(s.to_owned());
    let mut members = Vec::new();
    if let Some(url) = &e.full_url {
        members.push(("fullUrl".into(), text(url)));
    }
    if let Some(resource) = &e.resource {
        members.push(("resource".into(), parse(&resource.to_json_string())));
    }
    let mut answer = vec![("status".to_owned(), text(&e.status_line))];
    let optional = [
        ("location", &e.location),
        ("etag", &e.etag),
        ("lastModified", &e.last_modified),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            answer.push((key.into(), text(value)));
        }
    }
    if let Some(outcome) = &e.outcome {
        answer.push(("outcome".into(), parse(&outcome.to_json_string())));
    }
    members.push(("response".into(), JsonValue::Object(answer)));
    JsonValue::Object(members)
}

/// JSON the model itself wrote, so it parses.
fn parse(json: &str) -> JsonValue {
    JsonValue::parse(json).unwrap_or(JsonValue::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_model::ParseOptions;
    use fhir_model::r4::Bundle;

    #[test]
    fn entries_come_back() {
        let json = r#"{"resourceType":"Bundle","id":"r","type":"transaction-response","entry":[{"fullUrl":"https://h.test/Patient/1","resource":{"resourceType":"Patient","id":"1"},"response":{"status":"201 Created","location":"Patient/1/_history/1","etag":"W/\"1\"","lastModified":"2024-01-01T00:00:00Z"}},{"response":{"status":"404 Not Found","outcome":{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}}}]}"#;
        let bundle = Bundle::from_json_str(json, ParseOptions::strict()).unwrap();
        let value = whole(&BundleResponse::from(bundle));
        assert_eq!(value, JsonValue::parse(json).unwrap());
    }
}
