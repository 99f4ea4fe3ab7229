//! The contract between the generated model and the JSON reader and writer.
//!
//! Generated types implement the small traits here; generated `read_key`/`write_keys` bodies call
//! the field helpers in [`fields`] (one per shape of field: optional, required, list; complex,
//! primitive, choice). The helpers are generic over the field's type, so each is compiled once per
//! type and not once per field, which keeps the model's build cheap.
//!
//! Not a stable API: the items are public only so that generated code can reach them.

pub mod fields;
mod object;
#[cfg(feature = "xml")]
pub mod xml;

pub use object::{read_boxed, read_object, write_object};

use crate::Unknown;
use crate::error::{Error, ErrorKind};
use crate::json::{Reader, Writer};
use crate::primitive::{ElementData, Primitive};
use crate::value;
use fields::{ReadFields as _, WriteFields as _};

/// The value the reader starts from before it fills in what the input has.
///
/// Unlike `Default` it exists for every type, also those whose required elements make an empty
/// value invalid; public `Default` impls exist only where an empty value is honest.
pub trait Blank {
    /// The empty value.
    fn blank() -> Self;
}

impl<T> Blank for Option<T> {
    fn blank() -> Self {
        None
    }
}

impl<T> Blank for Vec<T> {
    fn blank() -> Self {
        Vec::new()
    }
}

impl<T, E> Blank for Primitive<T, E> {
    fn blank() -> Self {
        Primitive::default()
    }
}

impl Blank for Unknown {
    fn blank() -> Self {
        Unknown::default()
    }
}

impl Blank for String {
    fn blank() -> Self {
        String::new()
    }
}

impl<E> Blank for ElementData<E> {
    fn blank() -> Self {
        ElementData::default()
    }
}

impl<T: Blank> Blank for Box<T> {
    fn blank() -> Self {
        Box::new(T::blank())
    }
}

/// A generated struct (datatype, backbone element or resource), read and written as a JSON object.
pub trait Complex: Blank {
    /// The type's name, for messages.
    const NAME: &'static str;
    /// For resources, the `resourceType` written first.
    const RESOURCE_TYPE: Option<&'static str> = None;

    /// Reads the value of property `key` into the matching field; `Ok(false)` if there is none
    /// (and nothing was consumed).
    fn read_key(&mut self, key: &str, r: &mut Reader<'_>) -> Result<bool, Error>;
    /// Writes every present field as properties of the open object.
    fn write_keys(&self, w: &mut Writer);
    /// The properties kept from reading that have no field.
    fn unknown(&self) -> &Unknown;
    /// The same, for adding to.
    fn unknown_mut(&mut self) -> &mut Unknown;
    /// Whether no field has content.
    fn is_empty(&self) -> bool;
    /// The JSON name of the first required element that is absent, if any.
    fn missing_required(&self) -> Option<&'static str> {
        None
    }
}

impl<T: Complex> Complex for Box<T> {
    const NAME: &'static str = T::NAME;
    const RESOURCE_TYPE: Option<&'static str> = T::RESOURCE_TYPE;

    fn read_key(&mut self, key: &str, r: &mut Reader<'_>) -> Result<bool, Error> {
        (**self).read_key(key, r)
    }
    fn write_keys(&self, w: &mut Writer) {
        (**self).write_keys(w)
    }
    fn unknown(&self) -> &Unknown {
        (**self).unknown()
    }
    fn unknown_mut(&mut self) -> &mut Unknown {
        (**self).unknown_mut()
    }
    fn is_empty(&self) -> bool {
        (**self).is_empty()
    }
    fn missing_required(&self) -> Option<&'static str> {
        (**self).missing_required()
    }
}

impl<E: Complex> Complex for ElementData<E> {
    const NAME: &'static str = "Element";

    fn read_key(&mut self, key: &str, r: &mut Reader<'_>) -> Result<bool, Error> {
        match key {
            "id" => r.attr_opt(&mut self.id)?,
            "extension" => r.list(&mut self.extension)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
    fn write_keys(&self, w: &mut Writer) {
        w.attr_opt("id", &self.id);
        w.list("extension", &self.extension);
    }
    fn unknown(&self) -> &Unknown {
        &self.unknown
    }
    fn unknown_mut(&mut self) -> &mut Unknown {
        &mut self.unknown
    }
    fn is_empty(&self) -> bool {
        ElementData::is_empty(self)
    }
}

/// A generated choice enum (`value[x]`): one variant per allowed type.
pub trait Choice: Blank + Sized {
    /// Reads the property `key` into `slot` if it is one of this choice's typed names (or their
    /// `_` twins); `Ok(false)` otherwise, with nothing consumed.
    fn read_choice(slot: &mut Option<Self>, key: &str, r: &mut Reader<'_>) -> Result<bool, Error>;
    /// Whether the chosen variant has no content (the state of a required choice not yet read).
    fn is_empty(&self) -> bool;
    /// Writes the chosen variant under its typed property name (e.g. `valueQuantity`).
    fn write_json(&self, w: &mut Writer);
}

/// The generated `Resource` enum of a FHIR version: any resource, chosen by `resourceType`.
pub trait ResourceValue: Sized {
    /// Reads a resource object, dispatching on its `resourceType`.
    fn read_json(r: &mut Reader<'_>) -> Result<Self, Error>;
    /// Whether `resource_type` is a resource type of this version (to name error paths).
    fn is_resource_type(resource_type: &str) -> bool;
    /// Writes the resource as a JSON object.
    fn write_json(&self, w: &mut Writer);
}

// Generated from the generator's table of primitives, so that the two cannot drift apart.
#[rustfmt::skip]
#[path = "../generated/kind.rs"]
mod kind;
pub use kind::Kind;

/// A Rust type that holds the value of a FHIR primitive.
pub trait PrimitiveValue: Sized {
    /// Reads the value (the JSON value of the un-prefixed property).
    fn read(r: &mut Reader<'_>, kind: Kind) -> Result<Self, Error>;
    /// Writes the value.
    fn write(&self, w: &mut Writer);
}

/// The strict-mode check of a string-valued primitive of kind `kind`.
pub(crate) fn check_text(kind: Kind, s: &str) -> Result<(), value::InvalidValue> {
    match kind {
        Kind::Id => value::check_id(s),
        Kind::Oid => value::check_oid(s),
        Kind::Uuid => value::check_uuid(s),
        Kind::Code => value::check_code(s),
        Kind::Base64Binary => value::check_base64(s),
        Kind::Uri | Kind::Url | Kind::Canonical => value::check_uri(s),
        Kind::Xhtml => Ok(()),
        _ => value::check_string(s),
    }
}

fn invalid(r: &Reader<'_>, e: value::InvalidValue, at: usize) -> Error {
    r.error_at(ErrorKind::InvalidValue(e), at)
}

impl PrimitiveValue for String {
    fn read(r: &mut Reader<'_>, kind: Kind) -> Result<Self, Error> {
        let at = r.position().0;
        let s = r.read_str()?;
        if r.strict() {
            check_text(kind, &s).map_err(|e| invalid(r, e, at))?;
        }
        Ok(s.into_owned())
    }
    fn write(&self, w: &mut Writer) {
        w.str(self)
    }
}

impl PrimitiveValue for bool {
    fn read(r: &mut Reader<'_>, _: Kind) -> Result<Self, Error> {
        r.read_bool()
    }
    fn write(&self, w: &mut Writer) {
        w.bool(*self)
    }
}

impl PrimitiveValue for i32 {
    fn read(r: &mut Reader<'_>, _: Kind) -> Result<Self, Error> {
        let at = r.position().0;
        let text = r.read_number()?;
        value::parse_integer(text).map_err(|e| invalid(r, e, at))
    }
    fn write(&self, w: &mut Writer) {
        w.integer(i64::from(*self))
    }
}

impl PrimitiveValue for u32 {
    fn read(r: &mut Reader<'_>, kind: Kind) -> Result<Self, Error> {
        let at = r.position().0;
        let text = r.read_number()?;
        let parsed = if kind == Kind::PositiveInt {
            value::parse_positive_int(text)
        } else {
            value::parse_unsigned_int(text)
        };
        parsed.map_err(|e| invalid(r, e, at))
    }
    fn write(&self, w: &mut Writer) {
        w.integer(i64::from(*self))
    }
}

impl PrimitiveValue for i64 {
    /// `integer64` travels as a JSON string, since JSON numbers lose precision past 2^53.
    fn read(r: &mut Reader<'_>, _: Kind) -> Result<Self, Error> {
        let at = r.position().0;
        let text = r.read_str()?;
        value::parse_integer64(&text).map_err(|e| invalid(r, e, at))
    }
    fn write(&self, w: &mut Writer) {
        let mut buf = itoa::Buffer::new();
        w.str(buf.format(*self))
    }
}

impl PrimitiveValue for value::Decimal {
    fn read(r: &mut Reader<'_>, _: Kind) -> Result<Self, Error> {
        let at = r.position().0;
        let text = r.read_number()?;
        value::Decimal::parse(text).map_err(|e| invalid(r, e, at))
    }
    fn write(&self, w: &mut Writer) {
        w.number_text(self.as_str())
    }
}

macro_rules! text_value {
    ($($ty:ident),*) => {$(
        impl PrimitiveValue for value::$ty {
            fn read(r: &mut Reader<'_>, _: Kind) -> Result<Self, Error> {
                let at = r.position().0;
                let text = r.read_str()?;
                value::$ty::parse(&text).map_err(|e| invalid(r, e, at))
            }
            fn write(&self, w: &mut Writer) {
                w.str(self.as_str())
            }
        }
    )*};
}

text_value!(Date, DateTime, Instant, Time);

/// A code element with a required binding: a code of the value set, or (lenient reading only)
/// the text of one outside it.
impl<C: crate::CodeEnum> PrimitiveValue for crate::Code<C> {
    #[inline]
    fn read(r: &mut Reader<'_>, _: Kind) -> Result<Self, Error> {
        match read_code_index(r, C::VALUE_SET, &|code| C::from_code(code).map(C::index))? {
            Ok(i) => Ok(crate::Code::Known(C::ALL[i])),
            Err(text) => Ok(crate::Code::other(text)),
        }
    }
    fn write(&self, w: &mut Writer) {
        w.str(self.as_str())
    }
}

/// The non-generic part of reading a [`crate::Code`]: the code's position in its value set, or
/// its text when it is outside (an error in strict mode).
fn read_code_index(
    r: &mut Reader<'_>,
    value_set: &'static str,
    lookup: &dyn Fn(&str) -> Option<usize>,
) -> Result<Result<usize, String>, Error> {
    let at = r.position().0;
    let s = r.read_str()?;
    match lookup(&s) {
        Some(i) => Ok(Ok(i)),
        None if !r.strict() => Ok(Err(s.into_owned())),
        None => {
            let kind = ErrorKind::UnknownCode {
                code: s.into_owned(),
                value_set,
            };
            Err(r.error_at(kind, at))
        }
    }
}

/// Moves a boxed `S` out as a `T` when they are the same type (for `Resource::downcast`).
pub fn downcast_box<S: std::any::Any, T: std::any::Any>(v: Box<S>) -> Result<T, Box<S>> {
    if std::any::TypeId::of::<S>() != std::any::TypeId::of::<T>() {
        return Err(v);
    }
    let any: Box<dyn std::any::Any> = v;
    match any.downcast::<T>() {
        Ok(t) => Ok(*t),
        // The type ids were equal just above, so the downcast cannot fail.
        Err(_) => unreachable!("same TypeId, different type"),
    }
}

/// Runs `read` on a required choice field as if it were optional: a blank field counts as absent.
pub fn required_choice<C: Choice>(
    field: &mut C,
    read: impl FnOnce(&mut Option<C>) -> Result<bool, Error>,
) -> Result<bool, Error> {
    let mut slot = if field.is_empty() {
        None
    } else {
        Some(std::mem::replace(field, C::blank()))
    };
    let result = read(&mut slot);
    if let Some(chosen) = slot {
        *field = chosen;
    }
    result
}
