//! Reading: the capability statement, read, vread, conditional read and references.

use fhir_model::json::JsonValue;
use fhir_model::{AnyResource, FhirJson, ParseOptions, TypedResource};
use reqwest::header::{ETAG, IF_NONE_MATCH, LAST_MODIFIED};
use url::Url;

use crate::client::Client;
use crate::error::{Error, RawError};
use crate::format::resource_type_of;
use crate::headers::{etag_header_value, parse_etag};
use crate::path_segments::{check_id, check_resource_type};
use crate::request::{self, Request, Response};
use crate::version::FhirVersion;

/// A resource with the version headers it came with.
///
/// ```no_run
/// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
/// let read = client.read_versioned::<fhir_model::r4::Patient>("123").await?;
/// println!("version {:?} (ETag {:?})", read.version, read.etag);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    /// The resource.
    pub resource: T,
    /// The `ETag` header as sent (e.g. `W/"3"`), for [`Client::read_if_none_match`].
    pub etag: Option<String>,
    /// The version id, from the `ETag` or else from `meta.versionId`.
    pub version: Option<String>,
    /// The `Last-Modified` header as sent.
    pub last_modified: Option<String>,
}

/// The answer to a conditional read.
///
/// ```no_run
/// use fhir_client::Conditional;
/// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
/// match client.read_if_none_match::<fhir_model::r4::Patient>("123", "W/\"3\"").await? {
///     Conditional::NotModified => println!("still version 3"),
///     Conditional::Modified(new) => println!("now {:?}", new.version),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Conditional<T> {
    /// 304: the version given is still the current one.
    NotModified,
    /// The resource changed; here it is.
    Modified(Versioned<T>),
}

/// Where a literal reference points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// `#id`: a resource contained in the referring one.
    Contained(String),
    /// `Type/id` or `Type/id/_history/version`, relative to the base.
    Relative {
        resource_type: String,
        id: String,
        version: Option<String>,
    },
    /// An absolute URL that is not under the base.
    Absolute(Url),
}

/// Classifies a reference (`reference.reference`) against the base URL.
pub(crate) fn parse_reference(reference: &str, base: &Url) -> Result<Target, String> {
    if let Some(id) = reference.strip_prefix('#') {
        return Ok(Target::Contained(id.to_owned()));
    }
    if reference.starts_with("urn:") {
        return Err(format!(
            "{reference} is a logical URI, resolvable only inside its Bundle"
        ));
    }
    let relative = match Url::parse(reference) {
        Ok(url) => {
            if url.scheme() != "http" && url.scheme() != "https" {
                return Err(format!("{reference} is not an http(s) URL"));
            }
            match url.as_str().strip_prefix(base.as_str()) {
                Some(rest) if url.origin() == base.origin() => rest.to_owned(),
                _ => return Ok(Target::Absolute(url)),
            }
        }
        Err(_) => reference.trim_start_matches('/').to_owned(),
    };
    if relative.contains('?') {
        return Err(format!(
            "{reference} is a conditional reference, resolvable only by a server"
        ));
    }
    let parts: Vec<&str> = relative.split('/').collect();
    match parts.as_slice() {
        [t, id] if !t.is_empty() && !id.is_empty() => Ok(Target::Relative {
            resource_type: (*t).to_owned(),
            id: (*id).to_owned(),
            version: None,
        }),
        [t, id, "_history", v] if !t.is_empty() && !id.is_empty() && !v.is_empty() => {
            Ok(Target::Relative {
                resource_type: (*t).to_owned(),
                id: (*id).to_owned(),
                version: Some((*v).to_owned()),
            })
        }
        _ => Err(format!("{reference} is not of the form Type/id")),
    }
}

/// The answer as `T`, which must be of the resource type `expected`.
fn versioned<T: AnyResource>(
    response: &Response,
    expected: &str,
) -> Result<Versioned<T>, RawError> {
    let resource: T = response.decode_as(Some(expected))?;
    let etag = response.header(ETAG).map(str::to_owned);
    let version = etag
        .as_deref()
        .and_then(parse_etag)
        .or_else(|| resource.version_id().map(str::to_owned));
    Ok(Versioned {
        resource,
        etag,
        version,
        last_modified: response.header(LAST_MODIFIED).map(str::to_owned),
    })
}

impl<V: FhirVersion> Client<V> {
    /// `GET {base}/metadata`: the server's CapabilityStatement, typed as the client's version.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), fhir_client::Error> {
    /// let client = fhir_client::Client::new("https://r4.smarthealthit.org")?;
    /// let cs = client.capabilities().await?;
    /// println!("{:?} {:?}", cs.software.as_ref().map(|s| &s.name), cs.fhir_version.value);
    /// # Ok(()) }
    /// ```
    pub async fn capabilities(&self) -> Result<V::CapabilityStatement, Error<V>> {
        Ok(request::metadata(&self.inner).await?.decode()?)
    }

    /// Checks that the server implements the client's FHIR version: `GET {base}/metadata`, and
    /// its CapabilityStatement's `fhirVersion` compared with [`FhirVersion::MAJOR_MINOR`] (`4.0`
    /// for R4: a `4.0.1` server matches, a `4.3.0` (R4B) or `5.0.0` one does not). Answers the
    /// server's version; another version is an [`ErrorKind::FhirVersionMismatch`](crate::ErrorKind::FhirVersionMismatch)
    /// error naming both.
    ///
    /// A server that leaves out `fhirVersion` (which the definition requires) is judged by the
    /// `fhirVersion` parameter of the response's `Content-Type`, if it has one; else the answer
    /// is an [`ErrorKind::Decoding`](crate::ErrorKind::Decoding) error.
    ///
    /// ```no_run
    /// use fhir_client::ErrorKind;
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// match client.check_fhir_version().await {
    ///     Ok(version) => println!("the server speaks FHIR {version}"),
    ///     Err(e) if e.kind() == ErrorKind::FhirVersionMismatch => eprintln!("{e}"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn check_fhir_version(&self) -> Result<String, Error<V>> {
        Ok(request::check_fhir_version(&self.inner).await?)
    }

    /// `GET {base}/{Type}/{id}`: the current version of a resource. A deleted resource is an
    /// [`ErrorKind::Gone`](crate::ErrorKind::Gone) error, an unknown one
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound).
    ///
    /// ```no_run
    /// use fhir_model::r4::Patient;
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let patient = client.read::<Patient>("123").await?;
    /// # Ok(()) }
    /// ```
    pub async fn read<T: TypedResource>(&self, id: &str) -> Result<T, Error<V>> {
        check_id(id)?;
        Ok(request::get_as(&self.inner, self.inner.url(&[T::TYPE, id], &[])).await?)
    }

    /// Like [`read`](Self::read), with the `ETag`, version and `Last-Modified` of the answer.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let v = client.read_versioned::<fhir_model::r4::Patient>("123").await?;
    /// let etag = v.etag.unwrap_or_default();
    /// # Ok(()) }
    /// ```
    pub async fn read_versioned<T: TypedResource>(
        &self,
        id: &str,
    ) -> Result<Versioned<T>, Error<V>> {
        check_id(id)?;
        let response = request::send(
            &self.inner,
            Request::get(self.inner.url(&[T::TYPE, id], &[])),
        )
        .await?;
        Ok(versioned(&response, T::TYPE)?)
    }

    /// Reads a resource whose type is known only at run time (a command line's argument, a
    /// reference's text): `GET {base}/{resource_type}/{id}`, as the version's `Resource` enum,
    /// with the `ETag`, version and `Last-Modified` of the answer.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let read = client.read_any("Patient", "123").await?;
    /// println!("{} version {:?}", read.resource.resource_type(), read.version);
    /// # Ok(()) }
    /// ```
    pub async fn read_any(
        &self,
        resource_type: &str,
        id: &str,
    ) -> Result<Versioned<V::Resource>, Error<V>> {
        check_resource_type(resource_type)?;
        check_id(id)?;
        let url = self.inner.url(&[resource_type, id], &[]);
        let response = request::send(&self.inner, Request::get(url)).await?;
        Ok(versioned(&response, resource_type)?)
    }

    /// One version of a resource whose type is known only at run time:
    /// `GET {base}/{resource_type}/{id}/_history/{version}`.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let first = client.vread_any("Patient", "123", "1").await?;
    /// # Ok(()) }
    /// ```
    pub async fn vread_any(
        &self,
        resource_type: &str,
        id: &str,
        version: &str,
    ) -> Result<Versioned<V::Resource>, Error<V>> {
        check_resource_type(resource_type)?;
        check_id(id)?;
        check_id(version)?;
        let url = self
            .inner
            .url(&[resource_type, id, "_history", version], &[]);
        let response = request::send(&self.inner, Request::get(url)).await?;
        Ok(versioned(&response, resource_type)?)
    }

    /// A conditional read: `If-None-Match` with an ETag (`W/"3"`) or a bare version id (`3`,
    /// sent as `W/"3"`); a 304 answer is [`Conditional::NotModified`].
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let answer = client.read_if_none_match::<fhir_model::r4::Patient>("123", "3").await?;
    /// # Ok(()) }
    /// ```
    pub async fn read_if_none_match<T: TypedResource>(
        &self,
        id: &str,
        etag: &str,
    ) -> Result<Conditional<T>, Error<V>> {
        check_id(id)?;
        let request = Request::get(self.inner.url(&[T::TYPE, id], &[]))
            .header(IF_NONE_MATCH, &etag_header_value(etag));
        let response = request::send(&self.inner, request).await?;
        if response.status.as_u16() == 304 {
            return Ok(Conditional::NotModified);
        }
        Ok(Conditional::Modified(versioned(&response, T::TYPE)?))
    }

    /// `GET {base}/{Type}/{id}/_history/{version}`: one version of a resource.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let first = client.vread::<fhir_model::r4::Patient>("123", "1").await?;
    /// # Ok(()) }
    /// ```
    pub async fn vread<T: TypedResource>(&self, id: &str, version: &str) -> Result<T, Error<V>> {
        check_id(id)?;
        check_id(version)?;
        let url = self.inner.url(&[T::TYPE, id, "_history", version], &[]);
        Ok(request::get_as(&self.inner, url).await?)
    }

    /// Reads what a Reference (`V::Reference`) points to: `Type/id` or `Type/id/_history/v`
    /// relative to the base, or an absolute URL (on the base's origin with credentials;
    /// elsewhere without them). A contained reference (`#id`) is refused: use
    /// [`resolve_reference`](Self::resolve_reference) with the resource that contains it.
    ///
    /// ```no_run
    /// use fhir_model::r4::{Observation, Patient};
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let obs = client.read::<Observation>("bp-1").await?;
    /// if let Some(subject) = &obs.subject {
    ///     let patient: Patient = client.read_reference(subject).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn read_reference<T: TypedResource>(
        &self,
        reference: &V::Reference,
    ) -> Result<T, Error<V>> {
        let text = reference_text(V::reference_text(reference))?;
        let target = parse_reference(text, self.base_url()).map_err(RawError::invalid_input)?;
        match target {
            Target::Contained(id) => Err(contained_refused(&id).into()),
            Target::Relative {
                resource_type,
                id,
                version,
            } => {
                check_type::<T>(&resource_type, text)?;
                match version {
                    Some(v) => self.vread(&id, &v).await,
                    None => self.read(&id).await,
                }
            }
            Target::Absolute(url) => Ok(request::get_as(&self.inner, url).await?),
        }
    }

    /// Like [`read_reference`](Self::read_reference), but a contained reference (`#id`) is
    /// looked up in `container`, the resource that holds the reference.
    ///
    /// ```no_run
    /// use fhir_model::r4::{MedicationRequest, Medication, MedicationRequestMedication};
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let request = client.read::<MedicationRequest>("rx-1").await?;
    /// if let MedicationRequestMedication::Reference(r) = &request.medication {
    ///     let med: Medication = client.resolve_reference(r, &request).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn resolve_reference<T: TypedResource, C: FhirJson>(
        &self,
        reference: &V::Reference,
        container: &C,
    ) -> Result<T, Error<V>> {
        let text = reference_text(V::reference_text(reference))?;
        if let Some(id) = text.strip_prefix('#') {
            return Ok(contained::<T>(&container.to_json_string(), id, text)?);
        }
        self.read_reference(reference).await
    }
}

/// The error of reading a contained reference without its container.
fn contained_refused(id: &str) -> RawError {
    RawError::invalid_input(format!(
        "#{id} is a contained reference: it can only be resolved from the resource that \
         contains it (use resolve_reference with that resource)"
    ))
}

fn reference_text(text: Option<&str>) -> Result<&str, RawError> {
    text.ok_or_else(|| {
        RawError::invalid_input(
            "the reference has no literal `reference` (only an identifier or a display)",
        )
    })
}

/// The member `id` of each `contained` resource of a serialized container, as JSON.
pub(crate) fn find_contained(container_json: &str, id: &str) -> Option<String> {
    let doc = JsonValue::parse(container_json).ok()?;
    let JsonValue::Array(items) = doc.get("contained")? else {
        return None;
    };
    items
        .iter()
        .find(|item| item.get("id").and_then(|v| v.as_str()) == Some(id))
        .map(|item| item.to_json_string())
}

/// The contained resource `#id` of a container (as JSON), as `T`.
fn contained<T: TypedResource>(container: &str, id: &str, reference: &str) -> Result<T, RawError> {
    let json = find_contained(container, id).ok_or_else(|| {
        RawError::invalid_input(format!(
            "the containing resource has no contained resource with id {id:?}"
        ))
    })?;
    let found = resource_type_of(&json).unwrap_or_default();
    check_type::<T>(&found, reference)?;
    T::from_json_str(&json, ParseOptions::lenient()).map_err(|e| {
        RawError::invalid_input(format!("the contained resource #{id} is not valid: {e}"))
    })
}

fn check_type<T: TypedResource>(found: &str, reference: &str) -> Result<(), RawError> {
    if found == T::TYPE {
        Ok(())
    } else {
        Err(RawError::invalid_input(format!(
            "{reference} points to a {found}, not a {}",
            T::TYPE
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://h.test/fhir/").unwrap()
    }

    fn rel(t: &str, id: &str, v: Option<&str>) -> Target {
        Target::Relative {
            resource_type: t.into(),
            id: id.into(),
            version: v.map(Into::into),
        }
    }

    #[test]
    fn reference_shapes() {
        let b = base();
        assert_eq!(
            parse_reference("Patient/1", &b).unwrap(),
            rel("Patient", "1", None)
        );
        assert_eq!(
            parse_reference("Patient/1/_history/2", &b).unwrap(),
            rel("Patient", "1", Some("2"))
        );
        assert_eq!(
            parse_reference("https://h.test/fhir/Patient/1", &b).unwrap(),
            rel("Patient", "1", None)
        );
        assert_eq!(
            parse_reference("#med1", &b).unwrap(),
            Target::Contained("med1".into())
        );
        assert_eq!(
            parse_reference("https://other.test/fhir/Patient/1", &b).unwrap(),
            Target::Absolute(Url::parse("https://other.test/fhir/Patient/1").unwrap())
        );
        assert_eq!(
            parse_reference("https://h.test/other/Patient/1", &b).unwrap(),
            Target::Absolute(Url::parse("https://h.test/other/Patient/1").unwrap())
        );
        assert!(parse_reference("urn:uuid:1234", &b).is_err());
        assert!(parse_reference("Patient?identifier=x", &b).is_err());
        assert!(parse_reference("Patient", &b).is_err());
    }

    #[test]
    fn contained_by_id() {
        let json =
            r#"{"resourceType":"Observation","contained":[{"resourceType":"Patient","id":"p1"}]}"#;
        assert_eq!(
            find_contained(json, "p1").unwrap(),
            r#"{"resourceType":"Patient","id":"p1"}"#
        );
        assert!(find_contained(json, "p2").is_none());
    }
}
