//! The FHIR-version-specific glue: the only module that names R4 types.
//!
//! Everything else in the crate takes `Bundle`, `OperationOutcome`, `Resource` and friends from
//! here, so that a second FHIR version is a matter of this file (and a trait over it), not of
//! every module.

use fhir_model::json::{JsonValue, Reader};
use fhir_model::{FhirJson, ParseOptions, TypedResource};

pub use fhir_model::r4::{
    Bundle, BundleEntry, CapabilityStatement, OperationOutcome, Parameters, Reference, Resource,
};
pub(crate) use fhir_model::r4::{
    BundleEntryRequest, BundleType, HTTPVerb, ParametersParameter, ParametersParameterValue,
    SearchEntryMode,
};

/// The `resourceType` of a JSON document, read without parsing the rest of it.
pub(crate) fn resource_type_of(text: &str) -> Option<String> {
    Reader::new(text, ParseOptions::lenient())
        .find_resource_type()
        .ok()
        .map(|t| t.into_owned())
}

/// An OperationOutcome from a body, when the body is one (and only then).
pub(crate) fn parse_operation_outcome(text: &str) -> Option<OperationOutcome> {
    if resource_type_of(text).as_deref() != Some("OperationOutcome") {
        return None;
    }
    OperationOutcome::from_json_str(text, ParseOptions::lenient()).ok()
}

/// The first line a person would want from an OperationOutcome: its first issue's diagnostics,
/// or the text of its details, with the severity and code.
pub(crate) fn outcome_summary(outcome: &OperationOutcome) -> Option<String> {
    let issue = outcome.issue.first()?;
    let text = issue
        .diagnostics
        .as_ref()
        .and_then(|d| d.as_str())
        .or_else(|| {
            issue
                .details
                .as_ref()
                .and_then(|d| d.text.as_ref())
                .and_then(|t| t.as_str())
        });
    let severity = issue.severity.value.map(|s| s.as_str()).unwrap_or("issue");
    let code = issue.code.value.map(|c| c.as_str()).unwrap_or("unknown");
    Some(match text {
        Some(text) => format!("{severity} ({code}): {text}"),
        None => format!("{severity} ({code})"),
    })
}

/// Turns a `Resource` into the typed struct `T`, or gives it back when it is another type.
pub(crate) fn downcast<T: TypedResource>(resource: Resource) -> Result<T, Resource> {
    resource.downcast::<T>()
}

/// How a searchset entry is marked (`entry.search.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryMode {
    Match,
    Include,
    Outcome,
    Unmarked,
}

pub(crate) fn entry_mode(entry: &BundleEntry) -> EntryMode {
    match entry
        .search
        .as_ref()
        .and_then(|s| s.mode.as_ref())
        .and_then(|m| m.value)
    {
        Some(SearchEntryMode::Match) => EntryMode::Match,
        Some(SearchEntryMode::Include) => EntryMode::Include,
        Some(SearchEntryMode::Outcome) => EntryMode::Outcome,
        None => EntryMode::Unmarked,
    }
}

/// `Bundle.link` as (relation, url) pairs.
pub(crate) fn bundle_links(bundle: &Bundle) -> Vec<(String, String)> {
    bundle
        .link
        .iter()
        .filter_map(|l| Some((l.relation.as_str()?.to_owned(), l.url.as_str()?.to_owned())))
        .collect()
}

pub(crate) fn bundle_total(bundle: &Bundle) -> Option<u32> {
    bundle.total.as_ref().and_then(|t| t.value)
}

/// The parts of `Bundle.entry.response` the client reports.
pub(crate) struct EntryResponseParts {
    pub status: Option<String>,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub outcome: Option<Resource>,
}

pub(crate) fn entry_response(entry: &mut BundleEntry) -> Option<EntryResponseParts> {
    let response = entry.response.take()?;
    Some(EntryResponseParts {
        status: response.status.value,
        location: response.location.and_then(|l| l.value),
        etag: response.etag.and_then(|e| e.value),
        last_modified: response
            .last_modified
            .and_then(|m| m.value)
            .map(|m| m.as_str().to_owned()),
        outcome: response.outcome,
    })
}

pub(crate) fn set_bundle_type(bundle: &mut Bundle, transaction: bool) {
    bundle.r#type = if transaction {
        BundleType::Transaction
    } else {
        BundleType::Batch
    }
    .into();
}

pub(crate) fn new_bundle(transaction: bool) -> Bundle {
    let mut bundle = Bundle::new(BundleType::Batch);
    set_bundle_type(&mut bundle, transaction);
    bundle
}

pub(crate) fn http_verb(method: &str) -> HTTPVerb {
    match method {
        "GET" => HTTPVerb::Get,
        "HEAD" => HTTPVerb::Head,
        "POST" => HTTPVerb::Post,
        "PUT" => HTTPVerb::Put,
        "DELETE" => HTTPVerb::Delete,
        _ => HTTPVerb::Patch,
    }
}

/// The member `id` of each `contained` resource of a serialized container, as JSON.
pub(crate) fn find_contained(container_json: &str, id: &str) -> Option<String> {
    let doc = JsonValue::parse(container_json).ok()?;
    let JsonValue::Array(items) = doc.get("contained")? else {
        return None;
    };
    items
        .iter()
        .find(|item| item.get("id").and_then(|v| v.as_str()) == Some(id))
        .map(|item| item.to_json_string())
}

/// An empty Parameters resource, the output of an operation that answered with no body.
pub(crate) fn empty_parameters() -> Resource {
    Resource::Parameters(Box::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_model::r4::Patient;

    #[test]
    fn resource_type_is_read_without_the_rest() {
        assert_eq!(
            resource_type_of(r#"{"id":"1","resourceType":"Patient"}"#).as_deref(),
            Some("Patient")
        );
        assert_eq!(resource_type_of("<html></html>"), None);
        assert_eq!(resource_type_of(""), None);
    }

    #[test]
    fn outcome_only_from_operation_outcomes() {
        let oo = r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found","diagnostics":"Resource Patient/x is not known"}]}"#;
        let parsed = parse_operation_outcome(oo).unwrap();
        assert_eq!(
            outcome_summary(&parsed).unwrap(),
            "error (not-found): Resource Patient/x is not known"
        );
        assert!(parse_operation_outcome(r#"{"resourceType":"Patient"}"#).is_none());
        assert!(parse_operation_outcome(r#"{"type":"about:blank","status":404}"#).is_none());
    }

    #[test]
    fn downcast_keeps_other_types() {
        let r = Resource::from_json_str(
            r#"{"resourceType":"Patient","id":"p"}"#,
            ParseOptions::lenient(),
        )
        .unwrap();
        let p: Patient = downcast(r.clone()).unwrap();
        assert_eq!(p.id.unwrap().as_str(), Some("p"));
        assert!(downcast::<fhir_model::r4::Observation>(r).is_err());
    }

    #[test]
    fn contained_by_id() {
        let json =
            r#"{"resourceType":"Observation","contained":[{"resourceType":"Patient","id":"p1"}]}"#;
        assert_eq!(
            find_contained(json, "p1").unwrap(),
            r#"{"resourceType":"Patient","id":"p1"}"#
        );
        assert!(find_contained(json, "p2").is_none());
    }
}
