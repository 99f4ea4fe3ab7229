//! Pinned, checksummed FHIR packages (definitions and examples).
//!
//! HL7 publishes the FHIR definitions and examples as npm-format packages: a
//! gzip-compressed tar archive (`.tgz`) whose entries are `package/<file>`.
//! The repository keeps each archive **as-is** under `definitions/<version>/`,
//! next to a manifest `package.toml` that pins it:
//!
//! ```toml
//! # The FHIR package this version's model is generated from. `cargo xtask fetch-definitions` refreshes it.
//! [[package]]
//! name = "hl7.fhir.r4.examples"
//! version = "4.0.1"
//! file = "hl7.fhir.r4.examples-4.0.1.tgz"
//! sha256 = "dce87f1b5b9341867033f7d1f544fa1b5232503f6d62813887ac6b8a8b6cb682"
//! ```
//!
//! A manifest may list several `[[package]]` entries (e.g. a core package and
//! an examples package).
//!
//! # Why the archives stay packed
//!
//! * **Small in git**: the R4 examples are one 19 MB file instead of 5,300
//!   files and 190 MB of JSON.
//! * **Authentic**: the file is byte-for-byte what the publisher released, so
//!   anyone can re-download it and compare; an unpacked tree can drift
//!   unnoticed (line endings, formatters, partial edits).
//! * **Pinned**: the SHA-256 in `package.toml` is checked every time an
//!   archive is opened ([`Package::open`]); a changed or truncated file is an
//!   error, never silently different input.
//!
//! Reading is cheap enough to do on every build or test run: [`Package`]
//! keeps only the compressed bytes and streams through the tar one file at a
//! time. Nothing here touches the network except [`fetch()`], which runs
//! `npm pack` and is only called explicitly (`cargo xtask fetch-definitions`).
//!
//! # Example
//!
//! ```no_run
//! use std::path::Path;
//! use fhir_package::{Manifest, Package};
//!
//! # fn main() -> Result<(), fhir_package::Error> {
//! let manifest = Manifest::load(Path::new("definitions/r4"))?;
//! for pinned in &manifest.packages {
//!     let package = Package::open_ref(&manifest, pinned)?; // checks sha256
//!
//!     // Stream every file without holding the unpacked package in memory…
//!     let mut total = 0;
//!     package.for_each_file(|_name, bytes| {
//!         total += bytes.len();
//!         Ok::<_, fhir_package::Error>(())
//!     })?;
//!
//!     // …or collect some of them, sorted by name.
//!     let patients = package.read_files(|name| name.starts_with("Patient-"))?;
//!     println!("{}: {total} bytes, {} patients", pinned.name, patients.len());
//! }
//! # Ok(())
//! # }
//! ```

mod archive;
mod error;
mod fetch;
mod manifest;

pub use archive::Package;
pub use error::Error;
pub use fetch::{FetchOutcome, FetchReport, fetch};
pub use manifest::{MANIFEST_FILE, Manifest, PackageRef};

/// SHA-256 of `bytes` as 64 lowercase hexadecimal digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;

    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(2 * digest.len());
    for b in digest.iter() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_hex_known_vectors() {
        assert_eq!(
            super::sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
