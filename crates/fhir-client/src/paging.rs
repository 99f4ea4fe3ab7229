//! Pages of results (searchsets, histories) and the stream that follows their `next` links.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use fhir_model::TypedResource;
use futures_core::Stream;
use futures_util::StreamExt;
use url::Url;

use crate::client::Client;
use crate::error::Error;
use crate::fhir::{
    Bundle, BundleEntry, EntryMode, OperationOutcome, Resource, bundle_links, bundle_total,
    downcast, entry_mode,
};
use crate::request::Request;

/// How the entries of a page become `T`: a typed resource struct, or `Resource` itself.
pub(crate) struct Converter<T> {
    convert: fn(Resource) -> Result<T, Resource>,
    /// The resource type of `T`, when `T` is a struct.
    typed: Option<&'static str>,
}

impl<T> Clone for Converter<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Converter<T> {}

impl<T: TypedResource> Converter<T> {
    pub(crate) fn typed() -> Converter<T> {
        Converter {
            convert: downcast::<T>,
            typed: Some(T::TYPE),
        }
    }
}

impl Converter<Resource> {
    pub(crate) fn any() -> Converter<Resource> {
        Converter {
            convert: Ok,
            typed: None,
        }
    }
}

/// One page of a search or history: the matches, typed, apart from the resources included with
/// them (`_include`, `_revinclude`) and from OperationOutcomes about the search.
///
/// Entries are sorted by `search.mode` when the server marks them; unmarked entries (as in a
/// history) are matches when they are of the type searched, included otherwise. Entries without a
/// resource (the deletions of a history) are kept in `other_entries`.
///
/// ```no_run
/// use fhir_client::SearchParams;
/// use fhir_model::r4::{Patient, Resource};
/// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
/// let page = client
///     .search::<Patient>(SearchParams::new().string("family", "Chalmers").include("Patient:organization"))
///     .await?;
/// for patient in &page.matches {
///     println!("{:?}", patient.id);
/// }
/// for included in &page.included {
///     if let Resource::Organization(org) = included {
///         println!("organization {:?}", org.name);
///     }
/// }
/// println!("total: {:?}, more: {}", page.total, page.next.is_some());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Page<T> {
    /// The matches (`search.mode` = `match`), as `T`.
    pub matches: Vec<T>,
    /// Resources included with the matches (`search.mode` = `include`).
    pub included: Vec<Resource>,
    /// OperationOutcomes about the search itself (`search.mode` = `outcome`).
    pub outcomes: Vec<OperationOutcome>,
    /// Entries without a resource, e.g. the deletions of a history, with their request and response.
    pub other_entries: Vec<BundleEntry>,
    /// `Bundle.total`: many servers send it only when asked (`_total=accurate`).
    pub total: Option<u32>,
    /// The `next` link, resolved to an absolute URL.
    pub next: Option<Url>,
    /// The `previous` (or `prev`) link, resolved.
    pub previous: Option<Url>,
    /// The `self` link, resolved.
    pub self_link: Option<Url>,
    /// The Bundle as received, its entries moved out into the fields above.
    pub bundle: Bundle,
    converter: Converter<T>,
}

impl<T: fmt::Debug> fmt::Debug for Page<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Page")
            .field("total", &self.total)
            .field("matches", &self.matches)
            .field("included", &self.included)
            .field("outcomes", &self.outcomes)
            .field("other_entries", &self.other_entries)
            .field("next", &self.next.as_ref().map(Url::as_str))
            .field("previous", &self.previous.as_ref().map(Url::as_str))
            .field("self_link", &self.self_link.as_ref().map(Url::as_str))
            .finish_non_exhaustive()
    }
}

impl<T> Page<T> {
    /// Sorts a Bundle's entries into a page; links are resolved against `base` (a path ending in `/`).
    pub(crate) fn from_bundle(mut bundle: Bundle, base: &Url, converter: Converter<T>) -> Page<T> {
        let mut page = Page {
            matches: Vec::new(),
            included: Vec::new(),
            outcomes: Vec::new(),
            other_entries: Vec::new(),
            total: bundle_total(&bundle),
            next: None,
            previous: None,
            self_link: None,
            bundle: Bundle::new(bundle.r#type.clone()),
            converter,
        };
        for (relation, url) in bundle_links(&bundle) {
            let slot = match relation.as_str() {
                "next" => &mut page.next,
                "previous" | "prev" => &mut page.previous,
                "self" => &mut page.self_link,
                _ => continue,
            };
            if slot.is_none() {
                *slot = resolve_link(base, &url);
            }
        }
        for mut entry in std::mem::take(&mut bundle.entry) {
            let mode = entry_mode(&entry);
            let Some(resource) = entry.resource.take() else {
                page.other_entries.push(entry);
                continue;
            };
            let is_outcome = resource.resource_type() == "OperationOutcome";
            if mode == EntryMode::Outcome
                || (mode == EntryMode::Unmarked
                    && is_outcome
                    && converter.typed.is_some_and(|t| t != "OperationOutcome"))
            {
                if let Resource::OperationOutcome(o) = resource {
                    page.outcomes.push(*o);
                } else {
                    page.included.push(resource);
                }
                continue;
            }
            if mode == EntryMode::Include {
                page.included.push(resource);
                continue;
            }
            match (converter.convert)(resource) {
                Ok(m) => page.matches.push(m),
                Err(other) => page.included.push(other),
            }
        }
        page.bundle = bundle;
        page
    }

    /// Whether there is a next page.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let page = client.search::<fhir_model::r4::Patient>(Default::default()).await?;
    /// if page.has_next() {
    ///     let next = client.next_page(&page).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }
}

/// Resolves a paging link against the base URL (whose path ends in `/`): absolute links stay as
/// they are, `Patient?page=2` goes under the base, `/fhir?_getpages=...` under the host, and a
/// bare `?_getpages=...` onto the base itself.
pub(crate) fn resolve_link(base: &Url, link: &str) -> Option<Url> {
    let link = link.trim();
    if link.is_empty() {
        return None;
    }
    if let Some(query) = link.strip_prefix('?') {
        let mut url = base.clone();
        let path = base.path().trim_end_matches('/').to_owned();
        url.set_path(if path.is_empty() { "/" } else { &path });
        url.set_query(Some(query));
        return Some(url);
    }
    let url = base.join(link).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// Every page of a search or history, following `next` links until there is none (or one
/// repeats), as a `Stream`. An error ends the stream after it is yielded.
///
/// ```no_run
/// use futures_util::StreamExt;
/// use fhir_client::SearchParams;
/// use fhir_model::r4::Observation;
/// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
/// let mut pages = client.search_pages::<Observation>(SearchParams::new().count(100));
/// while let Some(page) = pages.next().await {
///     for obs in page?.matches {
///         println!("{:?}", obs.id);
///     }
/// }
/// # Ok(()) }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Pages<T> {
    inner: Pin<Box<dyn Stream<Item = Result<Page<T>, Error>> + Send>>,
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pages")
    }
}

enum Step<T> {
    Request(Request),
    Ready(Box<Page<T>>),
    Next(Url),
    Done,
}

impl<T: Send + 'static> Pages<T> {
    pub(crate) fn from_request(
        client: Client,
        request: Request,
        converter: Converter<T>,
    ) -> Pages<T> {
        Pages::start(client, Step::Request(request), converter)
    }

    pub(crate) fn from_page(client: Client, page: Page<T>) -> Pages<T> {
        let converter = page.converter;
        Pages::start(client, Step::Ready(Box::new(page)), converter)
    }

    fn start(client: Client, first: Step<T>, converter: Converter<T>) -> Pages<T> {
        let state = (client, first, HashSet::<String>::new());
        let stream =
            futures_util::stream::unfold(state, move |(client, step, mut seen)| async move {
                let page = match step {
                    Step::Done => return None,
                    Step::Ready(page) => Ok(*page),
                    Step::Request(request) => client.fetch_page(request, converter).await,
                    Step::Next(url) => {
                        if !seen.insert(url.as_str().to_owned()) {
                            tracing::warn!(url = %url, "a next link repeats: paging stops");
                            return None;
                        }
                        client.fetch_page(Request::get(url), converter).await
                    }
                };
                let next = match &page {
                    Ok(page) => match &page.next {
                        Some(url) => Step::Next(url.clone()),
                        None => Step::Done,
                    },
                    Err(_) => Step::Done,
                };
                if let Ok(page) = &page {
                    if let Some(url) = &page.self_link {
                        seen.insert(url.as_str().to_owned());
                    }
                }
                Some((page, (client, next, seen)))
            });
        Pages {
            inner: Box::pin(stream),
        }
    }

    /// The matches of every page, one by one.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let mut patients = client
    ///     .search_pages::<fhir_model::r4::Patient>(Default::default())
    ///     .items();
    /// while let Some(patient) = patients.next().await {
    ///     println!("{:?}", patient?.id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn items(self) -> Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>> {
        Box::pin(futures_util::stream::unfold(
            (self, VecDeque::new(), false),
            |(mut pages, mut buffer, mut done)| async move {
                loop {
                    if let Some(item) = buffer.pop_front() {
                        return Some((Ok(item), (pages, buffer, done)));
                    }
                    if done {
                        return None;
                    }
                    match pages.next().await {
                        Some(Ok(page)) => buffer.extend(page.matches),
                        Some(Err(e)) => {
                            done = true;
                            return Some((Err(e), (pages, buffer, done)));
                        }
                        None => done = true,
                    }
                }
            },
        ))
    }

    /// The matches of every page, collected; the first error ends it.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let all = client
    ///     .search_pages::<fhir_model::r4::Patient>(fhir_client::SearchParams::new().count(200))
    ///     .all_matches()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn all_matches(mut self) -> Result<Vec<T>, Error> {
        let mut all = Vec::new();
        while let Some(page) = self.next().await {
            all.extend(page?.matches);
        }
        Ok(all)
    }
}

impl<T> Stream for Pages<T> {
    type Item = Result<Page<T>, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl Client {
    pub(crate) async fn fetch_page<T>(
        &self,
        request: Request,
        converter: Converter<T>,
    ) -> Result<Page<T>, Error> {
        let bundle: Bundle = self.send(request).await?.decode()?;
        Ok(Page::from_bundle(bundle, self.base_url(), converter))
    }

    /// The page after this one (`None` on the last page). The `next` link is followed as the
    /// server wrote it; credentials go with it only if it is on the base URL's origin.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let mut page = client.search::<fhir_model::r4::Patient>(Default::default()).await?;
    /// while let Some(next) = client.next_page(&page).await? {
    ///     page = next;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn next_page<T>(&self, page: &Page<T>) -> Result<Option<Page<T>>, Error> {
        match &page.next {
            Some(url) => self
                .fetch_page(Request::get(url.clone()), page.converter)
                .await
                .map(Some),
            None => Ok(None),
        }
    }

    /// A stream of this page and every page after it.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let first = client.everything("123").await?;
    /// let mut pages = client.pages(first);
    /// while let Some(page) = pages.next().await {
    ///     println!("{} resources", page?.matches.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn pages<T: Send + 'static>(&self, first: Page<T>) -> Pages<T> {
        Pages::from_page(self.clone(), first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_model::r4::Patient;
    use fhir_model::{FhirJson, ParseOptions};

    #[test]
    fn next_link_shapes() {
        let base = Url::parse("https://h.test/fhir/").unwrap();
        let r = |l: &str| resolve_link(&base, l).map(|u| u.to_string());
        assert_eq!(
            r("https://h.test/fhir/Patient?page=2").as_deref(),
            Some("https://h.test/fhir/Patient?page=2")
        );
        assert_eq!(
            r("https://cdn.test/x?cursor=abc").as_deref(),
            Some("https://cdn.test/x?cursor=abc")
        );
        assert_eq!(
            r("Patient?_getpages=abc&_getpagesoffset=20").as_deref(),
            Some("https://h.test/fhir/Patient?_getpages=abc&_getpagesoffset=20")
        );
        assert_eq!(
            r("/fhir?_getpages=abc").as_deref(),
            Some("https://h.test/fhir?_getpages=abc")
        );
        assert_eq!(
            r("https://h.test/fhir?_getpages=abc").as_deref(),
            Some("https://h.test/fhir?_getpages=abc")
        );
        assert_eq!(
            r("?_getpages=abc").as_deref(),
            Some("https://h.test/fhir?_getpages=abc")
        );
        assert_eq!(r(""), None);
        assert_eq!(r("mailto:a@h.test"), None);
        let root = Url::parse("https://h.test/").unwrap();
        assert_eq!(
            resolve_link(&root, "?p=2").unwrap().as_str(),
            "https://h.test/?p=2"
        );
    }

    #[test]
    fn entries_are_sorted_by_mode() {
        let json = r#"{"resourceType":"Bundle","type":"searchset",
          "link":[{"relation":"next","url":"Patient?page=2"},{"relation":"self","url":"https://h.test/fhir/Patient"}],
          "entry":[
            {"resource":{"resourceType":"Patient","id":"a"},"search":{"mode":"match"}},
            {"resource":{"resourceType":"Organization","id":"o"},"search":{"mode":"include"}},
            {"resource":{"resourceType":"Patient","id":"b"}},
            {"resource":{"resourceType":"Patient","id":"c"},"search":{"mode":"include"}},
            {"resource":{"resourceType":"OperationOutcome","issue":[]},"search":{"mode":"outcome"}},
            {"resource":{"resourceType":"Practitioner","id":"p"}},
            {"request":{"method":"DELETE","url":"Patient/z"}}
          ]}"#;
        let bundle = Bundle::from_json_str(json, ParseOptions::lenient()).unwrap();
        let base = Url::parse("https://h.test/fhir/").unwrap();
        let page: Page<Patient> = Page::from_bundle(bundle.clone(), &base, Converter::typed());
        let ids: Vec<_> = page
            .matches
            .iter()
            .map(|p| p.id.clone().unwrap().value.unwrap())
            .collect();
        assert_eq!(ids, ["a", "b"]);
        let included: Vec<_> = page
            .included
            .iter()
            .map(|r| r.id().unwrap().to_owned())
            .collect();
        assert_eq!(included, ["o", "c", "p"]);
        assert_eq!(page.outcomes.len(), 1);
        assert_eq!(page.other_entries.len(), 1);
        assert_eq!(page.total, None);
        assert_eq!(
            page.next.unwrap().as_str(),
            "https://h.test/fhir/Patient?page=2"
        );
        assert!(page.bundle.entry.is_empty());

        let any: Page<Resource> = Page::from_bundle(bundle, &base, Converter::any());
        assert_eq!(any.matches.len(), 3);
    }
}
