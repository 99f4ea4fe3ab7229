//! A pull reader of FHIR XML over text, with a tokenizer of its own that borrows everything it
//! returns from the input.
//!
//! The generated code sees a tree of elements: [`Reader::next_child`] gives the name of the next
//! child of the element being read (or `None` at its end tag), and the element's start tag waits
//! in the reader until a field helper takes it ([`Reader::take_start`]). White space between
//! elements, comments and processing instructions are skipped; anything else outside the
//! narrative (text, CDATA) is an error, as FHIR elements carry their data in attributes.
//!
//! The tokenizer reads one tag at a time: a start tag is found up to its `>` (quotes skipped
//! over, and no `<` allowed inside them), its first attribute is split in the same pass (most
//! FHIR elements have one, `value`) and any others when they are asked for; names must be XML
//! names, end tags are checked against the names of the open elements, comments must not hold
//! `--`. These checks hold in lenient mode too: lenient reading keeps unknown FHIR content, never
//! XML that is not well-formed. Nothing is copied: names and values
//! are slices of the input, and a value is unescaped into a new string only when it holds `&`.
//!
//! Hostile input: a document type declaration is refused (so neither external entities nor
//! entity expansion can happen), entity references other than XML's five and character
//! references are errors, and elements nest at most as deep as JSON objects may.

use std::borrow::Cow;

use memchr::{memchr, memchr2, memchr3, memmem};

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
    /// The element's name as written.
    name: &'a str,
    /// Its first attribute, split as the tag was read (most FHIR elements have one, `value`).
    first: Option<Attr<'a>>,
    /// Where its other attributes are: from after the first to the tag's `>` or `/>`.
    attrs: (usize, usize),
    /// Whether it was `<name/>`, with no end tag to come.
    pub empty: bool,
    /// Whether the name has a prefix (`f:Patient`): most have none, which spares a search.
    prefixed: bool,
    /// The byte offset of its `<`.
    pub at: usize,
    /// The depth of the element's content (the reader's depth while inside it).
    pub depth: u32,
}

/// One attribute of a start tag.
#[derive(Clone)]
pub struct Attr<'a> {
    /// The name as written, prefix included.
    pub name: &'a str,
    /// The value as written, still escaped.
    pub raw: &'a str,
    /// The byte offset of the name.
    pub at: usize,
    /// Whether the value holds a reference (`&`), so that it must be unescaped.
    escaped: bool,
}

impl<'a> Start<'a> {
    /// The element's name as written (with its prefix, if any).
    pub fn name(&self, input: &'a str) -> &'a str {
        let _ = input;
        self.name
    }

    /// The tag's attribute when it has exactly one (as most FHIR elements do: `value`).
    #[inline]
    pub fn only_attribute(&self) -> Option<&Attr<'a>> {
        self.first.as_ref().filter(|_| self.attrs.0 >= self.attrs.1)
    }
}

/// What the tokenizer read.
enum Event<'a> {
    /// A start tag, `<a ...>` or `<a .../>` (already entered, when it has content).
    Start(Start<'a>),
    /// An end tag that closed the innermost open element.
    End,
    /// Text up to the next `<` (or the end of the input), as written.
    Text(&'a str),
    /// `<![CDATA[...]]>`.
    CData,
    /// `<!-- ... -->` or `<?target ...?>`.
    Skipped,
    /// `<?xml ...?>`: the text after `xml`.
    Decl(&'a str),
    /// `<!DOCTYPE ...`, refused wherever it is met.
    DocType,
    /// The end of the input.
    Eof,
}

/// Reads FHIR XML; driven by the generated code through the field helpers.
pub struct Reader<'a> {
    input: &'a str,
    /// The byte offset reached.
    pos: usize,
    strict: bool,
    /// Elements open (start tag read, end tag not yet).
    depth: u32,
    /// The names of the open elements, innermost last, for checking end tags.
    open: Vec<&'a str>,
    /// The start tag [`Reader::next_child`] returned, until a helper takes it.
    pending: Option<Start<'a>>,
    /// A prefix the root bound to the FHIR namespace (`<f:Patient xmlns:f="...">`), if any.
    fhir_prefix: Option<&'a str>,
}

/// The classes of bytes the tokenizer tells apart, by table: one load per byte.
const WS: u8 = 1;
const NAME_START: u8 = 2;
const NAME: u8 = 4;
const COLON: u8 = 8;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let start = c.is_ascii_alphabetic() || c == b'_' || c == b':' || c >= 0x80;
        let name = start || c.is_ascii_digit() || c == b'-' || c == b'.';
        let ws = matches!(c, b' ' | b'\t' | b'\n' | b'\r');
        let colon = c == b':';
        t[b] = ((ws as u8) * WS)
            | ((start as u8) * NAME_START)
            | ((name as u8) * NAME)
            | ((colon as u8) * COLON);
        b += 1;
    }
    t
};

#[inline(always)]
fn is_ws(b: u8) -> bool {
    CLASS[b as usize] & WS != 0
}

fn syntax(msg: impl Into<String>, at: usize) -> Error {
    Error::new(ErrorKind::XmlSyntax(msg.into()), at)
}

impl<'a> Reader<'a> {
    /// A reader at the start of `input`.
    pub fn new(input: &'a str, options: ParseOptions) -> Reader<'a> {
        // Offsets count from the start of `input`: the caller strips a byte order mark first.
        Reader {
            input,
            pos: 0,
            strict: options.strict,
            depth: 0,
            open: Vec::new(),
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
        self.pos
    }

    /// Elements open around the reader's position.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// An error of `kind` at byte `offset`.
    pub fn error_at(&self, kind: ErrorKind, offset: usize) -> Error {
        Error::new(kind, offset)
    }

    /// The next event, with the offset where it starts.
    fn event(&mut self) -> Result<(Event<'a>, usize), Error> {
        let at = self.pos;
        let bytes = self.input.as_bytes();
        let Some(&first) = bytes.get(at) else {
            return Ok((Event::Eof, at));
        };
        if first != b'<' {
            let end = memchr(b'<', &bytes[at..]).map_or(bytes.len(), |i| at + i);
            self.pos = end;
            return Ok((Event::Text(&self.input[at..end]), at));
        }
        let ev = match bytes.get(at + 1) {
            Some(b'/') => self.end_tag(at)?,
            Some(b'?') => self.processing_instruction(at)?,
            Some(b'!') => self.markup(at)?,
            Some(_) => Event::Start(self.start_tag(at)?),
            None => return Err(Error::new(ErrorKind::UnexpectedEnd, at)),
        };
        Ok((ev, at))
    }

    /// `<name attributes>` or `<name attributes/>`, its `<` at `at`.
    fn start_tag(&mut self, at: usize) -> Result<Start<'a>, Error> {
        let bytes = self.input.as_bytes();
        let mut i = at + 1;
        if !bytes.get(i).copied().is_some_and(is_name_start) {
            return Err(syntax("a start tag without a name", at));
        }
        let mut classes = 0;
        while i < bytes.len() && is_name_byte(bytes[i]) {
            classes |= CLASS[bytes[i] as usize];
            i += 1;
        }
        match bytes.get(i) {
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'/' | b'>') => {}
            Some(_) => return Err(syntax("a character that no XML name holds", i)),
            None => return Err(Error::new(ErrorKind::UnexpectedEnd, at)),
        }
        let name = &self.input[at + 1..i];
        let mut p = skip_ws(bytes, i);
        // The first attribute is split here, in the one pass over the tag.
        let mut first = None;
        if p > i && p < bytes.len() && is_name_start(bytes[p]) {
            let (attr, after) = split_attribute(self.input, p, bytes.len())?;
            first = Some(attr);
            p = skip_ws(bytes, after);
        }
        let gt = match bytes.get(p) {
            Some(b'>') => p,
            Some(b'/') if bytes.get(p + 1) == Some(&b'>') => p + 1,
            Some(_) => find_tag_end(bytes, p, at)?,
            None => return Err(Error::new(ErrorKind::UnexpectedEnd, at)),
        };
        let empty = bytes[gt - 1] == b'/' && gt > i;
        self.pos = gt + 1;
        let attrs = (p.min(gt), if empty { gt - 1 } else { gt });
        if !empty {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(Error::new(ErrorKind::TooDeep, at));
            }
            self.open.push(name);
        }
        Ok(Start {
            name,
            first,
            attrs,
            empty,
            prefixed: classes & COLON != 0,
            at,
            depth: if empty { self.depth + 1 } else { self.depth },
        })
    }

    /// `</name>`, which must close the innermost open element.
    fn end_tag(&mut self, at: usize) -> Result<Event<'a>, Error> {
        let bytes = self.input.as_bytes();
        // Most end tags are `</name>` for the innermost open element, written just so.
        if let Some(open) = self.open.last() {
            let gt = at + 2 + open.len();
            if bytes.get(gt) == Some(&b'>') && &bytes[at + 2..gt] == open.as_bytes() {
                self.open.pop();
                self.depth -= 1;
                self.pos = gt + 1;
                return Ok(Event::End);
            }
        }
        let Some(k) = memchr(b'>', &bytes[at + 2..]) else {
            return Err(Error::new(ErrorKind::UnexpectedEnd, at));
        };
        let gt = at + 2 + k;
        let name = self.input[at + 2..gt].trim_end_matches([' ', '\t', '\n', '\r']);
        match self.open.pop() {
            Some(open) if open == name => {}
            Some(open) => {
                return Err(syntax(
                    format!("expected `</{open}>`, found `</{name}>`"),
                    at,
                ));
            }
            None => return Err(syntax(format!("`</{name}>` closes no element"), at)),
        }
        self.depth -= 1;
        self.pos = gt + 1;
        Ok(Event::End)
    }

    /// `<?target ...?>`: the XML declaration, or a processing instruction.
    fn processing_instruction(&mut self, at: usize) -> Result<Event<'a>, Error> {
        let bytes = self.input.as_bytes();
        let Some(k) = memmem::find(&bytes[at + 2..], b"?>") else {
            return Err(Error::new(ErrorKind::UnexpectedEnd, at));
        };
        let end = at + 2 + k;
        self.pos = end + 2;
        let content = &self.input[at + 2..end];
        match content.strip_prefix("xml") {
            Some(rest) if rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']) => {
                Ok(Event::Decl(rest))
            }
            _ => Ok(Event::Skipped),
        }
    }

    /// `<!...`: a comment, CDATA, or a document type declaration.
    fn markup(&mut self, at: usize) -> Result<Event<'a>, Error> {
        let bytes = self.input.as_bytes();
        let rest = &bytes[at + 2..];
        if rest.starts_with(b"--") {
            let from = at + 4;
            let Some(k) = memmem::find(&bytes[from..], b"--") else {
                return Err(Error::new(ErrorKind::UnexpectedEnd, at));
            };
            return match bytes.get(from + k + 2) {
                Some(b'>') => {
                    self.pos = from + k + 3;
                    Ok(Event::Skipped)
                }
                Some(_) => Err(syntax("a comment must not hold `--`", from + k)),
                None => Err(Error::new(ErrorKind::UnexpectedEnd, at)),
            };
        }
        if rest.starts_with(b"[CDATA[") {
            let from = at + 9;
            let Some(k) = memmem::find(&bytes[from..], b"]]>") else {
                return Err(Error::new(ErrorKind::UnexpectedEnd, at));
            };
            self.pos = from + k + 3;
            return Ok(Event::CData);
        }
        if rest.len() >= 7 && rest[..7].eq_ignore_ascii_case(b"DOCTYPE") {
            return Ok(Event::DocType);
        }
        if b"--".starts_with(rest) || b"[CDATA[".starts_with(rest) || rest.len() < 7 {
            return Err(Error::new(ErrorKind::UnexpectedEnd, at));
        }
        Err(syntax("`<!` starts no comment, CDATA or declaration", at))
    }

    /// Reads up to the root element and leaves its start tag pending; its name.
    pub fn open_root(&mut self) -> Result<&'a str, Error> {
        loop {
            let (ev, at) = self.event()?;
            match ev {
                Event::Decl(decl) => check_encoding(decl, at)?,
                Event::DocType => return Err(Error::new(ErrorKind::DoctypeNotAllowed, at)),
                Event::Skipped => {}
                Event::Text(t) if is_space(t) => {}
                Event::Start(start) => {
                    self.bind_root_prefix(&start)?;
                    let name = start.name;
                    self.pending = Some(start);
                    return Ok(self.local_fhir_name(name).unwrap_or(name));
                }
                Event::Eof => return Err(Error::new(ErrorKind::UnexpectedEnd, at)),
                Event::Text(_) | Event::CData | Event::End => {
                    return Err(Error::new(ErrorKind::MisplacedText, at));
                }
            }
        }
    }

    /// A root `<f:Patient xmlns:f="http://hl7.org/fhir">` makes `f:` the FHIR prefix.
    fn bind_root_prefix(&mut self, start: &Start<'a>) -> Result<(), Error> {
        let Some((prefix, _)) = start.name.split_once(':') else {
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
    #[inline]
    pub fn local_fhir_name(&self, name: &'a str) -> Option<&'a str> {
        if self.fhir_prefix.is_none() && !name.as_bytes().contains(&b':') {
            return Some(name);
        }
        match name.split_once(':') {
            None => Some(name),
            Some((prefix, local)) if Some(prefix) == self.fhir_prefix => Some(local),
            Some(_) => None,
        }
    }

    /// The FHIR name of a pending child, as [`Reader::local_fhir_name`] gives it.
    #[inline]
    pub fn fhir_name_of(&self, start: &Start<'a>) -> Option<&'a str> {
        if !start.prefixed {
            return Some(start.name);
        }
        self.local_fhir_name(start.name)
    }

    /// After the root element: nothing but white space, comments and processing instructions.
    pub fn finish(&mut self) -> Result<(), Error> {
        loop {
            let (ev, at) = self.event()?;
            match ev {
                Event::Eof => return Ok(()),
                Event::Skipped => {}
                Event::Text(t) if is_space(t) => {}
                _ => return Err(Error::new(ErrorKind::TrailingContent, at)),
            }
        }
    }

    /// The next child element of the element whose start tag was taken last, its name as
    /// written; `None` after reading that element's end tag. Its start tag is left pending.
    pub fn next_child(&mut self) -> Result<Option<&'a str>, Error> {
        debug_assert!(self.pending.is_none(), "a start tag was left unread");
        let bytes = self.input.as_bytes();
        loop {
            self.pos = skip_ws(bytes, self.pos);
            // The two cases of nearly every call, without going through an event.
            let at = self.pos;
            if bytes.get(at) == Some(&b'<') {
                match bytes.get(at + 1) {
                    Some(b'/') => {
                        self.end_tag(at)?;
                        return Ok(None);
                    }
                    Some(&b) if is_name_start(b) => {
                        let start = self.start_tag(at)?;
                        let name = start.name;
                        self.pending = Some(start);
                        return Ok(Some(name));
                    }
                    _ => {}
                }
            }
            let (ev, at) = self.event()?;
            match ev {
                Event::Start(start) => {
                    let name = start.name;
                    self.pending = Some(start);
                    return Ok(Some(name));
                }
                Event::End => return Ok(None),
                Event::Text(t) => {
                    let Some(first) = t.bytes().position(|b| !is_ws(b)) else {
                        continue;
                    };
                    if t.as_bytes()[first] == b'&' {
                        self.check_references(&t[first..], at + first)?;
                    }
                    return Err(Error::new(ErrorKind::MisplacedText, at + first));
                }
                Event::Skipped => {}
                Event::DocType => return Err(Error::new(ErrorKind::DoctypeNotAllowed, at)),
                Event::Eof => return Err(Error::new(ErrorKind::UnexpectedEnd, at)),
                Event::CData | Event::Decl(_) => {
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
        Attributes {
            input: self.input,
            first: start.first.clone(),
            pos: start.attrs.0,
            end: start.attrs.1,
            seen: None,
        }
    }

    /// An attribute's value, unescaped: the five predefined entities and character references
    /// are replaced, any other entity is an error.
    #[inline]
    pub fn unescape(&self, attr: &Attr<'a>) -> Result<Cow<'a, str>, Error> {
        if !attr.escaped {
            return Ok(Cow::Borrowed(attr.raw));
        }
        match memchr(b'&', attr.raw.as_bytes()) {
            None => Ok(Cow::Borrowed(attr.raw)),
            Some(first) => unescape_from(attr.raw, first, attr.at).map(Cow::Owned),
        }
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
                Event::Start(start) => self.check_attributes(&start)?,
                Event::End | Event::CData | Event::Skipped => {}
                Event::Text(t) => {
                    if let Some(amp) = memchr(b'&', t.as_bytes()) {
                        self.check_references(&t[amp..], at + amp)?;
                    }
                }
                Event::DocType => return Err(Error::new(ErrorKind::DoctypeNotAllowed, at)),
                Event::Eof => return Err(Error::new(ErrorKind::UnexpectedEnd, at)),
                Event::Decl(_) => return Err(Error::new(ErrorKind::MisplacedText, at)),
            }
        }
        Ok(())
    }

    /// The entity references in text that starts with one, at offset `at`: each one of
    /// XML's five or a character reference.
    fn check_references(&self, text: &str, at: usize) -> Result<(), Error> {
        let bytes = text.as_bytes();
        let mut amp = 0;
        loop {
            let Some(len) = memchr(b';', &bytes[amp + 1..]) else {
                return Err(syntax("an entity reference without its `;`", at + amp));
            };
            resolve(&text[amp + 1..amp + 1 + len], at + amp)?;
            let next = amp + 2 + len;
            match memchr(b'&', &bytes[next..]) {
                Some(k) => amp = next + k,
                None => return Ok(()),
            }
        }
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

/// The declaration's `encoding`, if any, must be UTF-8.
fn check_encoding(decl: &str, at: usize) -> Result<(), Error> {
    let mut attrs = Attributes {
        input: decl,
        first: None,
        pos: 0,
        end: decl.len(),
        seen: None,
    };
    for attr in &mut attrs {
        let attr = attr.map_err(|_| syntax("a malformed XML declaration", at))?;
        if attr.name == "encoding" {
            let enc = attr.raw.to_ascii_lowercase();
            if enc != "utf-8" && enc != "utf8" {
                let msg = format!("encoding {enc:?} (FHIR XML is read as UTF-8)");
                return Err(syntax(msg, at));
            }
        }
    }
    Ok(())
}

/// The character an entity reference's name (between `&` and `;`) stands for; `at` is the
/// offset of the `&`, for errors.
fn resolve(name: &str, at: usize) -> Result<char, Error> {
    match name {
        "lt" => return Ok('<'),
        "gt" => return Ok('>'),
        "amp" => return Ok('&'),
        "apos" => return Ok('\''),
        "quot" => return Ok('"'),
        _ => {}
    }
    let Some(num) = name.strip_prefix('#') else {
        return Err(Error::new(ErrorKind::UndefinedEntity(name.to_owned()), at));
    };
    let (digits, radix) = match num.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (num, 10),
    };
    let code = if digits.starts_with(['+', '-']) {
        None
    } else {
        u32::from_str_radix(digits, radix).ok()
    };
    match code.filter(|&c| c != 0).and_then(char::from_u32) {
        Some(c) => Ok(c),
        None => Err(syntax(format!("invalid character reference &{name};"), at)),
    }
}

/// `raw` unescaped, its first `&` at `first`; `at` is the attribute's offset, for errors.
#[cold]
fn unescape_from(raw: &str, first: usize, at: usize) -> Result<String, Error> {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut done = 0;
    let mut amp = first;
    loop {
        out.push_str(&raw[done..amp]);
        let Some(len) = memchr(b';', &bytes[amp + 1..]) else {
            return Err(syntax("an entity reference without its `;`", at));
        };
        out.push(resolve(&raw[amp + 1..amp + 1 + len], at)?);
        done = amp + 2 + len;
        match memchr(b'&', &bytes[done..]) {
            Some(k) => amp = done + k,
            None => break,
        }
    }
    out.push_str(&raw[done..]);
    Ok(out)
}

/// The attributes of one start tag: `name = "value"` or `name = 'value'`, white space between.
struct Attributes<'a> {
    input: &'a str,
    /// The attribute the tokenizer split, given first.
    first: Option<Attr<'a>>,
    pos: usize,
    end: usize,
    /// The names met, made when the tag has more than one attribute (most have one).
    seen: Option<Seen<'a>>,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Result<Attr<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(first) = self.first.take() {
            if self.pos < self.end {
                let mut seen = Seen::default();
                seen.insert(first.name, first.at);
                self.seen = Some(seen);
            }
            return Some(Ok(first));
        }
        let bytes = self.input.as_bytes();
        let end = self.end;
        let mut i = self.pos;
        while i < end && is_ws(bytes[i]) {
            i += 1;
        }
        if i >= end {
            return None;
        }
        let split = if is_name_start(bytes[i]) {
            split_attribute(self.input, i, end)
        } else {
            Err(syntax("an attribute without a name", i))
        };
        let result = split.and_then(|(attr, after)| {
            self.pos = after;
            let seen = self.seen.get_or_insert_with(Seen::default);
            match seen.insert(attr.name, attr.at) {
                None => Ok(attr),
                Some(prev) => {
                    let msg = format!("duplicate attribute `{}` (first at byte {prev})", attr.name);
                    Err(syntax(msg, attr.at))
                }
            }
        });
        // After an error, nothing more.
        if result.is_err() {
            self.pos = end;
        }
        Some(result)
    }
}

/// The attribute names of one start tag met so far, with their offsets.
#[derive(Default)]
struct Seen<'a> {
    first: [(&'a str, usize); 4],
    len: usize,
    more: Vec<(&'a str, usize)>,
}

impl<'a> Seen<'a> {
    /// Records `name`; the offset of the same name met before, if any.
    #[inline]
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

/// The offset of the first byte at or after `i` that is not white space.
#[inline]
fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && is_ws(bytes[i]) {
        i += 1;
    }
    i
}

/// The `>` that ends a start tag whose `<` is at `at`, searched from `from`: quoted values may
/// hold `>`, and none may hold `<`.
fn find_tag_end(bytes: &[u8], from: usize, at: usize) -> Result<usize, Error> {
    let mut gt = from;
    loop {
        let Some(k) = memchr3(b'>', b'"', b'\'', &bytes[gt..]) else {
            return Err(Error::new(ErrorKind::UnexpectedEnd, at));
        };
        let j = gt + k;
        if bytes[j] == b'>' {
            return Ok(j);
        }
        // XML allows no `<` in an attribute value: a quote left open must not swallow the tags
        // after it (in lenient mode they would be kept as one unknown element).
        let Some(close) = memchr2(bytes[j], b'<', &bytes[j + 1..]) else {
            return Err(Error::new(ErrorKind::UnexpectedEnd, at));
        };
        if bytes[j + 1 + close] == b'<' {
            return Err(syntax("`<` in an attribute value", j + 1 + close));
        }
        gt = j + 1 + close + 1;
    }
}

/// The attribute whose name starts at `at`, split: `name = "value"`, and the offset after
/// its closing quote, which must be followed by white space or the tag's end. Nothing at or
/// after `len` is looked at (the tokenizer passes the input's length, the attribute iterator
/// the end of the tag's attributes).
#[inline]
fn split_attribute(input: &str, at: usize, len: usize) -> Result<(Attr<'_>, usize), Error> {
    let bytes = &input.as_bytes()[..len];
    let mut i = at;
    while i < len && is_name_byte(bytes[i]) {
        i += 1;
    }
    let name = &input[at..i];
    i = skip_ws(bytes, i);
    if bytes.get(i) != Some(&b'=') {
        return Err(syntax(format!("attribute `{name}` has no `=`"), i));
    }
    i = skip_ws(bytes, i + 1);
    let quote = match bytes.get(i) {
        Some(&q @ (b'"' | b'\'')) => q,
        _ => return Err(syntax(format!("attribute `{name}` has no quoted value"), i)),
    };
    let from = i + 1;
    let (close, escaped) = find_value_end(bytes, from, quote)
        .ok_or_else(|| Error::new(ErrorKind::UnexpectedEnd, at))?;
    if bytes[close] == b'<' {
        return Err(syntax("`<` in an attribute value", close));
    }
    let after = close + 1;
    if !matches!(
        bytes.get(after),
        None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'/' | b'>')
    ) {
        let msg = format!("no white space after the value of `{name}`");
        return Err(syntax(msg, after));
    }
    let attr = Attr {
        name,
        raw: &input[from..close],
        at,
        escaped,
    };
    Ok((attr, after))
}

/// Where a value that starts at `from` stops: its closing `quote`, or a `<` (an error); and
/// whether it holds `&`. Values are mostly short: their first bytes are looked at eight at a
/// time in a word, long ones are left to `memchr`.
#[inline]
fn find_value_end(bytes: &[u8], from: usize, quote: u8) -> Option<(usize, bool)> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `x` equal to `b`; exact up to the first such byte.
    let equal = |x: u64, b: u8| {
        let y = x ^ (LO * u64::from(b));
        y.wrapping_sub(LO) & !y & HI
    };
    let mut escaped = false;
    let mut i = from;
    let short = (from + 24).min(bytes.len());
    while i + 8 <= short {
        let word = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("eight bytes"));
        let hits = equal(word, quote) | equal(word, b'<') | equal(word, b'&');
        if hits == 0 {
            i += 8;
            continue;
        }
        i += (hits.trailing_zeros() / 8) as usize;
        if bytes[i] != b'&' {
            return Some((i, escaped));
        }
        escaped = true;
        i += 1;
    }
    loop {
        let k = memchr3(quote, b'<', b'&', bytes.get(i..)?)?;
        i += k;
        if bytes[i] != b'&' {
            return Some((i, escaped));
        }
        escaped = true;
        i += 1;
    }
}

/// Whether `b` may start an XML name (bytes of non-ASCII characters are taken as letters).
#[inline(always)]
fn is_name_start(b: u8) -> bool {
    CLASS[b as usize] & NAME_START != 0
}

/// Whether `b` may be inside an XML name.
#[inline(always)]
fn is_name_byte(b: u8) -> bool {
    CLASS[b as usize] & NAME != 0
}

/// Whether a text event is white space only (which FHIR XML ignores between elements).
fn is_space(t: &str) -> bool {
    t.bytes().all(is_ws)
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

    /// The attributes of the root's start tag, as (name, raw value).
    fn attributes(xml: &str) -> Vec<(String, String)> {
        let mut r = Reader::new(xml, ParseOptions::strict());
        r.open_root().unwrap();
        let start = r.pending().unwrap();
        r.attributes(start)
            .map(|a| {
                let a = a.unwrap();
                (a.name.to_owned(), a.raw.to_owned())
            })
            .collect()
    }

    #[test]
    fn duplicate_attributes_are_refused_at_the_second_name() {
        let cases = [
            (r#"<a x="1" y="2" x="3"/>"#, Some(15)),
            (r#"<a x="1" x="2"/>"#, Some(9)),
            // Past the names held without allocating.
            (
                r#"<a b="1" c="2" d="3" e="4" f="5" g="6" f="7"/>"#,
                Some(39),
            ),
            (r#"<a b="1" c="2" d="3" e="4" f="5" b="6"/>"#, Some(33)),
            (r#"<a b="1" c="2" d="3" e="4" f="5" g="6"/>"#, None),
            (r#"<a xmlns="http://hl7.org/fhir" value="1"/>"#, None),
        ];
        for (xml, at) in cases {
            let e = first_error(xml);
            assert_eq!(e.as_ref().map(|e| e.1), at, "{xml}");
            if let Some((msg, _)) = e {
                assert!(msg.contains("duplicate attribute"), "{msg}");
            }
        }
    }

    #[test]
    fn attributes_are_split_as_xml_writes_them() {
        assert_eq!(
            attributes("<a x = '1>2' y=\"it's\"\n\tz=\"\"/>"),
            [("x", "1>2"), ("y", "it's"), ("z", "")].map(|(n, v)| (n.into(), v.into()))
        );
        for bad in [r#"<a x/>"#, r#"<a x="1/>"#, r#"<a x=1/>"#, r#"<a ="1"/>"#] {
            let mut r = Reader::new(bad, ParseOptions::strict());
            let found = r.open_root().map(|_| {
                let start = r.pending().unwrap();
                r.attributes(start).find_map(Result::err)
            });
            assert!(
                matches!(found, Err(_) | Ok(Some(_))),
                "{bad} was read without an error"
            );
        }
    }

    #[test]
    fn value_ends_are_found_at_every_length_and_position() {
        for len in 0..80 {
            for quote in [b'"', b'\''] {
                let mut text = vec![b'a'; len];
                text.push(quote);
                text.extend_from_slice(b"tail\"'<&");
                assert_eq!(find_value_end(&text, 0, quote), Some((len, false)));
                for at in 0..len {
                    let mut amp = text.clone();
                    amp[at] = b'&';
                    assert_eq!(find_value_end(&amp, 0, quote), Some((len, true)));
                    let mut lt = text.clone();
                    lt[at] = b'<';
                    assert_eq!(find_value_end(&lt, 0, quote), Some((at, false)));
                }
            }
            assert_eq!(find_value_end(&vec![b'a'; len], 0, b'"'), None);
        }
    }

    #[test]
    fn malformed_tags_are_refused_in_both_modes() {
        let cases = [
            // A quote left open would otherwise run over the tags after it.
            (
                "<a><b value=\"x /><c value=\"y\"/></a>",
                "`<` in an attribute value",
            ),
            ("<a><m?thod value=\"x\"/></a>", "no XML name"),
            ("<a><1b/></a>", "without a name"),
            ("<a><b x=\"1\"y=\"2\"/></a>", "no white space"),
            ("<a><b x?=\"1\"/></a>", "has no `=`"),
        ];
        for (xml, want) in cases {
            for options in [ParseOptions::strict(), ParseOptions::lenient()] {
                let mut r = Reader::new(xml, options);
                r.open_root().unwrap();
                r.take_start();
                let found = r.next_child().and_then(|_| {
                    let start = r.take_start();
                    r.attributes(&start).try_for_each(|a| a.map(drop))
                });
                let e = found.expect_err(xml);
                assert!(e.kind().to_string().contains(want), "{xml}: {e}");
            }
        }
    }

    #[test]
    fn values_are_unescaped_only_when_they_hold_references() {
        let r = Reader::new("", ParseOptions::strict());
        let attr = |raw: &'static str| Attr {
            name: "v",
            raw,
            at: 0,
            escaped: raw.contains('&'),
        };
        assert!(matches!(
            r.unescape(&attr("plain")),
            Ok(Cow::Borrowed("plain"))
        ));
        assert_eq!(
            r.unescape(&attr("a&lt;b&amp;&#x41;&#66;&quot;&apos;&gt;"))
                .unwrap(),
            "a<b&AB\"'>"
        );
        for bad in ["&nbsp;", "&#0;", "&#x;", "&#-1;", "&amp", "&#xD800;"] {
            assert!(r.unescape(&attr(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            r.unescape(&attr("x&nbsp;")).unwrap_err().kind(),
            &ErrorKind::UndefinedEntity("nbsp".into())
        );
    }

    #[test]
    fn end_tags_must_close_the_open_element() {
        let mut r = Reader::new("<a><b></a></b>", ParseOptions::strict());
        r.open_root().unwrap();
        r.take_start();
        assert_eq!(r.next_child().unwrap(), Some("b"));
        r.take_start();
        let e = r.next_child().unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::XmlSyntax(m) if m.contains("</b>")),
            "{e}"
        );
    }

    #[test]
    fn comments_must_not_hold_two_dashes() {
        let mut r = Reader::new("<!-- a -- b --><a/>", ParseOptions::strict());
        assert!(matches!(
            r.open_root().unwrap_err().kind(),
            ErrorKind::XmlSyntax(_)
        ));
        let mut r = Reader::new("<!-- a - b --><?pi x?><a/>", ParseOptions::strict());
        assert_eq!(r.open_root().unwrap(), "a");
    }
}
