//! Properties that the definitions do not describe, kept so that lenient reading loses nothing.

use crate::json::JsonValue;

/// JSON properties of an element that the model has no field for, in input order.
///
/// Lenient reading puts here what it cannot type: properties the definitions do not know
/// (including DSTU2's `fhir_comments`), and properties whose value is invalid (an empty array,
/// `null`, a malformed date, a code outside a required value set, ...). Writing puts them back,
/// so a read and write round trip keeps every property. Strict reading refuses them instead.
///
/// It takes one pointer of space when empty, which is almost always.
#[derive(Clone, PartialEq, Default)]
// Boxed so that every element pays one pointer, not a whole `Vec`, for what is almost always empty.
#[allow(clippy::box_collection)]
pub struct Unknown(Option<Box<Vec<(String, JsonValue)>>>);

impl Unknown {
    /// Whether there is nothing unknown.
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|v| v.is_empty())
    }

    /// The kept properties, in input order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &JsonValue)> {
        self.0
            .iter()
            .flat_map(|v| v.iter().map(|(k, v)| (k.as_str(), v)))
    }

    /// The first kept property named `key`.
    pub fn get(&self, key: &str) -> Option<&JsonValue> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Keeps a property.
    pub fn push(&mut self, key: String, value: JsonValue) {
        self.0
            .get_or_insert_with(Default::default)
            .push((key, value));
    }

    /// Removes every kept property and returns them.
    pub fn take(&mut self) -> Vec<(String, JsonValue)> {
        self.0.take().map(|b| *b).unwrap_or_default()
    }
}

impl std::fmt::Debug for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}
