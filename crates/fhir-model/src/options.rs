//! How strictly JSON is read.

/// Options for reading FHIR JSON.
///
/// Lenient (the default) is for reading what servers send: properties the definitions do not
/// know and values that do not fit the model are kept verbatim (see [`crate::Unknown`]) and written
/// back, so nothing is lost. Strict refuses them, and also missing required elements, codes
/// outside required value sets and malformed primitives, naming the path, line and column.
///
/// ```
/// use fhir_model::ParseOptions;
///
/// assert!(!ParseOptions::default().is_strict());
/// assert!(ParseOptions::strict().is_strict());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    pub(crate) strict: bool,
}

impl ParseOptions {
    /// Lenient reading: keep everything, refuse only broken JSON.
    pub fn lenient() -> ParseOptions {
        ParseOptions { strict: false }
    }

    /// Strict reading: refuse anything the specification does not allow that the model can check.
    pub fn strict() -> ParseOptions {
        ParseOptions { strict: true }
    }

    /// Whether this is strict reading.
    pub fn is_strict(&self) -> bool {
        self.strict
    }
}
