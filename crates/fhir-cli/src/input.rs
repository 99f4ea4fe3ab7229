//! Resource files given on the command line: read, parsed and checked before anything is sent.

use std::io::Read;
use std::path::Path;

use fhir_model::r4::{Bundle, BundleType, Resource};
use fhir_model::{FhirJson, FhirXml, ParseOptions};

use crate::failure::Failure;

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
pub struct Checked {
    /// The `resourceType`.
    pub resource_type: String,
    /// The `id`, if any.
    pub id: Option<String>,
    /// What is sent.
    pub body: Body,
}

/// What is sent of a checked file.
#[derive(Debug)]
pub enum Body {
    /// JSON: the text, proved by the check to be the resource, sent as written (the model is
    /// let go: it takes many times the size of the text).
    Json(String),
    /// XML: the resource read from it, sent as XML (what lenient reading kept included).
    Xml(Box<Resource>),
}

/// Whether a file's text is XML (its first character is `<`) rather than JSON.
pub fn is_xml(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<')
}

/// A resource of any type from a file, checked against the R4 definitions: strictly (unknown
/// elements, codes outside required value sets, missing required elements are refused), or
/// leniently (only JSON that is not a resource at all is refused). The parsed model is dropped
/// once checked: it takes many times the size of the text, which is what gets sent.
pub fn resource(path: &Path, lenient: bool) -> Result<Checked, Failure> {
    let (name, text) = read_text(path)?;
    let resource = parse_resource(&name, &text, lenient)?;
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

/// A resource of any type from JSON or XML text, recognised by its first character.
pub fn parse_resource(name: &str, text: &str, lenient: bool) -> Result<Resource, Failure> {
    if is_xml(text) {
        let options = options(lenient);
        Resource::from_xml_str(text, options).map_err(|e| problem(name, e, lenient))
    } else {
        parse::<Resource>(name, text, lenient)
    }
}

/// A Bundle from a file, which must be a `transaction`; checked as [`resource`] is.
pub fn transaction_bundle(path: &Path, lenient: bool) -> Result<Checked, Failure> {
    let (name, text) = read_text(path)?;
    let resource = parse_resource(&name, &text, lenient)?;
    let found = resource.resource_type().to_owned();
    let bundle = resource
        .downcast::<Bundle>()
        .map_err(|_| Failure::Usage(format!("{name}: a transaction is a Bundle, not a {found}")))?;
    let kind = bundle.r#type.value.clone();
    let id = bundle
        .id
        .as_ref()
        .and_then(|i| i.as_str())
        .map(str::to_owned);
    if kind.as_ref().is_none_or(|k| *k != BundleType::Transaction) {
        return Err(Failure::Usage(format!(
            "{name}: Bundle.type is {}, a transaction needs `transaction`",
            kind.map_or("missing".into(), |t| format!("`{}`", t.as_str()))
        )));
    }
    let body = if is_xml(&text) {
        Body::Xml(Box::new(Resource::from(bundle)))
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

fn problem(name: &str, e: fhir_model::Error, lenient: bool) -> Failure {
    let hint = if lenient {
        ""
    } else {
        " (--lenient sends it as written)"
    };
    Failure::Usage(format!("{name}: {e}{hint}"))
}

/// Parses `text`, naming the file, the FHIR path, line and column of a problem.
pub fn parse<T: FhirJson>(name: &str, text: &str, lenient: bool) -> Result<T, Failure> {
    T::from_json_str(text, options(lenient)).map_err(|e| problem(name, e, lenient))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(f: Failure) -> String {
        match f {
            Failure::Usage(m) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn problems_name_the_path_line_and_column() {
        let text = "{\"resourceType\":\"Patient\",\n \"name\":[{\"given\":[\"A\", 7]}]}";
        let m = message(parse::<Resource>("p.json", text, false).unwrap_err());
        assert!(m.starts_with("p.json: Patient.name[0].given[1]: "), "{m}");
        assert!(m.contains("line 2"), "{m}");
        let unknown = r#"{"resourceType":"Patient","nickname":"Al"}"#;
        assert!(parse::<Resource>("p.json", unknown, false).is_err());
        assert!(parse::<Resource>("p.json", unknown, true).is_ok());
    }

    #[test]
    fn xml_files_are_read_as_xml_with_the_same_checks() {
        let text = "<Patient xmlns=\"http://hl7.org/fhir\">\n<nickname value=\"Al\"/></Patient>";
        assert!(is_xml(text) && !is_xml(" {\"resourceType\":\"Patient\"}"));
        let m = message(parse_resource("p.xml", text, false).unwrap_err());
        assert!(
            m.starts_with("p.xml: Patient.nickname: unknown element"),
            "{m}"
        );
        assert!(m.contains("line 2"), "{m}");
        let kept = parse_resource("p.xml", text, true).unwrap();
        assert_eq!(kept.resource_type(), "Patient");
    }

    #[test]
    fn a_transaction_must_be_one() {
        let dir = std::env::temp_dir().join(format!("fhir-cli-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let batch = dir.join("batch.json");
        std::fs::write(&batch, r#"{"resourceType":"Bundle","type":"batch"}"#).unwrap();
        let m = message(transaction_bundle(&batch, false).unwrap_err());
        assert!(
            m.ends_with("Bundle.type is `batch`, a transaction needs `transaction`"),
            "{m}"
        );
        let patient = dir.join("patient.json");
        std::fs::write(&patient, r#"{"resourceType":"Patient"}"#).unwrap();
        let m = message(transaction_bundle(&patient, false).unwrap_err());
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
        let m = message(transaction_bundle(&xml_batch, false).unwrap_err());
        assert!(m.ends_with("a transaction needs `transaction`"), "{m}");
        let m = message(resource(&dir.join("missing.json"), false).unwrap_err());
        assert!(m.starts_with("cannot read "), "{m}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
