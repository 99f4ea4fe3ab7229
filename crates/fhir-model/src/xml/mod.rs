//! FHIR XML reading and writing (cargo feature `xml`): a pull reader over text and a writer.
//!
//! The generated model drives them through the same kind of contract as JSON's, so XML is a
//! second format of the same types, held to the same standard: lossless, typed errors with a
//! path, line and column, never a panic. Use them through [`FhirXml`](crate::FhirXml).
//!
//! The rules of the specification's XML page, as read and written here:
//!
//! - every element is in the namespace `http://hl7.org/fhir`, declared on the root (a prefix
//!   bound to it on the root, `<f:Patient xmlns:f="...">`, is read too; writing uses none);
//! - a primitive is one element: its value in a `value` attribute, its `id` an attribute, its
//!   extensions child elements (an element with only extensions has no `value`);
//! - `Element.id` and `Extension.url` are attributes; choice elements carry their type in
//!   their name (`valueQuantity`); lists are repeated elements, and an item with only an id or
//!   extensions is the XML form of JSON's `null` in a primitive array;
//! - `contained`, `Bundle.entry.resource` and `Parameters.parameter.resource` wrap an element
//!   named by the resource type;
//! - the narrative's `div` is XHTML in its own namespace, kept as written, start tag to end
//!   tag: it is the same string the JSON form holds;
//! - elements are written in definition order; strict reading accepts only that order,
//!   lenient reading any order;
//! - white space between elements is ignored, white space inside attribute values is kept
//!   (and written as character references, so that other readers keep it too); comments and
//!   processing instructions are ignored on reading and not written;
//! - namespace declarations and `xsi:` attributes (`xsi:schemaLocation`) are kept as written.
//!
//! Lenient reading keeps unknown elements and attributes, and elements whose content does not
//! fit their field, as written (see [`Unknown::xml`](crate::Unknown::xml)), and writes them
//! back: attributes on their element, elements after its typed children. Strict reading refuses
//! them. What lenient reading of one format kept cannot be written in the other: writers leave
//! it out and count it ([`Writer::skipped`], [`json::Writer::skipped`](crate::json::Writer::skipped)).
//!
//! Hostile input: a document type declaration is an error, so no entity is declared, expanded
//! or fetched (no XXE, no "billion laughs"); entity references other than XML's five and
//! character references are errors; elements nest at most 256 deep, as JSON values do.

mod reader;
mod writer;

#[doc(hidden)]
pub use reader::{Attr, Reader, Start};
pub use reader::{FHIR_NS, XHTML_NS};
pub use writer::Writer;

/// The resource type of an XML document: its root element's name without the FHIR prefix, read
/// without reading the rest (a client checks it before typing a body).
///
/// ```
/// assert_eq!(fhir_model::xml::root_name("<?xml version=\"1.0\"?><Patient xmlns=\"http://hl7.org/fhir\"/>"), Some("Patient"));
/// assert_eq!(fhir_model::xml::root_name("{\"resourceType\":\"Patient\"}"), None);
/// ```
pub fn root_name(input: &str) -> Option<&str> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    Reader::new(input, crate::ParseOptions::lenient())
        .open_root()
        .ok()
}
