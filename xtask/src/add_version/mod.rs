//! `cargo xtask add-version rN --package NAME@VERSION... [--from DIR]`: adds a FHIR version in
//! one step.
//!
//! 1. Pins the packages in `definitions/rN/package.toml` and puts their archives next to it:
//!    copied from `--from DIR` (which holds `NAME-VERSION.tgz`), else fetched with `npm pack` as
//!    `cargo xtask fetch-definitions --update` does; the SHA-256 of each is recorded.
//! 2. Converts the definitions. A version the generator cannot handle stops here, before any
//!    source file is touched, with the generator's error naming the definition feature it does
//!    not know (a primitive type without a runtime value type, a type it cannot map, ...). The
//!    packages stay pinned: teach the generator that feature, then run the command again.
//! 3. Edits the sources, each edit idempotent and failing loudly when its anchor is missing, all
//!    computed before any is written: `VERSIONS` in `xtask/src/codegen/mod.rs`; the model's
//!    feature and module; the tests' feature, `Version` variant and round trip; the client's
//!    feature, version marker and per-version functions (copied from the last version's).
//! 4. Formats the edited Rust files with rustfmt and writes the generated code and the model's
//!    resource features.

pub mod edits;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use fhir_package::{MANIFEST_FILE, Manifest, Package, PackageRef, sha256_hex};

use crate::codegen::{self, Version, features};
use edits::NewVersion;

const USAGE: &str = "usage: cargo xtask add-version rN --package NAME@VERSION... [--from DIR]
  rN          the module, folder and feature name of the version: `r`, a digit, then lower-case
              letters or digits (r6, r4b)
  --package   an npm-format FHIR package, NAME@VERSION (repeatable, or several after one flag);
              the first one's version is the version's number (hl7.fhir.r6.core@6.0.0)
  --from DIR  take the archives NAME-VERSION.tgz from DIR instead of fetching them";

/// What to add: parsed from the command line by [`parse_args`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The module name, e.g. `r6`.
    pub module: String,
    /// The packages as `(name, version)`, in the order given.
    pub packages: Vec<(String, String)>,
    /// A folder holding the archives already, instead of fetching them.
    pub from: Option<PathBuf>,
}

/// What [`add`] did.
#[derive(Debug, Default)]
pub struct Report {
    /// Files edited, relative to the workspace root.
    pub edited: Vec<String>,
    /// Files that already had the version.
    pub unchanged: Vec<String>,
    /// Generated files written for the version.
    pub generated: usize,
    /// The version the new one's lines were copied from.
    pub prev: String,
    /// Set when rustfmt could not be run on the edited files.
    pub rustfmt_warning: Option<String>,
}

/// `cargo xtask add-version ARGS`.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let request = parse_args(args)?;
    let report = add(root, &request)?;
    let m = &request.module;
    for f in &report.edited {
        eprintln!("edited    {f}");
    }
    for f in &report.unchanged {
        eprintln!("unchanged {f} (already has {m})");
    }
    eprintln!(
        "generated crates/fhir-model/src/generated/{m}/ ({} files)",
        report.generated
    );
    if let Some(w) = &report.rustfmt_warning {
        eprintln!("warning: {w}; run `cargo fmt --all`");
    }
    if report.edited.is_empty() {
        eprintln!("\n{m} was there already: no source file changed.");
        return Ok(());
    }
    eprintln!(
        "\n{m} is added. Next:\n  \
         cargo check -p fhir-rs-model --no-default-features --features {m},patient\n  \
         cargo xtask roundtrip --fhir {m} definitions/{m}/*.tgz\n  \
         cargo test -p fhir-rs-client --features {m}   (the client's {m} functions are copies \
         of {prev}'s in crates/fhir-client/src/version.rs: adapt those whose definitions changed)\n  \
         then set the count of the round trip in tests/roundtrip.rs, and name {m} in the README.",
        prev = report.prev
    );
    Ok(())
}

/// Parses `rN --package NAME@VERSION... [--from DIR]`.
pub fn parse_args(args: &[String]) -> Result<Request, String> {
    let mut module = None;
    let mut packages = Vec::new();
    let mut from = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--package" => {
                let before = packages.len();
                while let Some(spec) = args.get(i + 1).filter(|a| !a.starts_with("--")) {
                    packages.push(parse_package(spec)?);
                    i += 1;
                }
                if packages.len() == before {
                    return Err(format!("--package needs NAME@VERSION\n{USAGE}"));
                }
            }
            "--from" => {
                let dir = args
                    .get(i + 1)
                    .ok_or_else(|| format!("--from needs a folder\n{USAGE}"))?;
                from = Some(PathBuf::from(dir));
                i += 1;
            }
            a if a.starts_with("--") => return Err(format!("unknown option {a}\n{USAGE}")),
            a if module.is_none() => module = Some(check_module(a)?),
            a => return Err(format!("unexpected argument {a}\n{USAGE}")),
        }
        i += 1;
    }
    let module = module.ok_or_else(|| format!("name the version, e.g. r6\n{USAGE}"))?;
    if packages.is_empty() {
        return Err(format!("name its packages with --package\n{USAGE}"));
    }
    Ok(Request {
        module,
        packages,
        from,
    })
}

/// A module name: `r`, a digit, then lower-case ASCII letters or digits.
fn check_module(name: &str) -> Result<String, String> {
    let mut chars = name.chars();
    let valid = chars.next() == Some('r')
        && chars.next().is_some_and(|c| c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if valid {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "`{name}` is not a version module name: `r`, a digit, then lower-case letters or digits (r6, r4b)"
        ))
    }
}

/// `NAME@VERSION`, each made of the characters npm package names and versions use.
fn parse_package(spec: &str) -> Result<(String, String), String> {
    let (name, version) = spec
        .rsplit_once('@')
        .ok_or_else(|| format!("`{spec}`: a package is NAME@VERSION"))?;
    let ok = |s: &str, extra: &[char]| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || extra.contains(&c))
    };
    if !ok(name, &['_']) || !ok(version, &['+']) {
        return Err(format!(
            "`{spec}`: a package is NAME@VERSION, of letters, digits, `.` and `-`"
        ));
    }
    Ok((name.to_owned(), version.to_owned()))
}

/// Adds the version to the workspace at `root`; see the module documentation for the steps.
pub fn add(root: &Path, request: &Request) -> Result<Report, String> {
    check_module(&request.module)?;
    let Some((_, fhir_version)) = request.packages.first() else {
        return Err(format!("name the packages of {}\n{USAGE}", request.module));
    };
    let codegen_mod = read(root, CODEGEN_MOD)?;
    let registered = edits::registered_versions(&codegen_mod)?;
    let prev = registered
        .iter()
        .rev()
        .find(|m| **m != request.module)
        .ok_or("VERSIONS names no version to model the new one on")?
        .clone();

    let manifest = pin(root, request)?;
    // The generator's `Version` holds a `&'static str`; one short name per run.
    let version = Version {
        module: Box::leak(request.module.clone().into_boxed_str()),
    };
    let (model, source) = codegen::model(root, &version).map_err(|e| {
        format!(
            "{}: the generator cannot handle these definitions yet: {e}\n\
             Nothing else was changed; the packages stay pinned. Teach the generator the \
             definition feature named above (xtask/src/codegen/), then run this command again.",
            manifest.dir.display()
        )
    })?;

    let new = NewVersion {
        module: request.module.clone(),
        prev: prev.clone(),
        fhir_version: fhir_version.clone(),
    };
    let mut report = Report {
        prev,
        ..Report::default()
    };
    let changes = plan(root, &new, &mut report)?;
    for (file, text) in &changes {
        write(root, file, text)?;
    }
    let rust_files: Vec<&str> = changes
        .iter()
        .map(|(f, _)| *f)
        .filter(|f| f.ends_with(".rs"))
        .collect();
    report.rustfmt_warning = rustfmt(root, &rust_files).err();

    report.generated = codegen::write_version(root, &version, &model, &source)?;
    let resources: Vec<String> = model.resources().map(|s| s.name.clone()).collect();
    let model_manifest = read(root, MODEL_MANIFEST)?;
    let updated = features::add_to_manifest(&model_manifest, &resources)?;
    if updated != model_manifest {
        write(root, MODEL_MANIFEST, &updated)?;
    }
    Ok(report)
}

const CODEGEN_MOD: &str = "xtask/src/codegen/mod.rs";
const MODEL_MANIFEST: &str = "crates/fhir-model/Cargo.toml";

/// An edit of one file: its text in, its new text out (`None`: nothing to do).
type Edit = fn(&str, &NewVersion) -> Result<Option<String>, String>;

/// The edits, computed in memory (so that a missing anchor stops the run before anything is
/// written); returns the files that change with their new text.
fn plan(
    root: &Path,
    new: &NewVersion,
    report: &mut Report,
) -> Result<Vec<(&'static str, String)>, String> {
    let edits: &[(&'static str, Edit)] = &[
        (CODEGEN_MOD, edits::register),
        (MODEL_MANIFEST, edits::model_feature),
        ("crates/fhir-model/src/lib.rs", edits::model_module),
        ("tests/Cargo.toml", edits::tests_features),
        ("tests/support/lib.rs", |t, v| {
            edits::cfg_lines(t, "tests/support/lib.rs", v)
        }),
        ("tests/roundtrip.rs", edits::roundtrip_test),
        ("crates/fhir-client/Cargo.toml", edits::client_feature),
        ("crates/fhir-client/src/lib.rs", |t, v| {
            edits::cfg_lines(t, "crates/fhir-client/src/lib.rs", v)
        }),
        ("crates/fhir-client/src/version.rs", edits::client_version),
    ];
    let mut changes = Vec::new();
    for (file, edit) in edits {
        match edit(&read(root, file)?, new)? {
            Some(text) => {
                report.edited.push((*file).to_owned());
                changes.push((*file, text));
            }
            None => report.unchanged.push((*file).to_owned()),
        }
    }
    Ok(changes)
}

/// Writes `definitions/rN/package.toml` (or checks the one there) and puts each archive next to
/// it with its checksum recorded.
fn pin(root: &Path, request: &Request) -> Result<Manifest, String> {
    let dir = root.join("definitions").join(&request.module);
    let wanted: Vec<PackageRef> = request
        .packages
        .iter()
        .map(|(name, version)| PackageRef {
            name: name.clone(),
            version: version.clone(),
            file: format!("{name}-{version}.tgz"),
            sha256: String::new(),
        })
        .collect();
    let mut manifest = if dir.join(MANIFEST_FILE).exists() {
        let existing = Manifest::load(&dir).map_err(|e| e.to_string())?;
        let specs = |ps: &[PackageRef]| ps.iter().map(PackageRef::spec).collect::<Vec<_>>();
        if specs(&existing.packages) != specs(&wanted) {
            return Err(format!(
                "{} pins {} already, not {}: remove it, or name the same packages",
                existing.path().display(),
                specs(&existing.packages).join(" "),
                specs(&wanted).join(" ")
            ));
        }
        existing
    } else {
        fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let manifest = Manifest {
            dir,
            packages: wanted,
        };
        manifest.save().map_err(|e| e.to_string())?;
        manifest
    };
    match &request.from {
        Some(from) => copy_archives(&mut manifest, from)?,
        None if !all_verified(&manifest) => {
            for report in fhir_package::fetch(&mut manifest, false).map_err(|e| e.to_string())? {
                eprintln!("{}: {:?}", report.package.spec(), report.outcome);
            }
        }
        None => {}
    }
    Ok(manifest)
}

/// Whether every archive is there, pinned, and matches its checksum.
fn all_verified(manifest: &Manifest) -> bool {
    manifest
        .packages
        .iter()
        .all(|p| !p.sha256.is_empty() && Package::open_ref(manifest, p).is_ok())
}

/// Copies each archive from `from` next to the manifest and records its checksum; an archive
/// that differs from a checksum pinned before is refused.
fn copy_archives(manifest: &mut Manifest, from: &Path) -> Result<(), String> {
    let before = manifest.packages.clone();
    for i in 0..manifest.packages.len() {
        let package = manifest.packages[i].clone();
        let source = from.join(&package.file);
        let bytes = fs::read(&source).map_err(|e| {
            format!(
                "{}: {e} (--from names a folder holding {})",
                source.display(),
                package.file
            )
        })?;
        let sha = sha256_hex(&bytes);
        if !package.sha256.is_empty() && package.sha256 != sha {
            return Err(format!(
                "{}: sha256 {sha}, but {} pins {} for it",
                source.display(),
                manifest.path().display(),
                package.sha256
            ));
        }
        let dest = manifest.archive_path(&package);
        if fs::read(&dest).ok().as_deref() != Some(bytes.as_slice()) {
            fs::write(&dest, &bytes).map_err(|e| format!("{}: {e}", dest.display()))?;
        }
        manifest.packages[i].sha256 = sha;
    }
    if manifest.packages == before {
        return Ok(());
    }
    manifest.save().map_err(|e| e.to_string())
}

/// Formats the edited Rust files as `cargo fmt` would.
fn rustfmt(root: &Path, files: &[&str]) -> Result<(), String> {
    if files.is_empty() {
        return Ok(());
    }
    let status = Command::new("rustfmt")
        .current_dir(root)
        .args(["--edition", "2024"])
        .args(files)
        .status()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("rustfmt failed ({status}) on {}", files.join(" ")))
    }
}

fn read(root: &Path, file: &str) -> Result<String, String> {
    let path = root.join(file);
    fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(root: &Path, file: &str, text: &str) -> Result<(), String> {
    let path = root.join(file);
    fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn arguments() {
        let r = parse_args(&args(
            "r6 --package hl7.fhir.r6.core@6.0.0 a.b@1.0.0-ballot --from d",
        ))
        .unwrap();
        assert_eq!(r.module, "r6");
        assert_eq!(
            r.packages,
            [
                ("hl7.fhir.r6.core".to_owned(), "6.0.0".to_owned()),
                ("a.b".to_owned(), "1.0.0-ballot".to_owned())
            ]
        );
        assert_eq!(r.from, Some(PathBuf::from("d")));
        let r = parse_args(&args("r4b --package a@1 --package b@2")).unwrap();
        assert_eq!(r.packages.len(), 2);
        for (bad, says) in [
            ("R6 --package a@1", "not a version module name"),
            ("r --package a@1", "not a version module name"),
            ("r6-b --package a@1", "not a version module name"),
            ("r6", "--package"),
            ("r6 --package", "NAME@VERSION"),
            ("r6 --package a", "NAME@VERSION"),
            ("r6 --package a/b@1", "NAME@VERSION"),
            ("r6 --package a@1 --frm d", "unknown option --frm"),
            ("--package a@1", "name the version"),
        ] {
            let err = parse_args(&args(bad)).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
