//! Reading optional primitives without unwrapping twice.
//!
//! A FHIR primitive field is an `Option<Primitive<T, E>>`: the element may be absent, and a
//! present element may still have no value (only an id or extensions). [`PrimitiveOption`] reads
//! through both layers at once.

use crate::Primitive;

/// The value of an optional primitive element, through both `Option`s.
///
/// Implemented for `Option<Primitive<T, E>>`, the type of every optional primitive field; bring
/// it into scope with `use fhir_model::prelude::*`.
///
/// ```
/// use fhir_model::ParseOptions;
/// use fhir_model::prelude::*;
/// use fhir_model::r4::Patient;
///
/// let json = r#"{"resourceType":"Patient","active":true,"birthDate":"1974-12-25",
///   "name":[{"family":"Chalmers","given":["Peter","James"]}],
///   "_gender":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}]}}"#;
/// let patient = Patient::from_json_str(json, ParseOptions::default()).unwrap();
///
/// // Before: patient.birth_date.as_ref().and_then(|d| d.value.as_ref())
/// assert_eq!(patient.birth_date.value().map(|d| d.as_str()), Some("1974-12-25"));
/// assert_eq!(patient.active.value(), Some(&true));
/// assert_eq!(patient.name[0].family.as_str(), Some("Chalmers"));
/// let given: Vec<&str> = patient.name[0].given.iter().filter_map(|g| g.as_str()).collect();
/// assert_eq!(given, ["Peter", "James"]);
///
/// // An element with only extensions has no value, but it is there.
/// assert_eq!(patient.gender.value(), None);
/// assert_eq!(patient.gender.extensions().len(), 1);
/// ```
pub trait PrimitiveOption<T, E> {
    /// The value, if the element is present and has one.
    fn value(&self) -> Option<&T>;
    /// The value for changing, if the element is present and has one.
    fn value_mut(&mut self) -> Option<&mut T>;
    /// The value as text, for string-valued primitives (`string`, `code`, `uri`, `id`, …).
    fn as_str<'a>(&'a self) -> Option<&'a str>
    where
        T: AsRef<str> + 'a,
    {
        self.value().map(AsRef::as_ref)
    }
    /// The element's extensions (empty when the element or its extensions are absent).
    fn extensions(&self) -> &[E];
    /// The element's id, if any.
    fn element_id(&self) -> Option<&str>;
}

impl<T, E> PrimitiveOption<T, E> for Option<Primitive<T, E>> {
    fn value(&self) -> Option<&T> {
        self.as_ref().and_then(|p| p.value.as_ref())
    }
    fn value_mut(&mut self) -> Option<&mut T> {
        self.as_mut().and_then(|p| p.value.as_mut())
    }
    fn extensions(&self) -> &[E] {
        self.as_ref().map_or(&[], |p| p.extension())
    }
    fn element_id(&self) -> Option<&str> {
        self.as_ref().and_then(|p| p.id())
    }
}
