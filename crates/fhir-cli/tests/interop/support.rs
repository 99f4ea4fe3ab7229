//! What the scenarios share: the server's address, the official examples, the `fhir` binary,
//! and redaction of values that change from run to run.

use std::collections::HashMap;
use std::process::{Command, Output};
use std::sync::OnceLock;

use fhir_client::Client;
use fhir_model::{FhirJson, ParseOptions};

/// The base URL of the server under test; set by `cargo xtask interop`.
pub fn base() -> String {
    std::env::var("FHIR_INTEROP_BASE")
        .expect("FHIR_INTEROP_BASE is not set: run the suite with `cargo xtask interop`")
}

/// A client of the server under test.
pub fn client() -> Client {
    Client::new(base()).expect("client")
}

/// A file of the pinned R4 examples package, parsed strictly.
pub fn example<T: FhirJson>(name: &str) -> T {
    static FILES: OnceLock<HashMap<String, String>> = OnceLock::new();
    let files = FILES.get_or_init(|| {
        const WANTED: &[&str] = &[
            "Patient-example.json",
            "Observation-example.json",
            "Organization-1.json",
            "Practitioner-example.json",
            "Encounter-example.json",
            "Condition-example.json",
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../definitions/r4");
        let manifest = fhir_package::Manifest::load(&root).expect("definitions/r4");
        let package =
            fhir_package::Package::open_ref(&manifest, &manifest.packages[0]).expect("package");
        package
            .read_files(|n| WANTED.contains(&n))
            .expect("read")
            .into_iter()
            .map(|(n, bytes)| (n, String::from_utf8(bytes).expect("utf-8")))
            .collect()
    });
    let text = files.get(name).unwrap_or_else(|| panic!("no {name}"));
    T::from_json_str(text, ParseOptions::strict()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A name no other run or test uses, for search criteria.
pub fn unique(label: &str) -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{label}{}x{}", std::process::id(), nanos % 1_000_000_000)
}

/// The `fhir` command's result.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `fhir --base BASE ARGS...` with standard input from `stdin`.
pub fn fhir(args: &[&str]) -> Run {
    fhir_at(&base(), args)
}

/// Runs `fhir --base base ARGS...`.
pub fn fhir_at(base: &str, args: &[&str]) -> Run {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_fhir"))
        .arg("--base")
        .arg(base)
        .args(args)
        .env_remove("FHIR_TOKEN")
        .output()
        .expect("run fhir");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
    }
}

/// Replaces what changes between runs: the base URL, the given ids and names, and instants.
pub fn redact(text: &str, replacements: &[(&str, &str)]) -> String {
    redact_with(text, replacements, false)
}

/// Like [`redact`], each replacement padded with spaces to the width of what it replaces, so
/// that the columns of a table stay aligned.
pub fn redact_table(text: &str, replacements: &[(&str, &str)]) -> String {
    redact_with(text, replacements, true)
}

fn redact_with(text: &str, replacements: &[(&str, &str)], pad: bool) -> String {
    let base = base();
    let mut all: Vec<(&str, &str)> = vec![(base.as_str(), "[base]")];
    all.extend_from_slice(replacements);
    let mut text = text.to_owned();
    for (from, to) in all {
        text = text.replace(from, &padded(to, from.chars().count(), pad));
    }
    let text = redact_instants(&text, pad);
    if !pad {
        return text;
    }
    text.lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect()
}

fn padded(replacement: &str, width: usize, pad: bool) -> String {
    let mut out = replacement.to_owned();
    while pad && out.chars().count() < width {
        out.push(' ');
    }
    out
}

/// `2026-11-26T14:03:07.123456+00:00` and the like become `[instant]`.
fn redact_instants(text: &str, pad: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let digits = |from: usize, n: usize| {
            bytes.len() >= from + n && bytes[from..from + n].iter().all(u8::is_ascii_digit)
        };
        let is_instant = digits(i, 4)
            && bytes.get(i + 4) == Some(&b'-')
            && digits(i + 5, 2)
            && bytes.get(i + 7) == Some(&b'-')
            && digits(i + 8, 2)
            && bytes.get(i + 10) == Some(&b'T');
        if is_instant {
            let mut end = i + 11;
            while end < bytes.len()
                && (bytes[end].is_ascii_digit() || b":.+-Z".contains(&bytes[end]))
            {
                end += 1;
            }
            out.push_str(&padded("[instant]", end - i, pad));
            i = end;
        } else {
            let ch = text[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

#[test]
fn instants_are_redacted() {
    assert_eq!(
        redact_instants("at 2026-11-26T14:03:07.12+00:00, 1974-12-25 stays", false),
        "at [instant], 1974-12-25 stays"
    );
    assert_eq!(
        redact_instants("2026-11-26T14:03:07Z|", true),
        "[instant]           |"
    );
}
