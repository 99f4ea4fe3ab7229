//! One reader and one writer helper per shape of field, called by the generated code.
//!
//! Every reader helper leaves its field as it was when it fails, so that lenient reading can go
//! back and keep the property verbatim instead.

use super::{
    Choice, Complex, Kind, PrimitiveValue, ResourceValue, read_boxed, read_object, write_object,
};
use crate::error::{Error, ErrorKind};
use crate::json::{Reader, Writer};
use crate::primitive::{ElementData, Primitive};

type Elem<E> = Option<Box<ElementData<E>>>;

mod sealed {
    /// Keeps the field-helper traits implemented by the model's own reader and writer only.
    pub trait Sealed {}
    impl Sealed for crate::json::Reader<'_> {}
    impl Sealed for crate::json::Writer {}
}
use sealed::Sealed;

impl Reader<'_> {
    fn duplicate(&self) -> Error {
        self.error(ErrorKind::Duplicate)
    }

    /// Walks a non-empty array, reading each item with `item`; errors name the item's index.
    /// Not generic, so that the array loop is compiled once.
    ///
    /// In lenient mode an item that does not fit is kept as JSON with its index (see
    /// [`crate::Unknown`]) and the others are still read; only when no item fits does the
    /// array fail as a whole (and is then kept whole). `item` must leave nothing of a failed
    /// item behind but, for primitive lists, its empty slot.
    fn array_items(
        &mut self,
        item: &mut dyn FnMut(&mut Self) -> Result<(), Error>,
    ) -> Result<usize, Error> {
        self.begin_array("array")?;
        let mark = self.kept_mark();
        let mut first = true;
        let mut index = 0;
        let mut first_error = None;
        while self.next_item(&mut first)? {
            let at = self.position();
            match item(self) {
                Ok(()) => {}
                Err(e) if !self.strict() && e.kind().is_recoverable() => {
                    self.rewind(at);
                    let raw = self.read_raw()?;
                    self.keep_item(index, raw);
                    first_error.get_or_insert(e.at_index(index));
                }
                Err(e) => return Err(e.at_index(index)),
            }
            index += 1;
        }
        if index == 0 {
            return Err(self.error(ErrorKind::EmptyArray));
        }
        if let Some(e) = first_error.filter(|_| self.kept_mark() - mark == index) {
            self.drop_kept_items(mark);
            return Err(e);
        }
        Ok(index)
    }

    fn attr(&mut self) -> Result<String, Error> {
        let at = self.position().0;
        let s = self.read_str()?;
        if s.is_empty() {
            let e = crate::value::InvalidValue::new("string", String::new(), "empty string");
            return Err(self.error_at(ErrorKind::InvalidValue(e), at));
        }
        Ok(s.into_owned())
    }

    /// The second array of a repeating primitive must have as many items as the first.
    fn check_twin(&self, at: usize, old_len: usize, len: usize) -> Result<(), Error> {
        if old_len > 0 && len != old_len {
            let kind = ErrorKind::MisalignedList {
                first: old_len,
                second: len,
            };
            return Err(self.error_at(kind, at));
        }
        Ok(())
    }

    /// Walks an array, handing each item's slot (created when the other half did not) to
    /// `item`; the number of items.
    fn prim_items<T, E>(
        &mut self,
        field: &mut Vec<Primitive<T, E>>,
        mut item: impl FnMut(&mut Self, &mut Primitive<T, E>) -> Result<(), Error>,
    ) -> Result<usize, Error> {
        let mut index = 0;
        self.array_items(&mut |r| {
            if field.len() <= index {
                push_exact(field, Primitive::default());
            }
            // Counted before reading: a failed item keeps its slot, as the other half's
            // item at this index belongs to it.
            index += 1;
            item(r, &mut field[index - 1])
        })
    }
}

/// The reader half of the field helpers: one method per shape of field.
///
/// Implemented for [`Reader`] only (sealed) and hidden: the generated code is its only caller, so
/// `Reader`'s documented API stays the token API.
#[doc(hidden)]
pub trait ReadFields: Sealed {
    /// An optional complex element (0..1).
    fn opt<T: Complex>(&mut self, field: &mut Option<T>) -> Result<(), Error>;

    /// A required complex element (1..1).
    fn req<T: Complex>(&mut self, field: &mut T) -> Result<(), Error>;

    /// A repeating complex element (0..* or 1..*).
    fn list<T: Complex>(&mut self, field: &mut Vec<T>) -> Result<(), Error>;

    /// An optional element holding any resource (e.g. `Bundle.entry.resource`).
    fn opt_resource<R: ResourceValue>(&mut self, field: &mut Option<R>) -> Result<(), Error>;

    /// A repeating element holding any resources (e.g. `contained`).
    fn list_resource<R: ResourceValue>(&mut self, field: &mut Vec<R>) -> Result<(), Error>;

    /// A plain string that JSON never splits (`Element.id`, `Extension.url`), optional.
    fn attr_opt(&mut self, field: &mut Option<String>) -> Result<(), Error>;

    /// A plain string that JSON never splits, required.
    fn attr_req(&mut self, field: &mut String) -> Result<(), Error>;

    /// The value half of an optional primitive (`"birthDate": ...`).
    fn prim_opt<T: PrimitiveValue, E>(
        &mut self,
        field: &mut Option<Primitive<T, E>>,
        kind: Kind,
    ) -> Result<(), Error>;

    /// The element half of an optional primitive (`"_birthDate": {...}`).
    fn prim_opt_ext<T, E: Complex>(
        &mut self,
        field: &mut Option<Primitive<T, E>>,
    ) -> Result<(), Error>;

    /// The value half of a required primitive.
    fn prim_req<T: PrimitiveValue, E>(
        &mut self,
        field: &mut Primitive<T, E>,
        kind: Kind,
    ) -> Result<(), Error>;

    /// The element half of a required primitive.
    fn prim_req_ext<T, E: Complex>(&mut self, field: &mut Primitive<T, E>) -> Result<(), Error>;

    /// The value half of a repeating primitive: `"given": ["Pieter", null]`, where `null` only
    /// keeps the place of an item that has extensions in `_given`.
    fn prim_list<T: PrimitiveValue, E>(
        &mut self,
        field: &mut Vec<Primitive<T, E>>,
        kind: Kind,
    ) -> Result<(), Error>;

    /// The element half of a repeating primitive: `"_given": [null, {"extension": [...]}]`.
    fn prim_list_ext<T, E: Complex>(
        &mut self,
        field: &mut Vec<Primitive<T, E>>,
    ) -> Result<(), Error>;

    /// A complex type of a choice element (e.g. `valueQuantity`).
    fn choice<C, V: Complex>(
        &mut self,
        slot: &mut Option<C>,
        make: fn(V) -> C,
    ) -> Result<(), Error>;

    /// The value half of a primitive type of a choice element (e.g. `valueString`).
    fn choice_prim<C, T: PrimitiveValue, E>(
        &mut self,
        slot: &mut Option<C>,
        kind: Kind,
        get: fn(&mut C) -> Option<&mut Primitive<T, E>>,
        make: fn(Primitive<T, E>) -> C,
    ) -> Result<(), Error>;

    /// The element half of a primitive type of a choice element (e.g. `_valueString`).
    fn choice_prim_ext<C, T, E: Complex>(
        &mut self,
        slot: &mut Option<C>,
        get: fn(&mut C) -> Option<&mut Primitive<T, E>>,
        make: fn(Primitive<T, E>) -> C,
    ) -> Result<(), Error>;

    /// The `resourceType` property inside a resource being read as its own type.
    fn resource_type(&mut self, expected: &'static str) -> Result<(), Error>;
}

impl ReadFields for Reader<'_> {
    #[inline(never)]
    fn opt<T: Complex>(&mut self, field: &mut Option<T>) -> Result<(), Error> {
        if field.is_some() {
            return Err(self.duplicate());
        }
        let mut v = T::blank();
        read_object(self, &mut v)?;
        *field = Some(v);
        Ok(())
    }

    #[inline(never)]
    fn req<T: Complex>(&mut self, field: &mut T) -> Result<(), Error> {
        if !field.is_empty() {
            return Err(self.duplicate());
        }
        let mut v = T::blank();
        read_object(self, &mut v)?;
        *field = v;
        Ok(())
    }

    #[inline(never)]
    fn list<T: Complex>(&mut self, field: &mut Vec<T>) -> Result<(), Error> {
        if !field.is_empty() {
            return Err(self.duplicate());
        }
        let result = self.array_items(&mut |r| {
            let mut v = T::blank();
            read_object(r, &mut v)?;
            push_exact(field, v);
            Ok(())
        });
        settle(field, result)
    }

    #[inline(never)]
    fn opt_resource<R: ResourceValue>(&mut self, field: &mut Option<R>) -> Result<(), Error> {
        if field.is_some() {
            return Err(self.duplicate());
        }
        *field = Some(R::read_json(self)?);
        Ok(())
    }

    #[inline(never)]
    fn list_resource<R: ResourceValue>(&mut self, field: &mut Vec<R>) -> Result<(), Error> {
        if !field.is_empty() {
            return Err(self.duplicate());
        }
        let result = self.array_items(&mut |r| {
            push_exact(field, R::read_json(r)?);
            Ok(())
        });
        settle(field, result)
    }

    #[inline(never)]
    fn attr_opt(&mut self, field: &mut Option<String>) -> Result<(), Error> {
        if field.is_some() {
            return Err(self.duplicate());
        }
        *field = Some(self.attr()?);
        Ok(())
    }

    #[inline(never)]
    fn attr_req(&mut self, field: &mut String) -> Result<(), Error> {
        if !field.is_empty() {
            return Err(self.duplicate());
        }
        *field = self.attr()?;
        Ok(())
    }

    #[inline(never)]
    fn prim_opt<T: PrimitiveValue, E>(
        &mut self,
        field: &mut Option<Primitive<T, E>>,
        kind: Kind,
    ) -> Result<(), Error> {
        match field {
            Some(p) => self.prim_req(p, kind),
            None => {
                *field = Some(Primitive::new(T::read(self, kind)?));
                Ok(())
            }
        }
    }

    #[inline(never)]
    fn prim_opt_ext<T, E: Complex>(
        &mut self,
        field: &mut Option<Primitive<T, E>>,
    ) -> Result<(), Error> {
        match field {
            Some(p) => self.prim_req_ext(p),
            None => {
                let element = read_boxed(self)?;
                *field = Some(Primitive {
                    value: None,
                    element: Some(element),
                });
                Ok(())
            }
        }
    }

    #[inline(never)]
    fn prim_req<T: PrimitiveValue, E>(
        &mut self,
        field: &mut Primitive<T, E>,
        kind: Kind,
    ) -> Result<(), Error> {
        if field.value.is_some() {
            return Err(self.duplicate());
        }
        field.value = Some(T::read(self, kind)?);
        Ok(())
    }

    #[inline(never)]
    fn prim_req_ext<T, E: Complex>(&mut self, field: &mut Primitive<T, E>) -> Result<(), Error> {
        if field.element.is_some() {
            return Err(self.duplicate());
        }
        field.element = Some(read_boxed(self)?);
        Ok(())
    }

    #[inline(never)]
    fn prim_list<T: PrimitiveValue, E>(
        &mut self,
        field: &mut Vec<Primitive<T, E>>,
        kind: Kind,
    ) -> Result<(), Error> {
        // Slots without any element half come from an earlier value array (of nulls only).
        let values_read = !field.is_empty() && !field.iter().any(|p| p.element.is_some());
        if values_read || field.iter().any(|p| p.value.is_some()) {
            return Err(self.duplicate());
        }
        let at = self.position().0;
        let old_len = field.len();
        let result = self.prim_items(field, |r, p| {
            if !r.take_null()? {
                p.value = Some(T::read(r, kind)?);
            }
            Ok(())
        });
        let result = result.and_then(|len| {
            self.check_twin(at, old_len, len)?;
            // Nulls only, next to a `_given`: the writer would leave the array out, so lenient
            // reading keeps it as written instead.
            let nulls_only = !field.iter().any(|p| p.value.is_some());
            if nulls_only && old_len > 0 && !self.strict() {
                return Err(self.error_at(ErrorKind::Null, at));
            }
            Ok(())
        });
        if result.is_err() {
            field.truncate(old_len);
            field.iter_mut().for_each(|p| p.value = None);
        }
        field.shrink_to_fit();
        result
    }

    #[inline(never)]
    fn prim_list_ext<T, E: Complex>(
        &mut self,
        field: &mut Vec<Primitive<T, E>>,
    ) -> Result<(), Error> {
        if field.iter().any(|p| p.element.is_some()) {
            return Err(self.duplicate());
        }
        let at = self.position().0;
        let old_len = field.len();
        let result = self.prim_items(field, |r, p| {
            if !r.take_null()? {
                p.element = Some(read_boxed(r)?);
            }
            Ok(())
        });
        let result = result.and_then(|len| {
            self.check_twin(at, old_len, len)?;
            // Nulls only: nothing to keep the place of, and the writer would turn it into
            // `given` nulls; next to `given` nulls only, the writer would drop the `given`.
            let nulls_only = !field.iter().any(|p| p.element.is_some());
            let values = field.iter().any(|p| p.value.is_some());
            if nulls_only || (old_len > 0 && !values && !self.strict()) {
                return Err(self.error_at(ErrorKind::Null, at));
            }
            Ok(())
        });
        if result.is_err() {
            field.truncate(old_len);
            field.iter_mut().for_each(|p| p.element = None);
        }
        field.shrink_to_fit();
        result
    }

    #[inline(never)]
    fn choice<C, V: Complex>(
        &mut self,
        slot: &mut Option<C>,
        make: fn(V) -> C,
    ) -> Result<(), Error> {
        if slot.is_some() {
            return Err(self.error(ErrorKind::ConflictingChoice));
        }
        let mut v = V::blank();
        read_object(self, &mut v)?;
        *slot = Some(make(v));
        Ok(())
    }

    #[inline(never)]
    fn choice_prim<C, T: PrimitiveValue, E>(
        &mut self,
        slot: &mut Option<C>,
        kind: Kind,
        get: fn(&mut C) -> Option<&mut Primitive<T, E>>,
        make: fn(Primitive<T, E>) -> C,
    ) -> Result<(), Error> {
        match slot {
            Some(chosen) => match get(chosen) {
                Some(p) => self.prim_req(p, kind),
                None => Err(self.error(ErrorKind::ConflictingChoice)),
            },
            None => {
                *slot = Some(make(Primitive::new(T::read(self, kind)?)));
                Ok(())
            }
        }
    }

    #[inline(never)]
    fn choice_prim_ext<C, T, E: Complex>(
        &mut self,
        slot: &mut Option<C>,
        get: fn(&mut C) -> Option<&mut Primitive<T, E>>,
        make: fn(Primitive<T, E>) -> C,
    ) -> Result<(), Error> {
        match slot {
            Some(chosen) => match get(chosen) {
                Some(p) => self.prim_req_ext(p),
                None => Err(self.error(ErrorKind::ConflictingChoice)),
            },
            None => {
                let element: Elem<E> = Some(read_boxed(self)?);
                *slot = Some(make(Primitive {
                    value: None,
                    element,
                }));
                Ok(())
            }
        }
    }

    #[inline(never)]
    fn resource_type(&mut self, expected: &'static str) -> Result<(), Error> {
        let at = self.position().0;
        let found = self.read_str()?;
        if found != expected {
            let kind = ErrorKind::WrongResourceType {
                expected,
                found: found.into_owned(),
            };
            return Err(self.error_at(kind, at));
        }
        Ok(())
    }
}

impl Writer {
    /// A list of `len` typed items with, at their input indices, the items kept as JSON.
    /// Not generic, so that this rare path is compiled once.
    fn list_with_kept(
        &mut self,
        key: &str,
        len: usize,
        write_typed: &mut dyn FnMut(&mut Self, usize),
    ) {
        let kept = self.kept_items_of(key);
        if len == 0 && kept.is_empty() {
            return;
        }
        self.key(key);
        self.begin_array();
        let mut kept = kept.into_iter().peekable();
        let mut typed = 0;
        for at in 0..len + kept.len() {
            self.item();
            match kept.next_if(|(index, _)| *index == at) {
                Some((_, raw)) => self.raw_value(&raw),
                None if typed < len => {
                    write_typed(self, typed);
                    typed += 1;
                }
                // Indices past the typed items (not produced by reading): in their order.
                None => {
                    if let Some((_, raw)) = kept.next() {
                        self.raw_value(&raw);
                    }
                }
            }
        }
        self.end_array();
    }
}

/// The writer half of the field helpers: one method per shape of field.
///
/// Implemented for [`Writer`] only (sealed) and hidden: the generated code is its only caller, so
/// `Writer`'s documented API stays the token API.
#[doc(hidden)]
pub trait WriteFields: Sealed {
    /// An optional complex element.
    fn opt<T: Complex>(&mut self, key: &str, field: &Option<T>);

    /// A required complex element; left out while empty (absent in lenient input).
    fn req<T: Complex>(&mut self, key: &str, field: &T);

    /// A repeating complex element.
    fn list<T: Complex>(&mut self, key: &str, field: &[T]);

    /// An optional resource.
    fn opt_resource<R: ResourceValue>(&mut self, key: &str, field: &Option<R>);

    /// Repeating resources.
    fn list_resource<R: ResourceValue>(&mut self, key: &str, field: &[R]);

    /// An optional plain string.
    fn attr_opt(&mut self, key: &str, field: &Option<String>);

    /// A required plain string; left out while empty.
    fn attr_req(&mut self, key: &str, field: &str);

    /// An optional primitive: its value under `key`, its id and extensions under `ext_key`.
    fn prim_opt<T: PrimitiveValue, E: Complex>(
        &mut self,
        key: &str,
        ext_key: &str,
        field: &Option<Primitive<T, E>>,
    );

    /// A required primitive.
    fn prim_req<T: PrimitiveValue, E: Complex>(
        &mut self,
        key: &str,
        ext_key: &str,
        field: &Primitive<T, E>,
    );

    /// A repeating primitive: the value array and the element array, aligned with `null`s.
    fn prim_list<T: PrimitiveValue, E: Complex>(
        &mut self,
        key: &str,
        ext_key: &str,
        field: &[Primitive<T, E>],
    );

    /// An optional choice element.
    fn choice_opt<C: Choice>(&mut self, field: &Option<C>);

    /// A required choice element; left out while empty.
    fn choice_req<C: Choice>(&mut self, field: &C);
}

impl WriteFields for Writer {
    #[inline(never)]
    fn opt<T: Complex>(&mut self, key: &str, field: &Option<T>) {
        if let Some(v) = field {
            self.key(key);
            write_object(self, v);
        }
    }

    #[inline(never)]
    fn req<T: Complex>(&mut self, key: &str, field: &T) {
        if !field.is_empty() {
            self.key(key);
            write_object(self, field);
        }
    }

    #[inline(never)]
    fn list<T: Complex>(&mut self, key: &str, field: &[T]) {
        if self.has_kept_items() {
            return self.list_with_kept(key, field.len(), &mut |w, i| write_object(w, &field[i]));
        }
        if field.is_empty() {
            return;
        }
        self.key(key);
        self.begin_array();
        for v in field {
            self.item();
            write_object(self, v);
        }
        self.end_array();
    }

    #[inline(never)]
    fn opt_resource<R: ResourceValue>(&mut self, key: &str, field: &Option<R>) {
        if let Some(v) = field {
            self.key(key);
            v.write_json(self);
        }
    }

    #[inline(never)]
    fn list_resource<R: ResourceValue>(&mut self, key: &str, field: &[R]) {
        if self.has_kept_items() {
            return self.list_with_kept(key, field.len(), &mut |w, i| field[i].write_json(w));
        }
        if field.is_empty() {
            return;
        }
        self.key(key);
        self.begin_array();
        for v in field {
            self.item();
            v.write_json(self);
        }
        self.end_array();
    }

    #[inline(never)]
    fn attr_opt(&mut self, key: &str, field: &Option<String>) {
        if let Some(v) = field {
            self.key(key);
            self.str(v);
        }
    }

    #[inline(never)]
    fn attr_req(&mut self, key: &str, field: &str) {
        if !field.is_empty() {
            self.key(key);
            self.str(field);
        }
    }

    #[inline(never)]
    fn prim_opt<T: PrimitiveValue, E: Complex>(
        &mut self,
        key: &str,
        ext_key: &str,
        field: &Option<Primitive<T, E>>,
    ) {
        if let Some(p) = field {
            self.prim_req(key, ext_key, p);
        }
    }

    #[inline(never)]
    fn prim_req<T: PrimitiveValue, E: Complex>(
        &mut self,
        key: &str,
        ext_key: &str,
        field: &Primitive<T, E>,
    ) {
        if let Some(v) = &field.value {
            self.key(key);
            v.write(self);
        }
        if let Some(e) = field.element.as_deref().filter(|e| !e.is_empty()) {
            self.key(ext_key);
            write_object(self, e);
        }
    }

    #[inline(never)]
    fn prim_list<T: PrimitiveValue, E: Complex>(
        &mut self,
        key: &str,
        ext_key: &str,
        field: &[Primitive<T, E>],
    ) {
        if field.is_empty() {
            return;
        }
        let (kept_values, kept_elements) = if self.has_kept_items() {
            (self.kept_items_of(key), self.kept_items_of(ext_key))
        } else {
            (Vec::new(), Vec::new())
        };
        let has_element = |p: &Primitive<T, E>| p.element.as_deref().is_some_and(|e| !e.is_empty());
        let any_value = field.iter().any(|p| p.value.is_some()) || !kept_values.is_empty();
        let any_element = field.iter().any(has_element) || !kept_elements.is_empty();
        // Items with neither half (read from bare `null`s) still need the value array to exist.
        if any_value || !any_element {
            self.key(key);
            self.begin_array();
            let mut kept = kept_values.into_iter().peekable();
            for (at, p) in field.iter().enumerate() {
                self.item();
                match (kept.next_if(|(i, _)| *i == at), &p.value) {
                    (Some((_, raw)), _) => self.raw_value(&raw),
                    (None, Some(v)) => v.write(self),
                    (None, None) => self.null(),
                }
            }
            self.end_array();
        }
        if any_element {
            self.key(ext_key);
            self.begin_array();
            let mut kept = kept_elements.into_iter().peekable();
            for (at, p) in field.iter().enumerate() {
                self.item();
                match (
                    kept.next_if(|(i, _)| *i == at),
                    p.element.as_deref().filter(|e| !e.is_empty()),
                ) {
                    (Some((_, raw)), _) => self.raw_value(&raw),
                    (None, Some(e)) => write_object(self, e),
                    (None, None) => self.null(),
                }
            }
            self.end_array();
        }
    }

    #[inline(never)]
    fn choice_opt<C: Choice>(&mut self, field: &Option<C>) {
        if let Some(c) = field {
            c.write_json(self);
        }
    }

    #[inline(never)]
    fn choice_req<C: Choice>(&mut self, field: &C) {
        if !field.is_empty() {
            field.write_json(self);
        }
    }
}

/// Pushes without the doubling growth's slack for the first item: most FHIR lists hold one
/// item, and `Vec`'s default first allocation has room for four large structs.
fn push_exact<T>(field: &mut Vec<T>, item: T) {
    if field.capacity() == 0 {
        field.reserve_exact(1);
    }
    field.push(item);
}

/// Ends the reading of a list: on error nothing half-read is kept; on success the slack of
/// the growth is given back, since a parsed model is read far more often than it grows.
fn settle<T>(field: &mut Vec<T>, result: Result<usize, Error>) -> Result<(), Error> {
    if result.is_err() {
        field.clear();
    }
    field.shrink_to_fit();
    result.map(drop)
}
