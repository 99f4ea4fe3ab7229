//! The completion manifest of a bulk export (Bulk Data Access IG 2.0.0, "Response - Complete
//! Status"): plain JSON, not a FHIR resource, read with the model's JSON reader.

use fhir_model::json::JsonValue;
use url::Url;

/// The manifest a status request answers with once the export is complete.
///
/// ```
/// use fhir_client::export::Manifest;
///
/// let manifest = Manifest::from_json_str(r#"{
///   "transactionTime": "2024-01-01T00:00:00Z",
///   "request": "https://example.org/fhir/$export",
///   "requiresAccessToken": true,
///   "output": [{"type": "Patient", "url": "https://example.org/files/p1.ndjson", "count": 2}],
///   "error": []
/// }"#).unwrap();
/// assert!(manifest.requires_access_token);
/// assert_eq!(manifest.output[0].resource_type, "Patient");
/// assert_eq!(manifest.output[0].count, Some(2));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// `transactionTime`: the server's time when the export's data was taken (an `instant`),
    /// the `_since` of the next incremental export.
    pub transaction_time: String,
    /// `request`: the kick-off URL the export answers.
    pub request: String,
    /// `requiresAccessToken`: whether the files need the bearer token of the FHIR server.
    pub requires_access_token: bool,
    /// The status URL the manifest was fetched from (the kick-off's `Content-Location`), when
    /// known: set by [`ExportJob`](super::ExportJob)'s polling, `None` for a manifest read with
    /// [`from_json_str`](Self::from_json_str) or [`from_json`](Self::from_json) (set it with
    /// [`with_status_url`](Self::with_status_url)). Its origin is the manifest's own: with the
    /// FHIR server's, the only origin the token goes to.
    pub status_url: Option<Url>,
    /// `outputOrganizedBy`: the resource type the output is organized by, when asked for.
    pub output_organized_by: Option<String>,
    /// `output`: the NDJSON files of resources.
    pub output: Vec<ManifestFile>,
    /// `error`: NDJSON files of OperationOutcomes about what could not be exported.
    pub error: Vec<ManifestFile>,
    /// `deleted`: NDJSON files of Bundles of `DELETE` requests (resources deleted since `_since`).
    pub deleted: Vec<ManifestFile>,
    /// The manifest as the server sent it, for saving and reading back.
    pub json: JsonValue,
}

/// One file of a [`Manifest`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ManifestFile {
    /// `type`: the resource type of every line.
    pub resource_type: String,
    /// `url`: where to download it (absolute).
    pub url: Url,
    /// `count`: the number of resources in the file, when the server said.
    pub count: Option<u64>,
    /// `outputOrganizedBy` file's `type` of the organizing resource, when the export is
    /// organized by one.
    pub output_organized_by: Option<String>,
}

/// What is wrong with a manifest: the member and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError(pub(crate) String);

impl std::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a bulk export manifest: {}", self.0)
    }
}

impl std::error::Error for ManifestError {}

impl Manifest {
    /// Reads a manifest; relative file URLs (which the IG does not allow, but some servers send)
    /// are refused with the member that holds them.
    ///
    /// ```
    /// let e = fhir_client::export::Manifest::from_json_str(r#"{"output":[]}"#).unwrap_err();
    /// assert!(e.to_string().contains("transactionTime"));
    /// ```
    pub fn from_json_str(text: &str) -> Result<Manifest, ManifestError> {
        let json = JsonValue::parse(text).map_err(|e| ManifestError(e.to_string()))?;
        Manifest::from_json(json)
    }

    /// Reads a manifest from JSON already parsed.
    pub fn from_json(json: JsonValue) -> Result<Manifest, ManifestError> {
        if !matches!(json, JsonValue::Object(_)) {
            return Err(ManifestError(format!(
                "a {}, not an object",
                json.kind_name()
            )));
        }
        let string = |key: &str| -> Result<Option<String>, ManifestError> {
            match json.get(key) {
                None | Some(JsonValue::Null) => Ok(None),
                Some(JsonValue::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(ManifestError(format!(
                    "`{key}` is a {}, not a string",
                    other.kind_name()
                ))),
            }
        };
        let transaction_time = string("transactionTime")?
            .ok_or_else(|| ManifestError("`transactionTime` is missing".into()))?;
        let request = string("request")?.unwrap_or_default();
        let requires_access_token = match json.get("requiresAccessToken") {
            None | Some(JsonValue::Null) => false,
            Some(JsonValue::Bool(b)) => *b,
            Some(other) => {
                return Err(ManifestError(format!(
                    "`requiresAccessToken` is a {}, not a boolean",
                    other.kind_name()
                )));
            }
        };
        let output_organized_by = string("outputOrganizedBy")?;
        Ok(Manifest {
            transaction_time,
            request,
            requires_access_token,
            status_url: None,
            output_organized_by,
            output: files(&json, "output")?,
            error: files(&json, "error")?,
            deleted: files(&json, "deleted")?,
            json,
        })
    }

    /// The manifest as fetched from `status_url`: files on that URL's origin get the token
    /// too when `requiresAccessToken` is true (see [`status_url`](Self::status_url)).
    ///
    /// ```
    /// use fhir_client::export::Manifest;
    ///
    /// let manifest = Manifest::from_json_str(r#"{"transactionTime":"t","output":[]}"#)
    ///     .unwrap()
    ///     .with_status_url("https://jobs.example.org/status/7".parse().unwrap());
    /// assert_eq!(manifest.status_url.unwrap().host_str(), Some("jobs.example.org"));
    /// ```
    pub fn with_status_url(mut self, status_url: Url) -> Manifest {
        self.status_url = Some(status_url);
        self
    }

    /// Every file: output, then error, then deleted.
    pub fn all_files(&self) -> impl Iterator<Item = &ManifestFile> {
        self.output.iter().chain(&self.error).chain(&self.deleted)
    }
}

fn files(json: &JsonValue, key: &str) -> Result<Vec<ManifestFile>, ManifestError> {
    let items = match json.get(key) {
        None | Some(JsonValue::Null) => return Ok(Vec::new()),
        Some(JsonValue::Array(items)) => items,
        Some(other) => {
            return Err(ManifestError(format!(
                "`{key}` is a {}, not an array",
                other.kind_name()
            )));
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("{key}[{i}]");
            let text = |k: &str| item.get(k).and_then(JsonValue::as_str);
            let resource_type = text("type")
                .ok_or_else(|| ManifestError(format!("`{at}.type` is missing")))?
                .to_owned();
            let url_text =
                text("url").ok_or_else(|| ManifestError(format!("`{at}.url` is missing")))?;
            let url = Url::parse(url_text).map_err(|e| {
                ManifestError(format!(
                    "`{at}.url` ({url_text:?}) is not an absolute URL: {e}"
                ))
            })?;
            let count = match item.get("count") {
                None | Some(JsonValue::Null) => None,
                Some(JsonValue::Number(n)) => Some(n.parse::<u64>().map_err(|_| {
                    ManifestError(format!("`{at}.count` ({n}) is not a whole number"))
                })?),
                Some(other) => {
                    return Err(ManifestError(format!(
                        "`{at}.count` is a {}, not a number",
                        other.kind_name()
                    )));
                }
            };
            Ok(ManifestFile {
                resource_type,
                url,
                count,
                output_organized_by: text("outputOrganizedBy").map(str::to_owned),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_part() {
        let m = Manifest::from_json_str(
            r#"{"transactionTime":"2024-05-01T10:00:00Z","request":"http://h/$export?_type=Patient",
            "requiresAccessToken":false,"outputOrganizedBy":"Patient",
            "output":[{"type":"Patient","url":"http://f/1.ndjson","count":3,"outputOrganizedBy":"Patient/1"}],
            "error":[{"type":"OperationOutcome","url":"http://f/e.ndjson"}],
            "deleted":[{"type":"Bundle","url":"http://f/d.ndjson","count":1}]}"#,
        )
        .unwrap();
        assert_eq!(m.transaction_time, "2024-05-01T10:00:00Z");
        assert_eq!(m.output_organized_by.as_deref(), Some("Patient"));
        assert_eq!(
            m.output[0].output_organized_by.as_deref(),
            Some("Patient/1")
        );
        assert_eq!(m.error[0].count, None);
        assert_eq!(m.deleted[0].resource_type, "Bundle");
        assert_eq!(m.all_files().count(), 3);
    }

    #[test]
    fn bad_members_are_named() {
        let e = Manifest::from_json_str(
            r#"{"transactionTime":"t","output":[{"type":"Patient","url":"files/1.ndjson"}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("`output[0].url`"), "{e}");
        let e = Manifest::from_json_str(
            r#"{"transactionTime":"t","output":[{"type":"Patient","url":"http://f/1","count":-1}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("`output[0].count`"), "{e}");
        assert!(Manifest::from_json_str("[]").is_err());
    }
}
