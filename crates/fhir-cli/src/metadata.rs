//! `fhir metadata`: a CapabilityStatement as a person wants to read it.

use fhir_model::json::JsonValue;

use crate::table::Table;

/// The summary: software, FHIR version, formats, then one table row per resource type with its
/// interactions and search parameters. Reads the statement's JSON, so it serves every version.
pub fn summary(capability_json: &str) -> String {
    let Ok(doc) = JsonValue::parse(capability_json) else {
        return "(the CapabilityStatement is not JSON)\n".into();
    };
    fn s<'a>(v: Option<&'a JsonValue>, key: &str) -> Option<&'a str> {
        v.and_then(|v| v.get(key)).and_then(JsonValue::as_str)
    }
    let software = doc.get("software");
    let implementation = doc.get("implementation");
    let mut head: Vec<(&str, String)> = Vec::new();
    let name = [s(software, "name"), s(software, "version")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    head.push(("Software", or_unknown(name)));
    if let Some(d) = s(implementation, "description") {
        head.push(("Implementation", d.to_owned()));
    }
    if let Some(url) = s(implementation, "url") {
        head.push(("Base URL", url.to_owned()));
    }
    head.push((
        "FHIR version",
        or_unknown(s(Some(&doc), "fhirVersion").unwrap_or("").into()),
    ));
    head.push(("Formats", or_unknown(strings(doc.get("format")).join(", "))));
    let patch = strings(doc.get("patchFormat"));
    if !patch.is_empty() {
        head.push(("Patch formats", patch.join(", ")));
    }
    let rest = match doc.get("rest") {
        Some(JsonValue::Array(rest)) => rest.iter().find(|r| s(Some(r), "mode") == Some("server")),
        _ => None,
    };
    if let Some(security) = rest.and_then(|r| r.get("security")) {
        let services = codes_of(security.get("service"));
        if !services.is_empty() {
            head.push(("Security", services.join(", ")));
        }
    }
    if let Some(rest) = rest {
        let interactions = codes(rest.get("interaction"), "code");
        if !interactions.is_empty() {
            head.push(("System interactions", interactions.join(", ")));
        }
        let operations = codes(rest.get("operation"), "name");
        if !operations.is_empty() {
            let names: Vec<String> = operations.iter().map(|o| format!("${o}")).collect();
            head.push(("System operations", names.join(", ")));
        }
    }
    let resources = match rest.and_then(|r| r.get("resource")) {
        Some(JsonValue::Array(resources)) => resources.as_slice(),
        _ => &[],
    };
    // Sorted: easier to scan, and the same whatever order the server keeps them in.
    let params: Vec<Vec<String>> = resources
        .iter()
        .map(|r| {
            let mut names = codes(r.get("searchParam"), "name");
            names.sort();
            names
        })
        .collect();
    // Parameters every type has (`_id`, `_lastUpdated`, ...) are said once, not on every row.
    let common: Vec<String> = match params.first() {
        Some(first) if params.len() > 1 => first
            .iter()
            .filter(|p| params.iter().all(|ps| ps.contains(p)))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    if !common.is_empty() {
        head.push(("Search, every type", common.join(" ")));
    }
    let label_width = head
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (label, value) in &head {
        out.push_str(&format!("{label:<label_width$}  {value}\n"));
    }
    let noun = if resources.len() == 1 {
        "type"
    } else {
        "types"
    };
    out.push_str(&format!("\n{} resource {noun}\n", resources.len()));
    if resources.is_empty() {
        return out;
    }
    let mut table = Table::new(&["type", "interactions", "search parameters"])
        .wrap(1, 34)
        .wrap(2, 60);
    for (resource, params) in resources.iter().zip(&params) {
        table.row(vec![
            s(Some(resource), "type").unwrap_or("?").to_owned(),
            codes(resource.get("interaction"), "code")
                .iter()
                .map(|c| short_interaction(c))
                .collect::<Vec<_>>()
                .join(" "),
            params
                .iter()
                .filter(|p| !common.contains(p))
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
        ]);
    }
    out.push_str(&table.render());
    out
}

fn or_unknown(text: String) -> String {
    if text.is_empty() {
        "(not stated)".into()
    } else {
        text
    }
}

/// `history-instance` and `search-type` are long; in a row of one type they say no more than
/// `history` and `search`.
fn short_interaction(code: &str) -> &str {
    match code {
        "history-instance" => "history",
        "history-type" => "history-type",
        "search-type" => "search",
        other => other,
    }
}

fn strings(value: Option<&JsonValue>) -> Vec<String> {
    match value {
        Some(JsonValue::Array(items)) => items
            .iter()
            .filter_map(JsonValue::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// `key` of every object in an array (e.g. each `interaction.code`).
fn codes(value: Option<&JsonValue>, key: &str) -> Vec<String> {
    match value {
        Some(JsonValue::Array(items)) => items
            .iter()
            .filter_map(|i| i.get(key).and_then(JsonValue::as_str))
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// The text or first code of every CodeableConcept in an array.
fn codes_of(value: Option<&JsonValue>) -> Vec<String> {
    match value {
        Some(JsonValue::Array(items)) => items
            .iter()
            .filter_map(|cc| {
                cc.get("text")
                    .and_then(JsonValue::as_str)
                    .or_else(|| match cc.get("coding") {
                        Some(JsonValue::Array(c)) => c
                            .first()
                            .and_then(|c| c.get("code"))
                            .and_then(JsonValue::as_str),
                        _ => None,
                    })
            })
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lists_types_with_interactions_and_parameters() {
        let cs = r#"{"resourceType":"CapabilityStatement","status":"active","date":"2024","kind":"instance",
          "software":{"name":"Test Server","version":"1.2"},"fhirVersion":"4.0.1","format":["json","xml"],
          "rest":[{"mode":"server","interaction":[{"code":"transaction"}],"operation":[{"name":"export","definition":"x"}],
            "resource":[{"type":"Patient","interaction":[{"code":"read"},{"code":"search-type"}],
              "searchParam":[{"name":"name","type":"string"},{"name":"birthdate","type":"date"}]}]}]}"#;
        let text = summary(cs);
        assert!(
            text.starts_with("Software             Test Server 1.2\n"),
            "{text}"
        );
        assert!(text.contains("FHIR version         4.0.1\n"), "{text}");
        assert!(text.contains("System operations    $export\n"), "{text}");
        assert!(
            text.contains("\n1 resource type\nTYPE     INTERACTIONS  SEARCH PARAMETERS\nPatient  read search   birthdate name\n"),
            "{text}"
        );
    }
}
