//! A verified package archive and streaming access to its files.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::{Error, Manifest, PackageRef, sha256_hex};

/// Upper bound for pre-allocating an entry's buffer from its (untrusted) header size.
const MAX_PREALLOC: u64 = 64 << 20;

/// A package archive (`.tgz`) whose SHA-256 has been checked.
///
/// Only the compressed bytes are held in memory; every read decompresses the
/// archive again, streaming, one entry at a time.
#[derive(Clone)]
pub struct Package {
    path: PathBuf,
    bytes: Vec<u8>,
    sha256: String,
}

impl std::fmt::Debug for Package {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Package")
            .field("path", &self.path)
            .field("compressed_len", &self.bytes.len())
            .field("sha256", &self.sha256)
            .finish()
    }
}

impl Package {
    /// Reads the archive at `path` into memory and checks that its SHA-256
    /// equals `expected_sha256` (hex, case-insensitive).
    ///
    /// Fails with [`Error::Io`] if the file cannot be read,
    /// [`Error::NotPinned`] if `expected_sha256` is empty, and
    /// [`Error::ChecksumMismatch`] (naming the file and both hashes) if the
    /// content differs. The archive's structure is not inspected here.
    pub fn open(path: &Path, expected_sha256: &str) -> Result<Package, Error> {
        if expected_sha256.is_empty() {
            return Err(Error::NotPinned {
                file: path.to_path_buf(),
            });
        }
        let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
        Package::from_bytes(path, bytes, expected_sha256)
    }

    /// Opens the archive of `package` listed in `manifest`, checking the pinned hash.
    pub fn open_ref(manifest: &Manifest, package: &PackageRef) -> Result<Package, Error> {
        Package::open(&manifest.archive_path(package), &package.sha256)
    }

    /// Like [`open`](Package::open), for archive bytes already in memory
    /// (e.g. from `include_bytes!`). `origin` is only used in error messages.
    pub fn from_bytes(
        origin: impl Into<PathBuf>,
        bytes: Vec<u8>,
        expected_sha256: &str,
    ) -> Result<Package, Error> {
        let path = origin.into();
        if expected_sha256.is_empty() {
            return Err(Error::NotPinned { file: path });
        }
        let actual = sha256_hex(&bytes);
        if !actual.eq_ignore_ascii_case(expected_sha256) {
            return Err(Error::ChecksumMismatch {
                file: path,
                expected: expected_sha256.to_ascii_lowercase(),
                actual,
            });
        }
        Ok(Package {
            path,
            bytes,
            sha256: actual,
        })
    }

    /// The file the archive was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The archive's verified SHA-256, lowercase hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The compressed archive bytes, exactly as stored.
    pub fn compressed(&self) -> &[u8] {
        &self.bytes
    }

    /// Calls `f(name, contents)` for every regular file under `package/`, in
    /// archive order, decompressing once and streaming (only one file's
    /// contents is in memory at a time).
    ///
    /// `name` is the path inside `package/`, without that prefix: usually a
    /// plain file name such as `Patient-example.json`, but packages may have
    /// subfolders (`other/…`, `openapi/…`), which are passed on as
    /// `other/x.json`; use `!name.contains('/')` to keep top-level files only.
    /// The npm metadata `package.json` and, where present, `.index.json` are
    /// included too. Directories, links and entries outside `package/` are
    /// skipped.
    ///
    /// Archive order is whatever the publisher's tool wrote; use
    /// [`read_files`](Package::read_files) for a sorted result.
    ///
    /// Stops at the first error: one returned by `f` is passed through
    /// unchanged; archive errors ([`Error::CorruptArchive`],
    /// [`Error::InvalidEntryName`], [`Error::DuplicateEntry`]) are converted
    /// with `E: From<Error>` (use `E = Error` if `f` cannot fail otherwise).
    pub fn for_each_file<E: From<Error>>(
        &self,
        mut f: impl FnMut(&str, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let corrupt = |source: io::Error| Error::CorruptArchive {
            file: self.path.clone(),
            source,
        };
        let mut archive = tar::Archive::new(MultiGzDecoder::new(&self.bytes[..]));
        let mut seen: HashSet<String> = HashSet::new();
        let mut buf = Vec::new();
        for entry in archive.entries().map_err(corrupt)? {
            let mut entry = entry.map_err(corrupt)?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let Some(name) = self.entry_name(&entry.path_bytes())? else {
                continue;
            };
            if seen.contains(&name) {
                return Err(Error::DuplicateEntry {
                    file: self.path.clone(),
                    name,
                }
                .into());
            }
            buf.clear();
            buf.reserve(entry.size().min(MAX_PREALLOC) as usize);
            entry.read_to_end(&mut buf).map_err(corrupt)?;
            f(&name, &buf)?;
            seen.insert(name);
        }
        // Read past the end-of-archive marker so the gzip trailer (CRC and
        // length) is verified too.
        io::copy(&mut archive.into_inner(), &mut io::sink()).map_err(corrupt)?;
        Ok(())
    }

    /// Returns the contents of every file (as named by
    /// [`for_each_file`](Package::for_each_file)) for which `filter(name)` is
    /// true, sorted by name (byte order), so the result does not depend on
    /// the archive's entry order.
    pub fn read_files(
        &self,
        filter: impl Fn(&str) -> bool,
    ) -> Result<Vec<(String, Vec<u8>)>, Error> {
        let mut files = Vec::new();
        self.for_each_file(|name, data| {
            if filter(name) {
                files.push((name.to_owned(), data.to_vec()));
            }
            Ok::<(), Error>(())
        })?;
        files.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(files)
    }

    /// Maps a raw tar path to the name below `package/`; `None` if outside it.
    fn entry_name(&self, raw: &[u8]) -> Result<Option<String>, Error> {
        let invalid = || Error::InvalidEntryName {
            file: self.path.clone(),
            name: String::from_utf8_lossy(raw).into_owned(),
        };
        let full = std::str::from_utf8(raw).map_err(|_| invalid())?;
        let full = full.strip_prefix("./").unwrap_or(full);
        let Some(rest) = full.strip_prefix("package/") else {
            return Ok(None);
        };
        if rest
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == ".." || c.contains('\\'))
        {
            return Err(invalid());
        }
        Ok(Some(rest.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};

    /// Builds a .tgz with the given (path, contents) regular files, in order.
    fn tgz(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        let mut dir = tar::Header::new_ustar();
        dir.set_entry_type(tar::EntryType::Directory);
        dir.set_mode(0o755);
        dir.set_size(0);
        builder
            .append_data(&mut dir, "package/", io::empty())
            .unwrap();
        for (path, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            builder.append_data(&mut h, path, *data).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    fn sample() -> Vec<u8> {
        tgz(&[
            ("package/package.json", br#"{"name":"x"}"#),
            ("package/Patient-b.json", b"B"),
            ("package/Patient-a.json", b"A"),
            ("package/other/readme.txt", b"text"),
            ("outside/ignored.json", b"no"),
            ("package/Observation-z.json", b"Z"),
        ])
    }

    fn open(bytes: Vec<u8>) -> Package {
        let sha = sha256_hex(&bytes);
        Package::from_bytes("mem.tgz", bytes, &sha).unwrap()
    }

    #[test]
    fn sha_mismatch_names_file_and_both_hashes() {
        let bytes = sample();
        let actual = sha256_hex(&bytes);
        let wrong = "0".repeat(64);
        let err = Package::from_bytes("defs/x.tgz", bytes.clone(), &wrong).unwrap_err();
        assert!(matches!(err, Error::ChecksumMismatch { .. }));
        let msg = err.to_string();
        assert!(msg.contains("defs/x.tgz"), "{msg}");
        assert!(msg.contains(&wrong) && msg.contains(&actual), "{msg}");

        let err = Package::from_bytes("defs/x.tgz", bytes.clone(), "").unwrap_err();
        assert!(matches!(err, Error::NotPinned { .. }), "{err}");

        // Case-insensitive match is accepted and normalized.
        let p = Package::from_bytes("x", bytes, &actual.to_uppercase()).unwrap();
        assert_eq!(p.sha256(), actual);
    }

    #[test]
    fn iterates_in_archive_order_and_skips_non_package_entries() {
        let p = open(sample());
        let mut seen = Vec::new();
        p.for_each_file(|name, data| {
            seen.push((name.to_owned(), data.to_vec()));
            Ok::<_, Error>(())
        })
        .unwrap();
        let names: Vec<_> = seen.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "package.json",
                "Patient-b.json",
                "Patient-a.json",
                "other/readme.txt",
                "Observation-z.json"
            ]
        );
        assert_eq!(seen[2].1, b"A");
    }

    #[test]
    fn read_files_filters_and_sorts() {
        let p = open(sample());
        let files = p
            .read_files(|n| n.ends_with(".json") && !n.contains('/') && n != "package.json")
            .unwrap();
        let names: Vec<_> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["Observation-z.json", "Patient-a.json", "Patient-b.json"]
        );
        assert_eq!(files[1].1, b"A");
        assert!(p.read_files(|_| false).unwrap().is_empty());
    }

    #[test]
    fn callback_error_stops_iteration() {
        #[derive(Debug)]
        enum MyErr {
            Stop,
            #[allow(dead_code)]
            Pkg(Error),
        }
        impl From<Error> for MyErr {
            fn from(e: Error) -> Self {
                MyErr::Pkg(e)
            }
        }
        let p = open(sample());
        let mut n = 0;
        let r = p.for_each_file(|_, _| {
            n += 1;
            if n == 2 { Err(MyErr::Stop) } else { Ok(()) }
        });
        assert!(matches!(r, Err(MyErr::Stop)));
        assert_eq!(n, 2);
    }

    #[test]
    fn corrupt_input_is_an_error_not_a_panic() {
        let good = sample();
        let mut inputs = vec![
            b"not gzip at all".to_vec(),
            Vec::new(),
            good[..good.len() / 2].to_vec(),
        ];
        let mut flipped = good.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0xff;
        inputs.push(flipped);
        let mut bad_trailer = good.clone();
        let last = bad_trailer.len() - 5; // inside the CRC32
        bad_trailer[last] ^= 0xff;
        inputs.push(bad_trailer);
        for bytes in inputs {
            let p = open(bytes);
            let err = p.read_files(|_| true).unwrap_err();
            assert!(
                matches!(err, Error::CorruptArchive { .. }),
                "unexpected {err:?}"
            );
            assert!(err.to_string().contains("mem.tgz"));
        }
    }

    #[test]
    fn duplicate_and_unsafe_names_are_rejected() {
        let p = open(tgz(&[("package/a.json", b"1"), ("./package/a.json", b"2")]));
        let err = p.read_files(|_| true).unwrap_err();
        assert!(matches!(err, Error::DuplicateEntry { ref name, .. } if name == "a.json"));

        // `tar::Builder` refuses `..` paths, so patch the header name by hand.
        let mut h = tar::Header::new_ustar();
        h.as_ustar_mut().unwrap().name[..17].copy_from_slice(b"package/../x.json");
        h.set_size(1);
        h.set_mode(0o644);
        h.set_cksum();
        let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        builder.append(&h, &b"x"[..]).unwrap();
        let p = open(builder.into_inner().unwrap().finish().unwrap());
        let err = p.read_files(|_| true).unwrap_err();
        assert!(matches!(err, Error::InvalidEntryName { .. }), "{err:?}");
    }

    #[test]
    fn open_reports_missing_file() {
        let err = Package::open(Path::new("no/such/archive.tgz"), &"0".repeat(64)).unwrap_err();
        assert!(matches!(err, Error::Io { .. }));
        assert!(err.to_string().contains("no/such/archive.tgz"), "{err}");
    }
}
