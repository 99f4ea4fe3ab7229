//! Lists of resources (searches, histories): pages printed as they arrive and dropped once
//! printed, so that memory holds one page at a time, whatever the number of pages.

use std::io::Write;

use fhir_client::reqwest::Url;
use fhir_client::{Client, Page, ResourceAt};
use fhir_model::FhirJson;
use fhir_model::json::JsonValue;
use fhir_model::r4::{Bundle, BundleEntry, Resource};
use futures_util::StreamExt;

use crate::cli::{Format, Paging};
use crate::failure::Failure;
use crate::progress::Progress;
use crate::summary;
use crate::table::Table;

/// How many pages in a row may come without a single entry before paging is given up: a server
/// that keeps linking to empty pages would otherwise be followed forever.
pub const MAX_EMPTY_PAGES: usize = 10;

/// The first page, and with `--all` the pages after it, checked to be Bundles of type
/// `bundle_type` and printed in `format`. `--limit` and `--max-pages` bound the run.
pub async fn print(
    client: &Client,
    first: Page<Resource>,
    paging: &Paging,
    format: Format,
    bundle_type: &str,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    check_type(&first.bundle, bundle_type, first.url.as_ref(), client)?;
    let limit = paging.limit.unwrap_or(usize::MAX);
    let max_pages = paging.max_pages.map_or(usize::MAX, |n| n as usize);
    let total = first.total;
    let mut sink = Sink::new(format, &first.bundle, out)?;
    let mut progress = Progress::for_stderr();
    let mut stream = client.pages(first);
    let (mut pages, mut seen, mut empty_run) = (0, 0, 0);
    let mut next: Option<Url> = None;
    while let Some(page) = stream.next().await {
        let page = page?;
        if pages > 0 {
            check_type(&page.bundle, bundle_type, page.url.as_ref(), client)?;
        }
        pages += 1;
        next = page.next.clone();
        empty_run = if page.entries.is_empty() {
            empty_run + 1
        } else {
            0
        };
        for (entry, counted) in in_order(page) {
            if counted && seen == limit {
                break;
            }
            seen += usize::from(counted);
            sink.entry(entry, counted)?;
        }
        progress.update(pages, seen, total);
        if !paging.all || seen >= limit || next.is_none() {
            break;
        }
        let Some(url) = &next else { break };
        if pages >= max_pages {
            progress.finish();
            sink.finish(total, seen, pages, Some("stopped at --max-pages"))?;
            return Err(Failure::answer(
                "GET",
                url,
                format!("not fetched: {pages} pages were fetched already (--max-pages)"),
            ));
        }
        if empty_run >= MAX_EMPTY_PAGES {
            progress.finish();
            sink.finish(total, seen, pages, Some("stopped"))?;
            return Err(Failure::answer(
                "GET",
                url,
                format!(
                    "not fetched: {empty_run} empty pages in a row, the server's paging does \
                     not advance"
                ),
            ));
        }
    }
    progress.finish();
    if paging.all && seen < limit {
        if let Some(url) = &next {
            // The stream ended on a page that still links onward: the link repeats one seen.
            sink.finish(total, seen, pages, Some("stopped"))?;
            return Err(Failure::answer(
                "GET",
                url,
                "paging loops: this next link leads back to a page already fetched",
            ));
        }
    }
    let more = match (next.is_some(), paging.all) {
        (true, false) => Some("more with --all"),
        (true, true) => Some("stopped at --limit"),
        _ => None,
    };
    sink.finish(total, seen, pages, more)
}

/// A page's entries in the server's order, each with its resource back in place, and whether
/// it counts as a resource printed (a match or an included resource; not an OperationOutcome
/// about the search, nor a history's deletion).
fn in_order(page: Page<Resource>) -> impl Iterator<Item = (BundleEntry, bool)> {
    let Page {
        matches,
        included,
        outcomes,
        entries,
        resource_at,
        ..
    } = page;
    let mut matches: Vec<Option<Resource>> = matches.into_iter().map(Some).collect();
    let mut included: Vec<Option<Resource>> = included.into_iter().map(Some).collect();
    let mut outcomes: Vec<Option<Resource>> = outcomes
        .into_iter()
        .map(|o| Some(Resource::OperationOutcome(Box::new(o))))
        .collect();
    entries
        .into_iter()
        .zip(resource_at)
        .map(move |(mut entry, at)| {
            let (resource, counted) = match at {
                ResourceAt::Match(i) => (matches.get_mut(i).and_then(Option::take), true),
                ResourceAt::Included(i) => (included.get_mut(i).and_then(Option::take), true),
                ResourceAt::Outcome(i) => (outcomes.get_mut(i).and_then(Option::take), false),
                _ => (None, false),
            };
            entry.resource = resource;
            (entry, counted)
        })
}

/// Fails unless `bundle` is of type `expected` (`searchset`, `history`).
fn check_type(
    bundle: &Bundle,
    expected: &str,
    url: Option<&Url>,
    client: &Client,
) -> Result<(), Failure> {
    let found = bundle.r#type.value.as_ref().map(|t| t.as_str());
    if found == Some(expected) {
        return Ok(());
    }
    Err(Failure::answer(
        "GET",
        url.unwrap_or(client.base_url()),
        format!(
            "the server answered a Bundle of type {}, not `{expected}`",
            found.map_or("(none)".into(), |t| format!("`{t}`"))
        ),
    ))
}

/// Where the resources of the pages go, in each format.
enum Sink<'o> {
    /// One line per resource, written at once.
    Ndjson(&'o mut dyn Write),
    /// A Bundle written entry by entry; `open` once the first entry has been written.
    Json { out: &'o mut dyn Write, open: bool },
    /// A Bundle in XML, written entry by entry.
    Xml {
        out: &'o mut dyn Write,
        writer: fhir_model::xml::Writer,
    },
    /// The rows of a table: only the summaries are kept, never the resources.
    Table {
        out: &'o mut dyn Write,
        table: Table,
    },
}

impl<'o> Sink<'o> {
    fn new(format: Format, first: &Bundle, out: &'o mut dyn Write) -> Result<Sink<'o>, Failure> {
        Ok(match format {
            Format::Ndjson => Sink::Ndjson(out),
            Format::Table => Sink::Table {
                out,
                table: Table::new(&summary::HEADERS).wrap(3, 80),
            },
            Format::Json => {
                write!(out, "{}", json_head(first))?;
                Sink::Json { out, open: false }
            }
            Format::Xml => {
                let mut writer = xml_head(first);
                out.write_all(writer.drain().as_bytes())?;
                Sink::Xml { out, writer }
            }
        })
    }

    /// One entry: in JSON the whole entry as the server sent it (`fullUrl`, `resource`,
    /// `search`, `request`, `response`); otherwise its resource when it `counts` (a match or
    /// included one), and in a table a line for an entry without one (a history's deletion).
    fn entry(&mut self, entry: BundleEntry, counts: bool) -> Result<(), Failure> {
        match self {
            Sink::Ndjson(out) => {
                if let Some(resource) = entry.resource.as_ref().filter(|_| counts) {
                    writeln!(out, "{}", resource.to_json_string())?;
                }
            }
            Sink::Table { table, .. } => match &entry.resource {
                Some(resource) if counts => table.row(summary::row(&resource.to_json_string())),
                Some(_) => {}
                None => {
                    let request = entry.request.as_ref();
                    let url = request.and_then(|r| r.url.as_str()).unwrap_or("?");
                    let method = request
                        .and_then(|r| r.method.value.as_ref())
                        .map_or("?", |m| m.as_str());
                    table.row(vec![
                        format!("{method} {url}"),
                        String::new(),
                        String::new(),
                        "(no resource: deleted)".into(),
                    ]);
                }
            },
            Sink::Xml { out, writer } => {
                fhir_model::codec::xml::write_element(writer, "entry", &entry);
                drop(entry);
                out.write_all(writer.drain().as_bytes())?;
            }
            Sink::Json { out, open } => {
                if *open {
                    out.write_all(b",\n")?;
                } else {
                    out.write_all(b",\n  \"entry\": [\n")?;
                    *open = true;
                }
                let pretty = entry.to_json_pretty();
                drop(entry);
                for (i, line) in pretty.lines().enumerate() {
                    if i > 0 {
                        out.write_all(b"\n")?;
                    }
                    out.write_all(b"    ")?;
                    out.write_all(line.as_bytes())?;
                }
            }
        }
        Ok(())
    }

    fn finish(
        self,
        total: Option<u32>,
        seen: usize,
        pages: usize,
        more: Option<&str>,
    ) -> Result<(), Failure> {
        match self {
            Sink::Ndjson(out) => out.flush()?,
            Sink::Xml { out, mut writer } => {
                writer.end("Bundle");
                out.write_all(writer.into_string().as_bytes())?;
                out.write_all(b"\n")?;
            }
            Sink::Json { out, open } => {
                if open {
                    out.write_all(b"\n  ]")?;
                }
                out.write_all(b"\n}\n")?;
            }
            Sink::Table { out, table } => {
                write!(out, "{}", table.render())?;
                let of_total = total.map(|t| format!(" of {t}")).unwrap_or_default();
                let more = more.map(|m| format!("; {m}")).unwrap_or_default();
                let page_word = if pages == 1 { "page" } else { "pages" };
                let resource_word = if seen == 1 { "resource" } else { "resources" };
                writeln!(
                    out,
                    "{seen} {resource_word}{of_total}, {pages} {page_word}{more}"
                )?;
            }
        }
        Ok(())
    }
}

/// The start of the printed Bundle in XML: as [`json_head`], the entries to follow.
fn xml_head(first: &Bundle) -> fhir_model::xml::Writer {
    use fhir_model::codec::xml::XmlComplex;
    // Field by field, not a clone: the page's entries are not copied. Its links point at single
    // pages, and the signature of one page does not sign the whole list.
    let mut head = Bundle::new(first.r#type.clone());
    head.id = first.id.clone();
    head.meta = first.meta.clone();
    head.implicit_rules = first.implicit_rules.clone();
    head.language = first.language.clone();
    head.identifier = first.identifier.clone();
    head.timestamp = first.timestamp.clone();
    head.total = first.total.clone();
    let mut writer = fhir_model::xml::Writer::new(true);
    writer.start("Bundle");
    head.write_xml_children(&mut writer);
    writer
}

/// The start of the printed Bundle: the first page's Bundle as the server sent it (its type,
/// its `total`), less its links, which point at single pages, and without the closing brace.
fn json_head(first: &Bundle) -> String {
    let mut head = match JsonValue::parse(&first.to_json_string()) {
        Ok(JsonValue::Object(members)) => members,
        _ => Vec::new(),
    };
    head.retain(|(key, _)| key != "link" && key != "entry");
    let pretty = JsonValue::Object(head).to_json_pretty();
    let body = pretty.trim_end().strip_suffix('}').unwrap_or(&pretty);
    body.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_model::ParseOptions;

    #[test]
    fn the_head_keeps_the_servers_total_and_drops_links() {
        let bundle = Bundle::from_json_str(
            r#"{"resourceType":"Bundle","type":"searchset","total":42,"link":[{"relation":"next","url":"x"}]}"#,
            ParseOptions::lenient(),
        )
        .unwrap();
        let text = format!("{}\n}}", json_head(&bundle));
        let value = JsonValue::parse(&text).unwrap();
        assert_eq!(value.get("total"), Some(&JsonValue::Number("42".into())));
        assert!(value.get("link").is_none());
    }

    #[test]
    fn a_history_is_not_a_searchset() {
        let bundle = Bundle::from_json_str(
            r#"{"resourceType":"Bundle","type":"searchset"}"#,
            ParseOptions::lenient(),
        )
        .unwrap();
        let client = Client::new("https://h.test/fhir").unwrap();
        let url = Url::parse("https://h.test/fhir/Patient/_history").unwrap();
        let failure = check_type(&bundle, "history", Some(&url), &client).unwrap_err();
        assert_eq!(failure.exit_code(), crate::failure::EXIT_REFUSED);
        assert_eq!(
            failure.render(),
            "error: GET https://h.test/fhir/Patient/_history: the server answered a Bundle of \
             type `searchset`, not `history`\n"
        );
    }
}
