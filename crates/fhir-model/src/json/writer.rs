//! A JSON writer into a byte buffer, compact or indented, that the generated code drives.

use super::JsonValue;

/// Writes JSON tokens, keeping track of commas and (when pretty) indentation.
pub struct Writer {
    out: Vec<u8>,
    pretty: bool,
    depth: usize,
    /// Whether a value was written at the current level, so the next one needs a comma.
    needs_comma: bool,
}

impl Writer {
    /// A writer; `pretty` indents by two spaces per level.
    pub fn new(pretty: bool) -> Writer {
        Writer {
            out: Vec::with_capacity(4096),
            pretty,
            depth: 0,
            needs_comma: false,
        }
    }

    /// The JSON written so far.
    pub fn into_string(self) -> String {
        // Everything written is either ASCII punctuation or came from `&str`s, escaped as a whole.
        String::from_utf8(self.out).unwrap_or_default()
    }

    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    fn newline(&mut self) {
        if self.pretty {
            self.out.push(b'\n');
            for _ in 0..self.depth {
                self.out.extend_from_slice(b"  ");
            }
        }
    }

    fn separate(&mut self) {
        if self.needs_comma {
            self.out.push(b',');
        }
        self.newline();
    }

    /// Starts an object (after a key, as an array item, or at the top).
    pub fn begin_object(&mut self) {
        self.out.push(b'{');
        self.depth += 1;
        self.needs_comma = false;
    }

    /// Ends an object.
    pub fn end_object(&mut self) {
        self.depth -= 1;
        if self.needs_comma {
            self.newline();
        }
        self.out.push(b'}');
        self.needs_comma = true;
    }

    /// Starts an array.
    pub fn begin_array(&mut self) {
        self.out.push(b'[');
        self.depth += 1;
        self.needs_comma = false;
    }

    /// Ends an array.
    pub fn end_array(&mut self) {
        self.depth -= 1;
        if self.needs_comma {
            self.newline();
        }
        self.out.push(b']');
        self.needs_comma = true;
    }

    /// Writes an object key; a value must follow. Keys from the model need no escaping.
    pub fn key(&mut self, key: &str) {
        self.separate();
        self.string(key);
        self.out.push(b':');
        if self.pretty {
            self.out.push(b' ');
        }
        self.needs_comma = false;
    }

    /// Prepares for the next array item.
    pub fn item(&mut self) {
        self.separate();
    }

    /// Writes `null`.
    pub fn null(&mut self) {
        self.out.extend_from_slice(b"null");
        self.needs_comma = true;
    }

    /// Writes `true` or `false`.
    pub fn bool(&mut self, v: bool) {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        self.needs_comma = true;
    }

    /// Writes a number from its text, which the caller guarantees to be a JSON number.
    pub fn number_text(&mut self, text: &str) {
        self.out.extend_from_slice(text.as_bytes());
        self.needs_comma = true;
    }

    /// Writes an integer.
    pub fn integer(&mut self, v: i64) {
        let mut buf = itoa::Buffer::new();
        self.out.extend_from_slice(buf.format(v).as_bytes());
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
        self.out.push(b'"');
        let mut run = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let escape: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0..=0x1f => b"",
                _ => continue,
            };
            self.out.extend_from_slice(&bytes[run..i]);
            if escape.is_empty() {
                self.out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 0xf)],
                ]);
            } else {
                self.out.extend_from_slice(escape);
            }
            run = i + 1;
        }
        self.out.extend_from_slice(&bytes[run..]);
        self.out.push(b'"');
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
