//! The object loop: how any generated struct is read from and written to a JSON object.

use super::Complex;
use crate::error::{Error, ErrorKind};
use crate::json::{Reader, Writer};

/// Reads a JSON object into `out`, property by property.
///
/// A property the struct has no field for is an error in strict mode and kept in lenient mode.
/// A property whose value does not fit its field (wrong JSON type, invalid primitive, empty
/// array, ...) is an error in strict mode; in lenient mode the reader goes back to the start of
/// the value and keeps it verbatim as unknown, so the round trip loses nothing. Field helpers
/// leave their field as it was when they fail, which makes that rewind safe.
#[inline(never)]
pub fn read_object<T: Complex>(r: &mut Reader<'_>, out: &mut T) -> Result<(), Error> {
    let start = r.position().0;
    r.begin_object(T::NAME)?;
    let mut first = true;
    while let Some(key) = r.next_key(&mut first)? {
        let at = r.position();
        match out.read_key(&key, r) {
            Ok(true) => {}
            Ok(false) => {
                if r.strict() {
                    return Err(r.error(ErrorKind::UnknownElement).in_field(&key));
                }
                let raw = r.read_raw()?;
                out.unknown_mut().push(key.into_owned(), raw);
            }
            Err(e) if !r.strict() && e.kind().is_recoverable() => {
                r.rewind(at);
                let raw = r.read_raw()?;
                out.unknown_mut().push(key.into_owned(), raw);
            }
            Err(e) => return Err(e.in_field(&key)),
        }
    }
    if first {
        return Err(r.error_at(ErrorKind::EmptyObject, start));
    }
    if r.strict() {
        if let Some(name) = out.missing_required() {
            return Err(r.error_at(ErrorKind::MissingRequired, start).in_field(name));
        }
    }
    Ok(())
}

/// Reads a JSON object into a new boxed value (large resources are built on the heap).
#[inline(never)]
pub fn read_boxed<T: Complex>(r: &mut Reader<'_>) -> Result<Box<T>, Error> {
    let mut b = Box::new(T::blank());
    read_object(r, &mut *b)?;
    Ok(b)
}

/// Writes `v` as a JSON object: `resourceType` first for resources, then the fields in definition
/// order, then the properties kept as unknown.
#[inline(never)]
pub fn write_object<T: Complex>(w: &mut Writer, v: &T) {
    w.begin_object();
    if let Some(rt) = T::RESOURCE_TYPE {
        w.key("resourceType");
        w.str(rt);
    }
    v.write_keys(w);
    for (k, raw) in v.unknown().iter() {
        w.key(k);
        w.raw_value(raw);
    }
    w.end_object();
}
