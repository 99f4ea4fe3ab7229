//! A pull reader over JSON text: the token level that the generated code drives.
//!
//! It is not generic over an input source on purpose: one instantiation keeps the model's
//! compile time low, and reading from a byte slice lets lenient mode go back to the start of a
//! value and keep it verbatim when it does not fit the model.

use std::borrow::Cow;
use std::collections::HashMap;

use super::JsonValue;
use crate::ParseOptions;
use crate::error::{Error, ErrorKind};

/// How deeply objects and arrays may nest; deeper input is refused instead of overflowing the stack.
const MAX_DEPTH: u32 = 256;

/// The reader state: the input, the position, and the options in force.
pub struct Reader<'a> {
    /// The input, for taking string slices without checking UTF-8 again.
    text: &'a str,
    /// The same input as bytes, for scanning.
    src: &'a [u8],
    pos: usize,
    depth: u32,
    strict: bool,
    /// Items of lists that lenient reading kept as JSON, with their index, waiting for the
    /// object loop to move them into the element's `Unknown` under the list's key.
    kept_items: Vec<(usize, JsonValue)>,
    /// The `resourceType` of objects that a look-ahead already went through, by the offset of
    /// their `{`: a resource nested in the part a look-ahead skips is then not scanned again
    /// when it is read, which keeps the look-ahead linear in the input at any nesting depth.
    types_ahead: HashMap<usize, Cow<'a, str>>,
    /// Bytes gone through by look-aheads for `resourceType`.
    look_ahead_bytes: u64,
}

/// The kind of the next JSON value, from its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peek {
    /// `{`
    Object,
    /// `[`
    Array,
    /// `"`
    String,
    /// a digit or `-`
    Number,
    /// `true` or `false`
    Bool,
    /// `null`
    Null,
}

impl Peek {
    /// A word for messages.
    pub fn name(self) -> &'static str {
        match self {
            Peek::Object => "object",
            Peek::Array => "array",
            Peek::String => "string",
            Peek::Number => "number",
            Peek::Bool => "boolean",
            Peek::Null => "null",
        }
    }
}

impl<'a> Reader<'a> {
    /// A reader at the start of `input`.
    pub fn new(input: &'a str, options: ParseOptions) -> Reader<'a> {
        Reader {
            text: input,
            src: input.as_bytes(),
            pos: 0,
            depth: 0,
            strict: options.strict,
            kept_items: Vec::new(),
            types_ahead: HashMap::new(),
            look_ahead_bytes: 0,
        }
    }

    /// How many bytes the look-aheads for `resourceType` went through so far: a measure of
    /// the work they do, independent of the machine (for tests of their cost).
    #[doc(hidden)]
    pub fn look_ahead_bytes(&self) -> u64 {
        self.look_ahead_bytes
    }

    /// How many list items are kept so far (a mark for [`Reader::take_kept_items`]).
    #[inline]
    pub(crate) fn kept_mark(&self) -> usize {
        self.kept_items.len()
    }

    /// Keeps item `index` of the list being read as JSON.
    pub(crate) fn keep_item(&mut self, index: usize, value: JsonValue) {
        self.kept_items.push((index, value));
    }

    /// Drops the items kept since `mark` (their list failed as a whole).
    #[inline]
    pub(crate) fn drop_kept_items(&mut self, mark: usize) {
        self.kept_items.truncate(mark);
    }

    /// The items kept since `mark`, in input order.
    pub(crate) fn take_kept_items(
        &mut self,
        mark: usize,
    ) -> std::vec::Drain<'_, (usize, JsonValue)> {
        self.kept_items.drain(mark..)
    }

    /// Whether strict mode is on: unknown elements, missing required ones and invalid values are errors.
    #[inline]
    pub fn strict(&self) -> bool {
        self.strict
    }

    /// The byte position, to come back to with [`Reader::rewind`].
    #[inline]
    pub fn position(&self) -> (usize, u32) {
        (self.pos, self.depth)
    }

    /// Goes back to a position taken with [`Reader::position`].
    #[inline]
    pub fn rewind(&mut self, at: (usize, u32)) {
        self.pos = at.0;
        self.depth = at.1;
    }

    /// An error of `kind` at the current position.
    pub fn error(&self, kind: ErrorKind) -> Error {
        Error::new(kind, self.pos)
    }

    /// An error of `kind` at byte `offset`.
    pub fn error_at(&self, kind: ErrorKind, offset: usize) -> Error {
        Error::new(kind, offset)
    }

    fn syntax(&self, msg: impl Into<String>) -> Error {
        if self.pos >= self.src.len() {
            Error::new(ErrorKind::UnexpectedEnd, self.pos)
        } else {
            Error::new(ErrorKind::Syntax(msg.into()), self.pos)
        }
    }

    /// Skips white space. The check for none at all is inlined; compact JSON rarely has any.
    #[inline]
    fn skip_ws(&mut self) {
        match self.src.get(self.pos) {
            Some(&b) if b > b' ' => {}
            _ => self.skip_ws_run(),
        }
    }

    /// The rest of [`Reader::skip_ws`].
    #[inline(never)]
    fn skip_ws_run(&mut self) {
        let s = self.src;
        let mut i = self.pos;
        loop {
            match s.get(i) {
                Some(b' ') => {
                    i += 1;
                    if s.get(i) != Some(&b' ') {
                        // One space, as after a colon.
                        continue;
                    }
                    // Indentation comes in runs of spaces: skip them eight at a time.
                    while let Some(chunk) = s.get(i..i + 8) {
                        let mut word = [0; 8];
                        word.copy_from_slice(chunk);
                        let other = u64::from_le_bytes(word) ^ (ONES * u64::from(b' '));
                        if other != 0 {
                            // The first byte that is not a space (little-endian: lowest first).
                            i += (other.trailing_zeros() / 8) as usize;
                            break;
                        }
                        i += 8;
                    }
                }
                Some(b'\n' | b'\r' | b'\t') => i += 1,
                _ => break,
            }
        }
        self.pos = i;
    }

    /// Checks that nothing but white space follows the document.
    pub fn finish(&mut self) -> Result<(), Error> {
        self.skip_ws();
        if self.pos < self.src.len() {
            return Err(self.syntax("trailing characters after the JSON value"));
        }
        Ok(())
    }

    /// The kind of the next value, skipping white space first.
    #[inline]
    pub fn peek(&mut self) -> Result<Peek, Error> {
        self.skip_ws();
        match self.src.get(self.pos) {
            Some(b'{') => Ok(Peek::Object),
            Some(b'[') => Ok(Peek::Array),
            Some(b'"') => Ok(Peek::String),
            Some(b'-' | b'0'..=b'9') => Ok(Peek::Number),
            Some(b't' | b'f') => Ok(Peek::Bool),
            Some(b'n') => Ok(Peek::Null),
            Some(_) => Err(self.syntax("expected a JSON value")),
            None => Err(self.syntax("")),
        }
    }

    /// An error saying the next value is of the wrong kind (`expected` names what FHIR wants).
    pub fn wrong_type(&mut self, expected: &'static str) -> Error {
        match self.peek() {
            Ok(Peek::Null) => self.error(ErrorKind::Null),
            Ok(found) => self.error(ErrorKind::WrongType {
                expected,
                found: found.name(),
            }),
            Err(e) => e,
        }
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(ErrorKind::TooDeep));
        }
        Ok(())
    }

    /// Consumes `{`, or fails with a type error naming `expected`.
    pub fn begin_object(&mut self, expected: &'static str) -> Result<(), Error> {
        if self.peek()? != Peek::Object {
            return Err(self.wrong_type(expected));
        }
        self.enter()?;
        self.pos += 1;
        Ok(())
    }

    /// The next key of the object being read, or `None` at its end (consuming `}`).
    ///
    /// `first` tells whether no member was read yet; the reader leaves it updated. After a key
    /// the reader stands at its value.
    pub fn next_key(&mut self, first: &mut bool) -> Result<Option<Cow<'a, str>>, Error> {
        self.skip_ws();
        match self.src.get(self.pos) {
            Some(b'}') => {
                self.pos += 1;
                self.depth -= 1;
                return Ok(None);
            }
            Some(b',') if !*first => {
                self.pos += 1;
                self.skip_ws();
            }
            _ if *first => {}
            _ => return Err(self.syntax("expected ',' or '}' in an object")),
        }
        *first = false;
        if self.src.get(self.pos) != Some(&b'"') {
            return Err(self.syntax("expected a string key"));
        }
        let key = self.read_string_raw()?;
        self.skip_ws();
        if self.src.get(self.pos) != Some(&b':') {
            return Err(self.syntax("expected ':' after a key"));
        }
        self.pos += 1;
        self.skip_ws();
        Ok(Some(key))
    }

    /// Consumes `[`, or fails with a type error naming `expected`.
    pub fn begin_array(&mut self, expected: &'static str) -> Result<(), Error> {
        if self.peek()? != Peek::Array {
            return Err(self.wrong_type(expected));
        }
        self.enter()?;
        self.pos += 1;
        Ok(())
    }

    /// Whether another item follows in the array being read; `false` consumes `]`.
    pub fn next_item(&mut self, first: &mut bool) -> Result<bool, Error> {
        self.skip_ws();
        match self.src.get(self.pos) {
            Some(b']') => {
                self.pos += 1;
                self.depth -= 1;
                Ok(false)
            }
            Some(b',') if !*first => {
                self.pos += 1;
                self.skip_ws();
                Ok(true)
            }
            Some(_) if *first => {
                *first = false;
                Ok(true)
            }
            _ => Err(self.syntax("expected ',' or ']' in an array")),
        }
    }

    /// Consumes `null` if it comes next.
    pub fn take_null(&mut self) -> Result<bool, Error> {
        if self.peek()? == Peek::Null {
            self.literal(b"null")?;
            return Ok(true);
        }
        Ok(false)
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Error> {
        if self.src[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.syntax("invalid literal"))
        }
    }

    /// Reads `true` or `false`.
    pub fn read_bool(&mut self) -> Result<bool, Error> {
        match self.peek()? {
            Peek::Bool if self.src[self.pos] == b't' => self.literal(b"true").map(|()| true),
            Peek::Bool => self.literal(b"false").map(|()| false),
            _ => Err(self.wrong_type("boolean")),
        }
    }

    /// Reads a string value.
    pub fn read_str(&mut self) -> Result<Cow<'a, str>, Error> {
        if self.peek()? != Peek::String {
            return Err(self.wrong_type("string"));
        }
        self.read_string_raw()
    }

    /// Reads a number and returns its exact text, checked against the JSON grammar.
    pub fn read_number(&mut self) -> Result<&'a str, Error> {
        if self.peek()? != Peek::Number {
            return Err(self.wrong_type("number"));
        }
        let start = self.pos;
        let s = self.src;
        let mut i = start;
        if s.get(i) == Some(&b'-') {
            i += 1;
        }
        match s.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while matches!(s.get(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
            }
            _ => {
                self.pos = i;
                return Err(self.syntax("invalid number"));
            }
        }
        if s.get(i) == Some(&b'.') {
            i += 1;
            let digits = i;
            while matches!(s.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
            if i == digits {
                self.pos = i;
                return Err(self.syntax("invalid number: no digit after '.'"));
            }
        }
        if matches!(s.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(s.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let digits = i;
            while matches!(s.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
            if i == digits {
                self.pos = i;
                return Err(self.syntax("invalid number: no digit in the exponent"));
            }
        }
        self.pos = i;
        self.slice(start, i)
    }

    /// Reads a string token (the reader stands at its `"`), borrowing when it has no escapes.
    #[inline]
    fn read_string_raw(&mut self) -> Result<Cow<'a, str>, Error> {
        let start = self.pos + 1;
        // Fast path, inlined: no escapes, borrow from the input.
        let end = find_special(self.src, start);
        if self.src.get(end) == Some(&b'"') {
            self.pos = end + 1;
            return self.slice(start, end).map(Cow::Borrowed);
        }
        self.read_string_escaped(start, end)
    }

    /// The rest of [`Reader::read_string_raw`]: `i` is at the first escape (or an error).
    #[inline(never)]
    fn read_string_escaped(&mut self, start: usize, mut i: usize) -> Result<Cow<'a, str>, Error> {
        let s = self.src;
        match s.get(i) {
            Some(b'\\') => {}
            Some(b'"') => {
                self.pos = i + 1;
                return self.slice(start, i).map(Cow::Borrowed);
            }
            Some(_) => {
                self.pos = i;
                return Err(self.syntax("control character in a string"));
            }
            None => {
                self.pos = i;
                return Err(self.syntax(""));
            }
        }
        let mut out = String::with_capacity(i - start + 16);
        out.push_str(self.slice(start, i)?);
        loop {
            match s.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    i += 1;
                    let c = match s.get(i) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos = i - 1;
                            let (c, next) = self.unicode_escape(i + 1)?;
                            i = next - 1;
                            c
                        }
                        _ => {
                            self.pos = i;
                            return Err(self.syntax("invalid escape in a string"));
                        }
                    };
                    out.push(c);
                    i += 1;
                }
                Some(&b) if b < 0x20 => {
                    self.pos = i;
                    return Err(self.syntax("control character in a string"));
                }
                Some(_) => {
                    let run = i;
                    i = find_special(s, i);
                    out.push_str(self.slice(run, i)?);
                }
                None => {
                    self.pos = i;
                    return Err(self.syntax(""));
                }
            }
        }
    }

    /// Decodes `XXXX` (and a following `\uXXXX` low surrogate) starting at byte `i`.
    fn unicode_escape(&self, i: usize) -> Result<(char, usize), Error> {
        let hex = |at: usize| -> Option<u32> {
            let digits = self.src.get(at..at + 4)?;
            let text = std::str::from_utf8(digits).ok()?;
            u32::from_str_radix(text, 16).ok()
        };
        let bad = || Error::new(ErrorKind::Syntax("invalid \\u escape".into()), self.pos);
        let first = hex(i).ok_or_else(bad)?;
        if (0xD800..0xDC00).contains(&first) {
            if self.src.get(i + 4..i + 6) != Some(b"\\u") {
                return Err(bad());
            }
            let second = hex(i + 6).ok_or_else(bad)?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(bad());
            }
            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            return char::from_u32(code).map(|c| (c, i + 10)).ok_or_else(bad);
        }
        char::from_u32(first).map(|c| (c, i + 4)).ok_or_else(bad)
    }

    /// The input text from byte `start` to `end`.
    ///
    /// Callers cut only next to ASCII bytes (quotes, backslashes, digits), which are always
    /// character boundaries of the `&str` input, so this never fails; `str::get` checks just the
    /// two boundaries instead of validating the UTF-8 of the whole slice again, as
    /// `str::from_utf8` did (a fifth of the parse time).
    #[inline]
    fn slice(&self, start: usize, end: usize) -> Result<&'a str, Error> {
        self.text
            .get(start..end)
            .ok_or_else(|| Error::new(ErrorKind::Syntax("invalid UTF-8".into()), start))
    }

    /// Skips one value of any kind, checking its syntax (without building it: strings without
    /// escapes are not even copied).
    pub fn skip_value(&mut self) -> Result<(), Error> {
        match self.peek()? {
            Peek::Object => {
                self.enter()?;
                self.pos += 1;
                let mut first = true;
                while self.next_key(&mut first)?.is_some() {
                    self.skip_value()?;
                }
                Ok(())
            }
            Peek::Array => {
                self.enter()?;
                self.pos += 1;
                let mut first = true;
                while self.next_item(&mut first)? {
                    self.skip_value()?;
                }
                Ok(())
            }
            Peek::String => self.read_string_raw().map(drop),
            Peek::Number => self.read_number().map(drop),
            Peek::Bool => self.read_bool().map(drop),
            Peek::Null => self.literal(b"null"),
        }
    }

    /// Reads one value of any kind as a [`JsonValue`], keeping number texts and key order.
    pub fn read_raw(&mut self) -> Result<JsonValue, Error> {
        match self.peek()? {
            Peek::Object => {
                self.enter()?;
                self.pos += 1;
                let mut members = Vec::new();
                let mut first = true;
                while let Some(key) = self.next_key(&mut first)? {
                    let value = self.read_raw()?;
                    members.push((key.into_owned(), value));
                }
                Ok(JsonValue::Object(members))
            }
            Peek::Array => {
                self.enter()?;
                self.pos += 1;
                let mut items = Vec::new();
                let mut first = true;
                while self.next_item(&mut first)? {
                    items.push(self.read_raw()?);
                }
                Ok(JsonValue::Array(items))
            }
            Peek::String => Ok(JsonValue::String(self.read_string_raw()?.into_owned())),
            Peek::Number => Ok(JsonValue::Number(self.read_number()?.to_owned())),
            Peek::Bool => self.read_bool().map(JsonValue::Bool),
            Peek::Null => self.literal(b"null").map(|()| JsonValue::Null),
        }
    }

    /// Looks ahead through the object that starts here for its `resourceType`, then comes back.
    ///
    /// `resourceType` need not be the first key; only the members before it are skipped. The
    /// types of resources nested in what is skipped are noted on the way, so that no byte is
    /// looked ahead through twice, however deeply resources nest.
    pub fn find_resource_type(&mut self) -> Result<Cow<'a, str>, Error> {
        let start = self.position();
        self.peek()?;
        let open = self.pos;
        if let Some(found) = self.types_ahead.get(&open) {
            return Ok(found.clone());
        }
        self.begin_object("a resource (JSON object)")?;
        let mut first = true;
        let mut found = None;
        let mut skipped = false;
        while let Some(key) = self.next_key(&mut first)? {
            if key == "resourceType" {
                found = Some(self.read_str().map_err(|e| e.in_field("resourceType"))?);
                break;
            }
            skipped = true;
            self.skip_noting_types()?;
        }
        self.look_ahead_bytes += (self.pos - open) as u64;
        self.rewind(start);
        let found = found.ok_or_else(|| self.error(ErrorKind::MissingResourceType))?;
        if skipped {
            self.note_type(open, found.clone());
        }
        Ok(found)
    }

    fn note_type(&mut self, open: usize, resource_type: Cow<'a, str>) {
        self.types_ahead.insert(open, resource_type);
    }

    /// [`Reader::skip_value`] for look-aheads: also notes the `resourceType` of every object.
    fn skip_noting_types(&mut self) -> Result<(), Error> {
        match self.peek()? {
            Peek::Object => {
                let open = self.pos;
                self.enter()?;
                self.pos += 1;
                let mut first = true;
                while let Some(key) = self.next_key(&mut first)? {
                    if key == "resourceType" && self.peek()? == Peek::String {
                        let found = self.read_string_raw()?;
                        self.note_type(open, found);
                    } else {
                        self.skip_noting_types()?;
                    }
                }
                Ok(())
            }
            Peek::Array => {
                self.enter()?;
                self.pos += 1;
                let mut first = true;
                while self.next_item(&mut first)? {
                    self.skip_noting_types()?;
                }
                Ok(())
            }
            _ => self.skip_value(),
        }
    }
}

/// A byte of 1 in each of the eight bytes of a word, to spread a byte over a word by multiplying.
const ONES: u64 = 0x0101_0101_0101_0101;

/// The position of the first byte at or after `i` that ends a run of plain string content: `"`,
/// `\\` or a control character (below 0x20); `bytes.len()` if there is none.
///
/// The reader uses it to find the end of a string, the writer to find what it must escape: the
/// same three kinds of byte. It looks at eight bytes at a time (SWAR): for each kind, a byte
/// matches when subtracting from it borrows into its top bit. A borrow can only spread upwards
/// from a byte that matched itself, so the lowest flagged byte is always a true match.
#[inline]
pub(super) fn find_special(bytes: &[u8], mut i: usize) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const QUOTES: u64 = ONES * b'"' as u64;
    const BACKSLASHES: u64 = ONES * b'\\' as u64;
    const SPACES: u64 = ONES * 0x20;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let quote = w ^ QUOTES;
        let backslash = w ^ BACKSLASHES;
        let found = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(SPACES) & !w);
        let found = found & HIGH;
        if found != 0 {
            // Little-endian: the lowest bit is the first byte in memory.
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    // Fewer than eight bytes left (the end of a short string, for the writer): one table look-up
    // per byte instead of three comparisons.
    while let Some(&b) = bytes.get(i) {
        if SPECIAL[usize::from(b)] {
            return i;
        }
        i += 1;
    }
    bytes.len().min(i)
}

/// The bytes [`find_special`] looks for, as a table.
static SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(bytes: &[u8], from: usize) -> usize {
        (from..bytes.len())
            .find(|&i| matches!(bytes[i], b'"' | b'\\' | 0..=0x1f))
            .unwrap_or(bytes.len())
    }

    #[test]
    fn find_special_agrees_with_a_byte_loop() {
        // Every byte value at every offset of a word, after plain, high and borderline bytes.
        let fillers: [&[u8]; 4] = [
            b"abcdefghijklmnopq",
            "é€😀aé€😀".as_bytes(),
            b"   !!!~~~",
            b"\x7f\x80\xff#[]",
        ];
        for filler in fillers {
            for len in 0..filler.len() {
                for b in 0..=255u8 {
                    let mut bytes = filler[..len].to_vec();
                    bytes.push(b);
                    bytes.extend_from_slice(b"xyz\"tail");
                    for from in 0..bytes.len() {
                        assert_eq!(
                            find_special(&bytes, from),
                            naive(&bytes, from),
                            "{bytes:?} from {from}"
                        );
                    }
                }
            }
        }
        assert_eq!(find_special(b"", 0), 0);
        assert_eq!(find_special(b"plain text without end", 3), 22);
    }

    #[test]
    fn strings_with_escapes_and_non_ascii_read_back() {
        let text = r#"["plain", "é€😀 long enough to take several words", "a\"b\\c\nd\u00e9\ud83d\ude00", "\u0001x"]"#;
        let v = JsonValue::parse(text).unwrap();
        let JsonValue::Array(items) = &v else {
            panic!()
        };
        assert_eq!(items[0].as_str(), Some("plain"));
        assert_eq!(
            items[1].as_str(),
            Some("é€😀 long enough to take several words")
        );
        assert_eq!(items[2].as_str(), Some("a\"b\\c\ndé😀"));
        assert_eq!(items[3].as_str(), Some("\u{1}x"));
        assert_eq!(
            v.to_json_string(),
            r#"["plain","é€😀 long enough to take several words","a\"b\\c\ndé😀","\u0001x"]"#
        );
    }

    #[test]
    fn control_characters_and_unterminated_strings_are_errors() {
        assert!(JsonValue::parse("\"abc\u{1}def\"").is_err());
        assert!(JsonValue::parse("\"abcdefghijkl\tmnop\"").is_err());
        assert!(JsonValue::parse("\"abcdefghijklmnop").is_err());
        assert!(JsonValue::parse("\"ab\\").is_err());
        assert!(JsonValue::parse("\"ab\\\"").is_err());
    }

    #[test]
    fn white_space_runs_of_any_length_are_skipped() {
        for n in 0..40 {
            let pad = " ".repeat(n);
            let text = format!(
                "{pad}{{{pad}\"a\"{pad}:{pad}[{pad}1{pad},\n{pad}\t\r{pad}2{pad}]{pad}}}{pad}"
            );
            let v = JsonValue::parse(&text).unwrap();
            assert_eq!(v.to_json_string(), r#"{"a":[1,2]}"#, "padding {n}");
        }
        assert!(JsonValue::parse("          \u{b}  1").is_err());
    }

    #[test]
    fn the_resource_type_is_found_after_other_members() {
        let text = r#"{"id": "x", "contact": [{"name": "a\"b", "n": [1.5e3, true, null, {}]}], "resourceType": "Patient", "z": 1}"#;
        let mut r = Reader::new(text, ParseOptions::default());
        assert_eq!(r.find_resource_type().unwrap(), "Patient");
        assert_eq!(r.position(), (0, 0));
        // Skipping still checks the syntax of what it skips.
        for bad in [
            r#"{"id": [1,], "resourceType": "P"}"#,
            r#"{"id": "\x", "resourceType": "P"}"#,
            r#"{"id": 01, "resourceType": "P"}"#,
            r#"{"id": {"a" 1}, "resourceType": "P"}"#,
        ] {
            let mut r = Reader::new(bad, ParseOptions::default());
            assert!(r.find_resource_type().is_err(), "{bad}");
        }
    }
}
