//! The contract between the generated model and the XML reader and writer.
//!
//! The same shape as the JSON contract one level up: generated types implement the traits here
//! (`read_xml_attr`/`read_xml_child` match a name to a field and call one helper per shape of
//! field, `write_xml_attrs`/`write_xml_children` list the fields in definition order), and the
//! element loop in [`object`] is compiled once, not once per struct.
//!
//! What XML changes against JSON: a primitive is one element (`<birthDate id=".." value="..">`
//! with its extensions as children) instead of two properties; `Element.id` and
//! `Extension.url` are attributes; lists are repeated elements; a resource inside `contained`,
//! `Bundle.entry.resource` or `Parameters.parameter.resource` is wrapped in an element named by
//! its type; elements come in definition order; the narrative is embedded XHTML.

mod fields;
pub mod object;
mod values;

use std::borrow::Cow;

pub use object::{read_element, read_element_boxed, write_element};
pub use values::XmlValue;

use super::{Choice, Complex, ResourceValue};
use crate::Error;
use crate::xml::{Reader, Writer};

/// A generated struct, read from and written to an XML element.
pub trait XmlComplex: Complex {
    /// Reads attribute `name` (already unescaped) into the matching field; `Ok(false)` if none.
    /// `at` is the attribute's offset, for errors.
    fn read_xml_attr(
        &mut self,
        name: &str,
        value: Cow<'_, str>,
        at: usize,
        r: &Reader<'_>,
    ) -> Result<bool, Error> {
        let _ = (name, value, at, r);
        Ok(false)
    }
    /// Reads the pending child element `name` into the matching field; the field's position in
    /// definition order, or `None` if no field has that name (and nothing was consumed).
    fn read_xml_child(&mut self, name: &str, r: &mut Reader<'_>) -> Result<Option<u32>, Error>;
    /// Writes the fields that are attributes (`id`, `url`).
    fn write_xml_attrs(&self, w: &mut Writer) {
        let _ = w;
    }
    /// Writes every present field that is an element, in definition order.
    fn write_xml_children(&self, w: &mut Writer);
}

impl<T: XmlComplex> XmlComplex for Box<T> {
    fn read_xml_attr(
        &mut self,
        name: &str,
        value: Cow<'_, str>,
        at: usize,
        r: &Reader<'_>,
    ) -> Result<bool, Error> {
        (**self).read_xml_attr(name, value, at, r)
    }
    fn read_xml_child(&mut self, name: &str, r: &mut Reader<'_>) -> Result<Option<u32>, Error> {
        (**self).read_xml_child(name, r)
    }
    fn write_xml_attrs(&self, w: &mut Writer) {
        (**self).write_xml_attrs(w)
    }
    fn write_xml_children(&self, w: &mut Writer) {
        (**self).write_xml_children(w)
    }
}

/// A generated choice enum, read from and written to the element of its chosen type.
pub trait XmlChoice: Choice + Sized {
    /// Reads the pending child element `name` if it is one of this choice's; `Ok(false)`
    /// otherwise (and nothing was consumed).
    fn read_xml(slot: &mut Option<Self>, name: &str, r: &mut Reader<'_>) -> Result<bool, Error>;
    /// Writes the chosen variant as an element named by its type (e.g. `valueQuantity`).
    fn write_xml(&self, w: &mut Writer);
}

/// The generated `Resource` enum of a FHIR version, read from an element named by its type.
pub trait XmlResource: ResourceValue {
    /// Reads the pending element, dispatching on its name.
    fn read_xml(r: &mut Reader<'_>) -> Result<Self, Error>;
    /// Writes the resource as an element named by its type.
    fn write_xml(&self, w: &mut Writer);
}
