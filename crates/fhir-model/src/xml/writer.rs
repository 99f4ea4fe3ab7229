//! An XML writer into a string, compact or indented, that the generated code drives.

use super::reader::FHIR_NS;

/// Writes elements and attributes, closing start tags as late as it can so that an element
/// without children is written `<name .../>`.
pub struct Writer {
    out: String,
    pretty: bool,
    depth: usize,
    /// A start tag is open (`<name attr="..."`) and waits for `>` or `/>`.
    open: bool,
    /// Kept entries of the other format (JSON) met while writing, which XML cannot hold.
    skipped: usize,
}

impl Writer {
    /// A writer; `pretty` indents by two spaces per level.
    pub fn new(pretty: bool) -> Writer {
        Writer {
            out: String::with_capacity(4096),
            pretty,
            depth: 0,
            open: false,
            skipped: 0,
        }
    }

    /// The XML written.
    pub fn into_string(self) -> String {
        self.out
    }

    /// Takes what was written so far, to send it on before the rest is written (the writer
    /// keeps its place: what it writes next continues the same document).
    pub fn drain(&mut self) -> String {
        std::mem::take(&mut self.out)
    }

    /// How many properties kept from lenient JSON reading were left out, having no XML form.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    pub(crate) fn skip(&mut self, n: usize) {
        self.skipped += n;
    }

    fn close_open(&mut self) {
        if self.open {
            self.out.push('>');
            self.open = false;
        }
    }

    fn newline(&mut self) {
        if self.pretty && (self.depth > 0 || !self.out.is_empty()) {
            self.out.push('\n');
            for _ in 0..self.depth {
                self.out.push_str("  ");
            }
        }
    }

    /// Opens element `name`; the root gets the FHIR namespace.
    pub fn start(&mut self, name: &str) {
        self.close_open();
        self.newline();
        self.out.push('<');
        self.out.push_str(name);
        if self.depth == 0 {
            self.out.push_str(" xmlns=\"");
            self.out.push_str(FHIR_NS);
            self.out.push('"');
        }
        self.open = true;
        self.depth += 1;
    }

    /// An attribute of the element just opened, its value escaped.
    pub fn attr(&mut self, name: &str, value: &str) {
        debug_assert!(self.open, "attributes follow a start tag");
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_into(&mut self.out, value);
        self.out.push('"');
    }

    /// A whole element `<name value="..."/>`, the value escaped: what most primitives are, in
    /// one call instead of a start, an attribute and an end.
    pub fn value_element(&mut self, name: &str, value: &str) {
        self.close_open();
        self.newline();
        self.out.reserve(name.len() + value.len() + 12);
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(" value=\"");
        escape_into(&mut self.out, value);
        self.out.push_str("\"/>");
    }

    /// An attribute whose value is already escaped (kept as written by lenient reading).
    pub fn attr_raw(&mut self, name: &str, raw: &str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        self.out.push_str(raw);
        self.out.push('"');
    }

    /// Closes element `name`.
    pub fn end(&mut self, name: &str) {
        self.depth -= 1;
        if self.open {
            self.out.push_str("/>");
            self.open = false;
            return;
        }
        self.newline();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// An element as written elsewhere (the narrative's XHTML, an element kept as unknown),
    /// copied unchanged.
    pub fn raw_element(&mut self, xml: &str) {
        self.close_open();
        self.newline();
        self.out.push_str(xml);
    }
}

/// Escapes text for an attribute value in double quotes. White space other than the space is
/// written as a character reference, since XML readers turn literal tabs and line breaks in
/// attributes into spaces.
fn escape_into(out: &mut String, value: &str) {
    let bytes = value.as_bytes();
    out.reserve(bytes.len());
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Most values have nothing to escape: skip them eight bytes at a time.
        if let Some(chunk) = bytes.get(i..i + 8) {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            if !may_need_escape(u64::from_le_bytes(word)) {
                i += 8;
                continue;
            }
        }
        let end = (i + 8).min(bytes.len());
        for (j, &b) in bytes.iter().enumerate().take(end).skip(i) {
            let rep = match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\n' => "&#10;",
                b'\r' => "&#13;",
                b'\t' => "&#9;",
                _ => continue,
            };
            // `last` and `j` sit next to ASCII bytes, so these are character boundaries.
            out.push_str(&value[last..j]);
            out.push_str(rep);
            last = j + 1;
        }
        i = end;
    }
    out.push_str(&value[last..]);
}

/// Whether any of eight bytes may need escaping: `&`, `<`, `>`, `"` or a control character.
/// Never false when one does (it may be true when none does; the byte loop decides).
fn may_need_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_in = |x: u64| x.wrapping_sub(ONES) & !x;
    let found = zero_in(w ^ (ONES * u64::from(b'&')))
        | zero_in(w ^ (ONES * u64::from(b'<')))
        | zero_in(w ^ (ONES * u64::from(b'>')))
        | zero_in(w ^ (ONES * u64::from(b'"')))
        | (w.wrapping_sub(ONES * 0x20) & !w);
    found & HIGH != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_line_breaks() {
        let mut s = String::new();
        escape_into(&mut s, "a<b & \"c\"\n\td\r");
        assert_eq!(s, "a&lt;b &amp; &quot;c&quot;&#10;&#9;d&#13;");
    }

    /// The byte-at-a-time escaping the word-at-a-time one must agree with.
    fn escape_slowly(value: &str) -> String {
        let mut out = String::new();
        for c in value.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\n' => out.push_str("&#10;"),
                '\r' => out.push_str("&#13;"),
                '\t' => out.push_str("&#9;"),
                c => out.push(c),
            }
        }
        out
    }

    #[test]
    fn escaping_agrees_with_a_byte_loop_for_every_ascii_byte_at_every_offset() {
        let fillers = [
            "abcdefghijklmnopq",
            "é€😀aé€😀",
            "   !!!~~~%'=;",
            "\u{7f}\u{80}#[]?",
        ];
        for filler in fillers {
            let chars: Vec<char> = filler.chars().collect();
            for len in 0..=chars.len() {
                for b in 0..0x80u8 {
                    let mut value: String = chars[..len].iter().collect();
                    value.push(char::from(b));
                    value.push_str("xyz\"tail&<>");
                    let mut out = String::new();
                    escape_into(&mut out, &value);
                    assert_eq!(out, escape_slowly(&value), "{value:?}");
                }
            }
        }
    }

    #[test]
    fn empty_elements_close_short_and_the_root_has_the_namespace() {
        let mut w = Writer::new(false);
        w.start("Patient");
        w.start("id");
        w.attr("value", "a");
        w.end("id");
        w.end("Patient");
        assert_eq!(
            w.into_string(),
            r#"<Patient xmlns="http://hl7.org/fhir"><id value="a"/></Patient>"#
        );
    }

    #[test]
    fn a_value_element_is_the_same_as_its_start_attribute_and_end() {
        for pretty in [false, true] {
            let (mut one, mut three) = (Writer::new(pretty), Writer::new(pretty));
            for w in [&mut one, &mut three] {
                w.start("Patient");
                w.start("name");
            }
            one.value_element("family", "A&\"B\"");
            three.start("family");
            three.attr("value", "A&\"B\"");
            three.end("family");
            for w in [&mut one, &mut three] {
                w.end("name");
                w.end("Patient");
            }
            assert_eq!(one.into_string(), three.into_string());
        }
    }

    #[test]
    fn pretty_indents_by_level() {
        let mut w = Writer::new(true);
        w.start("Patient");
        w.start("name");
        w.start("family");
        w.attr("value", "A");
        w.end("family");
        w.end("name");
        w.end("Patient");
        assert_eq!(
            w.into_string(),
            "<Patient xmlns=\"http://hl7.org/fhir\">\n  <name>\n    <family value=\"A\"/>\n  </name>\n</Patient>"
        );
    }
}
