//! Manifest and archive handling through the file system (no network).

use std::fs;
use std::path::PathBuf;

use fhir_package::{Error, Manifest, Package, PackageRef, sha256_hex};
use flate2::{Compression, write::GzEncoder};

/// A fresh, empty directory under Cargo's per-target scratch space.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("fhir-package-tests")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn tgz(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for (path, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        builder.append_data(&mut h, path, *data).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

#[test]
fn manifest_save_load_round_trip() {
    let dir = scratch("round_trip");
    let manifest = Manifest {
        dir: dir.clone(),
        packages: vec![
            PackageRef {
                name: "hl7.fhir.r5.core".into(),
                version: "5.0.0".into(),
                file: "hl7.fhir.r5.core-5.0.0.tgz".into(),
                sha256: sha256_hex(b"core"),
            },
            PackageRef {
                name: "hl7.fhir.r5.examples".into(),
                version: "5.0.0".into(),
                file: "hl7.fhir.r5.examples-5.0.0.tgz".into(),
                sha256: String::new(),
            },
        ],
    };
    manifest.save().unwrap();
    let text = fs::read_to_string(dir.join("package.toml")).unwrap();
    assert!(text.starts_with("# The FHIR packages"), "{text}");
    assert_eq!(text.matches("[[package]]").count(), 2, "{text}");
    assert_eq!(Manifest::load(&dir).unwrap(), manifest);
    // No temporary file is left behind.
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn loads_the_documented_single_package_form() {
    let dir = scratch("single");
    let text = "# The FHIR package this version's model is generated from. `cargo xtask fetch-definitions` refreshes it.\n\
        [[package]]\n\
        name = \"hl7.fhir.r4.examples\"\n\
        version = \"4.0.1\"\n\
        file = \"hl7.fhir.r4.examples-4.0.1.tgz\"\n\
        sha256 = \"dce87f1b5b9341867033f7d1f544fa1b5232503f6d62813887ac6b8a8b6cb682\"\n";
    fs::write(dir.join("package.toml"), text).unwrap();
    let m = Manifest::load(&dir).unwrap();
    assert_eq!(m.packages.len(), 1);
    assert_eq!(
        m.archive_path(&m.packages[0]),
        dir.join("hl7.fhir.r4.examples-4.0.1.tgz")
    );
    // Saving reproduces the file byte for byte.
    m.save().unwrap();
    assert_eq!(fs::read_to_string(dir.join("package.toml")).unwrap(), text);
}

#[test]
fn missing_manifest_names_the_path() {
    let dir = scratch("missing");
    let err = Manifest::load(&dir).unwrap_err();
    assert!(
        matches!(&err, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound),
        "{err:?}"
    );
    assert!(err.to_string().contains("package.toml"), "{err}");
}

#[test]
fn bad_toml_is_an_error() {
    let dir = scratch("bad_toml");
    fs::write(dir.join("package.toml"), "[[package]\nname = 1").unwrap();
    let err = Manifest::load(&dir).unwrap_err();
    assert!(matches!(err, Error::ManifestParse { .. }), "{err:?}");
}

#[test]
fn open_ref_checks_the_pinned_hash() {
    let dir = scratch("open_ref");
    let bytes = tgz(&[
        ("package/package.json", b"{}"),
        ("package/Patient-1.json", b"{\"resourceType\":\"Patient\"}"),
    ]);
    fs::write(dir.join("p-1.0.0.tgz"), &bytes).unwrap();
    let mut manifest = Manifest {
        dir: dir.clone(),
        packages: vec![PackageRef {
            name: "p".into(),
            version: "1.0.0".into(),
            file: "p-1.0.0.tgz".into(),
            sha256: sha256_hex(&bytes),
        }],
    };

    let package = Package::open_ref(&manifest, &manifest.packages[0]).unwrap();
    assert_eq!(package.sha256(), sha256_hex(&bytes));
    let files = package.read_files(|n| n.ends_with(".json")).unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].0, "Patient-1.json");

    let wrong = sha256_hex(b"something else");
    manifest.packages[0].sha256 = wrong.clone();
    let err = Package::open_ref(&manifest, &manifest.packages[0]).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::ChecksumMismatch { .. }), "{err:?}");
    assert!(msg.contains("p-1.0.0.tgz"), "{msg}");
    assert!(
        msg.contains(&wrong) && msg.contains(&sha256_hex(&bytes)),
        "{msg}"
    );

    manifest.packages[0].file = "absent.tgz".into();
    let err = Package::open_ref(&manifest, &manifest.packages[0]).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("absent.tgz"), "{err}");
}
