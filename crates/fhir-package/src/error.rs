//! The crate's single error type.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while reading a manifest, opening or reading a
/// package archive, or fetching a package.
///
/// Every variant names the file or package it concerns, so the message alone
/// is enough to find the culprit.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed (including a missing manifest or archive).
    Io {
        /// The file concerned; `None` only for errors converted with `From<io::Error>`.
        path: Option<PathBuf>,
        /// The underlying error.
        source: io::Error,
    },
    /// `package.toml` is not valid TOML or does not have the expected shape.
    ManifestParse {
        /// The manifest file.
        path: PathBuf,
        /// The parser's error, with line and column.
        source: Box<toml::de::Error>,
    },
    /// `package.toml` parsed but one of its values is unusable.
    ManifestInvalid {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong, naming the package entry.
        message: String,
    },
    /// The manifest could not be serialized (should not happen for valid data).
    ManifestSerialize {
        /// The manifest file being written.
        path: PathBuf,
        /// The serializer's error.
        source: toml::ser::Error,
    },
    /// A package has no pinned checksum, so it cannot be opened.
    NotPinned {
        /// The archive file.
        file: PathBuf,
    },
    /// An archive's SHA-256 differs from the pinned one.
    ChecksumMismatch {
        /// The archive file.
        file: PathBuf,
        /// The pinned hash (lowercase hex).
        expected: String,
        /// The hash of the file's actual bytes (lowercase hex).
        actual: String,
    },
    /// The archive is not a valid gzip-compressed tar stream.
    CorruptArchive {
        /// The archive file.
        file: PathBuf,
        /// The decoder's error.
        source: io::Error,
    },
    /// An archive entry under `package/` has a name that is not UTF-8 or not
    /// a clean relative path (empty, `.` or `..` components).
    InvalidEntryName {
        /// The archive file.
        file: PathBuf,
        /// The entry name (lossily decoded).
        name: String,
    },
    /// The same file name occurs twice in an archive.
    DuplicateEntry {
        /// The archive file.
        file: PathBuf,
        /// The repeated name (without the `package/` prefix).
        name: String,
    },
    /// Running `npm pack` failed: it could not be started, exited unsuccessfully,
    /// or did not produce the expected file.
    Npm {
        /// `name@version` of the package being fetched.
        package: String,
        /// What went wrong, including npm's stderr when there is any.
        message: String,
    },
    /// A freshly fetched archive does not match the pinned checksum. The
    /// download has been discarded and the existing archive left untouched.
    FetchMismatch {
        /// `name@version` of the package.
        package: String,
        /// The hash pinned in the manifest.
        expected: String,
        /// The hash of the downloaded archive.
        actual: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io {
                path: Some(path),
                source,
            } => write!(f, "{}: {source}", path.display()),
            Error::Io { path: None, source } => write!(f, "I/O error: {source}"),
            Error::ManifestParse { path, source } => {
                write!(f, "{}: invalid package manifest: {source}", path.display())
            }
            Error::ManifestInvalid { path, message } => {
                write!(f, "{}: invalid package manifest: {message}", path.display())
            }
            Error::ManifestSerialize { path, source } => {
                write!(f, "{}: cannot serialize manifest: {source}", path.display())
            }
            Error::NotPinned { file } => write!(
                f,
                "{}: no sha256 is pinned for this package; fetch it first",
                file.display()
            ),
            Error::ChecksumMismatch {
                file,
                expected,
                actual,
            } => write!(
                f,
                "{}: sha256 mismatch: expected {expected}, found {actual}",
                file.display()
            ),
            Error::CorruptArchive { file, source } => {
                write!(f, "{}: corrupt package archive: {source}", file.display())
            }
            Error::InvalidEntryName { file, name } => {
                write!(f, "{}: invalid entry name {name:?}", file.display())
            }
            Error::DuplicateEntry { file, name } => {
                write!(
                    f,
                    "{}: entry {name:?} occurs more than once",
                    file.display()
                )
            }
            Error::Npm { package, message } => {
                write!(f, "npm pack {package} failed: {message}")
            }
            Error::FetchMismatch {
                package,
                expected,
                actual,
            } => write!(
                f,
                "fetched {package} has sha256 {actual} but the manifest pins {expected}; \
                 the download was discarded (re-run with update to accept the new hash)"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } | Error::CorruptArchive { source, .. } => Some(source),
            Error::ManifestParse { source, .. } => Some(source.as_ref()),
            Error::ManifestSerialize { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Converts an I/O error that has no file attached (for example one raised
/// inside a [`Package::for_each_file`](crate::Package::for_each_file) callback).
impl From<io::Error> for Error {
    fn from(source: io::Error) -> Self {
        Error::Io { path: None, source }
    }
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: Some(path.into()),
            source,
        }
    }
}
