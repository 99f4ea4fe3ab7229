//! The source edits of `cargo xtask add-version`: plain functions from a file's text to its new
//! text. Each is idempotent (`Ok(None)`: the version is there already) and fails, naming what it
//! looked for, when the anchor it expects is not in the file.
//!
//! A new version is modelled on the last one registered (`prev`): its lines are copied with the
//! module (`r5` → `r6`) and marker (`R5` → `R6`) names replaced as whole tokens.

/// The version being added, and the one its lines are copied from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewVersion {
    /// The module, folder and cargo feature name, e.g. `r6`.
    pub module: String,
    /// The version its lines are copied from, the last registered before it, e.g. `r5`.
    pub prev: String,
    /// The FHIR version of its definitions, e.g. `6.0.0`.
    pub fhir_version: String,
}

impl NewVersion {
    /// The Rust type and variant name of the new version: `r6` → `R6`, `r5b` → `R5b`.
    pub fn marker(&self) -> String {
        marker(&self.module)
    }

    /// The release's name, as the client reports it: `r6` → `R6`.
    pub fn release_name(&self) -> String {
        self.module.to_ascii_uppercase()
    }

    /// The major and minor version: `6.0.0` → `6.0`.
    pub fn major_minor(&self) -> String {
        self.fhir_version
            .split('.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".")
    }

    /// A line of `prev` rewritten for the new version: module and marker replaced as tokens.
    fn rename(&self, text: &str) -> String {
        let text = replace_token(text, &self.prev, &self.module);
        replace_token(&text, &marker(&self.prev), &self.marker())
    }
}

/// The Rust type and variant name of a version module: the first letter in upper case.
pub fn marker(module: &str) -> String {
    let mut chars = module.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Replaces `from` with `to` where it stands as a token: not preceded by an identifier character,
/// not followed by a letter or digit (`r5_link_relation` is renamed, `r50` and `fhir_r5` are not).
pub fn replace_token(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + from.len()..].chars().next();
        let starts = !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        let ends = !after.is_some_and(|c| c.is_ascii_alphanumeric());
        out.push_str(&rest[..at]);
        out.push_str(if starts && ends { to } else { from });
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

const VERSIONS_START: &str = "pub const VERSIONS: &[Version] = &[\n";

/// The modules of `VERSIONS` in `xtask/src/codegen/mod.rs`, in order.
pub fn registered_versions(codegen_mod: &str) -> Result<Vec<String>, String> {
    let (start, end) = versions_list(codegen_mod)?;
    let modules: Vec<String> = codegen_mod[start..end]
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("Version { module: \"")?;
            Some(rest.split('"').next()?.to_owned())
        })
        .collect();
    if modules.is_empty() {
        return Err(
            "VERSIONS in xtask/src/codegen/mod.rs lists no `Version { module: \"..\" },` line"
                .into(),
        );
    }
    Ok(modules)
}

/// The lines of the `VERSIONS` list, one entry each: from after its first line to its `];`.
fn versions_list(codegen_mod: &str) -> Result<(usize, usize), String> {
    let start = codegen_mod.find(VERSIONS_START).ok_or_else(|| {
        format!(
            "xtask/src/codegen/mod.rs: no line `{}`",
            VERSIONS_START.trim_end()
        )
    })? + VERSIONS_START.len();
    let end = codegen_mod[start..]
        .find("\n];")
        .ok_or("xtask/src/codegen/mod.rs: the VERSIONS list has no `];` line")?
        + start
        + 1;
    Ok((start, end))
}

/// `xtask/src/codegen/mod.rs`: the version's line at the end of `VERSIONS`.
pub fn register(codegen_mod: &str, v: &NewVersion) -> Result<Option<String>, String> {
    if registered_versions(codegen_mod)?.contains(&v.module) {
        return Ok(None);
    }
    let (_, end) = versions_list(codegen_mod)?;
    let line = format!("    Version {{ module: \"{}\" }},\n", v.module);
    Ok(Some(insert_at(codegen_mod, end, &line)))
}

/// A manifest's `prev = [...]` feature line gets a `module = [...]` line after it (`value`).
fn feature_after_prev(
    manifest: &str,
    file: &str,
    v: &NewVersion,
    value: &str,
) -> Result<Option<String>, String> {
    if line_starting(manifest, &format!("{} = [", v.module)).is_some() {
        return Ok(None);
    }
    let (_, end) = line_starting(manifest, &format!("{} = [", v.prev)).ok_or_else(|| {
        format!(
            "{file}: no feature line `{} = [...]` to add `{}` after",
            v.prev, v.module
        )
    })?;
    Ok(Some(insert_at(
        manifest,
        end,
        &format!("{} = {value}\n", v.module),
    )))
}

/// `crates/fhir-model/Cargo.toml`: the version's feature, `rN = []`.
pub fn model_feature(manifest: &str, v: &NewVersion) -> Result<Option<String>, String> {
    feature_after_prev(manifest, "crates/fhir-model/Cargo.toml", v, "[]")
}

/// `crates/fhir-model/src/lib.rs`: the version in the "no version enabled" check, and its module.
pub fn model_module(lib: &str, v: &NewVersion) -> Result<Option<String>, String> {
    let file = "crates/fhir-model/src/lib.rs";
    let mut text = lib.to_owned();
    let (start, end) = line_starting(&text, "#[cfg(not(any(feature = ").ok_or_else(|| {
        format!(
            "{file}: no line `#[cfg(not(any(feature = ...` (the check that a version is enabled)"
        )
    })?;
    let feature = format!("feature = \"{}\"", v.module);
    if !text[start..end].contains(&feature) {
        let prev = format!("feature = \"{}\"", v.prev);
        let at = text[start..end]
            .find(&prev)
            .ok_or_else(|| format!("{file}: the version check does not name `{prev}`"))?
            + start
            + prev.len();
        text = insert_at(&text, at, &format!(", {feature}"));
    }
    if !text.contains(&format!("\npub mod {};\n", v.module)) {
        let anchor = format!("\npub mod {};\n", v.prev);
        let at = text.find(&anchor).ok_or_else(|| {
            format!(
                "{file}: no line `pub mod {};` to add `{}` after",
                v.prev, v.module
            )
        })? + anchor.len();
        let module = format!(
            "\n/// FHIR {} ({}): every resource, datatype and required code set, generated from the official definitions.\n\
             #[cfg(feature = \"{m}\")]\n#[rustfmt::skip]\n#[path = \"generated/{m}/mod.rs\"]\npub mod {m};\n",
            v.release_name(),
            v.fhir_version,
            m = v.module
        );
        text = insert_at(&text, at, &module);
    }
    Ok((text != lib).then_some(text))
}

/// Every item behind `#[cfg(feature = "prev")]` (one line each) gets a copy for the new version
/// after it: `tests/support/lib.rs` (the `Version` enum and its matches) and the client's
/// re-export of its marker.
pub fn cfg_lines(text: &str, file: &str, v: &NewVersion) -> Result<Option<String>, String> {
    let new_cfg = format!("#[cfg(feature = \"{}\")]", v.module);
    if text.lines().any(|l| l.trim() == new_cfg) {
        return Ok(None);
    }
    let prev_cfg = format!("#[cfg(feature = \"{}\")]", v.prev);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::with_capacity(text.len() + 1024);
    let mut copied = 0;
    let mut i = 0;
    while i < lines.len() {
        out.push_str(lines[i]);
        if lines[i].trim() == prev_cfg {
            let item = lines
                .get(i + 1)
                .ok_or_else(|| format!("{file}: `{prev_cfg}` on the last line"))?;
            if !one_line_item(item) {
                return Err(format!(
                    "{file}:{}: the item after `{prev_cfg}` spans several lines; add `{}`'s by hand",
                    i + 2,
                    v.module
                ));
            }
            out.push_str(item);
            out.push_str(&lines[i].replace(&prev_cfg, &new_cfg));
            out.push_str(&v.rename(item));
            copied += 1;
            i += 1;
        }
        i += 1;
    }
    if copied == 0 {
        return Err(format!(
            "{file}: no line `{prev_cfg}` to copy for `{}`",
            v.module
        ));
    }
    Ok(Some(out))
}

/// A line that is a whole item: brackets balanced, ending with `,` or `;`.
fn one_line_item(line: &str) -> bool {
    let depth = line.chars().fold(0i32, |d, c| match c {
        '(' | '[' | '{' | '<' => d + 1,
        ')' | ']' | '}' | '>' => d - 1,
        _ => d,
    });
    let line = line.trim_end();
    // `=>` and `->` close no bracket.
    let arrows = line.matches("=>").count() as i32 + line.matches("->").count() as i32;
    depth + arrows == 0 && (line.ends_with(',') || line.ends_with(';'))
}

/// `tests/Cargo.toml`: the version's feature, and the version in the default features (the tests
/// need every version).
pub fn tests_features(manifest: &str, v: &NewVersion) -> Result<Option<String>, String> {
    let file = "tests/Cargo.toml";
    let mut text = feature_after_prev(
        manifest,
        file,
        v,
        &format!("[\"fhir-rs-model/{}\"]", v.module),
    )?
    .unwrap_or_else(|| manifest.to_owned());
    let (start, end) = line_starting(&text, "default = [")
        .ok_or_else(|| format!("{file}: no `default = [...]` features line"))?;
    let quoted = format!("\"{}\"", v.module);
    if !text[start..end].contains(&quoted) {
        let prev = format!("\"{}\"", v.prev);
        let at = text[start..end]
            .find(&prev)
            .ok_or_else(|| format!("{file}: the default features do not name {prev}"))?
            + start
            + prev.len();
        text = insert_at(&text, at, &format!(", {quoted}"));
    }
    Ok((text != manifest).then_some(text))
}

/// `tests/roundtrip.rs`: a lenient round trip of every file of the version's pinned packages.
/// The exact count and the strict-mode snapshot are for the developer to add once they are known.
pub fn roundtrip_test(text: &str, v: &NewVersion) -> Result<Option<String>, String> {
    let name = format!("fn every_{}_resource_round_trips_leniently()", v.module);
    if text.contains(&name) {
        return Ok(None);
    }
    if !text.contains("fn run(version: Version, dir: &str, options: ParseOptions)") {
        return Err("tests/roundtrip.rs: no `fn run(version: Version, dir: &str, options: ParseOptions)` for the new test to call".into());
    }
    let test = format!(
        "\n#[test]\n{name} {{\n    \
         let (passed, failures) = run(Version::{marker}, \"{m}\", ParseOptions::lenient());\n    \
         assert_eq!(failures, Vec::<String>::new());\n    \
         assert!(passed > 0, \"definitions/{m} holds no resources\");\n}}\n",
        marker = v.marker(),
        m = v.module
    );
    let mut out = text.trim_end().to_owned();
    out.push('\n');
    out.push_str(&test);
    Ok(Some(out))
}

/// `crates/fhir-client/Cargo.toml`: the version's feature, turning on the model's.
pub fn client_feature(manifest: &str, v: &NewVersion) -> Result<Option<String>, String> {
    feature_after_prev(
        manifest,
        "crates/fhir-client/Cargo.toml",
        v,
        &format!("[\"fhir-rs-model/{}\"]", v.module),
    )
}

/// `crates/fhir-client/src/version.rs`: a copy of the last version's block (its per-version
/// functions and its `fhir_version!` line, between `// BEGIN version prev` and
/// `// END version prev`), renamed, with the new version's numbers.
///
/// The copied functions are a starting point: where a definition the client reads changed, the
/// build of the client with the new feature fails there, and that function is what to adapt.
pub fn client_version(text: &str, v: &NewVersion) -> Result<Option<String>, String> {
    let file = "crates/fhir-client/src/version.rs";
    let begin = |m: &str| format!("// BEGIN version {m}\n");
    let end = |m: &str| format!("// END version {m}\n");
    if text.contains(&begin(&v.module)) {
        return Ok(None);
    }
    let start = text
        .find(&begin(&v.prev))
        .ok_or_else(|| format!("{file}: no line `{}`", begin(&v.prev).trim_end()))?;
    let stop = text[start..]
        .find(&end(&v.prev))
        .ok_or_else(|| format!("{file}: no line `{}`", end(&v.prev).trim_end()))?
        + start
        + end(&v.prev).len();
    let block = &text[start..stop];
    let (old_version, old_major_minor) = version_numbers(block)
        .ok_or_else(|| format!("{file}: the `{}` block has no line `name: \"..\", version: \"..\", major_minor: \"..\",`", v.prev))?;
    let mut copy = v.rename(block);
    copy = copy.replace(
        &format!("\"{old_version}\""),
        &format!("\"{}\"", v.fhir_version),
    );
    copy = copy.replace(
        &format!("({old_version})"),
        &format!("({})", v.fhir_version),
    );
    copy = copy.replace(
        &format!("\"{old_major_minor}\""),
        &format!("\"{}\"", v.major_minor()),
    );
    copy = copy.replace(
        &format!("name: \"{}\"", v.marker()),
        &format!("name: \"{}\"", v.release_name()),
    );
    Ok(Some(insert_at(text, stop, &format!("\n{copy}"))))
}

/// The `version` and `major_minor` of a block's `name: .., version: .., major_minor: ..` line.
fn version_numbers(block: &str) -> Option<(String, String)> {
    let line = block
        .lines()
        .find(|l| l.trim_start().starts_with("name: \""))?;
    let quoted = |key: &str| {
        let rest = &line[line.find(&format!("{key}: \""))? + key.len() + 3..];
        Some(rest[..rest.find('"')?].to_owned())
    };
    Some((quoted("version")?, quoted("major_minor")?))
}

/// The byte range of the first line starting (after indentation) with `prefix`, newline included.
fn line_starting(text: &str, prefix: &str) -> Option<(usize, usize)> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with(prefix) {
            return Some((at, at + line.len()));
        }
        at += line.len();
    }
    None
}

fn insert_at(text: &str, at: usize, insert: &str) -> String {
    let mut out = String::with_capacity(text.len() + insert.len());
    out.push_str(&text[..at]);
    out.push_str(insert);
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r6() -> NewVersion {
        NewVersion {
            module: "r6".into(),
            prev: "r5".into(),
            fhir_version: "6.0.0".into(),
        }
    }

    #[test]
    fn tokens_are_replaced_whole() {
        assert_eq!(
            replace_token(
                "r5_link_relation(fhir_model::r5::X, r50, fhir_r5)",
                "r5",
                "r6"
            ),
            "r6_link_relation(fhir_model::r6::X, r50, fhir_r5)"
        );
        assert_eq!(
            replace_token("\"r5\" R5, R5b", "R5", "R6"),
            "\"r5\" R6, R5b"
        );
        assert_eq!(marker("r5b"), "R5b");
        assert_eq!(r6().major_minor(), "6.0");
    }

    #[test]
    fn versions_list_gets_a_line_once() {
        let text = "x\npub const VERSIONS: &[Version] = &[\n    // comment\n    Version { module: \"r4\" },\n    Version { module: \"r5\" },\n];\n";
        assert_eq!(registered_versions(text).unwrap(), ["r4", "r5"]);
        let once = register(text, &r6()).unwrap().unwrap();
        assert!(
            once.ends_with(
                "    Version { module: \"r5\" },\n    Version { module: \"r6\" },\n];\n"
            )
        );
        assert_eq!(register(&once, &r6()).unwrap(), None);
        let err = register("const V: &[Version] = &[];", &r6()).unwrap_err();
        assert!(err.contains("pub const VERSIONS"), "{err}");
    }

    #[test]
    fn model_lib_gets_the_check_and_the_module() {
        let lib = "#[cfg(not(any(feature = \"r4\", feature = \"r5\")))]\ncompile_error!(\"..\");\n\n/// R5\n#[cfg(feature = \"r5\")]\n#[rustfmt::skip]\n#[path = \"generated/r5/mod.rs\"]\npub mod r5;\n";
        let once = model_module(lib, &r6()).unwrap().unwrap();
        assert!(once.starts_with(
            "#[cfg(not(any(feature = \"r4\", feature = \"r5\", feature = \"r6\")))]\n"
        ));
        assert!(once.ends_with("#[cfg(feature = \"r6\")]\n#[rustfmt::skip]\n#[path = \"generated/r6/mod.rs\"]\npub mod r6;\n"));
        assert!(once.contains("/// FHIR R6 (6.0.0): every resource"));
        assert_eq!(model_module(&once, &r6()).unwrap(), None);
        let err = model_module("pub mod r4;\n", &r6()).unwrap_err();
        assert!(err.contains("#[cfg(not(any(feature = "), "{err}");
    }

    #[test]
    fn cfg_lines_are_copied_after_each_item() {
        let text = "enum V {\n    #[cfg(feature = \"r5\")]\n    R5,\n}\nmatch v {\n    #[cfg(feature = \"r5\")]\n    V::R5 => roundtrip::<fhir_model::r5::Resource>(t),\n}\n";
        let once = cfg_lines(text, "f.rs", &r6()).unwrap().unwrap();
        assert!(once.contains("    R5,\n    #[cfg(feature = \"r6\")]\n    R6,\n"));
        assert!(once.contains(
            "    #[cfg(feature = \"r6\")]\n    V::R6 => roundtrip::<fhir_model::r6::Resource>(t),\n"
        ));
        assert_eq!(cfg_lines(&once, "f.rs", &r6()).unwrap(), None);
        let split = "#[cfg(feature = \"r5\")]\nV::R5 => call(\n    a,\n),\n";
        assert!(
            cfg_lines(split, "f.rs", &r6())
                .unwrap_err()
                .contains("spans several lines")
        );
        assert!(
            cfg_lines("nothing\n", "f.rs", &r6())
                .unwrap_err()
                .contains("no line")
        );
    }

    #[test]
    fn features_go_after_the_last_version() {
        let manifest = "[features]\ndefault = [\"r4\", \"r5\", \"xml\"]\nr4 = [\"fhir-rs-model/r4\"]\nr5 = [\"fhir-rs-model/r5\"]\nxml = []\n";
        let once = tests_features(manifest, &r6()).unwrap().unwrap();
        assert!(once.contains("default = [\"r4\", \"r5\", \"r6\", \"xml\"]\n"));
        assert!(once.contains("r5 = [\"fhir-rs-model/r5\"]\nr6 = [\"fhir-rs-model/r6\"]\nxml"));
        assert_eq!(tests_features(&once, &r6()).unwrap(), None);
        let model = model_feature("r4 = []\nr5 = []\n", &r6()).unwrap().unwrap();
        assert_eq!(model, "r4 = []\nr5 = []\nr6 = []\n");
        assert!(
            model_feature("r4 = []\n", &r6())
                .unwrap_err()
                .contains("`r5 = [...]`")
        );
    }

    #[test]
    fn the_client_block_is_copied_with_the_new_numbers() {
        let text = "// BEGIN version r5\nfn r5_take(b: &fhir_model::r5::Bundle) {}\n#[cfg(feature = \"r5\")]\nfhir_version! {\n    /// FHIR R5 (5.0.0).\n    /// assert_eq!(R5::MAJOR_MINOR, \"5.0\");\n    R5, r5,\n    name: \"R5\", version: \"5.0.0\", major_minor: \"5.0\",\n    take: r5_take,\n}\n// END version r5\n\n#[cfg(test)]\n";
        let once = client_version(text, &r6()).unwrap().unwrap();
        let copy = &once[once.find("// BEGIN version r6").unwrap()..];
        assert!(copy.contains("fn r6_take(b: &fhir_model::r6::Bundle) {}"));
        assert!(copy.contains("#[cfg(feature = \"r6\")]"));
        assert!(copy.contains("/// FHIR R6 (6.0.0)."));
        assert!(copy.contains("assert_eq!(R6::MAJOR_MINOR, \"6.0\");"));
        assert!(
            copy.contains(
                "    R6, r6,\n    name: \"R6\", version: \"6.0.0\", major_minor: \"6.0\","
            )
        );
        assert!(copy.ends_with("// END version r6\n\n#[cfg(test)]\n"));
        assert_eq!(client_version(&once, &r6()).unwrap(), None);
    }

    #[test]
    fn the_roundtrip_test_is_appended_once() {
        let text = "fn run(version: Version, dir: &str, options: ParseOptions) {}\n";
        let once = roundtrip_test(text, &r6()).unwrap().unwrap();
        assert!(once.contains("fn every_r6_resource_round_trips_leniently() {\n    let (passed, failures) = run(Version::R6, \"r6\", ParseOptions::lenient());"));
        assert_eq!(roundtrip_test(&once, &r6()).unwrap(), None);
    }
}
