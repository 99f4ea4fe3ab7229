//! `cargo xtask codegen`: FHIR definitions → Rust model.
//!
//! The pipeline, one module per step:
//! 1. [`load`]: read StructureDefinitions, ValueSets and CodeSystems from the pinned package;
//! 2. [`convert`] (with [`value_sets`], [`cycles`], [`names`]): build the typed IR of [`ir`];
//! 3. [`emit`]: one small `quote!` template per shape (struct, choice, code enum, ...);
//! 4. [`output`]: prettyplease, the "generated" header, write or `--check`.

pub mod convert;
pub mod cycles;
pub mod emit;
pub mod features;
pub mod ir;
pub mod load;
pub mod names;
pub mod output;
pub mod shape;
pub mod value_sets;

use std::path::{Path, PathBuf};

/// A FHIR version the workspace generates: where its definitions and its generated code live.
pub struct Version {
    /// The module and folder name, e.g. `r4`.
    pub module: &'static str,
}

/// The versions the workspace generates, oldest first.
pub const VERSIONS: &[Version] = &[
    // `cargo xtask add-version` adds a line here, after the last one.
    Version { module: "r4" },
    Version { module: "r5" },
];

pub fn definitions_dir(root: &Path, v: &Version) -> PathBuf {
    root.join("definitions").join(v.module)
}

pub fn generated_dir(root: &Path, v: &Version) -> PathBuf {
    root.join("crates/fhir-model/src/generated").join(v.module)
}

/// Loads and converts one version's definitions; also returns the packages it came from.
pub fn model(root: &Path, v: &Version) -> Result<(ir::Model, String), String> {
    let dir = definitions_dir(root, v);
    let defs = load::load(&dir)?;
    let manifest = fhir_package::Manifest::load(&dir).map_err(|e| e.to_string())?;
    let source = manifest
        .packages
        .iter()
        .map(|p| p.spec())
        .collect::<Vec<_>>()
        .join(" + ");
    Ok((convert::convert(&defs, v.module)?, source))
}

/// Generates one version's files in memory: (file name, text).
pub fn generate(root: &Path, v: &Version) -> Result<Vec<(String, String)>, String> {
    let (model, source) = model(root, v)?;
    render(&model, &source)
}

/// Writes one version's generated files (from its already converted `model`, see [`model`]) into
/// its folder under `crates/fhir-model/src/generated/`; returns how many files there are.
pub fn write_version(
    root: &Path,
    v: &Version,
    model: &ir::Model,
    source: &str,
) -> Result<usize, String> {
    let files = render(model, source)?;
    output::write_all(&generated_dir(root, v), &files)?;
    Ok(files.len())
}

fn render(model: &ir::Model, source: &str) -> Result<Vec<(String, String)>, String> {
    emit::emit(model)
        .iter()
        .map(|f| output::render(f, source).map(|text| (f.name.clone(), text)))
        .collect()
}

/// Runs codegen for `versions`; with `check`, compares instead of writing and fails when stale.
///
/// The resource features in `crates/fhir-model/Cargo.toml` cover every version, so all versions'
/// definitions are read for them whichever versions are generated.
pub fn run(root: &Path, versions: &[&Version], check: bool) -> Result<(), String> {
    let mut stale = Vec::new();
    let mut all_resources = Vec::new();
    for v in VERSIONS {
        let (model, source) = model(root, v)?;
        all_resources.extend(model.resources().map(|s| s.name.clone()));
        if !versions.iter().any(|w| w.module == v.module) {
            continue;
        }
        let files = render(&model, &source)?;
        let dir = generated_dir(root, v);
        if check {
            stale.extend(output::check_all(&dir, &files)?.paths);
        } else {
            let changed = output::write_all(&dir, &files)?;
            eprintln!(
                "{}: {} files generated, {changed} changed",
                v.module,
                files.len()
            );
        }
    }
    let kind = emit::kind_file();
    let kind_text = output::render(&kind, "the generator's table of primitives")?;
    let kind_path = root
        .join("crates/fhir-model/src/generated")
        .join(&kind.name);
    if std::fs::read_to_string(&kind_path).ok().as_deref() != Some(kind_text.as_str()) {
        if check {
            stale.push(kind_path.display().to_string());
        } else {
            std::fs::write(&kind_path, kind_text)
                .map_err(|e| format!("{}: {e}", kind_path.display()))?;
            eprintln!("{}: written", kind.name);
        }
    }
    let manifest = root.join("crates/fhir-model/Cargo.toml");
    let current =
        std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let updated = features::update_manifest(&current, &all_resources)?;
    if updated != current {
        if check {
            stale.push(manifest.display().to_string());
        } else {
            std::fs::write(&manifest, updated)
                .map_err(|e| format!("{}: {e}", manifest.display()))?;
            eprintln!("crates/fhir-model/Cargo.toml: resource features updated");
        }
    }
    if !stale.is_empty() {
        return Err(format!(
            "generated code is stale; run `cargo xtask codegen`. Stale files:\n  {}",
            stale.join("\n  ")
        ));
    }
    Ok(())
}
