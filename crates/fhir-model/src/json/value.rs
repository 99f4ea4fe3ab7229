//! A JSON value that keeps what FHIR needs kept: number texts and key order.

use std::fmt;

use super::{Reader, Writer};
use crate::{Error, ParseOptions};

/// Any JSON value, kept exactly: numbers as their text (`1.50` stays `1.50`), object keys in input order.
///
/// The model uses it for what the definitions do not describe (unknown properties, invalid values
/// read leniently), so that reading and writing loses nothing. It is also a plain JSON document
/// type for tools.
///
/// ```
/// use fhir_model::json::JsonValue;
///
/// let v = JsonValue::parse(r#"{"b": 1.50, "a": [true, null]}"#).unwrap();
/// assert_eq!(v.to_string(), r#"{"b":1.50,"a":[true,null]}"#);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub enum JsonValue {
    /// `null`
    #[default]
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, as its exact text.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<JsonValue>),
    /// An object, its members in input order.
    Object(Vec<(String, JsonValue)>),
}

impl JsonValue {
    /// Reads one JSON document; anything after it but white space is an error.
    pub fn parse(input: &str) -> Result<JsonValue, Error> {
        let mut r = Reader::new(input, ParseOptions::default());
        let v = r.read_raw().and_then(|v| r.finish().map(|()| v));
        v.map_err(|e| e.locate(input.as_bytes()))
    }

    /// What kind of JSON value this is, as a word for messages (`"string"`, `"object"`, ...).
    pub fn kind_name(&self) -> &'static str {
        match self {
            JsonValue::Null => "null",
            JsonValue::Bool(_) => "boolean",
            JsonValue::Number(_) => "number",
            JsonValue::String(_) => "string",
            JsonValue::Array(_) => "array",
            JsonValue::Object(_) => "object",
        }
    }

    /// The member `key` of an object (the first, if the key repeats).
    pub fn get(&self, key: &str) -> Option<&JsonValue> {
        match self {
            JsonValue::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            JsonValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// Writes the value as compact JSON.
    pub fn to_json_string(&self) -> String {
        let mut w = Writer::new(false);
        w.raw_value(self);
        w.into_string()
    }

    /// Writes the value as indented JSON.
    pub fn to_json_pretty(&self) -> String {
        let mut w = Writer::new(true);
        w.raw_value(self);
        w.into_string()
    }
}

impl fmt::Display for JsonValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json_string())
    }
}

impl fmt::Debug for JsonValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json_string())
    }
}
