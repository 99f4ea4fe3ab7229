//! Writes: create, update, delete, and the outcome assembled from `Location`, `ETag`,
//! `Last-Modified` and the body.

use std::future::{Future, IntoFuture};

use fhir_model::{AnyResource, FhirFormats, TypedResource};
use reqwest::Method;
use reqwest::header::{CONTENT_LOCATION, ETAG, HeaderName, IF_MATCH, LAST_MODIFIED, LOCATION};
use url::Url;

use crate::auth::BoxFuture;
use crate::client::Client;
use crate::error::{Error, ErrorKind, RawError};
use crate::format::Format;
use crate::headers::{etag_header_value, parse_etag};
use crate::json_body::{self, TopLevel};
use crate::path_segments::{check_id, check_resource_type};
use crate::request::{self, Request, Response};
use crate::search::SearchParams;
use crate::version::{FhirVersion, R4};

pub(crate) const PREFER: HeaderName = HeaderName::from_static("prefer");
pub(crate) const IF_NONE_EXIST: HeaderName = HeaderName::from_static("if-none-exist");

/// What a write should answer with (`Prefer: return=...`). Servers may ignore it: the outcome
/// reports what actually came back.
///
/// ```
/// assert_eq!(fhir_client::Return::Minimal.header_value(), "return=minimal");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Return {
    /// `return=minimal`: no body (id and version come from `Location` and `ETag`).
    Minimal,
    /// `return=representation`: the resource as stored.
    Representation,
    /// `return=OperationOutcome`: an OperationOutcome about the write.
    OperationOutcome,
}

impl Return {
    /// The `Prefer` header's value.
    ///
    /// ```
    /// assert_eq!(fhir_client::Return::OperationOutcome.header_value(), "return=OperationOutcome");
    /// ```
    pub fn header_value(self) -> &'static str {
        match self {
            Return::Minimal => "return=minimal",
            Return::Representation => "return=representation",
            Return::OperationOutcome => "return=OperationOutcome",
        }
    }
}

/// The outcome of a create, update or patch: what the server said about the resource written,
/// gathered from the `Location` (absolute, relative, versioned or missing), `ETag` (`W/"1"` or
/// `"1"`), `Last-Modified` and the body (the resource, an OperationOutcome, or nothing).
/// `V` is the client's FHIR version (`WriteOutcome<T>` is `WriteOutcome<T, R4>`).
///
/// ```no_run
/// use fhir_model::r4::Patient;
/// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
/// let outcome = client.create(&Patient::default()).await?;
/// assert!(outcome.created);
/// println!("Patient/{} version {:?}", outcome.id.unwrap_or_default(), outcome.version);
/// # Ok(()) }
/// ```
#[derive(Clone, PartialEq)]
pub struct WriteOutcome<T, V: FhirVersion = R4> {
    /// The HTTP status (200, 201, ...).
    pub status: u16,
    /// Whether the write created the resource (201).
    pub created: bool,
    /// The logical id: from `Location`, else the body, else the id the request named.
    pub id: Option<String>,
    /// The version id: from a versioned `Location`, else the `ETag`, else the body's `meta.versionId`.
    pub version: Option<String>,
    /// The `Location` (or `Content-Location`), made absolute against the base URL.
    pub location: Option<Url>,
    /// The `ETag` header as sent.
    pub etag: Option<String>,
    /// The `Last-Modified` header as sent.
    pub last_modified: Option<String>,
    /// The resource, when the server sent it back.
    pub resource: Option<T>,
    /// The OperationOutcome, when the server sent one.
    pub operation_outcome: Option<V::OperationOutcome>,
}

impl<T: std::fmt::Debug, V: FhirVersion> std::fmt::Debug for WriteOutcome<T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteOutcome")
            .field("status", &self.status)
            .field("created", &self.created)
            .field("id", &self.id)
            .field("version", &self.version)
            .field("location", &self.location.as_ref().map(Url::as_str))
            .field("etag", &self.etag)
            .field("last_modified", &self.last_modified)
            .field("resource", &self.resource)
            .field("operation_outcome", &self.operation_outcome)
            .finish()
    }
}

/// The outcome of a delete. A server may answer 200 (perhaps with an OperationOutcome), 204, or,
/// for a resource that is not there, 404 or 410: all of these mean the resource is gone now and
/// are outcomes, not errors. `V` is the client's FHIR version (`DeleteOutcome` is
/// `DeleteOutcome<R4>`).
///
/// ```no_run
/// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
/// let outcome = client.delete::<fhir_model::r4::Patient>("123").await?;
/// if outcome.already_absent() {
///     println!("there was nothing to delete ({})", outcome.status);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteOutcome<V: FhirVersion = R4> {
    /// The HTTP status: 200, 202, 204, 404 or 410.
    pub status: u16,
    /// The version id of the deletion, when the server sent an `ETag`.
    pub version: Option<String>,
    /// The OperationOutcome, when the server sent one.
    pub operation_outcome: Option<V::OperationOutcome>,
}

impl<V: FhirVersion> DeleteOutcome<V> {
    /// Whether the resource was not there (404 or 410).
    ///
    /// ```
    /// let o: fhir_client::DeleteOutcome =
    ///     fhir_client::DeleteOutcome { status: 410, version: None, operation_outcome: None };
    /// assert!(o.already_absent());
    /// ```
    pub fn already_absent(&self) -> bool {
        matches!(self.status, 404 | 410)
    }
}

/// Type, id and version named by a `Location` (`.../Patient/1/_history/2`, absolute or relative).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LocationParts {
    pub resource_type: Option<String>,
    pub id: Option<String>,
    pub version: Option<String>,
}

/// Reads a `Location`: the last `Type/id` of its path, and the version after `_history`.
pub(crate) fn parse_location(value: &str) -> LocationParts {
    let value = value.trim();
    let path = match Url::parse(value) {
        Ok(url) => url.path().to_owned(),
        Err(_) => value
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (type_at, id_at, version) = match segments.iter().rposition(|s| *s == "_history") {
        Some(h) if h >= 2 => (h - 2, h - 1, segments.get(h + 1).map(|v| (*v).to_owned())),
        Some(_) => return LocationParts::default(),
        None if segments.len() >= 2 => (segments.len() - 2, segments.len() - 1, None),
        None => return LocationParts::default(),
    };
    let resource_type = segments[type_at];
    let is_type = resource_type.starts_with(|c: char| c.is_ascii_uppercase());
    LocationParts {
        resource_type: is_type.then(|| resource_type.to_owned()),
        id: Some(segments[id_at].to_owned()),
        version,
    }
}

/// Assembles the outcome of a successful write. A body that is not FHIR JSON is a decoding
/// error and a resource of another type than the one written an unexpected-resource error:
/// a 2xx answer the client cannot read is not proof that the write happened as asked. A write
/// whose answer names no id (no `Location`, no resource with an id, and no id in the request)
/// is an error too: a server that lost the id, or a proxy that answered instead of it.
pub(crate) fn write_outcome<T: AnyResource, V: FhirVersion>(
    response: &Response,
    base: &Url,
    sent_type: &str,
    requested_id: Option<&str>,
) -> Result<WriteOutcome<T, V>, RawError> {
    let location_text = response
        .header(LOCATION)
        .or_else(|| response.header(CONTENT_LOCATION));
    let parts = location_text.map(parse_location).unwrap_or_default();
    let location = location_text.and_then(|l| base.join(l).ok());
    let etag = response.header(ETAG).map(str::to_owned);
    let (resource, operation_outcome) = body_of::<T, V::OperationOutcome>(response, sent_type)?;
    let id = parts
        .id
        .or_else(|| resource.as_ref().and_then(|r| r.id().map(str::to_owned)))
        .or_else(|| requested_id.map(str::to_owned));
    if id.is_none() {
        return Err(response.decoding_error(
            None,
            format!(
                "the server answered {} but named no id for the {sent_type} \
                 (no Location header, no resource with an id in the body)",
                response.status
            ),
        ));
    }
    let version = parts
        .version
        .or_else(|| etag.as_deref().and_then(parse_etag))
        .or_else(|| {
            resource
                .as_ref()
                .and_then(|r| r.version_id().map(str::to_owned))
        });
    Ok(WriteOutcome {
        status: response.status.as_u16(),
        created: response.status.as_u16() == 201,
        id,
        version,
        location,
        etag,
        last_modified: response.header(LAST_MODIFIED).map(str::to_owned),
        resource,
        operation_outcome,
    })
}

/// The resource or OperationOutcome in a write's body (none when the body is empty). `O` is the
/// OperationOutcome of the client's version; `sent_type` the type that was written.
fn body_of<T: FhirFormats, O: TypedResource>(
    response: &Response,
    sent_type: &str,
) -> Result<(Option<T>, Option<O>), RawError> {
    if response.body_is_empty() {
        return Ok((None, None));
    }
    let found = response.resource_type()?;
    if sent_type != "OperationOutcome" && found.as_deref() == Some("OperationOutcome") {
        return Ok((None, Some(response.decode::<O>()?)));
    }
    Ok((Some(response.decode_as::<T>(Some(sent_type))?), None))
}

/// A create, to be awaited; `POST {base}/{Type}`.
///
/// The id of the resource is not sent (servers assign it; some refuse a create that has one).
///
/// ```no_run
/// use fhir_client::{Return, SearchParams};
/// use fhir_model::r4::Patient;
/// # async fn run(client: fhir_client::Client, patient: Patient) -> Result<(), fhir_client::Error> {
/// // Plain create.
/// let created = client.create(&patient).await?;
/// // Conditional create (If-None-Exist), asking for no body back.
/// let outcome = client
///     .create(&patient)
///     .if_none_exist(SearchParams::new().token("identifier", Some("http://mrn.example"), "42"))
///     .prefer(Return::Minimal)
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a create does nothing until awaited"]
pub struct Create<'a, T, V: FhirVersion = R4> {
    client: &'a Client<V>,
    body: Body<'a, T>,
    if_none_exist: Option<SearchParams>,
    prefer: Option<Return>,
}

impl<T, V: FhirVersion> std::fmt::Debug for Create<'_, T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Create")
            .field("if_none_exist", &self.if_none_exist)
            .field("prefer", &self.prefer)
            .finish_non_exhaustive()
    }
}

impl<'a, T: AnyResource, V: FhirVersion> Create<'a, T, V> {
    /// Conditional create: create only if nothing matches these criteria (`If-None-Exist`).
    /// Being idempotent, a conditional create is retried like a read.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client, p: fhir_model::r4::Patient) -> Result<(), fhir_client::Error> {
    /// let o = client.create(&p).if_none_exist(fhir_client::SearchParams::new().string("name", "x")).await?;
    /// # Ok(()) }
    /// ```
    pub fn if_none_exist(mut self, criteria: SearchParams) -> Self {
        self.if_none_exist = Some(criteria);
        self
    }

    /// `Prefer: return=...`.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client, p: fhir_model::r4::Patient) -> Result<(), fhir_client::Error> {
    /// let o = client.create(&p).prefer(fhir_client::Return::Representation).await?;
    /// # Ok(()) }
    /// ```
    pub fn prefer(mut self, prefer: Return) -> Self {
        self.prefer = Some(prefer);
        self
    }

    async fn send(self) -> Result<WriteOutcome<T, V>, Error<V>> {
        let inner = &self.client.inner;
        let mut prepared = self.body.prepare(inner.format)?;
        prepared.remove_id();
        let Prepared {
            resource_type,
            body,
            format,
            ..
        } = prepared;
        let resource_type = resource_type.as_str();
        let mut request =
            Request::new(Method::POST, inner.url(&[resource_type], &[])).fhir_body(body, format);
        if let Some(criteria) = &self.if_none_exist {
            request = request
                .header(IF_NONE_EXIST, &criteria.to_query_string())
                .idempotent(true);
        }
        if let Some(prefer) = self.prefer {
            request = request.header(PREFER, prefer.header_value());
        }
        let response = request::send(inner, request).await?;
        Ok(write_outcome(&response, &inner.base, resource_type, None)?)
    }
}

impl<'a, T: AnyResource, V: FhirVersion> IntoFuture for Create<'a, T, V> {
    type Output = Result<WriteOutcome<T, V>, Error<V>>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// An update, to be awaited; `PUT {base}/{Type}/{id}` with the resource's id, or
/// `PUT {base}/{Type}?criteria` for a conditional update.
///
/// ```no_run
/// use fhir_model::r4::Patient;
/// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
/// let mut patient = client.read::<Patient>("123").await?;
/// patient.active = Some(true.into());
/// // Version-aware: fails with PreconditionFailed if someone else updated it meanwhile.
/// let outcome = client.update(&patient).version_aware().await?;
/// # Ok(()) }
/// ```
#[must_use = "an update does nothing until awaited"]
pub struct Update<'a, T, V: FhirVersion = R4> {
    client: &'a Client<V>,
    body: Body<'a, T>,
    if_match: Option<String>,
    version_aware: bool,
    criteria: Option<SearchParams>,
    prefer: Option<Return>,
}

impl<T, V: FhirVersion> std::fmt::Debug for Update<'_, T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Update")
            .field("if_match", &self.if_match)
            .field("version_aware", &self.version_aware)
            .field("criteria", &self.criteria)
            .field("prefer", &self.prefer)
            .finish_non_exhaustive()
    }
}

impl<'a, T: AnyResource, V: FhirVersion> Update<'a, T, V> {
    /// `If-Match` with an ETag as the server sent it (`W/"3"`, echoed exactly) or a version id
    /// (`3`, sent as `W/"3"`). A stale version fails with [`ErrorKind::PreconditionFailed`].
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client, p: fhir_model::r4::Patient) -> Result<(), fhir_client::Error> {
    /// let o = client.update(&p).if_match("W/\"3\"").await?;
    /// # Ok(()) }
    /// ```
    pub fn if_match(mut self, etag_or_version: &str) -> Self {
        self.if_match = Some(etag_header_value(etag_or_version));
        self
    }

    /// `If-Match` with the resource's own `meta.versionId`.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client, p: fhir_model::r4::Patient) -> Result<(), fhir_client::Error> {
    /// let o = client.update(&p).version_aware().await?;
    /// # Ok(()) }
    /// ```
    pub fn version_aware(mut self) -> Self {
        self.version_aware = true;
        self
    }

    /// Conditional update: `PUT {Type}?criteria`, the server finding the resource to update.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client, p: fhir_model::r4::Patient) -> Result<(), fhir_client::Error> {
    /// let criteria = fhir_client::SearchParams::new().token("identifier", Some("http://mrn.example"), "42");
    /// let o = client.update(&p).conditional(criteria).await?;
    /// # Ok(()) }
    /// ```
    pub fn conditional(mut self, criteria: SearchParams) -> Self {
        self.criteria = Some(criteria);
        self
    }

    /// `Prefer: return=...`.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client, p: fhir_model::r4::Patient) -> Result<(), fhir_client::Error> {
    /// let o = client.update(&p).prefer(fhir_client::Return::Minimal).await?;
    /// # Ok(()) }
    /// ```
    pub fn prefer(mut self, prefer: Return) -> Self {
        self.prefer = Some(prefer);
        self
    }

    async fn send(self) -> Result<WriteOutcome<T, V>, Error<V>> {
        let inner = &self.client.inner;
        let Prepared {
            resource_type,
            top,
            body,
            format,
        } = self.body.prepare(inner.format)?;
        let (resource_type, id) = (resource_type.as_str(), top.id.as_deref());
        let url = match (&self.criteria, id) {
            (Some(criteria), _) => inner.url(&[resource_type], criteria.pairs()),
            (None, Some(id)) if !id.is_empty() => inner.url(&[resource_type, id], &[]),
            (None, _) => {
                return Err(Error::invalid_input(format!(
                    "an update needs the {}'s id (or search criteria for a conditional update)",
                    resource_type
                )));
            }
        };
        let mut request = Request::new(Method::PUT, url).fhir_body(body, format);
        let if_match = match (self.if_match, self.version_aware) {
            (Some(v), _) => Some(v),
            (None, true) => Some(etag_header_value(top.version_id.as_deref().ok_or_else(
                || Error::invalid_input("a version-aware update needs meta.versionId"),
            )?)),
            (None, false) => None,
        };
        if let Some(v) = &if_match {
            request = request.header(IF_MATCH, v);
        }
        if let Some(prefer) = self.prefer {
            request = request.header(PREFER, prefer.header_value());
        }
        let response = request::send(inner, request).await?;
        Ok(write_outcome(&response, &inner.base, resource_type, id)?)
    }
}

impl<'a, T: AnyResource, V: FhirVersion> IntoFuture for Update<'a, T, V> {
    type Output = Result<WriteOutcome<T, V>, Error<V>>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl<V: FhirVersion> Client<V> {
    /// Creates a resource: `POST {base}/{Type}`; await it, or set options first (see [`Create`]).
    ///
    /// ```no_run
    /// use fhir_model::r4::{HumanName, Patient};
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let mut patient = Patient::default();
    /// patient.name.push(HumanName { family: Some("Chalmers".into()), ..Default::default() });
    /// let outcome = client.create(&patient).await?;
    /// println!("created Patient/{:?}", outcome.id);
    /// # Ok(()) }
    /// ```
    pub fn create<'a, T: AnyResource>(&'a self, resource: &'a T) -> Create<'a, T, V> {
        Create {
            client: self,
            body: Body::Typed(resource),
            if_none_exist: None,
            prefer: None,
        }
    }

    /// Creates a resource from JSON the caller has already checked (parsed strictly, say),
    /// sent as written without a second parse: `POST {base}/{resource_type}`. The options and
    /// the outcome are those of [`create`](Self::create), the resource the server may send back
    /// read as the version's `Resource`.
    ///
    /// The point is memory: a large resource (a Bundle of a million entries) takes many times its
    /// size once parsed, so a caller can check the text, drop the model, and send the text. The
    /// client reads only the top-level `resourceType` (it must be `resource_type`) and `id` off
    /// the text; the `id` and `_id` members are cut out, as [`create`](Self::create) sends no id
    /// either. Text that is not one JSON object of that type is an
    /// [`ErrorKind::InvalidInput`] error, and nothing is sent.
    ///
    /// ```no_run
    /// use fhir_model::r4::Resource;
    /// use fhir_model::{FhirJson, ParseOptions};
    /// # async fn run(client: fhir_client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let text = std::fs::read_to_string("bundle.json")?;
    /// let resource_type = {
    ///     // The check: a strict parse, its model dropped at the end of the block.
    ///     let resource = Resource::from_json_str(&text, ParseOptions::strict())?;
    ///     resource.resource_type().to_owned()
    /// };
    /// let outcome = client.create_json(&resource_type, text).await?;
    /// println!("created {resource_type}/{}", outcome.id.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub fn create_json(
        &self,
        resource_type: &str,
        json: impl Into<Vec<u8>>,
    ) -> Create<'_, V::Resource, V> {
        Create {
            client: self,
            body: Body::Json {
                resource_type: resource_type.to_owned(),
                json: json.into(),
            },
            if_none_exist: None,
            prefer: None,
        }
    }

    /// Updates (or creates with a client-chosen id) a resource: `PUT {base}/{Type}/{id}`; await
    /// it, or set options first (see [`Update`]).
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client, p: fhir_model::r4::Patient) -> Result<(), fhir_client::Error> {
    /// let outcome = client.update(&p).await?;
    /// # Ok(()) }
    /// ```
    pub fn update<'a, T: AnyResource>(&'a self, resource: &'a T) -> Update<'a, T, V> {
        Update {
            client: self,
            body: Body::Typed(resource),
            if_match: None,
            version_aware: false,
            criteria: None,
            prefer: None,
        }
    }

    /// Updates a resource from JSON the caller has already checked, sent as written without a
    /// second parse: `PUT {base}/{resource_type}/{id}`, the id being the text's own top-level
    /// `id` (or `PUT {base}/{resource_type}?criteria` with [`Update::conditional`]). The options
    /// and the outcome are those of [`update`](Self::update);
    /// [`version_aware`](Update::version_aware) takes the text's `meta.versionId`.
    ///
    /// As with [`create_json`](Self::create_json), only the top-level `resourceType` (which must
    /// be `resource_type`), `id` and `meta.versionId` are read off the text; text that is not one
    /// JSON object of that type is an [`ErrorKind::InvalidInput`] error, and nothing is sent.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let json = br#"{"resourceType":"Patient","id":"123","active":true}"#;
    /// let outcome = client.update_json("Patient", json.to_vec()).if_match("W/\"2\"").await?;
    /// println!("now version {:?}", outcome.version);
    /// # Ok(()) }
    /// ```
    pub fn update_json(
        &self,
        resource_type: &str,
        json: impl Into<Vec<u8>>,
    ) -> Update<'_, V::Resource, V> {
        Update {
            client: self,
            body: Body::Json {
                resource_type: resource_type.to_owned(),
                json: json.into(),
            },
            if_match: None,
            version_aware: false,
            criteria: None,
            prefer: None,
        }
    }

    /// Deletes a resource: `DELETE {base}/{Type}/{id}`. 404 and 410 answers are outcomes
    /// ([`DeleteOutcome::already_absent`]), not errors.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// client.delete::<fhir_model::r4::Patient>("123").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete<T: TypedResource>(&self, id: &str) -> Result<DeleteOutcome<V>, Error<V>> {
        check_id(id)?;
        self.delete_at(self.inner.url(&[T::TYPE, id], &[])).await
    }

    /// Deletes a resource whose type is known only at run time (a command line's argument, a
    /// reference's text): `DELETE {base}/{resource_type}/{id}`, otherwise as [`delete`](Self::delete).
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let outcome = client.delete_any("Patient", "123").await?;
    /// println!("HTTP {}", outcome.status);
    /// # Ok(()) }
    /// ```
    pub async fn delete_any(
        &self,
        resource_type: &str,
        id: &str,
    ) -> Result<DeleteOutcome<V>, Error<V>> {
        check_resource_type(resource_type)?;
        check_id(id)?;
        self.delete_at(self.inner.url(&[resource_type, id], &[]))
            .await
    }

    /// Conditional delete: `DELETE {base}/{Type}?criteria`.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let criteria = fhir_client::SearchParams::new().token("identifier", Some("http://mrn.example"), "42");
    /// client.delete_where::<fhir_model::r4::Patient>(criteria).await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_where<T: TypedResource>(
        &self,
        criteria: SearchParams,
    ) -> Result<DeleteOutcome<V>, Error<V>> {
        if criteria.pairs().is_empty() {
            return Err(Error::invalid_input(
                "a conditional delete without criteria would delete every resource of the type",
            ));
        }
        self.delete_at(self.inner.url(&[T::TYPE], criteria.pairs()))
            .await
    }

    async fn delete_at(&self, url: Url) -> Result<DeleteOutcome<V>, Error<V>> {
        let e: Error<V> = match request::send(&self.inner, Request::new(Method::DELETE, url)).await
        {
            Ok(response) => {
                // The resource is gone whatever the body says: one that cannot be read is
                // left out rather than turned into an error.
                let (operation_outcome, _) = body_of::<V::OperationOutcome, V::OperationOutcome>(
                    &response,
                    "OperationOutcome",
                )
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "ignoring the body of a successful delete");
                    (None, None)
                });
                return Ok(DeleteOutcome {
                    status: response.status.as_u16(),
                    version: response.header(ETAG).and_then(parse_etag),
                    operation_outcome,
                });
            }
            Err(e) => e.into(),
        };
        if !matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Gone) {
            return Err(e);
        }
        Ok(DeleteOutcome {
            status: e.status().map_or(404, |s| s.as_u16()),
            version: None,
            operation_outcome: e.operation_outcome().cloned(),
        })
    }
}

/// What a create or update sends: a resource to serialize, or JSON to send as written.
enum Body<'a, T> {
    Typed(&'a T),
    Json {
        resource_type: String,
        json: Vec<u8>,
    },
}

/// A body ready to send, with the members the request needs read off it.
struct Prepared {
    resource_type: String,
    top: TopLevel,
    body: Vec<u8>,
    format: Format,
}

impl Prepared {
    /// A create sends no id (the server assigns one): cut out of the text rather than cleared
    /// on a clone, which would double the memory a large resource takes.
    fn remove_id(&mut self) {
        match self.format {
            Format::Json => self.top.remove_id(&mut self.body),
            #[cfg(feature = "xml")]
            Format::Xml => json_body::remove_xml_id(&mut self.body),
        }
    }
}

impl<T: AnyResource> Body<'_, T> {
    /// The body in `format` (JSON given as written stays JSON).
    fn prepare(self, format: Format) -> Result<Prepared, RawError> {
        let (resource_type, json) = match self {
            // Serialized from a borrow: the resource itself is never copied.
            Body::Typed(resource) if format != Format::Json => {
                let top = TopLevel::of_typed(
                    resource.resource_type(),
                    resource.id(),
                    resource.version_id(),
                );
                return Ok(Prepared {
                    resource_type: resource.resource_type().to_owned(),
                    top,
                    body: format.encode(resource),
                    format,
                });
            }
            Body::Typed(resource) => (
                resource.resource_type().to_owned(),
                resource.to_json_string().into_bytes(),
            ),
            Body::Json {
                resource_type,
                json,
            } => {
                check_resource_type(&resource_type)?;
                (resource_type, json)
            }
        };
        let top = json_body::scan(&json)?;
        match top.resource_type.as_deref() {
            Some(found) if found == resource_type => {}
            found => {
                return Err(RawError::invalid_input(format!(
                    "the JSON to send is {}, not a {resource_type}",
                    found.map_or("without a resourceType".to_owned(), |t| format!("a {t}"))
                )));
            }
        }
        Ok(Prepared {
            resource_type,
            top,
            body: json,
            format: Format::Json,
        })
    }
}

/// Makes sure the builders' futures can be spawned.
#[allow(dead_code)]
fn assert_send<'a, T: AnyResource, V: FhirVersion>(c: Create<'a, T, V>, u: Update<'a, T, V>) {
    fn is_send<F: Future + Send>(_: F) {}
    is_send(c.into_future());
    is_send(u.into_future());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(t: Option<&str>, id: Option<&str>, v: Option<&str>) -> LocationParts {
        LocationParts {
            resource_type: t.map(Into::into),
            id: id.map(Into::into),
            version: v.map(Into::into),
        }
    }

    #[test]
    fn location_shapes() {
        assert_eq!(
            parse_location("https://h.test/fhir/Patient/123"),
            parts(Some("Patient"), Some("123"), None)
        );
        assert_eq!(
            parse_location("https://h.test/fhir/Patient/123/_history/1"),
            parts(Some("Patient"), Some("123"), Some("1"))
        );
        assert_eq!(
            parse_location("Patient/123/_history/2"),
            parts(Some("Patient"), Some("123"), Some("2"))
        );
        assert_eq!(
            parse_location("Patient/123"),
            parts(Some("Patient"), Some("123"), None)
        );
        assert_eq!(
            parse_location("/fhir/Observation/o-1/_history/7?x=1"),
            parts(Some("Observation"), Some("o-1"), Some("7"))
        );
        assert_eq!(parse_location("123"), LocationParts::default());
        assert_eq!(parse_location(""), LocationParts::default());
    }

    #[test]
    fn etags() {
        assert_eq!(parse_etag("W/\"1\"").as_deref(), Some("1"));
        assert_eq!(parse_etag("\"12\"").as_deref(), Some("12"));
        assert_eq!(parse_etag("3").as_deref(), Some("3"));
        assert_eq!(parse_etag("W/\"\""), None);
        assert_eq!(etag_header_value("1"), "W/\"1\"");
        assert_eq!(etag_header_value("W/\"1\""), "W/\"1\"");
        assert_eq!(etag_header_value("\"1\""), "\"1\"");
    }
}
