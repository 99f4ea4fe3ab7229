//! Lists of resources (searches, histories): pages printed as they arrive and dropped once
//! printed, so that memory holds one page at a time, whatever the number of pages.

use std::io::Write;

use fhir_client::{Client, Page};
use fhir_model::FhirJson;
use fhir_model::json::JsonValue;
use fhir_model::r4::{Bundle, Resource};
use futures_util::StreamExt;

use crate::cli::{Format, Paging};
use crate::failure::Failure;
use crate::progress::Progress;
use crate::refused::refused;
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
    check_type(&first.bundle, bundle_type)?;
    let limit = paging.limit.unwrap_or(usize::MAX);
    let max_pages = paging.max_pages.map_or(usize::MAX, |n| n as usize);
    let total = first.total;
    let mut sink = Sink::new(format, &first.bundle, out)?;
    let mut progress = Progress::for_stderr();
    let mut stream = client.pages(first);
    let (mut pages, mut seen, mut empty_run) = (0, 0, 0);
    let mut next: Option<String> = None;
    while let Some(page) = stream.next().await {
        let page = page?;
        if pages > 0 {
            check_type(&page.bundle, bundle_type)?;
        }
        pages += 1;
        next = page.next.as_ref().map(|u| u.to_string());
        let entries = page.matches.len() + page.included.len() + page.other_entries.len();
        empty_run = if entries == 0 { empty_run + 1 } else { 0 };
        for resource in page.matches.into_iter().chain(page.included) {
            if seen == limit {
                break;
            }
            seen += 1;
            sink.resource(&resource)?;
        }
        for entry in &page.other_entries {
            let request = entry.request.as_ref();
            let url = request.and_then(|r| r.url.as_str()).unwrap_or("?");
            let method = request
                .and_then(|r| r.method.value)
                .map_or("?", |m| m.as_str());
            sink.absent(&format!("{method} {url}"));
        }
        progress.update(pages, seen, total);
        if !paging.all || seen >= limit || next.is_none() {
            break;
        }
        if pages >= max_pages {
            progress.finish();
            sink.finish(total, seen, pages, Some("stopped at --max-pages"))?;
            return Err(refused(format!(
                "stopped after {pages} pages (--max-pages); more at {}",
                next.as_deref().unwrap_or("?")
            )));
        }
        if empty_run >= MAX_EMPTY_PAGES {
            progress.finish();
            sink.finish(total, seen, pages, Some("stopped"))?;
            return Err(refused(format!(
                "{empty_run} empty pages in a row: the server's paging does not advance; \
                 stopped before {}",
                next.as_deref().unwrap_or("?")
            )));
        }
    }
    progress.finish();
    if paging.all && seen < limit {
        if let Some(url) = next {
            // The stream ended on a page that still links onward: the link repeats one seen.
            sink.finish(total, seen, pages, Some("stopped"))?;
            return Err(refused(format!(
                "paging loops: the next link {url} leads back to a page already fetched"
            )));
        }
    }
    let more = match (next.is_some(), paging.all) {
        (true, false) => Some("more with --all"),
        (true, true) => Some("stopped at --limit"),
        _ => None,
    };
    sink.finish(total, seen, pages, more)
}

/// Fails unless `bundle` is of type `expected` (`searchset`, `history`).
fn check_type(bundle: &Bundle, expected: &str) -> Result<(), Failure> {
    let found = bundle.r#type.value.map(|t| t.as_str());
    if found == Some(expected) {
        return Ok(());
    }
    Err(refused(format!(
        "the server answered a Bundle of type {}, not `{expected}`",
        found.map_or("(none)".into(), |t| format!("`{t}`"))
    )))
}

/// Where the resources of the pages go, in each format.
enum Sink<'o> {
    /// One line per resource, written at once.
    Ndjson(&'o mut dyn Write),
    /// A Bundle written entry by entry; `open` once the first entry has been written.
    Json { out: &'o mut dyn Write, open: bool },
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
        })
    }

    fn resource(&mut self, resource: &Resource) -> Result<(), Failure> {
        match self {
            Sink::Ndjson(out) => writeln!(out, "{}", resource.to_json_string())?,
            Sink::Table { table, .. } => table.row(summary::row(&resource.to_json_string())),
            Sink::Json { out, open } => {
                if *open {
                    out.write_all(b",\n")?;
                } else {
                    out.write_all(b",\n  \"entry\": [\n")?;
                    *open = true;
                }
                let pretty = resource.to_json_pretty();
                out.write_all(b"    {\n      \"resource\": ")?;
                for (i, line) in pretty.lines().enumerate() {
                    if i > 0 {
                        out.write_all(b"\n      ")?;
                    }
                    out.write_all(line.as_bytes())?;
                }
                out.write_all(b"\n    }")?;
            }
        }
        Ok(())
    }

    /// An entry without a resource (a deletion in a history).
    fn absent(&mut self, request: &str) {
        if let Sink::Table { table, .. } = self {
            table.row(vec![
                request.to_owned(),
                String::new(),
                String::new(),
                "(no resource: deleted)".into(),
            ]);
        }
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
        let failure = check_type(&bundle, "history").unwrap_err();
        assert_eq!(
            crate::refused::message(&failure).unwrap(),
            "the server answered a Bundle of type `searchset`, not `history`"
        );
    }
}
