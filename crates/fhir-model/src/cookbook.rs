//! Short recipes for the model as application code uses it; each is a tested example.
//!
//! # Construct
//!
//! Types with required elements have a `new` taking them; the rest is a struct literal with
//! `..Default::default()` where an empty value is valid, or fields set after `new`.
//!
//! ```
//! use fhir_model::r4::{
//!     CodeableConcept, Coding, HumanName, Observation, ObservationStatus, Patient, Quantity,
//! };
//! use fhir_model::value::Decimal;
//!
//! let patient = Patient {
//!     id: Some("p1".into()),
//!     active: Some(true.into()),
//!     name: vec![HumanName {
//!         family: Some("Chalmers".into()),
//!         given: vec!["Peter".into(), "James".into()],
//!         ..Default::default()
//!     }],
//!     ..Default::default()
//! };
//! assert_eq!(patient.name[0].given.len(), 2);
//!
//! let code = CodeableConcept {
//!     coding: vec![Coding {
//!         system: Some("http://loinc.org".into()),
//!         code: Some("8867-4".into()),
//!         ..Default::default()
//!     }],
//!     ..Default::default()
//! };
//! let mut heart_rate = Observation::new(ObservationStatus::Final, code);
//! // `From` boxes a complex choice value: no `Box::new` in user code.
//! heart_rate.value = Some(
//!     Quantity {
//!         value: Some(Decimal::parse("72.0").unwrap().into()),
//!         unit: Some("beats/minute".into()),
//!         ..Default::default()
//!     }
//!     .into(),
//! );
//! ```
//!
//! # Read deep fields
//!
//! [`PrimitiveOption`](crate::PrimitiveOption) (in [`prelude`](crate::prelude)) reads an
//! optional primitive through both of its `Option`s.
//!
//! ```
//! use fhir_model::ParseOptions;
//! use fhir_model::prelude::*;
//! use fhir_model::r4::Patient;
//!
//! let json = r#"{"resourceType":"Patient","birthDate":"1974-12-25","name":[{"family":"Chalmers","given":["Peter"]}]}"#;
//! let p = Patient::from_json_str(json, ParseOptions::default()).unwrap();
//! // Instead of p.birth_date.as_ref().and_then(|d| d.value.as_ref()):
//! assert_eq!(p.birth_date.value().map(|d| d.as_str()), Some("1974-12-25"));
//! let family = p.name.first().and_then(|n| n.family.as_str());
//! assert_eq!(family, Some("Chalmers"));
//! ```
//!
//! # Match a choice
//!
//! ```
//! use fhir_model::ParseOptions;
//! use fhir_model::prelude::*;
//! use fhir_model::r4::{Observation, ObservationValue};
//!
//! let json = r#"{"resourceType":"Observation","status":"final","code":{"text":"weight"},
//!   "valueQuantity":{"value":72.50,"unit":"kg"}}"#;
//! let obs = Observation::from_json_str(json, ParseOptions::default()).unwrap();
//! match &obs.value {
//!     Some(ObservationValue::Quantity(q)) => {
//!         // The decimal keeps its text: 72.50, not 72.5.
//!         assert_eq!(q.value.value().map(|d| d.as_str()), Some("72.50"));
//!         assert_eq!(q.unit.as_str(), Some("kg"));
//!     }
//!     Some(ObservationValue::String(s)) => println!("{:?}", s.as_str()),
//!     other => panic!("unexpected {other:?}"),
//! }
//! ```
//!
//! # Walk a Bundle
//!
//! Entries hold the version's [`Resource`](crate::r4::Resource) enum: match it, borrow a type
//! with `downcast_ref`, or take it with `TryFrom`.
//!
//! ```
//! use fhir_model::ParseOptions;
//! use fhir_model::prelude::*;
//! use fhir_model::r4::{Bundle, Observation, Patient, Resource};
//!
//! let json = r#"{"resourceType":"Bundle","type":"searchset","entry":[
//!   {"resource":{"resourceType":"Patient","id":"a"}},
//!   {"resource":{"resourceType":"Observation","id":"b","status":"final","code":{"text":"x"}}}]}"#;
//! let bundle = Bundle::from_json_str(json, ParseOptions::default()).unwrap();
//! let patients: Vec<&Patient> = bundle
//!     .entry
//!     .iter()
//!     .filter_map(|e| e.resource.as_ref()?.downcast_ref::<Patient>())
//!     .collect();
//! assert_eq!(patients.len(), 1);
//!
//! for entry in bundle.entry {
//!     match entry.resource {
//!         Some(Resource::Patient(p)) => assert_eq!(p.id.as_str(), Some("a")),
//!         Some(resource) => {
//!             let obs = Observation::try_from(resource).expect("an Observation");
//!             assert_eq!(obs.id.as_str(), Some("b"));
//!         }
//!         None => {}
//!     }
//! }
//!
//! // And back: every resource type converts into `Resource`.
//! let any: Resource = Patient::default().into();
//! assert_eq!(any.resource_type(), "Patient");
//! ```
//!
//! # Contained resources
//!
//! ```
//! use fhir_model::ParseOptions;
//! use fhir_model::prelude::*;
//! use fhir_model::r4::{Observation, Patient};
//!
//! let json = r##"{"resourceType":"Observation","status":"final","code":{"text":"x"},
//!   "contained":[{"resourceType":"Patient","id":"pat","name":[{"family":"Doe"}]}],
//!   "subject":{"reference":"#pat"}}"##;
//! let obs = Observation::from_json_str(json, ParseOptions::default()).unwrap();
//! let local = obs.subject.as_ref().and_then(|s| s.reference.as_str()).unwrap();
//! let patient = obs
//!     .contained
//!     .iter()
//!     .filter_map(|r| r.downcast_ref::<Patient>())
//!     .find(|p| Some(&local[1..]) == p.id.as_str())
//!     .unwrap();
//! assert_eq!(patient.name[0].family.as_str(), Some("Doe"));
//! ```
//!
//! # Extensions by URL
//!
//! ```
//! use fhir_model::ParseOptions;
//! use fhir_model::prelude::*;
//! use fhir_model::r4::{Extension, ExtensionValue, Patient};
//!
//! const BIRTH_SEX: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex";
//! let json = r#"{"resourceType":"Patient","extension":[{"url":"http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex","valueCode":"F"}],
//!   "birthDate":"1974","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1974-12-25T14:35:45-05:00"}]}}"#;
//! let mut p = Patient::from_json_str(json, ParseOptions::default()).unwrap();
//! let sex = p.extension.iter().find(|e| e.url == BIRTH_SEX).and_then(|e| match &e.value {
//!     Some(ExtensionValue::Code(c)) => c.as_str(),
//!     _ => None,
//! });
//! assert_eq!(sex, Some("F"));
//! // Extensions of a primitive sit beside its value.
//! assert_eq!(p.birth_date.extensions()[0].url, "http://hl7.org/fhir/StructureDefinition/patient-birthTime");
//!
//! let mut colour = Extension::new("http://example.org/fhir/favourite-colour");
//! colour.value = Some(ExtensionValue::String("green".into()));
//! p.extension.push(colour);
//! assert!(p.to_json_string().contains("favourite-colour"));
//! ```
//!
//! # Strict and lenient reading
//!
//! Lenient reading (the default) keeps what it cannot type and writes it back; strict reading
//! refuses it, naming the element, line and column.
//!
//! ```
//! use fhir_model::{FhirJson, ParseOptions};
//! use fhir_model::r4::Patient;
//!
//! let json = r#"{"resourceType":"Patient","nickname":"Pete"}"#;
//! let lenient = Patient::from_json_str(json, ParseOptions::lenient()).unwrap();
//! assert_eq!(lenient.to_json_string(), json);
//!
//! let err = Patient::from_json_str(json, ParseOptions::strict()).unwrap_err();
//! assert_eq!(err.path().as_str(), "Patient.nickname");
//! assert_eq!((err.line(), err.column()), (1, 38));
//! ```
//!
//! # Codes of required value sets
//!
//! A `code` element bound to a required value set holds a [`Code`](crate::Code): the value
//! set's enum when the code is in it, or the text of a code outside it (only lenient reading
//! makes one; strict reading refuses it). `known()` gives the enum through every layer.
//!
//! ```
//! use fhir_model::prelude::*;
//! use fhir_model::r4::{Bundle, BundleType};
//! use fhir_model::{Code, ParseOptions};
//!
//! let json = r#"{"resourceType":"Bundle","type":"batch-response"}"#;
//! let b = Bundle::from_json_str(json, ParseOptions::strict()).unwrap();
//! assert_eq!(b.r#type.known(), Some(BundleType::BatchResponse));
//! match &b.r#type.value {
//!     Some(Code::Known(BundleType::BatchResponse)) => {}
//!     Some(Code::Known(other)) => panic!("another type: {other}"),
//!     Some(Code::Other(text)) => panic!("a code outside the value set: {text}"),
//!     None => panic!("no type"),
//! }
//!
//! // An R5 code read by the R4 model: kept, typed access to the rest, written back unchanged.
//! let newer = r#"{"resourceType":"Bundle","type":"subscription-notification"}"#;
//! let b = Bundle::from_json_str(newer, ParseOptions::lenient()).unwrap();
//! assert_eq!(b.r#type.known(), None);
//! assert_eq!(b.r#type.as_str(), Some("subscription-notification"));
//! assert_eq!(b.to_json_string(), newer);
//! assert!(Bundle::from_json_str(newer, ParseOptions::strict()).is_err());
//! ```
//!
//! # Serialize
//!
//! With the `serde` cargo feature (`fhir-rs-model = { version = "0.1", features = ["serde"] }`),
//! every resource, datatype, backbone element, `Resource` enum and [`RawResource`](crate::RawResource) implements
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
