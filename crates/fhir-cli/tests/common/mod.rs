//! What the CLI's test binaries share: the `fhir` command with a clean environment, run without
//! blocking the runtime the mock servers answer on, and its output as text.

// Each test binary uses a part of these.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The `fhir` binary without the caller's FHIR settings, log filter or config folder, so that a
/// developer's own environment cannot change what a test sees.
pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fhir"));
    for var in [
        "RUST_LOG",
        "FHIR_TOKEN",
        "FHIR_VERSION",
        "FHIR_SERVER",
        "FHIR_BASE_URL",
    ] {
        command.env_remove(var);
    }
    command.env("FHIR_CONFIG_DIR", temp_dir("no-config"));
    command
}

/// Runs `command` to its end on a blocking thread.
pub async fn output(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An empty folder of this test process named by `label`, created.
pub fn temp_dir(label: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let binary = exe.file_stem().and_then(|s| s.to_str()).unwrap_or("test");
    let dir =
        std::env::temp_dir().join(format!("fhir-cli-{binary}-{}-{label}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
