//! The public way in and out of JSON for every generated type.

use crate::codec::{Complex, ResourceValue, read_object, write_object};
use crate::json::{Reader, Writer};
use crate::{Error, ErrorKind, ParseOptions};

/// Reading and writing FHIR JSON, for every resource, datatype and the `Resource` enum.
///
/// ```
/// use fhir_model::{FhirJson, ParseOptions, PrimitiveOption};
/// use fhir_model::r4::Patient;
///
/// let json = r#"{"resourceType":"Patient","id":"p1","birthDate":"1974-12"}"#;
/// let patient = Patient::from_json_str(json, ParseOptions::default()).unwrap();
/// assert_eq!(patient.birth_date.value().unwrap().as_str(), "1974-12");
/// assert_eq!(patient.to_json_string(), json);
/// ```
pub trait FhirJson: Sized {
    /// Reads one value from JSON text.
    fn from_json_str(input: &str, options: ParseOptions) -> Result<Self, Error>;
    /// Reads one value from JSON bytes, which must be UTF-8 (as an HTTP body or a file is).
    ///
    /// The bytes are checked once; invalid UTF-8 is an [`ErrorKind::InvalidUtf8`](crate::ErrorKind::InvalidUtf8)
    /// naming the line, the column and, where the bytes before it say, the FHIR path.
    ///
    /// ```
    /// use fhir_model::{ErrorKind, FhirJson, ParseOptions};
    /// use fhir_model::r4::Patient;
    ///
    /// let p = Patient::from_json_slice(br#"{"resourceType":"Patient","id":"a"}"#, ParseOptions::default()).unwrap();
    /// assert_eq!(p.id.unwrap().as_str(), Some("a"));
    /// let err = Patient::from_json_slice(b"{\"resourceType\":\"Patient\",\n \"id\":\"\xff\"}", ParseOptions::default()).unwrap_err();
    /// assert_eq!(err.kind(), &ErrorKind::InvalidUtf8);
    /// assert_eq!((err.path().as_str(), err.line(), err.column()), ("Patient.id", 2, 8));
    /// ```
    fn from_json_slice(input: &[u8], options: ParseOptions) -> Result<Self, Error> {
        match std::str::from_utf8(input) {
            Ok(text) => Self::from_json_str(text, options),
            Err(e) => Err(utf8_error(input, e.valid_up_to(), |text| {
                Self::from_json_str(text, options).err()
            })),
        }
    }
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

/// The formats a generated type is read from and written to: JSON always, and XML with the
/// `xml` cargo feature. Resource traits ([`TypedResource`](crate::TypedResource),
/// [`AnyResource`](crate::AnyResource)) require it, so that code generic over resources (the
/// client's) can use whichever format is compiled in.
#[cfg(feature = "xml")]
pub trait FhirFormats: FhirJson + crate::FhirXml {}
#[cfg(feature = "xml")]
impl<T: FhirJson + crate::FhirXml> FhirFormats for T {}

/// The formats a generated type is read from and written to: JSON always, and XML with the
/// `xml` cargo feature (off in this build).
#[cfg(not(feature = "xml"))]
pub trait FhirFormats: FhirJson {}
#[cfg(not(feature = "xml"))]
impl<T: FhirJson> FhirFormats for T {}

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

/// The root of error paths when the resource type is not known.
const UNKNOWN_ROOT: &str = "$";

/// Reads any resource of a version's `Resource` enum from a whole document.
pub fn resource_from_str<R: ResourceValue>(input: &str, options: ParseOptions) -> Result<R, Error> {
    // The resource type is looked up first only to name the root of error paths.
    let root = Reader::new(input, options)
        .find_resource_type()
        .ok()
        .filter(|t| R::is_resource_type(t))
        .map(|t| t.into_owned());
    read_document(
        input,
        options,
        Some(root.as_deref().unwrap_or(UNKNOWN_ROOT)),
        R::read_json,
    )
}

/// [`resource_from_str`] for bytes, which must be UTF-8 (see [`FhirJson::from_json_slice`]).
pub fn resource_from_slice<R: ResourceValue>(
    input: &[u8],
    options: ParseOptions,
) -> Result<R, Error> {
    match std::str::from_utf8(input) {
        Ok(text) => resource_from_str(text, options),
        Err(e) => Err(utf8_error(input, e.valid_up_to(), |text| {
            resource_from_str::<R>(text, options).err()
        })),
    }
}

/// The error for bytes that are valid UTF-8 up to `valid`: reading the valid part, which then
/// ends early, tells the FHIR path of the element the bad byte is in.
fn utf8_error(input: &[u8], valid: usize, read: impl FnOnce(&str) -> Option<Error>) -> Error {
    let prefix = std::str::from_utf8(&input[..valid]).unwrap_or_default();
    let e = match read(prefix) {
        Some(e) if e.offset() >= valid => e,
        _ => Error::new(ErrorKind::InvalidUtf8, valid).in_field(UNKNOWN_ROOT),
    };
    e.with_kind(ErrorKind::InvalidUtf8, valid).locate(input)
}
