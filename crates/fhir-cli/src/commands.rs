//! What each command does: one request (or a series of pages) through the client, then the
//! result printed in the chosen format. Written once for every FHIR version: `V` is the
//! version `--fhir` chose.

use std::io::Write;

use fhir_client::{Client, ErrorKind, HistoryParams, SearchParams};
use fhir_model::{FhirJson, FhirXml};

use crate::cli::{Command, Format};
use crate::failure::{Failure, outcome_issues};
use crate::input::Body;
use crate::table::Table;
use crate::target::{Target, check_type};
use crate::version::{self, CliVersion};
use crate::{convert, input, metadata, pages, summary};

/// The client's XML format, for files given as XML.
const XML: fhir_client::Format = fhir_client::Format::Xml;

/// Runs one command against `client`, printing to `out`. An answer the run's models could not
/// read is checked against the server's declared FHIR version, which the error then names.
pub async fn run<V: CliVersion>(
    client: &Client<V>,
    command: Command,
    format: Option<Format>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    match run_command(client, command, format, out).await {
        Err(Failure::Client(mut failure)) if failure.kind == ErrorKind::Decoding => {
            if let Some(note) = version::server_mismatch(client).await {
                failure.hint(&note);
            }
            Err(Failure::Client(failure))
        }
        other => other,
    }
}

async fn run_command<V: CliVersion>(
    client: &Client<V>,
    command: Command,
    format: Option<Format>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    match command {
        Command::Login { .. } | Command::Logout | Command::Auth { .. } => {
            return Err(Failure::Usage(
                "login, logout and auth run without a client".into(),
            ));
        }
        Command::Metadata { json } => {
            let cs = client.capabilities().await?;
            let capabilities = V::capabilities(&cs);
            // The statement is read all the same (leniently): what it says is still worth
            // printing, but the reader must know which models typed it.
            if let Some(note) = capabilities.fhir_version.and_then(version::mismatch::<V>) {
                eprintln!("warning: {note}");
            }
            match (json, format) {
                (_, Some(Format::Xml)) => writeln!(out, "{}", cs.to_xml_pretty())?,
                (true, _) | (false, Some(Format::Json)) => {
                    writeln!(out, "{}", cs.to_json_pretty())?
                }
                (false, Some(Format::Ndjson)) => writeln!(out, "{}", cs.to_json_string())?,
                (false, _) => write!(out, "{}", metadata::summary(&capabilities))?,
            }
        }
        Command::Read { reference } => {
            let (resource_type, id) = Target::instance::<V>(&reference)?;
            let read = client.read_any(&resource_type, &id).await?;
            print_one::<V>(out, &read.resource, format)?;
        }
        Command::Vread {
            reference,
            version_id,
        } => {
            let target = Target::parse::<V>(&reference)?;
            let (Some(id), Some(version)) = (target.id, target.version.or(version_id)) else {
                return Err(Failure::Usage(format!(
                    "`{reference}`: give Type/id/_history/version (or Type/id with --version-id)"
                )));
            };
            let read = client
                .vread_any(&target.resource_type, &id, &version)
                .await?;
            print_one::<V>(out, &read.resource, format)?;
        }
        Command::History {
            target,
            paging,
            since,
        } => {
            let mut params = HistoryParams::new();
            if let Some(count) = paging.count {
                params = params.count(count);
            }
            if let Some(since) = &since {
                params = params.since(since);
            }
            let first = match target.as_deref().map(Target::parse::<V>).transpose()? {
                None => client.history_system(params).await?,
                Some(t) => {
                    if t.version.is_some() {
                        return Err(Failure::Usage(
                            "history takes Type/id, Type or nothing".into(),
                        ));
                    }
                    client
                        .history_any(&t.resource_type, t.id.as_deref(), params)
                        .await?
                }
            };
            pages::print(
                client,
                first,
                &paging,
                format.unwrap_or(Format::Table),
                "history",
                out,
            )
            .await?;
        }
        Command::Search {
            resource_type,
            params,
            paging,
            ndjson,
        } => {
            check_type::<V>(&resource_type)?;
            let mut search = SearchParams::new();
            for pair in &params {
                let Some((name, value)) = pair.split_once('=').filter(|(n, _)| !n.is_empty())
                else {
                    return Err(Failure::Usage(format!(
                        "search parameter `{pair}` is not name=value"
                    )));
                };
                search = search.raw(name, value);
            }
            if let Some(count) = paging.count {
                search = search.count(count);
            }
            let format = if ndjson {
                Format::Ndjson
            } else {
                format.unwrap_or(Format::Table)
            };
            let first = client.search_type(&resource_type, search).await?;
            pages::print(client, first, &paging, format, "searchset", out).await?;
        }
        Command::Create { file, lenient } => {
            let checked = input::resource::<V>(&file, lenient)?;
            let outcome = match checked.body {
                Body::Json(text) => {
                    client
                        .create_json(&checked.resource_type, text.into_bytes())
                        .await?
                }
                Body::Xml(resource) => client.with_format(XML).create(&*resource).await?,
            };
            let label = written_label(
                &checked.resource_type,
                outcome.id.as_deref(),
                outcome.version.as_deref(),
            );
            print_written::<V>(out, "created", &label, outcome.resource.as_ref(), format)?;
        }
        Command::Update {
            file,
            if_match,
            lenient,
        } => {
            let checked = input::resource::<V>(&file, lenient)?;
            let Some(id) = checked.id else {
                return Err(Failure::Usage(format!(
                    "{}: an update needs the resource's id",
                    file.display()
                )));
            };
            let outcome = match checked.body {
                Body::Json(text) => {
                    let mut update = client.update_json(&checked.resource_type, text.into_bytes());
                    if let Some(etag) = &if_match {
                        update = update.if_match(etag);
                    }
                    update.await?
                }
                Body::Xml(resource) => {
                    let xml_client = client.with_format(XML);
                    let mut update = xml_client.update(&*resource);
                    if let Some(etag) = &if_match {
                        update = update.if_match(etag);
                    }
                    update.await?
                }
            };
            let verb = if outcome.created {
                "created"
            } else {
                "updated"
            };
            let label = written_label(
                &checked.resource_type,
                outcome.id.as_deref().or(Some(&id)),
                outcome.version.as_deref(),
            );
            print_written::<V>(out, verb, &label, outcome.resource.as_ref(), format)?;
        }
        // Run before any client is made (see main); kept here so that the match stays complete.
        Command::Convert(args) => convert::run::<V>(&args, out)?,
        Command::Delete { reference } => {
            let (resource_type, id) = Target::instance::<V>(&reference)?;
            let outcome = client.delete_any(&resource_type, &id).await?;
            if outcome.already_absent() {
                writeln!(
                    out,
                    "{resource_type}/{id} was not there (HTTP {})",
                    outcome.status
                )?;
            } else {
                writeln!(out, "deleted {resource_type}/{id}")?;
            }
            if let Some(oo) = &outcome.operation_outcome {
                for issue in outcome_issues::<V>(oo) {
                    writeln!(out, "  {issue}")?;
                }
            }
        }
        Command::Export(args) => crate::export::run(client, *args, out).await?,
        Command::Transaction { file, lenient } => {
            let checked = input::transaction_bundle::<V>(&file, lenient)?;
            let response = match checked.body {
                Body::Json(text) => client.transaction_json(text.into_bytes()).await?,
                Body::Xml(resource) => {
                    let bundle = V::into_bundle(*resource)
                        .map_err(|_| Failure::Usage(format!("{}: not a Bundle", file.display())))?;
                    client.with_format(XML).transaction(bundle).await?
                }
            };
            let found = V::bundle_type(&response.bundle);
            if found != Some("transaction-response") {
                return Err(Failure::answer(
                    "POST",
                    client.base_url(),
                    format!(
                        "the server answered a Bundle of type {}, not `transaction-response`",
                        found.map_or("(none)".into(), |t| format!("`{t}`"))
                    ),
                ));
            }
            match format {
                Some(Format::Json) => {
                    writeln!(out, "{}", V::response_bundle(response).to_json_pretty())?
                }
                Some(Format::Ndjson) => {
                    writeln!(out, "{}", V::response_bundle(response).to_json_string())?
                }
                Some(Format::Xml) => {
                    writeln!(out, "{}", V::response_bundle(response).to_xml_pretty())?
                }
                _ => {
                    let mut table =
                        Table::new(&["entry", "status", "location", "outcome"]).wrap(3, 60);
                    for (i, entry) in response.entries.iter().enumerate() {
                        let outcome = entry
                            .outcome
                            .as_ref()
                            .map(|o| outcome_issues::<V>(o).join("\n"))
                            .unwrap_or_default();
                        table.row(vec![
                            i.to_string(),
                            entry.status_line.clone(),
                            entry.location.clone().unwrap_or_default(),
                            outcome,
                        ]);
                    }
                    write!(out, "{}", table.render())?;
                }
            }
        }
    }
    Ok(())
}

/// `Patient/123 (version 2)` from what the server said (or the file's id, for an update).
fn written_label(resource_type: &str, id: Option<&str>, version: Option<&str>) -> String {
    let id = id.unwrap_or("?");
    match version {
        Some(v) => format!("{resource_type}/{id} (version {v})"),
        None => format!("{resource_type}/{id}"),
    }
}

/// After a create or update: the resource the server sent back as JSON when asked for JSON,
/// otherwise a line saying what happened.
fn print_written<V: CliVersion>(
    out: &mut dyn Write,
    verb: &str,
    label: &str,
    returned: Option<&V::Resource>,
    format: Option<Format>,
) -> Result<(), Failure> {
    match (format, returned) {
        (Some(Format::Json), Some(r)) => writeln!(out, "{}", r.to_json_pretty())?,
        (Some(Format::Ndjson), Some(r)) => writeln!(out, "{}", r.to_json_string())?,
        (Some(Format::Xml), Some(r)) => writeln!(out, "{}", r.to_xml_pretty())?,
        _ => writeln!(out, "{verb} {label}")?,
    }
    Ok(())
}

/// One resource: pretty JSON by default.
fn print_one<V: CliVersion>(
    out: &mut dyn Write,
    resource: &V::Resource,
    format: Option<Format>,
) -> Result<(), Failure> {
    match format.unwrap_or(Format::Json) {
        Format::Json => writeln!(out, "{}", resource.to_json_pretty())?,
        Format::Ndjson => writeln!(out, "{}", resource.to_json_string())?,
        Format::Xml => writeln!(out, "{}", resource.to_xml_pretty())?,
        Format::Table => {
            let mut table = Table::new(&summary::HEADERS).wrap(3, 80);
            table.row(summary::row::<V>(resource));
            write!(out, "{}", table.render())?;
        }
    }
    Ok(())
}
