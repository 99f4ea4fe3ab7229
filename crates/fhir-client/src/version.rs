//! FHIR versions: the [`FhirVersion`] trait over one version's models, and the versions
//! [`R4`] and (with the `r5` feature) [`R5`].
//!
//! The only module that names the models' types. Everything else takes `Bundle`,
//! `OperationOutcome`, `Resource` and friends as the associated types of a `V: FhirVersion`, and
//! reaches into them through the trait's glue functions. The glue is written once, in the
//! `fhir_version!` macro, and instantiated with `fhir_model::r4` and `fhir_model::r5`: the generated
//! field names are the same in both. The few places where the two definitions differ are small
//! per-version functions next to the macro, each saying which definition differs.

use std::fmt::Debug;
use std::hash::Hash;

use fhir_model::{AnyResource, CodeOption, FhirJson, TypedResource};

mod sealed {
    /// Only this crate's versions implement [`FhirVersion`](super::FhirVersion).
    pub trait Sealed {}
}

/// A FHIR version the client speaks: the `fhir_model` module whose types its requests and
/// answers use. Implemented by [`R4`] (the default of [`Client`](crate::Client) and of every type
/// with a version parameter) and, with this crate's `r5` feature, `R5`; not implementable
/// outside this crate.
///
/// Code written once for both versions takes a `V: FhirVersion` and names the version's types as
/// `V::Bundle`, `V::OperationOutcome`, ...:
///
/// ```
/// use fhir_client::{Client, Error, FhirVersion, R4, SearchParams, Summary};
///
/// /// How many Patients the server holds, whatever the FHIR version of the client.
/// async fn patient_count<V: FhirVersion>(client: &Client<V>) -> Result<Option<u32>, Error<V>> {
///     let page = client
///         .search_type("Patient", SearchParams::new().summary(Summary::Count))
///         .await?;
///     Ok(page.total)
/// }
///
/// assert_eq!((R4::NAME, R4::VERSION, R4::MAJOR_MINOR), ("R4", "4.0.1", "4.0"));
/// let client: Client<R4> = Client::new("https://example.org/fhir").unwrap();
/// let _count = patient_count(&client);
/// ```
///
/// The trait's hidden functions are the client's glue into the models, not public API.
pub trait FhirVersion:
    sealed::Sealed + Copy + Default + Debug + Eq + Hash + Send + Sync + 'static
{
    /// The release's name: `"R4"`, `"R5"`.
    const NAME: &'static str;
    /// The version of the models, as a CapabilityStatement's `fhirVersion` names it: `"4.0.1"`,
    /// `"5.0.0"`.
    const VERSION: &'static str;
    /// The major and minor version, what [`Client::check_fhir_version`](crate::Client::check_fhir_version)
    /// compares with the server's (patch releases of a version are compatible): `"4.0"`, `"5.0"`.
    const MAJOR_MINOR: &'static str;

    /// Whether a server that declares `fhir_version` (a CapabilityStatement's `fhirVersion`,
    /// e.g. `4.0.1`, `4.0`, `5.0.0-ballot`) speaks this version: the same major and minor
    /// version, as [`Client::check_fhir_version`](crate::Client::check_fhir_version) decides.
    ///
    /// ```
    /// use fhir_client::{FhirVersion, R4};
    /// assert!(R4::declared_by("4.0.1") && R4::declared_by("4.0"));
    /// assert!(!R4::declared_by("4.3.0") && !R4::declared_by("5.0.0"));
    /// ```
    fn declared_by(fhir_version: &str) -> bool {
        major_minor(fhir_version) == Self::MAJOR_MINOR
    }

    /// The `Resource` enum of the version: any resource.
    type Resource: AnyResource + PartialEq;
    /// `Bundle`: searchsets, histories, batches and transactions.
    type Bundle: TypedResource + PartialEq;
    /// `Bundle.entry`.
    type BundleEntry: FhirJson + Clone + Debug + Default + PartialEq + Send + Sync + 'static;
    /// `OperationOutcome`: the errors and warnings of a server.
    type OperationOutcome: TypedResource + PartialEq;
    /// `CapabilityStatement`: what `GET {base}/metadata` answers.
    type CapabilityStatement: TypedResource + PartialEq;
    /// `Parameters`: the input and output of operations, and FHIRPath Patch documents.
    type Parameters: TypedResource + Default + PartialEq;
    /// `Parameters.parameter.value[x]` (an enum of the datatypes the version allows there; R5
    /// allows more than R4, e.g. `integer64` and `CodeableReference`).
    type ParametersValue: Clone + Debug + PartialEq + Send + Sync + 'static;
    /// The `Reference` datatype.
    type Reference: FhirJson + Clone + Debug + Default + PartialEq + Send + Sync + 'static;

    /// Glue: the resource as the typed struct `T`, or given back when it is another type.
    #[doc(hidden)]
    fn downcast<T: TypedResource>(resource: Self::Resource) -> Result<T, Self::Resource>;
    /// Glue: the resource's `resourceType`.
    #[doc(hidden)]
    fn resource_type(resource: &Self::Resource) -> &str;
    /// Glue: the resource's `id`.
    #[doc(hidden)]
    fn resource_id(resource: &Self::Resource) -> Option<&str>;
    /// Glue: the resource's `meta.versionId`.
    #[doc(hidden)]
    fn resource_version_id(resource: &Self::Resource) -> Option<&str>;
    /// Glue: an empty Parameters resource, the output of an operation that answered with no body.
    #[doc(hidden)]
    fn empty_parameters() -> Self::Resource;
    /// Glue: the first line a person would want from an OperationOutcome (see [`summary`]).
    #[doc(hidden)]
    fn outcome_summary(outcome: &Self::OperationOutcome) -> Option<String>;
    /// Glue: `Reference.reference`.
    #[doc(hidden)]
    fn reference_text(reference: &Self::Reference) -> Option<&str>;

    /// Glue: `Bundle.total`.
    #[doc(hidden)]
    fn bundle_total(bundle: &Self::Bundle) -> Option<u32>;
    /// Glue: `Bundle.link` as (relation, url) pairs.
    #[doc(hidden)]
    fn bundle_links(bundle: &Self::Bundle) -> Vec<(String, String)>;
    /// Glue: moves `Bundle.entry` out.
    #[doc(hidden)]
    fn take_entries(bundle: &mut Self::Bundle) -> Vec<Self::BundleEntry>;
    /// Glue: moves out an OperationOutcome about the Bundle as a whole (R5's `Bundle.issues`).
    #[doc(hidden)]
    fn take_issues(bundle: &mut Self::Bundle) -> Option<Self::OperationOutcome>;
    /// Glue: how a searchset entry is marked (`entry.search.mode`).
    #[doc(hidden)]
    fn entry_mode(entry: &Self::BundleEntry) -> EntryMode;
    /// Glue: moves `entry.resource` out.
    #[doc(hidden)]
    fn take_entry_resource(entry: &mut Self::BundleEntry) -> Option<Self::Resource>;
    /// Glue: the parts of a batch or transaction response entry the client reports.
    #[doc(hidden)]
    fn entry_response(entry: Self::BundleEntry) -> EntryResponseParts<Self::Resource>;
    /// Glue: an empty batch or transaction Bundle.
    #[doc(hidden)]
    fn new_bundle(transaction: bool) -> Self::Bundle;
    /// Glue: sets `Bundle.type` to `transaction` or `batch`.
    #[doc(hidden)]
    fn set_bundle_type(bundle: &mut Self::Bundle, transaction: bool);
    /// Glue: adds an entry with a request to a batch or transaction Bundle.
    #[doc(hidden)]
    fn push_entry(bundle: &mut Self::Bundle, entry: NewEntry<Self::Resource>);

    /// Glue: a `valueString`.
    #[doc(hidden)]
    fn string_value(value: &str) -> Self::ParametersValue;
    /// Glue: a `valueInteger`.
    #[doc(hidden)]
    fn integer_value(value: i32) -> Self::ParametersValue;
    /// Glue: adds a parameter with a `valueString`.
    #[doc(hidden)]
    fn push_string_parameter(parameters: &mut Self::Parameters, name: &str, value: &str);
    /// Glue: adds a FHIRPath Patch `operation` parameter: its `type`, `path` and other parts.
    #[doc(hidden)]
    fn push_patch_operation(
        parameters: &mut Self::Parameters,
        kind: &str,
        path: &str,
        parts: Vec<(&str, Self::ParametersValue)>,
    );
}

/// How a searchset entry is marked (`entry.search.mode`).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryMode {
    /// `match`
    Match,
    /// `include`
    Include,
    /// `outcome`
    Outcome,
    /// No mode, as in a history.
    Unmarked,
}

/// The parts of `Bundle.entry` (with its `response`) that a batch or transaction response reports.
#[doc(hidden)]
pub struct EntryResponseParts<R> {
    /// `entry.fullUrl`.
    pub full_url: Option<String>,
    /// `entry.resource`.
    pub resource: Option<R>,
    /// `entry.response.status`.
    pub status: Option<String>,
    /// `entry.response.location`.
    pub location: Option<String>,
    /// `entry.response.etag`.
    pub etag: Option<String>,
    /// `entry.response.lastModified`.
    pub last_modified: Option<String>,
    /// `entry.response.outcome`.
    pub outcome: Option<R>,
}

/// An entry to add to a batch or transaction Bundle.
#[doc(hidden)]
pub struct NewEntry<R> {
    /// `request.method`: `GET`, `HEAD`, `POST`, `PUT`, `DELETE` or `PATCH`.
    pub method: &'static str,
    /// `request.url`.
    pub url: String,
    /// `resource`.
    pub resource: Option<R>,
    /// `fullUrl`.
    pub full_url: Option<String>,
    /// `request.ifNoneExist`.
    pub if_none_exist: Option<String>,
}

/// The first line a person would want from an OperationOutcome, from its first issue's parts:
/// `severity (code): text`, the text being the diagnostics or else the text of the details.
pub(crate) fn summary(severity: Option<&str>, code: Option<&str>, text: Option<&str>) -> String {
    let severity = severity.unwrap_or("issue");
    let code = code.unwrap_or("unknown");
    match text {
        Some(text) => format!("{severity} ({code}): {text}"),
        None => format!("{severity} ({code})"),
    }
}

/// `major.minor` of a FHIR version (`4.0.1` → `4.0`, `5.0.0-ballot` → `5.0`, `4.0` → `4.0`).
pub(crate) fn major_minor(version: &str) -> String {
    let mut parts = version.trim().splitn(3, '.');
    let major = parts.next().unwrap_or_default();
    match parts.next() {
        Some(minor) => {
            let end = minor
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(minor.len());
            format!("{major}.{}", &minor[..end])
        }
        None => major.to_owned(),
    }
}

/// The glue of one FHIR version, written once over the model module `$module` (the generated
/// field names are the same in every version); what differs between versions comes in as the
/// small functions named after `link_relation` and `take_issues`.
macro_rules! fhir_version {
    (
        $(#[$doc:meta])*
        $marker:ident, $module:ident,
        name: $name:literal, version: $version:literal, major_minor: $major_minor:literal,
        link_relation: $link_relation:path,
        take_issues: $take_issues:path $(,)?
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $marker;

        impl sealed::Sealed for $marker {}

        impl FhirVersion for $marker {
            const NAME: &'static str = $name;
            const VERSION: &'static str = $version;
            const MAJOR_MINOR: &'static str = $major_minor;

            type Resource = fhir_model::$module::Resource;
            type Bundle = fhir_model::$module::Bundle;
            type BundleEntry = fhir_model::$module::BundleEntry;
            type OperationOutcome = fhir_model::$module::OperationOutcome;
            type CapabilityStatement = fhir_model::$module::CapabilityStatement;
            type Parameters = fhir_model::$module::Parameters;
            type ParametersValue = fhir_model::$module::ParametersParameterValue;
            type Reference = fhir_model::$module::Reference;

            fn downcast<T: TypedResource>(resource: Self::Resource) -> Result<T, Self::Resource> {
                resource.downcast::<T>()
            }

            fn resource_type(resource: &Self::Resource) -> &str {
                resource.resource_type()
            }

            fn resource_id(resource: &Self::Resource) -> Option<&str> {
                resource.id()
            }

            fn resource_version_id(resource: &Self::Resource) -> Option<&str> {
                resource.version_id()
            }

            fn empty_parameters() -> Self::Resource {
                fhir_model::$module::Resource::Parameters(Box::default())
            }

            fn outcome_summary(outcome: &Self::OperationOutcome) -> Option<String> {
                let issue = outcome.issue.first()?;
                let text = issue.diagnostics.as_ref().and_then(|d| d.as_str()).or_else(|| {
                    issue
                        .details
                        .as_ref()
                        .and_then(|d| d.text.as_ref())
                        .and_then(|t| t.as_str())
                });
                Some(summary(
                    issue.severity.value.as_ref().map(|s| s.as_str()),
                    issue.code.value.as_ref().map(|c| c.as_str()),
                    text,
                ))
            }

            fn reference_text(reference: &Self::Reference) -> Option<&str> {
                reference.reference.as_ref().and_then(|r| r.as_str())
            }

            fn bundle_total(bundle: &Self::Bundle) -> Option<u32> {
                bundle.total.as_ref().and_then(|t| t.value)
            }

            fn bundle_links(bundle: &Self::Bundle) -> Vec<(String, String)> {
                bundle
                    .link
                    .iter()
                    .filter_map(|l| {
                        Some(($link_relation(l)?.to_owned(), l.url.as_str()?.to_owned()))
                    })
                    .collect()
            }

            fn take_entries(bundle: &mut Self::Bundle) -> Vec<Self::BundleEntry> {
                std::mem::take(&mut bundle.entry)
            }

            fn take_issues(bundle: &mut Self::Bundle) -> Option<Self::OperationOutcome> {
                $take_issues(bundle)
            }

            fn entry_mode(entry: &Self::BundleEntry) -> EntryMode {
                use fhir_model::$module::SearchEntryMode;
                match entry.search.as_ref().and_then(|s| s.mode.known()) {
                    Some(SearchEntryMode::Match) => EntryMode::Match,
                    Some(SearchEntryMode::Include) => EntryMode::Include,
                    Some(SearchEntryMode::Outcome) => EntryMode::Outcome,
                    None => EntryMode::Unmarked,
                }
            }

            fn take_entry_resource(entry: &mut Self::BundleEntry) -> Option<Self::Resource> {
                entry.resource.take()
            }

            fn entry_response(entry: Self::BundleEntry) -> EntryResponseParts<Self::Resource> {
                let mut parts = EntryResponseParts {
                    full_url: entry.full_url.and_then(|u| u.value),
                    resource: entry.resource,
                    status: None,
                    location: None,
                    etag: None,
                    last_modified: None,
                    outcome: None,
                };
                if let Some(response) = entry.response {
                    parts.status = response.status.value;
                    parts.location = response.location.and_then(|l| l.value);
                    parts.etag = response.etag.and_then(|e| e.value);
                    parts.last_modified = response
                        .last_modified
                        .and_then(|m| m.value)
                        .map(|m| m.as_str().to_owned());
                    parts.outcome = response.outcome;
                }
                parts
            }

            fn new_bundle(transaction: bool) -> Self::Bundle {
                use fhir_model::$module::{Bundle, BundleType};
                Bundle::new(if transaction {
                    BundleType::Transaction
                } else {
                    BundleType::Batch
                })
            }

            fn set_bundle_type(bundle: &mut Self::Bundle, transaction: bool) {
                use fhir_model::$module::BundleType;
                bundle.r#type = if transaction {
                    BundleType::Transaction
                } else {
                    BundleType::Batch
                }
                .into();
            }

            fn push_entry(bundle: &mut Self::Bundle, entry: NewEntry<Self::Resource>) {
                use fhir_model::$module::{BundleEntry, BundleEntryRequest, HTTPVerb};
                let method = match entry.method {
                    "GET" => HTTPVerb::Get,
                    "HEAD" => HTTPVerb::Head,
                    "POST" => HTTPVerb::Post,
                    "PUT" => HTTPVerb::Put,
                    "DELETE" => HTTPVerb::Delete,
                    _ => HTTPVerb::Patch,
                };
                let mut request = BundleEntryRequest::new(method, entry.url);
                request.if_none_exist = entry.if_none_exist.map(Into::into);
                bundle.entry.push(BundleEntry {
                    full_url: entry.full_url.map(Into::into),
                    resource: entry.resource,
                    request: Some(request),
                    ..Default::default()
                });
            }

            fn string_value(value: &str) -> Self::ParametersValue {
                fhir_model::$module::ParametersParameterValue::String(value.into())
            }

            fn integer_value(value: i32) -> Self::ParametersValue {
                fhir_model::$module::ParametersParameterValue::Integer(value.into())
            }

            fn push_string_parameter(parameters: &mut Self::Parameters, name: &str, value: &str) {
                let mut p = fhir_model::$module::ParametersParameter::new(name);
                p.value = Some(Self::string_value(value));
                parameters.parameter.push(p);
            }

            fn push_patch_operation(
                parameters: &mut Self::Parameters,
                kind: &str,
                path: &str,
                parts: Vec<(&str, Self::ParametersValue)>,
            ) {
                use fhir_model::$module::{ParametersParameter, ParametersParameterValue};
                let part = |name: &str, value: ParametersParameterValue| {
                    let mut p = ParametersParameter::new(name);
                    p.value = Some(value);
                    p
                };
                let mut op = ParametersParameter::new("operation");
                op.part.push(part("type", ParametersParameterValue::Code(kind.into())));
                op.part.push(part("path", ParametersParameterValue::String(path.into())));
                for (name, value) in parts {
                    op.part.push(part(name, value));
                }
                parameters.parameter.push(op);
            }
        }
    };
}

// Each version's per-version functions and marker stand between its `BEGIN version` and
// `END version` lines: `cargo xtask add-version` copies the last version's block for a new one.

// BEGIN version r4

/// R4 defines `Bundle.link.relation` as a `string`.
fn r4_link_relation(link: &fhir_model::r4::BundleLink) -> Option<&str> {
    link.relation.as_str()
}

/// R4 has no `Bundle.issues` (R5 added it).
fn r4_take_issues(_: &mut fhir_model::r4::Bundle) -> Option<fhir_model::r4::OperationOutcome> {
    None
}

fhir_version! {
    /// FHIR R4 (4.0.1), the models of [`fhir_model::r4`]: the default version of the client.
    ///
    /// ```
    /// use fhir_client::{Client, FhirVersion, R4};
    ///
    /// // `Client` is `Client<R4>`.
    /// let client: Client<R4> = Client::new("https://example.org/fhir").unwrap();
    /// assert_eq!(R4::VERSION, "4.0.1");
    /// ```
    R4, r4,
    name: "R4", version: "4.0.1", major_minor: "4.0",
    link_relation: r4_link_relation,
    take_issues: r4_take_issues,
}

// END version r4

// BEGIN version r5

/// R5 defines `Bundle.link.relation` as a `code` of the IANA link relations (`LinkRelationTypes`),
/// where R4 has a `string`.
#[cfg(feature = "r5")]
fn r5_link_relation(link: &fhir_model::r5::BundleLink) -> Option<&str> {
    link.relation.value.as_ref().map(|r| r.as_str())
}

/// R5 added `Bundle.issues`: an OperationOutcome about the Bundle as a whole (in a searchset,
/// about the search). Anything else found there stays in the Bundle.
#[cfg(feature = "r5")]
fn r5_take_issues(bundle: &mut fhir_model::r5::Bundle) -> Option<fhir_model::r5::OperationOutcome> {
    match bundle.issues.take() {
        Some(fhir_model::r5::Resource::OperationOutcome(outcome)) => Some(*outcome),
        other => {
            bundle.issues = other;
            None
        }
    }
}

#[cfg(feature = "r5")]
fhir_version! {
    /// FHIR R5 (5.0.0), the models of `fhir_model::r5` (this crate's `r5` feature). An R5 client
    /// comes from [`ClientBuilder::fhir_version`](crate::ClientBuilder::fhir_version):
    ///
    /// ```
    /// use fhir_client::{Client, FhirVersion, R5};
    ///
    /// let client = Client::builder("https://example.org/fhir/r5")
    ///     .fhir_version::<R5>()
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(R5::MAJOR_MINOR, "5.0");
    /// ```
    R5, r5,
    name: "R5", version: "5.0.0", major_minor: "5.0",
    link_relation: r5_link_relation,
    take_issues: r5_take_issues,
}

// END version r5

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_model::ParseOptions;
    use fhir_model::r4::{Bundle, Patient, Resource};

    #[test]
    fn downcast_keeps_other_types() {
        let r = Resource::from_json_str(
            r#"{"resourceType":"Patient","id":"p"}"#,
            ParseOptions::lenient(),
        )
        .unwrap();
        let p: Patient = R4::downcast(r.clone()).unwrap();
        assert_eq!(p.id.unwrap().as_str(), Some("p"));
        assert!(R4::downcast::<Bundle>(r).is_err());
    }

    #[test]
    fn r4_links_and_batch_entries() {
        let json = r#"{"resourceType":"Bundle","type":"searchset","total":3,
          "link":[{"relation":"next","url":"Patient?page=2"},{"relation":"self","url":"Patient"}]}"#;
        let bundle = Bundle::from_json_str(json, ParseOptions::lenient()).unwrap();
        assert_eq!(
            R4::bundle_links(&bundle),
            [
                ("next".to_owned(), "Patient?page=2".to_owned()),
                ("self".to_owned(), "Patient".to_owned())
            ]
        );
        assert_eq!(R4::bundle_total(&bundle), Some(3));

        let mut batch = R4::new_bundle(true);
        R4::push_entry(
            &mut batch,
            NewEntry {
                method: "DELETE",
                url: "Patient/1".into(),
                resource: None,
                full_url: None,
                if_none_exist: Some("identifier=42".into()),
            },
        );
        assert_eq!(
            batch.to_json_string(),
            r#"{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"DELETE","url":"Patient/1","ifNoneExist":"identifier=42"}}]}"#
        );
        R4::set_bundle_type(&mut batch, false);
        assert!(batch.to_json_string().contains(r#""type":"batch""#));
    }

    #[cfg(feature = "r5")]
    #[test]
    fn r5_links_are_codes_and_issues_are_outcomes() {
        let json = r#"{"resourceType":"Bundle","type":"searchset",
          "link":[{"relation":"next","url":"Patient?page=2"},{"relation":"not-a-relation","url":"x"}],
          "issues":{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational","diagnostics":"slow search"}]}}"#;
        let mut bundle =
            fhir_model::r5::Bundle::from_json_str(json, ParseOptions::lenient()).unwrap();
        // A relation outside the IANA code list is kept as its text (lenient reading), as R4's
        // string relations are: paging looks for `next` and `previous` only.
        assert_eq!(
            R5::bundle_links(&bundle),
            [
                ("next".to_owned(), "Patient?page=2".to_owned()),
                ("not-a-relation".to_owned(), "x".to_owned())
            ]
        );
        let issues = R5::take_issues(&mut bundle).unwrap();
        assert_eq!(
            R5::outcome_summary(&issues).as_deref(),
            Some("information (informational): slow search")
        );
        assert!(bundle.issues.is_none());
        assert!(R5::take_issues(&mut bundle).is_none());
    }
}
