//! Search parameters: a typed builder for the query of a FHIR search.

use fhir_model::TypedResource;
use reqwest::Method;

use crate::client::Client;
use crate::error::Error;
use crate::inner::Inner;
use crate::paging::{Converter, Page, Pages};
use crate::query::encode_query;
use crate::request::{FORM, Request};
use crate::version::FhirVersion;

/// A comparison prefix of a date, number or quantity search (`ge2020-01-01`).
///
/// ```
/// use fhir_client::Prefix;
/// assert_eq!(Prefix::Ge.as_str(), "ge");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prefix {
    /// `eq`: equal
    Eq,
    /// `ne`: not equal
    Ne,
    /// `gt`: greater than
    Gt,
    /// `lt`: less than
    Lt,
    /// `ge`: greater or equal
    Ge,
    /// `le`: less or equal
    Le,
    /// `sa`: starts after
    Sa,
    /// `eb`: ends before
    Eb,
    /// `ap`: approximately
    Ap,
}

impl Prefix {
    /// The prefix as written in a search value.
    ///
    /// ```
    /// assert_eq!(fhir_client::Prefix::Lt.as_str(), "lt");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Prefix::Eq => "eq",
            Prefix::Ne => "ne",
            Prefix::Gt => "gt",
            Prefix::Lt => "lt",
            Prefix::Ge => "ge",
            Prefix::Le => "le",
            Prefix::Sa => "sa",
            Prefix::Eb => "eb",
            Prefix::Ap => "ap",
        }
    }
}

/// The `_summary` parameter.
///
/// ```
/// assert_eq!(fhir_client::Summary::Count.as_str(), "count");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Summary {
    /// `true`: the summary elements only
    True,
    /// `text`: text, id, meta and mandatory elements
    Text,
    /// `data`: everything but the text
    Data,
    /// `count`: the count of matches, no resources
    Count,
    /// `false`: everything
    False,
}

impl Summary {
    /// The parameter's value.
    ///
    /// ```
    /// assert_eq!(fhir_client::Summary::Data.as_str(), "data");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Summary::True => "true",
            Summary::Text => "text",
            Summary::Data => "data",
            Summary::Count => "count",
            Summary::False => "false",
        }
    }
}

/// The `_total` parameter: how precisely the server should count (many servers leave `total`
/// out of a searchset unless asked for `accurate`).
///
/// ```
/// assert_eq!(fhir_client::Total::Accurate.as_str(), "accurate");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Total {
    /// `none`
    None,
    /// `estimate`
    Estimate,
    /// `accurate`
    Accurate,
}

impl Total {
    /// The parameter's value.
    ///
    /// ```
    /// assert_eq!(fhir_client::Total::None.as_str(), "none");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Total::None => "none",
            Total::Estimate => "estimate",
            Total::Accurate => "accurate",
        }
    }
}

/// The parameters of a search, in order, as (name, value) pairs.
///
/// Values are escaped as FHIR search requires (`\,` `\|` `\$` `\\` inside a value) where the
/// builder knows the value's parts; [`raw`](Self::raw) sends a pair as it is. Searches go as GET,
/// or as a form POST to `{type}/_search` with [`via_post`](Self::via_post) or when the URL would be
/// too long.
///
/// ```
/// use fhir_client::{Prefix, SearchParams, Summary};
///
/// let params = SearchParams::new()
///     .string("family", "Chalmers")
///     .token("identifier", Some("http://hospital.example/mrn"), "12345")
///     .date("birthdate", Prefix::Ge, "1970-01-01")
///     .missing("deceased", true)
///     .include("Patient:organization")
///     .sort_desc("birthdate")
///     .count(50);
/// assert_eq!(
///     params.to_query_string(),
///     "family=Chalmers&identifier=http://hospital.example/mrn|12345&birthdate=ge1970-01-01\
///      &deceased:missing=true&_include=Patient:organization&_sort=-birthdate&_count=50"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchParams {
    pairs: Vec<(String, String)>,
    post: bool,
}

impl SearchParams {
    /// No parameters: every resource of the type.
    ///
    /// ```
    /// assert!(fhir_client::SearchParams::new().pairs().is_empty());
    /// ```
    pub fn new() -> SearchParams {
        SearchParams::default()
    }

    /// A pair sent as it is, unescaped: for anything the builder does not cover.
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().raw("_has:Observation:patient:code", "1234-5");
    /// assert_eq!(p.to_query_string(), "_has:Observation:patient:code=1234-5");
    /// ```
    pub fn raw(mut self, name: impl Into<String>, value: impl Into<String>) -> SearchParams {
        self.pairs.push((name.into(), value.into()));
        self
    }

    /// A string parameter (starts-with, case-insensitive on most servers).
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().string("name", "O'Brien, Jr");
    /// assert_eq!(p.pairs()[0].1, r"O'Brien\, Jr");
    /// ```
    pub fn string(self, name: &str, value: &str) -> SearchParams {
        self.raw(name, escape(value))
    }

    /// Any of several values (`name=a,b`), each escaped.
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().any_of("status", ["final", "amended"]);
    /// assert_eq!(p.to_query_string(), "status=final,amended");
    /// ```
    pub fn any_of<'v>(self, name: &str, values: impl IntoIterator<Item = &'v str>) -> SearchParams {
        let joined: Vec<String> = values.into_iter().map(escape).collect();
        self.raw(name, joined.join(","))
    }

    /// A parameter with a modifier: `name:modifier=value` (the value escaped).
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().modifier("code", "not", "1234-5");
    /// assert_eq!(p.to_query_string(), "code:not=1234-5");
    /// ```
    pub fn modifier(self, name: &str, modifier: &str, value: &str) -> SearchParams {
        self.raw(format!("{name}:{modifier}"), escape(value))
    }

    /// A string parameter with `:exact` (whole value, case-sensitive).
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().exact("family", "Chalmers");
    /// assert_eq!(p.to_query_string(), "family:exact=Chalmers");
    /// ```
    pub fn exact(self, name: &str, value: &str) -> SearchParams {
        self.modifier(name, "exact", value)
    }

    /// A string parameter with `:contains`.
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().contains("name", "alm");
    /// assert_eq!(p.to_query_string(), "name:contains=alm");
    /// ```
    pub fn contains(self, name: &str, value: &str) -> SearchParams {
        self.modifier(name, "contains", value)
    }

    /// `name:missing=true|false`.
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().missing("birthdate", false);
    /// assert_eq!(p.to_query_string(), "birthdate:missing=false");
    /// ```
    pub fn missing(self, name: &str, missing: bool) -> SearchParams {
        self.raw(format!("{name}:missing"), missing.to_string())
    }

    /// A token: `system|code`, or the code alone without a system.
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new()
    ///     .token("code", Some("http://loinc.org"), "8867-4")
    ///     .token("gender", None, "female");
    /// assert_eq!(p.to_query_string(), "code=http://loinc.org|8867-4&gender=female");
    /// ```
    pub fn token(self, name: &str, system: Option<&str>, code: &str) -> SearchParams {
        let value = match system {
            Some(system) => format!("{}|{}", escape(system), escape(code)),
            None => escape(code),
        };
        self.raw(name, value)
    }

    /// A date with a comparison prefix: `name=ge2020-01-01`.
    ///
    /// ```
    /// use fhir_client::{Prefix, SearchParams};
    /// let p = SearchParams::new()
    ///     .date("date", Prefix::Ge, "2020-01-01")
    ///     .date("date", Prefix::Lt, "2021-01-01T00:00:00+01:00");
    /// assert_eq!(p.to_query_string(), "date=ge2020-01-01&date=lt2021-01-01T00:00:00%2B01:00");
    /// ```
    pub fn date(self, name: &str, prefix: Prefix, date: &str) -> SearchParams {
        self.raw(name, format!("{}{}", prefix.as_str(), date))
    }

    /// A number with a comparison prefix: `name=gt5`.
    ///
    /// ```
    /// use fhir_client::{Prefix, SearchParams};
    /// let p = SearchParams::new().number("probability", Prefix::Gt, "0.8");
    /// assert_eq!(p.to_query_string(), "probability=gt0.8");
    /// ```
    pub fn number(self, name: &str, prefix: Prefix, number: &str) -> SearchParams {
        self.raw(name, format!("{}{}", prefix.as_str(), number))
    }

    /// A reference: `Patient/123`, an absolute URL, or an id alone.
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().reference("subject", "Patient/123");
    /// assert_eq!(p.to_query_string(), "subject=Patient/123");
    /// ```
    pub fn reference(self, name: &str, reference: &str) -> SearchParams {
        self.raw(name, escape(reference))
    }

    /// A quantity: `[prefix]number|system|code` (`system` and `code` may be empty).
    ///
    /// ```
    /// use fhir_client::{Prefix, SearchParams};
    /// let p = SearchParams::new()
    ///     .quantity("value-quantity", Prefix::Le, "5.4", Some("http://unitsofmeasure.org"), Some("mg"));
    /// assert_eq!(p.to_query_string(), "value-quantity=le5.4|http://unitsofmeasure.org|mg");
    /// ```
    pub fn quantity(
        self,
        name: &str,
        prefix: Prefix,
        number: &str,
        system: Option<&str>,
        code: Option<&str>,
    ) -> SearchParams {
        let mut value = format!("{}{}", prefix.as_str(), number);
        if system.is_some() || code.is_some() {
            value.push('|');
            value.push_str(&escape(system.unwrap_or("")));
            value.push('|');
            value.push_str(&escape(code.unwrap_or("")));
        }
        self.raw(name, value)
    }

    /// `_id`.
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().id("123");
    /// assert_eq!(p.to_query_string(), "_id=123");
    /// ```
    pub fn id(self, id: &str) -> SearchParams {
        self.raw("_id", escape(id))
    }

    /// `_include`, e.g. `Observation:patient` or `Observation:subject:Patient`.
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().include("Observation:patient");
    /// assert_eq!(p.to_query_string(), "_include=Observation:patient");
    /// ```
    pub fn include(self, include: &str) -> SearchParams {
        self.raw("_include", include)
    }

    /// `_revinclude`, e.g. `Provenance:target`.
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().revinclude("Provenance:target");
    /// assert_eq!(p.to_query_string(), "_revinclude=Provenance:target");
    /// ```
    pub fn revinclude(self, revinclude: &str) -> SearchParams {
        self.raw("_revinclude", revinclude)
    }

    /// An ascending sort key; repeated calls add keys in order (`_sort=a,-b`).
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().sort_asc("family").sort_desc("birthdate");
    /// assert_eq!(p.to_query_string(), "_sort=family,-birthdate");
    /// ```
    pub fn sort_asc(self, param: &str) -> SearchParams {
        self.sort_key(param.to_owned())
    }

    /// A descending sort key (`_sort=-param`).
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().sort_desc("date");
    /// assert_eq!(p.to_query_string(), "_sort=-date");
    /// ```
    pub fn sort_desc(self, param: &str) -> SearchParams {
        self.sort_key(format!("-{param}"))
    }

    fn sort_key(mut self, key: String) -> SearchParams {
        match self.pairs.iter_mut().find(|(k, _)| k == "_sort") {
            Some((_, v)) => {
                v.push(',');
                v.push_str(&key);
                self
            }
            None => self.raw("_sort", key),
        }
    }

    /// `_count`: the page size asked for.
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().count(10);
    /// assert_eq!(p.to_query_string(), "_count=10");
    /// ```
    pub fn count(self, count: u32) -> SearchParams {
        self.set("_count", count.to_string())
    }

    /// `_elements`: only these elements (plus the mandatory ones).
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().elements(["name", "birthDate"]);
    /// assert_eq!(p.to_query_string(), "_elements=name,birthDate");
    /// ```
    pub fn elements<'e>(self, elements: impl IntoIterator<Item = &'e str>) -> SearchParams {
        let list: Vec<&str> = elements.into_iter().collect();
        self.set("_elements", list.join(","))
    }

    /// `_summary`.
    ///
    /// ```
    /// use fhir_client::{SearchParams, Summary};
    /// let p = SearchParams::new().summary(Summary::Count);
    /// assert_eq!(p.to_query_string(), "_summary=count");
    /// ```
    pub fn summary(self, summary: Summary) -> SearchParams {
        self.set("_summary", summary.as_str().to_owned())
    }

    /// `_total`.
    ///
    /// ```
    /// use fhir_client::{SearchParams, Total};
    /// let p = SearchParams::new().total(Total::Accurate);
    /// assert_eq!(p.to_query_string(), "_total=accurate");
    /// ```
    pub fn total(self, total: Total) -> SearchParams {
        self.set("_total", total.as_str().to_owned())
    }

    fn set(mut self, name: &str, value: String) -> SearchParams {
        self.pairs.retain(|(k, _)| k != name);
        self.raw(name, value)
    }

    /// Send the search as a form POST to `{type}/_search` (for long or sensitive criteria).
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().string("name", "x").via_post();
    /// assert!(p.is_post());
    /// ```
    pub fn via_post(mut self) -> SearchParams {
        self.post = true;
        self
    }

    /// Whether [`via_post`](Self::via_post) was asked for.
    ///
    /// ```
    /// assert!(!fhir_client::SearchParams::new().is_post());
    /// ```
    pub fn is_post(&self) -> bool {
        self.post
    }

    /// The (name, value) pairs, values escaped, not yet URL-encoded.
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().count(5);
    /// assert_eq!(p.pairs(), &[("_count".to_string(), "5".to_string())]);
    /// ```
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The query string as sent with GET (without `?`).
    ///
    /// ```
    /// let p = fhir_client::SearchParams::new().string("name", "van der Berg");
    /// assert_eq!(p.to_query_string(), "name=van%20der%20Berg");
    /// ```
    pub fn to_query_string(&self) -> String {
        let pairs: Vec<(&str, &str)> = self
            .pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        encode_query(&pairs)
    }

    /// The body of a form POST (`application/x-www-form-urlencoded`).
    pub(crate) fn to_form_body(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.pairs.iter())
            .finish()
    }
}

impl<V: FhirVersion> Client<V> {
    /// Searches resources of type `T`: the first page, its matches typed.
    ///
    /// ```no_run
    /// use fhir_client::{Prefix, SearchParams};
    /// use fhir_model::r4::Observation;
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let page = client
    ///     .search::<Observation>(
    ///         SearchParams::new()
    ///             .reference("subject", "Patient/123")
    ///             .token("code", Some("http://loinc.org"), "8867-4")
    ///             .date("date", Prefix::Ge, "2024-01-01")
    ///             .sort_desc("date")
    ///             .count(20),
    ///     )
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn search<T: TypedResource>(
        &self,
        params: SearchParams,
    ) -> Result<Page<T, V>, Error<V>> {
        let request = search_request(&self.inner, Some(T::TYPE), &params);
        self.fetch_page(request, Converter::typed()).await
    }

    /// Every page of a search of type `T`, as a stream (see [`Pages`]).
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let mut pages = client.search_pages::<fhir_model::r4::Patient>(fhir_client::SearchParams::new());
    /// while let Some(page) = pages.next().await {
    ///     let page = page?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn search_pages<T: TypedResource>(&self, params: SearchParams) -> Pages<T, V> {
        let request = search_request(&self.inner, Some(T::TYPE), &params);
        Pages::from_request(self.clone(), request, Converter::typed())
    }

    /// Searches a resource type named at run time; matches come as `Resource` (`V::Resource`).
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let page = client.search_type("Condition", fhir_client::SearchParams::new().count(5)).await?;
    /// for r in &page.matches {
    ///     println!("{} {:?}", r.resource_type(), r.id());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn search_type(
        &self,
        resource_type: &str,
        params: SearchParams,
    ) -> Result<Page<V::Resource, V>, Error<V>> {
        let request = search_request(&self.inner, Some(resource_type), &params);
        self.fetch_page(request, Converter::any()).await
    }

    /// Searches across all resource types (`GET {base}?params`).
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let page = client.search_system(fhir_client::SearchParams::new().raw("_type", "Patient,Practitioner")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn search_system(
        &self,
        params: SearchParams,
    ) -> Result<Page<V::Resource, V>, Error<V>> {
        let request = search_request(&self.inner, None, &params);
        self.fetch_page(request, Converter::any()).await
    }
}

/// The request of a search: GET `{base}/{type}?params`, or a form POST to
/// `{base}/{type}/_search` when asked for or when the GET URL would be too long.
fn search_request(inner: &Inner, resource_type: Option<&str>, params: &SearchParams) -> Request {
    let mut segments: Vec<&str> = resource_type.into_iter().collect();
    let get = inner.url(&segments, params.pairs());
    if !params.is_post() && get.as_str().len() <= inner.max_get_url_len {
        return Request::get(get);
    }
    segments.push("_search");
    Request::new(Method::POST, inner.url(&segments, &[]))
        .body(params.to_form_body().into_bytes(), FORM)
        // A search changes nothing: sending it again is harmless.
        .idempotent(true)
}

/// FHIR search escaping inside one value: `\`, `,`, `$` and `|` get a backslash.
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | ',' | '$' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_values() {
        assert_eq!(escape(r"a,b|c$d\e"), r"a\,b\|c\$d\\e");
        let p = SearchParams::new().token("identifier", Some("urn:x|y"), "1,2");
        assert_eq!(p.pairs()[0].1, r"urn:x\|y|1\,2");
    }

    #[test]
    fn form_body() {
        let p = SearchParams::new()
            .string("name", "a b")
            .token("code", Some("s"), "c");
        assert_eq!(p.to_form_body(), "name=a+b&code=s%7Cc");
    }

    #[test]
    fn single_valued_params_are_replaced() {
        let p = SearchParams::new()
            .count(10)
            .count(20)
            .summary(Summary::Count);
        assert_eq!(p.to_query_string(), "_count=20&_summary=count");
    }
}
