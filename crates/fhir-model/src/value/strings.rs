//! Validators for the FHIR string-like primitive types.
//!
//! These types are stored as plain `String`s; the functions here only check
//! that a text is allowed, following the regexes in the FHIR R4
//! StructureDefinitions (hand-written, no regex engine).
//!
//! Where a regex says `\s` (whitespace), it is read as the FHIR reference
//! validator (Java) reads it: space, tab, line feed, vertical tab, form feed
//! and carriage return. Other Unicode spaces count as ordinary characters.
//!
//! FHIR does not allow an empty primitive value in JSON (`""`), so every
//! check here rejects the empty text, even where the regex alone (`\S*` for
//! `uri`) would allow it.

use super::error::InvalidValue;

const EMPTY: &str = "empty";

/// The maximum length of a FHIR `string`, in characters
/// (`maxLength` of `string.value` in the R4 StructureDefinition).
const STRING_MAX_CHARS: usize = 1024 * 1024;

/// Checks a FHIR `id`: 1 to 64 characters from `A-Z`, `a-z`, `0-9`, `-`
/// and `.` (regex `[A-Za-z0-9\-\.]{1,64}`).
///
/// # Examples
///
/// ```
/// use fhir_model::value::check_id;
///
/// assert!(check_id("example-1.2").is_ok());
/// assert!(check_id("no_underscores").is_err());
/// ```
pub fn check_id(text: &str) -> Result<(), InvalidValue> {
    let fail = |reason| Err(InvalidValue::new("id", text, reason));
    if text.is_empty() {
        return fail(EMPTY);
    }
    if !text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return fail("invalid character");
    }
    // Only ASCII is left, so the byte length is the character count.
    if text.len() > 64 {
        return fail("longer than 64 characters");
    }
    Ok(())
}

/// Checks a FHIR `oid`: `urn:oid:` followed by dotted numbers, the first
/// being 0, 1 or 2, at least two in all, none with leading zeros
/// (regex `urn:oid:[0-2](\.(0|[1-9][0-9]*))+`).
///
/// # Examples
///
/// ```
/// use fhir_model::value::check_oid;
///
/// assert!(check_oid("urn:oid:2.16.840.1.113883").is_ok());
/// assert!(check_oid("2.16.840").is_err());
/// ```
pub fn check_oid(text: &str) -> Result<(), InvalidValue> {
    oid_problem(text).map_or(Ok(()), |reason| Err(InvalidValue::new("oid", text, reason)))
}

fn oid_problem(text: &str) -> Option<&'static str> {
    let Some(arcs) = text.strip_prefix("urn:oid:") else {
        return Some("expected the prefix urn:oid:");
    };
    let mut arcs = arcs.split('.');
    // `split` always yields at least one item.
    let first = arcs.next().unwrap_or("");
    if !matches!(first, "0" | "1" | "2") {
        return Some("the first number must be 0, 1 or 2");
    }
    let mut count = 1;
    for arc in arcs {
        count += 1;
        if arc.is_empty() {
            return Some("empty number between dots");
        }
        if !arc.bytes().all(|b| b.is_ascii_digit()) {
            return Some("invalid character");
        }
        if arc.len() > 1 && arc.starts_with('0') {
            return Some("leading zeros are not allowed");
        }
    }
    if count < 2 {
        return Some("expected at least two numbers");
    }
    None
}

/// Checks a FHIR `uuid`: `urn:uuid:` followed by a UUID in lowercase
/// hexadecimal, grouped 8-4-4-4-12 (regex
/// `urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`).
/// Uppercase hex digits are rejected, as the R4 regex does.
///
/// # Examples
///
/// ```
/// use fhir_model::value::check_uuid;
///
/// assert!(check_uuid("urn:uuid:c757873d-ec9a-4326-a141-556f43239520").is_ok());
/// assert!(check_uuid("urn:uuid:C757873D-EC9A-4326-A141-556F43239520").is_err());
/// ```
pub fn check_uuid(text: &str) -> Result<(), InvalidValue> {
    uuid_problem(text).map_or(Ok(()), |reason| {
        Err(InvalidValue::new("uuid", text, reason))
    })
}

fn uuid_problem(text: &str) -> Option<&'static str> {
    const GROUP_LENGTHS: [usize; 5] = [8, 4, 4, 4, 12];
    let Some(uuid) = text.strip_prefix("urn:uuid:") else {
        return Some("expected the prefix urn:uuid:");
    };
    if uuid.bytes().any(|b| b.is_ascii_uppercase()) {
        return Some("uppercase letters are not allowed");
    }
    let groups: Vec<&str> = uuid.split('-').collect();
    let well_formed = groups.len() == GROUP_LENGTHS.len()
        && groups.iter().zip(GROUP_LENGTHS).all(|(group, len)| {
            group.len() == len
                && group
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
    if !well_formed {
        return Some("expected hexadecimal digits grouped 8-4-4-4-12");
    }
    None
}

/// Checks a FHIR `code`: at least one character, no leading or trailing
/// whitespace, and no run of more than one whitespace character inside
/// (regex `[^\s]+(\s[^\s]+)*`).
///
/// The R4 prose says inner whitespace should be single spaces; the regex,
/// followed here, allows any single whitespace character.
///
/// # Examples
///
/// ```
/// use fhir_model::value::check_code;
///
/// assert!(check_code("final").is_ok());
/// assert!(check_code("two words").is_ok());
/// assert!(check_code(" final").is_err());
/// assert!(check_code("two  spaces").is_err());
/// ```
pub fn check_code(text: &str) -> Result<(), InvalidValue> {
    code_problem(text).map_or(Ok(()), |reason| {
        Err(InvalidValue::new("code", text, reason))
    })
}

fn code_problem(text: &str) -> Option<&'static str> {
    let (Some(first), Some(last)) = (text.chars().next(), text.chars().next_back()) else {
        return Some(EMPTY);
    };
    if is_space(first) || is_space(last) {
        return Some("leading or trailing whitespace");
    }
    let mut previous_was_space = false;
    for c in text.chars() {
        let space = is_space(c);
        if space && previous_was_space {
            return Some("consecutive whitespace");
        }
        previous_was_space = space;
    }
    None
}

/// Checks a FHIR `base64Binary`: groups of four characters from the base64
/// alphabet (`A-Z`, `a-z`, `0-9`, `+`, `/`, `=`), with whitespace allowed
/// between groups (regex `(\s*([0-9a-zA-Z\+/=]){4}\s*)+`).
///
/// Like the regex, this does not check where `=` padding appears; it checks
/// the shape, not that the text decodes. (Some printings of the R4 regex
/// omit `/`; the StructureDefinition includes it, and base64 needs it.)
///
/// # Examples
///
/// ```
/// use fhir_model::value::check_base64;
///
/// assert!(check_base64("SGVsbG8=").is_ok());
/// assert!(check_base64("SGVs\nbG8=").is_ok());
/// assert!(check_base64("SGVsbG8").is_err());
/// ```
pub fn check_base64(text: &str) -> Result<(), InvalidValue> {
    base64_problem(text).map_or(Ok(()), |reason| {
        Err(InvalidValue::new("base64Binary", text, reason))
    })
}

fn base64_problem(text: &str) -> Option<&'static str> {
    let mut in_group = 0;
    let mut groups = 0;
    for c in text.chars() {
        if is_space(c) {
            if in_group != 0 {
                return Some("whitespace inside a group of four characters");
            }
        } else if c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=') {
            in_group += 1;
            if in_group == 4 {
                in_group = 0;
                groups += 1;
            }
        } else {
            return Some("invalid character");
        }
    }
    if in_group != 0 {
        return Some("length is not a multiple of four");
    }
    if groups == 0 {
        return Some(EMPTY);
    }
    None
}

/// Checks a FHIR `string`: not empty, and at most 1048576 characters (the
/// `maxLength` in the R4 StructureDefinition). The regex
/// `[ \r\n\t\S]+` allows any other content.
///
/// (R4 also says strings SHOULD NOT contain control characters other than
/// tab, carriage return and line feed, and SHOULD contain non-whitespace
/// content; those are recommendations and are not checked.)
///
/// # Examples
///
/// ```
/// use fhir_model::value::check_string;
///
/// assert!(check_string("Peter James").is_ok());
/// assert!(check_string("").is_err());
/// ```
pub fn check_string(text: &str) -> Result<(), InvalidValue> {
    if text.is_empty() {
        return Err(InvalidValue::new("string", text, EMPTY));
    }
    // Counting characters is only needed when the byte length, which is
    // at least the character count, exceeds the limit.
    if text.len() > STRING_MAX_CHARS && text.chars().count() > STRING_MAX_CHARS {
        return Err(InvalidValue::new(
            "string",
            text,
            "longer than 1048576 characters",
        ));
    }
    Ok(())
}

/// Checks a FHIR `markdown`: not empty (regex `[ \r\n\t\S]+`). Unlike
/// `string`, R4 sets no maximum length for markdown.
pub fn check_markdown(text: &str) -> Result<(), InvalidValue> {
    if text.is_empty() {
        return Err(InvalidValue::new("markdown", text, EMPTY));
    }
    Ok(())
}

/// Checks a FHIR `uri`: not empty and without whitespace (regex `\S*`).
///
/// # Examples
///
/// ```
/// use fhir_model::value::check_uri;
///
/// assert!(check_uri("http://loinc.org").is_ok());
/// assert!(check_uri("urn:oid:1.2.3").is_ok());
/// assert!(check_uri("http://example.org/a b").is_err());
/// ```
pub fn check_uri(text: &str) -> Result<(), InvalidValue> {
    check_no_whitespace("uri", text)
}

/// Checks a FHIR `url`: the same rule as [`check_uri`] (regex `\S*`).
pub fn check_url(text: &str) -> Result<(), InvalidValue> {
    check_no_whitespace("url", text)
}

/// Checks a FHIR `canonical`: the same rule as [`check_uri`] (regex `\S*`);
/// a `|version` suffix is allowed like any other non-space characters.
pub fn check_canonical(text: &str) -> Result<(), InvalidValue> {
    check_no_whitespace("canonical", text)
}

fn check_no_whitespace(kind: &'static str, text: &str) -> Result<(), InvalidValue> {
    if text.is_empty() {
        return Err(InvalidValue::new(kind, text, EMPTY));
    }
    if text.chars().any(is_space) {
        return Err(InvalidValue::new(kind, text, "contains whitespace"));
    }
    Ok(())
}

/// Whitespace as `\s` in the FHIR regexes (Java's definition):
/// space, `\t`, `\n`, vertical tab, form feed and `\r`.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(result: Result<(), InvalidValue>) -> &'static str {
        result.map_or_else(|err| err.reason(), |()| "ok")
    }

    #[test]
    fn ids() {
        for text in ["a", "example", "123", "a-b.c", "A.1-z", &"x".repeat(64)] {
            assert_eq!(reason(check_id(text)), "ok", "{text}");
        }
        for (text, expected) in [
            ("", "empty"),
            (&"x".repeat(65) as &str, "longer than 64 characters"),
            ("a_b", "invalid character"),
            ("a b", "invalid character"),
            ("a/b", "invalid character"),
            ("é", "invalid character"),
            (" a", "invalid character"),
        ] {
            assert_eq!(reason(check_id(text)), expected, "{text}");
        }
        assert_eq!(check_id("").unwrap_err().kind(), "id");
    }

    #[test]
    fn oids() {
        for text in [
            "urn:oid:0.0",
            "urn:oid:1.2.3",
            "urn:oid:2.16.840.1.113883.4.642",
            "urn:oid:1.0.10.100",
        ] {
            assert_eq!(reason(check_oid(text)), "ok", "{text}");
        }
        for (text, expected) in [
            ("", "expected the prefix urn:oid:"),
            ("1.2.3", "expected the prefix urn:oid:"),
            ("URN:OID:1.2.3", "expected the prefix urn:oid:"),
            ("urn:oid:", "the first number must be 0, 1 or 2"),
            ("urn:oid:3.1", "the first number must be 0, 1 or 2"),
            ("urn:oid:01.1", "the first number must be 0, 1 or 2"),
            ("urn:oid:1", "expected at least two numbers"),
            ("urn:oid:1.", "empty number between dots"),
            ("urn:oid:1..2", "empty number between dots"),
            ("urn:oid:1.02", "leading zeros are not allowed"),
            ("urn:oid:1.2a", "invalid character"),
            ("urn:oid:1.2 ", "invalid character"),
            ("urn:oid:1.-2", "invalid character"),
        ] {
            assert_eq!(reason(check_oid(text)), expected, "{text}");
        }
        assert_eq!(check_oid("x").unwrap_err().kind(), "oid");
    }

    #[test]
    fn uuids() {
        for text in [
            "urn:uuid:c757873d-ec9a-4326-a141-556f43239520",
            "urn:uuid:00000000-0000-0000-0000-000000000000",
        ] {
            assert_eq!(reason(check_uuid(text)), "ok", "{text}");
        }
        for (text, expected) in [
            ("", "expected the prefix urn:uuid:"),
            (
                "c757873d-ec9a-4326-a141-556f43239520",
                "expected the prefix urn:uuid:",
            ),
            (
                "urn:uuid:C757873D-EC9A-4326-A141-556F43239520",
                "uppercase letters are not allowed",
            ),
            (
                "urn:uuid:c757873d-ec9a-4326-a141-556f4323952",
                "expected hexadecimal digits grouped 8-4-4-4-12",
            ),
            (
                "urn:uuid:c757873d-ec9a-4326-a141-556f432395200",
                "expected hexadecimal digits grouped 8-4-4-4-12",
            ),
            (
                "urn:uuid:c757873dec9a-4326-a141-556f43239520",
                "expected hexadecimal digits grouped 8-4-4-4-12",
            ),
            (
                "urn:uuid:g757873d-ec9a-4326-a141-556f43239520",
                "expected hexadecimal digits grouped 8-4-4-4-12",
            ),
            (
                "urn:uuid:{c757873d-ec9a-4326-a141-556f43239520}",
                "expected hexadecimal digits grouped 8-4-4-4-12",
            ),
            (
                "urn:uuid:",
                "expected hexadecimal digits grouped 8-4-4-4-12",
            ),
        ] {
            assert_eq!(reason(check_uuid(text)), expected, "{text}");
        }
    }

    #[test]
    fn codes() {
        for text in [
            "a",
            "final",
            "two words",
            "a\tb",
            "http://x y",
            "ä",
            "a b c",
        ] {
            assert_eq!(reason(check_code(text)), "ok", "{text:?}");
        }
        for (text, expected) in [
            ("", "empty"),
            (" ", "leading or trailing whitespace"),
            (" a", "leading or trailing whitespace"),
            ("a ", "leading or trailing whitespace"),
            ("a\n", "leading or trailing whitespace"),
            ("a  b", "consecutive whitespace"),
            ("a \tb", "consecutive whitespace"),
            ("a\r\nb", "consecutive whitespace"),
        ] {
            assert_eq!(reason(check_code(text)), expected, "{text:?}");
        }
    }

    #[test]
    fn base64() {
        for text in [
            "AAAA",
            "SGVsbG8=",
            "SGk=",
            "SA==",
            "ab+/",
            "SGVs bG8=",
            " SGVsbG8= ",
            "SGVs\r\nbG8=\n",
            "====",
        ] {
            assert_eq!(reason(check_base64(text)), "ok", "{text:?}");
        }
        for (text, expected) in [
            ("", "empty"),
            ("   ", "empty"),
            ("SGVsbG8", "length is not a multiple of four"),
            ("SG Vs", "whitespace inside a group of four characters"),
            ("SGVs-_==", "invalid character"),
            ("SGVs.", "invalid character"),
        ] {
            assert_eq!(reason(check_base64(text)), expected, "{text:?}");
        }
        assert_eq!(check_base64("").unwrap_err().kind(), "base64Binary");
    }

    #[test]
    fn strings_and_markdown() {
        for text in ["a", " ", "  padded  ", "line\nbreak", "\u{1}"] {
            assert_eq!(reason(check_string(text)), "ok", "{text:?}");
            assert_eq!(reason(check_markdown(text)), "ok", "{text:?}");
        }
        assert_eq!(reason(check_string("")), "empty");
        assert_eq!(check_markdown("").unwrap_err().kind(), "markdown");

        let at_limit = "é".repeat(STRING_MAX_CHARS);
        assert_eq!(reason(check_string(&at_limit)), "ok");
        let too_long = "a".repeat(STRING_MAX_CHARS + 1);
        assert_eq!(
            reason(check_string(&too_long)),
            "longer than 1048576 characters"
        );
        assert_eq!(reason(check_markdown(&too_long)), "ok");
    }

    type Check = fn(&str) -> Result<(), InvalidValue>;

    #[test]
    fn uris() {
        let checks: [(Check, &str); 3] = [
            (check_uri, "uri"),
            (check_url, "url"),
            (check_canonical, "canonical"),
        ];
        for (check, kind) in checks {
            for text in [
                "http://hl7.org/fhir",
                "urn:oid:1.2",
                "#p1",
                "a|1.0",
                "http://x/é",
            ] {
                assert_eq!(reason(check(text)), "ok", "{text}");
            }
            for (text, expected) in [
                ("", "empty"),
                (" http://x", "contains whitespace"),
                ("http://x ", "contains whitespace"),
                ("http://x/a b", "contains whitespace"),
                ("http://x/\t", "contains whitespace"),
            ] {
                let err = check(text).unwrap_err();
                assert_eq!((err.kind(), err.reason()), (kind, expected), "{text:?}");
            }
        }
    }
}
