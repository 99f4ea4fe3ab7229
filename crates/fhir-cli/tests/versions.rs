//! `--fhir r4|r5` against local test servers and offline: R5-only resources read, printed and
//! converted with the R5 models, the version from the environment and from a named server, and
//! what is said when the server's version is not the one chosen.

use std::process::Output;

use fhir_model::json::JsonValue;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod common;
use common::{stderr, stdout, temp_dir};

/// An ActorDefinition: a resource type that R5 added (R4 has none).
const ACTOR: &str = r#"{"resourceType":"ActorDefinition","id":"a1","meta":{"versionId":"3","lastUpdated":"2024-05-06T07:08:09Z"},"url":"http://example.org/actor/lab","name":"Lab","title":"The lab","status":"active","type":"system"}"#;

/// A 5.0.0 CapabilityStatement, with a type only R5 has.
const CAPABILITIES_R5: &str = r#"{"resourceType":"CapabilityStatement","status":"active","date":"2024-01-01","kind":"instance",
  "software":{"name":"R5 Server","version":"0.9"},"fhirVersion":"5.0.0","format":["json"],
  "rest":[{"mode":"server","resource":[
    {"type":"ActorDefinition","interaction":[{"code":"read"},{"code":"search-type"}],"searchParam":[{"name":"url","type":"uri"}]},
    {"type":"Patient","interaction":[{"code":"read"}],"searchParam":[{"name":"url","type":"uri"}]}]}]}"#;

/// Runs `fhir args...` with `env`, without blocking the runtime the mock server runs on, and
/// without the caller's own FHIR settings or config folder.
async fn fhir(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = common::command();
    command.args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    common::output(command).await
}

fn fhir_json(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_owned(), "application/fhir+json")
}

/// A server answering `GET /ActorDefinition/a1` and `GET /metadata`.
async fn r5_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/ActorDefinition/a1"))
        .respond_with(fhir_json(ACTOR))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/metadata"))
        .respond_with(fhir_json(CAPABILITIES_R5))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn an_r5_only_resource_is_read_as_json_and_as_a_table() {
    let server = r5_server().await;
    let base = server.uri();
    let o = fhir(
        &[
            "--base",
            &base,
            "--fhir",
            "r5",
            "read",
            "ActorDefinition/a1",
        ],
        &[],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let printed = stdout(&o);
    assert!(
        printed.starts_with("{\n  \"resourceType\": \"ActorDefinition\",\n  \"id\": \"a1\","),
        "{printed}"
    );
    assert_eq!(
        JsonValue::parse(&printed).unwrap(),
        JsonValue::parse(ACTOR).unwrap()
    );

    let o = fhir(
        &[
            "--base",
            &base,
            "--fhir",
            "r5",
            "--format",
            "table",
            "read",
            "ActorDefinition/a1",
        ],
        &[],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "RESOURCE            VERSION  LAST UPDATED          SUMMARY\n\
         ActorDefinition/a1  3        2024-05-06T07:08:09Z  name: Lab; title: The lab; status: \
         active; type: system; url:\n                                                   \
         http://example.org/actor/lab\n"
    );
}

#[tokio::test]
async fn the_version_comes_from_the_environment() {
    let server = r5_server().await;
    let base = server.uri();
    let o = fhir(
        &["--base", &base, "read", "ActorDefinition/a1"],
        &[("FHIR_VERSION", "r5")],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("\"ActorDefinition\""), "{}", stdout(&o));
    // The flag wins over the environment.
    let o = fhir(
        &[
            "--base",
            &base,
            "--fhir",
            "r4",
            "read",
            "ActorDefinition/a1",
        ],
        &[("FHIR_VERSION", "r5")],
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[tokio::test]
async fn the_version_comes_from_a_named_server() {
    let server = r5_server().await;
    let dir = temp_dir("config");
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "[servers.five]\nbase = \"{}\"\nfhir = \"r5\"\n\n[servers.bad]\nbase = \"{}\"\nfhir = \"r6\"\n",
            server.uri(),
            server.uri()
        ),
    )
    .unwrap();
    let config = dir.to_str().unwrap();
    let o = fhir(
        &["--server", "five", "read", "ActorDefinition/a1"],
        &[("FHIR_CONFIG_DIR", config)],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("\"ActorDefinition\""), "{}", stdout(&o));

    let o = fhir(
        &["--server", "bad", "metadata"],
        &[("FHIR_CONFIG_DIR", config)],
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).ends_with("servers.bad.fhir is `r6`; it must be one of: r4, r5\n"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn r5_metadata_is_summarized_without_a_warning() {
    let server = r5_server().await;
    let o = fhir(&["--base", &server.uri(), "--fhir", "r5", "metadata"], &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert_eq!(
        stdout(&o),
        "Software            R5 Server 0.9\n\
         FHIR version        5.0.0\n\
         Formats             json\n\
         Search, every type  url\n\
         \n\
         2 resource types\n\
         TYPE             INTERACTIONS  SEARCH PARAMETERS\n\
         ActorDefinition  read search\n\
         Patient          read\n"
    );
}

#[tokio::test]
async fn r4_metadata_of_an_r5_server_names_both_versions() {
    let server = r5_server().await;
    let o = fhir(&["--base", &server.uri(), "metadata"], &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "warning: the server declares fhirVersion 5.0.0, and this run reads the FHIR R4 models \
         (4.0.1); --fhir picks the models: --fhir r5 reads it with the R5 models\n"
    );
    // What R4 does not know is still shown as the server wrote it.
    assert!(
        stdout(&o).contains("FHIR version        5.0.0\n"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("\nActorDefinition  "), "{}", stdout(&o));
}

#[tokio::test]
async fn an_r4_run_refuses_an_r5_only_type_and_names_the_version() {
    let o = fhir(
        &["--base", "http://127.0.0.1:9", "read", "ActorDefinition/a1"],
        &[],
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: `ActorDefinition` is not a resource type of FHIR R4, but of R5: --fhir r5 picks \
         the R5 models\n"
    );
    // And the other way round.
    let o = fhir(
        &[
            "--base",
            "http://127.0.0.1:9",
            "--fhir",
            "r5",
            "read",
            "MedicinalProduct/m1",
        ],
        &[],
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--fhir r4 picks the R4 models"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn an_r4_run_reading_r5_entries_says_so_and_fails() {
    let server = r5_server().await;
    let page = format!(
        r#"{{"resourceType":"Bundle","type":"searchset","entry":[
          {{"fullUrl":"{0}/Patient/p1","resource":{{"resourceType":"Patient","id":"p1"}},"search":{{"mode":"match"}}}},
          {{"fullUrl":"{0}/ActorDefinition/a1","resource":{ACTOR},"search":{{"mode":"include"}}}}]}}"#,
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path("/Patient"))
        .respond_with(fhir_json(&page))
        .mount(&server)
        .await;
    let o = fhir(&["--base", &server.uri(), "search", "Patient"], &[]).await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // The entry is not taken for a deletion, and the match is still listed.
    assert!(!stdout(&o).contains("deleted"), "{}", stdout(&o));
    assert!(stdout(&o).contains("Patient/p1"), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "/Patient: an entry holds a resource of type ActorDefinition, which the FHIR R4 models \
             do not read\n"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "1 entry holds a resource that the FHIR R4 models do not read (only --format json \
             prints them, as sent)\nhint: the server declares fhirVersion 5.0.0, and this run reads the FHIR \
             R4 models (4.0.1); --fhir picks the models: --fhir r5 reads it with the R5 models\n"
        ),
        "{err}"
    );

    // With the R5 models the same page is read whole.
    let o = fhir(
        &["--base", &server.uri(), "--fhir", "r5", "search", "Patient"],
        &[],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("ActorDefinition/a1  3"),
        "{}",
        stdout(&o)
    );
}

#[tokio::test]
async fn r5_files_convert_offline_with_the_r5_models() {
    let dir = temp_dir("convert");
    let file = dir.join("actor.json");
    std::fs::write(&file, ACTOR).unwrap();
    let file = file.to_str().unwrap();
    let o = fhir(&["--fhir", "r5", "convert", file], &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let xml = stdout(&o);
    assert!(
        xml.starts_with("<ActorDefinition xmlns=\"http://hl7.org/fhir\">\n  <id value=\"a1\"/>"),
        "{xml}"
    );
    assert!(xml.contains("<type value=\"system\"/>"), "{xml}");
    // And back to the same JSON.
    let xml_file = dir.join("actor.xml");
    std::fs::write(&xml_file, &xml).unwrap();
    let o = fhir(
        &["--fhir", "r5", "convert", xml_file.to_str().unwrap()],
        &[],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        JsonValue::parse(&stdout(&o)).unwrap(),
        JsonValue::parse(ACTOR).unwrap()
    );
    // The R4 models do not read it, and say which do.
    let o = fhir(&["convert", file], &[]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).ends_with("(a resource of FHIR R5, not R4: --fhir r5 reads it)\n"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn an_unknown_version_is_a_usage_error() {
    let o = fhir(&["--fhir", "r6", "metadata"], &[]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("invalid value 'r6' for '--fhir <VERSION>'"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("[possible values: r4, r5]"),
        "{}",
        stderr(&o)
    );
    let o = fhir(&["metadata"], &[("FHIR_VERSION", "r6")]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
