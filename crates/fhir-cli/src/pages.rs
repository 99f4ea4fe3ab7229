//! Lists of resources (searches, histories): pages printed as they arrive and dropped once
//! printed, so that memory holds one page at a time, whatever the number of pages.

use std::io::Write;

use fhir_client::reqwest::Url;
use fhir_client::{Client, Page, ResourceAt};
use fhir_model::FhirJson;
use futures_util::StreamExt;

use crate::cli::{Format, Paging};
use crate::failure::Failure;
use crate::progress::Progress;
use crate::summary;
use crate::table::Table;
use crate::version::{self, CliVersion};

/// How many pages in a row may come without a single entry before paging is given up: a server
/// that keeps linking to empty pages would otherwise be followed forever.
pub const MAX_EMPTY_PAGES: usize = 10;

/// The first page, and with `--all` the pages after it, checked to be Bundles of type
/// `bundle_type` and printed in `format`. `--limit` and `--max-pages` bound the run.
pub async fn print<V: CliVersion>(
    client: &Client<V>,
    first: Page<V::Resource, V>,
    paging: &Paging,
    format: Format,
    bundle_type: &str,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    check_type(&first.bundle, bundle_type, first.url.as_ref(), client)?;
    let limit = paging.limit.unwrap_or(usize::MAX);
    let max_pages = paging.max_pages.map_or(usize::MAX, |n| n as usize);
    let total = first.total;
    let mut sink = Sink::<V>::new(format, &first.bundle, out)?;
    let mut progress = Progress::for_stderr();
    let mut stream = client.pages(first);
    let (mut pages, mut seen, mut empty_run, mut unread) = (0, 0, 0, 0);
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
        let url = page.url.clone();
        for (entry, counted) in in_order(page) {
            if let Some(found) = V::unread_resource(&entry) {
                unread += 1;
                if unread <= 10 {
                    let url = url.as_ref().unwrap_or(client.base_url());
                    eprintln!(
                        "warning: GET {}: an entry holds {}, which the FHIR {} models do not read",
                        crate::failure::shown_url(url.as_str()),
                        found.map_or("a resource".into(), |t| format!("a resource of type {t}")),
                        V::NAME
                    );
                }
            }
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
    sink.finish(total, seen, pages, more)?;
    if unread > 0 {
        return Err(unread_failure(client, unread).await);
    }
    Ok(())
}

/// The failure of a list that held resources the run's models do not read: the server speaks
/// another FHIR version, most likely, which its CapabilityStatement says.
async fn unread_failure<V: CliVersion>(client: &Client<V>, unread: usize) -> Failure {
    let noun = if unread == 1 {
        "entry holds a resource"
    } else {
        "entries hold resources"
    };
    let mut message = format!(
        "{unread} {noun} that the FHIR {} models do not read (only --format json prints them, as sent)",
        V::NAME
    );
    if let Some(note) = version::server_mismatch(client).await {
        message.push_str(&format!("\nhint: {note}"));
    }
    Failure::Answer {
        method: "GET",
        url: crate::failure::shown_url(client.base_url().as_str()),
        message,
    }
}

/// A page's entries in the server's order, each with its resource back in place, and whether
/// it counts as a resource printed (a match or an included resource; not an OperationOutcome
/// about the search, nor a history's deletion).
fn in_order<V: CliVersion>(
    page: Page<V::Resource, V>,
) -> impl Iterator<Item = (V::BundleEntry, bool)> {
    let Page {
        matches,
        included,
        outcomes,
        entries,
        resource_at,
        ..
    } = page;
    let mut matches: Vec<Option<V::Resource>> = matches.into_iter().map(Some).collect();
    let mut included: Vec<Option<V::Resource>> = included.into_iter().map(Some).collect();
    let mut outcomes: Vec<Option<V::Resource>> = outcomes
        .into_iter()
        .map(|o| Some(V::outcome_resource(o)))
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
            // An entry whose resource was not read keeps it as lenient reading left it.
            if resource.is_some() {
                V::set_entry_resource(&mut entry, resource);
            }
            (entry, counted)
        })
}

/// Fails unless `bundle` is of type `expected` (`searchset`, `history`).
fn check_type<V: CliVersion>(
    bundle: &V::Bundle,
    expected: &str,
    url: Option<&Url>,
    client: &Client<V>,
) -> Result<(), Failure> {
    let found = V::bundle_type(bundle);
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
enum Sink<'o, V: CliVersion> {
    /// One line per resource, written at once.
    Ndjson(&'o mut dyn Write, std::marker::PhantomData<V>),
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

impl<'o, V: CliVersion> Sink<'o, V> {
    fn new(
        format: Format,
        first: &V::Bundle,
        out: &'o mut dyn Write,
    ) -> Result<Sink<'o, V>, Failure> {
        Ok(match format {
            Format::Ndjson => Sink::Ndjson(out, std::marker::PhantomData),
            Format::Table => Sink::Table {
                out,
                table: Table::new(&summary::HEADERS).wrap(3, 80),
            },
            Format::Json => {
                write!(out, "{}", json_head::<V>(first))?;
                Sink::Json { out, open: false }
            }
            Format::Xml => {
                let mut writer = fhir_model::xml::Writer::new(true);
                V::write_xml_head(&mut writer, &V::page_head(first));
                out.write_all(writer.drain().as_bytes())?;
                Sink::Xml { out, writer }
            }
        })
    }

    /// One entry: in JSON the whole entry as the server sent it (`fullUrl`, `resource`,
    /// `search`, `request`, `response`); otherwise its resource when it `counts` (a match or
    /// included one), and in a table a line for an entry without one (a history's deletion).
    fn entry(&mut self, entry: V::BundleEntry, counts: bool) -> Result<(), Failure> {
        match self {
            Sink::Ndjson(out, _) => {
                if let Some(resource) = V::entry_resource(&entry).filter(|_| counts) {
                    writeln!(out, "{}", resource.to_json_string())?;
                }
            }
            Sink::Table { table, .. } => match V::entry_resource(&entry) {
                Some(resource) if counts => table.row(summary::row::<V>(resource)),
                Some(_) => {}
                // Not a deletion: a resource the models do not read (warned about).
                None if V::unread_resource(&entry).is_some() => {}
                None => {
                    let (method, url) = V::entry_request(&entry);
                    let (method, url) = (method.unwrap_or("?"), url.unwrap_or("?"));
                    table.row(vec![
                        format!("{method} {url}"),
                        String::new(),
                        String::new(),
                        "(no resource: deleted)".into(),
                    ]);
                }
            },
            Sink::Xml { out, writer } => {
                V::write_xml_entry(writer, &entry);
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
            Sink::Ndjson(out, _) => out.flush()?,
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

/// The start of the printed Bundle: the first page's Bundle as the server sent it (its type,
/// its `total`), less what [`CliVersion::page_head`] leaves out, without the closing brace.
fn json_head<V: CliVersion>(first: &V::Bundle) -> String {
    let pretty = V::page_head(first).to_json_pretty();
    let body = pretty.trim_end().strip_suffix('}').unwrap_or(&pretty);
    body.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_client::R4;
    use fhir_model::ParseOptions;
    use fhir_model::json::JsonValue;
    use fhir_model::r4::Bundle;

    #[test]
    fn the_head_keeps_the_servers_total_and_drops_links() {
        let bundle = Bundle::from_json_str(
            r#"{"resourceType":"Bundle","type":"searchset","total":42,"link":[{"relation":"next","url":"x"}]}"#,
            ParseOptions::lenient(),
        )
        .unwrap();
        let text = format!("{}\n}}", json_head::<R4>(&bundle));
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
        let failure = check_type::<R4>(&bundle, "history", Some(&url), &client).unwrap_err();
        assert_eq!(failure.exit_code(), crate::failure::EXIT_REFUSED);
        assert_eq!(
            failure.render(),
            "error: GET https://h.test/fhir/Patient/_history: the server answered a Bundle of \
             type `searchset`, not `history`\n"
        );
    }
}
