//! The kick-off request (Bulk Data Access IG 2.0.0, "Bulk Data Kick-off Request"): system,
//! patient or group level, by GET with the parameters in the query or by POST with a Parameters
//! body, always with `Prefer: respond-async`.

use std::future::IntoFuture;

use fhir_model::json::JsonValue;
use reqwest::Method;
use reqwest::header::{CONTENT_LOCATION, HeaderName};

use crate::auth::BoxFuture;
use crate::client::Client;
use crate::error::{Error, RawError};
use crate::path_segments::check_id;
use crate::request::{self, Request};
use crate::version::{FhirVersion, R4};

use super::status::ExportJob;

/// Whose data an export covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportLevel {
    /// `{base}/$export`: the whole server.
    System,
    /// `{base}/Patient/$export`: every patient, and the data in their compartments.
    Patient,
    /// `{base}/Group/{id}/$export`: the members of one Group.
    Group(String),
}

/// A kick-off request, to be awaited: the answer is the [`ExportJob`] to poll.
///
/// ```no_run
/// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
/// // GET {base}/Group/g1/$export?_type=Patient,Observation&_since=2024-01-01T00:00:00Z
/// let job = client
///     .export()
///     .group("g1")
///     .types(["Patient", "Observation"])
///     .since("2024-01-01T00:00:00Z")
///     .await?;
/// println!("polling {}", job.status_url());
/// # Ok(()) }
/// ```
#[must_use = "a kick-off does nothing until awaited"]
#[derive(Debug)]
pub struct ExportKickoff<'a, V: FhirVersion = R4> {
    client: &'a Client<V>,
    level: ExportLevel,
    output_format: Option<String>,
    since: Option<String>,
    until: Option<String>,
    types: Vec<String>,
    elements: Vec<String>,
    type_filters: Vec<String>,
    patients: Vec<String>,
    include_associated_data: Vec<String>,
    organize_output_by: Option<String>,
    post: bool,
}

impl<V: FhirVersion> Client<V> {
    /// A bulk export of the whole server (`$export`); narrow it to patients with
    /// [`ExportKickoff::patients`] or to a Group with [`ExportKickoff::group`].
    ///
    /// ```no_run
    /// use fhir_client::export::Export;
    /// use fhir_model::r4::Patient;
    /// use futures_util::StreamExt;
    ///
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let job = client.export().patients().types(["Patient"]).await?;
    /// let manifest = job.wait().await?;
    /// let export = Export::new(&client, manifest);
    /// let mut patients = export.resources::<Patient>();
    /// while let Some(line) = patients.next().await {
    ///     match line {
    ///         Ok(p) => println!("{:?}", p.value.id),
    ///         Err(e) => eprintln!("{e}"), // a bad line: the others still come
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn export(&self) -> ExportKickoff<'_, V> {
        ExportKickoff {
            client: self,
            level: ExportLevel::System,
            output_format: None,
            since: None,
            until: None,
            types: Vec::new(),
            elements: Vec::new(),
            type_filters: Vec::new(),
            patients: Vec::new(),
            include_associated_data: Vec::new(),
            organize_output_by: None,
            post: false,
        }
    }
}

impl<'a, V: FhirVersion> ExportKickoff<'a, V> {
    /// The level: [`ExportLevel::System`] (the default), patient or group.
    pub fn level(mut self, level: ExportLevel) -> Self {
        self.level = level;
        self
    }

    /// Patient level: `{base}/Patient/$export`.
    pub fn patients(self) -> Self {
        self.level(ExportLevel::Patient)
    }

    /// Group level: `{base}/Group/{id}/$export`.
    pub fn group(self, id: &str) -> Self {
        self.level(ExportLevel::Group(id.to_owned()))
    }

    /// `_outputFormat` (the server's default is `application/fhir+ndjson`).
    pub fn output_format(mut self, format: &str) -> Self {
        self.output_format = Some(format.to_owned());
        self
    }

    /// `_since`: only resources changed after this instant.
    pub fn since(mut self, instant: &str) -> Self {
        self.since = Some(instant.to_owned());
        self
    }

    /// `_until`: only resources changed up to this instant.
    pub fn until(mut self, instant: &str) -> Self {
        self.until = Some(instant.to_owned());
        self
    }

    /// `_type`: only these resource types (added to those given before).
    pub fn types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.types
            .extend(types.into_iter().map(|t| t.as_ref().to_owned()));
        self
    }

    /// `_elements`: only these elements (`Type.element` or `element`), added to those given before.
    pub fn elements<I, S>(mut self, elements: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.elements
            .extend(elements.into_iter().map(|t| t.as_ref().to_owned()));
        self
    }

    /// `_typeFilter`: a search query a type's resources must match (`Observation?status=final`);
    /// each call adds one.
    pub fn type_filter(mut self, query: &str) -> Self {
        self.type_filters.push(query.to_owned());
        self
    }

    /// `patient`: only these patients (a reference such as `Patient/123`); each call adds one.
    /// The IG allows `patient` with POST only, so the kick-off becomes a POST.
    pub fn patient(mut self, reference: &str) -> Self {
        self.patients.push(reference.to_owned());
        self.post = true;
        self
    }

    /// `includeAssociatedData`: a code such as `LatestProvenanceResources`; each call adds one.
    pub fn include_associated_data(mut self, code: &str) -> Self {
        self.include_associated_data.push(code.to_owned());
        self
    }

    /// `organizeOutputBy`: a resource type (`Patient`) the output files are organized by.
    pub fn organize_output_by(mut self, resource_type: &str) -> Self {
        self.organize_output_by = Some(resource_type.to_owned());
        self
    }

    /// Kick off with POST and a Parameters body rather than GET.
    pub fn post(mut self) -> Self {
        self.post = true;
        self
    }

    /// The parameters as (name, value, FHIR type of the value) triples, in the IG's order.
    fn parameters(&self) -> Vec<(&'static str, String, &'static str)> {
        let mut out = Vec::new();
        if let Some(f) = &self.output_format {
            out.push(("_outputFormat", f.clone(), "valueString"));
        }
        if let Some(s) = &self.since {
            out.push(("_since", s.clone(), "valueInstant"));
        }
        if let Some(u) = &self.until {
            out.push(("_until", u.clone(), "valueInstant"));
        }
        if !self.types.is_empty() {
            out.push(("_type", self.types.join(","), "valueString"));
        }
        if !self.elements.is_empty() {
            out.push(("_elements", self.elements.join(","), "valueString"));
        }
        for p in &self.patients {
            out.push(("patient", p.clone(), "valueReference"));
        }
        if !self.include_associated_data.is_empty() {
            out.push((
                "includeAssociatedData",
                self.include_associated_data.join(","),
                "valueCode",
            ));
        }
        for f in &self.type_filters {
            out.push(("_typeFilter", f.clone(), "valueString"));
        }
        if let Some(o) = &self.organize_output_by {
            out.push(("organizeOutputBy", o.clone(), "valueString"));
        }
        out
    }

    fn request(&self) -> Result<Request, RawError> {
        let segments: Vec<&str> = match &self.level {
            ExportLevel::System => vec!["$export"],
            ExportLevel::Patient => vec!["Patient", "$export"],
            ExportLevel::Group(id) => {
                check_id(id)?;
                vec!["Group", id, "$export"]
            }
        };
        let inner = &self.client.inner;
        let parameters = self.parameters();
        let request = if self.post {
            Request::new(Method::POST, inner.url(&segments, &[]))
                // The Parameters body is written as JSON whatever the client's format.
                .fhir_body(parameters_json(&parameters), crate::format::Format::Json)
        } else {
            let query: Vec<(String, String)> = parameters
                .into_iter()
                .map(|(name, value, _)| (name.to_owned(), value))
                .collect();
            Request::get(inner.url(&segments, &query))
        };
        // A kick-off starts a job on the server: sending it twice could start two.
        Ok(request
            .idempotent(false)
            .header(HeaderName::from_static("prefer"), "respond-async"))
    }

    async fn send(self) -> Result<ExportJob<V>, Error<V>> {
        let request = self.request()?;
        let response = request::send(&self.client.inner, request).await?;
        let location = response.header(CONTENT_LOCATION).map(str::to_owned);
        match (response.status.as_u16(), location) {
            (202, Some(location)) => match response.url.join(&location) {
                Ok(status_url) => Ok(ExportJob::resume(self.client, status_url)),
                Err(e) => Err(response
                    .decoding_error(
                        None,
                        format!("the Content-Location {location:?} is not a URL: {e}"),
                    )
                    .into()),
            },
            (202, None) => Err(response
                .decoding_error(
                    None,
                    "the kick-off was accepted (202) without a Content-Location to poll",
                )
                .into()),
            (status, _) => Err(response
                .decoding_error(
                    None,
                    format!(
                        "a kick-off is answered 202 Accepted with a status URL, the server \
                         answered {status}"
                    ),
                )
                .into()),
        }
    }
}

impl<'a, V: FhirVersion> IntoFuture for ExportKickoff<'a, V> {
    type Output = Result<ExportJob<V>, Error<V>>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A Parameters resource of the kick-off's parameters, each value with its FHIR type; written
/// here rather than through the models because every FHIR version spells it the same way.
fn parameters_json(parameters: &[(&'static str, String, &'static str)]) -> String {
    let parameter = parameters
        .iter()
        .map(|(name, value, kind)| {
            let value = if *kind == "valueReference" {
                JsonValue::Object(vec![("reference".into(), JsonValue::String(value.clone()))])
            } else {
                JsonValue::String(value.clone())
            };
            JsonValue::Object(vec![
                ("name".into(), JsonValue::String((*name).into())),
                ((*kind).into(), value),
            ])
        })
        .collect();
    JsonValue::Object(vec![
        (
            "resourceType".into(),
            JsonValue::String("Parameters".into()),
        ),
        ("parameter".into(), JsonValue::Array(parameter)),
    ])
    .to_json_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_have_their_types() {
        let json = parameters_json(&[
            ("_since", "2024-01-01T00:00:00Z".into(), "valueInstant"),
            ("patient", "Patient/1".into(), "valueReference"),
        ]);
        assert_eq!(
            json,
            r#"{"resourceType":"Parameters","parameter":[{"name":"_since","valueInstant":"2024-01-01T00:00:00Z"},{"name":"patient","valueReference":{"reference":"Patient/1"}}]}"#
        );
    }
}
