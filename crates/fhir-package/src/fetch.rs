//! Downloading packages with `npm pack` and pinning their checksums.
//!
//! This is the only part of the crate that touches the network, and only when
//! [`fetch`] is called explicitly (by `cargo xtask fetch-definitions`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{Error, Manifest, PackageRef, sha256_hex};

/// What [`fetch`] did for one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchReport {
    /// The package entry, as it is in the manifest after the fetch.
    pub package: PackageRef,
    /// Where the archive now is.
    pub path: PathBuf,
    /// Whether the manifest's checksum changed.
    pub outcome: FetchOutcome,
}

/// How a fetched archive's checksum relates to the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    /// The download matched the pinned checksum.
    Verified,
    /// No checksum was pinned; the download's has been recorded.
    Pinned,
    /// The download differed from the pinned checksum and `update` was set,
    /// so the new one has been recorded.
    Updated {
        /// The checksum pinned before.
        previous: String,
    },
}

/// Downloads every package of `manifest` with
/// `npm pack NAME@VERSION --pack-destination <dir>` and checks it against the
/// pinned SHA-256.
///
/// Each download goes to a temporary directory inside `manifest.dir` first;
/// only a verified (or accepted) archive is moved to
/// [`archive_path`](Manifest::archive_path), so a failed or mismatching fetch
/// never clobbers the archive already there.
///
/// * Hash pinned and equal: the archive is (re)placed, [`FetchOutcome::Verified`].
/// * No hash pinned: it is recorded, [`FetchOutcome::Pinned`].
/// * Hash pinned and different: with `update == false` the download is
///   deleted and [`Error::FetchMismatch`] names both hashes; with
///   `update == true` the new hash is recorded, [`FetchOutcome::Updated`].
///
/// Whenever a hash is recorded, `manifest` is changed and saved at once, so
/// `package.toml` on disk always matches the archives next to it. Packages
/// are processed in order and the first error stops the run.
///
/// Which registry npm uses is up to the user's npm configuration.
pub fn fetch(manifest: &mut Manifest, update: bool) -> Result<Vec<FetchReport>, Error> {
    let mut reports = Vec::with_capacity(manifest.packages.len());
    for i in 0..manifest.packages.len() {
        let package = manifest.packages[i].clone();
        let (path, sha256, outcome) = fetch_one(manifest, &package, i, update)?;
        if outcome != FetchOutcome::Verified {
            manifest.packages[i].sha256 = sha256;
            manifest.save()?;
        }
        reports.push(FetchReport {
            package: manifest.packages[i].clone(),
            path,
            outcome,
        });
    }
    Ok(reports)
}

fn package_sha(path: &Path) -> Result<String, Error> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(sha256_hex(&bytes))
}

/// Removes a temporary directory when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn fetch_one(
    manifest: &Manifest,
    package: &PackageRef,
    index: usize,
    update: bool,
) -> Result<(PathBuf, String, FetchOutcome), Error> {
    let spec = package.spec();
    let npm_err = |message: String| Error::Npm {
        package: spec.clone(),
        message,
    };

    let tmp = TempDir(
        manifest
            .dir
            .join(format!(".fetch-{}-{index}.tmp", std::process::id())),
    );
    let _ = fs::remove_dir_all(&tmp.0);
    fs::create_dir_all(&tmp.0).map_err(|e| Error::io(&tmp.0, e))?;

    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let output = Command::new(npm)
        .arg("pack")
        .arg(&spec)
        .arg("--pack-destination")
        .arg(&tmp.0)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| npm_err(format!("cannot run `{npm}`: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(npm_err(format!(
            "{}; npm said:\n{}",
            output.status,
            stderr.trim_end()
        )));
    }

    // The temporary directory is fresh, so whatever `.tgz` is in it is the download.
    let mut produced = Vec::new();
    for entry in fs::read_dir(&tmp.0).map_err(|e| Error::io(&tmp.0, e))? {
        let entry = entry.map_err(|e| Error::io(&tmp.0, e))?;
        if entry.path().extension().is_some_and(|e| e == "tgz") {
            produced.push(entry.path());
        }
    }
    let [downloaded] = produced.as_slice() else {
        return Err(npm_err(format!(
            "expected one .tgz in {}, found {}",
            tmp.0.display(),
            produced.len()
        )));
    };

    let actual = package_sha(downloaded)?;
    let outcome = if package.sha256.is_empty() {
        FetchOutcome::Pinned
    } else if package.sha256.eq_ignore_ascii_case(&actual) {
        FetchOutcome::Verified
    } else if update {
        FetchOutcome::Updated {
            previous: package.sha256.clone(),
        }
    } else {
        // `tmp` is dropped on return, deleting the download.
        return Err(Error::FetchMismatch {
            package: spec,
            expected: package.sha256.clone(),
            actual,
        });
    };

    let dest = manifest.archive_path(package);
    fs::rename(downloaded, &dest).map_err(|e| Error::io(&dest, e))?;
    Ok((dest, actual, outcome))
}
