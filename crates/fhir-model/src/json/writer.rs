//! A JSON writer into a byte buffer, compact or indented, that the generated code drives.

use super::JsonValue;
use super::reader::find_special;

/// Writes JSON tokens, keeping track of commas and (when pretty) indentation.
pub struct Writer {
    /// A `String`, not bytes: everything written is `&str` or ASCII, and keeping it a `String`
    /// all along saves validating the whole output as UTF-8 at the end.
    out: String,
    pretty: bool,
    depth: usize,
    /// Whether a value was written at the current level, so the next one needs a comma.
    needs_comma: bool,
    /// The list items kept as JSON by lenient reading (key, index, item) of the object whose
    /// fields are being written; `None`, the common case, costs the list writers one test.
    kept: Option<Box<KeptItems>>,
    /// Kept entries of the other format (XML) met while writing, which JSON cannot hold.
    skipped: usize,
}

/// List items kept as JSON: the list's key, the item's index in the input, the item.
pub(crate) type KeptItems = Vec<(String, usize, JsonValue)>;

impl Writer {
    /// A writer; `pretty` indents by two spaces per level.
    pub fn new(pretty: bool) -> Writer {
        Writer {
            out: String::with_capacity(4096),
            pretty,
            depth: 0,
            needs_comma: false,
            kept: None,
            skipped: 0,
        }
    }

    /// Takes the kept items of the object being written, for [`Writer::restore_kept_items`].
    #[inline]
    pub(crate) fn take_kept_items(&mut self) -> Option<Box<KeptItems>> {
        self.kept.take()
    }

    /// Makes the kept items of `unknown` those of the object being written (a rare, slow path:
    /// they are copied, since the writer does not borrow the model).
    pub(crate) fn set_kept_items(&mut self, unknown: &crate::Unknown) {
        let items = unknown
            .items()
            .map(|(k, i, v)| (k.to_owned(), i, v.clone()))
            .collect();
        self.kept = Some(Box::new(items));
    }

    /// Puts back what [`Writer::take_kept_items`] took.
    #[inline]
    pub(crate) fn restore_kept_items(&mut self, kept: Option<Box<KeptItems>>) {
        self.kept = kept;
    }

    /// Whether the object being written has kept list items.
    #[inline]
    pub(crate) fn has_kept_items(&self) -> bool {
        self.kept.is_some()
    }

    /// The kept items of list `key`, as (index, item), in input order.
    pub(crate) fn kept_items_of(&self, key: &str) -> Vec<(usize, JsonValue)> {
        self.kept
            .iter()
            .flat_map(|k| k.iter())
            .filter(|(k, _, _)| k == key)
            .map(|(_, i, v)| (*i, v.clone()))
            .collect()
    }

    /// How many elements and attributes kept from lenient XML reading were left out, having
    /// no JSON form.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    pub(crate) fn skip(&mut self, n: usize) {
        self.skipped += n;
    }

    /// The JSON written so far.
    pub fn into_string(self) -> String {
        self.out
    }

    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.out.into_bytes()
    }

    fn newline(&mut self) {
        if self.pretty {
            self.out.push('\n');
            for _ in 0..self.depth {
                self.out.push_str("  ");
            }
        }
    }

    fn separate(&mut self) {
        if self.needs_comma {
            self.out.push(',');
        }
        self.newline();
    }

    /// Starts an object (after a key, as an array item, or at the top).
    pub fn begin_object(&mut self) {
        self.out.push('{');
        self.depth += 1;
        self.needs_comma = false;
    }

    /// Ends an object.
    pub fn end_object(&mut self) {
        self.depth -= 1;
        if self.needs_comma {
            self.newline();
        }
        self.out.push('}');
        self.needs_comma = true;
    }

    /// Starts an array.
    pub fn begin_array(&mut self) {
        self.out.push('[');
        self.depth += 1;
        self.needs_comma = false;
    }

    /// Ends an array.
    pub fn end_array(&mut self) {
        self.depth -= 1;
        if self.needs_comma {
            self.newline();
        }
        self.out.push(']');
        self.needs_comma = true;
    }

    /// Writes an object key; a value must follow. Keys from the model need no escaping.
    pub fn key(&mut self, key: &str) {
        self.separate();
        self.string(key);
        self.out.push(':');
        if self.pretty {
            self.out.push(' ');
        }
        self.needs_comma = false;
    }

    /// Prepares for the next array item.
    pub fn item(&mut self) {
        self.separate();
    }

    /// Writes `null`.
    pub fn null(&mut self) {
        self.out.push_str("null");
        self.needs_comma = true;
    }

    /// Writes `true` or `false`.
    pub fn bool(&mut self, v: bool) {
        self.out.push_str(if v { "true" } else { "false" });
        self.needs_comma = true;
    }

    /// Writes a number from its text, which the caller guarantees to be a JSON number.
    pub fn number_text(&mut self, text: &str) {
        self.out.push_str(text);
        self.needs_comma = true;
    }

    /// Writes an integer.
    pub fn integer(&mut self, v: i64) {
        let mut buf = itoa::Buffer::new();
        self.out.push_str(buf.format(v));
        self.needs_comma = true;
    }

    /// Writes a string value, escaped.
    pub fn str(&mut self, s: &str) {
        self.string(s);
        self.needs_comma = true;
    }

    fn string(&mut self, s: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let bytes = s.as_bytes();
        self.out.reserve(bytes.len() + 2);
        self.out.push('"');
        let mut run = 0;
        // Whole runs without anything to escape are copied at once; most strings are one run.
        let mut i = find_special(bytes, 0);
        while let Some(&b) = bytes.get(i) {
            // `run` and `i` sit next to ASCII bytes, so these are character boundaries.
            self.out.push_str(&s[run..i]);
            match b {
                b'"' => self.out.push_str("\\\""),
                b'\\' => self.out.push_str("\\\\"),
                b'\n' => self.out.push_str("\\n"),
                b'\r' => self.out.push_str("\\r"),
                b'\t' => self.out.push_str("\\t"),
                _ => {
                    self.out.push_str("\\u00");
                    self.out.push(char::from(HEX[usize::from(b >> 4)]));
                    self.out.push(char::from(HEX[usize::from(b & 0xf)]));
                }
            }
            run = i + 1;
            i = find_special(bytes, run);
        }
        self.out.push_str(&s[run..]);
        self.out.push('"');
    }

    /// Writes any [`JsonValue`].
    pub fn raw_value(&mut self, v: &JsonValue) {
        match v {
            JsonValue::Null => self.null(),
            JsonValue::Bool(b) => self.bool(*b),
            JsonValue::Number(n) => self.number_text(n),
            JsonValue::String(s) => self.str(s),
            JsonValue::Array(items) => {
                self.begin_array();
                for item in items {
                    self.item();
                    self.raw_value(item);
                }
                self.end_array();
            }
            JsonValue::Object(members) => {
                self.begin_object();
                for (k, v) in members {
                    self.key(k);
                    self.raw_value(v);
                }
                self.end_object();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The escaping the writer had before it looked at more than one byte at a time.
    fn naive(s: &str) -> String {
        let mut out = String::from('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn strings_are_escaped_as_byte_by_byte() {
        let plain = "abcdéfgh€ijklmnop😀qrstuvwxyz";
        for special in (0u8..0x20)
            .map(char::from)
            .chain(['"', '\\', '/', '\u{7f}', 'é'])
        {
            for at in 0..plain.chars().count() {
                let mut s: String = plain.chars().take(at).collect();
                s.push(special);
                s.extend(plain.chars().skip(at));
                for text in [s.clone(), s.repeat(3), s.chars().take(at + 1).collect()] {
                    let mut w = Writer::new(false);
                    w.str(&text);
                    assert_eq!(w.into_string(), naive(&text), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn keys_are_escaped_too() {
        let mut w = Writer::new(false);
        w.begin_object();
        w.key("a\"b");
        w.null();
        w.end_object();
        assert_eq!(w.into_string(), r#"{"a\"b":null}"#);
    }
}
