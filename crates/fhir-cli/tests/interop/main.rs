//! Scenarios against a real FHIR server (the Helios FHIR Server), through the client's public
//! API and through the `fhir` command. Run with `cargo xtask interop`, which starts the server.

mod export;
mod support;
mod xml;

use fhir_client::{BundleBuilder, ErrorKind, HistoryParams, SearchParams};
use fhir_model::r4::{
    Bundle, CapabilityStatementRestResourceInteraction as Interaction, FHIRVersion, HumanName,
    Observation, Patient, Resource, TypeRestfulInteraction,
};
use fhir_model::{AnyResource, FhirJson, ParseOptions};

use support::{base, client, example, fhir, fhir_at, redact, redact_table, unique};

#[tokio::test]
async fn metadata_is_typed() {
    let cs = client().capabilities().await.expect("metadata");
    assert_eq!(cs.fhir_version.known(), Some(FHIRVersion::V401));
    let rest = &cs.rest[0];
    let patient = rest
        .resource
        .iter()
        .find(|r| r.r#type.known() == Some(fhir_model::r4::ResourceType::Patient))
        .expect("Patient is supported");
    let reads = |i: &Interaction| i.code.known() == Some(TypeRestfulInteraction::Read);
    assert!(patient.interaction.iter().any(reads));
    // The search parameters the suite copies into the server's data directory are in use.
    assert!(
        patient
            .search_param
            .iter()
            .any(|p| p.name.as_str() == Some("family"))
    );
}

#[test]
fn cli_metadata_summary() {
    let run = fhir(&["metadata"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("FHIR version"), "{}", run.stdout);
    assert!(run.stdout.contains("\nPatient "), "{}", run.stdout);
    insta::assert_snapshot!("metadata", redact_table(&run.stdout, &[]));
    let json = fhir(&["metadata", "--json"]);
    let cs =
        fhir_model::r4::CapabilityStatement::from_json_str(&json.stdout, ParseOptions::lenient())
            .expect("--json prints the CapabilityStatement");
    assert_eq!(cs.fhir_version.known(), Some(FHIRVersion::V401));
}

#[tokio::test]
async fn create_read_vread_update_history_delete() {
    let client = client();
    let original: Patient = example("Patient-example.json");
    let created = client.create(&original).await.expect("create");
    assert!(created.created);
    assert_eq!(created.status, 201);
    let id = created.id.clone().expect("the server names the new id");
    assert_ne!(id, "example", "the server assigns its own id");
    assert_eq!(created.version.as_deref(), Some("1"));

    let read = client.read_versioned::<Patient>(&id).await.expect("read");
    assert_eq!(read.version.as_deref(), Some("1"));
    assert_eq!(
        read.resource.name, original.name,
        "names survive the server"
    );
    assert_eq!(read.resource.birth_date, original.birth_date);
    assert_eq!(
        read.resource.active.as_ref().and_then(|a| a.value),
        Some(true)
    );

    let mut changed = read.resource.clone();
    changed.active = Some(false.into());
    let stale = read.etag.clone().expect("an ETag");
    let updated = client
        .update(&changed)
        .if_match(&stale)
        .await
        .expect("update");
    assert_eq!(updated.version.as_deref(), Some("2"));
    assert!(!updated.created);

    // The same If-Match again is stale now.
    let err = client
        .update(&changed)
        .if_match(&stale)
        .await
        .expect_err("stale If-Match");
    assert_eq!(err.kind(), ErrorKind::PreconditionFailed);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(412));

    let first = client.vread::<Patient>(&id, "1").await.expect("vread");
    assert_eq!(first.active.as_ref().and_then(|a| a.value), Some(true));
    let second = client.read::<Patient>(&id).await.expect("read again");
    assert_eq!(second.active.as_ref().and_then(|a| a.value), Some(false));

    let history = client
        .history::<Patient>(&id, HistoryParams::new())
        .await
        .expect("history");
    let mut versions: Vec<&str> = history
        .matches
        .iter()
        .filter_map(|p| p.version_id())
        .collect();
    versions.sort();
    assert_eq!(versions, ["1", "2"]);

    let deleted = client.delete::<Patient>(&id).await.expect("delete");
    assert!(!deleted.already_absent(), "status {}", deleted.status);
    let gone = client
        .read::<Patient>(&id)
        .await
        .expect_err("read after delete");
    assert_eq!(gone.kind(), ErrorKind::Gone);
    let never = client
        .read::<Patient>(&unique("none"))
        .await
        .expect_err("unknown id");
    assert_eq!(never.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn official_examples_of_several_types_round_trip_through_the_server() {
    let client = client();
    for name in [
        "Observation-example.json",
        "Organization-1.json",
        "Practitioner-example.json",
        "Encounter-example.json",
        "Condition-example.json",
    ] {
        let original: Resource = example(name);
        let created = client
            .create(&original)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let id = created.id.clone().expect("id");
        let read = client
            .read_any(original.resource_type(), &id)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut back = read.resource;
        // What the server owns: the id and meta. Everything else must come back as sent.
        back.set_id(original.id().map(str::to_owned));
        let strip_meta = |json: &str| {
            let mut v = fhir_model::json::JsonValue::parse(json).unwrap();
            if let fhir_model::json::JsonValue::Object(members) = &mut v {
                members.retain(|(k, _)| k != "meta");
            }
            v.to_json_string()
        };
        assert_eq!(
            strip_meta(&back.to_json_string()),
            strip_meta(&original.to_json_string()),
            "{name} changed on the server"
        );
    }
    let obs: Observation = example("Observation-example.json");
    let created = client.create(&obs).await.expect("create observation");
    let typed = client
        .read::<Observation>(created.id.as_deref().unwrap())
        .await
        .expect("typed read");
    assert_eq!(typed.code, obs.code);
    assert_eq!(typed.value, obs.value);
}

/// Creates `n` Patients with one family name in one transaction; answers their ids.
async fn patients_by_transaction(family: &str, n: usize) -> Vec<String> {
    let mut builder = BundleBuilder::transaction();
    for i in 0..n {
        let mut p = Patient::default();
        p.name.push(HumanName {
            family: Some(family.into()),
            given: vec![format!("Member{i:02}").into()],
            ..Default::default()
        });
        builder = builder.create(p);
    }
    let response = client()
        .transaction(builder.build())
        .await
        .expect("transaction");
    assert_eq!(response.entries.len(), n);
    response
        .entries
        .iter()
        .map(|e| {
            assert_eq!(e.status, 201, "{}", e.status_line);
            assert_eq!(e.resource_type.as_deref(), Some("Patient"));
            e.id.clone().expect("entry id")
        })
        .collect()
}

#[tokio::test]
async fn transaction_then_a_search_over_three_pages() {
    let family = unique("Paged");
    let ids = patients_by_transaction(&family, 25).await;
    let client = client();
    let params = SearchParams::new().string("family", &family).count(10);
    let first = client
        .search::<Patient>(params.clone())
        .await
        .expect("search");
    assert_eq!(first.matches.len(), 10);
    assert!(first.has_next());
    let mut pages = 1;
    let mut found: Vec<String> = first
        .matches
        .iter()
        .filter_map(|p| p.id().map(str::to_owned))
        .collect();
    let mut page = first;
    while let Some(next) = client.next_page(&page).await.expect("next page") {
        pages += 1;
        found.extend(
            next.matches
                .iter()
                .filter_map(|p| p.id().map(str::to_owned)),
        );
        page = next;
    }
    assert_eq!(pages, 3);
    found.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(found, expected);

    let all = client
        .search_pages::<Patient>(params)
        .all_matches()
        .await
        .expect("all pages");
    assert_eq!(all.len(), 25);
    assert!(
        all.iter()
            .all(|p| p.name[0].family.as_ref().and_then(|f| f.as_str()) == Some(family.as_str()))
    );
}

#[tokio::test]
async fn a_failed_transaction_is_refused_whole_with_an_operation_outcome() {
    let family = unique("Rollback");
    let mut good = Patient::default();
    good.name.push(HumanName {
        family: Some(family.as_str().into()),
        ..Default::default()
    });
    let bundle = BundleBuilder::transaction()
        .create(good)
        .delete("Patient", "x")
        .read("NoSuchType/1")
        .build();
    let err = client()
        .transaction(bundle)
        .await
        .expect_err("a bad entry fails the transaction");
    assert!(err.status().is_some_and(|s| s.is_client_error()), "{err}");
    let outcome = err
        .operation_outcome()
        .expect("the server's OperationOutcome, typed");
    assert!(!outcome.issue.is_empty());
    let page = client()
        .search::<Patient>(SearchParams::new().string("family", &family))
        .await
        .expect("search");
    assert!(page.matches.is_empty(), "rolled back");
}

#[test]
fn cli_read_vread_history_delete() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let original: Patient = example("Patient-example.json");
    let id = rt.block_on(async { client().create(&original).await.unwrap().id.unwrap() });

    let read = fhir(&["read", &format!("Patient/{id}")]);
    assert_eq!(read.code, 0, "{}", read.stderr);
    let patient = Patient::from_json_str(&read.stdout, ParseOptions::strict())
        .expect("pretty JSON of the Patient");
    assert_eq!(patient.id(), Some(id.as_str()));
    assert_eq!(patient.name, original.name);
    insta::assert_snapshot!("read", redact(&read.stdout, &[(&id, "[id]")]));

    let table = fhir(&["read", &format!("Patient/{id}"), "--format", "table"]);
    assert!(
        table.stdout.contains("name: Peter James Chalmers"),
        "{}",
        table.stdout
    );

    let vread = fhir(&["vread", &format!("Patient/{id}/_history/1")]);
    assert_eq!(vread.code, 0, "{}", vread.stderr);
    assert_eq!(
        Patient::from_json_str(&vread.stdout, ParseOptions::strict())
            .unwrap()
            .version_id(),
        Some("1")
    );

    let history = fhir(&["history", &format!("Patient/{id}")]);
    assert_eq!(history.code, 0, "{}", history.stderr);
    assert!(
        history.stdout.contains(&format!("Patient/{id}  1 ")),
        "{}",
        history.stdout
    );

    let deleted = fhir(&["delete", &format!("Patient/{id}")]);
    assert_eq!(deleted.code, 0, "{}", deleted.stderr);
    assert_eq!(deleted.stdout, format!("deleted Patient/{id}\n"));
    let gone = fhir(&["read", &format!("Patient/{id}")]);
    assert_eq!(gone.code, 1);
    assert!(gone.stderr.contains("410"), "{}", gone.stderr);
}

#[test]
fn cli_search_pages_and_ndjson() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let family = unique("Cli");
    let ids = rt.block_on(patients_by_transaction(&family, 12));
    let criterion = format!("family={family}");

    let all = fhir(&[
        "search", "Patient", &criterion, "--count", "5", "--all", "--ndjson",
    ]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    let lines: Vec<&str> = all.stdout.lines().collect();
    assert_eq!(lines.len(), 12, "three pages of 5, 5 and 2");
    for line in &lines {
        let p = Patient::from_json_str(line, ParseOptions::strict()).expect("one Patient per line");
        assert!(ids.iter().any(|id| Some(id.as_str()) == p.id()));
    }
    assert!(
        all.stderr.is_empty(),
        "no progress bar when stderr is not a terminal: {}",
        all.stderr
    );

    let page = fhir(&[
        "search",
        "Patient",
        &criterion,
        "_sort=given",
        "--count",
        "3",
    ]);
    assert_eq!(page.code, 0, "{}", page.stderr);
    assert!(
        page.stdout
            .ends_with("3 resources, 1 page; more with --all\n"),
        "{}",
        page.stdout
    );
    let mut replacements: Vec<(&str, &str)> = ids.iter().map(|id| (id.as_str(), "[id]")).collect();
    replacements.push((&family, "[family]"));
    insta::assert_snapshot!("search_page", redact_table(&page.stdout, &replacements));

    // Under a terminal (a pseudo-terminal from util-linux's `script`), the pages' progress
    // shows on standard error, each update redrawing the line.
    let command = format!(
        "{} --base {} search Patient {criterion} --count 5 --all",
        env!("CARGO_BIN_EXE_fhir"),
        base()
    );
    let tty = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("script (util-linux) runs the command under a terminal");
    let screen = String::from_utf8_lossy(&tty.stdout);
    assert!(tty.status.success(), "{screen}");
    for step in [
        "5 resources, 1 page",
        "10 resources, 2 pages",
        "12 resources, 3 pages",
    ] {
        assert!(
            screen.contains(&format!("\r{step}\x1b[K")),
            "no progress {step:?} in {screen:?}"
        );
    }

    let limited = fhir(&[
        "search", "Patient", &criterion, "--count", "5", "--all", "--limit", "7", "--format",
        "json",
    ]);
    let bundle = Bundle::from_json_str(&limited.stdout, ParseOptions::strict()).expect("a Bundle");
    assert_eq!(bundle.entry.len(), 7);
}

#[test]
fn cli_create_update_and_transaction_files() {
    let dir = std::env::temp_dir().join(unique("fhir-cli-files"));
    std::fs::create_dir_all(&dir).unwrap();
    let family = unique("File");
    let patient_file = dir.join("patient.json");
    std::fs::write(
        &patient_file,
        format!(r#"{{"resourceType":"Patient","name":[{{"family":"{family}"}}]}}"#),
    )
    .unwrap();
    let created = fhir(&["create", patient_file.to_str().unwrap()]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    let label = created
        .stdout
        .trim()
        .strip_prefix("created Patient/")
        .expect(&created.stdout);
    let id = label.split(' ').next().unwrap().to_owned();
    assert!(label.ends_with("(version 1)"), "{label}");

    std::fs::write(
        &patient_file,
        format!(r#"{{"resourceType":"Patient","id":"{id}","active":true,"name":[{{"family":"{family}"}}]}}"#),
    )
    .unwrap();
    let updated = fhir(&[
        "update",
        patient_file.to_str().unwrap(),
        "--if-match",
        "W/\"1\"",
    ]);
    assert_eq!(updated.code, 0, "{}", updated.stderr);
    assert_eq!(
        updated.stdout,
        format!("updated Patient/{id} (version 2)\n")
    );
    let stale = fhir(&[
        "update",
        patient_file.to_str().unwrap(),
        "--if-match",
        "W/\"1\"",
    ]);
    assert_eq!(stale.code, 1, "a stale If-Match is refused");
    assert!(stale.stderr.contains("412"), "{}", stale.stderr);

    let tx_file = dir.join("tx.json");
    std::fs::write(
        &tx_file,
        format!(
            r#"{{"resourceType":"Bundle","type":"transaction","entry":[
              {{"fullUrl":"urn:uuid:4b3c1a2e-0000-4000-8000-000000000001","resource":{{"resourceType":"Patient","name":[{{"family":"{family}"}}]}},"request":{{"method":"POST","url":"Patient"}}}},
              {{"resource":{{"resourceType":"Observation","status":"final","code":{{"text":"weight"}},"subject":{{"reference":"urn:uuid:4b3c1a2e-0000-4000-8000-000000000001"}}}},"request":{{"method":"POST","url":"Observation"}}}}]}}"#
        ),
    )
    .unwrap();
    let tx = fhir(&["transaction", tx_file.to_str().unwrap()]);
    assert_eq!(tx.code, 0, "{}", tx.stderr);
    let rows: Vec<&str> = tx.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{}", tx.stdout);
    assert!(rows.iter().all(|r| r.contains("201")), "{}", tx.stdout);

    // Bad input is refused before anything is sent, naming the place.
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        "{\"resourceType\":\"Patient\",\n\"birthDate\":\"1974-13-45\"}",
    )
    .unwrap();
    let refused = fhir(&["create", bad.to_str().unwrap()]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("Patient.birthDate"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("line 2"), "{}", refused.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cli_exit_codes() {
    let unknown = fhir(&["read", &format!("Patient/{}", unique("missing"))]);
    assert_eq!(unknown.code, 1, "{}", unknown.stderr);
    assert!(unknown.stderr.contains("404"), "{}", unknown.stderr);
    let usage = fhir(&["read", "Patient"]);
    assert_eq!(usage.code, 2);
    let bad_type = fhir(&["search", "Patients"]);
    assert_eq!(bad_type.code, 2);
    // A port nothing listens on: bind one, then let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = fhir_at(
        &format!("http://127.0.0.1:{port}"),
        &["metadata", "--timeout", "5"],
    );
    assert_eq!(down.code, 3, "{}", down.stderr);
    assert!(base().starts_with("http://127.0.0.1:"));
}
