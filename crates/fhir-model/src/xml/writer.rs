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
    let mut last = 0;
    for (i, &b) in bytes.iter().enumerate() {
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
        out.push_str(&value[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&value[last..]);
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
