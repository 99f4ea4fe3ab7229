//! `cargo xtask add-version`, end to end: R5 added again as `r5b` in a copy of the workspace (its
//! tracked files), from the R5 archives already in `definitions/r5/`, so nothing is fetched; then
//! the model compiled with only that version and a sample of the R5 examples round-tripped
//! through it. And the failure path: definitions with a feature the generator does not know stop
//! the command with an error naming it, before any source file is touched.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::add_version::{Request, add};

/// The workspace this test belongs to.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

/// The workspace's target folder, shared with the builds in the copy so that their dependencies
/// are compiled once.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// A fresh, empty folder, removed when dropped (a failing test included).
struct TempDir(PathBuf);

impl TempDir {
    /// Under the system's temporary folder.
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        TempDir::at(dir)
    }

    /// At a fixed place: the copy of the workspace lives in the target folder, always at the same
    /// path, so that each run's builds replace the last run's instead of adding to them.
    fn at(dir: PathBuf) -> TempDir {
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("a temporary folder");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A gzip-compressed tar with `package/NAME` entries, as FHIR packages are published.
fn write_package(path: &Path, files: &[(&str, &str)]) {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (name, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, format!("package/{name}"), text.as_bytes())
            .expect("a tar entry");
    }
    let bytes = tar.into_inner().unwrap().finish().unwrap();
    fs::File::create(path).unwrap().write_all(&bytes).unwrap();
}

#[test]
fn a_definition_feature_the_generator_does_not_know_stops_it_by_name() {
    let tmp = TempDir::new("add-version-unknown");
    let root = &tmp.0;
    let registry = "pub const VERSIONS: &[Version] = &[\n    Version { module: \"r4\" },\n];\n";
    fs::create_dir_all(root.join("xtask/src/codegen")).unwrap();
    fs::write(root.join("xtask/src/codegen/mod.rs"), registry).unwrap();
    let from = root.join("downloads");
    fs::create_dir_all(&from).unwrap();
    // A primitive type with no Rust value type in the runtime.
    let definition = r#"{"resourceType":"StructureDefinition","url":"http://example.org/StructureDefinition/integer128","name":"integer128","kind":"primitive-type","abstract":false,"type":"integer128","derivation":"specialization","baseDefinition":"http://hl7.org/fhir/StructureDefinition/PrimitiveType"}"#;
    write_package(
        &from.join("example.fhir.core-9.0.0.tgz"),
        &[
            (
                "package.json",
                r#"{"name":"example.fhir.core","version":"9.0.0"}"#,
            ),
            ("StructureDefinition-integer128.json", definition),
        ],
    );
    let request = Request {
        module: "r9".into(),
        packages: vec![("example.fhir.core".into(), "9.0.0".into())],
        from: Some(from),
    };
    let no_packages = Request {
        packages: Vec::new(),
        ..request.clone()
    };
    assert!(
        add(root, &no_packages)
            .unwrap_err()
            .contains("name the packages of r9")
    );
    let err = add(root, &request).unwrap_err();
    assert!(
        err.contains("primitive type `integer128` has no Rust value type"),
        "{err}"
    );
    assert!(err.contains("definitions/r9"), "{err}");
    // Stopped before any source edit; the package stays pinned.
    assert_eq!(
        fs::read_to_string(root.join("xtask/src/codegen/mod.rs")).unwrap(),
        registry
    );
    assert!(!root.join("crates").exists());
    let pinned = fs::read_to_string(root.join("definitions/r9/package.toml")).unwrap();
    assert!(pinned.contains("sha256 = \""), "{pinned}");
}

/// Copies the files git tracks (as they are in the work tree) from `from` into `to`.
fn copy_tracked(from: &Path, to: &Path) {
    let out = Command::new("git")
        .current_dir(from)
        .args(["ls-files", "-z"])
        .output()
        .expect("git, to list the workspace's files");
    assert!(out.status.success(), "git ls-files: {out:?}");
    for name in out.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = std::str::from_utf8(name).expect("a UTF-8 path");
        let source = from.join(name);
        if !source.exists() {
            continue; // deleted in the work tree
        }
        let dest = to.join(name);
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        fs::copy(&source, &dest).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// Runs cargo in `dir` with the workspace's target folder (so that the dependencies are built
/// once), offline; returns its standard output, failing the test with its output when it fails.
fn cargo(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .arg(args[0])
        .args(["--locked", "--offline"])
        .args(&args[1..])
        .output()
        .expect("cargo");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "cargo {}: {}\n{stdout}\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// How many of the R5 examples go through the new module.
const SAMPLE: usize = 40;

/// About a CPU-minute, most of it the debug build of the R5 model under its new name.
#[test]
fn r5_added_again_as_r5b_compiles_and_round_trips() {
    let tmp = TempDir::at(target_dir().join("add-version-test"));
    let root = &tmp.0;
    copy_tracked(&workspace_root(), root);
    let request = Request {
        module: "r5b".into(),
        packages: vec![
            ("hl7.fhir.r5.core".into(), "5.0.0".into()),
            ("hl7.fhir.r5.examples".into(), "5.0.0".into()),
        ],
        from: Some(root.join("definitions/r5")),
    };
    let report = add(root, &request).unwrap();
    assert_eq!(report.prev, "r5");
    assert_eq!(report.unchanged, Vec::<String>::new());
    assert_eq!(report.edited.len(), 9, "{:?}", report.edited);
    assert_eq!(report.rustfmt_warning, None);

    // The pins are R5's, the generated files R5's set.
    let pins = |m: &str| {
        fhir_package::Manifest::load(&root.join("definitions").join(m))
            .unwrap()
            .packages
    };
    assert_eq!(pins("r5b"), pins("r5"));
    let names = |m: &str| {
        let mut v: Vec<_> = fs::read_dir(root.join("crates/fhir-model/src/generated").join(m))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("r5b"), names("r5"));
    assert_eq!(report.generated, names("r5").len());

    // The edits, one line each checked.
    let has = |file: &str, text: &str| {
        let content = fs::read_to_string(root.join(file)).unwrap();
        assert!(content.contains(text), "{file} lacks {text:?}");
    };
    has(
        "xtask/src/codegen/mod.rs",
        "    Version { module: \"r5b\" },\n];",
    );
    has("crates/fhir-model/Cargo.toml", "\nr5b = []\n");
    has(
        "crates/fhir-model/src/lib.rs",
        "feature = \"r5\", feature = \"r5b\")))]",
    );
    has(
        "crates/fhir-model/src/lib.rs",
        "#[path = \"generated/r5b/mod.rs\"]\npub mod r5b;\n",
    );
    has("tests/Cargo.toml", "r5b = [\"fhir-rs-model/r5b\"]");
    has(
        "tests/support/lib.rs",
        "Version::R5b => roundtrip::<fhir_model::r5b::Resource>(text, options),",
    );
    has(
        "tests/roundtrip.rs",
        "fn every_r5b_resource_round_trips_leniently()",
    );
    has(
        "crates/fhir-client/Cargo.toml",
        "r5b = [\"fhir-rs-model/r5b\"]",
    );
    has("crates/fhir-client/src/lib.rs", "pub use version::R5b;");
    has(
        "crates/fhir-client/src/version.rs",
        "    R5b, r5b,\n    name: \"R5B\", version: \"5.0.0\", major_minor: \"5.0\",",
    );

    // Again: nothing left to do.
    let again = add(root, &request).unwrap();
    assert_eq!(again.edited, Vec::<String>::new());
    assert_eq!(again.unchanged.len(), 9);

    // The model with only the new version and one resource.
    cargo(
        root,
        &[
            "check",
            "-p",
            "fhir-rs-model",
            "--no-default-features",
            "--features",
            "r5b,patient",
        ],
    );

    // A sample of the R5 examples, spread over the package, through the new module.
    let archive = root.join("definitions/r5/hl7.fhir.r5.examples-5.0.0.tgz");
    let bytes = fs::read(&archive).unwrap();
    let sha = fhir_package::sha256_hex(&bytes);
    let package = fhir_package::Package::from_bytes(&archive, bytes, &sha).unwrap();
    let files = package
        .read_files(|n| n.ends_with(".json") && !n.contains('/') && n != "package.json")
        .unwrap();
    let sample = root.join("sample");
    fs::create_dir_all(&sample).unwrap();
    let step = files.len() / SAMPLE;
    for (name, text) in files.iter().step_by(step).take(SAMPLE) {
        fs::write(sample.join(name), text).unwrap();
    }
    let out = cargo(
        root,
        &[
            "run",
            "--quiet",
            "-p",
            "fhir-conformance",
            "--bin",
            "roundtrip",
            "--no-default-features",
            "--features",
            "r5b",
            "--",
            "--fhir",
            "r5b",
            sample.to_str().unwrap(),
        ],
    );
    assert!(
        out.ends_with(&format!("{SAMPLE} passed, 0 failed\n")),
        "{out}"
    );
}
