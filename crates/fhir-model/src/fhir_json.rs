//! The public way in and out of JSON for every generated type.

use crate::codec::{Complex, ResourceValue, read_object, write_object};
use crate::json::{Reader, Writer};
use crate::{Error, ParseOptions};

/// Reading and writing FHIR JSON, for every resource, datatype and the `Resource` enum.
///
/// ```
/// use fhir_model::{FhirJson, ParseOptions};
/// use fhir_model::r4::Patient;
///
/// let json = r#"{"resourceType":"Patient","id":"p1","birthDate":"1974-12"}"#;
/// let patient = Patient::from_json_str(json, ParseOptions::default()).unwrap();
/// assert_eq!(patient.birth_date.as_ref().and_then(|d| d.value.as_ref()).unwrap().as_str(), "1974-12");
/// assert_eq!(patient.to_json_string(), json);
/// ```
pub trait FhirJson: Sized {
    /// Reads one value from JSON text.
    fn from_json_str(input: &str, options: ParseOptions) -> Result<Self, Error>;
    /// Writes compact JSON.
    fn to_json_string(&self) -> String {
        let mut w = Writer::new(false);
        self.write_to(&mut w);
        w.into_string()
    }
    /// Writes JSON indented by two spaces.
    fn to_json_pretty(&self) -> String {
        let mut w = Writer::new(true);
        self.write_to(&mut w);
        w.into_string()
    }
    /// Writes into a [`Writer`].
    fn write_to(&self, w: &mut Writer);
}

/// Runs a whole-document read: the value, then nothing but white space; errors get their line,
/// column and, for resources, the resource type as the start of their path.
pub(crate) fn read_document<T>(
    input: &str,
    options: ParseOptions,
    root: Option<&str>,
    read: impl FnOnce(&mut Reader<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut r = Reader::new(input, options);
    let result = read(&mut r).and_then(|v| r.finish().map(|()| v));
    result.map_err(|e| {
        let e = match root {
            Some(name) => e.in_field(name),
            None => e,
        };
        e.locate(input.as_bytes())
    })
}

impl<T: Complex> FhirJson for T {
    fn from_json_str(input: &str, options: ParseOptions) -> Result<Self, Error> {
        read_document(
            input,
            options,
            Some(T::RESOURCE_TYPE.unwrap_or(T::NAME)),
            |r| {
                let mut v = T::blank();
                read_object(r, &mut v)?;
                Ok(v)
            },
        )
    }
    fn write_to(&self, w: &mut Writer) {
        write_object(w, self)
    }
}

/// Reads any resource of a version's `Resource` enum from a whole document.
pub fn resource_from_str<R: ResourceValue>(input: &str, options: ParseOptions) -> Result<R, Error> {
    // The resource type is looked up first only to name the root of error paths.
    let root = Reader::new(input, options)
        .find_resource_type()
        .ok()
        .map(|t| t.into_owned());
    read_document(input, options, root.as_deref(), R::read_json)
}
