//! Primitive values as the text of a `value` attribute.

use std::borrow::Cow;

use super::super::{Kind, PrimitiveValue, check_text};
use crate::ErrorKind;
use crate::value;

/// A Rust type that holds the value of a FHIR primitive, read from and written to the text of
/// an XML `value` attribute (the same text as JSON's, without quotes for numbers and booleans).
pub trait XmlValue: PrimitiveValue {
    /// Reads the value from its unescaped text; `strict` asks for the format checks.
    fn parse_xml(text: Cow<'_, str>, kind: Kind, strict: bool) -> Result<Self, ErrorKind>;
    /// The value's text, unescaped.
    fn xml_text(&self) -> Cow<'_, str>;
}

fn invalid(e: value::InvalidValue) -> ErrorKind {
    ErrorKind::InvalidValue(e)
}

impl XmlValue for String {
    fn parse_xml(text: Cow<'_, str>, kind: Kind, strict: bool) -> Result<Self, ErrorKind> {
        if strict {
            check_text(kind, &text).map_err(invalid)?;
        }
        Ok(text.into_owned())
    }
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl XmlValue for bool {
    fn parse_xml(text: Cow<'_, str>, _: Kind, _: bool) -> Result<Self, ErrorKind> {
        match &*text {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(invalid(value::InvalidValue::new(
                "boolean",
                other,
                "expected true or false",
            ))),
        }
    }
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

impl XmlValue for i32 {
    fn parse_xml(text: Cow<'_, str>, _: Kind, _: bool) -> Result<Self, ErrorKind> {
        value::parse_integer(&text).map_err(invalid)
    }
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Owned(itoa::Buffer::new().format(*self).to_owned())
    }
}

impl XmlValue for u32 {
    fn parse_xml(text: Cow<'_, str>, kind: Kind, _: bool) -> Result<Self, ErrorKind> {
        if kind == Kind::PositiveInt {
            value::parse_positive_int(&text).map_err(invalid)
        } else {
            value::parse_unsigned_int(&text).map_err(invalid)
        }
    }
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Owned(itoa::Buffer::new().format(*self).to_owned())
    }
}

impl XmlValue for i64 {
    fn parse_xml(text: Cow<'_, str>, _: Kind, _: bool) -> Result<Self, ErrorKind> {
        value::parse_integer64(&text).map_err(invalid)
    }
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Owned(itoa::Buffer::new().format(*self).to_owned())
    }
}

macro_rules! text_value {
    ($($ty:ident),*) => {$(
        impl XmlValue for value::$ty {
            fn parse_xml(text: Cow<'_, str>, _: Kind, _: bool) -> Result<Self, ErrorKind> {
                value::$ty::parse(&text).map_err(invalid)
            }
            fn xml_text(&self) -> Cow<'_, str> {
                Cow::Borrowed(self.as_str())
            }
        }
    )*};
}

text_value!(Decimal, Date, DateTime, Instant, Time);

/// A code element with a required binding: a code of the value set, or (lenient reading only)
/// the text of one outside it.
impl<C: crate::CodeEnum> XmlValue for crate::Code<C> {
    fn parse_xml(text: Cow<'_, str>, _: Kind, strict: bool) -> Result<Self, ErrorKind> {
        match C::from_code(&text) {
            Some(c) => Ok(crate::Code::Known(c)),
            None if !strict => Ok(crate::Code::other(text.into_owned())),
            None => Err(ErrorKind::UnknownCode {
                code: text.into_owned(),
                value_set: C::VALUE_SET,
            }),
        }
    }
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}
