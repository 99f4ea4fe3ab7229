//! Benchmarks of `fhir-model` against `serde_json::Value`: typed parse and serialize throughput,
//! and the peak memory of parsing the largest official example.
//!
//! ```sh
//! cargo run --release -p fhir-bench                 # the full report (about a minute)
//! cargo run --release -p fhir-bench -- --iters 11   # more runs per measurement (default 7)
//! ```
//!
//! Workloads, all held in memory before timing starts:
//!
//! - every resource of the pinned R4 examples package (5,306 files, as published: indented);
//! - its largest file, `Bundle-resources.json` (35 MB);
//! - an NDJSON stream built from the examples: one compact line per resource.
//!
//! Each measurement runs both libraries alternately (A B, then B A, ...) after a warm-up run of
//! each, and reports the median; the ratio is taken from the two medians, so both figures come
//! from the same minutes of the same machine. Times are the CPU time of the measuring thread, so
//! that other processes on a busy machine count less (they still share caches); the ratio by wall
//! time is printed next to it. Parse throughput counts input bytes and excludes dropping the
//! result; serialize throughput counts output bytes (compact JSON).
//!
//! Peak memory runs this binary again as a separate process (`peak-memory`), which reads the
//! bundle from a file into a `String`, parses it and reports its `VmHWM`, the peak resident set,
//! which includes the input string.
//!
//! Other modes, for profiling (`perf record`, `valgrind --tool=callgrind`):
//!
//! ```sh
//! fhir-bench peak-memory fhir|serde FILE
//! fhir-bench loop parse|serialize fhir|serde examples|bundle|ndjson|FILE N
//! ```
//!
//! For instruction counts of the parse alone, which a busy machine does not disturb:
//!
//! ```sh
//! valgrind --tool=callgrind --collect-atstart=no \
//!     --toggle-collect='fhir_model::fhir_json::resource_from_str*' \
//!     target/release/fhir-bench peak-memory fhir Bundle-resources.json
//! ```
//!
//! FHIR XML against a tokenizer pass and against JSON is `fhir-bench xml` (see `xml.rs`).
//!
//! Where the memory goes (a counting allocator, by allocation size, and `size_of` of the main
//! types) is the separate binary `fhir-memory`: `cargo run --release -p fhir-bench --bin fhir-memory`.

mod clocks;
mod xml;

use std::hint::black_box;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use fhir_model::ParseOptions;
use fhir_model::json::JsonValue;
use fhir_model::r4::Resource;

const BUNDLE: &str = "Bundle-resources.json";
const MB: f64 = 1_000_000.0;

const USAGE: &str = "usage: fhir-bench [--iters N]
       fhir-bench peak-memory fhir|serde FILE
       fhir-bench loop parse|serialize fhir|serde examples|bundle|ndjson|FILE N
       fhir-bench xml [--iters N]   (FHIR XML, see xml.rs)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("report") | Some("--iters") => report(&args),
        Some("peak-memory") => peak_memory(&args[1..]),
        Some("loop") => run_loop(&args[1..]),
        Some("xml") => xml::run(&args[1..]),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// One workload: documents to parse one by one.
struct Workload {
    name: String,
    docs: Vec<String>,
    /// NDJSON: the documents are the lines of one text, and the output is one text again.
    ndjson: bool,
}

impl Workload {
    /// The input size: all documents, with the newlines of an NDJSON stream.
    fn bytes(&self) -> usize {
        let newlines = if self.ndjson { self.docs.len() } else { 0 };
        self.docs.iter().map(String::len).sum::<usize>() + newlines
    }
}

/// The example resources of the pinned R4 package, sorted by name, without `package.json`.
fn examples() -> Result<Vec<(String, String)>, String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("definitions")
        .join("r4");
    let manifest = fhir_package::Manifest::load(&root).map_err(|e| e.to_string())?;
    let package_ref = manifest
        .packages
        .first()
        .ok_or("no package in the manifest")?;
    let package =
        fhir_package::Package::open_ref(&manifest, package_ref).map_err(|e| e.to_string())?;
    let files = package
        .read_files(|name| name.ends_with(".json") && name != "package.json")
        .map_err(|e| e.to_string())?;
    files
        .into_iter()
        .map(|(name, bytes)| {
            let text = String::from_utf8(bytes).map_err(|e| format!("{name}: {e}"))?;
            Ok((name, text))
        })
        .collect()
}

/// The three workloads: the examples as published, the largest file, and an NDJSON stream
/// (or only the one at `only`, for the profiling loop).
fn workloads(only: Option<usize>) -> Result<Vec<Workload>, String> {
    let files = examples()?;
    let bundle = files
        .iter()
        .find(|(name, _)| name == BUNDLE)
        .map(|(_, text)| text.clone())
        .ok_or_else(|| format!("{BUNDLE} is not in the package"))?;
    let count = files.len();
    if only == Some(1) {
        return Ok(vec![Workload {
            name: BUNDLE.to_owned(),
            docs: vec![bundle],
            ndjson: false,
        }]);
    }
    if only == Some(0) {
        return Ok(vec![Workload {
            name: format!("examples ({count} files)"),
            docs: files.into_iter().map(|(_, text)| text).collect(),
            ndjson: false,
        }]);
    }
    // Compact lines that keep key order and number texts (serde_json::Value would sort keys).
    let lines = files
        .iter()
        .map(|(name, text)| {
            JsonValue::parse(text)
                .map(|v| v.to_json_string())
                .map_err(|e| format!("{name}: {e}"))
        })
        .collect::<Result<Vec<String>, String>>()?;
    if only == Some(2) {
        return Ok(vec![Workload {
            name: format!("NDJSON ({count} lines)"),
            docs: lines,
            ndjson: true,
        }]);
    }
    Ok(vec![
        Workload {
            name: format!("examples ({count} files)"),
            docs: files.into_iter().map(|(_, text)| text).collect(),
            ndjson: false,
        },
        Workload {
            name: BUNDLE.to_owned(),
            docs: vec![bundle],
            ndjson: false,
        },
        Workload {
            name: format!("NDJSON ({count} lines)"),
            docs: lines,
            ndjson: true,
        },
    ])
}

// ---------------------------------------------------------------------------------------------
// The clocks

use clocks::{Times, load_average, timed};

// ---------------------------------------------------------------------------------------------
// The two libraries, behind one interface

#[derive(Clone, Copy, PartialEq)]
enum Lib {
    Fhir,
    Serde,
}

impl Lib {
    fn parse_arg(s: &str) -> Result<Lib, String> {
        match s {
            "fhir" | "fhir-model" => Ok(Lib::Fhir),
            "serde" | "serde_json" => Ok(Lib::Serde),
            _ => Err(format!("unknown library {s}\n{USAGE}")),
        }
    }
}

/// What one library parsed a workload into.
enum Parsed {
    Fhir(Vec<Resource>),
    Serde(Vec<serde_json::Value>),
}

fn parse_fhir(text: &str) -> Resource {
    Resource::from_json_str(text, ParseOptions::lenient())
        .unwrap_or_else(|e| panic!("fhir-model refused an example: {e}"))
}

fn parse_serde(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("serde_json refused an example: {e}"))
}

/// Parses every document; the clocks stop before the result is dropped.
fn parse(lib: Lib, w: &Workload) -> (Times, Parsed) {
    timed(|| match lib {
        Lib::Fhir => Parsed::Fhir(w.docs.iter().map(|d| parse_fhir(d)).collect()),
        Lib::Serde => Parsed::Serde(w.docs.iter().map(|d| parse_serde(d)).collect()),
    })
}

/// Writes every parsed document as compact JSON; returns the time and the bytes written.
///
/// Separate documents are written into separate strings; an NDJSON stream into one, a line each.
fn serialize(parsed: &Parsed, ndjson: bool) -> (Times, usize) {
    fn run<T>(items: &[T], ndjson: bool, write: impl Fn(&T) -> String) -> usize {
        if ndjson {
            let mut out = String::new();
            for item in items {
                out.push_str(&write(item));
                out.push('\n');
            }
            black_box(&out);
            out.len()
        } else {
            items.iter().map(|item| black_box(write(item)).len()).sum()
        }
    }
    timed(|| match parsed {
        Parsed::Fhir(items) => run(items, ndjson, |r| r.to_json_string()),
        Parsed::Serde(items) => run(items, ndjson, |v| {
            serde_json::to_string(v).unwrap_or_else(|e| panic!("serde_json: {e}"))
        }),
    })
}

// ---------------------------------------------------------------------------------------------
// The report

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    let n = times.len();
    if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2
    }
}

fn mb_per_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / MB / time.as_secs_f64()
}

/// The median times of one library in one measurement.
#[derive(Clone, Copy)]
struct Medians {
    wall: Duration,
    cpu: Duration,
}

fn medians(runs: &[Times]) -> Medians {
    Medians {
        wall: median(runs.iter().map(|t| t.wall).collect()),
        cpu: median(runs.iter().map(|t| t.cpu).collect()),
    }
}

/// One measured row: a workload, both libraries.
struct Row {
    name: String,
    /// Input bytes (parse), or fhir-model's output bytes (serialize).
    bytes: usize,
    /// serde_json's output bytes for serialize rows (it rewrites some numbers).
    serde_bytes: usize,
    fhir: Medians,
    serde: Medians,
}

impl Row {
    fn fhir_mb_s(&self) -> f64 {
        mb_per_s(self.bytes, self.fhir.cpu)
    }
    fn serde_mb_s(&self) -> f64 {
        mb_per_s(self.serde_bytes, self.serde.cpu)
    }
    /// fhir-model's throughput over serde_json's, by CPU time.
    fn ratio(&self) -> f64 {
        self.fhir_mb_s() / self.serde_mb_s()
    }
    /// The same by wall time.
    fn wall_ratio(&self) -> f64 {
        mb_per_s(self.bytes, self.fhir.wall) / mb_per_s(self.serde_bytes, self.serde.wall)
    }
}

/// Runs `measure` for both libraries: one warm-up run each, then `iters` runs each, alternating
/// which goes first; returns the medians of fhir-model and of serde_json.
fn both(iters: usize, mut measure: impl FnMut(Lib) -> Times) -> (Medians, Medians) {
    measure(Lib::Fhir);
    measure(Lib::Serde);
    let (mut fhir, mut serde) = (Vec::new(), Vec::new());
    for i in 0..iters {
        let order = if i % 2 == 0 {
            [Lib::Fhir, Lib::Serde]
        } else {
            [Lib::Serde, Lib::Fhir]
        };
        for lib in order {
            let t = measure(lib);
            match lib {
                Lib::Fhir => fhir.push(t),
                Lib::Serde => serde.push(t),
            }
        }
    }
    (medians(&fhir), medians(&serde))
}

fn report(args: &[String]) -> Result<(), String> {
    let iters = match args.iter().position(|a| a == "--iters") {
        Some(i) => args
            .get(i + 1)
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .ok_or("--iters needs a positive number")?,
        None => 7,
    };
    let load_before = load_average();
    let loading = Instant::now();
    let workloads = workloads(None)?;
    eprintln!(
        "loaded {} workloads in {:.1} s; measuring ({iters} runs each after a warm-up)...",
        workloads.len(),
        loading.elapsed().as_secs_f64()
    );

    let mut parse_rows = Vec::new();
    let mut serialize_rows = Vec::new();
    for w in &workloads {
        let bytes = w.bytes();
        let (fhir, serde) = both(iters, |lib| parse(lib, w).0);
        parse_rows.push(Row {
            name: w.name.clone(),
            bytes,
            serde_bytes: bytes,
            fhir,
            serde,
        });
        eprintln!("  parse {}: done", w.name);

        let parsed_fhir = parse(Lib::Fhir, w).1;
        let parsed_serde = parse(Lib::Serde, w).1;
        let fhir_bytes = serialize(&parsed_fhir, w.ndjson).1;
        let serde_bytes = serialize(&parsed_serde, w.ndjson).1;
        let (fhir, serde) = both(iters, |lib| match lib {
            Lib::Fhir => serialize(&parsed_fhir, w.ndjson).0,
            Lib::Serde => serialize(&parsed_serde, w.ndjson).0,
        });
        serialize_rows.push(Row {
            name: w.name.clone(),
            bytes: fhir_bytes,
            serde_bytes,
            fhir,
            serde,
        });
        eprintln!("  serialize {}: done", w.name);
    }

    // Peak memory: the bundle in a file, parsed by a fresh process per library.
    let bundle = workloads
        .iter()
        .find(|w| w.name == BUNDLE)
        .map(|w| &w.docs[0])
        .ok_or("no bundle workload")?;
    let path = std::env::temp_dir().join(format!("fhir-bench-{}-{BUNDLE}", std::process::id()));
    std::fs::write(&path, bundle).map_err(|e| format!("{}: {e}", path.display()))?;
    let memory = [Lib::Fhir, Lib::Serde].map(|lib| peak_memory_child(lib, &path));
    let _ = std::fs::remove_file(&path);
    let memory = [memory[0].clone()?, memory[1].clone()?];
    let load_after = load_average();

    // Print.
    println!();
    println!(
        "fhir-bench: fhir-model (typed, lossless) vs serde_json::Value, {}",
        today()
    );
    println!("machine: {}", machine());
    println!(
        "load average before/after: {load_before} / {load_after}; medians of {iters} interleaved runs"
    );
    println!(
        "MB/s by thread CPU time (other processes' load left out); the last column is the ratio by wall time"
    );
    println!();
    let table = |title: &str, unit: &str, rows: &[Row]| {
        println!("{title}");
        println!(
            "  {:<24} {:>9} {:>16} {:>16} {:>7} {:>7}",
            "workload", unit, "fhir-model MB/s", "serde_json MB/s", "ratio", "(wall)"
        );
        for r in rows {
            println!(
                "  {:<24} {:>9.1} {:>16.0} {:>16.0} {:>7.2} {:>7.2}",
                r.name,
                r.bytes as f64 / MB,
                r.fhir_mb_s(),
                r.serde_mb_s(),
                r.ratio(),
                r.wall_ratio()
            );
        }
        println!();
    };
    table("PARSE (throughput of input bytes)", "input MB", &parse_rows);
    table(
        "SERIALIZE, compact (throughput of output bytes)",
        "output MB",
        &serialize_rows,
    );
    for r in &serialize_rows {
        if r.serde_bytes != r.bytes {
            println!(
                "  note: {}: serde_json::Value writes {} bytes, fhir-model {} (serde_json \
                 rewrites some number texts, e.g. 1.50 as 1.5, 1E-22 as 1e-22)",
                r.name, r.serde_bytes, r.bytes
            );
        }
    }
    println!();
    let file_mb = bundle.len() as f64 / MB;
    println!(
        "PEAK MEMORY, parsing {BUNDLE} ({file_mb:.1} MB) in a separate process (VmHWM, input String included)"
    );
    println!(
        "  {:<24} {:>9} {:>9} {:>18}",
        "library", "peak MB", "x file", "of which baseline"
    );
    for (name, m) in ["fhir-model", "serde_json::Value"].iter().zip(&memory) {
        println!(
            "  {:<24} {:>9.1} {:>9.2} {:>15.1} MB",
            name,
            m.peak_kb as f64 * 1024.0 / MB,
            m.peak_kb as f64 * 1024.0 / bundle.len() as f64,
            m.baseline_kb as f64 * 1024.0 / MB,
        );
    }
    println!();

    let ratios = |rows: &[Row]| {
        rows.iter()
            .map(|r| format!("{:.2}", r.ratio()))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    let peak_fhir = memory[0].peak_kb as f64 * 1024.0 / MB;
    println!("RATIOS fhir-model / serde_json::Value (examples / bundle / NDJSON):");
    println!("  parse      {}   (target >= 1.00)", ratios(&parse_rows));
    println!(
        "  serialize  {}   (target >= 1.10)",
        ratios(&serialize_rows)
    );
    println!(
        "  peak memory of the bundle: {:.2}x serde_json::Value, {peak_fhir:.1} MB (target <= 100 MB)",
        memory[0].peak_kb as f64 / memory[1].peak_kb as f64
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Peak memory

#[derive(Clone)]
struct Memory {
    peak_kb: u64,
    baseline_kb: u64,
}

/// Runs `fhir-bench peak-memory LIB FILE` and reads its answer.
fn peak_memory_child(lib: Lib, path: &std::path::Path) -> Result<Memory, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let name = match lib {
        Lib::Fhir => "fhir",
        Lib::Serde => "serde",
    };
    let out = Command::new(exe)
        .arg("peak-memory")
        .arg(name)
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run myself: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "peak-memory {name} failed: {}{stdout}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let field = |key: &str| {
        stdout
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key)?.parse::<u64>().ok())
            .ok_or_else(|| format!("peak-memory {name}: no {key} in {stdout:?}"))
    };
    Ok(Memory {
        peak_kb: field("vmhwm_kb=")?,
        baseline_kb: field("baseline_kb=")?,
    })
}

/// A field of /proc/self/status, in kB.
fn proc_status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// Reads FILE into a `String`, parses it once and prints the peak resident set.
fn peak_memory(args: &[String]) -> Result<(), String> {
    let [lib, path] = args else {
        return Err(USAGE.to_owned());
    };
    let lib = Lib::parse_arg(lib)?;
    let baseline = proc_status_kb("VmHWM:");
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    match lib {
        Lib::Fhir => drop(black_box(parse_fhir(&text))),
        Lib::Serde => drop(black_box(parse_serde(&text))),
    }
    let peak = proc_status_kb("VmHWM:");
    println!(
        "vmhwm_kb={peak} baseline_kb={baseline} file_bytes={} peak_mb={:.1} x_file={:.2}",
        text.len(),
        peak as f64 * 1024.0 / MB,
        peak as f64 * 1024.0 / text.len() as f64
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Profiling loop

/// Repeats one measurement N times, for a profiler; prints the throughput of each run.
fn run_loop(args: &[String]) -> Result<(), String> {
    let [op, lib, workload, n] = args else {
        return Err(USAGE.to_owned());
    };
    let lib = Lib::parse_arg(lib)?;
    let n: usize = n.parse().map_err(|_| USAGE.to_owned())?;
    let index = match workload.as_str() {
        "examples" => Some(0),
        "bundle" => Some(1),
        "ndjson" => Some(2),
        _ => None,
    };
    let w = match index {
        Some(index) => workloads(Some(index))?.swap_remove(0),
        // A file: one document, or one per line for `.ndjson` (quicker to start under valgrind).
        None => {
            let text = std::fs::read_to_string(workload).map_err(|e| format!("{workload}: {e}"))?;
            let ndjson = workload.ends_with(".ndjson");
            let docs = if ndjson {
                text.lines().map(str::to_owned).collect()
            } else {
                vec![text]
            };
            Workload {
                name: workload.clone(),
                docs,
                ndjson,
            }
        }
    };
    let show = |what: &str, bytes: usize, t: Times| {
        eprintln!(
            "{what} {:.0} MB/s by CPU time, {:.0} MB/s by wall time",
            mb_per_s(bytes, t.cpu),
            mb_per_s(bytes, t.wall)
        );
    };
    match op.as_str() {
        "parse" => {
            for _ in 0..n {
                let (t, parsed) = parse(lib, &w);
                drop(parsed);
                show("parse", w.bytes(), t);
            }
        }
        "serialize" => {
            let parsed = parse(lib, &w).1;
            for _ in 0..n {
                let (t, bytes) = serialize(&parsed, w.ndjson);
                show("serialize", bytes, t);
            }
        }
        _ => return Err(USAGE.to_owned()),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The machine and the date

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_gb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    format!(
        "{cpu}, {cores} cores, {mem_gb:.1} GiB, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
