//! The one error type of reading FHIR JSON and XML: what went wrong, at which FHIR path, at which line and column.

use std::fmt;

use crate::value::InvalidValue;

/// An error while reading FHIR JSON or XML.
///
/// It names the FHIR path of the offending element (for example `Patient.contact[0].name.given[1]`)
/// and the line and column (1-based) in the input where it starts.
///
/// ```
/// use fhir_model::r4::Resource;
///
/// let err = Resource::from_json_str(r#"{"resourceType": "Patient", "birthDate": "1974-13-01"}"#,
///     fhir_model::ParseOptions::strict()).unwrap_err();
/// assert_eq!(err.path(), "Patient.birthDate");
/// assert_eq!((err.line(), err.column()), (1, 42));
/// assert!(err.to_string().contains("invalid date"));
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    /// Path segments from the innermost outwards: errors collect their path while they travel up.
    path_rev: Vec<Segment>,
    offset: usize,
    line: u32,
    column: u32,
}

enum Segment {
    Field(String),
    Index(usize),
}

/// What kind of problem an [`Error`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is not well-formed JSON.
    Syntax(String),
    /// The input ended in the middle of a value.
    UnexpectedEnd,
    /// A JSON value of the wrong kind, e.g. a number where FHIR expects a string.
    WrongType {
        /// What FHIR expects here.
        expected: &'static str,
        /// What the input has.
        found: &'static str,
    },
    /// A primitive whose text is not a valid value of its type (e.g. a date `2012-02-30`).
    InvalidValue(InvalidValue),
    /// A code outside the required value set of the element.
    UnknownCode {
        /// The code found.
        code: String,
        /// The value set's name.
        value_set: &'static str,
    },
    /// A property the definitions do not know (reported in strict mode only).
    UnknownElement,
    /// A required element (cardinality 1..1 or 1..*) is absent (reported in strict mode only).
    MissingRequired,
    /// An empty JSON array: FHIR forbids them, an absent list is left out instead.
    EmptyArray,
    /// An empty JSON object: FHIR forbids elements without content.
    EmptyObject,
    /// `null` where a value is expected (only allowed inside the arrays of a primitive list).
    Null,
    /// More than one type of a choice element (e.g. both `valueString` and `valueQuantity`).
    ConflictingChoice,
    /// The same element given twice.
    Duplicate,
    /// A resource without `resourceType`.
    MissingResourceType,
    /// A `resourceType` this FHIR version does not define.
    UnknownResourceType(String),
    /// A `resourceType` other than the one being read.
    WrongResourceType {
        /// The type being read.
        expected: &'static str,
        /// The type in the input.
        found: String,
    },
    /// Objects and arrays nested deeper than the reader allows.
    TooDeep,
    /// Bytes that are not UTF-8 (JSON text must be UTF-8); the position is the first bad byte.
    InvalidUtf8,
    /// The two arrays of a repeating primitive (`given` and `_given`) differ in length.
    MisalignedList {
        /// The length of the array read first.
        first: usize,
        /// The length of the array read second.
        second: usize,
    },
    /// The input is not well-formed XML.
    XmlSyntax(String),
    /// A document type declaration: refused, so that no entity is ever declared or fetched.
    DoctypeNotAllowed,
    /// An entity reference other than XML's five (`&lt;` `&gt;` `&amp;` `&apos;` `&quot;`) and
    /// character references.
    UndefinedEntity(String),
    /// Text or CDATA where FHIR XML has only elements (FHIR elements carry data in attributes).
    MisplacedText,
    /// Something other than white space, comments or processing instructions after the root.
    TrailingContent,
    /// An element outside the FHIR namespace where a FHIR element is expected (or, for the
    /// narrative, a `div` outside the XHTML namespace).
    WrongNamespace {
        /// The namespace expected.
        expected: &'static str,
        /// The namespace found (empty when none is declared).
        found: String,
    },
    /// An element before one that comes earlier in the definition (strict XML reading only:
    /// XML, unlike JSON, is ordered).
    OutOfOrder,
    /// An XML attribute the definitions do not know (reported in strict mode only).
    UnknownAttribute,
    /// An XML element with no attributes and no children: FHIR elements must have content.
    EmptyElement,
    /// A resource type of this FHIR version whose cargo feature is off in this build (XML
    /// reading types every resource; JSON keeps such a resource as raw JSON instead).
    ResourceNotCompiled(String),
}

impl ErrorKind {
    /// Whether lenient reading can keep the offending property as raw JSON and go on.
    ///
    /// Everything but broken JSON is recoverable: the property is kept verbatim, so nothing is
    /// lost. A resource of another type than the one being read is not: lenient reading keeps
    /// unknown elements, never a different resource.
    pub fn is_recoverable(&self) -> bool {
        !matches!(
            self,
            ErrorKind::Syntax(_)
                | ErrorKind::UnexpectedEnd
                | ErrorKind::TooDeep
                | ErrorKind::InvalidUtf8
                | ErrorKind::WrongResourceType { .. }
                | ErrorKind::XmlSyntax(_)
                | ErrorKind::DoctypeNotAllowed
                | ErrorKind::UndefinedEntity(_)
                | ErrorKind::TrailingContent
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Syntax(msg) => write!(f, "invalid JSON: {msg}"),
            ErrorKind::UnexpectedEnd => f.write_str("unexpected end of input"),
            ErrorKind::WrongType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            ErrorKind::InvalidValue(v) => write!(f, "{v}"),
            ErrorKind::UnknownCode { code, value_set } => {
                write!(
                    f,
                    "code \"{code}\" is not in the required value set {value_set}"
                )
            }
            ErrorKind::UnknownElement => f.write_str("unknown element"),
            ErrorKind::MissingRequired => f.write_str("missing required element"),
            ErrorKind::EmptyArray => f.write_str("empty array (FHIR leaves out empty lists)"),
            ErrorKind::EmptyObject => f.write_str("empty object (FHIR elements must have content)"),
            ErrorKind::Null => f.write_str("null is not a value"),
            ErrorKind::ConflictingChoice => f.write_str("a second type for a choice element"),
            ErrorKind::Duplicate => f.write_str("element given twice"),
            ErrorKind::MissingResourceType => f.write_str("resource without resourceType"),
            ErrorKind::UnknownResourceType(t) => write!(f, "unknown resourceType \"{t}\""),
            ErrorKind::WrongResourceType { expected, found } => {
                write!(f, "expected resourceType \"{expected}\", found \"{found}\"")
            }
            ErrorKind::TooDeep => f.write_str("nested too deeply"),
            ErrorKind::InvalidUtf8 => f.write_str("invalid UTF-8"),
            ErrorKind::MisalignedList { first, second } => write!(
                f,
                "the value and `_` arrays of a repeating primitive differ in length ({first} and {second} items)"
            ),
            ErrorKind::XmlSyntax(msg) => write!(f, "invalid XML: {msg}"),
            ErrorKind::DoctypeNotAllowed => {
                f.write_str("a document type declaration (DTD) is not allowed in FHIR XML")
            }
            ErrorKind::UndefinedEntity(name) => write!(
                f,
                "entity &{name}; is not allowed (only &lt; &gt; &amp; &apos; &quot; and character references)"
            ),
            ErrorKind::MisplacedText => f.write_str("text where FHIR XML allows only elements"),
            ErrorKind::TrailingContent => f.write_str("content after the root element"),
            ErrorKind::WrongNamespace { expected, found } => {
                write!(f, "expected namespace \"{expected}\", found \"{found}\"")
            }
            ErrorKind::OutOfOrder => f.write_str("element out of the order of the definition"),
            ErrorKind::UnknownAttribute => f.write_str("unknown attribute"),
            ErrorKind::EmptyElement => f.write_str(
                "element without attributes or children (FHIR elements must have content)",
            ),
            ErrorKind::ResourceNotCompiled(t) => write!(
                f,
                "resource type \"{t}\" is not compiled into this build (enable its cargo feature)"
            ),
        }
    }
}

impl Error {
    /// An error of `kind` at byte `offset` of the input; the path and position are filled in later.
    pub(crate) fn new(kind: ErrorKind, offset: usize) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                path_rev: Vec::new(),
                offset,
                line: 0,
                column: 0,
            }),
        }
    }

    /// Adds the property the error happened in, as the error travels outwards.
    pub(crate) fn in_field(mut self, name: &str) -> Error {
        self.inner.path_rev.push(Segment::Field(name.to_owned()));
        self
    }

    /// Adds the list index the error happened at, as the error travels outwards.
    pub(crate) fn at_index(mut self, index: usize) -> Error {
        self.inner.path_rev.push(Segment::Index(index));
        self
    }

    /// The same error with another kind and offset, keeping the path.
    pub(crate) fn with_kind(mut self, kind: ErrorKind, offset: usize) -> Error {
        self.inner.kind = kind;
        self.inner.offset = offset;
        self
    }

    /// Turns the byte offset into a line and column, once the error leaves the reader.
    pub(crate) fn locate(mut self, input: &[u8]) -> Error {
        let end = self.inner.offset.min(input.len());
        let before = &input[..end];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let newlines = before.iter().filter(|&&b| b == b'\n').count();
        // Columns count characters, not bytes, so that editors agree with us.
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count();
        self.inner.line = u32::try_from(newlines + 1).unwrap_or(u32::MAX);
        self.inner.column = u32::try_from(column + 1).unwrap_or(u32::MAX);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// The FHIR path of the element in error, e.g. `Patient.contact[0].name.given[1]`.
    ///
    /// Properties are named as in JSON, so a choice element reads `Observation.valueQuantity`.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for seg in self.inner.path_rev.iter().rev() {
            match seg {
                Segment::Field(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                Segment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// The 1-based line of the input where the offending value starts.
    pub fn line(&self) -> u32 {
        self.inner.line
    }

    /// The 1-based column (in characters) of the input where the offending value starts.
    pub fn column(&self) -> u32 {
        self.inner.column
    }

    /// The byte offset of the input where the offending value starts.
    pub fn offset(&self) -> usize {
        self.inner.offset
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path();
        if !path.is_empty() {
            write!(f, "{path}: ")?;
        }
        write!(f, "{}", self.inner.kind)?;
        if self.inner.line > 0 {
            write!(
                f,
                " at line {} column {}",
                self.inner.line, self.inner.column
            )?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("path", &self.path())
            .field("line", &self.inner.line)
            .field("column", &self.inner.column)
            .finish()
    }
}

impl std::error::Error for Error {}
