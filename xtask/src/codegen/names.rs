//! Rust names for FHIR names: fields, types, enum variants.

/// `birthDate` → `birth_date`; Rust keywords become raw identifiers (`type` → `r#type`).
pub fn field_name(json: &str) -> String {
    let snake = snake_case(json);
    match snake.as_str() {
        "self" | "super" | "crate" => format!("{snake}_"),
        s if is_keyword(s) => format!("r#{snake}"),
        _ => snake,
    }
}

pub fn snake_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out
}

/// `contact` → `Contact`, keeping the inner capitals (`birthDate` → `BirthDate`).
pub fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// A struct or enum name from a FHIR path: `Patient.contact` → `PatientContact`.
pub fn type_name_for_path(path: &str) -> String {
    path.split('.')
        .map(|seg| upper_first(seg.trim_end_matches("[x]")))
        .collect()
}

/// An enum variant name for a code: `entered-in-error` → `EnteredInError`, `<=` → `LessOrEqual`.
///
/// Returns `None` when the code gives no usable name (the caller then tries the display).
pub fn variant_name(code: &str) -> Option<String> {
    let symbolic = match code {
        "<" => Some("LessThan"),
        "<=" => Some("LessOrEqual"),
        ">" => Some("GreaterThan"),
        ">=" => Some("GreaterOrEqual"),
        "=" => Some("Equal"),
        "!=" => Some("NotEqual"),
        "*" => Some("Any"),
        "+" => Some("Plus"),
        "-" => Some("Minus"),
        _ => None,
    };
    if let Some(s) = symbolic {
        return Some(s.to_owned());
    }
    let mut out = String::new();
    for part in code
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
    {
        // Shouting codes (`SDTC`) read as words (`Sdtc`); mixed case keeps its inner capitals.
        let all_upper = part.len() > 1 && part.chars().all(|c| !c.is_ascii_lowercase());
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            let rest = chars.as_str();
            if all_upper {
                out.push_str(&rest.to_ascii_lowercase());
            } else {
                out.push_str(rest);
            }
        }
    }
    if out.is_empty() {
        return None;
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    // `Self` is the one capitalised keyword (R5 has a code `self`).
    if out == "Self" {
        out.push_str("Code");
    }
    Some(out)
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "static"
            | "struct"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

/// One line of documentation from a definition's text: first line, trimmed, with the characters
/// that rustdoc would read as links or HTML escaped.
pub fn doc_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while !rest.is_empty() {
        match url_at(rest) {
            // A bare URL becomes an autolink, as rustdoc asks; escapes are not read inside one.
            Some(len) => {
                out.push('<');
                out.push_str(&rest[..len]);
                out.push('>');
                rest = &rest[len..];
            }
            None => {
                let c = rest.chars().next().expect("rest is not empty");
                if matches!(c, '[' | ']' | '<' | '>' | '`' | '*' | '_' | '\\') {
                    out.push('\\');
                }
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// The length of the URL `text` starts with, if it starts with one (at a word's start): up to
/// white space, without the punctuation that ends a sentence or closes a parenthesis.
fn url_at(text: &str) -> Option<usize> {
    if !(text.starts_with("http://") || text.starts_with("https://")) {
        return None;
    }
    let end = text
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
        .unwrap_or(text.len());
    let url = text[..end].trim_end_matches(['.', ',', ';', ':', ')', '\'', '!', '?']);
    (url.len() > "https://".len()).then_some(url.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_urls_become_autolinks() {
        assert_eq!(
            doc_line("See http://www.iana.org/assignments/link-relations."),
            "See <http://www.iana.org/assignments/link-relations>."
        );
        assert_eq!(
            doc_line("CORS (http://enable-cors.org/) header"),
            "CORS (<http://enable-cors.org/>) header"
        );
        assert_eq!(doc_line("a_b http://x.org/a_b"), "a\\_b <http://x.org/a_b>");
        assert_eq!(doc_line("http:// alone"), "http:// alone");
    }

    #[test]
    fn fields() {
        assert_eq!(field_name("birthDate"), "birth_date");
        assert_eq!(field_name("type"), "r#type");
        assert_eq!(field_name("use"), "r#use");
        assert_eq!(field_name("modifierExtension"), "modifier_extension");
        assert_eq!(field_name("versionId"), "version_id");
        assert_eq!(field_name("valueSet"), "value_set");
        assert_eq!(field_name("self"), "self_");
    }

    #[test]
    fn variants() {
        assert_eq!(
            variant_name("entered-in-error").as_deref(),
            Some("EnteredInError")
        );
        assert_eq!(variant_name("<=").as_deref(), Some("LessOrEqual"));
        assert_eq!(variant_name("dateTime").as_deref(), Some("DateTime"));
        assert_eq!(variant_name("SDTC").as_deref(), Some("Sdtc"));
        assert_eq!(variant_name("1.2").as_deref(), Some("V12"));
        assert_eq!(variant_name("_"), None);
        assert_eq!(variant_name("self").as_deref(), Some("SelfCode"));
    }

    #[test]
    fn paths() {
        assert_eq!(type_name_for_path("Patient.contact"), "PatientContact");
        assert_eq!(
            type_name_for_path("Observation.value[x]"),
            "ObservationValue"
        );
    }
}
