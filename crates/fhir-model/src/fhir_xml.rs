//! The public way in and out of XML for every generated type (cargo feature `xml`).

use crate::codec::Complex;
use crate::codec::xml::{XmlComplex, XmlResource, read_element, write_element};
use crate::xml::{Reader, Writer};
use crate::{Error, ErrorKind, ParseOptions};

/// Reading and writing FHIR XML, for every resource, datatype and the `Resource` enum.
///
/// The same model as [`FhirJson`](crate::FhirJson): a resource read from XML writes the same
/// JSON as when it is read from JSON, and the other way round. The rules followed are listed
/// in [`crate::xml`].
///
/// ```
/// use fhir_model::{FhirJson, FhirXml, ParseOptions};
/// use fhir_model::r4::Patient;
///
/// let xml = r#"<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><birthDate value="1974-12"/></Patient>"#;
/// let patient = Patient::from_xml_str(xml, ParseOptions::strict()).unwrap();
/// assert_eq!(patient.to_json_string(), r#"{"resourceType":"Patient","id":"p1","birthDate":"1974-12"}"#);
/// assert_eq!(patient.to_xml_string(), xml);
/// ```
pub trait FhirXml: Sized {
    /// Reads one value from an XML document.
    fn from_xml_str(input: &str, options: ParseOptions) -> Result<Self, Error>;
    /// Reads one value from an XML document in bytes, which must be UTF-8.
    fn from_xml_slice(input: &[u8], options: ParseOptions) -> Result<Self, Error> {
        match std::str::from_utf8(input) {
            Ok(text) => Self::from_xml_str(text, options),
            Err(e) => Err(Error::new(ErrorKind::InvalidUtf8, e.valid_up_to())
                .in_field("$")
                .locate(input)),
        }
    }
    /// Writes compact XML (no XML declaration, no white space between elements).
    fn to_xml_string(&self) -> String {
        let mut w = Writer::new(false);
        self.write_xml_to(&mut w);
        w.into_string()
    }
    /// Writes XML indented by two spaces.
    fn to_xml_pretty(&self) -> String {
        let mut w = Writer::new(true);
        self.write_xml_to(&mut w);
        w.into_string()
    }
    /// Writes into a [`Writer`], whose [`Writer::skipped`] then tells whether anything kept from
    /// lenient JSON reading had to be left out.
    fn write_xml_to(&self, w: &mut Writer);
}

/// Runs a whole-document read: the root element, then nothing but white space, comments and
/// processing instructions; errors get their line and column, and the root as their path.
fn read_document<T>(
    input: &str,
    options: ParseOptions,
    read: impl FnOnce(&mut Reader<'_>, &str) -> Result<T, Error>,
) -> Result<T, Error> {
    // A byte order mark may open the document; positions count from after it (editors do not
    // show it as a character either).
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut r = Reader::new(input, options);
    let mut root = String::from("$");
    let result = r.open_root().and_then(|name| {
        root = name.to_owned();
        check_root_namespace(&r)?;
        let v = read(&mut r, name)?;
        r.finish()?;
        Ok(v)
    });
    result.map_err(|e| e.in_field(&root).locate(input.as_bytes()))
}

/// Strict reading wants the root in the FHIR namespace; lenient reading also takes a root that
/// declares none (a root in another namespace is an error in both).
fn check_root_namespace(r: &Reader<'_>) -> Result<(), Error> {
    let Some(start) = r.pending() else {
        return Ok(());
    };
    let name = start.name(r.input());
    let declared = match name.split_once(':') {
        Some(_) => r.local_fhir_name(name).is_some(),
        None => {
            let mut found = false;
            for attr in r.attributes(start) {
                found |= attr?.name == "xmlns";
            }
            found
        }
    };
    if !declared && (r.strict() || name.contains(':')) {
        let kind = ErrorKind::WrongNamespace {
            expected: crate::xml::FHIR_NS,
            found: String::new(),
        };
        return Err(r.error_at(kind, start.at));
    }
    Ok(())
}

impl<T: XmlComplex> FhirXml for T {
    fn from_xml_str(input: &str, options: ParseOptions) -> Result<Self, Error> {
        read_document(input, options, |r, name| {
            let expected = T::RESOURCE_TYPE.unwrap_or(T::NAME);
            if name != expected {
                let at = r.pending().map_or(0, |p| p.at);
                let kind = match T::RESOURCE_TYPE {
                    Some(expected) => ErrorKind::WrongResourceType {
                        expected,
                        found: name.to_owned(),
                    },
                    None => ErrorKind::UnknownElement,
                };
                return Err(r.error_at(kind, at));
            }
            let mut v = T::blank();
            read_element(r, &mut v)?;
            Ok(v)
        })
    }
    fn write_xml_to(&self, w: &mut Writer) {
        write_element(w, T::RESOURCE_TYPE.unwrap_or(<T as Complex>::NAME), self)
    }
}

/// Reads any resource of a version's `Resource` enum from a whole XML document.
#[doc(hidden)]
pub fn resource_from_xml_str<R: XmlResource>(
    input: &str,
    options: ParseOptions,
) -> Result<R, Error> {
    read_document(input, options, |r, _| R::read_xml(r))
}
