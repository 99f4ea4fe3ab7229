//! The element loop: how any generated struct is read from and written to an XML element.

use std::borrow::Cow;

use super::XmlComplex;
use crate::Unknown;
use crate::error::{Error, ErrorKind};
use crate::xml::{Attr, FHIR_NS, Reader, Start, Writer};

/// Reads the pending element into `out`: its attributes, then its children.
///
/// An attribute or child the struct has no field for is an error in strict mode and kept as
/// written in lenient mode. A child whose content does not fit its field is an error in strict
/// mode; in lenient mode the reader finishes the child and keeps it as written, so the round
/// trip loses nothing. Field helpers leave their field as it was when they fail.
#[inline]
pub fn read_element<T: XmlComplex>(r: &mut Reader<'_>, out: &mut T) -> Result<(), Error> {
    read_fields(r, out)
}

/// Reads the pending element into a new boxed value.
pub fn read_element_boxed<T: XmlComplex>(r: &mut Reader<'_>) -> Result<Box<T>, Error> {
    let mut b = Box::new(T::blank());
    read_fields(r, &mut *b)?;
    Ok(b)
}

/// The object-safe part of [`XmlComplex`] that the loop needs (compiled once, as in JSON).
pub(crate) trait Fields {
    fn read_attr(
        &mut self,
        name: &str,
        value: Cow<'_, str>,
        at: usize,
        r: &Reader<'_>,
    ) -> Result<bool, Error>;
    fn read_child(&mut self, name: &str, r: &mut Reader<'_>) -> Result<Option<u32>, Error>;
    fn unknown_mut(&mut self) -> &mut Unknown;
    fn missing_required(&self) -> Option<&'static str>;
}

impl<T: XmlComplex> Fields for T {
    fn read_attr(
        &mut self,
        name: &str,
        value: Cow<'_, str>,
        at: usize,
        r: &Reader<'_>,
    ) -> Result<bool, Error> {
        XmlComplex::read_xml_attr(self, name, value, at, r)
    }
    fn read_child(&mut self, name: &str, r: &mut Reader<'_>) -> Result<Option<u32>, Error> {
        XmlComplex::read_xml_child(self, name, r)
    }
    fn unknown_mut(&mut self) -> &mut Unknown {
        crate::codec::Complex::unknown_mut(self)
    }
    fn missing_required(&self) -> Option<&'static str> {
        crate::codec::Complex::missing_required(self)
    }
}

/// Attributes that are XML's, not FHIR's: namespace declarations and the schema instance
/// attributes (`xsi:schemaLocation`). Kept as written in both modes, never refused.
fn is_xml_level(name: &str) -> bool {
    name.starts_with("xmlns:") || name.starts_with("xsi:")
}

pub(crate) fn read_fields(r: &mut Reader<'_>, out: &mut dyn Fields) -> Result<(), Error> {
    let start = r.take_start();
    let mut content = read_attributes(r, &start, out)?;
    if !start.empty {
        let mut last = 0;
        while let Some(written) = r.next_child()? {
            content = true;
            let (at, depth, name) = match r.pending() {
                Some(p) => (p.at, p.depth, r.fhir_name_of(p)),
                None => unreachable!("next_child leaves the child's start tag pending"),
            };
            let result = match name {
                Some(name) => out.read_child(name, r),
                None => Ok(None),
            };
            match result {
                Ok(Some(order)) => {
                    if order < last && r.strict() {
                        let e = r.error_at(ErrorKind::OutOfOrder, at);
                        return Err(e.in_field(name.unwrap_or(written)));
                    }
                    last = last.max(order);
                }
                Ok(None) => {
                    if r.strict() {
                        let e = r.error_at(ErrorKind::UnknownElement, at);
                        return Err(e.in_field(written));
                    }
                    let raw = r.raw_element()?;
                    out.unknown_mut()
                        .push_xml_element(written.to_owned(), raw.to_owned());
                }
                Err(e) if !r.strict() && e.kind().is_recoverable() => {
                    let end = r.skip_to_end(depth)?;
                    let raw = &r.input()[at..end];
                    out.unknown_mut()
                        .push_xml_element(written.to_owned(), raw.to_owned());
                }
                Err(e) => return Err(e.in_field(name.unwrap_or(written))),
            }
        }
    }
    if !content {
        return Err(r.error_at(ErrorKind::EmptyElement, start.at));
    }
    if r.strict() {
        if let Some(name) = out.missing_required() {
            return Err(r
                .error_at(ErrorKind::MissingRequired, start.at)
                .in_field(name));
        }
    }
    Ok(())
}

/// The element's attributes into `out`; whether there was any FHIR content among them.
fn read_attributes(r: &Reader<'_>, start: &Start<'_>, out: &mut dyn Fields) -> Result<bool, Error> {
    if let Some(attr) = start.only_attribute() {
        return read_attribute(r, attr, out);
    }
    let mut content = false;
    for attr in r.attributes(start) {
        content |= read_attribute(r, &attr?, out)?;
    }
    Ok(content)
}

/// One attribute into `out`; whether it is FHIR content (not a namespace declaration).
#[inline]
fn read_attribute(r: &Reader<'_>, attr: &Attr<'_>, out: &mut dyn Fields) -> Result<bool, Error> {
    if attr.name == "xmlns" {
        let ns = r.unescape(attr)?;
        if ns != FHIR_NS {
            let kind = ErrorKind::WrongNamespace {
                expected: FHIR_NS,
                found: ns.into_owned(),
            };
            return Err(r.error_at(kind, attr.at));
        }
        return Ok(false);
    }
    if is_xml_level(attr.name) {
        r.unescape(attr)?;
        out.unknown_mut()
            .push_xml_attribute(attr.name.to_owned(), attr.raw.to_owned());
        return Ok(false);
    }
    let value = r.unescape(attr)?;
    if !out.read_attr(attr.name, value, attr.at, r)? {
        if r.strict() {
            let e = r.error_at(ErrorKind::UnknownAttribute, attr.at);
            return Err(e.in_field(attr.name));
        }
        out.unknown_mut()
            .push_xml_attribute(attr.name.to_owned(), attr.raw.to_owned());
    }
    Ok(true)
}

/// Writes `v` as element `name`: attributes, children in definition order, then what lenient
/// XML reading kept (attributes on the element, elements after the typed children).
#[inline]
pub fn write_element<T: XmlComplex>(w: &mut Writer, name: &str, v: &T) {
    write_fields(w, name, v)
}

/// The object-safe part of [`XmlComplex`] that writing needs.
pub(crate) trait WriteFields {
    fn write_attrs(&self, w: &mut Writer);
    fn write_children(&self, w: &mut Writer);
    fn unknown(&self) -> &Unknown;
}

impl<T: XmlComplex> WriteFields for T {
    fn write_attrs(&self, w: &mut Writer) {
        XmlComplex::write_xml_attrs(self, w)
    }
    fn write_children(&self, w: &mut Writer) {
        XmlComplex::write_xml_children(self, w)
    }
    fn unknown(&self) -> &Unknown {
        crate::codec::Complex::unknown(self)
    }
}

pub(crate) fn write_fields(w: &mut Writer, name: &str, v: &dyn WriteFields) {
    w.start(name);
    v.write_attrs(w);
    let unknown = v.unknown();
    write_kept_attributes(w, unknown);
    v.write_children(w);
    write_kept_elements(w, unknown);
    w.end(name);
}

pub(crate) fn write_kept_attributes(w: &mut Writer, unknown: &Unknown) {
    if unknown.is_empty() {
        return;
    }
    for kept in unknown.xml() {
        if let crate::XmlKept::Attribute { name, value } = kept {
            w.attr_raw(name, value);
        }
    }
}

pub(crate) fn write_kept_elements(w: &mut Writer, unknown: &Unknown) {
    if unknown.is_empty() {
        return;
    }
    for kept in unknown.xml() {
        if let crate::XmlKept::Element { xml, .. } = kept {
            w.raw_element(xml);
        }
    }
    w.skip(unknown.count_foreign(true));
}
