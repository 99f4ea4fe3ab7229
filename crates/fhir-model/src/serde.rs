//! `Serialize` and `Deserialize` for every type that implements [`FhirJson`] (feature `serde`).
//!
//! Every resource, datatype and backbone element of every version, each version's `Resource`
//! enum and [`RawResource`] implement serde's traits, so the typed models can sit inside an
//! application's own `#[derive(Serialize, Deserialize)]` types. What serde sees is exactly the
//! FHIR JSON that [`FhirJson`] writes and reads: the impls are thin delegations to the model's
//! own reader and writer, not derived field by field.
//!
//! # With serde_json: lossless
//!
//! With serde_json's serializers (`to_string`, `to_writer`, `to_vec`, pretty or compact) the
//! value's FHIR JSON text is handed over as a [`RawValue`], so it comes out byte for byte as
//! [`FhirJson::to_json_string`] writes it: decimals keep their text (`1.50` stays `1.50`) and
//! primitive extensions (`_birthDate`) stay where they are. serde_json's deserializers (`from_str`,
//! `from_slice`, `from_reader`) hand over the value's exact text as a [`RawValue`], which the model
//! reads. `serde_json::to_value` and `from_value` work too; a `serde_json::Value` keeps a
//! decimal's text only when serde_json's own `arbitrary_precision` feature is on (without it, its
//! numbers are `f64`, so `1.50` comes back as `1.5`).
//!
//! # With other serde formats
//!
//! Serializing transcodes the FHIR JSON into serde's data model: objects become maps (keys in
//! FHIR order), arrays sequences, strings strings, `true`/`false` bools, `null` (only inside
//! primitive arrays with extensions, `"_given": [null, {…}]`) a unit. Numbers that are integers
//! become `i64` or `u64`; every other number (decimals, and integers too large for 64 bits)
//! becomes an `f64`, so a format without exact decimals gives back `1.5` for `1.50` and may round
//! a decimal of more than 15-17 significant digits. Deserializing collects any self-describing
//! input into JSON (floats written by Rust's shortest round-trip formatting, so an `f64` comes back
//! as the same `f64`) and reads that. Formats that are not self-describing (bincode and the like)
//! cannot carry these types: wrap the FHIR JSON text in a `String` for them.
//!
//! serde itself buffers the input of untagged and internally tagged enums and of
//! `#[serde(flatten)]` fields in its own data model before deserializing the parts; a model read
//! from such a buffer takes the path for other formats, so its decimals are `f64` there even
//! with serde_json. Serializing is not affected.
//!
//! How a serde_json serializer or deserializer is told apart from the others: by its type's name
//! ([`std::any::type_name`]), since serde gives no way to ask a serializer what it is and a
//! serde_json one cannot be named generically (its writer and formatter are type parameters).
//! The names looked for are those of serde_json's own types, which serde_json does not rename
//! within a major version; should a compiler spell them differently, the other path is taken,
//! which is still correct, only not lossless for decimals. A serializer that wraps serde_json's
//! (`serde_path_to_error`, for example) takes that other path as well.
//!
//! # Lenient by default, strict on demand
//!
//! `Deserialize` reads leniently ([`ParseOptions::lenient`]): properties the model does not know
//! and values that do not fit are kept and written back. [`Strict`] reads strictly, as a wrapper
//! type or through the [`strict`] module in `#[serde(with = "fhir_model::serde::strict")]`.
//!
//! # Errors
//!
//! A value the model refuses gives the format's error built with
//! [`serde::de::Error::custom`] from the model's [`Error`]: its
//! message starts with the FHIR path (`Patient.birthDate: …`) and ends with the line and column
//! *within the FHIR value* (serde_json appends its own position in the whole document after that).
//!
//! ```
//! use fhir_model::r4::{Patient, Resource};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Envelope {
//!     patient: Patient,
//!     resources: Vec<Resource>,
//!     note: String,
//! }
//!
//! let json = r#"{"patient":{"resourceType":"Patient","birthDate":"1974-12-25","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1974-12-25T14:35:45-05:00"}]}},"resources":[{"resourceType":"Observation","status":"final","code":{"text":"weight"},"valueQuantity":{"value":72.50,"unit":"kg"}}],"note":"seen"}"#;
//! let envelope: Envelope = serde_json::from_str(json).unwrap();
//! assert_eq!(envelope.resources[0].resource_type(), "Observation");
//! // Exactly the same text back: `72.50` and `_birthDate` included.
//! assert_eq!(serde_json::to_string(&envelope).unwrap(), json);
//! ```

use std::fmt;
use std::ops::{Deref, DerefMut};

use ::serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use ::serde::ser::{self, SerializeMap, SerializeSeq, Serializer};
use ::serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::json::JsonValue;
use crate::{Error, FhirJson, ParseOptions, RawResource};

/// Implements `Serialize` and `Deserialize` (lenient) for types that implement [`FhirJson`];
/// generated code calls it once per file with the file's types.
macro_rules! impl_serde {
    ($($t:ty),* $(,)?) => {$(
        impl ::serde::Serialize for $t {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                crate::serde::serialize(self, s)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $t {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::serde::deserialize(d, crate::ParseOptions::lenient())
            }
        }
    )*};
}
pub(crate) use impl_serde;

/// Serializes `value` as its FHIR JSON (see the [module docs](self) for what formats other than
/// serde_json's get). The impls of the model's types call it; it also serves as
/// `#[serde(serialize_with = "fhir_model::serde::serialize")]`.
pub fn serialize<T: FhirJson, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    serialize_json_text(value.to_json_string(), s)
}

/// Deserializes a value from its FHIR JSON, read with `options` (see the [module docs](self)).
///
/// ```
/// use fhir_model::ParseOptions;
/// use fhir_model::r4::Patient;
///
/// let mut json = serde_json::Deserializer::from_str(r#"{"resourceType":"Patient","gender":"male"}"#);
/// let patient: Patient = fhir_model::serde::deserialize(&mut json, ParseOptions::strict()).unwrap();
/// assert!(patient.gender.is_some());
/// ```
pub fn deserialize<'de, T: FhirJson, D: Deserializer<'de>>(
    d: D,
    options: ParseOptions,
) -> Result<T, D::Error> {
    let text = json_text(d)?;
    T::from_json_str(text.as_str(), options).map_err(model_error)
}

/// Strict reading of a value from any serde format: a wrapper that derefs to the value.
///
/// Reading refuses what [`ParseOptions::strict`] refuses (unknown properties, malformed
/// primitives, codes outside required value sets, missing required elements); writing is the
/// value's own.
///
/// ```
/// use fhir_model::r4::Patient;
/// use fhir_model::serde::Strict;
///
/// let json = r#"{"resourceType":"Patient","nickname":"Pete"}"#;
/// // Lenient: the unknown property is kept, and written back.
/// let lenient: Patient = serde_json::from_str(json).unwrap();
/// assert_eq!(serde_json::to_string(&lenient).unwrap(), json);
/// // Strict: refused, naming the path.
/// let err = serde_json::from_str::<Strict<Patient>>(json).unwrap_err();
/// assert!(err.to_string().starts_with("Patient.nickname: unknown element"), "{err}");
///
/// let ok: Strict<Patient> = serde_json::from_str(r#"{"resourceType":"Patient","active":true}"#).unwrap();
/// assert!(ok.active.is_some());
/// let patient: Patient = ok.into_inner();
/// # let _ = patient;
/// ```
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Strict<T>(pub T);

impl<T> Strict<T> {
    /// The value read.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Strict<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Strict<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> From<T> for Strict<T> {
    fn from(value: T) -> Self {
        Strict(value)
    }
}

impl<T: FhirJson> Serialize for Strict<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize(&self.0, s)
    }
}

impl<'de, T: FhirJson> Deserialize<'de> for Strict<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize(d, ParseOptions::strict()).map(Strict)
    }
}

/// Strict reading for a field of a model type, without a wrapper:
/// `#[serde(with = "fhir_model::serde::strict")]`, or
/// `#[serde(deserialize_with = "fhir_model::serde::strict::deserialize")]`.
///
/// For lists and options, use [`Strict`] as the element type (`Vec<Strict<Patient>>`).
///
/// ```
/// use fhir_model::r4::{Patient, Resource};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Debug)]
/// struct Upload {
///     #[serde(with = "fhir_model::serde::strict")]
///     patient: Patient,
///     #[serde(deserialize_with = "fhir_model::serde::strict::deserialize")]
///     resource: Resource,
/// }
///
/// let good = r#"{"patient":{"resourceType":"Patient","birthDate":"1974-12-25"},"resource":{"resourceType":"Basic","code":{"text":"x"}}}"#;
/// let upload: Upload = serde_json::from_str(good).unwrap();
/// assert_eq!(serde_json::to_string(&upload).unwrap(), good);
///
/// let bad = r#"{"patient":{"resourceType":"Patient","birthDate":5},"resource":{"resourceType":"Basic","code":{"text":"x"}}}"#;
/// let err = serde_json::from_str::<Upload>(bad).unwrap_err();
/// assert!(err.to_string().starts_with("Patient.birthDate: "), "{err}");
/// ```
pub mod strict {
    use ::serde::{Deserializer, Serializer};

    use crate::{FhirJson, ParseOptions};

    /// Writes the value's FHIR JSON (the same as its `Serialize` impl).
    pub fn serialize<T: FhirJson, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        super::serialize(value, s)
    }

    /// Reads the value strictly ([`ParseOptions::strict`]).
    pub fn deserialize<'de, T: FhirJson, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        super::deserialize(d, ParseOptions::strict())
    }
}

impl Serialize for RawResource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_json_text(self.json().to_json_string(), s)
    }
}

impl<'de> Deserialize<'de> for RawResource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = json_text(d)?;
        let json = JsonValue::parse(text.as_str()).map_err(model_error)?;
        RawResource::from_json(json)
            .ok_or_else(|| de::Error::custom("a resource needs a string resourceType"))
    }
}

/// Whether `T` is one of serde_json's serializers or deserializers, whose `RawValue` support
/// carries the exact text (see the module docs for why the type's name is used).
fn is_serde_json<T: ?Sized>() -> bool {
    /// serde_json's streaming serializer and deserializer (`&mut Serializer<W, F>`,
    /// `&mut Deserializer<R>`), its `Value` serializer (`to_value`) and `Value` (owned or
    /// borrowed) as a deserializer (`from_value`, and every member of a `Value` being read).
    const NAMES: &[&str] = &[
        "&mut serde_json::ser::Serializer<",
        "serde_json::value::ser::Serializer",
        "&mut serde_json::de::Deserializer<",
        "serde_json::value::Value",
        "&serde_json::value::Value",
    ];
    let name = std::any::type_name::<T>();
    NAMES.iter().any(|n| {
        name.strip_prefix(n)
            .is_some_and(|rest| rest.is_empty() || n.ends_with('<'))
    })
}

/// Serializes FHIR JSON text: as a `RawValue` for serde_json, transcoded for the rest.
fn serialize_json_text<S: Serializer>(text: String, s: S) -> Result<S::Ok, S::Error> {
    if is_serde_json::<S>() {
        let raw = RawValue::from_string(text).map_err(ser::Error::custom)?;
        raw.serialize(s)
    } else {
        let value = JsonValue::parse(&text).map_err(ser::Error::custom)?;
        Transcode(&value).serialize(s)
    }
}

/// The FHIR JSON text of a value being deserialized.
enum Text {
    Raw(Box<RawValue>),
    Collected(String),
}

impl Text {
    fn as_str(&self) -> &str {
        match self {
            Text::Raw(raw) => raw.get(),
            Text::Collected(s) => s,
        }
    }
}

/// Takes the text of the value `d` stands at: exactly as written from serde_json, collected
/// from any other self-describing format.
fn json_text<'de, D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
    if is_serde_json::<D>() {
        Box::<RawValue>::deserialize(d).map(Text::Raw)
    } else {
        let value = d.deserialize_any(Collect)?;
        Ok(Text::Collected(value.to_json_string()))
    }
}

/// The model's error as a format's error: the FHIR path first, the position within the value.
fn model_error<E: de::Error>(e: Error) -> E {
    let path = e.path();
    let at = if e.line() > 0 {
        format!(
            " (line {} column {} of the FHIR value)",
            e.line(),
            e.column()
        )
    } else {
        String::new()
    };
    if path.is_empty() {
        E::custom(format_args!("{}{at}", e.kind()))
    } else {
        E::custom(format_args!("{path}: {}{at}", e.kind()))
    }
}

/// A JSON value written into serde's data model (for serializers other than serde_json's).
struct Transcode<'a>(&'a JsonValue);

impl Serialize for Transcode<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            JsonValue::Null => s.serialize_unit(),
            JsonValue::Bool(b) => s.serialize_bool(*b),
            JsonValue::Number(text) => {
                if let Ok(i) = text.parse::<i64>() {
                    s.serialize_i64(i)
                } else if let Ok(u) = text.parse::<u64>() {
                    s.serialize_u64(u)
                } else {
                    let f = text.parse::<f64>().map_err(|_| {
                        ser::Error::custom(format_args!("number {text} out of range"))
                    })?;
                    s.serialize_f64(f)
                }
            }
            JsonValue::String(v) => s.serialize_str(v),
            JsonValue::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Transcode(item))?;
                }
                seq.end()
            }
            JsonValue::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, &Transcode(v))?;
                }
                map.end()
            }
        }
    }
}

/// Collects any self-describing input into a [`JsonValue`] (for deserializers other than
/// serde_json's), keeping the order of keys.
struct Collect;

impl<'de> Visitor<'de> for Collect {
    type Value = JsonValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a FHIR JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<JsonValue, E> {
        Ok(JsonValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsonValue, E> {
        Ok(JsonValue::Number(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsonValue, E> {
        Ok(JsonValue::Number(v.to_string()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<JsonValue, E> {
        Ok(JsonValue::Number(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<JsonValue, E> {
        Ok(JsonValue::Number(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<JsonValue, E> {
        if v.is_finite() {
            // `Display` is the shortest text that reads back as the same f64, never an exponent.
            Ok(JsonValue::Number(v.to_string()))
        } else {
            Err(E::custom(format_args!("{v} is not a JSON number")))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<JsonValue, E> {
        Ok(JsonValue::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<JsonValue, E> {
        Ok(JsonValue::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<JsonValue, E> {
        Ok(JsonValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<JsonValue, E> {
        Ok(JsonValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<JsonValue, D::Error> {
        d.deserialize_any(Collect)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<JsonValue, D::Error> {
        d.deserialize_any(Collect)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsonValue, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(Collect)? {
            items.push(item);
        }
        Ok(JsonValue::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonValue, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Collect)?;
            members.push((key, value));
        }
        Ok(JsonValue::Object(members))
    }
}

impl<'de> DeserializeSeed<'de> for Collect {
    type Value = JsonValue;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<JsonValue, D::Error> {
        d.deserialize_any(Collect)
    }
}
