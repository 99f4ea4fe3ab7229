//! `package.toml`: which packages a definitions directory pins, and their checksums.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Error;

/// File name of the manifest inside a definitions directory.
pub const MANIFEST_FILE: &str = "package.toml";

/// One pinned package: an entry `[[package]]` of `package.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageRef {
    /// Package name, e.g. `hl7.fhir.r4.examples`.
    pub name: String,
    /// Exact package version, e.g. `4.0.1`.
    pub version: String,
    /// File name of the archive, relative to the manifest's directory,
    /// e.g. `hl7.fhir.r4.examples-4.0.1.tgz`. A plain file name, no directories.
    pub file: String,
    /// Lowercase hex SHA-256 of the archive. Empty means "not pinned yet":
    /// the next [`fetch`](crate::fetch()) records it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sha256: String,
}

impl PackageRef {
    /// `name@version`, the form npm uses to name a package version.
    pub fn spec(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }
}

/// A parsed `package.toml` together with the directory it lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The directory holding `package.toml` and the archives it lists.
    pub dir: PathBuf,
    /// The pinned packages, in file order.
    pub packages: Vec<PackageRef>,
}

/// On-disk shape: a list of `[[package]]` tables.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    package: Vec<PackageRef>,
}

impl Manifest {
    /// Reads and validates `dir/package.toml`.
    ///
    /// Fails if the file is missing or unreadable, is not TOML of the form
    /// `[[package]] name/version/file/sha256`, has unknown keys, or has an
    /// unusable value (empty name, a `file` that is not a plain file name, a
    /// `sha256` that is not 64 hex digits, two entries with the same `file`).
    pub fn load(dir: &Path) -> Result<Manifest, Error> {
        let path = dir.join(MANIFEST_FILE);
        let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        Manifest::parse(dir, &text)
    }

    /// Parses manifest text as if it had been read from `dir/package.toml`.
    pub fn parse(dir: &Path, text: &str) -> Result<Manifest, Error> {
        let path = dir.join(MANIFEST_FILE);
        let file: ManifestFile = toml::from_str(text).map_err(|e| Error::ManifestParse {
            path: path.clone(),
            source: Box::new(e),
        })?;
        let mut packages = file.package;
        for (i, p) in packages.iter_mut().enumerate() {
            p.sha256.make_ascii_lowercase();
            validate(p).map_err(|message| Error::ManifestInvalid {
                path: path.clone(),
                message: format!("package #{} ({:?}): {message}", i + 1, p.name),
            })?;
        }
        for (i, p) in packages.iter().enumerate() {
            if packages[..i].iter().any(|q| q.file == p.file) {
                return Err(Error::ManifestInvalid {
                    path,
                    message: format!("file {:?} is listed more than once", p.file),
                });
            }
        }
        Ok(Manifest {
            dir: dir.to_path_buf(),
            packages,
        })
    }

    /// Renders the manifest as written by [`save`](Manifest::save): a comment
    /// line followed by one `[[package]]` table per package.
    pub fn to_toml(&self) -> Result<String, Error> {
        let body = toml::to_string(&ManifestFile {
            package: self.packages.clone(),
        })
        .map_err(|source| Error::ManifestSerialize {
            path: self.path(),
            source,
        })?;
        let header = if self.packages.len() == 1 {
            "# The FHIR package this version's model is generated from. \
             `cargo xtask fetch-definitions` refreshes it."
        } else {
            "# The FHIR packages this version's model is generated from. \
             `cargo xtask fetch-definitions` refreshes them."
        };
        Ok(format!("{header}\n{body}"))
    }

    /// Writes the manifest back to `dir/package.toml`, replacing the file
    /// atomically (write to a temporary sibling, then rename).
    pub fn save(&self) -> Result<(), Error> {
        let text = self.to_toml()?;
        let path = self.path();
        let tmp = self.dir.join(format!(".{MANIFEST_FILE}.tmp"));
        fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| {
            let _ = fs::remove_file(&tmp);
            Error::io(&path, e)
        })
    }

    /// Path of the manifest file itself, `dir/package.toml`.
    pub fn path(&self) -> PathBuf {
        self.dir.join(MANIFEST_FILE)
    }

    /// Path of a package's archive: `dir/<file>`.
    pub fn archive_path(&self, p: &PackageRef) -> PathBuf {
        self.dir.join(&p.file)
    }

    /// The package entry with the given name, if any.
    pub fn package(&self, name: &str) -> Option<&PackageRef> {
        self.packages.iter().find(|p| p.name == name)
    }
}

fn validate(p: &PackageRef) -> Result<(), String> {
    if p.name.trim().is_empty() {
        return Err("`name` is empty".into());
    }
    if p.version.trim().is_empty() {
        return Err("`version` is empty".into());
    }
    if !is_plain_file_name(&p.file) {
        return Err(format!(
            "`file` = {:?} must be a plain file name in the manifest's directory",
            p.file
        ));
    }
    if !p.sha256.is_empty() && !is_sha256_hex(&p.sha256) {
        return Err(format!(
            "`sha256` = {:?} is not 64 hexadecimal digits",
            p.sha256
        ));
    }
    Ok(())
}

pub(crate) fn is_plain_file_name(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && !s.contains(['/', '\\', ':', '\0'])
        && s != MANIFEST_FILE
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const R5: &str = r#"
[[package]]
name = "hl7.fhir.r5.core"
version = "5.0.0"
file = "hl7.fhir.r5.core-5.0.0.tgz"
sha256 = "DCE87F1B5B9341867033F7D1F544FA1B5232503F6D62813887AC6B8A8B6CB682"

[[package]]
name = "hl7.fhir.r5.examples"
version = "5.0.0"
file = "hl7.fhir.r5.examples-5.0.0.tgz"
"#;

    #[test]
    fn parses_array_of_tables_and_normalizes_hash() {
        let m = Manifest::parse(Path::new("defs/r5"), R5).unwrap();
        assert_eq!(m.packages.len(), 2);
        assert_eq!(
            m.packages[0].sha256,
            "dce87f1b5b9341867033f7d1f544fa1b5232503f6d62813887ac6b8a8b6cb682"
        );
        assert_eq!(m.packages[1].sha256, "");
        assert_eq!(m.packages[1].spec(), "hl7.fhir.r5.examples@5.0.0");
        assert_eq!(
            m.archive_path(&m.packages[1]),
            Path::new("defs/r5/hl7.fhir.r5.examples-5.0.0.tgz")
        );
        assert_eq!(m.package("hl7.fhir.r5.core"), Some(&m.packages[0]));
    }

    #[test]
    fn text_round_trip() {
        let m = Manifest::parse(Path::new("d"), R5).unwrap();
        let text = m.to_toml().unwrap();
        assert!(text.starts_with("# The FHIR packages "), "{text}");
        assert!(!text.contains("sha256 = \"\""), "{text}");
        assert_eq!(Manifest::parse(Path::new("d"), &text).unwrap(), m);

        let single = Manifest {
            dir: "d".into(),
            packages: vec![m.packages[0].clone()],
        };
        let text = single.to_toml().unwrap();
        assert!(text.starts_with("# The FHIR package this"), "{text}");
        assert_eq!(Manifest::parse(Path::new("d"), &text).unwrap(), single);
    }

    #[test]
    fn rejects_bad_manifests() {
        let cases = [
            ("name = \"x\"", "unknown field"),
            (
                "[[package]]\nname = \"x\"\nversion = \"1\"",
                "missing field `file`",
            ),
            (
                "[[package]]\nname = \"x\"\nversion = \"1\"\nfile = \"../x.tgz\"",
                "plain file name",
            ),
            (
                "[[package]]\nname = \"x\"\nversion = \"1\"\nfile = \"x.tgz\"\nsha256 = \"abc\"",
                "64 hexadecimal",
            ),
            (
                "[[package]]\nname = \"x\"\nversion = \"1\"\nfile = \"x.tgz\"\nsha = \"abc\"",
                "unknown field",
            ),
            (
                "[[package]]\nname = \"x\"\nversion = \"1\"\nfile = \"x.tgz\"\n[[package]]\nname = \"y\"\nversion = \"1\"\nfile = \"x.tgz\"",
                "more than once",
            ),
            ("[[package]\n", "invalid package manifest"),
        ];
        for (text, needle) in cases {
            let err = Manifest::parse(Path::new("dir"), text).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains(needle), "{text:?} gave {msg}");
            assert!(msg.contains("package.toml"), "{msg}");
        }
    }
}
