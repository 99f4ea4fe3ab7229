//! Project automation, run as `cargo xtask <command>`:
//!
//! - `codegen [--check] [--fhir r4|all]`: generate the model from the pinned definitions.
//! - `fetch-definitions [--fhir r4|all] [--update]`: fetch the pinned packages, verify checksums.
//! - `roundtrip [--strict] [--xml] [--fhir r4|r5] PATH...`: read and write resources, compare with
//!   the input (`--xml`: JSON through XML and back, `.xml` files as XML).
//! - `bench [ARGS...]`: parse and serialize throughput against `serde_json::Value`, peak memory.
//! - `interop [TEST ARGS...]`: the client and the `fhir` command against a real FHIR server.
//! - `build-cost [--features F] [--only B]`: cold builds of an app depending on the model, as
//!   users build it, beside a serde_json-only floor.
//! - `add-version rN --package NAME@VERSION... [--from DIR]`: add a FHIR version in one step
//!   (see `xtask::add_version`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use xtask::codegen::{self, VERSIONS, Version};

const USAGE: &str = "usage: cargo xtask <command>
  codegen [--check] [--fhir VERSION|all]     generate crates/fhir-model/src/generated/ from definitions/
  fetch-definitions [--fhir VERSION|all] [--update]
                                             fetch the pinned packages into definitions/, verify sha256
  roundtrip [--strict] [--xml] [--fhir VERSION] PATH...
                                             read each JSON resource, write it back, compare;
                                             --xml: JSON through XML and back, .xml files as XML
  bench [ARGS...]                            typed parse/serialize against serde_json::Value
  interop [TEST ARGS...]                     start a real FHIR server (installed when missing)
                                             and run the client and CLI scenarios against it
  build-cost [--features F,...] [--only release|debug|check] [--keep]
                                             cold builds of an app using the model (cargo's default
                                             profiles, outside this workspace) beside a
                                             serde_json-only floor: CPU-s, peak memory, ratio
  add-version rN --package NAME@VERSION... [--from DIR]
                                             add a FHIR version: pin its packages (copied from DIR,
                                             else fetched), register it, add its features, module,
                                             test and client plumbing, generate its model";

/// The usage text, with the versions this build knows.
fn usage() -> String {
    let versions: Vec<&str> = VERSIONS.iter().map(|v| v.module).collect();
    format!(
        "{USAGE}
VERSION is one of: {}",
        versions.join(", ")
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen_cmd(&args[1..]),
        Some("fetch-definitions") => fetch_cmd(&args[1..]),
        Some("roundtrip") => roundtrip_cmd(&args[1..]),
        Some("bench") => cargo_run("fhir-bench", None, &args[1..]),
        Some("interop") => xtask::interop::run(&root(), &args[1..]),
        Some("build-cost") => xtask::build_cost::run(&root(), &args[1..]),
        Some("__measure") => xtask::build_cost::measure_child(&args[1..]),
        Some("add-version") => xtask::add_version::run(&root(), &args[1..]),
        _ => Err(usage()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

/// The versions named by `--fhir` (default: all).
fn versions(args: &[String]) -> Result<Vec<&'static Version>, String> {
    let wanted = args
        .iter()
        .position(|a| a == "--fhir")
        .map(|i| args.get(i + 1).cloned().ok_or("--fhir needs a version"))
        .transpose()?
        .unwrap_or_else(|| "all".to_owned());
    if wanted == "all" {
        return Ok(VERSIONS.iter().collect());
    }
    VERSIONS
        .iter()
        .find(|v| v.module == wanted)
        .map(|v| vec![v])
        .ok_or_else(|| format!("unknown FHIR version {wanted}\n{}", usage()))
}

fn check_flags(args: &[String], allowed: &[&str]) -> Result<(), String> {
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
            continue;
        }
        if a == "--fhir" {
            skip = true;
        } else if a.starts_with("--") && !allowed.contains(&a.as_str()) {
            return Err(format!("unknown option {a}\n{}", usage()));
        }
    }
    Ok(())
}

fn codegen_cmd(args: &[String]) -> Result<(), String> {
    check_flags(args, &["--check"])?;
    let check = args.iter().any(|a| a == "--check");
    codegen::run(&root(), &versions(args)?, check)
}

fn fetch_cmd(args: &[String]) -> Result<(), String> {
    check_flags(args, &["--update"])?;
    let update = args.iter().any(|a| a == "--update");
    for v in versions(args)? {
        let dir = codegen::definitions_dir(&root(), v);
        let mut manifest = fhir_package::Manifest::load(&dir).map_err(|e| e.to_string())?;
        for report in fhir_package::fetch(&mut manifest, update).map_err(|e| e.to_string())? {
            eprintln!(
                "{}: {} {:?}",
                v.module,
                report.package.spec(),
                report.outcome
            );
        }
    }
    Ok(())
}

/// The round trip needs the model, which xtask must not depend on (codegen has to run when the
/// generated code does not compile): it runs the conformance binary instead.
///
/// It is built with only the version (`--fhir`, default `r4`) and format (`--xml`) asked for:
/// each version's model is a large build of its own.
fn roundtrip_cmd(args: &[String]) -> Result<(), String> {
    let version = match args.iter().position(|a| a == "--fhir") {
        Some(i) => args
            .get(i + 1)
            .filter(|v| VERSIONS.iter().any(|known| known.module == v.as_str()))
            .ok_or_else(|| format!("--fhir needs a version\n{}", usage()))?
            .clone(),
        None => "r4".to_owned(),
    };
    let mut features = version;
    if args.iter().any(|a| a == "--xml") {
        features.push_str(",xml");
    }
    cargo_run_with(
        "fhir-conformance",
        Some("roundtrip"),
        &["--no-default-features", "--features", &features],
        args,
    )
}

/// Runs a workspace binary in release mode with `args`.
fn cargo_run(package: &str, bin: Option<&str>, args: &[String]) -> Result<(), String> {
    cargo_run_with(package, bin, &[], args)
}

/// [`cargo_run`] with extra arguments for cargo (features).
fn cargo_run_with(
    package: &str,
    bin: Option<&str>,
    cargo_args: &[&str],
    args: &[String],
) -> Result<(), String> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root())
        .args(["run", "--quiet", "--release", "-p", package])
        .args(cargo_args);
    if let Some(bin) = bin {
        cmd.args(["--bin", bin]);
    }
    let status = cmd
        .arg("--")
        .args(args)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{package} failed"))
    }
}
