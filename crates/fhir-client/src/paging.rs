//! Pages of results (searchsets, histories) and the stream that follows their `next` links.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use fhir_model::TypedResource;
use futures_core::Stream;
use futures_util::StreamExt;
use reqwest::Method;
use url::Url;

use crate::client::Client;
use crate::error::{Error, ErrorKind, RawError, redact_url};
use crate::inner::Inner;
use crate::request::{self, Request};
use crate::version::{EntryMode, FhirVersion, R4};

/// How the entries of a page become `T`: a typed resource struct, or `V::Resource` itself.
pub(crate) struct Converter<T, V: FhirVersion> {
    convert: fn(V::Resource) -> Result<T, V::Resource>,
    /// The resource type of `T`, when `T` is a struct.
    typed: Option<&'static str>,
}

impl<T, V: FhirVersion> Clone for Converter<T, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, V: FhirVersion> Copy for Converter<T, V> {}

impl<T: TypedResource, V: FhirVersion> Converter<T, V> {
    pub(crate) fn typed() -> Converter<T, V> {
        Converter {
            convert: V::downcast::<T>,
            typed: Some(T::TYPE),
        }
    }
}

impl<V: FhirVersion> Converter<V::Resource, V> {
    pub(crate) fn any() -> Converter<V::Resource, V> {
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
/// `V` is the client's FHIR version (`Page<T>` is `Page<T, R4>`): `included` holds `V::Resource`,
/// `outcomes` `V::OperationOutcome`, and so on.
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
pub struct Page<T, V: FhirVersion = R4> {
    /// The matches (`search.mode` = `match`), as `T`.
    pub matches: Vec<T>,
    /// Resources included with the matches (`search.mode` = `include`).
    pub included: Vec<V::Resource>,
    /// OperationOutcomes about the search itself (`search.mode` = `outcome`, and R5's
    /// `Bundle.issues`).
    pub outcomes: Vec<V::OperationOutcome>,
    /// Entries without a resource, e.g. the deletions of a history, with their request and response.
    pub other_entries: Vec<V::BundleEntry>,
    /// Every entry of the Bundle, in the server's order, its resource moved out into `matches`,
    /// `included` or `outcomes`: what is left is the entry's `fullUrl`, `search`, `request` and
    /// `response` (a history's method, URL and status, a search's mode and score).
    /// [`resource_at`](Page::resource_at) says where each entry's resource went;
    /// [`matches_with_entries`](Page::matches_with_entries) pairs them up.
    pub entries: Vec<V::BundleEntry>,
    /// Where the resource of each of [`entries`](Page::entries) went, index by index.
    pub resource_at: Vec<ResourceAt>,
    /// `Bundle.total`: many servers send it only when asked (`_total=accurate`).
    pub total: Option<u32>,
    /// The `next` link, resolved to an absolute URL.
    pub next: Option<Url>,
    /// The `previous` (or `prev`) link, resolved.
    pub previous: Option<Url>,
    /// The `self` link, resolved.
    pub self_link: Option<Url>,
    /// The URL the page was fetched from (after redirects); `None` for a page sorted from a
    /// Bundle at hand.
    pub url: Option<Url>,
    /// The Bundle as received, its entries (and R5's `Bundle.issues`) moved out into the fields
    /// above.
    pub bundle: V::Bundle,
    converter: Converter<T, V>,
}

impl<T: Clone, V: FhirVersion> Clone for Page<T, V> {
    fn clone(&self) -> Self {
        Page {
            matches: self.matches.clone(),
            included: self.included.clone(),
            outcomes: self.outcomes.clone(),
            other_entries: self.other_entries.clone(),
            entries: self.entries.clone(),
            resource_at: self.resource_at.clone(),
            total: self.total,
            next: self.next.clone(),
            previous: self.previous.clone(),
            self_link: self.self_link.clone(),
            url: self.url.clone(),
            bundle: self.bundle.clone(),
            converter: self.converter,
        }
    }
}

impl<T: fmt::Debug, V: FhirVersion> fmt::Debug for Page<T, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Page")
            .field("total", &self.total)
            .field("matches", &self.matches)
            .field("included", &self.included)
            .field("outcomes", &self.outcomes)
            .field("other_entries", &self.other_entries)
            .field("resource_at", &self.resource_at)
            .field("next", &self.next.as_ref().map(Url::as_str))
            .field("previous", &self.previous.as_ref().map(Url::as_str))
            .field("self_link", &self.self_link.as_ref().map(Url::as_str))
            .finish_non_exhaustive()
    }
}

/// Where the resource of an entry of a [`Page`] went (see [`Page::entries`]).
///
/// ```no_run
/// use fhir_client::ResourceAt;
/// # let page: fhir_client::Page<fhir_model::r4::Patient> = unimplemented!();
/// for (entry, at) in page.entries.iter().zip(&page.resource_at) {
///     let method = entry.request.as_ref().and_then(|r| r.method.value.as_ref()).map(|m| m.as_str());
///     match at {
///         ResourceAt::Match(i) => println!("{method:?} {:?}", page.matches[*i].id),
///         ResourceAt::None => println!("{method:?} without a resource (a deletion)"),
///         _ => {}
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceAt {
    /// In [`Page::matches`], at this index.
    Match(usize),
    /// In [`Page::included`], at this index.
    Included(usize),
    /// In [`Page::outcomes`], at this index.
    Outcome(usize),
    /// Nowhere: the entry has none (it is in [`Page::other_entries`] as well).
    None,
}

/// A Bundle sorted into the parts of a page, all but the matches.
struct Sorted<V: FhirVersion> {
    included: Vec<V::Resource>,
    outcomes: Vec<V::OperationOutcome>,
    other_entries: Vec<V::BundleEntry>,
    entries: Vec<V::BundleEntry>,
    resource_at: Vec<ResourceAt>,
    total: Option<u32>,
    next: Option<Url>,
    previous: Option<Url>,
    self_link: Option<Url>,
    bundle: V::Bundle,
}

/// Sorts a Bundle's entries (see [`Page`]); each match candidate goes to `matched`, which answers
/// its index among the matches, or gives it back when it is not of the type searched. Generic
/// over the version only, not over the type of the matches, so that it is compiled once per
/// version.
fn sort_bundle<V: FhirVersion>(
    mut bundle: V::Bundle,
    base: &Url,
    typed: Option<&'static str>,
    matched: &mut dyn FnMut(V::Resource) -> Result<usize, V::Resource>,
) -> Sorted<V> {
    let mut included = Vec::new();
    let mut outcomes: Vec<V::OperationOutcome> = V::take_issues(&mut bundle).into_iter().collect();
    let mut other_entries = Vec::new();
    let (mut next, mut previous, mut self_link) = (None, None, None);
    for (relation, url) in V::bundle_links(&bundle) {
        let slot = match relation.as_str() {
            "next" => &mut next,
            "previous" | "prev" => &mut previous,
            "self" => &mut self_link,
            _ => continue,
        };
        if slot.is_none() {
            *slot = resolve_link(base, &url);
        }
    }
    // The entries stay where the parse put them, less their resources: keeping them costs no
    // allocation, and a page's peak memory is its parse.
    let mut entries = V::take_entries(&mut bundle);
    let mut resource_at = Vec::with_capacity(entries.len());
    for entry in &mut entries {
        let mode = V::entry_mode(entry);
        let Some(resource) = V::take_entry_resource(entry) else {
            other_entries.push(entry.clone());
            resource_at.push(ResourceAt::None);
            continue;
        };
        let mut include = |other: V::Resource| {
            included.push(other);
            ResourceAt::Included(included.len() - 1)
        };
        let is_outcome = V::resource_type(&resource) == "OperationOutcome";
        let at = if mode == EntryMode::Outcome
            || (mode == EntryMode::Unmarked
                && is_outcome
                && typed.is_some_and(|t| t != "OperationOutcome"))
        {
            match V::downcast::<V::OperationOutcome>(resource) {
                Ok(o) => {
                    outcomes.push(o);
                    ResourceAt::Outcome(outcomes.len() - 1)
                }
                Err(other) => include(other),
            }
        } else if mode == EntryMode::Include {
            include(resource)
        } else {
            match matched(resource) {
                Ok(i) => ResourceAt::Match(i),
                Err(other) => include(other),
            }
        };
        resource_at.push(at);
    }
    Sorted {
        included,
        outcomes,
        other_entries,
        entries,
        resource_at,
        total: V::bundle_total(&bundle),
        next,
        previous,
        self_link,
        bundle,
    }
}

impl<T, V: FhirVersion> Page<T, V> {
    /// Whether the page holds no entry at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.matches.is_empty()
            && self.included.is_empty()
            && self.outcomes.is_empty()
            && self.other_entries.is_empty()
    }

    /// Sorts a Bundle's entries into a page; links are resolved against `base` (a path ending in
    /// `/`); `url` is where the Bundle came from.
    pub(crate) fn from_bundle(
        bundle: V::Bundle,
        base: &Url,
        url: Option<Url>,
        converter: Converter<T, V>,
    ) -> Page<T, V> {
        let mut matches = Vec::new();
        let sorted =
            sort_bundle::<V>(
                bundle,
                base,
                converter.typed,
                &mut |resource| match (converter.convert)(resource) {
                    Ok(m) => {
                        matches.push(m);
                        Ok(matches.len() - 1)
                    }
                    Err(other) => Err(other),
                },
            );
        Page {
            matches,
            included: sorted.included,
            outcomes: sorted.outcomes,
            other_entries: sorted.other_entries,
            entries: sorted.entries,
            resource_at: sorted.resource_at,
            url,
            total: sorted.total,
            next: sorted.next,
            previous: sorted.previous,
            self_link: sorted.self_link,
            bundle: sorted.bundle,
            converter,
        }
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

    /// Each match with the rest of its entry (`fullUrl`, `search`, `request`, `response`), in
    /// the server's order.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let page = client.history::<fhir_model::r4::Patient>("123", Default::default()).await?;
    /// for (patient, entry) in page.matches_with_entries() {
    ///     let status = entry.response.as_ref().and_then(|r| r.status.as_str());
    ///     println!("{:?}: {status:?}", patient.meta.as_ref().and_then(|m| m.version_id.as_ref()));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn matches_with_entries(&self) -> impl Iterator<Item = (&T, &V::BundleEntry)> {
        self.entries
            .iter()
            .zip(&self.resource_at)
            .filter_map(|(entry, at)| match at {
                ResourceAt::Match(i) => self.matches.get(*i).map(|m| (m, entry)),
                _ => None,
            })
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
pub struct Pages<T, V: FhirVersion = R4> {
    inner: PageStream<T, V>,
}

type PageStream<T, V> = Pin<Box<dyn Stream<Item = Result<Page<T, V>, Error<V>>> + Send>>;

impl<T, V: FhirVersion> fmt::Debug for Pages<T, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pages")
    }
}

enum Step<T, V: FhirVersion> {
    Request(Request),
    Ready(Box<Page<T, V>>),
    Next(Url),
    Done,
}

/// The state of a page stream: where it is, and what it has seen so far.
struct Walk<T, V: FhirVersion> {
    client: Client<V>,
    step: Step<T, V>,
    /// The URLs of the pages fetched (their `next` and `self` links).
    seen: HashSet<String>,
    /// Pages fetched so far.
    pages: u64,
    /// Empty pages in a row, up to the last one fetched.
    empty_run: u64,
}

impl<T, V: FhirVersion> Walk<T, V> {
    /// Whether the stream may follow `next`: a page not seen yet, within the caps, and on the
    /// base URL's origin unless the client follows other origins.
    fn check_next(&mut self, next: &Url) -> Result<(), RawError> {
        let paging = &self.client.inner.paging;
        let refuse = |why: String| RawError::at_url(ErrorKind::Paging, &Method::GET, next, why);
        if self.seen.contains(next.as_str()) {
            return Err(refuse(format!(
                "the next link {} repeats a page already fetched: the server pages in a loop",
                redact_url(next)
            )));
        }
        if self.pages >= paging.max_pages {
            return Err(refuse(format!(
                "more than {} pages (the cap of ClientBuilder::max_pages)",
                paging.max_pages
            )));
        }
        if self.empty_run >= paging.max_empty_pages {
            return Err(refuse(format!(
                "{} empty pages in a row still link to a next page (the cap of \
                 ClientBuilder::max_empty_pages)",
                self.empty_run
            )));
        }
        check_origin(&self.client.inner, next)?;
        self.seen.insert(next.as_str().to_owned());
        Ok(())
    }
}

/// A `next` link to another origin than the base URL's is refused unless the client follows
/// such links; when it does, it warns and tells the client's notice function.
fn check_origin(inner: &Inner, next: &Url) -> Result<(), RawError> {
    let base = &inner.base;
    if next.origin() == base.origin() {
        return Ok(());
    }
    let paging = &inner.paging;
    if !paging.follow_cross_origin {
        return Err(RawError::at_url(
            ErrorKind::Paging,
            &Method::GET,
            next,
            format!(
                "the next link goes to another origin ({}) than the base URL's ({}); \
                 not followed (see ClientBuilder::follow_cross_origin_next)",
                next.origin().ascii_serialization(),
                base.origin().ascii_serialization()
            ),
        ));
    }
    let shown = redact_url(next);
    tracing::warn!(url = %shown, base = %base, "following a next link to another origin, without credentials");
    if let Some(notice) = &paging.on_cross_origin {
        notice(base, &shown);
    }
    Ok(())
}

impl<T: Send + 'static, V: FhirVersion> Pages<T, V> {
    pub(crate) fn from_request(
        client: Client<V>,
        request: Request,
        converter: Converter<T, V>,
    ) -> Pages<T, V> {
        Pages::start(client, Step::Request(request), converter)
    }

    pub(crate) fn from_page(client: Client<V>, page: Page<T, V>) -> Pages<T, V> {
        let converter = page.converter;
        Pages::start(client, Step::Ready(Box::new(page)), converter)
    }

    fn start(client: Client<V>, first: Step<T, V>, converter: Converter<T, V>) -> Pages<T, V> {
        let state = Walk {
            client,
            step: first,
            seen: HashSet::new(),
            pages: 0,
            empty_run: 0,
        };
        let stream = futures_util::stream::unfold(state, move |mut walk| async move {
            let page = match std::mem::replace(&mut walk.step, Step::Done) {
                Step::Done => return None,
                Step::Ready(page) => Ok(*page),
                Step::Request(request) => walk.client.fetch_page(request, converter).await,
                Step::Next(url) => match walk.check_next(&url) {
                    Ok(()) => walk.client.fetch_page(Request::get(url), converter).await,
                    Err(e) => Err(e.into()),
                },
            };
            if let Ok(page) = &page {
                walk.pages += 1;
                if page.is_empty() {
                    walk.empty_run += 1;
                } else {
                    walk.empty_run = 0;
                }
                if let Some(url) = &page.self_link {
                    walk.seen.insert(url.as_str().to_owned());
                }
                if let Some(url) = &page.next {
                    walk.step = Step::Next(url.clone());
                }
            }
            Some((page, walk))
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
    pub fn items(self) -> Pin<Box<dyn Stream<Item = Result<T, Error<V>>> + Send>> {
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
    pub async fn all_matches(mut self) -> Result<Vec<T>, Error<V>> {
        let mut all = Vec::new();
        while let Some(page) = self.next().await {
            all.extend(page?.matches);
        }
        Ok(all)
    }
}

impl<T, V: FhirVersion> Stream for Pages<T, V> {
    type Item = Result<Page<T, V>, Error<V>>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<V: FhirVersion> Client<V> {
    pub(crate) async fn fetch_page<T>(
        &self,
        request: Request,
        converter: Converter<T, V>,
    ) -> Result<Page<T, V>, Error<V>> {
        let (bundle, url) = {
            let response = request::send(&self.inner, request).await?;
            let bundle: V::Bundle = response.decode()?;
            // The body's text goes before the page is sorted, not after.
            (bundle, response.url)
        };
        Ok(Page::from_bundle(
            bundle,
            self.base_url(),
            Some(url),
            converter,
        ))
    }

    /// The page after this one (`None` on the last page). The `next` link is followed as the
    /// server wrote it, if it is on the base URL's origin; a link to another origin is an
    /// [`ErrorKind::Paging`] error unless
    /// [`ClientBuilder::follow_cross_origin_next`](crate::ClientBuilder::follow_cross_origin_next)
    /// allows it, and is then followed without credentials.
    ///
    /// ```no_run
    /// # async fn run(client: fhir_client::Client) -> Result<(), fhir_client::Error> {
    /// let mut page = client.search::<fhir_model::r4::Patient>(Default::default()).await?;
    /// while let Some(next) = client.next_page(&page).await? {
    ///     page = next;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn next_page<T>(&self, page: &Page<T, V>) -> Result<Option<Page<T, V>>, Error<V>> {
        if let Some(url) = &page.next {
            check_origin(&self.inner, url)?;
        }
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
    pub fn pages<T: Send + 'static>(&self, first: Page<T, V>) -> Pages<T, V> {
        Pages::from_page(self.clone(), first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_model::r4::{Bundle, Patient, Resource};
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
        let page: Page<Patient> =
            Page::from_bundle(bundle.clone(), &base, None, Converter::typed());
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
        assert_eq!(
            page.resource_at,
            [
                ResourceAt::Match(0),
                ResourceAt::Included(0),
                ResourceAt::Match(1),
                ResourceAt::Included(1),
                ResourceAt::Outcome(0),
                ResourceAt::Included(2),
                ResourceAt::None,
            ]
        );
        assert_eq!(page.entries.len(), 7);
        assert!(page.entries.iter().all(|e| e.resource.is_none()));
        let modes: Vec<_> = page
            .matches_with_entries()
            .map(|(p, e)| (p.id.clone().unwrap().value.unwrap(), e.search.is_some()))
            .collect();
        assert_eq!(modes, [("a".to_owned(), true), ("b".to_owned(), false)]);
        assert_eq!(page.total, None);
        assert_eq!(
            page.next.unwrap().as_str(),
            "https://h.test/fhir/Patient?page=2"
        );
        assert!(page.bundle.entry.is_empty());

        let any: Page<Resource> = Page::from_bundle(bundle, &base, None, Converter::any());
        assert_eq!(any.matches.len(), 3);
    }
}
