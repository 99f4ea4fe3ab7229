//! Typed FHIR resources and datatypes, generated from the official definitions, with JSON reading
//! and writing that loses nothing.
//!
//! - [`r4`]: FHIR R4 (4.0.1), every resource and datatype as a Rust type, with
//!   [`r4::Resource`] covering all resources.
//! - [`value`]: primitive values that keep their exact text (decimals, dates, times).
//! - [`FhirJson`]: `from_json_str`, `to_json_string` and `to_json_pretty` on every type.
//! - [`ParseOptions`]: lenient (default, keeps whatever it cannot type) or strict reading.
//! - [`prelude`]: the traits to have in scope, [`PrimitiveOption`] among them (`value()`,
//!   `as_str()` on optional primitives).
//! - [`cookbook`]: construct, read deep fields, match a choice, walk a Bundle, contained
//!   resources, extensions by URL, strict and lenient reading.
//! - `serde` (cargo feature `serde`): serde's traits for every type, as exactly its FHIR JSON
//!   (see [`cookbook`]).
//!
//! ```
//! use fhir_model::ParseOptions;
//! use fhir_model::prelude::*;
//! use fhir_model::r4::Resource;
//!
//! let json = r#"{"resourceType":"Patient","id":"example","name":[{"family":"Chalmers","given":["Peter","James"]}]}"#;
//! let resource = Resource::from_json_str(json, ParseOptions::default()).unwrap();
//! let Resource::Patient(patient) = &resource else { panic!("not a patient") };
//! assert_eq!(patient.name[0].family.as_str(), Some("Chalmers"));
//! assert_eq!(resource.to_json_string(), json);
//! ```
//!
#![warn(missing_docs)]

mod access;
mod code;
mod code_value;
#[doc(hidden)]
pub mod codec;
#[cfg(all(feature = "r4", feature = "all-resources"))]
pub mod cookbook;
mod error;
mod fhir_json;
#[cfg(feature = "xml")]
mod fhir_xml;
pub mod json;
mod options;
mod primitive;
mod raw;
#[cfg(feature = "serde")]
pub mod serde;
mod unknown;
pub mod value;
#[cfg(feature = "xml")]
pub mod xml;

pub use access::PrimitiveOption;
pub use code::{AnyResource, CodeEnum, CodeInfo, TypedResource, UnknownCode};
pub use code_value::{Code, CodeOption};
pub use error::{Error, ErrorKind};
pub use fhir_json::{FhirFormats, FhirJson};
#[doc(hidden)]
pub use fhir_json::{resource_from_slice, resource_from_str};
#[cfg(feature = "xml")]
pub use fhir_xml::FhirXml;
#[cfg(feature = "xml")]
#[doc(hidden)]
pub use fhir_xml::resource_from_xml_str;
pub use options::ParseOptions;
pub use primitive::{ElementData, Primitive};
pub use raw::RawResource;
pub use unknown::{Unknown, XmlKept};

/// The traits most code wants in scope: `use fhir_model::prelude::*`.
///
/// They add methods only (`from_json_str`, `to_json_string`, `value()`, …), so a glob import
/// cannot clash with a user's names.
pub mod prelude {
    #[cfg(feature = "xml")]
    pub use crate::FhirXml;
    pub use crate::{AnyResource, CodeOption, FhirJson, PrimitiveOption, TypedResource};
}
#[cfg(feature = "serde")]
pub(crate) use crate::serde::impl_serde;

#[cfg(not(any(feature = "r4", feature = "r5")))]
compile_error!(
    "fhir-rs-model: enable a FHIR version feature, such as `r4` or `r5` (with `default-features = false`, name the version as well as the resources)"
);

/// FHIR R4 (4.0.1): every resource, datatype and required code set, generated from the official definitions.
#[cfg(feature = "r4")]
#[rustfmt::skip]
#[path = "generated/r4/mod.rs"]
pub mod r4;

/// FHIR R5 (5.0.0): every resource, datatype and required code set, generated from the official definitions.
#[cfg(feature = "r5")]
#[rustfmt::skip]
#[path = "generated/r5/mod.rs"]
pub mod r5;
