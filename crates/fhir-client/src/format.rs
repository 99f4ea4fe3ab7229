//! The format of resources on the wire: what the client asks for and sends, and how a body the
//! server sent is read (by its `Content-Type`, whatever was asked for).

use fhir_model::json::Reader;
use fhir_model::{FhirFormats, ParseOptions};

/// The format the client asks for (`Accept`) and sends resources in (`Content-Type`).
///
/// Responses are read by their `Content-Type` whichever format was asked for, so a server that
/// answers JSON to an XML request still works. XML needs the `xml` cargo feature.
///
/// ```
/// use fhir_client::{Client, Format};
///
/// let client = Client::builder("https://example.org/fhir").format(Format::Json).build().unwrap();
/// assert_eq!(Format::Json.media_type(), "application/fhir+json");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Format {
    /// `application/fhir+json` (the default).
    #[default]
    Json,
    /// `application/fhir+xml` (with the `xml` feature).
    #[cfg(feature = "xml")]
    Xml,
}

impl Format {
    /// The media type, as sent in `Accept`.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/fhir+json",
            #[cfg(feature = "xml")]
            Format::Xml => "application/fhir+xml",
        }
    }

    /// The `Content-Type` of the resources the client sends.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/fhir+json; charset=utf-8",
            #[cfg(feature = "xml")]
            Format::Xml => "application/fhir+xml; charset=utf-8",
        }
    }

    /// A resource written in this format.
    pub(crate) fn encode<T: FhirFormats>(self, value: &T) -> Vec<u8> {
        match self {
            Format::Json => value.to_json_string().into_bytes(),
            #[cfg(feature = "xml")]
            Format::Xml => fhir_model::FhirXml::to_xml_string(value).into_bytes(),
        }
    }

    /// A resource read from text in this format, leniently.
    pub(crate) fn decode<T: FhirFormats>(self, text: &str) -> Result<T, fhir_model::Error> {
        match self {
            Format::Json => T::from_json_str(text, ParseOptions::lenient()),
            #[cfg(feature = "xml")]
            Format::Xml => fhir_model::FhirXml::from_xml_str(text, ParseOptions::lenient()),
        }
    }

    /// The `resourceType` of a document in this format, read without reading the rest.
    pub(crate) fn resource_type(self, text: &str) -> Option<String> {
        match self {
            Format::Json => resource_type_of(text),
            #[cfg(feature = "xml")]
            Format::Xml => fhir_model::xml::root_name(text).map(str::to_owned),
        }
    }
}

/// The `_format` parameter, sent on every request only when asked for: by default the client
/// negotiates with `Accept: application/fhir+json` alone, because some servers refuse `_format`
/// on some methods.
///
/// ```
/// use fhir_client::{Client, FormatParam};
///
/// // As in the guide: `GET {base}/metadata?_format=json`.
/// let client = Client::builder("https://r4.smarthealthit.org")
///     .format_param(FormatParam::Json)
///     .build()
///     .unwrap();
/// assert_eq!(FormatParam::Json.as_str(), "json");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatParam {
    /// `_format=json`
    Json,
    /// `_format=application/fhir+json`
    FhirJson,
    /// `_format=xml`
    Xml,
    /// `_format=application/fhir+xml`
    FhirXml,
    /// Any other value, sent as it is.
    Other(String),
}

impl FormatParam {
    /// The parameter's value.
    ///
    /// ```
    /// assert_eq!(fhir_client::FormatParam::FhirJson.as_str(), "application/fhir+json");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            FormatParam::Json => "json",
            FormatParam::FhirJson => "application/fhir+json",
            FormatParam::Xml => "xml",
            FormatParam::FhirXml => "application/fhir+xml",
            FormatParam::Other(s) => s,
        }
    }
}

/// The `resourceType` of a JSON document, read without parsing the rest of it.
pub(crate) fn resource_type_of(text: &str) -> Option<String> {
    Reader::new(text, ParseOptions::lenient())
        .find_resource_type()
        .ok()
        .map(|t| t.into_owned())
}

/// How a body is to be read: by its `Content-Type`, unless its first character says otherwise.
///
/// JSON never starts with `<` and XML never with `{`, so the first character wins over a
/// content type that contradicts it (a real server labels XML search pages `text/plain` and XML
/// created resources `application/fhir+json`). `Err` names a content type that is not FHIR
/// (HTML from a gateway, say), or XML in a build without the `xml` feature.
pub(crate) fn body_format(content_type: Option<&str>, body: &[u8]) -> Result<Format, String> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    let looks_xml = first == Some(&b'<');
    let looks_json = matches!(first, Some(b'{') | Some(b'['));
    match content_type {
        Some(ct) if is_json_content_type(ct) || is_xml_content_type(ct) || is_text(ct) => {
            if looks_xml {
                xml_format(ct)
            } else if looks_json || is_json_content_type(ct) {
                Ok(Format::Json)
            } else if is_xml_content_type(ct) {
                xml_format(ct)
            } else {
                Err(ct.to_owned())
            }
        }
        Some(ct) => Err(ct.to_owned()),
        None if looks_xml => xml_format("XML without a content type"),
        None => Ok(Format::Json),
    }
}

/// `text/plain`: what some servers label FHIR with; read by its first character.
fn is_text(value: &str) -> bool {
    essence(value) == "text/plain"
}

#[cfg(feature = "xml")]
fn xml_format(_: &str) -> Result<Format, String> {
    Ok(Format::Xml)
}

#[cfg(not(feature = "xml"))]
fn xml_format(what: &str) -> Result<Format, String> {
    Err(format!(
        "{what} (this build reads FHIR JSON only: enable the `xml` feature)"
    ))
}

/// `application/fhir+json`, `application/json`, the legacy `application/json+fhir`, and other
/// JSON types but `application/problem+json`.
pub(crate) fn is_json_content_type(value: &str) -> bool {
    match essence(value).as_str() {
        "application/fhir+json" | "application/json" | "application/json+fhir" | "text/json" => {
            true
        }
        "application/problem+json" => false,
        other => other.ends_with("+json"),
    }
}

/// `application/fhir+xml`, `application/xml`, `text/xml`, the legacy `application/xml+fhir`,
/// and other XML types.
pub(crate) fn is_xml_content_type(value: &str) -> bool {
    match essence(value).as_str() {
        "application/fhir+xml" | "application/xml" | "text/xml" | "application/xml+fhir" => true,
        "application/problem+xml" => false,
        other => other.ends_with("+xml"),
    }
}

fn essence(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn bodies_are_read_by_content_type_then_by_their_first_character() {
        let json = Ok(Format::Json);
        assert_eq!(
            body_format(Some("application/fhir+json; charset=utf-8"), b"{}"),
            json
        );
        assert_eq!(body_format(None, b" {}"), json);
        assert_eq!(body_format(Some("text/plain"), b"{}"), json);
        assert!(body_format(Some("text/plain"), b"hello").is_err());
        assert!(body_format(Some("text/html"), b"{}").is_err());
        assert!(body_format(Some("text/html"), b"<html>").is_err());
        #[cfg(feature = "xml")]
        {
            let xml = Ok(Format::Xml);
            assert_eq!(
                body_format(Some("application/fhir+xml;charset=UTF-8"), b"<P/>"),
                xml
            );
            assert_eq!(body_format(Some("text/xml"), b""), xml);
            assert_eq!(body_format(None, b"\n<Patient/>"), xml);
            // The first character wins over a content type that contradicts it.
            assert_eq!(body_format(Some("application/fhir+json"), b"<?xml"), xml);
            assert_eq!(
                body_format(Some("text/plain; charset=utf-8"), b"<Bundle"),
                xml
            );
            assert_eq!(body_format(Some("application/fhir+xml"), b"{}"), json);
        }
        #[cfg(not(feature = "xml"))]
        {
            assert!(body_format(Some("application/fhir+xml"), b"<").is_err());
            assert!(body_format(Some("application/fhir+json"), b"<").is_err());
        }
    }
}
