//! Operations (`$name`) on the system, a type or an instance, by GET or by POST with Parameters.

use std::future::IntoFuture;

use reqwest::Method;

use crate::auth::BoxFuture;
use crate::client::Client;
use crate::error::{Error, RawError};
use crate::paging::{Converter, Page};
use crate::path_segments::check_id;
use crate::request::{self, Request};
use crate::version::{FhirVersion, R4};

/// An operation call, to be awaited: `GET` with its parameters in the query, or `POST` with a
/// Parameters body (when given one, or asked to). The answer is the resource the operation
/// returns (a Parameters resource for an operation that answers with no body), as the client's
/// version's `Resource`.
///
/// ```no_run
/// use fhir_model::r4::Resource;
/// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
/// // GET {base}/ValueSet/$expand?url=...
/// let expanded = client
///     .operation("$expand")
///     .on_type("ValueSet")
///     .param("url", "http://hl7.org/fhir/ValueSet/administrative-gender")
///     .await?;
/// if let Resource::ValueSet(vs) = expanded {
///     println!("{} codes", vs.expansion.map_or(0, |e| e.contains.len()));
/// }
/// # Ok(()) }
/// ```
#[must_use = "an operation does nothing until awaited"]
#[derive(Debug)]
pub struct Operation<'a, V: FhirVersion = R4> {
    client: &'a Client<V>,
    name: String,
    target: Vec<String>,
    params: Vec<(String, String)>,
    parameters: Option<V::Parameters>,
    post: bool,
}

impl<'a, V: FhirVersion> Operation<'a, V> {
    /// On a resource type: `{base}/{Type}/$name`.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let r = client.operation("$lookup").on_type("CodeSystem")
    ///     .param("system", "http://loinc.org").param("code", "1963-8").await?;
    /// # Ok(()) }
    /// ```
    pub fn on_type(mut self, resource_type: &str) -> Self {
        self.target = vec![resource_type.to_owned()];
        self
    }

    /// On one resource: `{base}/{Type}/{id}/$name`.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let r = client.operation("$meta").on_instance("Patient", "123").await?;
    /// # Ok(()) }
    /// ```
    pub fn on_instance(mut self, resource_type: &str, id: &str) -> Self {
        self.target = vec![resource_type.to_owned(), id.to_owned()];
        self
    }

    /// A simple parameter: in the query for GET, a `valueString` parameter for POST.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let r = client.operation("$everything").on_instance("Patient", "1").param("_count", "50").await?;
    /// # Ok(()) }
    /// ```
    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.params.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The input Parameters resource (`V::Parameters`), sent with POST.
    ///
    /// ```no_run
    /// use fhir_model::r4::{Parameters, ParametersParameter, ParametersParameterValue};
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let mut input = Parameters::default();
    /// let mut p = ParametersParameter::new("code");
    /// p.value = Some(ParametersParameterValue::Code("1963-8".into()));
    /// input.parameter.push(p);
    /// let out = client.operation("$lookup").on_type("CodeSystem").parameters(input).await?;
    /// # Ok(()) }
    /// ```
    pub fn parameters(mut self, parameters: V::Parameters) -> Self {
        self.parameters = Some(parameters);
        self.post = true;
        self
    }

    /// Send with POST even without a Parameters resource (an empty one is sent).
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let r = client.operation("$reindex").post().await?;
    /// # Ok(()) }
    /// ```
    pub fn post(mut self) -> Self {
        self.post = true;
        self
    }

    fn request(self) -> Result<Request, RawError> {
        let name = if self.name.starts_with('$') {
            self.name.clone()
        } else {
            format!("${}", self.name)
        };
        for part in &self.target {
            check_id(part)?;
        }
        let mut segments: Vec<&str> = self.target.iter().map(String::as_str).collect();
        segments.push(&name);
        let inner = &self.client.inner;
        if !self.post {
            return Ok(Request::get(inner.url(&segments, &self.params)));
        }
        let mut parameters = self.parameters.unwrap_or_default();
        for (name, value) in &self.params {
            V::push_string_parameter(&mut parameters, name, value);
        }
        Ok(Request::new(Method::POST, inner.url(&segments, &[]))
            .fhir_body(inner.format.encode(&parameters), inner.format))
    }

    async fn send(self) -> Result<V::Resource, Error<V>> {
        let client = self.client;
        let response = request::send(&client.inner, self.request()?).await?;
        if response.body_is_empty() {
            return Ok(V::empty_parameters());
        }
        // Any resource type is an answer here: `$validate` answers an OperationOutcome.
        Ok(response.decode_as(None)?)
    }
}

impl<'a, V: FhirVersion> IntoFuture for Operation<'a, V> {
    type Output = Result<V::Resource, Error<V>>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl<V: FhirVersion> Client<V> {
    /// An operation, on the whole system unless narrowed with [`Operation::on_type`] or
    /// [`Operation::on_instance`]; the name may be given with or without its `$`.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let versions = client.operation("$versions").await?;
    /// # Ok(()) }
    /// ```
    pub fn operation(&self, name: &str) -> Operation<'_, V> {
        Operation {
            client: self,
            name: name.to_owned(),
            target: Vec::new(),
            params: Vec::new(),
            parameters: None,
            post: false,
        }
    }

    /// `GET {base}/Patient/{id}/$everything`: the first page of everything about a patient
    /// (follow it with [`Client::pages`]).
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let all = client.pages(client.everything("123").await?).all_matches().await?;
    /// println!("{} resources", all.len());
    /// # Ok(()) }
    /// ```
    pub async fn everything(&self, patient_id: &str) -> Result<Page<V::Resource, V>, Error<V>> {
        check_id(patient_id)?;
        let url = self.inner.url(&["Patient", patient_id, "$everything"], &[]);
        self.fetch_page(Request::get(url), Converter::any()).await
    }
}
