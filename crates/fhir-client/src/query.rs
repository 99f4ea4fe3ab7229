//! Query strings: the one encoding every request's query goes through.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What a query keeps unencoded besides letters and digits: the characters FHIR search syntax
/// uses and servers read literally (`:` modifiers, `|` tokens, `,` lists, `/` references, `$`).
/// `+` is encoded, since servers read it as a space; `'` as the URL parser would.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':')
    .remove(b'|')
    .remove(b',')
    .remove(b'/')
    .remove(b'$')
    .remove(b'@')
    .remove(b'!')
    .remove(b'*')
    .remove(b'(')
    .remove(b')');

/// `name=value&...`, percent-encoded for a URL query.
pub(crate) fn encode_query(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.extend(utf8_percent_encode(k, QUERY));
        out.push('=');
        out.extend(utf8_percent_encode(v, QUERY));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_encoding() {
        assert_eq!(
            encode_query(&[("name", "a b&c=d"), ("date", "ge2020+01"), ("x", "é#?")]),
            "name=a%20b%26c%3Dd&date=ge2020%2B01&x=%C3%A9%23%3F"
        );
    }
}
