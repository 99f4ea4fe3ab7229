//! The state of an export kept in its directory (`export-state.json`): the server, the status
//! URL, the manifest once it came, and the files already downloaded, so that `fhir export
//! --resume DIR` continues where a stopped run left off. Written again, whole and atomically
//! (a temporary file renamed), after each step.

use std::path::{Path, PathBuf};

use fhir_client::export::Manifest;
use fhir_model::json::JsonValue;

use crate::failure::Failure;

/// The file's name in the export directory.
pub const STATE_FILE: &str = "export-state.json";

/// What a run needs to continue an export.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The base URL the export was started against.
    pub base: String,
    /// The status URL to poll.
    pub status_url: String,
    /// Whether files are written gzip-compressed.
    pub gzip: bool,
    /// The manifest, once the export is complete.
    pub manifest: Option<JsonValue>,
    /// The files downloaded in full: URL, file name, lines, invalid lines.
    pub done: Vec<DoneFile>,
}

/// A file downloaded in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoneFile {
    /// The URL of the manifest.
    pub url: String,
    /// The file's name in the directory.
    pub name: String,
    /// Resources written.
    pub lines: u64,
    /// Lines that do not match the model.
    pub invalid: u64,
}

impl State {
    /// The state file of `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(STATE_FILE)
    }

    /// Reads the state of `dir`.
    pub fn load(dir: &Path) -> Result<State, Failure> {
        let path = State::path(dir);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Failure::Usage(format!(
                "{}: cannot read the export's state ({e}); is it an export directory?",
                path.display()
            ))
        })?;
        let bad = |why: &str| Failure::Usage(format!("{}: {why}", path.display()));
        let json = JsonValue::parse(&text).map_err(|e| bad(&e.to_string()))?;
        let text_of = |key: &str| json.get(key).and_then(JsonValue::as_str).map(str::to_owned);
        let done = match json.get("done") {
            Some(JsonValue::Array(items)) => items
                .iter()
                .map(|item| {
                    let s = |k: &str| item.get(k).and_then(JsonValue::as_str).map(str::to_owned);
                    let n = |k: &str| match item.get(k) {
                        Some(JsonValue::Number(n)) => n.parse().ok(),
                        _ => None,
                    };
                    Some(DoneFile {
                        url: s("url")?,
                        name: s("name")?,
                        lines: n("lines")?,
                        invalid: n("invalid")?,
                    })
                })
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad("a `done` entry is not url, name, lines, invalid"))?,
            _ => Vec::new(),
        };
        Ok(State {
            base: text_of("base").ok_or_else(|| bad("no `base`"))?,
            status_url: text_of("statusUrl").ok_or_else(|| bad("no `statusUrl`"))?,
            gzip: json.get("gzip") == Some(&JsonValue::Bool(true)),
            manifest: json.get("manifest").cloned(),
            done,
        })
    }

    /// The manifest, read.
    pub fn manifest(&self) -> Result<Option<Manifest>, Failure> {
        self.manifest
            .clone()
            .map(Manifest::from_json)
            .transpose()
            .map_err(|e| Failure::Usage(format!("{STATE_FILE}: {e}")))
    }

    /// Writes the state into `dir`.
    pub fn save(&self, dir: &Path) -> Result<(), Failure> {
        let s = |v: &str| JsonValue::String(v.to_owned());
        let n = |v: u64| JsonValue::Number(v.to_string());
        let done = self
            .done
            .iter()
            .map(|d| {
                JsonValue::Object(vec![
                    ("url".into(), s(&d.url)),
                    ("name".into(), s(&d.name)),
                    ("lines".into(), n(d.lines)),
                    ("invalid".into(), n(d.invalid)),
                ])
            })
            .collect();
        let mut members = vec![
            ("base".into(), s(&self.base)),
            ("statusUrl".into(), s(&self.status_url)),
            ("gzip".into(), JsonValue::Bool(self.gzip)),
        ];
        if let Some(m) = &self.manifest {
            members.push(("manifest".into(), m.clone()));
        }
        members.push(("done".into(), JsonValue::Array(done)));
        let text = JsonValue::Object(members).to_json_pretty();
        let path = State::path(dir);
        let tmp = dir.join(format!("{STATE_FILE}.tmp"));
        std::fs::write(&tmp, text + "\n")
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_reads_back_as_written() {
        let dir = std::env::temp_dir().join(format!("fhir-export-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let state = State {
            base: "http://h/fhir".into(),
            status_url: "http://h/fhir/$export-status/1".into(),
            gzip: true,
            manifest: Some(JsonValue::parse(r#"{"transactionTime":"t","output":[]}"#).unwrap()),
            done: vec![DoneFile {
                url: "http://h/f/1".into(),
                name: "Patient.1.ndjson.gz".into(),
                lines: 3,
                invalid: 1,
            }],
        };
        state.save(&dir).unwrap();
        assert_eq!(State::load(&dir).unwrap(), state);
        assert!(state.manifest().unwrap().is_some());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
