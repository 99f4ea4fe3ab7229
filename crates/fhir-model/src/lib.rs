//! Typed FHIR resources and datatypes, generated from the official definitions, with JSON reading
//! and writing that loses nothing.
//!
//! - [`r4`]: FHIR R4 (4.0.1), every resource and datatype as a Rust type, with
//!   [`r4::Resource`] covering all resources.
//! - [`value`]: primitive values that keep their exact text (decimals, dates, times).
//! - [`FhirJson`]: `from_json_str`, `to_json_string` and `to_json_pretty` on every type.
//! - [`ParseOptions`]: lenient (default, keeps whatever it cannot type) or strict reading.
//! - `serde` (cargo feature `serde`): serde's traits for every type, as exactly its FHIR JSON
//!   (see the cookbook below).
//!
//! ```
//! use fhir_model::{FhirJson, ParseOptions};
//! use fhir_model::r4::Resource;
//!
//! let json = r#"{"resourceType":"Patient","id":"example","name":[{"family":"Chalmers","given":["Peter","James"]}]}"#;
//! let resource = Resource::from_json_str(json, ParseOptions::default()).unwrap();
//! let Resource::Patient(patient) = &resource else { panic!("not a patient") };
//! assert_eq!(patient.name[0].family.as_ref().unwrap().as_str(), Some("Chalmers"));
//! assert_eq!(resource.to_json_string(), json);
//! ```
//!
//! # Cookbook
//!
//! ## serialize
//!
//! With the `serde` cargo feature (`fhir-model = { version = "0.1", features = ["serde"] }`),
//! every resource, datatype, backbone element, `Resource` enum and [`RawResource`] implements
//! serde's `Serialize` and `Deserialize` as exactly its FHIR JSON, so a model can sit in an
//! application's own derived types (request bodies, queue messages, JSON columns). With
//! serde_json nothing is lost: decimals keep their text and primitive extensions stay. Reading is
//! lenient; `fhir_model::serde::Strict<T>` or `#[serde(with = "fhir_model::serde::strict")]`
//! reads strictly, and errors name the FHIR path. The `serde` module's documentation says what
//! other formats get (decimals as `f64`).
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use fhir_model::r4::{Patient, Resource};
//! use fhir_model::serde::Strict;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Message {
//!     patient: Patient,
//!     resources: Vec<Resource>,
//!     note: String,
//! }
//!
//! let json = r#"{"patient":{"resourceType":"Patient","birthDate":"1974-12-25","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1974-12-25T14:35:45-05:00"}]}},"resources":[{"resourceType":"Observation","status":"final","code":{"text":"dose"},"valueQuantity":{"value":0.000100,"unit":"g"}}],"note":"seen"}"#;
//! let message: Message = serde_json::from_str(json).unwrap();
//! assert_eq!(serde_json::to_string(&message).unwrap(), json);
//!
//! let err = serde_json::from_str::<Strict<Patient>>(r#"{"resourceType":"Patient","birthDate":5}"#).unwrap_err();
//! assert!(err.to_string().starts_with("Patient.birthDate: expected string, found number"));
//! # }
//! ```
#![warn(missing_docs)]

mod code;
#[doc(hidden)]
pub mod codec;
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

pub use code::{AnyResource, CodeEnum, CodeInfo, TypedResource, UnknownCode};
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

#[cfg(feature = "serde")]
pub(crate) use crate::serde::impl_serde;

#[cfg(not(any(feature = "r4", feature = "r5")))]
compile_error!(
    "fhir-model: enable a FHIR version feature, `r4` or `r5` (with `default-features = false`, name the version as well as the resources)"
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
