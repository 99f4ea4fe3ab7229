//! Resources sent as JSON the caller already has: the few members a request needs (the
//! `resourceType`, the `id`, `meta.versionId`, a Bundle's `type`) read off the text in one pass
//! that builds nothing, and the `id` cut out for a create, in place.
//!
//! A resource of a million entries takes gigabytes as a model but only its size as text: a
//! caller that has checked the text (a strict parse, then the model dropped) sends the text.

use std::ops::Range;

use fhir_model::ParseOptions;
use fhir_model::json::{Peek, Reader};

use crate::error::RawError;

/// What a request needs to know of a resource's JSON.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct TopLevel {
    /// `resourceType`.
    pub resource_type: Option<String>,
    /// `id`, when it is a string.
    pub id: Option<String>,
    /// `meta.versionId`, when it is a string.
    pub version_id: Option<String>,
    /// `type`, when it is a string (a Bundle's).
    pub bundle_type: Option<String>,
    /// The byte ranges of the `id` and `_id` members, each with one comma next to it, so that
    /// cutting them out leaves valid JSON.
    id_members: Vec<Range<usize>>,
}

impl TopLevel {
    /// The members of a typed resource sent in a format that is not scanned (XML).
    pub(crate) fn of_typed(
        resource_type: &str,
        id: Option<&str>,
        version_id: Option<&str>,
    ) -> TopLevel {
        TopLevel {
            resource_type: Some(resource_type.to_owned()),
            id: id.map(str::to_owned),
            version_id: version_id.map(str::to_owned),
            ..TopLevel::default()
        }
    }
}

/// Cuts the resource's `id` element (the root's first child, as this client writes it) out of
/// XML it wrote, in place.
#[cfg(feature = "xml")]
pub(crate) fn remove_xml_id(xml: &mut Vec<u8>) {
    let Some(root_end) = xml.iter().position(|&b| b == b'>') else {
        return;
    };
    let start = root_end + 1;
    let rest = &xml[start..];
    if !(rest.starts_with(b"<id ") || rest.starts_with(b"<id>") || rest.starts_with(b"<id/")) {
        return;
    }
    let Some(tag_end) = rest.iter().position(|&b| b == b'>') else {
        return;
    };
    // An `id` element's children are extensions, none of them named `id`: the first end tag
    // is its own.
    let len = if rest[tag_end - 1] == b'/' {
        tag_end + 1
    } else {
        match rest.windows(5).position(|w| w == b"</id>") {
            Some(end) => end + 5,
            None => return,
        }
    };
    xml.drain(start..start + len);
}

/// Reads the members a request needs off `json`, which must be one JSON object.
pub(crate) fn scan(json: &[u8]) -> Result<TopLevel, RawError> {
    let bad = |why: String| RawError::invalid_input(format!("the JSON to send: {why}"));
    let text = std::str::from_utf8(json).map_err(|e| bad(format!("not UTF-8: {e}")))?;
    let mut r = Reader::new(text, ParseOptions::lenient());
    let mut top = TopLevel::default();
    let fail = |e: fhir_model::Error| bad(format!("not a resource: {e}"));
    r.begin_object("a resource (JSON object)").map_err(fail)?;
    let mut first = true;
    loop {
        let was_first = first;
        // Before the comma that precedes the key, when there is one.
        let before = r.position().0;
        let Some(key) = r.next_key(&mut first).map_err(fail)? else {
            break;
        };
        match key.as_ref() {
            "resourceType" => top.resource_type = read_string(&mut r).map_err(fail)?,
            "id" => top.id = read_string(&mut r).map_err(fail)?,
            "type" => top.bundle_type = read_string(&mut r).map_err(fail)?,
            "meta" => top.version_id = read_version_id(&mut r).map_err(fail)?,
            _ => r.skip_value().map_err(fail)?,
        }
        if key == "id" || key == "_id" {
            let mut end = r.position().0;
            if was_first {
                // No comma before the first member: take the one after it, if any.
                let rest = &json[end..];
                let ws = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
                if rest.get(ws) == Some(&b',') {
                    end += ws + 1;
                }
            }
            top.id_members.push(before..end);
        }
    }
    r.finish().map_err(fail)?;
    Ok(top)
}

/// A string value, or `None` (skipped) for a value of another kind.
fn read_string(r: &mut Reader<'_>) -> Result<Option<String>, fhir_model::Error> {
    if r.peek()? == Peek::String {
        return Ok(Some(r.read_str()?.into_owned()));
    }
    r.skip_value()?;
    Ok(None)
}

/// `meta.versionId`, the rest of `meta` skipped.
fn read_version_id(r: &mut Reader<'_>) -> Result<Option<String>, fhir_model::Error> {
    if r.peek()? != Peek::Object {
        r.skip_value()?;
        return Ok(None);
    }
    r.begin_object("Meta")?;
    let mut first = true;
    let mut version = None;
    while let Some(key) = r.next_key(&mut first)? {
        if key == "versionId" {
            version = read_string(r)?;
        } else {
            r.skip_value()?;
        }
    }
    Ok(version)
}

impl TopLevel {
    /// Cuts the `id` (and `_id`) members out of `json`, the text this was read from: a create
    /// sends no id, the server assigns one. Moves the rest of the text down in place.
    pub(crate) fn remove_id(&self, json: &mut Vec<u8>) {
        // From the last to the first, so that the ranges still hold.
        for range in self.id_members.iter().rev() {
            json.drain(range.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn without_id(json: &str) -> String {
        let mut bytes = json.as_bytes().to_vec();
        scan(&bytes).unwrap().remove_id(&mut bytes);
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn members_are_read_off_the_text() {
        let top = scan(
            br#"{"resourceType":"Bundle","id":"b1","meta":{"lastUpdated":"2024-01-01T00:00:00Z","versionId":"3"},"type":"transaction","entry":[{"resource":{"resourceType":"Patient","id":"inner"}}]}"#,
        )
        .unwrap();
        assert_eq!(top.resource_type.as_deref(), Some("Bundle"));
        assert_eq!(top.id.as_deref(), Some("b1"));
        assert_eq!(top.version_id.as_deref(), Some("3"));
        assert_eq!(top.bundle_type.as_deref(), Some("transaction"));
    }

    #[test]
    fn the_id_is_cut_out_wherever_it_stands() {
        assert_eq!(
            without_id(r#"{"resourceType":"Patient","id":"p1","active":true}"#),
            r#"{"resourceType":"Patient","active":true}"#
        );
        assert_eq!(
            without_id("{ \"id\" : \"p1\" ,\n \"resourceType\":\"Patient\"}"),
            "{\n \"resourceType\":\"Patient\"}"
        );
        assert_eq!(
            without_id(r#"{"resourceType":"Patient","active":true,"id":"p\"1"}"#),
            r#"{"resourceType":"Patient","active":true}"#
        );
        assert_eq!(
            without_id(
                r#"{"resourceType":"Patient","id":"p1","_id":{"extension":[]},"contained":[{"resourceType":"Patient","id":"c"}]}"#
            ),
            r#"{"resourceType":"Patient","contained":[{"resourceType":"Patient","id":"c"}]}"#
        );
        assert_eq!(without_id(r#"{"id":"p1"}"#), "{}");
        let kept = r#"{"resourceType":"Patient","name":[{"family":"id"}]}"#;
        assert_eq!(without_id(kept), kept);
    }

    #[test]
    fn text_that_is_not_one_object_is_refused() {
        for bad in [&b"[1]"[..], b"{\"id\":", b"{} {}", b"\xff"] {
            assert!(scan(bad).is_err(), "{bad:?}");
        }
    }
}
