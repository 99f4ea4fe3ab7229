//! Support for the conformance tests and the `roundtrip` tool: reading example files, the round
//! trip itself, and a JSON comparison that treats number texts as texts.

use std::path::{Path, PathBuf};

use fhir_model::json::JsonValue;
use fhir_model::{FhirJson, ParseOptions};

#[cfg(feature = "xml")]
pub mod xml;

/// One JSON file to test: a name to report and its text.
pub struct Example {
    pub name: String,
    pub text: String,
}

/// What became of one file.
pub enum Outcome {
    /// Read, written back, and equal to the input.
    Passed,
    /// Not a FHIR resource (no `resourceType`), e.g. a package's `package.json`.
    NotAResource,
    /// The reader refused it.
    Refused(fhir_model::Error),
    /// Written back differently: the path of the first difference and what differs.
    Changed(String),
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_owned()
}

/// Every JSON file of the pinned packages of a FHIR version (`r4`), read from the archive.
pub fn package_examples(version: &str) -> Result<Vec<Example>, String> {
    let dir = workspace_root().join("definitions").join(version);
    let manifest = fhir_package::Manifest::load(&dir).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for p in &manifest.packages {
        let package = fhir_package::Package::open_ref(&manifest, p).map_err(|e| e.to_string())?;
        // Only the package's own folder: R5's core package also holds `openapi/`, `xml/`, ...
        let files = package
            .read_files(|name| name.ends_with(".json") && !name.contains('/'))
            .map_err(|e| e.to_string())?;
        for (name, bytes) in files {
            let text = String::from_utf8(bytes).map_err(|e| format!("{name}: {e}"))?;
            out.push(Example { name, text });
        }
    }
    Ok(out)
}

/// Every `.json` and `.xml` file under `path` (a file, a directory, or a package `.tgz`, whose
/// `.json` files are taken), sorted by name.
pub fn collect(path: &Path) -> Result<Vec<Example>, String> {
    if path.extension().is_some_and(|e| e == "tgz") {
        // A package named on the command line has no pinned hash: it is checked against its own.
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let sha = fhir_package::sha256_hex(&bytes);
        let package =
            fhir_package::Package::from_bytes(path, bytes, &sha).map_err(|e| e.to_string())?;
        let files = package
            .read_files(|n| n.ends_with(".json"))
            .map_err(|e| e.to_string())?;
        return files
            .into_iter()
            .map(|(name, bytes)| {
                let text = String::from_utf8(bytes).map_err(|e| format!("{name}: {e}"))?;
                Ok(Example { name, text })
            })
            .collect();
    }
    let mut files = Vec::new();
    walk(path, &mut files)?;
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
            Ok(Example {
                name: f.display().to_string(),
                text,
            })
        })
        .collect()
}

fn walk(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.is_file() {
        out.push(path.to_owned());
        return Ok(());
    }
    for entry in std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))? {
        let p = entry.map_err(|e| e.to_string())?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "json" || e == "xml") {
            out.push(p);
        }
    }
    Ok(())
}

/// A FHIR version the round trip can read: the module name and its `Resource` enum. Only the
/// versions whose cargo feature is on exist in a build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    #[cfg(feature = "r4")]
    R4,
    #[cfg(feature = "r5")]
    R5,
}

impl Version {
    /// The versions compiled into this build, oldest first.
    pub const COMPILED: &[Version] = &[
        #[cfg(feature = "r4")]
        Version::R4,
        #[cfg(feature = "r5")]
        Version::R5,
    ];

    /// The version named as in `--fhir` and `definitions/` (`r4`, `r5`), if compiled in.
    pub fn from_name(name: &str) -> Option<Version> {
        Self::COMPILED.iter().copied().find(|v| v.name() == name)
    }

    /// The name used by `--fhir` and `definitions/`.
    pub fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "r4")]
            Version::R4 => "r4",
            #[cfg(feature = "r5")]
            Version::R5 => "r5",
        }
    }

    /// JSON `text` as a resource of this version, through XML and back (see [`xml::json_through_xml`]).
    #[cfg(feature = "xml")]
    pub fn json_through_xml(self, text: &str, options: ParseOptions) -> Outcome {
        match self {
            #[cfg(feature = "r4")]
            Version::R4 => xml::json_through_xml::<fhir_model::r4::Resource>(text, options),
            #[cfg(feature = "r5")]
            Version::R5 => xml::json_through_xml::<fhir_model::r5::Resource>(text, options),
        }
    }

    /// XML `text` as a resource of this version, written back as XML and compared canonically.
    #[cfg(feature = "xml")]
    pub fn xml_through_model(self, text: &str, options: ParseOptions) -> Outcome {
        match self {
            #[cfg(feature = "r4")]
            Version::R4 => xml::xml_through_model::<fhir_model::r4::Resource>(text, options),
            #[cfg(feature = "r5")]
            Version::R5 => xml::xml_through_model::<fhir_model::r5::Resource>(text, options),
        }
    }

    /// Reads `text` as a resource of this version, writes it back, and compares.
    pub fn roundtrip(self, text: &str, options: ParseOptions) -> Outcome {
        match self {
            #[cfg(feature = "r4")]
            Version::R4 => roundtrip::<fhir_model::r4::Resource>(text, options),
            #[cfg(feature = "r5")]
            Version::R5 => roundtrip::<fhir_model::r5::Resource>(text, options),
        }
    }
}

/// Reads `text` as a resource of the version whose `Resource` enum is `R`, writes it back, and
/// compares.
pub fn roundtrip<R: FhirJson>(text: &str, options: ParseOptions) -> Outcome {
    let input = match JsonValue::parse(text) {
        Ok(v) => v,
        Err(e) => return Outcome::Refused(e),
    };
    if input.get("resourceType").is_none() {
        return Outcome::NotAResource;
    }
    let resource = match R::from_json_str(text, options) {
        Ok(r) => r,
        Err(e) => return Outcome::Refused(e),
    };
    let written = resource.to_json_string();
    let output = match JsonValue::parse(&written) {
        Ok(v) => v,
        Err(e) => return Outcome::Changed(format!("the output is not JSON: {e}")),
    };
    match first_difference(&input, &output) {
        None => Outcome::Passed,
        Some(d) => Outcome::Changed(d),
    }
}

/// The path and nature of the first difference between two JSON values, or `None` when equal.
///
/// Object key order does not matter; array order does; numbers compare as their texts, so `1.50`
/// and `1.5` differ.
pub fn first_difference(a: &JsonValue, b: &JsonValue) -> Option<String> {
    diff(a, b, &mut String::from("$"))
}

fn diff(a: &JsonValue, b: &JsonValue, path: &mut String) -> Option<String> {
    match (a, b) {
        (JsonValue::Object(x), JsonValue::Object(y)) => {
            for (k, va) in x {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                let found = match y.iter().find(|(kb, _)| kb == k) {
                    Some((_, vb)) => diff(va, vb, path),
                    None => Some(format!("{path}: missing in the output")),
                };
                if found.is_some() {
                    return found;
                }
                path.truncate(len);
            }
            y.iter()
                .find(|(k, _)| !x.iter().any(|(ka, _)| ka == k))
                .map(|(k, _)| format!("{path}.{k}: added in the output"))
        }
        (JsonValue::Array(x), JsonValue::Array(y)) => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                if let Some(d) = diff(va, vb, path) {
                    return Some(d);
                }
                path.truncate(len);
            }
            (x.len() != y.len()).then(|| {
                format!(
                    "{path}: {} items in the input, {} in the output",
                    x.len(),
                    y.len()
                )
            })
        }
        _ if a == b => None,
        _ => Some(format!("{path}: {} became {}", short(a), short(b))),
    }
}

fn short(v: &JsonValue) -> String {
    let s = v.to_json_string();
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}
