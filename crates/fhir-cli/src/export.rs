//! `fhir export`: a Bulk Data `$export` into a directory of NDJSON files (`Type.n.ndjson`),
//! each line checked against the model of the run's FHIR version, with a resumable state in the
//! directory.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use fhir_client::Client;
use fhir_client::export::{Export, ExportJob, Manifest, ManifestFile};
use fhir_model::{AnyResource, FhirJson, ParseOptions};
use futures_util::StreamExt;

use crate::export_progress::{Counts, ExportProgress};
use crate::export_state::{DoneFile, STATE_FILE, State};
use crate::failure::{Failure, shown_url};
use crate::table::Table;
use crate::version::CliVersion;

/// The options of `fhir export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Export the members of this Group (`Group/ID/$export`).
    #[arg(long, value_name = "ID", conflicts_with = "patient")]
    pub group: Option<String>,
    /// Export every patient's data (`Patient/$export`); the whole server otherwise.
    #[arg(long)]
    pub patient: bool,
    /// Only these resource types (`_type`), comma-separated.
    #[arg(long = "type", value_name = "TYPES", value_delimiter = ',')]
    pub types: Vec<String>,
    /// Only resources changed since this instant (`_since`).
    #[arg(long, value_name = "INSTANT")]
    pub since: Option<String>,
    /// Only resources changed up to this instant (`_until`).
    #[arg(long, value_name = "INSTANT")]
    pub until: Option<String>,
    /// A search a type's resources must match (`_typeFilter`), e.g. `Observation?status=final`;
    /// may be repeated.
    #[arg(long = "type-filter", value_name = "QUERY")]
    pub type_filter: Vec<String>,
    /// Only these elements (`_elements`), comma-separated.
    #[arg(long, value_name = "ELEMENTS", value_delimiter = ',')]
    pub elements: Vec<String>,
    /// Kick off with POST and a Parameters body rather than GET.
    #[arg(long)]
    pub post: bool,
    /// The directory to write into (created when missing; must not hold another export).
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "resume",
        conflicts_with = "resume"
    )]
    pub out: Option<PathBuf>,
    /// Continue the export whose state is in DIR: poll, or download the files still missing.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Cancel the export in DIR (`--resume DIR --cancel`) on the server.
    #[arg(long, requires = "resume")]
    pub cancel: bool,
    /// Write `Type.n.ndjson.gz` files, gzip-compressed.
    #[arg(long)]
    pub gzip: bool,
    /// Accept lines the model reads only leniently (unknown elements, malformed values).
    #[arg(long)]
    pub lenient: bool,
    /// Do not read the lines as resources: write the bytes as they come.
    #[arg(long = "no-check", conflicts_with = "lenient")]
    pub no_check: bool,
    /// Files downloaded at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// The shortest wait between status requests, in seconds (the server's `Retry-After` wins).
    #[arg(long = "poll-interval", value_name = "SECONDS", default_value_t = 1.0)]
    pub poll_interval: f64,
    /// The longest wait between status requests, in seconds, even when the server's
    /// `Retry-After` asks for more (honoured in full by default).
    #[arg(long = "max-poll-interval", value_name = "SECONDS")]
    pub max_poll_interval: Option<f64>,
}

/// How lines are checked.
#[derive(Debug, Clone, Copy)]
enum Check {
    Strict,
    Lenient,
    None,
}

/// What happened to one file.
struct FileResult {
    file: ManifestFile,
    kind: &'static str,
    outcome: Result<DoneFile, String>,
}

/// Runs `fhir export`.
pub async fn run<V: CliVersion>(
    client: &Client<V>,
    args: ExportArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let mut progress = ExportProgress::for_stderr();
    let (dir, mut state) = match &args.resume {
        Some(dir) => {
            let state = State::load(dir)?;
            let base = client.base_url().as_str().trim_end_matches('/');
            if state.base.trim_end_matches('/') != base {
                return Err(Failure::Usage(format!(
                    "the export in {} was started against {}; give --base {}",
                    dir.display(),
                    shown_url(&state.base),
                    shown_url(&state.base)
                )));
            }
            (dir.clone(), state)
        }
        None => {
            let dir = args
                .out
                .clone()
                .expect("clap requires --out without --resume");
            if State::path(&dir).exists() {
                return Err(Failure::Usage(format!(
                    "{} holds an export already: `fhir export --resume {}` continues it",
                    dir.display(),
                    dir.display()
                )));
            }
            std::fs::create_dir_all(&dir)
                .map_err(|e| Failure::Usage(format!("cannot create {}: {e}", dir.display())))?;
            let job = kickoff(client, &args).await?;
            let state = State {
                base: client.base_url().to_string(),
                status_url: job.status_url().to_string(),
                gzip: args.gzip,
                manifest: None,
                done: Vec::new(),
            };
            state.save(&dir)?;
            (dir, state)
        }
    };
    let status_url = state
        .status_url
        .parse()
        .map_err(|e| Failure::Usage(format!("{STATE_FILE}: the status URL: {e}")))?;
    let mut job = ExportJob::resume(client, status_url).poll_interval(
        Duration::from_secs_f64(args.poll_interval.clamp(0.01, 3600.0)),
        Duration::from_secs(60),
    );
    if let Some(cap) = args.max_poll_interval {
        job = job.cap_retry_after(Duration::from_secs_f64(cap.clamp(0.01, 86400.0)));
    }
    if args.cancel {
        job.cancel().await?;
        writeln!(
            out,
            "cancelled the export at {}",
            shown_url(&state.status_url)
        )?;
        return Ok(());
    }
    let manifest = match state.manifest()? {
        // Saved without its status URL: the origin it came from is the status URL's.
        Some(m) => m.with_status_url(job.status_url().clone()),
        None => {
            let manifest = job
                .wait_with(|p| progress.polling(p.progress.as_deref(), p.polls))
                .await?;
            state.manifest = Some(manifest.json.clone());
            state.save(&dir)?;
            manifest
        }
    };
    progress.finish();

    let check = match (args.no_check, args.lenient) {
        (true, _) => Check::None,
        (false, true) => Check::Lenient,
        (false, false) => Check::Strict,
    };
    let results = download_all(client, &manifest, &dir, &mut state, check, &args, progress).await?;
    report(&manifest, &results, &dir, out)
}

async fn kickoff<V: CliVersion>(
    client: &Client<V>,
    args: &ExportArgs,
) -> Result<ExportJob<V>, Failure> {
    let mut k = client.export();
    if let Some(group) = &args.group {
        k = k.group(group);
    } else if args.patient {
        k = k.patients();
    }
    k = k.types(&args.types).elements(&args.elements);
    if let Some(s) = &args.since {
        k = k.since(s);
    }
    if let Some(u) = &args.until {
        k = k.until(u);
    }
    for f in &args.type_filter {
        k = k.type_filter(f);
    }
    if args.post {
        k = k.post();
    }
    Ok(k.await?)
}

/// The name of each file in the directory: `Type.n.ndjson` for output, `error.Type.n.ndjson`
/// and `deleted.Type.n.ndjson` for the others, numbered per type in manifest order.
fn file_names(manifest: &Manifest, gzip: bool) -> Vec<(ManifestFile, &'static str, String)> {
    let ext = if gzip { "ndjson.gz" } else { "ndjson" };
    let mut counters: BTreeMap<(String, &str), usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (kind, files) in [
        ("output", &manifest.output),
        ("error", &manifest.error),
        ("deleted", &manifest.deleted),
    ] {
        for f in files {
            let n = counters.entry((f.resource_type.clone(), kind)).or_default();
            *n += 1;
            let prefix = if kind == "output" {
                String::new()
            } else {
                format!("{kind}.")
            };
            let name = format!("{prefix}{}.{n}.{ext}", f.resource_type);
            out.push((f.clone(), kind, name));
        }
    }
    out
}

async fn download_all<V: CliVersion>(
    client: &Client<V>,
    manifest: &Manifest,
    dir: &Path,
    state: &mut State,
    check: Check,
    args: &ExportArgs,
    progress: ExportProgress,
) -> Result<Vec<FileResult>, Failure> {
    let export = Export::new(client, manifest.clone());
    let files = file_names(manifest, state.gzip);
    let gzip = state.gzip;
    let progress = RefCell::new(progress);
    let counts = RefCell::new(Counts {
        files: files.len(),
        ..Counts::default()
    });
    let mut results = Vec::new();
    let mut todo = Vec::new();
    for (file, kind, name) in files {
        match state.done.iter().find(|d| d.url == file.url.as_str()) {
            Some(done) => {
                counts.borrow_mut().files_done += 1;
                counts.borrow_mut().resources += done.lines;
                results.push(FileResult {
                    file,
                    kind,
                    outcome: Ok(done.clone()),
                })
            }
            None => todo.push((file, kind, name)),
        }
    }
    let state = RefCell::new(state);
    let mut downloads = futures_util::stream::iter(todo)
        .map(|(file, kind, name)| {
            let export = &export;
            let progress = &progress;
            let counts = &counts;
            async move {
                let outcome = download_one(export, &file, dir, &name, gzip, check, |lines| {
                    let mut c = counts.borrow_mut();
                    c.resources += lines;
                    c.bytes = export.bytes_received();
                    progress.borrow_mut().downloading(*c, false);
                })
                .await;
                (file, kind, outcome)
            }
        })
        .buffer_unordered(args.concurrency as usize);
    while let Some((file, kind, outcome)) = downloads.next().await {
        {
            let mut c = counts.borrow_mut();
            c.files_done += 1;
            c.bytes = export.bytes_received();
            progress.borrow_mut().downloading(*c, true);
        }
        if let Ok(done) = &outcome {
            let mut s = state.borrow_mut();
            s.done.push(done.clone());
            s.save(dir)?;
        }
        results.push(FileResult {
            file,
            kind,
            outcome,
        });
    }
    progress.borrow_mut().finish();
    Ok(results)
}

/// The file being written, shared with the thread that checks and writes the lines.
type Output = std::sync::Arc<std::sync::Mutex<Option<Box<dyn Write + Send>>>>;

/// Downloads one file into `dir/name` (through `name.part`, renamed at the end), checking each
/// line; `tick` is told of lines written, a hundred at a time. The lines are checked and
/// written on a thread of the file's own while the download goes on.
async fn download_one<V: CliVersion>(
    export: &Export<V>,
    file: &ManifestFile,
    dir: &Path,
    name: &str,
    gzip: bool,
    check: Check,
    mut tick: impl FnMut(u64),
) -> Result<DoneFile, String> {
    let path = dir.join(name);
    let part = dir.join(format!("{name}.part"));
    let shown = shown_url(file.url.as_str());
    let created =
        File::create(&part).map_err(|e| format!("cannot create {}: {e}", part.display()))?;
    let writer: Box<dyn Write + Send> = if gzip {
        Box::new(flate2::write::GzEncoder::new(
            BufWriter::with_capacity(256 * 1024, created),
            flate2::Compression::fast(),
        ))
    } else {
        Box::new(BufWriter::with_capacity(256 * 1024, created))
    };
    let output: Output = std::sync::Arc::new(std::sync::Mutex::new(Some(writer)));
    let resource_type = file.resource_type.clone();
    let shared = output.clone();
    // Each line: what is wrong with it (if anything), once written; or why it was not written.
    let mut lines_of = export.map_lines(file, move |_, text| {
        let problem = check_line::<V>(check, &resource_type, text);
        let mut guard = shared.lock().map_err(|_| "the writer failed".to_owned())?;
        let writer = guard.as_mut().ok_or("the file is closed")?;
        writer
            .write_all(text.as_bytes())
            .and_then(|()| writer.write_all(b"\n"))
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(problem)
    });
    let (mut lines, mut invalid, mut pending) = (0u64, 0u64, 0u64);
    let result = async {
        while let Some(line) = lines_of.next().await {
            let line = line.map_err(|e| e.to_string())?;
            let problem = line
                .value
                .map_err(|e| format!("cannot write {}: {e}", part.display()))?;
            if let Some(problem) = problem {
                invalid += 1;
                if invalid <= 10 {
                    eprintln!("warning: {name} line {}: {problem}", line.line);
                }
            }
            lines += 1;
            pending += 1;
            if pending == 100 {
                tick(pending);
                pending = 0;
            }
        }
        Ok::<(), String>(())
    }
    .await;
    drop(lines_of);
    tick(pending);
    // The thread is done with the file once the stream ended; after an error it may still
    // hold the lock for a line.
    let writer = output.lock().ok().and_then(|mut w| w.take());
    let result = result.and_then(|()| {
        let mut writer = writer.ok_or("the writer failed")?;
        writer
            .flush()
            .map_err(|e| format!("cannot write {}: {e}", part.display()))
    });
    if let Err(e) = result {
        let _ = std::fs::remove_file(&part);
        return Err(format!("{shown}: {e}"));
    }
    if invalid > 10 {
        eprintln!(
            "warning: {name}: {} more lines do not match the model",
            invalid - 10
        );
    }
    std::fs::rename(&part, &path).map_err(|e| format!("cannot rename {}: {e}", part.display()))?;
    Ok(DoneFile {
        url: file.url.to_string(),
        name: name.to_owned(),
        lines,
        invalid,
    })
}

/// What is wrong with a line, if anything.
fn check_line<V: CliVersion>(check: Check, expected: &str, text: &str) -> Option<String> {
    let options = match check {
        Check::None => return None,
        Check::Strict => ParseOptions::strict(),
        Check::Lenient => ParseOptions::lenient(),
    };
    match V::Resource::from_json_str(text, options) {
        Ok(r) if r.resource_type() != expected => Some(format!(
            "a {} in a file of {expected} resources",
            r.resource_type()
        )),
        Ok(_) => None,
        Err(e) => Some(match (crate::version::type_note::<V>(&e), check) {
            (Some(note), _) => format!("{e} ({note})"),
            (None, Check::Strict) => {
                format!("{e} (--lenient accepts what the model reads leniently)")
            }
            (None, _) => e.to_string(),
        }),
    }
}

/// The table of counts, then the files that failed.
fn report(
    manifest: &Manifest,
    results: &[FileResult],
    dir: &Path,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    #[derive(Default)]
    struct Row {
        files: usize,
        resources: u64,
        expected: Option<u64>,
        invalid: u64,
        failed: usize,
    }
    let mut rows: BTreeMap<(usize, String), Row> = BTreeMap::new();
    for r in results {
        let order = match r.kind {
            "output" => 0,
            "error" => 1,
            _ => 2,
        };
        let label = match r.kind {
            "output" => r.file.resource_type.clone(),
            kind => format!("{} ({kind})", r.file.resource_type),
        };
        let row = rows.entry((order, label)).or_default();
        row.files += 1;
        if let Some(c) = r.file.count {
            *row.expected.get_or_insert(0) += c;
        }
        match &r.outcome {
            Ok(done) => {
                row.resources += done.lines;
                row.invalid += done.invalid;
            }
            Err(_) => row.failed += 1,
        }
    }
    let mut table = Table::new(&[
        "type",
        "files",
        "resources",
        "server count",
        "invalid",
        "failed",
    ]);
    for ((_, label), row) in &rows {
        table.row(vec![
            label.clone(),
            row.files.to_string(),
            row.resources.to_string(),
            row.expected.map_or("-".into(), |c| c.to_string()),
            row.invalid.to_string(),
            row.failed.to_string(),
        ]);
    }
    write!(out, "{}", table.render())?;
    writeln!(
        out,
        "{} files in {} (transaction time {})",
        results.len(),
        dir.display(),
        manifest.transaction_time
    )?;
    let failed: Vec<String> = results
        .iter()
        .filter_map(|r| r.outcome.as_ref().err().cloned())
        .collect();
    let invalid: u64 = rows.values().map(|r| r.invalid).sum();
    if !failed.is_empty() {
        let mut message = format!(
            "{} of {} files failed (`fhir export --resume {}` tries them again):",
            failed.len(),
            results.len(),
            dir.display()
        );
        for f in &failed {
            message.push_str("\n  ");
            message.push_str(f);
        }
        return Err(Failure::Export(message));
    }
    if invalid > 0 {
        return Err(Failure::Export(format!(
            "{invalid} lines do not match the model (written as they came; see the warnings)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_client::{R4, R5};

    #[test]
    fn files_are_numbered_per_type_and_kind() {
        let m = Manifest::from_json_str(
            r#"{"transactionTime":"t","output":[{"type":"Patient","url":"http://f/1"},{"type":"Observation","url":"http://f/2"},{"type":"Patient","url":"http://f/3"}],
            "error":[{"type":"OperationOutcome","url":"http://f/4"}],"deleted":[{"type":"Bundle","url":"http://f/5"}]}"#,
        )
        .unwrap();
        let names: Vec<String> = file_names(&m, false)
            .into_iter()
            .map(|(_, _, n)| n)
            .collect();
        assert_eq!(
            names,
            [
                "Patient.1.ndjson",
                "Observation.1.ndjson",
                "Patient.2.ndjson",
                "error.OperationOutcome.1.ndjson",
                "deleted.Bundle.1.ndjson"
            ]
        );
        assert!(file_names(&m, true)[0].2.ends_with(".ndjson.gz"));
    }

    #[test]
    fn lines_are_checked_against_the_model() {
        let ok = r#"{"resourceType":"Patient","id":"a"}"#;
        let unknown = r#"{"resourceType":"Patient","nickname":"x"}"#;
        assert_eq!(check_line::<R4>(Check::Strict, "Patient", ok), None);
        assert!(check_line::<R4>(Check::Strict, "Patient", unknown).is_some());
        assert_eq!(check_line::<R4>(Check::Lenient, "Patient", unknown), None);
        assert!(
            check_line::<R4>(Check::Lenient, "Observation", ok)
                .unwrap()
                .contains("a Patient")
        );
        assert_eq!(check_line::<R4>(Check::None, "Patient", "not json"), None);
        // A type of R5 only is read by the R5 models, and refused by R4's.
        let r5_only = r#"{"resourceType":"ActorDefinition","status":"active","type":"person"}"#;
        assert_eq!(
            check_line::<R5>(Check::Strict, "ActorDefinition", r5_only),
            None
        );
        assert!(check_line::<R4>(Check::Lenient, "ActorDefinition", r5_only).is_some());
    }
}
