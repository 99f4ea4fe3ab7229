//! A FHIR primitive element: a value, plus the `id` and extensions that JSON carries under `_name`.

use crate::Unknown;

/// A primitive element: its value and, rarely, an element id and extensions.
///
/// In JSON the two halves live apart: `"birthDate": "1974-12-25"` holds the value and
/// `"_birthDate": {"extension": [...]}` the rest. Either half may be missing: a value without
/// extensions is the common case, and an element may carry only extensions (for example a
/// data-absent-reason), even where the element is required.
///
/// `E` is the extension type of the FHIR version; each version's module has aliases that fix it,
/// such as `fhir_model::r4::DateType`.
///
/// ```
/// use fhir_model::r4::{StringType, Patient};
///
/// let family: StringType = "Chalmers".into();
/// assert_eq!(family.value.as_deref(), Some("Chalmers"));
/// assert!(family.id().is_none() && family.extension().is_empty());
/// ```
#[derive(Clone, PartialEq)]
pub struct Primitive<T, E> {
    /// The value, absent when the element only has an id or extensions.
    pub value: Option<T>,
    /// The element id and extensions, boxed because they are rare and values are many.
    pub element: Option<Box<ElementData<E>>>,
}

/// The non-value half of a primitive element (`_name` in JSON).
#[derive(Clone, PartialEq)]
pub struct ElementData<E> {
    /// The element id, for references inside the resource.
    pub id: Option<String>,
    /// Extensions of the element.
    pub extension: Vec<E>,
    /// Properties the definitions do not know, kept from lenient reading.
    pub unknown: Unknown,
}

impl<E> Default for ElementData<E> {
    fn default() -> Self {
        ElementData {
            id: None,
            extension: Vec::new(),
            unknown: Unknown::default(),
        }
    }
}

impl<E> ElementData<E> {
    /// Whether it has no id, no extensions and nothing unknown.
    pub fn is_empty(&self) -> bool {
        self.id.is_none() && self.extension.is_empty() && self.unknown.is_empty()
    }
}

impl<T, E> Default for Primitive<T, E> {
    fn default() -> Self {
        Primitive {
            value: None,
            element: None,
        }
    }
}

impl<T, E> Primitive<T, E> {
    /// A primitive with a value and nothing else.
    pub fn new(value: T) -> Self {
        Primitive {
            value: Some(value),
            element: None,
        }
    }

    /// Whether it has neither a value nor an id nor extensions.
    pub fn is_empty(&self) -> bool {
        self.value.is_none() && self.element.as_ref().is_none_or(|e| e.is_empty())
    }

    /// The element id, if any.
    pub fn id(&self) -> Option<&str> {
        self.element.as_ref().and_then(|e| e.id.as_deref())
    }

    /// The extensions of the element.
    pub fn extension(&self) -> &[E] {
        self.element.as_ref().map_or(&[], |e| &e.extension)
    }

    /// The element id and extensions for changing, created empty when absent.
    pub fn element_mut(&mut self) -> &mut ElementData<E> {
        self.element.get_or_insert_with(Default::default)
    }

    /// Adds an extension to the element; returns `self` for chaining.
    pub fn with_extension(mut self, extension: E) -> Self {
        self.element_mut().extension.push(extension);
        self
    }
}

impl<T: std::fmt::Debug, E: std::fmt::Debug> std::fmt::Debug for Primitive<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The common case prints as its value alone, which keeps snapshots and logs readable.
        match (&self.value, &self.element) {
            (Some(v), None) => v.fmt(f),
            _ => f
                .debug_struct("Primitive")
                .field("value", &self.value)
                .field("element", &self.element)
                .finish(),
        }
    }
}

impl<E: std::fmt::Debug> std::fmt::Debug for ElementData<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ElementData");
        if let Some(id) = &self.id {
            d.field("id", id);
        }
        if !self.extension.is_empty() {
            d.field("extension", &self.extension);
        }
        if !self.unknown.is_empty() {
            d.field("unknown", &self.unknown);
        }
        d.finish()
    }
}

impl<T, E> From<T> for Primitive<T, E> {
    fn from(value: T) -> Self {
        Primitive::new(value)
    }
}

impl<E> From<&str> for Primitive<String, E> {
    fn from(value: &str) -> Self {
        Primitive::new(value.to_owned())
    }
}

impl<E> Primitive<String, E> {
    /// The string value, if any.
    pub fn as_str(&self) -> Option<&str> {
        self.value.as_deref()
    }
}
