//! Resource files given on the command line: read, parsed and checked before anything is sent.

use std::io::Read;
use std::path::Path;

use fhir_model::{AnyResource, FhirJson, FhirXml, ParseOptions};

use crate::failure::Failure;
use crate::version::CliVersion;

/// The text of `path`, or of standard input for `-`.
pub fn read_text(path: &Path) -> Result<(String, String), Failure> {
    let name = path.display().to_string();
    let mut bytes = Vec::new();
    let read = if name == "-" {
        std::io::stdin().lock().read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes))
    };
    read.map_err(|e| Failure::Usage(format!("cannot read {}: {e}", label(&name))))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Failure::Usage(format!("{} is not UTF-8 text: {e}", label(&name))))?;
    Ok((label(&name), text))
}

fn label(name: &str) -> String {
    if name == "-" {
        "standard input".into()
    } else {
        name.to_owned()
    }
}

/// A file's resource, checked: what is sent, and what the command needs to know of it.
#[derive(Debug)]
pub struct Checked<V: CliVersion> {
    /// The `resourceType`.
    pub resource_type: String,
    /// The `id`, if any.
    pub id: Option<String>,
    /// What is sent.
    pub body: Body<V>,
}

/// What is sent of a checked file.
#[derive(Debug)]
pub enum Body<V: CliVersion> {
    /// JSON: the text, proved by the check to be the resource, sent as written (the model is
    /// let go: it takes many times the size of the text).
    Json(String),
    /// XML: the resource read from it, sent as XML (what lenient reading kept included).
    Xml(Box<V::Resource>),
}

/// Whether a file's text is XML (its first character is `<`) rather than JSON.
pub fn is_xml(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<')
}

/// A resource of any type from a file, checked against the definitions of `V`: strictly (unknown
/// elements, codes outside required value sets, missing required elements are refused), or
/// leniently (only JSON that is not a resource at all is refused). The parsed model is dropped
/// once checked: it takes many times the size of the text, which is what gets sent.
pub fn resource<V: CliVersion>(path: &Path, lenient: bool) -> Result<Checked<V>, Failure> {
    let (name, text) = read_text(path)?;
    let resource = parse_resource::<V>(&name, &text, lenient)?;
    let resource_type = resource.resource_type().to_owned();
    let id = resource.id().map(str::to_owned);
    let body = if is_xml(&text) {
        Body::Xml(Box::new(resource))
    } else {
        drop(resource);
        Body::Json(text)
    };
    Ok(Checked {
        resource_type,
        id,
        body,
    })
}

/// A resource of any type of `V` from JSON or XML text, recognised by its first character.
pub fn parse_resource<V: CliVersion>(
    name: &str,
    text: &str,
    lenient: bool,
) -> Result<V::Resource, Failure> {
    let parsed = if is_xml(text) {
        V::Resource::from_xml_str(text, options(lenient))
    } else {
        V::Resource::from_json_str(text, options(lenient))
    };
    parsed.map_err(|e| problem::<V>(name, e, lenient))
}

/// A Bundle from a file, which must be a `transaction`; checked as [`resource`] is.
pub fn transaction_bundle<V: CliVersion>(
    path: &Path,
    lenient: bool,
) -> Result<Checked<V>, Failure> {
    let (name, text) = read_text(path)?;
    let resource = parse_resource::<V>(&name, &text, lenient)?;
    let found = resource.resource_type().to_owned();
    let bundle = V::into_bundle(resource)
        .map_err(|_| Failure::Usage(format!("{name}: a transaction is a Bundle, not a {found}")))?;
    let kind = V::bundle_type(&bundle);
    let id = bundle.id().map(str::to_owned);
    if kind != Some("transaction") {
        return Err(Failure::Usage(format!(
            "{name}: Bundle.type is {}, a transaction needs `transaction`",
            kind.map_or("missing".into(), |t| format!("`{t}`"))
        )));
    }
    let body = if is_xml(&text) {
        Body::Xml(Box::new(V::bundle_resource(bundle)))
    } else {
        drop(bundle);
        Body::Json(text)
    };
    Ok(Checked {
        resource_type: found,
        id,
        body,
    })
}

fn options(lenient: bool) -> ParseOptions {
    if lenient {
        ParseOptions::lenient()
    } else {
        ParseOptions::strict()
    }
}

/// A file's problem, naming the file, the FHIR path, line and column; a resource type of another
/// FHIR version says which `--fhir` reads it.
fn problem<V: CliVersion>(name: &str, e: fhir_model::Error, lenient: bool) -> Failure {
    let hint = match crate::version::type_note::<V>(&e) {
        Some(note) => format!(" ({note})"),
        None if lenient => String::new(),
        None => " (--lenient sends it as written)".into(),
    };
    Failure::Usage(format!("{name}: {e}{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_client::{R4, R5};

    fn parse<V: CliVersion>(name: &str, text: &str, lenient: bool) -> Result<V::Resource, Failure> {
        parse_resource::<V>(name, text, lenient)
    }

    fn message(f: Failure) -> String {
        match f {
            Failure::Usage(m) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn problems_name_the_path_line_and_column() {
        let text = "{\"resourceType\":\"Patient\",\n \"name\":[{\"given\":[\"A\", 7]}]}";
        let m = message(parse::<R4>("p.json", text, false).unwrap_err());
        assert!(m.starts_with("p.json: Patient.name[0].given[1]: "), "{m}");
        assert!(m.contains("line 2"), "{m}");
        let unknown = r#"{"resourceType":"Patient","nickname":"Al"}"#;
        assert!(parse::<R4>("p.json", unknown, false).is_err());
        assert!(parse::<R4>("p.json", unknown, true).is_ok());
        let r5_only = r#"{"resourceType":"ActorDefinition","status":"active","type":"person"}"#;
        let m = message(parse::<R4>("a.json", r5_only, false).unwrap_err());
        assert!(
            m.ends_with("(a resource of FHIR R5, not R4: --fhir r5 reads it)"),
            "{m}"
        );
        assert!(parse::<R5>("a.json", r5_only, false).is_ok());
    }

    #[test]
    fn xml_files_are_read_as_xml_with_the_same_checks() {
        let text = "<Patient xmlns=\"http://hl7.org/fhir\">\n<nickname value=\"Al\"/></Patient>";
        assert!(is_xml(text) && !is_xml(" {\"resourceType\":\"Patient\"}"));
        let m = message(parse_resource::<R4>("p.xml", text, false).unwrap_err());
        assert!(
            m.starts_with("p.xml: Patient.nickname: unknown element"),
            "{m}"
        );
        assert!(m.contains("line 2"), "{m}");
        let kept = parse_resource::<R4>("p.xml", text, true).unwrap();
        assert_eq!(kept.resource_type(), "Patient");
    }

    #[test]
    fn a_transaction_must_be_one() {
        let dir = std::env::temp_dir().join(format!("fhir-cli-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let batch = dir.join("batch.json");
        std::fs::write(&batch, r#"{"resourceType":"Bundle","type":"batch"}"#).unwrap();
        let m = message(transaction_bundle::<R4>(&batch, false).unwrap_err());
        assert!(
            m.ends_with("Bundle.type is `batch`, a transaction needs `transaction`"),
            "{m}"
        );
        let patient = dir.join("patient.json");
        std::fs::write(&patient, r#"{"resourceType":"Patient"}"#).unwrap();
        let m = message(transaction_bundle::<R4>(&patient, false).unwrap_err());
        assert!(
            m.ends_with("a transaction is a Bundle, not a Patient"),
            "{m}"
        );
        let xml_batch = dir.join("batch.xml");
        std::fs::write(
            &xml_batch,
            r#"<Bundle xmlns="http://hl7.org/fhir"><type value="batch"/></Bundle>"#,
        )
        .unwrap();
        let m = message(transaction_bundle::<R4>(&xml_batch, false).unwrap_err());
        assert!(m.ends_with("a transaction needs `transaction`"), "{m}");
        let m = message(resource::<R4>(&dir.join("missing.json"), false).unwrap_err());
        assert!(m.starts_with("cannot read "), "{m}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
