//! Codes from required value sets, generated as Rust enums.

/// A code of a required, enumerable value set, generated as a Rust enum
/// (for example `fhir_model::r4::AdministrativeGender`).
///
/// ```
/// use fhir_model::CodeEnum;
/// use fhir_model::r4::AdministrativeGender;
///
/// let g: AdministrativeGender = "female".parse().unwrap();
/// assert_eq!(g, AdministrativeGender::Female);
/// assert_eq!(g.as_str(), "female");
/// assert_eq!(AdministrativeGender::from_code("Female"), None); // codes are case-sensitive
/// ```
pub trait CodeEnum: Sized + Copy + 'static {
    /// The value set's name, for messages.
    const VALUE_SET: &'static str;
    /// The value set's canonical URL.
    const VALUE_SET_URL: &'static str;
    /// Every code of the value set, in definition order.
    const ALL: &'static [Self];
    /// Each code's text, system and display, in the order of [`CodeEnum::ALL`].
    const CODES: &'static [CodeInfo];

    /// The enum value for a code, if the code is in the value set.
    fn from_code(code: &str) -> Option<Self>;
    /// The position of the code in [`CodeEnum::ALL`] and [`CodeEnum::CODES`].
    fn index(self) -> usize;

    /// The code as it is written in FHIR.
    fn as_str(&self) -> &'static str {
        Self::CODES[self.index()].code
    }
    /// The code system that defines the code.
    fn system(&self) -> Option<&'static str> {
        Self::CODES[self.index()].system
    }
    /// The code's display text from its code system.
    fn display(&self) -> Option<&'static str> {
        Self::CODES[self.index()].display
    }
}

/// What the definitions say of one code of a required value set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    /// The code.
    pub code: &'static str,
    /// The code system that defines it.
    pub system: Option<&'static str>,
    /// Its display text.
    pub display: Option<&'static str>,
}

/// The error of parsing a code outside its value set with `str::parse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    /// The code that was given.
    pub code: String,
    /// The value set it is not in.
    pub value_set: &'static str,
}

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "code \"{}\" is not in the value set {}",
            self.code, self.value_set
        )
    }
}

impl std::error::Error for UnknownCode {}

/// A resource type of the model (e.g. `fhir_model::r4::Patient`): its `resourceType` and the
/// elements every resource has, for code that works with any resource type (such as a client's
/// `read::<Patient>(id)`).
///
/// ```
/// use fhir_model::TypedResource;
/// use fhir_model::r4::Patient;
///
/// assert_eq!(Patient::TYPE, "Patient");
/// let mut p = Patient::default();
/// p.set_id(Some("example".into()));
/// assert_eq!(p.id(), Some("example"));
/// assert_eq!(p.version_id(), None);
/// ```
pub trait TypedResource:
    crate::FhirFormats + Clone + std::fmt::Debug + Send + Sync + 'static
{
    /// The `resourceType`.
    const TYPE: &'static str;
    /// The logical id (`id`), if present.
    fn id(&self) -> Option<&str>;
    /// Sets or removes the logical id.
    fn set_id(&mut self, id: Option<String>);
    /// The version id (`meta.versionId`), if present.
    fn version_id(&self) -> Option<&str>;
}

/// A resource whose type may be known only at run time: every typed resource struct, and each
/// version's `Resource` enum. Code that sends or stores resources of any type (a client's
/// create and update, a command line reading a file) is generic over this trait.
///
/// ```
/// use fhir_model::{AnyResource, FhirJson, ParseOptions};
/// use fhir_model::r4::{Patient, Resource};
///
/// fn describe(r: &impl AnyResource) -> String {
///     format!("{}/{}", r.resource_type(), r.id().unwrap_or("-"))
/// }
/// let mut any = Resource::from_json_str(r#"{"resourceType":"Patient","id":"a"}"#, ParseOptions::strict()).unwrap();
/// assert_eq!(describe(&any), "Patient/a");
/// any.set_id(None);
/// assert_eq!(describe(&any), "Patient/-");
/// assert_eq!(describe(&Patient::default()), "Patient/-");
/// ```
pub trait AnyResource:
    crate::FhirFormats + Clone + std::fmt::Debug + Send + Sync + 'static
{
    /// The `resourceType`, e.g. `"Patient"`.
    fn resource_type(&self) -> &str;
    /// The logical id (`id`), if present.
    fn id(&self) -> Option<&str>;
    /// Sets or removes the logical id.
    fn set_id(&mut self, id: Option<String>);
    /// The version id (`meta.versionId`), if present.
    fn version_id(&self) -> Option<&str>;
}

impl<T: TypedResource> AnyResource for T {
    fn resource_type(&self) -> &str {
        T::TYPE
    }
    fn id(&self) -> Option<&str> {
        TypedResource::id(self)
    }
    fn set_id(&mut self, id: Option<String>) {
        TypedResource::set_id(self, id)
    }
    fn version_id(&self) -> Option<&str> {
        TypedResource::version_id(self)
    }
}

/// Display, FromStr, an inherent `as_str` and the JSON value impl of a generated code enum.
#[doc(hidden)]
#[macro_export]
macro_rules! code_enum_support {
    ($name:ident, $coding:ident, $concept:ident) => {
        impl $name {
            /// The code as it is written in FHIR.
            pub fn as_str(&self) -> &'static str {
                <Self as $crate::CodeEnum>::as_str(self)
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <Self as $crate::CodeEnum>::from_code(s).ok_or_else(|| $crate::UnknownCode {
                    code: s.to_owned(),
                    value_set: <Self as $crate::CodeEnum>::VALUE_SET,
                })
            }
        }
        impl From<$name> for $coding {
            fn from(code: $name) -> $coding {
                $coding {
                    system: $crate::CodeEnum::system(&code).map(Into::into),
                    code: Some(code.as_str().into()),
                    display: $crate::CodeEnum::display(&code).map(Into::into),
                    ..Default::default()
                }
            }
        }
        impl From<$name> for $concept {
            fn from(code: $name) -> $concept {
                $concept {
                    coding: vec![code.into()],
                    ..Default::default()
                }
            }
        }
    };
}
