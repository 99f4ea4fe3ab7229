//! `cargo xtask build-cost`: what depending on the model costs to build, measured as a user
//! meets it.
//!
//! Two small apps are written to a temporary folder outside this workspace, so that none of its
//! settings (the profile override for `fhir-rs-model`, the target directory) apply: one that
//! reads and writes a resource through `fhir-rs-model` (default features, or the ones asked for),
//! and a floor that does the same through `serde_json::Value`. Each is built cold, in a fresh
//! target directory, with cargo's default profiles: `cargo build --release`, `cargo build` and
//! `cargo check`. Each build runs under a measuring child of this process, which reports the CPU
//! time (user + system) and the peak resident set of the build's processes; the table gives both
//! and the ratio to the floor measured in the same run.

use std::path::Path;
use std::process::Command;

/// One kind of build, as users run it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Build {
    Release,
    Debug,
    Check,
}

impl Build {
    const ALL: [Build; 3] = [Build::Release, Build::Debug, Build::Check];

    fn name(self) -> &'static str {
        match self {
            Build::Release => "release",
            Build::Debug => "debug",
            Build::Check => "check",
        }
    }

    fn cargo_args(self) -> &'static [&'static str] {
        match self {
            Build::Release => &["build", "--release"],
            Build::Debug => &["build"],
            Build::Check => &["check"],
        }
    }

    /// The aim of the project's performance issue for the app, as text for the table.
    fn target(self) -> &'static str {
        match self {
            Build::Release => "<= 120 CPU-s, <= 6x the floor",
            Build::Debug => "<= 50 CPU-s",
            Build::Check => "<= 15 CPU-s",
        }
    }
}

/// What one build cost.
#[derive(Clone, Copy, Debug)]
struct Cost {
    cpu_s: f64,
    peak_kib: u64,
}

const USAGE: &str =
    "usage: cargo xtask build-cost [--features F,...] [--only release|debug|check,...] [--keep]
  --features   features of fhir-rs-model for the app, beside its defaults (e.g. xml, serde)
  --only       the builds to run (default: release, debug, check)
  --keep       keep the temporary folder (its path is printed)";

/// Runs the command.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut features = String::new();
    let mut builds = Build::ALL.to_vec();
    let mut keep = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--features" => {
                i += 1;
                features = args.get(i).ok_or(USAGE)?.clone();
            }
            "--only" => {
                i += 1;
                let names = args.get(i).ok_or(USAGE)?;
                builds = names
                    .split(',')
                    .map(|n| {
                        Build::ALL
                            .into_iter()
                            .find(|b| b.name() == n)
                            .ok_or_else(|| format!("unknown build {n}\n{USAGE}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--keep" => keep = true,
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
        i += 1;
    }

    let dir = std::env::temp_dir().join(format!("fhir-build-cost-{}", std::process::id()));
    let result = measure_all(root, &dir, &features, &builds);
    if keep {
        eprintln!("build-cost: kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let rows = result?;

    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into());
    let app = if features.is_empty() {
        "fhir-rs-model (default features)".to_owned()
    } else {
        format!("fhir-rs-model (default features + {features})")
    };
    println!(
        "app: {app}; floor: serde_json only; cargo's default profiles; load average at the end: {load}"
    );
    println!();
    println!("| build | app CPU-s | app peak | floor CPU-s | floor peak | ratio | target |");
    println!("|---|---|---|---|---|---|---|");
    for (build, app, floor) in rows {
        println!(
            "| {} | {:.1} | {} | {:.1} | {} | {:.1}x | {} |",
            build.name(),
            app.cpu_s,
            megabytes(app.peak_kib),
            floor.cpu_s,
            megabytes(floor.peak_kib),
            app.cpu_s / floor.cpu_s.max(0.001),
            build.target()
        );
    }
    Ok(())
}

fn megabytes(kib: u64) -> String {
    format!("{:.0} MB", kib as f64 * 1024.0 / 1e6)
}

fn measure_all(
    root: &Path,
    dir: &Path,
    features: &str,
    builds: &[Build],
) -> Result<Vec<(Build, Cost, Cost)>, String> {
    let app = dir.join("app");
    let floor = dir.join("floor");
    write_app(root, &app, features)?;
    write_floor(root, &floor)?;
    for project in [&app, &floor] {
        // Downloads are not build cost: fetch first, unmeasured.
        run_cargo(project, &["fetch"], None)?;
    }
    let mut rows = Vec::new();
    for &build in builds {
        // The floor first, then the app, one at a time: the ratio compares one moment.
        let floor_cost = measure(
            &floor,
            build,
            &dir.join(format!("target-floor-{}", build.name())),
        )?;
        let app_cost = measure(
            &app,
            build,
            &dir.join(format!("target-app-{}", build.name())),
        )?;
        eprintln!(
            "build-cost: {}: app {:.1} CPU-s, floor {:.1} CPU-s",
            build.name(),
            app_cost.cpu_s,
            floor_cost.cpu_s
        );
        rows.push((build, app_cost, floor_cost));
    }
    Ok(rows)
}

/// The app: reads a resource from standard input and writes it back, through the model.
fn write_app(root: &Path, dir: &Path, features: &str) -> Result<(), String> {
    let model = root.join("crates").join("fhir-model");
    let features: Vec<String> = features
        .split(',')
        .filter(|f| !f.is_empty())
        .map(|f| format!("{f:?}"))
        .collect();
    let manifest = format!(
        "[package]\nname = \"cost-app\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nfhir-rs-model = {{ path = {:?}, features = [{}] }}\n\n\
         # Not part of any workspace around it.\n[workspace]\n",
        model.display().to_string(),
        features.join(", ")
    );
    let main = "use std::io::Read;\n\
        use fhir_model::{FhirJson, ParseOptions};\n\n\
        fn main() {\n    let mut input = String::new();\n    std::io::stdin().read_to_string(&mut input).expect(\"stdin\");\n    \
        let resource = fhir_model::r4::Resource::from_json_str(&input, ParseOptions::default()).expect(\"a resource\");\n    \
        println!(\"{}\", resource.to_json_string());\n}\n";
    write_project(root, dir, &manifest, main)
}

/// The floor: the same through `serde_json::Value`.
fn write_floor(root: &Path, dir: &Path) -> Result<(), String> {
    let manifest = "[package]\nname = \"cost-floor\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nserde_json = \"1\"\n\n# Not part of any workspace around it.\n[workspace]\n";
    let main = "use std::io::Read;\n\n\
        fn main() {\n    let mut input = String::new();\n    std::io::stdin().read_to_string(&mut input).expect(\"stdin\");\n    \
        let value: serde_json::Value = serde_json::from_str(&input).expect(\"JSON\");\n    \
        println!(\"{}\", serde_json::to_string(&value).expect(\"JSON\"));\n}\n";
    write_project(root, dir, manifest, main)
}

fn write_project(root: &Path, dir: &Path, manifest: &str, main: &str) -> Result<(), String> {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("{}: {e}", src.display()))?;
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    std::fs::write(src.join("main.rs"), main).map_err(|e| e.to_string())?;
    // The workspace's lock file pins the same dependency versions; cargo drops what is unused.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map_err(|e| e.to_string())?;
    Ok(())
}

/// Builds `project` cold into `target` under a measuring child (`xtask __measure`).
fn measure(project: &Path, build: Build, target: &Path) -> Result<Cost, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(exe);
    cmd.arg("__measure").arg(cargo());
    cmd.args(build.cargo_args());
    let out = user_env(&mut cmd, project, Some(target))
        .output()
        .map_err(|e| format!("cannot start the measured build: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{} of {} failed:\n{}",
            build.name(),
            project.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut words = text.split_whitespace();
    let cpu_s = words.next().and_then(|w| w.parse().ok());
    let peak_kib = words.next().and_then(|w| w.parse().ok());
    match (cpu_s, peak_kib) {
        (Some(cpu_s), Some(peak_kib)) => Ok(Cost { cpu_s, peak_kib }),
        _ => Err(format!("the measuring child printed {text:?}")),
    }
}

fn run_cargo(project: &Path, args: &[&str], target: Option<&Path>) -> Result<(), String> {
    let mut cmd = Command::new(cargo());
    cmd.args(args);
    let status = user_env(&mut cmd, project, target)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo {} in {} failed",
            args.join(" "),
            project.display()
        ))
    }
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// The environment of a user's build: none of the settings `cargo xtask` itself runs under.
fn user_env<'a>(cmd: &'a mut Command, project: &Path, target: Option<&Path>) -> &'a mut Command {
    cmd.current_dir(project);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_PROFILE_")
            || key.starts_with("CARGO_BUILD_")
            || key.starts_with("CARGO_TARGET_")
            || matches!(
                &*key,
                "RUSTFLAGS" | "CARGO_ENCODED_RUSTFLAGS" | "RUSTC_WRAPPER"
            )
        {
            cmd.env_remove(&*key);
        }
    }
    // A dependency from a registry is never built incrementally; the path dependency here would
    // be, so turn it off to build as users do.
    cmd.env("CARGO_INCREMENTAL", "0");
    if let Some(target) = target {
        cmd.env("CARGO_TARGET_DIR", target);
    }
    cmd
}

/// `xtask __measure CMD ARGS...`: runs the command, then prints the CPU seconds (user + system)
/// and the peak resident set in KiB of the processes it waited for. A child of its own per build,
/// so that the peak is this build's alone.
pub fn measure_child(args: &[String]) -> Result<(), String> {
    let (cmd, rest) = args.split_first().ok_or("__measure needs a command")?;
    let status = Command::new(cmd)
        .args(rest)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {cmd}: {e}"))?;
    if !status.success() {
        return Err(format!("{cmd} {} failed", rest.join(" ")));
    }
    let (cpu_s, peak_kib) = children_usage();
    println!("{cpu_s:.3} {peak_kib}");
    Ok(())
}

#[cfg(unix)]
fn children_usage() -> (f64, u64) {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (
        seconds(usage.ru_utime) + seconds(usage.ru_stime),
        // Linux reports KiB.
        usage.ru_maxrss as u64,
    )
}

#[cfg(not(unix))]
fn children_usage() -> (f64, u64) {
    (f64::NAN, 0)
}
