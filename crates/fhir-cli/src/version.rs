//! The FHIR version of a run (`--fhir r4|r5`) and what the commands need of each version's
//! models.
//!
//! The commands are written once, generic over `V: CliVersion`, and `main` picks `V` once. This
//! is the only file of the command that names a version's model types: the glue is written once,
//! in the `cli_version!` macro, and instantiated with `fhir_model::r4` and `fhir_model::r5`,
//! whose generated field names are the same (as the client's own glue does).

use clap::ValueEnum;
use fhir_client::{BundleResponse, Client, FhirVersion, R4, R5};
use fhir_model::xml::Writer as XmlWriter;

use crate::failure::Issue;
use crate::metadata::{Capabilities, RestCapabilities, TypeCapabilities};

/// The FHIR versions the command has models for: the values of `--fhir`, `FHIR_VERSION` and a
/// named server's `fhir` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Fhir {
    /// FHIR R4 (4.0.1), the default.
    #[default]
    R4,
    /// FHIR R5 (5.0.0).
    R5,
}

impl Fhir {
    /// Every version, in release order.
    pub const ALL: [Fhir; 2] = [Fhir::R4, Fhir::R5];

    /// The value of `--fhir` that picks this version: `r4`, `r5`.
    pub fn flag(self) -> &'static str {
        match self {
            Fhir::R4 => "r4",
            Fhir::R5 => "r5",
        }
    }

    /// The release's name: `R4`, `R5`.
    pub fn name(self) -> &'static str {
        match self {
            Fhir::R4 => R4::NAME,
            Fhir::R5 => R5::NAME,
        }
    }

    fn declared_by(self, fhir_version: &str) -> bool {
        match self {
            Fhir::R4 => R4::declared_by(fhir_version),
            Fhir::R5 => R5::declared_by(fhir_version),
        }
    }

    fn resource_types(self) -> &'static [&'static str] {
        match self {
            Fhir::R4 => <R4 as CliVersion>::RESOURCE_TYPES,
            Fhir::R5 => <R5 as CliVersion>::RESOURCE_TYPES,
        }
    }

    /// The version whose models read what a server declares as its `fhirVersion` (`4.0.1` →
    /// R4; patch releases of a version are compatible), if the command has one.
    pub fn of_declared(declared: &str) -> Option<Fhir> {
        Fhir::ALL.into_iter().find(|f| f.declared_by(declared))
    }

    /// Another version than `this` that defines the resource type `name`, for the message of
    /// a type that `this` does not know (`ActorDefinition` is R5's only).
    pub fn other_with_type(this: Fhir, name: &str) -> Option<Fhir> {
        Fhir::ALL
            .into_iter()
            .find(|f| *f != this && f.resource_types().contains(&name))
    }
}

/// What to say when the server declares the FHIR version `declared` and the run reads `V`'s
/// models: both versions, and the `--fhir` that fits, if any. `None` when they agree.
pub fn mismatch<V: CliVersion>(declared: &str) -> Option<String> {
    if V::declared_by(declared) {
        return None;
    }
    let pick = match Fhir::of_declared(declared) {
        Some(fits) => format!(
            "--fhir {} reads it with the {} models",
            fits.flag(),
            fits.name()
        ),
        None => format!(
            "the command has models for {} only",
            Fhir::ALL.map(Fhir::name).join(" and ")
        ),
    };
    Some(format!(
        "the server declares fhirVersion {declared}, and this run reads the FHIR {} models ({}); \
         --fhir picks the models: {pick}",
        V::NAME,
        V::VERSION
    ))
}

/// For a resource type that `V` does not define but another version does (a model error
/// `unknown resourceType`), the note that says which `--fhir` reads it.
pub fn type_note<V: CliVersion>(e: &fhir_model::Error) -> Option<String> {
    let fhir_model::ErrorKind::UnknownResourceType(name) = e.kind() else {
        return None;
    };
    let other = Fhir::other_with_type(V::FHIR, name)?;
    Some(format!(
        "a resource of FHIR {}, not {}: --fhir {} reads it",
        other.name(),
        V::NAME,
        other.flag()
    ))
}

/// The note for a server whose CapabilityStatement declares another FHIR version than the
/// run's (see [`mismatch`]); `None` when they agree, or when the server does not say.
pub async fn server_mismatch<V: CliVersion>(client: &Client<V>) -> Option<String> {
    let cs = client.capabilities().await.ok()?;
    mismatch::<V>(V::capabilities(&cs).fhir_version?)
}

/// What the commands need of one FHIR version's models, beyond the client's [`FhirVersion`]:
/// typed views for printing, and the few moves of resources in and out of Bundles. Implemented
/// for [`R4`] and [`R5`] by one macro.
pub trait CliVersion: FhirVersion {
    /// The `--fhir` value of this version.
    const FHIR: Fhir;
    /// Every resource type of the version, for checking arguments before anything is sent.
    const RESOURCE_TYPES: &'static [&'static str];

    /// The parts of a CapabilityStatement that `fhir metadata` summarizes.
    fn capabilities(cs: &Self::CapabilityStatement) -> Capabilities<'_>;
    /// Each issue of an OperationOutcome.
    fn issues(outcome: &Self::OperationOutcome) -> Vec<Issue<'_>>;
    /// `meta.lastUpdated` of a resource, as written.
    fn last_updated(resource: &Self::Resource) -> Option<&str>;

    /// `Bundle.type`, when it is a code of the version.
    fn bundle_type(bundle: &Self::Bundle) -> Option<&str>;
    /// What a printed list keeps of its first page's Bundle: everything but `link` (single
    /// pages), `entry` (printed one by one) and `signature` (it signs one page, not the list).
    fn page_head(bundle: &Self::Bundle) -> Self::Bundle;
    /// `Bundle.entry.resource`.
    fn entry_resource(entry: &Self::BundleEntry) -> Option<&Self::Resource>;
    /// Puts a resource back into `Bundle.entry.resource`.
    fn set_entry_resource(entry: &mut Self::BundleEntry, resource: Option<Self::Resource>);
    /// An entry's `resource` that lenient reading kept without typing it, because it is not a
    /// resource of this version: `Some` with its `resourceType` when known.
    fn unread_resource(entry: &Self::BundleEntry) -> Option<Option<&str>>;
    /// `Bundle.entry.request`: its method and URL.
    fn entry_request(entry: &Self::BundleEntry) -> (Option<&str>, Option<&str>);
    /// Writes an entry as an XML `<entry>` element.
    fn write_xml_entry(writer: &mut XmlWriter, entry: &Self::BundleEntry);
    /// Writes the start of a Bundle in XML and its own elements, the entries to follow.
    fn write_xml_head(writer: &mut XmlWriter, head: &Self::Bundle);

    /// An OperationOutcome as a resource.
    fn outcome_resource(outcome: Self::OperationOutcome) -> Self::Resource;
    /// The resource as a Bundle, or given back when it is not one.
    fn into_bundle(resource: Self::Resource) -> Result<Self::Bundle, Self::Resource>;
    /// A Bundle as a resource.
    fn bundle_resource(bundle: Self::Bundle) -> Self::Resource;
    /// The `transaction-response` Bundle put back together from the client's per-entry view:
    /// its own elements, then one entry per response with its `fullUrl`, `resource` and
    /// `response` (status, location, etag, lastModified, outcome).
    fn response_bundle(response: BundleResponse<Self>) -> Self::Bundle;
}

macro_rules! cli_version {
    ($marker:ident, $module:ident, $fhir:expr) => {
        impl CliVersion for $marker {
            const FHIR: Fhir = $fhir;
            const RESOURCE_TYPES: &'static [&'static str] = fhir_model::$module::RESOURCE_TYPES;

            fn capabilities(cs: &Self::CapabilityStatement) -> Capabilities<'_> {
                let software = cs.software.as_ref();
                let implementation = cs.implementation.as_ref();
                let server = cs.rest.iter().find(|r| r.mode.as_str() == Some("server"));
                Capabilities {
                    software_name: software.and_then(|s| s.name.as_str()),
                    software_version: software.and_then(|s| s.version.as_ref()?.as_str()),
                    implementation: implementation.and_then(|i| i.description.as_str()),
                    implementation_url: implementation.and_then(|i| i.url.as_ref()?.as_str()),
                    fhir_version: cs.fhir_version.as_str(),
                    formats: cs.format.iter().filter_map(|f| f.as_str()).collect(),
                    patch_formats: cs.patch_format.iter().filter_map(|f| f.as_str()).collect(),
                    server: server.map(|rest| RestCapabilities {
                        security: rest
                            .security
                            .iter()
                            .flat_map(|s| &s.service)
                            .filter_map(|cc| {
                                cc.text
                                    .as_ref()
                                    .and_then(|t| t.as_str())
                                    .or_else(|| cc.coding.first()?.code.as_ref()?.as_str())
                            })
                            .collect(),
                        interactions: rest
                            .interaction
                            .iter()
                            .filter_map(|i| i.code.as_str())
                            .collect(),
                        operations: rest
                            .operation
                            .iter()
                            .filter_map(|o| o.name.as_str())
                            .collect(),
                        resources: rest
                            .resource
                            .iter()
                            .map(|r| TypeCapabilities {
                                resource_type: r.r#type.as_str(),
                                interactions: r
                                    .interaction
                                    .iter()
                                    .filter_map(|i| i.code.as_str())
                                    .collect(),
                                search_params: r
                                    .search_param
                                    .iter()
                                    .filter_map(|p| p.name.as_str())
                                    .collect(),
                            })
                            .collect(),
                    }),
                }
            }

            fn issues(outcome: &Self::OperationOutcome) -> Vec<Issue<'_>> {
                outcome
                    .issue
                    .iter()
                    .map(|issue| {
                        let details = issue.details.as_ref().and_then(|d| {
                            d.text.as_ref().and_then(|t| t.as_str()).or_else(|| {
                                let coding = d.coding.first()?;
                                coding
                                    .display
                                    .as_ref()
                                    .and_then(|t| t.as_str())
                                    .or_else(|| coding.code.as_ref()?.as_str())
                            })
                        });
                        // Where: the expressions when there are any, else the locations.
                        let at = if issue.expression.is_empty() {
                            &issue.location
                        } else {
                            &issue.expression
                        };
                        Issue {
                            severity: issue.severity.as_str(),
                            code: issue.code.as_str(),
                            details,
                            diagnostics: issue.diagnostics.as_ref().and_then(|d| d.as_str()),
                            at: at.iter().filter_map(|a| a.as_str()).collect(),
                        }
                    })
                    .collect()
            }

            fn last_updated(resource: &Self::Resource) -> Option<&str> {
                let instant = resource.meta()?.last_updated.as_ref()?.value.as_ref()?;
                Some(instant.as_str())
            }

            fn bundle_type(bundle: &Self::Bundle) -> Option<&str> {
                bundle.r#type.as_str()
            }

            fn page_head(bundle: &Self::Bundle) -> Self::Bundle {
                // Field by field, not a clone: a page's entries are not copied.
                let mut head = fhir_model::$module::Bundle::new(bundle.r#type.clone());
                let fhir_model::$module::Bundle {
                    id,
                    meta,
                    implicit_rules,
                    language,
                    identifier,
                    timestamp,
                    total,
                    unknown,
                    ..
                } = bundle;
                head.id = id.clone();
                head.meta = meta.clone();
                head.implicit_rules = implicit_rules.clone();
                head.language = language.clone();
                head.identifier = identifier.clone();
                head.timestamp = timestamp.clone();
                head.total = total.clone();
                head.unknown = unknown.clone();
                head
            }

            fn entry_resource(entry: &Self::BundleEntry) -> Option<&Self::Resource> {
                entry.resource.as_ref()
            }

            fn set_entry_resource(entry: &mut Self::BundleEntry, resource: Option<Self::Resource>) {
                entry.resource = resource;
            }

            fn unread_resource(entry: &Self::BundleEntry) -> Option<Option<&str>> {
                if entry.resource.is_some() {
                    return None;
                }
                if let Some(kept) = entry.unknown.get("resource") {
                    return Some(kept.get("resourceType").and_then(|t| t.as_str()));
                }
                entry.unknown.xml().find_map(|kept| match kept {
                    fhir_model::XmlKept::Element {
                        name: "resource",
                        xml,
                    } => Some(xml_child_name(xml)),
                    _ => None,
                })
            }

            fn entry_request(entry: &Self::BundleEntry) -> (Option<&str>, Option<&str>) {
                let request = entry.request.as_ref();
                (
                    request.and_then(|r| r.method.as_str()),
                    request.and_then(|r| r.url.as_str()),
                )
            }

            fn write_xml_entry(writer: &mut XmlWriter, entry: &Self::BundleEntry) {
                fhir_model::codec::xml::write_element(writer, "entry", entry);
            }

            fn write_xml_head(writer: &mut XmlWriter, head: &Self::Bundle) {
                use fhir_model::codec::xml::XmlComplex;
                writer.start("Bundle");
                head.write_xml_children(writer);
            }

            fn outcome_resource(outcome: Self::OperationOutcome) -> Self::Resource {
                fhir_model::$module::Resource::OperationOutcome(Box::new(outcome))
            }

            fn into_bundle(resource: Self::Resource) -> Result<Self::Bundle, Self::Resource> {
                resource.downcast()
            }

            fn bundle_resource(bundle: Self::Bundle) -> Self::Resource {
                bundle.into()
            }

            fn response_bundle(response: BundleResponse<Self>) -> Self::Bundle {
                use fhir_model::$module::{BundleEntry, BundleEntryResponse};
                let BundleResponse {
                    entries,
                    mut bundle,
                } = response;
                bundle.entry = entries
                    .into_iter()
                    .map(|e| {
                        let mut answer = BundleEntryResponse::new(e.status_line);
                        answer.location = e.location.map(Into::into);
                        answer.etag = e.etag.map(Into::into);
                        answer.last_modified = e
                            .last_modified
                            .and_then(|m| fhir_model::value::Instant::parse(&m).ok())
                            .map(Into::into);
                        answer.outcome = e.outcome.map(Self::outcome_resource);
                        BundleEntry {
                            full_url: e.full_url.map(Into::into),
                            resource: e.resource,
                            response: Some(answer),
                            ..Default::default()
                        }
                    })
                    .collect();
                bundle
            }
        }
    };
}

/// The name of the first element inside an XML element's text (`<resource><Patient ...>` →
/// `Patient`), without a namespace prefix.
fn xml_child_name(xml: &str) -> Option<&str> {
    let inner = &xml[xml.find('>')? + 1..];
    let start = inner.find('<')? + 1;
    let name = &inner[start..];
    let end = name.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
    let name = &name[..end];
    Some(name.rsplit(':').next().unwrap_or(name)).filter(|n| !n.is_empty())
}

cli_version!(R4, r4, Fhir::R4);
cli_version!(R5, r5, Fhir::R5);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_versions_pick_models() {
        assert_eq!(Fhir::of_declared("4.0.1"), Some(Fhir::R4));
        assert_eq!(Fhir::of_declared("5.0.0-ballot"), Some(Fhir::R5));
        assert_eq!(Fhir::of_declared("4.3.0"), None);
        assert_eq!(mismatch::<R4>("4.0.0"), None);
        let m = mismatch::<R4>("5.0.0").unwrap();
        assert_eq!(
            m,
            "the server declares fhirVersion 5.0.0, and this run reads the FHIR R4 models \
             (4.0.1); --fhir picks the models: --fhir r5 reads it with the R5 models"
        );
        assert!(
            mismatch::<R5>("4.3.0")
                .unwrap()
                .ends_with("models for R4 and R5 only")
        );
    }

    #[test]
    fn types_of_other_versions_are_found() {
        assert_eq!(
            Fhir::other_with_type(Fhir::R4, "ActorDefinition"),
            Some(Fhir::R5)
        );
        assert_eq!(
            Fhir::other_with_type(Fhir::R5, "MedicinalProduct"),
            Some(Fhir::R4)
        );
        assert_eq!(Fhir::other_with_type(Fhir::R4, "Patient"), Some(Fhir::R5));
        assert_eq!(Fhir::other_with_type(Fhir::R4, "Nothing"), None);
    }

    #[test]
    fn transaction_responses_come_back_whole() {
        use fhir_model::{FhirJson, ParseOptions};
        let json = r#"{"resourceType":"Bundle","id":"r","type":"transaction-response","entry":[{"fullUrl":"https://h.test/Patient/1","resource":{"resourceType":"Patient","id":"1"},"response":{"status":"201 Created","location":"Patient/1/_history/1","etag":"W/\"1\"","lastModified":"2024-01-01T00:00:00Z"}},{"response":{"status":"404 Not Found","outcome":{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}}}]}"#;
        let bundle = fhir_model::r4::Bundle::from_json_str(json, ParseOptions::strict()).unwrap();
        let whole = R4::response_bundle(BundleResponse::from(bundle));
        assert_eq!(whole.to_json_string(), json);
    }

    #[test]
    fn xml_child_names() {
        assert_eq!(
            xml_child_name(
                r#"<resource><ActorDefinition xmlns="x"><id value="a"/></ActorDefinition></resource>"#
            ),
            Some("ActorDefinition")
        );
        assert_eq!(xml_child_name("<resource/>"), None);
    }
}
