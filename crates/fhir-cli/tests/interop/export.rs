//! Bulk Data `$export` against the real server: official examples of a few types are loaded,
//! exported, and the export's counts compared with what the server holds.
//!
//! What the Helios FHIR Server 0.2.7 answers (seen when this scenario was written): the
//! kick-off `GET {base}/$export?_type=...` is accepted (202) with a `Content-Location` of
//! `{origin}/export-status/{uuid}`; the first status request answers 202 with
//! `X-Progress: 0%` and `Retry-After: 120` even when the export is done within a second, so the
//! scenarios cap that wait (`ExportJob::cap_retry_after`, `--max-poll-interval`) to keep the
//! suite short.

use std::time::Duration;

use fhir_client::export::{Export, ExportStatus};
use fhir_client::{SearchParams, Summary};
use fhir_model::r4::{Organization, Patient, Practitioner};
use futures_util::StreamExt;

use crate::support::{client, example, fhir};

const TYPES: [&str; 3] = ["Patient", "Organization", "Practitioner"];

/// Loads two Patients, an Organization and a Practitioner; their new ids.
async fn load() -> Vec<String> {
    let client = client();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let p: Patient = example("Patient-example.json");
        ids.push(client.create(&p).await.expect("create Patient").id.unwrap());
    }
    let o: Organization = example("Organization-1.json");
    ids.push(
        client
            .create(&o)
            .await
            .expect("create Organization")
            .id
            .unwrap(),
    );
    let pr: Practitioner = example("Practitioner-example.json");
    ids.push(
        client
            .create(&pr)
            .await
            .expect("create Practitioner")
            .id
            .unwrap(),
    );
    ids
}

/// How many resources of `resource_type` the server holds.
async fn held(resource_type: &str) -> u64 {
    let page = client()
        .search_type(resource_type, SearchParams::new().summary(Summary::Count))
        .await
        .expect("count");
    page.total.expect("a _summary=count total") as u64
}

#[tokio::test]
async fn export_of_loaded_examples() {
    let ids = load().await;
    let client = client();
    let job = client.export().types(TYPES).await.expect("kick-off");
    let first = job.status().await.expect("a status");
    // The server's answer to the first status request, whatever the state of the export.
    match &first {
        ExportStatus::InProgress {
            progress,
            retry_after,
        } => {
            assert!(progress.is_some(), "X-Progress");
            assert!(retry_after.is_some(), "Retry-After");
        }
        ExportStatus::Complete(_) => {}
        other => panic!("{other:?}"),
    }
    let manifest = job
        .clone()
        .poll_interval(Duration::from_millis(100), Duration::from_secs(1))
        .cap_retry_after(Duration::from_millis(500))
        .max_wait(Duration::from_secs(60))
        .wait()
        .await
        .unwrap_or_else(|e| panic!("polling: {e}\nbody {:?}", e.body_text()));
    assert!(!manifest.transaction_time.is_empty());
    let export = Export::new(&client, manifest.clone());
    let mut counts = std::collections::BTreeMap::<String, u64>::new();
    let mut seen_ids = Vec::new();
    let mut lines = export.raw_resources();
    while let Some(item) = lines.next().await {
        let r = item.expect("a line");
        *counts
            .entry(r.value.resource_type().to_owned())
            .or_default() += 1;
        seen_ids.extend(r.value.id().map(str::to_owned));
    }
    for t in TYPES {
        assert_eq!(
            counts.get(t).copied().unwrap_or(0),
            held(t).await,
            "{t}: {}",
            manifest.json
        );
    }
    for id in &ids {
        assert!(
            seen_ids.contains(id),
            "{id} was loaded and is not in the export"
        );
    }
    // The typed stream reads the same Patients.
    let typed = export.resources::<Patient>().collect::<Vec<_>>().await;
    assert!(typed.iter().all(|p| p.is_ok()));
    assert_eq!(typed.len() as u64, held("Patient").await);
}

#[tokio::test]
async fn cli_export_writes_the_counts() {
    load().await;
    let dir = std::env::temp_dir().join(format!("fhir-interop-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = fhir(&[
        "export",
        "--type",
        "Patient,Organization",
        "--out",
        dir.to_str().unwrap(),
        "--poll-interval",
        "0.1",
        "--max-poll-interval",
        "0.5",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for t in ["Patient", "Organization"] {
        let row: Vec<&str> = run
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(t))
            .unwrap_or_else(|| panic!("no {t} row in\n{}", run.stdout))
            .split_whitespace()
            .collect();
        let held = held(t).await;
        assert_eq!(row[2], held.to_string(), "{t} resources: {}", run.stdout);
        let written: usize = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{t}."))
            })
            .map(|e| std::fs::read_to_string(e.path()).unwrap().lines().count())
            .sum();
        assert_eq!(written as u64, held, "{t} lines on disk");
    }
    eprintln!("{}", run.stdout);
    let _ = std::fs::remove_dir_all(&dir);
}
