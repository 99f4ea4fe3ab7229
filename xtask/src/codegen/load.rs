//! Step 1: load the definitions the generator reads from a FHIR package.
//!
//! Only the parts of StructureDefinition, ValueSet and CodeSystem that the generator uses are
//! deserialized; everything else in the files is ignored.

use std::collections::BTreeMap;
use std::path::Path;

use fhir_package::{Manifest, Package};
use serde::Deserialize;

/// Everything the generator reads, keyed by canonical URL.
pub struct Definitions {
    /// The FHIR version the package declares (e.g. `4.0.1`).
    pub fhir_version: String,
    pub structures: Vec<StructureDefinition>,
    pub value_sets: BTreeMap<String, ValueSet>,
    pub code_systems: BTreeMap<String, CodeSystem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StructureDefinition {
    pub url: String,
    pub name: String,
    pub kind: String,
    #[serde(default, rename = "abstract")]
    pub is_abstract: bool,
    #[serde(rename = "type")]
    pub type_name: String,
    pub derivation: Option<String>,
    pub base_definition: Option<String>,
    pub fhir_version: Option<String>,
    pub snapshot: Option<Snapshot>,
    pub short: Option<String>,
    pub description: Option<String>,
}

#[derive(Deserialize)]
pub struct Snapshot {
    pub element: Vec<ElementDefinition>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ElementDefinition {
    pub path: String,
    pub short: Option<String>,
    pub min: Option<u32>,
    pub max: Option<String>,
    #[serde(default, rename = "type")]
    pub types: Vec<TypeRef>,
    pub content_reference: Option<String>,
    pub binding: Option<Binding>,
    pub base: Option<Base>,
    #[serde(default)]
    pub extension: Vec<Extension>,
}

#[derive(Deserialize, Clone)]
pub struct Base {
    pub path: String,
}

#[derive(Deserialize, Clone)]
pub struct TypeRef {
    pub code: String,
    #[serde(default)]
    pub extension: Vec<Extension>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub url: String,
    pub value_url: Option<String>,
    pub value_uri: Option<String>,
    pub value_string: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Binding {
    pub strength: String,
    pub value_set: Option<String>,
}

#[derive(Deserialize)]
pub struct ValueSet {
    pub url: String,
    pub name: Option<String>,
    pub title: Option<String>,
    pub compose: Option<Compose>,
}

#[derive(Deserialize)]
pub struct Compose {
    #[serde(default)]
    pub include: Vec<Include>,
    #[serde(default)]
    pub exclude: Vec<Include>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Include {
    pub system: Option<String>,
    #[serde(default)]
    pub concept: Vec<IncludedConcept>,
    #[serde(default)]
    pub filter: Vec<serde_json::Value>,
    #[serde(default)]
    pub value_set: Vec<String>,
}

#[derive(Deserialize)]
pub struct IncludedConcept {
    pub code: String,
    pub display: Option<String>,
}

#[derive(Deserialize)]
pub struct CodeSystem {
    pub url: String,
    pub content: Option<String>,
    #[serde(default)]
    pub concept: Vec<Concept>,
}

#[derive(Deserialize)]
pub struct Concept {
    pub code: String,
    pub display: Option<String>,
    pub definition: Option<String>,
    #[serde(default)]
    pub concept: Vec<Concept>,
}

/// Reads the StructureDefinitions, ValueSets and CodeSystems of every package in `dir`'s manifest.
pub fn load(dir: &Path) -> Result<Definitions, String> {
    let manifest = Manifest::load(dir).map_err(|e| e.to_string())?;
    let mut defs = Definitions {
        fhir_version: String::new(),
        structures: Vec::new(),
        value_sets: BTreeMap::new(),
        code_systems: BTreeMap::new(),
    };
    for package in &manifest.packages {
        let archive = Package::open_ref(&manifest, package).map_err(|e| e.to_string())?;
        let files = archive
            .read_files(|name| {
                !name.contains('/')
                    && (name.starts_with("StructureDefinition-")
                        || name.starts_with("ValueSet-")
                        || name.starts_with("CodeSystem-"))
            })
            .map_err(|e| e.to_string())?;
        for (name, bytes) in files {
            let parse_err = |e: serde_json::Error| format!("{}: {name}: {e}", package.file);
            if name.starts_with("StructureDefinition-") {
                let sd: StructureDefinition = serde_json::from_slice(&bytes).map_err(parse_err)?;
                if defs.fhir_version.is_empty() {
                    defs.fhir_version = sd.fhir_version.clone().unwrap_or_default();
                }
                // A later package may carry the same definitions again (R5's examples package
                // repeats the core's): the first package listed in the manifest wins.
                if !defs.structures.iter().any(|known| known.url == sd.url) {
                    defs.structures.push(sd);
                }
            } else if name.starts_with("ValueSet-") {
                let vs: ValueSet = serde_json::from_slice(&bytes).map_err(parse_err)?;
                defs.value_sets.entry(vs.url.clone()).or_insert(vs);
            } else {
                let cs: CodeSystem = serde_json::from_slice(&bytes).map_err(parse_err)?;
                defs.code_systems.entry(cs.url.clone()).or_insert(cs);
            }
        }
    }
    if defs.structures.is_empty() {
        return Err(format!(
            "no StructureDefinitions in the packages of {}",
            dir.display()
        ));
    }
    Ok(defs)
}
