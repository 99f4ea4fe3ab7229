//! One reader and one writer helper per shape of field, called by the generated XML code.
//!
//! A reader helper is called with the start tag of the field's element pending and reads that
//! one element (a list helper adds one item). It leaves its field as it was when it fails, so
//! that lenient reading can keep the element as written instead.

use std::borrow::Cow;

use super::object::{Fields, read_fields, write_kept_attributes, write_kept_elements};
use super::{XmlChoice, XmlComplex, XmlResource, XmlValue, read_element, write_element};
use crate::Unknown;
use crate::codec::Kind;
use crate::error::{Error, ErrorKind};
use crate::primitive::{ElementData, Primitive};
use crate::xml::{Reader, Writer, XHTML_NS};

impl<'a> Reader<'a> {
    fn duplicate(&self) -> Error {
        let at = self.pending().map_or(self.position(), |p| p.at);
        self.error_at(ErrorKind::Duplicate, at)
    }

    /// An optional complex element (0..1).
    #[inline(never)]
    pub fn opt<T: XmlComplex>(&mut self, field: &mut Option<T>) -> Result<(), Error> {
        if field.is_some() {
            return Err(self.duplicate());
        }
        // Read in place: a large struct is not built on the stack and then moved.
        let v = field.insert(T::blank());
        if let Err(e) = read_element(self, v) {
            *field = None;
            return Err(e);
        }
        Ok(())
    }

    /// A required complex element (1..1).
    #[inline(never)]
    pub fn req<T: XmlComplex>(&mut self, field: &mut T) -> Result<(), Error> {
        if !field.is_empty() {
            return Err(self.duplicate());
        }
        if let Err(e) = read_element(self, field) {
            *field = T::blank();
            return Err(e);
        }
        Ok(())
    }

    /// One item of a repeating complex element (0..* or 1..*).
    #[inline(never)]
    pub fn list<T: XmlComplex>(&mut self, field: &mut Vec<T>) -> Result<(), Error> {
        let index = field.len();
        field.push(T::blank());
        if let Err(e) = read_element(self, &mut field[index]) {
            field.pop();
            return Err(e.at_index(index));
        }
        Ok(())
    }

    /// The one resource inside a wrapper element (`<resource><Patient>...</Patient></resource>`).
    fn wrapped_resource<R: XmlResource>(&mut self) -> Result<R, Error> {
        let wrapper = self.take_start();
        for attr in self.attributes(&wrapper) {
            let attr = attr?;
            if attr.name != "xmlns" {
                return Err(self
                    .error_at(ErrorKind::UnknownAttribute, attr.at)
                    .in_field(attr.name));
            }
        }
        if wrapper.empty {
            return Err(self.error_at(ErrorKind::EmptyElement, wrapper.at));
        }
        if self.next_child()?.is_none() {
            return Err(self.error_at(ErrorKind::EmptyElement, wrapper.at));
        }
        let resource = R::read_xml(self)?;
        if self.next_child()?.is_some() {
            let at = self.pending().map_or(self.position(), |p| p.at);
            return Err(self.error_at(ErrorKind::Duplicate, at));
        }
        Ok(resource)
    }

    /// An optional element holding any resource (e.g. `Bundle.entry.resource`).
    #[inline(never)]
    pub fn opt_resource<R: XmlResource>(&mut self, field: &mut Option<R>) -> Result<(), Error> {
        if field.is_some() {
            return Err(self.duplicate());
        }
        *field = Some(self.wrapped_resource()?);
        Ok(())
    }

    /// One item of a repeating element holding any resources (e.g. `contained`).
    #[inline(never)]
    pub fn list_resource<R: XmlResource>(&mut self, field: &mut Vec<R>) -> Result<(), Error> {
        let resource = self
            .wrapped_resource()
            .map_err(|e| e.at_index(field.len()))?;
        field.push(resource);
        Ok(())
    }

    /// A plain string attribute (`Element.id`, `Extension.url`), optional.
    #[inline(never)]
    pub fn attr_opt(
        &self,
        field: &mut Option<String>,
        value: Cow<'_, str>,
        at: usize,
    ) -> Result<(), Error> {
        *field = Some(self.attr_text(value, at)?);
        Ok(())
    }

    /// A plain string attribute, required.
    #[inline(never)]
    pub fn attr_req(
        &self,
        field: &mut String,
        value: Cow<'_, str>,
        at: usize,
    ) -> Result<(), Error> {
        *field = self.attr_text(value, at)?;
        Ok(())
    }

    fn attr_text(&self, value: Cow<'_, str>, at: usize) -> Result<String, Error> {
        if value.is_empty() {
            let e = crate::value::InvalidValue::new("string", String::new(), "empty string");
            return Err(self.error_at(ErrorKind::InvalidValue(e), at));
        }
        Ok(value.into_owned())
    }

    /// Reads a primitive element: `value` and `id` attributes, `extension` children.
    fn primitive<T: XmlValue, E: XmlComplex>(
        &mut self,
        kind: Kind,
    ) -> Result<Primitive<T, E>, Error> {
        // `<name value="..."/>`, the most common element of all, without the element loop.
        if let Some(start) = self.pending().filter(|s| s.empty) {
            if let Some(attr) = start.only_attribute().filter(|a| a.name == "value") {
                let attr = attr.clone();
                self.take_start();
                let value = self.unescape(&attr)?;
                let v = T::parse_xml(value, kind, self.strict())
                    .map_err(|kind| self.error_at(kind, attr.at))?;
                return Ok(Primitive {
                    value: Some(v),
                    element: None,
                });
            }
        }
        let mut slot = PrimitiveSlot::<T, E> {
            value: None,
            kind,
            element: ElementData::default(),
        };
        read_fields(self, &mut slot)?;
        let element = if slot.element.is_empty() {
            None
        } else {
            Some(Box::new(slot.element))
        };
        Ok(Primitive {
            value: slot.value,
            element,
        })
    }

    /// An optional primitive (0..1).
    #[inline(never)]
    pub fn prim_opt<T: XmlValue, E: XmlComplex>(
        &mut self,
        field: &mut Option<Primitive<T, E>>,
        kind: Kind,
    ) -> Result<(), Error> {
        if field.is_some() {
            return Err(self.duplicate());
        }
        *field = Some(self.primitive(kind)?);
        Ok(())
    }

    /// A required primitive (1..1).
    #[inline(never)]
    pub fn prim_req<T: XmlValue, E: XmlComplex>(
        &mut self,
        field: &mut Primitive<T, E>,
        kind: Kind,
    ) -> Result<(), Error> {
        if !field.is_empty() {
            return Err(self.duplicate());
        }
        *field = self.primitive(kind)?;
        Ok(())
    }

    /// One item of a repeating primitive; an item with only an id or extensions is the XML
    /// form of JSON's `null` in the value array.
    #[inline(never)]
    pub fn prim_list<T: XmlValue, E: XmlComplex>(
        &mut self,
        field: &mut Vec<Primitive<T, E>>,
        kind: Kind,
    ) -> Result<(), Error> {
        let p = self.primitive(kind).map_err(|e| e.at_index(field.len()))?;
        field.push(p);
        Ok(())
    }

    /// The narrative's `div`, kept as written, start tag to end tag (the string JSON holds).
    fn xhtml(&mut self) -> Result<String, Error> {
        let at = self.pending().map_or(self.position(), |p| p.at);
        let start = self.pending().expect("called on a pending start tag");
        let mut ns = None;
        for attr in self.attributes(start) {
            let attr = attr?;
            if attr.name == "xmlns" {
                ns = Some(self.unescape(&attr)?.into_owned());
            }
        }
        if ns.as_deref() != Some(XHTML_NS) && self.strict() {
            let kind = ErrorKind::WrongNamespace {
                expected: XHTML_NS,
                found: ns.unwrap_or_default(),
            };
            return Err(self.error_at(kind, at));
        }
        Ok(self.raw_element()?.to_owned())
    }

    /// An optional XHTML element.
    #[inline(never)]
    pub fn xhtml_opt<E>(&mut self, field: &mut Option<Primitive<String, E>>) -> Result<(), Error> {
        if field.is_some() {
            return Err(self.duplicate());
        }
        *field = Some(Primitive::new(self.xhtml()?));
        Ok(())
    }

    /// A required XHTML element (`Narrative.div`).
    #[inline(never)]
    pub fn xhtml_req<E>(&mut self, field: &mut Primitive<String, E>) -> Result<(), Error> {
        if field.value.is_some() {
            return Err(self.duplicate());
        }
        field.value = Some(self.xhtml()?);
        Ok(())
    }

    /// A complex type of a choice element (e.g. `valueQuantity`).
    #[inline(never)]
    pub fn choice<C, V: XmlComplex>(
        &mut self,
        slot: &mut Option<C>,
        make: fn(V) -> C,
    ) -> Result<(), Error> {
        if slot.is_some() {
            let at = self.pending().map_or(self.position(), |p| p.at);
            return Err(self.error_at(ErrorKind::ConflictingChoice, at));
        }
        let mut v = V::blank();
        read_element(self, &mut v)?;
        *slot = Some(make(v));
        Ok(())
    }

    /// A primitive type of a choice element (e.g. `valueString`).
    #[inline(never)]
    pub fn choice_prim<C, T: XmlValue, E: XmlComplex>(
        &mut self,
        slot: &mut Option<C>,
        kind: Kind,
        make: fn(Primitive<T, E>) -> C,
    ) -> Result<(), Error> {
        if slot.is_some() {
            let at = self.pending().map_or(self.position(), |p| p.at);
            return Err(self.error_at(ErrorKind::ConflictingChoice, at));
        }
        *slot = Some(make(self.primitive(kind)?));
        Ok(())
    }

    /// A required choice read like an optional one: a blank value counts as absent.
    #[inline(never)]
    pub fn choice_req<C: XmlChoice>(&mut self, field: &mut C, name: &str) -> Result<bool, Error> {
        crate::codec::required_choice(field, |slot| C::read_xml(slot, name, self))
    }
}

/// A primitive element being read: the value goes to `value`, the rest to `element`.
struct PrimitiveSlot<T, E> {
    value: Option<T>,
    kind: Kind,
    element: ElementData<E>,
}

impl<T: XmlValue, E: XmlComplex> Fields for PrimitiveSlot<T, E> {
    fn read_attr(
        &mut self,
        name: &str,
        value: Cow<'_, str>,
        at: usize,
        r: &Reader<'_>,
    ) -> Result<bool, Error> {
        match name {
            "value" => {
                let v = T::parse_xml(value, self.kind, r.strict())
                    .map_err(|kind| r.error_at(kind, at))?;
                self.value = Some(v);
            }
            "id" => r.attr_opt(&mut self.element.id, value, at)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
    fn read_child(&mut self, name: &str, r: &mut Reader<'_>) -> Result<Option<u32>, Error> {
        if name != "extension" {
            return Ok(None);
        }
        r.list(&mut self.element.extension)?;
        Ok(Some(0))
    }
    fn unknown_mut(&mut self) -> &mut Unknown {
        &mut self.element.unknown
    }
    fn missing_required(&self) -> Option<&'static str> {
        None
    }
}

impl Writer {
    /// An optional complex element.
    #[inline(never)]
    pub fn opt<T: XmlComplex>(&mut self, name: &str, field: &Option<T>) {
        if let Some(v) = field {
            write_element(self, name, v);
        }
    }

    /// A required complex element; left out while empty (absent in lenient input).
    #[inline(never)]
    pub fn req<T: XmlComplex>(&mut self, name: &str, field: &T) {
        if !field.is_empty() {
            write_element(self, name, field);
        }
    }

    /// A repeating complex element.
    #[inline(never)]
    pub fn list<T: XmlComplex>(&mut self, name: &str, field: &[T]) {
        for v in field {
            write_element(self, name, v);
        }
    }

    /// An optional resource, wrapped in element `name`.
    #[inline(never)]
    pub fn opt_resource<R: XmlResource>(&mut self, name: &str, field: &Option<R>) {
        if let Some(v) = field {
            self.start(name);
            v.write_xml(self);
            self.end(name);
        }
    }

    /// Repeating resources, each wrapped in element `name`.
    #[inline(never)]
    pub fn list_resource<R: XmlResource>(&mut self, name: &str, field: &[R]) {
        for v in field {
            self.start(name);
            v.write_xml(self);
            self.end(name);
        }
    }

    /// An optional string attribute.
    #[inline(never)]
    pub fn attr_opt(&mut self, name: &str, field: &Option<String>) {
        if let Some(v) = field {
            self.attr(name, v);
        }
    }

    /// A required string attribute; left out while empty.
    #[inline(never)]
    pub fn attr_req(&mut self, name: &str, field: &str) {
        if !field.is_empty() {
            self.attr(name, field);
        }
    }

    /// An optional primitive.
    #[inline(never)]
    pub fn prim_opt<T: XmlValue, E: XmlComplex>(
        &mut self,
        name: &str,
        field: &Option<Primitive<T, E>>,
    ) {
        if let Some(p) = field {
            self.primitive(name, p);
        }
    }

    /// A required primitive; left out while empty.
    #[inline(never)]
    pub fn prim_req<T: XmlValue, E: XmlComplex>(&mut self, name: &str, field: &Primitive<T, E>) {
        self.primitive(name, field);
    }

    /// A repeating primitive: one element per item.
    #[inline(never)]
    pub fn prim_list<T: XmlValue, E: XmlComplex>(&mut self, name: &str, field: &[Primitive<T, E>]) {
        for p in field {
            self.primitive(name, p);
        }
    }

    fn primitive<T: XmlValue, E: XmlComplex>(&mut self, name: &str, p: &Primitive<T, E>) {
        if p.is_empty() {
            return;
        }
        let element = p.element.as_deref();
        if let (None, Some(v)) = (element, &p.value) {
            self.value_element(name, &v.xml_text());
            return;
        }
        self.start(name);
        if let Some(id) = element.and_then(|e| e.id.as_deref()) {
            self.attr("id", id);
        }
        if let Some(v) = &p.value {
            self.attr("value", &v.xml_text());
        }
        if let Some(e) = element {
            write_kept_attributes(self, &e.unknown);
            for ext in &e.extension {
                write_element(self, "extension", ext);
            }
            write_kept_elements(self, &e.unknown);
        }
        self.end(name);
    }

    /// An optional XHTML element, written as it is held.
    #[inline(never)]
    pub fn xhtml_opt<E>(&mut self, field: &Option<Primitive<String, E>>) {
        if let Some(p) = field {
            self.xhtml_req(p);
        }
    }

    /// A required XHTML element (`Narrative.div`), written as it is held.
    #[inline(never)]
    pub fn xhtml_req<E>(&mut self, field: &Primitive<String, E>) {
        if let Some(div) = &field.value {
            self.raw_element(div);
        }
        // XML gives the narrative no place for an id or extensions.
        if field.element.as_ref().is_some_and(|e| !e.is_empty()) {
            self.skip(1);
        }
    }

    /// An optional choice element.
    #[inline(never)]
    pub fn choice_opt<C: XmlChoice>(&mut self, field: &Option<C>) {
        if let Some(c) = field {
            c.write_xml(self);
        }
    }

    /// A required choice element; left out while empty.
    #[inline(never)]
    pub fn choice_req<C: XmlChoice>(&mut self, field: &C) {
        if !field.is_empty() {
            field.write_xml(self);
        }
    }
}
