//! The object loop: how any generated struct is read from and written to a JSON object.

use super::Complex;
use super::fields::ReadFields as _;
use crate::error::{Error, ErrorKind};
use crate::json::{Reader, Writer};

/// Reads a JSON object into `out`, property by property.
///
/// A property the struct has no field for is an error in strict mode and kept in lenient mode.
/// A property whose value does not fit its field (wrong JSON type, invalid primitive, empty
/// array, ...) is an error in strict mode; in lenient mode the reader goes back to the start of
/// the value and keeps it verbatim as unknown, so the round trip loses nothing. Field helpers
/// leave their field as it was when they fail, which makes that rewind safe.
#[inline]
pub fn read_object<T: Complex>(r: &mut Reader<'_>, out: &mut T) -> Result<(), Error> {
    read_fields(r, out, T::NAME, T::RESOURCE_TYPE)
}

/// The object-safe part of [`Complex`] that the object loop needs.
///
/// The loop runs through `dyn Fields` so that it is compiled once, not once per struct: it is
/// the largest piece of reading code, and hundreds of copies of it dominated the build.
trait Fields {
    fn read_key(&mut self, key: &str, r: &mut Reader<'_>) -> Result<bool, Error>;
    fn unknown_mut(&mut self) -> &mut crate::Unknown;
    fn missing_required(&self) -> Option<&'static str>;
}

impl<T: Complex> Fields for T {
    fn read_key(&mut self, key: &str, r: &mut Reader<'_>) -> Result<bool, Error> {
        Complex::read_key(self, key, r)
    }
    fn unknown_mut(&mut self) -> &mut crate::Unknown {
        Complex::unknown_mut(self)
    }
    fn missing_required(&self) -> Option<&'static str> {
        Complex::missing_required(self)
    }
}

fn read_fields(
    r: &mut Reader<'_>,
    out: &mut dyn Fields,
    name: &'static str,
    resource_type: Option<&'static str>,
) -> Result<(), Error> {
    let start = r.position().0;
    r.begin_object(name)?;
    let mut first = true;
    let mut seen_type = false;
    while let Some(key) = r.next_key(&mut first)? {
        let at = r.position();
        if let Some(expected) = resource_type.filter(|_| key == "resourceType") {
            // Never kept as unknown: an object of another resource type is not this resource.
            r.resource_type(expected).map_err(|e| e.in_field(&key))?;
            if seen_type {
                if r.strict() {
                    return Err(r.error_at(ErrorKind::Duplicate, at.0).in_field(&key));
                }
                r.rewind(at);
                let raw = r.read_raw()?;
                out.unknown_mut().push(key.into_owned(), raw);
            }
            seen_type = true;
            continue;
        }
        // A property that repeats after an occurrence kept as unknown is kept too, so that the
        // occurrences are written back in their order (a reader may take the last one).
        let repeats_kept = {
            let unknown = out.unknown_mut();
            !unknown.is_empty() && unknown.contains_key(&key)
        };
        let mark = r.kept_mark();
        let result = if repeats_kept {
            Ok(false)
        } else {
            out.read_key(&key, r)
        };
        match result {
            Ok(true) => {
                if r.kept_mark() > mark {
                    let kept: Vec<_> = r.take_kept_items(mark).collect();
                    let unknown = out.unknown_mut();
                    for (index, item) in kept {
                        unknown.push_item(key.to_string(), index, item);
                    }
                }
            }
            Ok(false) => {
                if r.strict() {
                    return Err(r.error(ErrorKind::UnknownElement).in_field(&key));
                }
                let raw = r.read_raw()?;
                out.unknown_mut().push(key.into_owned(), raw);
            }
            Err(e) if !r.strict() && e.kind().is_recoverable() => {
                r.drop_kept_items(mark);
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
    // Lenient too: writing puts `resourceType` back, so accepting a document without one would
    // add to it, and a typed entry point must not take an object of unknown type for its own.
    if resource_type.is_some() && !seen_type {
        return Err(r.error_at(ErrorKind::MissingResourceType, start));
    }
    if r.strict() {
        if let Some(name) = out.missing_required() {
            return Err(r.error_at(ErrorKind::MissingRequired, start).in_field(name));
        }
    }
    Ok(())
}

/// Reads a JSON object into a new boxed value (large resources are built on the heap).
pub fn read_boxed<T: Complex>(r: &mut Reader<'_>) -> Result<Box<T>, Error> {
    let mut b = Box::new(T::blank());
    read_object(r, &mut *b)?;
    Ok(b)
}

/// Writes `v` as a JSON object: `resourceType` first for resources, then the fields in definition
/// order, then the properties kept as unknown.
#[inline]
pub fn write_object<T: Complex>(w: &mut Writer, v: &T) {
    write_fields(w, v, T::RESOURCE_TYPE)
}

/// The object-safe part of [`Complex`] that writing needs (see [`Fields`] for why).
trait WriteFields {
    fn write_keys(&self, w: &mut Writer);
    fn unknown(&self) -> &crate::Unknown;
}

impl<T: Complex> WriteFields for T {
    fn write_keys(&self, w: &mut Writer) {
        Complex::write_keys(self, w)
    }
    fn unknown(&self) -> &crate::Unknown {
        Complex::unknown(self)
    }
}

fn write_fields(w: &mut Writer, v: &dyn WriteFields, resource_type: Option<&str>) {
    w.begin_object();
    if let Some(rt) = resource_type {
        w.key("resourceType");
        w.str(rt);
    }
    // The items of this object's lists kept as JSON, for the list writers to put back in
    // place; the lists of nested objects see their own (usually none).
    let outer = w.take_kept_items();
    let unknown = v.unknown();
    if unknown.has_items() {
        w.set_kept_items(unknown);
    }
    v.write_keys(w);
    w.restore_kept_items(outer);
    let unknown = v.unknown();
    if !unknown.is_empty() {
        for (k, raw) in unknown.iter() {
            w.key(k);
            w.raw_value(raw);
        }
        w.skip(unknown.count_foreign(false));
    }
    w.end_object();
}
