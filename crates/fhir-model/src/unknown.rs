//! Properties that the definitions do not describe, kept so that lenient reading loses nothing.

use crate::json::JsonValue;

/// JSON properties of an element that the model has no field for, in input order.
///
/// Lenient reading puts here what it cannot type: properties the definitions do not know
/// (including DSTU2's `fhir_comments`), and properties whose value is invalid (an empty array,
/// `null`, a malformed date, a code outside a required value set, ...). Writing puts them back,
/// so a read and write round trip keeps every property. Strict reading refuses them instead.
///
/// Two kinds of entry:
///
/// - a whole property (`key` and its value), written after the typed fields;
/// - one item of a list that is otherwise typed, tagged with its index in the input array
///   (see [`Unknown::items`]). One bad item does not turn a whole list into JSON: the other items
///   stay typed, and writing puts the kept item back at its index. In a list of complex
///   elements or resources the typed list holds only the good items; in a primitive list
///   (`given`, `_given`) the item keeps its slot, with that half absent, so that the value and
///   `_` arrays stay aligned.
///
/// When a property repeats and an earlier occurrence was kept here, the later ones are kept
/// here too, in order, so that a reader that takes the last occurrence sees the same value
/// after a round trip.
///
/// It takes one pointer of space when empty, which is almost always.
///
/// ```
/// use fhir_model::{FhirJson, ParseOptions};
/// use fhir_model::r4::Patient;
///
/// let json = r#"{"resourceType":"Patient","name":[{"family":"A"},{},{"family":"B"}]}"#;
/// let patient = Patient::from_json_str(json, ParseOptions::default()).unwrap();
/// assert_eq!(patient.name.len(), 2); // the empty object is not a HumanName
/// let (key, index, value) = patient.unknown.items().next().unwrap();
/// assert_eq!((key, index, value.to_json_string().as_str()), ("name", 1, "{}"));
/// assert_eq!(patient.to_json_string(), json);
/// ```
#[derive(Clone, PartialEq, Default)]
// Boxed so that every element pays one pointer, not a whole `Vec`, for what is almost always empty.
#[allow(clippy::box_collection)]
pub struct Unknown(Option<Box<Vec<Entry>>>);

/// One kept property, or one kept item of a list property.
#[derive(Clone, PartialEq)]
struct Entry {
    key: String,
    /// The index in the input array, for an item of an otherwise typed list.
    item: Option<usize>,
    value: Kept,
}

/// What was kept, in the format it was read from: each is written back only in its own format.
#[derive(Clone, PartialEq)]
enum Kept {
    Json(JsonValue),
    /// An XML element, as written (start tag to end tag).
    XmlElement(String),
    /// The value of an XML attribute, as written (escaped, without quotes).
    XmlAttribute(String),
}

/// Something lenient XML reading kept: an element or an attribute the model has no field for,
/// exactly as the input wrote it (see [`Unknown::xml`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlKept<'a> {
    /// An element: its name and its text from start tag to end tag.
    Element {
        /// The element's name as written (with its prefix, if any).
        name: &'a str,
        /// The element as written, e.g. `<foo value="1"/>`.
        xml: &'a str,
    },
    /// An attribute: its name and its value as written (escaped, without the quotes).
    Attribute {
        /// The attribute's name as written, e.g. `xmlns:xsi`.
        name: &'a str,
        /// The value as written, e.g. `a &amp; b`.
        value: &'a str,
    },
}

impl Unknown {
    /// Whether there is nothing unknown.
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|v| v.is_empty())
    }

    fn entries(&self) -> &[Entry] {
        self.0.as_deref().map_or(&[], |v| v.as_slice())
    }

    /// The kept whole JSON properties, in input order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &JsonValue)> {
        self.entries().iter().filter_map(|e| match &e.value {
            Kept::Json(v) if e.item.is_none() => Some((e.key.as_str(), v)),
            _ => None,
        })
    }

    /// The kept items of typed JSON lists: the list's JSON name, the item's index in the input
    /// array, and the item, in input order.
    pub fn items(&self) -> impl Iterator<Item = (&str, usize, &JsonValue)> {
        self.entries().iter().filter_map(|e| match &e.value {
            Kept::Json(v) => Some((e.key.as_str(), e.item?, v)),
            _ => None,
        })
    }

    /// What lenient XML reading kept: elements and attributes the model has no field for, or
    /// whose content did not fit, in input order. Writing XML puts the attributes back on the
    /// element and the elements after its typed children.
    ///
    /// ```
    /// # #[cfg(feature = "xml")] {
    /// use fhir_model::{FhirXml, ParseOptions, XmlKept};
    /// use fhir_model::r4::Patient;
    ///
    /// let xml = r#"<Patient xmlns="http://hl7.org/fhir"><active value="true"/><nickname value="Bob"/></Patient>"#;
    /// let patient = Patient::from_xml_str(xml, ParseOptions::lenient()).unwrap();
    /// let kept: Vec<_> = patient.unknown.xml().collect();
    /// assert_eq!(kept, [XmlKept::Element { name: "nickname", xml: r#"<nickname value="Bob"/>"# }]);
    /// assert_eq!(patient.to_xml_string(), xml);
    /// # }
    /// ```
    pub fn xml(&self) -> impl Iterator<Item = XmlKept<'_>> {
        self.entries().iter().filter_map(|e| match &e.value {
            Kept::XmlElement(xml) => Some(XmlKept::Element {
                name: e.key.as_str(),
                xml: xml.as_str(),
            }),
            Kept::XmlAttribute(value) => Some(XmlKept::Attribute {
                name: e.key.as_str(),
                value: value.as_str(),
            }),
            Kept::Json(_) => None,
        })
    }

    /// How many kept entries are of the other format than `xml` says (they cannot be written
    /// in it, so a writer of that format leaves them out and counts them).
    pub(crate) fn count_foreign(&self, xml: bool) -> usize {
        self.entries()
            .iter()
            .filter(|e| matches!(e.value, Kept::Json(_)) == xml)
            .count()
    }

    /// Whether any item of a typed list is kept (which writing must put back in place).
    pub(crate) fn has_items(&self) -> bool {
        self.entries()
            .iter()
            .any(|e| e.item.is_some() && matches!(e.value, Kept::Json(_)))
    }

    /// Whether a whole JSON property or a list item named `key` is kept.
    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.entries()
            .iter()
            .any(|e| e.key == key && matches!(e.value, Kept::Json(_)))
    }

    /// The first kept whole property named `key`.
    pub fn get(&self, key: &str) -> Option<&JsonValue> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Keeps a whole property.
    pub fn push(&mut self, key: String, value: JsonValue) {
        self.push_entry(Entry {
            key,
            item: None,
            value: Kept::Json(value),
        });
    }

    /// Keeps item `index` of the list property `key`, to be written back at that index.
    pub fn push_item(&mut self, key: String, index: usize, value: JsonValue) {
        self.push_entry(Entry {
            key,
            item: Some(index),
            value: Kept::Json(value),
        });
    }

    /// Keeps an XML element, `xml` being its text as written, from start tag to end tag.
    pub fn push_xml_element(&mut self, name: String, xml: String) {
        self.push_entry(Entry {
            key: name,
            item: None,
            value: Kept::XmlElement(xml),
        });
    }

    /// Keeps an XML attribute, `value` being its value as written (escaped, without quotes).
    pub fn push_xml_attribute(&mut self, name: String, value: String) {
        self.push_entry(Entry {
            key: name,
            item: None,
            value: Kept::XmlAttribute(value),
        });
    }

    fn push_entry(&mut self, entry: Entry) {
        self.0.get_or_insert_with(Default::default).push(entry);
    }

    /// Removes every kept whole JSON property and returns them; kept list items and what XML
    /// reading kept stay.
    pub fn take(&mut self) -> Vec<(String, JsonValue)> {
        let Some(entries) = self.0.as_mut() else {
            return Vec::new();
        };
        let (whole, rest): (Vec<Entry>, Vec<Entry>) = entries
            .drain(..)
            .partition(|e| e.item.is_none() && matches!(e.value, Kept::Json(_)));
        **entries = rest;
        if entries.is_empty() {
            self.0 = None;
        }
        whole
            .into_iter()
            .filter_map(|e| match e.value {
                Kept::Json(v) => Some((e.key, v)),
                _ => None,
            })
            .collect()
    }
}

impl std::fmt::Debug for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut m = f.debug_map();
        for e in self.entries() {
            match (&e.value, e.item) {
                (Kept::Json(v), None) => m.entry(&e.key, v),
                (Kept::Json(v), Some(i)) => m.entry(&format_args!("{}[{i}]", e.key), v),
                (Kept::XmlElement(xml), _) => m.entry(&format_args!("<{}>", e.key), xml),
                (Kept::XmlAttribute(value), _) => m.entry(&format_args!("@{}", e.key), value),
            };
        }
        m.finish()
    }
}
