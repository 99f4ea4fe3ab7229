//! A pull reader of FHIR XML over text: quick-xml tokenizes, this walks elements and attributes.
//!
//! The generated code sees a tree of elements: [`Reader::next_child`] gives the name of the next
//! child of the element being read (or `None` at its end tag), and the element's start tag waits
//! in the reader until a field helper takes it ([`Reader::take_start`]). White space between
//! elements, comments and processing instructions are skipped; anything else outside the
//! narrative (text, CDATA) is an error, as FHIR elements carry their data in attributes.
//!
//! Hostile input: a document type declaration is refused (so neither external entities nor
//! entity expansion can happen), entity references other than XML's five and character
//! references are errors, and elements nest at most as deep as JSON objects may.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};

use crate::ParseOptions;
use crate::error::{Error, ErrorKind};

/// The FHIR namespace, of every element outside the narrative.
pub const FHIR_NS: &str = "http://hl7.org/fhir";
/// The XHTML namespace, of the narrative's `div`.
pub const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// As deep as the JSON reader lets objects nest.
const MAX_DEPTH: u32 = 256;

/// A start tag the reader has met and the generated code has not consumed yet.
pub struct Start<'a> {
    tag: BytesStart<'a>,
    /// Whether it was `<name/>`, with no end tag to come.
    pub empty: bool,
    /// The byte offset of its `<`.
    pub at: usize,
    /// The depth of the element's content (the reader's depth while inside it).
    pub depth: u32,
}

/// One attribute of a start tag.
pub struct Attr<'a> {
    /// The name as written, prefix included.
    pub name: &'a str,
    /// The value as written, still escaped.
    pub raw: &'a str,
    /// The byte offset of the name.
    pub at: usize,
}

impl<'a> Start<'a> {
    /// The element's name as written (with its prefix, if any).
    pub fn name(&self, input: &'a str) -> &'a str {
        let len = self.tag.name().as_ref().len();
        &input[self.at + 1..self.at + 1 + len]
    }
}

/// Reads FHIR XML; driven by the generated code through the field helpers.
pub struct Reader<'a> {
    input: &'a str,
    tok: quick_xml::Reader<&'a [u8]>,
    strict: bool,
    /// Elements open (start tag read, end tag not yet).
    depth: u32,
    /// The start tag [`Reader::next_child`] returned, until a helper takes it.
    pending: Option<Start<'a>>,
    /// A prefix the root bound to the FHIR namespace (`<f:Patient xmlns:f="...">`), if any.
    fhir_prefix: Option<&'a str>,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `input`.
    pub fn new(input: &'a str, options: ParseOptions) -> Reader<'a> {
        // Offsets count from the start of `input`: the caller strips a byte order mark first.
        let mut tok = quick_xml::Reader::from_str(input);
        let config = tok.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;
        Reader {
            input,
            tok,
            strict: options.strict,
            depth: 0,
            pending: None,
            fhir_prefix: None,
        }
    }

    /// Whether this is strict reading.
    pub fn strict(&self) -> bool {
        self.strict
    }

    /// The whole input, for slices of raw XML.
    pub fn input(&self) -> &'a str {
        self.input
    }

    /// The byte offset reached.
    pub fn position(&self) -> usize {
        usize::try_from(self.tok.buffer_position()).unwrap_or(usize::MAX)
    }

    /// Elements open around the reader's position.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// An error of `kind` at byte `offset`.
    pub fn error_at(&self, kind: ErrorKind, offset: usize) -> Error {
        Error::new(kind, offset)
    }

    fn syntax(&self, e: quick_xml::Error) -> Error {
        let at = usize::try_from(self.tok.error_position()).unwrap_or(0);
        let kind = match &e {
            quick_xml::Error::Syntax(quick_xml::errors::SyntaxError::UnclosedTag)
            | quick_xml::Error::Syntax(_)
                if self.position() >= self.input.len() =>
            {
                ErrorKind::UnexpectedEnd
            }
            quick_xml::Error::Escape(esc) => return self.escape_error(esc, at),
            _ => ErrorKind::XmlSyntax(e.to_string()),
        };
        Error::new(kind, at)
    }

    fn escape_error(&self, e: &quick_xml::escape::EscapeError, at: usize) -> Error {
        let kind = match e {
            quick_xml::escape::EscapeError::UnrecognizedEntity(_, name) => {
                ErrorKind::UndefinedEntity(name.clone())
            }
            other => ErrorKind::XmlSyntax(other.to_string()),
        };
        Error::new(kind, at)
    }

    /// The next event, with the offset where it starts.
    fn event(&mut self) -> Result<(Event<'a>, usize), Error> {
        let at = self.position();
        match self.tok.read_event() {
            Ok(ev) => Ok((ev, at)),
            Err(e) => Err(self.syntax(e)),
        }
    }

    /// Reads up to the root element and leaves its start tag pending; its name.
    pub fn open_root(&mut self) -> Result<&'a str, Error> {
        loop {
            let (ev, at) = self.event()?;
            match ev {
                Event::Decl(decl) => {
                    if let Some(Ok(enc)) = decl.encoding() {
                        let enc = String::from_utf8_lossy(&enc).to_ascii_lowercase();
                        if enc != "utf-8" && enc != "utf8" {
                            let msg = format!("encoding {enc:?} (FHIR XML is read as UTF-8)");
                            return Err(Error::new(ErrorKind::XmlSyntax(msg), at));
                        }
                    }
                }
                Event::DocType(_) => return Err(Error::new(ErrorKind::DoctypeNotAllowed, at)),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) if is_space(&t) => {}
                Event::Start(tag) | Event::Empty(tag) => {
                    let start = self.start(tag, at)?;
                    self.bind_root_prefix(&start)?;
                    let name = start.name(self.input);
                    self.pending = Some(start);
                    return Ok(self.local_fhir_name(name).unwrap_or(name));
                }
                Event::Eof => return Err(Error::new(ErrorKind::UnexpectedEnd, at)),
                _ => return Err(Error::new(ErrorKind::MisplacedText, at)),
            }
        }
    }

    /// A root `<f:Patient xmlns:f="http://hl7.org/fhir">` makes `f:` the FHIR prefix.
    fn bind_root_prefix(&mut self, start: &Start<'a>) -> Result<(), Error> {
        let name = start.name(self.input);
        let Some((prefix, _)) = name.split_once(':') else {
            return Ok(());
        };
        for attr in self.attributes(start) {
            let attr = attr?;
            if attr.name.strip_prefix("xmlns:") == Some(prefix) && attr.raw == FHIR_NS {
                self.fhir_prefix = Some(prefix);
            }
        }
        Ok(())
    }

    /// The FHIR name of an element named `name` as written: without the FHIR prefix the root
    /// declared, or `None` when it has another prefix.
    pub fn local_fhir_name(&self, name: &'a str) -> Option<&'a str> {
        match name.split_once(':') {
            None => Some(name),
            Some((prefix, local)) if Some(prefix) == self.fhir_prefix => Some(local),
            Some(_) => None,
        }
    }

    /// A start tag just read (`<a>` or `<a/>`, told apart by the byte before its end).
    fn start(&mut self, tag: BytesStart<'a>, at: usize) -> Result<Start<'a>, Error> {
        let end = self.position();
        let empty = end >= 2 && self.input.as_bytes()[end - 2] == b'/';
        if !empty {
            self.enter(at)?;
        }
        Ok(Start {
            tag,
            empty,
            at,
            depth: if empty { self.depth + 1 } else { self.depth },
        })
    }

    fn enter(&mut self, at: usize) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::new(ErrorKind::TooDeep, at));
        }
        Ok(())
    }

    /// After the root element: nothing but white space, comments and processing instructions.
    pub fn finish(&mut self) -> Result<(), Error> {
        loop {
            let (ev, at) = self.event()?;
            match ev {
                Event::Eof => return Ok(()),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) if is_space(&t) => {}
                _ => return Err(Error::new(ErrorKind::TrailingContent, at)),
            }
        }
    }

    /// The next child element of the element whose start tag was taken last, its name as
    /// written; `None` after reading that element's end tag. Its start tag is left pending.
    pub fn next_child(&mut self) -> Result<Option<&'a str>, Error> {
        debug_assert!(self.pending.is_none(), "a start tag was left unread");
        loop {
            let (ev, at) = self.event()?;
            match ev {
                Event::Start(tag) | Event::Empty(tag) => {
                    let start = self.start(tag, at)?;
                    let name = start.name(self.input);
                    self.pending = Some(start);
                    return Ok(Some(name));
                }
                Event::End(_) => {
                    self.depth -= 1;
                    return Ok(None);
                }
                Event::Text(t) if is_space(&t) => {}
                Event::Comment(_) | Event::PI(_) => {}
                Event::DocType(_) => return Err(Error::new(ErrorKind::DoctypeNotAllowed, at)),
                Event::Eof => return Err(Error::new(ErrorKind::UnexpectedEnd, at)),
                Event::GeneralRef(r) => {
                    self.check_reference(&r, at)?;
                    return Err(Error::new(ErrorKind::MisplacedText, at));
                }
                Event::Text(_) | Event::CData(_) | Event::Decl(_) => {
                    return Err(Error::new(ErrorKind::MisplacedText, at));
                }
            }
        }
    }

    /// Takes the pending start tag (each helper takes the one of the element it reads).
    pub fn take_start(&mut self) -> Start<'a> {
        self.pending
            .take()
            .expect("a field helper is called only on a pending start tag")
    }

    /// The pending start tag's offset and content depth, for going back over it on an error.
    pub fn pending(&self) -> Option<&Start<'a>> {
        self.pending.as_ref()
    }

    /// The attributes of a start tag, in order; a name given twice is an error.
    pub fn attributes<'s>(
        &self,
        start: &'s Start<'a>,
    ) -> impl Iterator<Item = Result<Attr<'a>, Error>> + 's {
        let input = self.input;
        let base = input.as_ptr() as usize;
        let mut seen = Seen::default();
        // quick-xml's own duplicate check allocates a list per start tag; this one does not
        // for the few attributes FHIR elements have, and reports the same error.
        let mut attrs = start.tag.attributes();
        attrs.with_checks(false);
        attrs.map(move |attr| {
            let syntax = |e: quick_xml::events::attributes::AttrError| {
                let at = start.at + attr_error_offset(&e);
                Error::new(ErrorKind::XmlSyntax(e.to_string()), at)
            };
            let attr = attr.map_err(syntax)?;
            let offset = |s: &[u8]| s.as_ptr() as usize - base;
            let name_at = offset(attr.key.as_ref());
            let name = &input[name_at..name_at + attr.key.as_ref().len()];
            // Offsets in the tag's content, which starts after its `<`, as quick-xml counts.
            let key = name_at - (start.at + 1);
            if let Some(prev) = seen.insert(name, key) {
                let e = quick_xml::events::attributes::AttrError::Duplicated(key, prev);
                return Err(syntax(e));
            }
            let raw = match &attr.value {
                Cow::Borrowed(v) => {
                    let at = offset(v);
                    &input[at..at + v.len()]
                }
                // A borrowed tag has borrowed values; an owned one cannot come from `from_str`.
                Cow::Owned(_) => unreachable!("attribute values borrow the input"),
            };
            Ok(Attr {
                name,
                raw,
                at: name_at,
            })
        })
    }

    /// An attribute's value, unescaped: the five predefined entities and character references
    /// are replaced, any other entity is an error.
    pub fn unescape(&self, attr: &Attr<'a>) -> Result<Cow<'a, str>, Error> {
        quick_xml::escape::unescape(attr.raw).map_err(|e| self.escape_error(&e, attr.at))
    }

    /// Skips the rest of an element whose content is at `depth` (the element's own end tag
    /// included); the offset after it.
    pub fn skip_to_end(&mut self, depth: u32) -> Result<usize, Error> {
        if let Some(start) = self.pending.take() {
            self.check_attributes(&start)?;
            if !start.empty {
                self.skip_content(start.depth)?;
            }
            return Ok(self.position());
        }
        self.skip_content(depth)?;
        Ok(self.position())
    }

    fn check_attributes(&self, start: &Start<'a>) -> Result<(), Error> {
        for attr in self.attributes(start) {
            self.unescape(&attr?)?;
        }
        Ok(())
    }

    /// Reads events until the element whose content is at `depth` has ended, checking that
    /// what is skipped is well-formed and free of entities.
    fn skip_content(&mut self, depth: u32) -> Result<(), Error> {
        while self.depth >= depth {
            let (ev, at) = self.event()?;
            match ev {
                Event::Start(tag) | Event::Empty(tag) => {
                    let start = self.start(tag, at)?;
                    self.check_attributes(&start)?;
                }
                Event::End(_) => self.depth -= 1,
                Event::GeneralRef(r) => self.check_reference(&r, at)?,
                Event::DocType(_) => return Err(Error::new(ErrorKind::DoctypeNotAllowed, at)),
                Event::Eof => return Err(Error::new(ErrorKind::UnexpectedEnd, at)),
                Event::Text(_) | Event::CData(_) | Event::Comment(_) | Event::PI(_) => {}
                Event::Decl(_) => return Err(Error::new(ErrorKind::MisplacedText, at)),
            }
        }
        Ok(())
    }

    /// An entity reference in text: one of XML's five, or a character reference.
    fn check_reference(&self, r: &quick_xml::events::BytesRef<'_>, at: usize) -> Result<(), Error> {
        let name = String::from_utf8_lossy(r);
        if let Some(num) = name.strip_prefix('#') {
            let code = match num.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse().ok(),
            };
            if code.and_then(char::from_u32).is_some() {
                return Ok(());
            }
            let msg = format!("invalid character reference &{name};");
            return Err(Error::new(ErrorKind::XmlSyntax(msg), at));
        }
        if matches!(&*name, "lt" | "gt" | "amp" | "apos" | "quot") {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::UndefinedEntity(name.into_owned()),
            at,
        ))
    }

    /// The text of the pending element, start tag to end tag, as written (for the narrative's
    /// XHTML and for elements kept as unknown); the element is consumed.
    pub fn raw_element(&mut self) -> Result<&'a str, Error> {
        let start = self
            .pending
            .as_ref()
            .map(|s| (s.at, s.depth))
            .expect("called on a pending start tag");
        let end = self.skip_to_end(start.1)?;
        Ok(&self.input[start.0..end])
    }
}

/// The attribute names of one start tag met so far, with their offsets in the tag.
#[derive(Default)]
struct Seen<'a> {
    first: [(&'a str, usize); 4],
    len: usize,
    more: Vec<(&'a str, usize)>,
}

impl<'a> Seen<'a> {
    /// Records `name`; the offset of the same name met before, if any.
    fn insert(&mut self, name: &'a str, at: usize) -> Option<usize> {
        let first = &self.first[..self.len];
        if let Some(&(_, prev)) = first.iter().chain(&self.more).find(|(n, _)| *n == name) {
            return Some(prev);
        }
        match self.first.get_mut(self.len) {
            Some(slot) => {
                *slot = (name, at);
                self.len += 1;
            }
            None => self.more.push((name, at)),
        }
        None
    }
}

/// Whether a text event is white space only (which FHIR XML ignores between elements).
fn is_space(t: &[u8]) -> bool {
    t.iter().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

fn attr_error_offset(e: &quick_xml::events::attributes::AttrError) -> usize {
    use quick_xml::events::attributes::AttrError;
    match e {
        AttrError::ExpectedEq(p)
        | AttrError::ExpectedValue(p)
        | AttrError::UnquotedValue(p)
        | AttrError::ExpectedQuote(p, _)
        | AttrError::Duplicated(p, _) => *p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first attribute error of the root's start tag: its message and offset.
    fn first_error(xml: &str) -> Option<(String, usize)> {
        let mut r = Reader::new(xml, ParseOptions::strict());
        r.open_root().unwrap();
        let start = r.pending().unwrap();
        let e = r.attributes(start).find_map(Result::err)?;
        Some((e.kind().to_string(), e.offset()))
    }

    /// The same, by quick-xml's own duplicate check (the root starts at offset 0).
    fn quick_xml_error(xml: &str) -> Option<(String, usize)> {
        let mut tok = quick_xml::Reader::from_str(xml);
        loop {
            if let Event::Start(tag) | Event::Empty(tag) = tok.read_event().unwrap() {
                let e = tag.attributes().find_map(Result::err)?;
                let kind = ErrorKind::XmlSyntax(e.to_string());
                return Some((kind.to_string(), attr_error_offset(&e)));
            }
        }
    }

    #[test]
    fn duplicate_attributes_are_refused_as_quick_xml_refuses_them() {
        let cases = [
            r#"<a x="1" y="2" x="3"/>"#,
            r#"<a x="1" x="2"/>"#,
            // Past the names held without allocating.
            r#"<a b="1" c="2" d="3" e="4" f="5" g="6" f="7"/>"#,
            r#"<a b="1" c="2" d="3" e="4" f="5" b="6"/>"#,
            r#"<a b="1" c="2" d="3" e="4" f="5" g="6"/>"#,
            r#"<a xmlns="http://hl7.org/fhir" value="1"/>"#,
        ];
        for xml in cases {
            assert_eq!(first_error(xml), quick_xml_error(xml), "{xml}");
        }
        assert!(first_error(cases[0]).unwrap().0.contains("duplicate"));
        assert_eq!(first_error(cases[4]), None);
    }
}
