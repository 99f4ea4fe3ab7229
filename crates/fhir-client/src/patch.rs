//! PATCH: JSON Patch (`application/json-patch+json`) and FHIRPath Patch (a Parameters resource).

use std::future::IntoFuture;

use fhir_model::json::JsonValue;
use fhir_model::{FhirJson, TypedResource};
use reqwest::Method;
use reqwest::header::IF_MATCH;

use crate::auth::BoxFuture;
use crate::client::Client;
use crate::error::Error;
use crate::format::Format;
use crate::headers::etag_header_value;
use crate::path_segments::check_id;
use crate::request::{self, JSON_PATCH, Request};
use crate::search::SearchParams;
use crate::version::{FhirVersion, R4};
use crate::write::{PREFER, Return, WriteOutcome, write_outcome};

/// A JSON Patch document (RFC 6902).
///
/// ```
/// use fhir_client::JsonPatch;
/// use fhir_model::json::JsonValue;
///
/// let patch = JsonPatch::new()
///     .test("/active", JsonValue::Bool(false))
///     .replace("/active", JsonValue::Bool(true))
///     .remove("/telecom/0");
/// assert_eq!(
///     patch.to_json_string(),
///     r#"[{"op":"test","path":"/active","value":false},{"op":"replace","path":"/active","value":true},{"op":"remove","path":"/telecom/0"}]"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JsonPatch {
    ops: Vec<JsonValue>,
}

impl JsonPatch {
    /// An empty patch.
    ///
    /// ```
    /// assert_eq!(fhir_client::JsonPatch::new().to_json_string(), "[]");
    /// ```
    pub fn new() -> JsonPatch {
        JsonPatch::default()
    }

    fn op(mut self, members: Vec<(&str, JsonValue)>) -> JsonPatch {
        self.ops.push(JsonValue::Object(
            members
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        ));
        self
    }

    fn string(s: &str) -> JsonValue {
        JsonValue::String(s.to_owned())
    }

    /// `add`.
    ///
    /// ```
    /// use fhir_model::json::JsonValue;
    /// let p = fhir_client::JsonPatch::new().add("/birthDate", JsonValue::String("1970-01-01".into()));
    /// ```
    pub fn add(self, path: &str, value: JsonValue) -> JsonPatch {
        self.op(vec![
            ("op", Self::string("add")),
            ("path", Self::string(path)),
            ("value", value),
        ])
    }

    /// `remove`.
    ///
    /// ```
    /// let p = fhir_client::JsonPatch::new().remove("/address");
    /// ```
    pub fn remove(self, path: &str) -> JsonPatch {
        self.op(vec![
            ("op", Self::string("remove")),
            ("path", Self::string(path)),
        ])
    }

    /// `replace`.
    ///
    /// ```
    /// use fhir_model::json::JsonValue;
    /// let p = fhir_client::JsonPatch::new().replace("/gender", JsonValue::String("female".into()));
    /// ```
    pub fn replace(self, path: &str, value: JsonValue) -> JsonPatch {
        self.op(vec![
            ("op", Self::string("replace")),
            ("path", Self::string(path)),
            ("value", value),
        ])
    }

    /// `test`: the patch applies only if the value at `path` is `value`.
    ///
    /// ```
    /// use fhir_model::json::JsonValue;
    /// let p = fhir_client::JsonPatch::new().test("/meta/versionId", JsonValue::String("3".into()));
    /// ```
    pub fn test(self, path: &str, value: JsonValue) -> JsonPatch {
        self.op(vec![
            ("op", Self::string("test")),
            ("path", Self::string(path)),
            ("value", value),
        ])
    }

    /// `move`.
    ///
    /// ```
    /// let p = fhir_client::JsonPatch::new().move_value("/name/1", "/name/0");
    /// ```
    pub fn move_value(self, from: &str, path: &str) -> JsonPatch {
        self.op(vec![
            ("op", Self::string("move")),
            ("from", Self::string(from)),
            ("path", Self::string(path)),
        ])
    }

    /// `copy`.
    ///
    /// ```
    /// let p = fhir_client::JsonPatch::new().copy_value("/name/0", "/name/-");
    /// ```
    pub fn copy_value(self, from: &str, path: &str) -> JsonPatch {
        self.op(vec![
            ("op", Self::string("copy")),
            ("from", Self::string(from)),
            ("path", Self::string(path)),
        ])
    }

    /// The document as JSON.
    ///
    /// ```
    /// let p = fhir_client::JsonPatch::new().remove("/a");
    /// assert_eq!(p.to_json_string(), r#"[{"op":"remove","path":"/a"}]"#);
    /// ```
    pub fn to_json_string(&self) -> String {
        JsonValue::Array(self.ops.clone()).to_json_string()
    }
}

/// A FHIRPath Patch: a Parameters resource of `operation` parameters.
///
/// `FhirPathPatch` is `FhirPathPatch<R4>` (from [`new`](FhirPathPatch::new)), its values
/// `fhir_model::r4::ParametersParameterValue`; the patch of another version starts from
/// `Default`, e.g. `FhirPathPatch::<R5>::default()`, and takes that version's values.
///
/// ```
/// use fhir_client::FhirPathPatch;
/// use fhir_model::r4::ParametersParameterValue;
/// use fhir_model::FhirJson;
///
/// let patch = FhirPathPatch::new()
///     .replace("Patient.birthDate", ParametersParameterValue::Date("1970-01-01".parse::<fhir_model::value::Date>().unwrap().into()))
///     .delete("Patient.telecom.where(system = 'fax')");
/// let json = patch.into_parameters().to_json_string();
/// assert!(json.contains(r#"{"name":"type","valueCode":"replace"}"#));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FhirPathPatch<V: FhirVersion = R4> {
    parameters: V::Parameters,
}

impl FhirPathPatch {
    /// An empty R4 patch.
    ///
    /// ```
    /// let p = fhir_client::FhirPathPatch::new();
    /// ```
    pub fn new() -> FhirPathPatch {
        FhirPathPatch::default()
    }
}

impl<V: FhirVersion> FhirPathPatch<V> {
    fn operation(
        mut self,
        kind: &str,
        path: &str,
        parts: Vec<(&str, V::ParametersValue)>,
    ) -> FhirPathPatch<V> {
        V::push_patch_operation(&mut self.parameters, kind, path, parts);
        self
    }

    /// `add`: adds an element `name` with `value` to the element at `path`.
    ///
    /// ```
    /// use fhir_model::r4::ParametersParameterValue;
    /// let p = fhir_client::FhirPathPatch::new()
    ///     .add("Patient", "active", ParametersParameterValue::Boolean(true.into()));
    /// ```
    pub fn add(self, path: &str, name: &str, value: V::ParametersValue) -> FhirPathPatch<V> {
        self.operation(
            "add",
            path,
            vec![("name", V::string_value(name)), ("value", value)],
        )
    }

    /// `insert`: inserts `value` into the list at `path` at `index`.
    ///
    /// ```
    /// use fhir_model::r4::ParametersParameterValue;
    /// let p = fhir_client::FhirPathPatch::new()
    ///     .insert("Patient.identifier", ParametersParameterValue::String("x".into()), 0);
    /// ```
    pub fn insert(self, path: &str, value: V::ParametersValue, index: i32) -> FhirPathPatch<V> {
        self.operation(
            "insert",
            path,
            vec![("value", value), ("index", V::integer_value(index))],
        )
    }

    /// `delete`: removes the element at `path`.
    ///
    /// ```
    /// let p = fhir_client::FhirPathPatch::new().delete("Patient.birthDate");
    /// ```
    pub fn delete(self, path: &str) -> FhirPathPatch<V> {
        self.operation("delete", path, vec![])
    }

    /// `replace`: replaces the value of the element at `path`.
    ///
    /// ```
    /// use fhir_model::r4::ParametersParameterValue;
    /// let p = fhir_client::FhirPathPatch::new()
    ///     .replace("Patient.active", ParametersParameterValue::Boolean(false.into()));
    /// ```
    pub fn replace(self, path: &str, value: V::ParametersValue) -> FhirPathPatch<V> {
        self.operation("replace", path, vec![("value", value)])
    }

    /// `move`: moves the item at `source` of the list at `path` to `destination`.
    ///
    /// ```
    /// let p = fhir_client::FhirPathPatch::new().move_item("Patient.name", 1, 0);
    /// ```
    pub fn move_item(self, path: &str, source: i32, destination: i32) -> FhirPathPatch<V> {
        self.operation(
            "move",
            path,
            vec![
                ("source", V::integer_value(source)),
                ("destination", V::integer_value(destination)),
            ],
        )
    }

    /// The Parameters resource.
    ///
    /// ```
    /// let params = fhir_client::FhirPathPatch::new().delete("Patient.birthDate").into_parameters();
    /// assert_eq!(params.parameter.len(), 1);
    /// ```
    pub fn into_parameters(self) -> V::Parameters {
        self.parameters
    }
}

/// The body of a PATCH (`PatchBody` is `PatchBody<R4>`; `V` is the version of a FHIRPath Patch's
/// Parameters).
///
/// ```
/// use fhir_client::{JsonPatch, PatchBody};
/// let body: PatchBody = JsonPatch::new().remove("/active").into();
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum PatchBody<V: FhirVersion = R4> {
    /// JSON Patch, sent as `application/json-patch+json`.
    Json(JsonPatch),
    /// FHIRPath Patch: a Parameters resource, sent as `application/fhir+json`.
    FhirPath(Box<V::Parameters>),
}

impl<V: FhirVersion> From<JsonPatch> for PatchBody<V> {
    fn from(p: JsonPatch) -> PatchBody<V> {
        PatchBody::Json(p)
    }
}

impl<V: FhirVersion> From<FhirPathPatch<V>> for PatchBody<V> {
    fn from(p: FhirPathPatch<V>) -> PatchBody<V> {
        PatchBody::FhirPath(Box::new(p.into_parameters()))
    }
}

// `From<Parameters>` is implemented for each version's Parameters in `version.rs`.

/// A patch, to be awaited: `PATCH {base}/{Type}/{id}` or `PATCH {base}/{Type}?criteria`.
/// Not retried (a patch need not be idempotent).
///
/// ```no_run
/// use fhir_client::JsonPatch;
/// use fhir_model::json::JsonValue;
/// use fhir_model::r4::Patient;
/// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
/// let outcome = client
///     .patch::<Patient>("123", JsonPatch::new().replace("/active", JsonValue::Bool(false)))
///     .if_match("W/\"2\"")
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a patch does nothing until awaited"]
#[derive(Debug)]
pub struct Patch<'a, T, V: FhirVersion = R4> {
    client: &'a Client<V>,
    target: Result<Option<String>, SearchParams>,
    body: PatchBody<V>,
    if_match: Option<String>,
    prefer: Option<Return>,
    _type: std::marker::PhantomData<fn() -> T>,
}

impl<'a, T: TypedResource, V: FhirVersion> Patch<'a, T, V> {
    /// `If-Match` with an ETag (echoed exactly) or a version id (sent as `W/"n"`).
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let o = client.patch::<fhir_model::r4::Patient>("1", fhir_client::JsonPatch::new()).if_match("2").await?;
    /// # Ok(()) }
    /// ```
    pub fn if_match(mut self, etag_or_version: &str) -> Self {
        self.if_match = Some(etag_header_value(etag_or_version));
        self
    }

    /// `Prefer: return=...`.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let o = client.patch::<fhir_model::r4::Patient>("1", fhir_client::JsonPatch::new())
    ///     .prefer(fhir_client::Return::Representation).await?;
    /// # Ok(()) }
    /// ```
    pub fn prefer(mut self, prefer: Return) -> Self {
        self.prefer = Some(prefer);
        self
    }

    async fn send(self) -> Result<WriteOutcome<T, V>, Error<V>> {
        let inner = &self.client.inner;
        let (url, id) = match &self.target {
            Ok(Some(id)) => (inner.url(&[T::TYPE, id], &[]), Some(id.as_str())),
            Ok(None) => return Err(Error::invalid_input("an empty id")),
            Err(criteria) => (inner.url(&[T::TYPE], criteria.pairs()), None),
        };
        let request = Request::new(Method::PATCH, url);
        let mut request = match &self.body {
            PatchBody::Json(p) => request.body(p.to_json_string().into_bytes(), JSON_PATCH),
            // Sent as JSON whatever the client's format: a patch is not a resource read back.
            PatchBody::FhirPath(p) => request.fhir_body(p.to_json_string(), Format::Json),
        };
        if let Some(v) = &self.if_match {
            request = request.header(IF_MATCH, v);
        }
        if let Some(prefer) = self.prefer {
            request = request.header(PREFER, prefer.header_value());
        }
        let response = request::send(inner, request).await?;
        Ok(write_outcome(&response, &inner.base, T::TYPE, id)?)
    }
}

impl<'a, T: TypedResource, V: FhirVersion> IntoFuture for Patch<'a, T, V> {
    type Output = Result<WriteOutcome<T, V>, Error<V>>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl<V: FhirVersion> Client<V> {
    /// Patches a resource: `PATCH {base}/{Type}/{id}` with a [`JsonPatch`], a [`FhirPathPatch`]
    /// or a Parameters resource.
    ///
    /// ```no_run
    /// use fhir_client::FhirPathPatch;
    /// use fhir_model::r4::{ParametersParameterValue, Patient};
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let patch = FhirPathPatch::new()
    ///     .replace("Patient.active", ParametersParameterValue::Boolean(true.into()));
    /// let outcome = client.patch::<Patient>("123", patch).await?;
    /// # Ok(()) }
    /// ```
    pub fn patch<T: TypedResource>(
        &self,
        id: &str,
        body: impl Into<PatchBody<V>>,
    ) -> Patch<'_, T, V> {
        let target = check_id(id).ok().map(|()| id.to_owned());
        self.new_patch(Ok(target), body.into())
    }

    /// Conditional patch: `PATCH {base}/{Type}?criteria`.
    ///
    /// ```no_run
    /// use fhir_client::{JsonPatch, SearchParams};
    /// use fhir_model::json::JsonValue;
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let criteria = SearchParams::new().token("identifier", Some("http://mrn.example"), "42");
    /// let o = client
    ///     .patch_where::<fhir_model::r4::Patient>(criteria, JsonPatch::new().replace("/active", JsonValue::Bool(true)))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn patch_where<T: TypedResource>(
        &self,
        criteria: SearchParams,
        body: impl Into<PatchBody<V>>,
    ) -> Patch<'_, T, V> {
        self.new_patch(Err(criteria), body.into())
    }

    fn new_patch<T: TypedResource>(
        &self,
        target: Result<Option<String>, SearchParams>,
        body: PatchBody<V>,
    ) -> Patch<'_, T, V> {
        Patch {
            client: self,
            target,
            body,
            if_match: None,
            prefer: None,
            _type: std::marker::PhantomData,
        }
    }
}
