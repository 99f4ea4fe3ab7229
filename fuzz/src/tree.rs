//! Comparing JSON documents as trees, and deciding what valid JSON is, independently of the
//! model's reader (serde_json is the judge of validity).

use fhir_model::json::JsonValue;

/// The tree with the members of every object sorted by key; the sort is stable, so the values of
/// a repeated key keep their relative order. Two documents are the same JSON, key order aside,
/// when their canonical trees are equal; numbers compare by their exact text.
pub fn canonical(v: &JsonValue) -> JsonValue {
    match v {
        JsonValue::Array(items) => JsonValue::Array(items.iter().map(canonical).collect()),
        JsonValue::Object(members) => {
            let mut members: Vec<_> = members
                .iter()
                .map(|(k, v)| (k.clone(), canonical(v)))
                .collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            JsonValue::Object(members)
        }
        other => other.clone(),
    }
}

/// Whether `text` is one valid JSON document (RFC 8259, strings Unicode: no lone surrogates).
///
/// Duplicate keys are accepted. Nesting is not limited here; bound it first with
/// [`max_nesting`], as the check reads recursively.
pub fn is_valid_json(text: &str) -> bool {
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    // `IgnoredAny` would skip strings without decoding their escapes, so lone surrogates would
    // pass; `Value` decodes them. It keeps the last of duplicate keys, which is fine for a yes/no.
    let ok = <serde_json::Value as serde::Deserialize>::deserialize(&mut de).is_ok();
    ok && de.end().is_ok()
}

/// Whether some object of the tree holds a `resourceType` that is not a string, or two that
/// differ. Lenient reading refuses such an object when it reads it as a resource rather than
/// keep it: which type it is cannot be told, and guessing is how type confusion starts.
pub fn has_ambiguous_resource_type(v: &JsonValue) -> bool {
    match v {
        JsonValue::Array(items) => items.iter().any(has_ambiguous_resource_type),
        JsonValue::Object(members) => {
            let mut types = members.iter().filter(|(k, _)| k == "resourceType");
            let ambiguous = match types.next() {
                Some((_, first @ JsonValue::String(_))) => types.any(|(_, t)| t != first),
                Some(_) => true,
                None => false,
            };
            ambiguous || members.iter().any(|(_, v)| has_ambiguous_resource_type(v))
        }
        _ => false,
    }
}

/// An upper bound of the nesting depth of `text`: brackets are counted inside strings too.
pub fn max_nesting(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) -> bool {
        canonical(&JsonValue::parse(a).unwrap()) == canonical(&JsonValue::parse(b).unwrap())
    }

    #[test]
    fn key_order_is_free() {
        assert!(same(
            r#"{"a":1,"b":{"c":2,"d":3}}"#,
            r#"{"b":{"d":3,"c":2},"a":1}"#
        ));
    }

    #[test]
    fn number_text_is_exact() {
        assert!(!same(r#"{"a":1.50}"#, r#"{"a":1.5}"#));
        assert!(!same(r#"{"a":1e2}"#, r#"{"a":100}"#));
    }

    #[test]
    fn repeated_keys_keep_their_relative_order() {
        assert!(same(r#"{"a":1,"b":0,"a":2}"#, r#"{"a":1,"a":2,"b":0}"#));
        assert!(!same(r#"{"a":1,"a":2}"#, r#"{"a":2,"a":1}"#));
        assert!(!same(r#"{"a":1,"a":2}"#, r#"{"a":2}"#));
    }

    #[test]
    fn array_order_and_null_count() {
        assert!(!same(r#"[1,2]"#, r#"[2,1]"#));
        assert!(!same(r#"{"given":[null]}"#, r#"{"_given":[null]}"#));
    }

    #[test]
    fn validity() {
        assert!(is_valid_json(r#"{"a":1,"a":2}"#));
        assert!(is_valid_json(r#" {"a":"\ud83d\ude00"} "#));
        assert!(!is_valid_json(r#"{"a":"\ud800"}"#));
        assert!(!is_valid_json(r#"{"a":1} x"#));
        assert!(!is_valid_json(r#"{"a":01}"#));
        assert!(is_valid_json(&format!(
            "{}{}",
            "[".repeat(200),
            "]".repeat(200)
        )));
    }

    #[test]
    fn nesting_bound() {
        assert_eq!(max_nesting(r#"{"a":[[1],{"b":[]}]}"#), 4);
        assert_eq!(max_nesting("]]]"), 0);
    }
}
