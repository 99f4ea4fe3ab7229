//! A resource kept as JSON, for resource types whose cargo feature is off.

use crate::json::{JsonValue, Reader, Writer};
use crate::{Error, FhirJson, ParseOptions};

/// A resource of a type this build does not compile (its cargo feature is off), kept as JSON so
/// that reading and writing still lose nothing. Strict reading does not check its content.
///
/// Turn it into the typed value with [`RawResource::to_typed`] in code that has the feature.
///
/// ```
/// use fhir_model::{FhirJson, ParseOptions};
/// use fhir_model::r4::Resource;
///
/// // Every resource is compiled by default, so `Other` only appears when features are off;
/// // a `RawResource` still converts into the typed value when the type is compiled.
/// let json = r#"{"resourceType":"Patient","id":"p1"}"#;
/// let raw = fhir_model::RawResource::from_json(fhir_model::json::JsonValue::parse(json).unwrap()).unwrap();
/// assert_eq!((raw.resource_type(), raw.id()), ("Patient", Some("p1")));
/// let patient: fhir_model::r4::Patient = raw.to_typed(ParseOptions::strict()).unwrap();
/// assert_eq!(Resource::from(patient).to_json_string(), json);
/// ```
#[derive(Clone, PartialEq, Debug)]
pub struct RawResource {
    resource_type: String,
    json: JsonValue,
}

impl RawResource {
    /// Wraps a JSON object that has a string `resourceType`; `None` otherwise.
    pub fn from_json(json: JsonValue) -> Option<RawResource> {
        let resource_type = json.get("resourceType")?.as_str()?.to_owned();
        Some(RawResource {
            resource_type,
            json,
        })
    }

    /// The `resourceType`.
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The logical id, if the JSON has one.
    pub fn id(&self) -> Option<&str> {
        self.json.get("id")?.as_str()
    }

    /// Sets the logical id (after `resourceType` when it was absent), or removes it.
    ///
    /// ```
    /// let json = fhir_model::json::JsonValue::parse(r#"{"resourceType":"Basic","code":{}}"#).unwrap();
    /// let mut raw = fhir_model::RawResource::from_json(json).unwrap();
    /// raw.set_id(Some("b1".into()));
    /// assert_eq!(raw.json().to_json_string(), r#"{"resourceType":"Basic","id":"b1","code":{}}"#);
    /// raw.set_id(None);
    /// assert_eq!(raw.id(), None);
    /// ```
    pub fn set_id(&mut self, id: Option<String>) {
        let JsonValue::Object(members) = &mut self.json else {
            return;
        };
        let at = members.iter().position(|(k, _)| k == "id");
        match (at, id) {
            (Some(i), Some(id)) => members[i].1 = JsonValue::String(id),
            (Some(i), None) => {
                members.remove(i);
            }
            (None, Some(id)) => {
                let after = members
                    .iter()
                    .position(|(k, _)| k == "resourceType")
                    .map_or(0, |i| i + 1);
                members.insert(after, ("id".to_owned(), JsonValue::String(id)));
            }
            (None, None) => {}
        }
    }

    /// The version id (`meta.versionId`), if the JSON has one.
    pub fn version_id(&self) -> Option<&str> {
        self.json.get("meta")?.get("versionId")?.as_str()
    }

    /// The resource as JSON.
    pub fn json(&self) -> &JsonValue {
        &self.json
    }

    /// Reads the resource as its typed value.
    pub fn to_typed<T: FhirJson>(&self, options: ParseOptions) -> Result<T, Error> {
        T::from_json_str(&self.json.to_json_string(), options)
    }

    /// Reads the resource object the reader stands at (its type was found before).
    #[doc(hidden)]
    pub fn read(r: &mut Reader<'_>) -> Result<RawResource, Error> {
        let at = r.position().0;
        let json = r.read_raw()?;
        RawResource::from_json(json)
            .ok_or_else(|| r.error_at(crate::ErrorKind::MissingResourceType, at))
    }

    /// Writes the resource.
    #[doc(hidden)]
    pub fn write(&self, w: &mut Writer) {
        w.raw_value(&self.json)
    }
}
