//! `fhir metadata`: a CapabilityStatement as a person wants to read it.

use crate::table::Table;

/// What `fhir metadata` summarizes of a CapabilityStatement, borrowed from the typed statement
/// of either FHIR version (see `CliVersion::capabilities`).
#[derive(Debug, Default)]
pub struct Capabilities<'a> {
    /// `software.name`.
    pub software_name: Option<&'a str>,
    /// `software.version`.
    pub software_version: Option<&'a str>,
    /// `implementation.description`.
    pub implementation: Option<&'a str>,
    /// `implementation.url`.
    pub implementation_url: Option<&'a str>,
    /// `fhirVersion`, also when it is not a version the models know.
    pub fhir_version: Option<&'a str>,
    /// `format`.
    pub formats: Vec<&'a str>,
    /// `patchFormat`.
    pub patch_formats: Vec<&'a str>,
    /// The first `rest` of mode `server`.
    pub server: Option<RestCapabilities<'a>>,
}

/// What a server's `rest` says.
#[derive(Debug, Default)]
pub struct RestCapabilities<'a> {
    /// The text or first code of each `security.service`.
    pub security: Vec<&'a str>,
    /// Each system `interaction.code`.
    pub interactions: Vec<&'a str>,
    /// Each system `operation.name`.
    pub operations: Vec<&'a str>,
    /// Each `resource`.
    pub resources: Vec<TypeCapabilities<'a>>,
}

/// What a `rest.resource` says of its type.
#[derive(Debug, Default)]
pub struct TypeCapabilities<'a> {
    /// `type`.
    pub resource_type: Option<&'a str>,
    /// Each `interaction.code`.
    pub interactions: Vec<&'a str>,
    /// Each `searchParam.name`.
    pub search_params: Vec<&'a str>,
}

/// The summary: software, FHIR version, formats, then one table row per resource type with its
/// interactions and search parameters.
pub fn summary(cs: &Capabilities<'_>) -> String {
    let mut head: Vec<(&str, String)> = Vec::new();
    let name = [cs.software_name, cs.software_version]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    head.push(("Software", or_unknown(name)));
    if let Some(d) = cs.implementation {
        head.push(("Implementation", d.to_owned()));
    }
    if let Some(url) = cs.implementation_url {
        head.push(("Base URL", url.to_owned()));
    }
    head.push((
        "FHIR version",
        or_unknown(cs.fhir_version.unwrap_or("").into()),
    ));
    head.push(("Formats", or_unknown(cs.formats.join(", "))));
    if !cs.patch_formats.is_empty() {
        head.push(("Patch formats", cs.patch_formats.join(", ")));
    }
    let rest = cs.server.as_ref();
    if let Some(rest) = rest {
        if !rest.security.is_empty() {
            head.push(("Security", rest.security.join(", ")));
        }
        if !rest.interactions.is_empty() {
            head.push(("System interactions", rest.interactions.join(", ")));
        }
        if !rest.operations.is_empty() {
            let names: Vec<String> = rest.operations.iter().map(|o| format!("${o}")).collect();
            head.push(("System operations", names.join(", ")));
        }
    }
    let resources = rest.map_or(&[][..], |r| r.resources.as_slice());
    // Sorted: easier to scan, and the same whatever order the server keeps them in.
    let params: Vec<Vec<&str>> = resources
        .iter()
        .map(|r| {
            let mut names = r.search_params.clone();
            names.sort();
            names
        })
        .collect();
    // Parameters every type has (`_id`, `_lastUpdated`, ...) are said once, not on every row.
    let common: Vec<&str> = match params.first() {
        Some(first) if params.len() > 1 => first
            .iter()
            .filter(|p| params.iter().all(|ps| ps.contains(p)))
            .copied()
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
            resource.resource_type.unwrap_or("?").to_owned(),
            resource
                .interactions
                .iter()
                .map(|c| short_interaction(c))
                .collect::<Vec<_>>()
                .join(" "),
            params
                .iter()
                .filter(|p| !common.contains(p))
                .copied()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::CliVersion;
    use fhir_client::R4;
    use fhir_model::{FhirJson, ParseOptions};

    #[test]
    fn summary_lists_types_with_interactions_and_parameters() {
        let cs = r#"{"resourceType":"CapabilityStatement","status":"active","date":"2024","kind":"instance",
          "software":{"name":"Test Server","version":"1.2"},"fhirVersion":"4.0.1","format":["json","xml"],
          "rest":[{"mode":"server","interaction":[{"code":"transaction"}],"operation":[{"name":"export","definition":"x"}],
            "resource":[{"type":"Patient","interaction":[{"code":"read"},{"code":"search-type"}],
              "searchParam":[{"name":"name","type":"string"},{"name":"birthdate","type":"date"}]}]}]}"#;
        let cs =
            fhir_model::r4::CapabilityStatement::from_json_str(cs, ParseOptions::strict()).unwrap();
        let text = summary(&R4::capabilities(&cs));
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
