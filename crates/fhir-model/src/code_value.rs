//! The value of a code element bound to a required value set: one of the set's codes, or, from
//! lenient reading or a caller's choice, a code outside it kept as its text.

use crate::{CodeEnum, Primitive};

/// The value of a `code` element with a required binding, such as `Patient.gender`.
///
/// Servers and files do not always keep to a required value set: a newer FHIR version's code,
/// a typo, a local extension of the set. Strict reading refuses such a code with an error naming
/// the element; lenient reading keeps it as [`Code::Other`], so the rest of the element stays
/// typed and the text is written back unchanged.
///
/// ```
/// use fhir_model::prelude::*;
/// use fhir_model::r4::{AdministrativeGender, Patient};
/// use fhir_model::{Code, ParseOptions};
///
/// let json = r#"{"resourceType":"Patient","gender":"female"}"#;
/// let p = Patient::from_json_str(json, ParseOptions::strict()).unwrap();
/// assert_eq!(p.gender.known(), Some(AdministrativeGender::Female));
/// assert_eq!(p.gender.as_str(), Some("female"));
///
/// // A code outside the value set: an error when strict, kept as text when lenient.
/// let odd = r#"{"resourceType":"Patient","gender":"F"}"#;
/// let err = Patient::from_json_str(odd, ParseOptions::strict()).unwrap_err();
/// assert!(err.to_string().contains("Patient.gender"), "{err}");
/// let p = Patient::from_json_str(odd, ParseOptions::lenient()).unwrap();
/// assert_eq!(p.gender.value(), Some(&Code::other("F")));
/// assert_eq!(p.gender.known(), None);
/// assert_eq!(p.to_json_string(), odd);
///
/// // Setting one: the enum converts into the field's type.
/// let mut p = Patient::default();
/// p.gender = Some(AdministrativeGender::Male.into());
/// assert!(p.gender.value().is_some_and(|g| *g == AdministrativeGender::Male));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Code<C> {
    /// A code of the value set.
    Known(C),
    /// A code outside the value set, as it was written ([`Code::other`] makes one). Boxed, so
    /// that a code element stays as small as it is for the common case: 24 bytes with its
    /// `Primitive`, where a bare `String` would make it 32.
    Other(Box<String>),
}

impl<C: CodeEnum> Code<C> {
    /// The code as it is written in FHIR.
    pub fn as_str(&self) -> &str {
        match self {
            Code::Known(c) => c.as_str(),
            Code::Other(text) => text,
        }
    }

    /// The value set's code, or `None` for a code outside it.
    pub fn known(&self) -> Option<C> {
        match self {
            Code::Known(c) => Some(*c),
            Code::Other(_) => None,
        }
    }

    /// The code for a text: [`Code::Known`] when the value set has it, else [`Code::Other`].
    pub fn from_text(text: impl AsRef<str> + Into<String>) -> Self {
        match C::from_code(text.as_ref()) {
            Some(c) => Code::Known(c),
            None => Code::other(text),
        }
    }

    /// A code outside the value set, kept as `text` (not checked against the value set: see
    /// [`Code::from_text`]).
    pub fn other(text: impl Into<String>) -> Self {
        Code::Other(Box::new(text.into()))
    }
}

impl<C: CodeEnum> From<C> for Code<C> {
    fn from(code: C) -> Self {
        Code::Known(code)
    }
}

impl<C: CodeEnum, E> From<C> for Primitive<Code<C>, E> {
    fn from(code: C) -> Self {
        Primitive::new(Code::Known(code))
    }
}

impl<C: PartialEq> PartialEq<C> for Code<C> {
    fn eq(&self, other: &C) -> bool {
        matches!(self, Code::Known(c) if c == other)
    }
}

impl<C: CodeEnum> AsRef<str> for Code<C> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl<C: CodeEnum> std::fmt::Display for Code<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<C: CodeEnum> std::str::FromStr for Code<C> {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Code::from_text(s))
    }
}

impl<C: std::fmt::Debug> std::fmt::Debug for Code<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A known code prints as its variant alone, which keeps snapshots and logs as they were.
        match self {
            Code::Known(c) => c.fmt(f),
            Code::Other(text) => f.debug_tuple("Other").field(text).finish(),
        }
    }
}

/// The value set's code of an optional code element, through both `Option`s and [`Code`].
///
/// Implemented for `Option<Primitive<Code<C>, E>>`, the type of every optional code field with
/// a required binding; in scope with `use fhir_model::prelude::*`. See [`Code`] for an example.
pub trait CodeOption<C> {
    /// The code, when the element is present, has a value, and the value is in the value set.
    fn known(&self) -> Option<C>;
}

impl<C: CodeEnum, E> CodeOption<C> for Option<Primitive<Code<C>, E>> {
    fn known(&self) -> Option<C> {
        self.as_ref()
            .and_then(|p| p.value.as_ref())
            .and_then(Code::known)
    }
}

impl<C: CodeEnum, E> Primitive<Code<C>, E> {
    /// The value set's code, when the element has a value and it is in the value set.
    pub fn known(&self) -> Option<C> {
        self.value.as_ref().and_then(Code::known)
    }

    /// The code's text, whether or not it is in the value set, when the element has a value.
    pub fn as_str(&self) -> Option<&str> {
        self.value.as_ref().map(Code::as_str)
    }
}

#[cfg(all(test, feature = "r4", feature = "patient", target_pointer_width = "64"))]
mod tests {
    use crate::Code;
    use crate::r4::{AdministrativeGender, CodeType};

    #[test]
    fn a_code_element_stays_small() {
        // The value set's enum and the boxed text share 16 bytes; the element's id and
        // extensions add their pointer. A `String` in `Other` would make the element 32 bytes.
        assert_eq!(std::mem::size_of::<Code<AdministrativeGender>>(), 16);
        assert_eq!(
            std::mem::size_of::<Option<CodeType<Code<AdministrativeGender>>>>(),
            24
        );
    }
}
