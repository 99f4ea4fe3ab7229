//! Where the memory of a parsed resource goes: `cargo run --release -p fhir-bench --bin fhir-memory`.
//!
//! Parses `Bundle-resources.json` with fhir-model and with `serde_json::Value` under a counting
//! allocator and prints, for each: the heap bytes the parsed value asks for, the number of
//! allocations, what glibc's malloc makes of them (each chunk is the request plus 8 bytes, rounded
//! up to 16, at least 32), and a histogram by request size; then `size_of` of the main types.
//! Kept apart from the `fhir-bench` binary so that its timings do not pay for the counting.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use fhir_model::ParseOptions;
use fhir_model::r4::{self, Resource};

/// Counts what is live, and by request size, while `ON` is set.
struct Counting;

static ON: AtomicBool = AtomicBool::new(false);
static LIVE_BYTES: AtomicU64 = AtomicU64::new(0);
static LIVE_CHUNK_BYTES: AtomicU64 = AtomicU64::new(0);
static LIVE_COUNT: AtomicU64 = AtomicU64::new(0);
static PEAK_CHUNK_BYTES: AtomicU64 = AtomicU64::new(0);
/// Live allocations by request size: up to 8, 16, 24, 32, 48, 64, 128, 256, 1024, 4096, more.
const CLASSES: [usize; 11] = [8, 16, 24, 32, 48, 64, 128, 256, 1024, 4096, usize::MAX];
static CLASS_COUNT: [AtomicU64; 11] = [const { AtomicU64::new(0) }; 11];
static CLASS_BYTES: [AtomicU64; 11] = [const { AtomicU64::new(0) }; 11];

/// glibc malloc's chunk for a request on 64-bit Linux.
fn chunk(size: usize) -> u64 {
    ((size + 8).div_ceil(16) * 16).max(32) as u64
}

fn class(size: usize) -> usize {
    CLASSES
        .iter()
        .position(|&c| size <= c)
        .unwrap_or(CLASSES.len() - 1)
}

fn count(size: usize, sign: i64) {
    if !ON.load(Relaxed) {
        return;
    }
    let add = |a: &AtomicU64, v: u64| {
        if sign > 0 {
            a.fetch_add(v, Relaxed)
        } else {
            a.fetch_sub(v, Relaxed)
        }
    };
    add(&LIVE_BYTES, size as u64);
    let live = add(&LIVE_CHUNK_BYTES, chunk(size));
    add(&LIVE_COUNT, 1);
    add(&CLASS_COUNT[class(size)], 1);
    add(&CLASS_BYTES[class(size)], size as u64);
    if sign > 0 {
        PEAK_CHUNK_BYTES.fetch_max(live + chunk(size), Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size(), 1);
        // SAFETY: forwarded as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(layout.size(), -1);
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(layout.size(), -1);
        count(new_size, 1);
        // SAFETY: forwarded as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MB: f64 = 1_000_000.0;

fn reset() {
    for a in [
        &LIVE_BYTES,
        &LIVE_CHUNK_BYTES,
        &LIVE_COUNT,
        &PEAK_CHUNK_BYTES,
    ] {
        a.store(0, Relaxed);
    }
    for a in CLASS_COUNT.iter().chain(&CLASS_BYTES) {
        a.store(0, Relaxed);
    }
}

/// Runs `parse` under the counter and prints what its result holds.
fn measure<T>(name: &str, input: &str, parse: impl FnOnce(&str) -> T) {
    reset();
    ON.store(true, Relaxed);
    let value = std::hint::black_box(parse(input));
    ON.store(false, Relaxed);
    let live = LIVE_BYTES.load(Relaxed) as f64;
    let chunks = LIVE_CHUNK_BYTES.load(Relaxed) as f64;
    let count = LIVE_COUNT.load(Relaxed);
    println!("{name}");
    println!(
        "  parsed value: {count} allocations, {:.1} MB requested, {:.1} MB in malloc chunks \
         ({:.2}x the input), peak during parsing {:.1} MB in chunks",
        live / MB,
        chunks / MB,
        chunks / input.len() as f64,
        PEAK_CHUNK_BYTES.load(Relaxed) as f64 / MB
    );
    println!(
        "  {:>12} {:>10} {:>12} {:>12}",
        "request size", "count", "requested MB", "chunk MB"
    );
    for (i, &limit) in CLASSES.iter().enumerate() {
        let n = CLASS_COUNT[i].load(Relaxed);
        if n == 0 {
            continue;
        }
        let bytes = CLASS_BYTES[i].load(Relaxed);
        let label = if limit == usize::MAX {
            format!("> {}", CLASSES[i - 1])
        } else {
            format!("<= {limit}")
        };
        // Chunks estimated from the mean request of the class.
        let mean = (bytes / n) as usize;
        println!(
            "  {label:>12} {n:>10} {:>12.1} {:>12.1}",
            bytes as f64 / MB,
            (chunk(mean) * n) as f64 / MB
        );
    }
    drop(value);
}

fn main() -> Result<(), String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../definitions/r4");
    let manifest = fhir_package::Manifest::load(&root).map_err(|e| e.to_string())?;
    let package_ref = manifest.packages.first().ok_or("no package")?;
    let package =
        fhir_package::Package::open_ref(&manifest, package_ref).map_err(|e| e.to_string())?;
    let mut files = package
        .read_files(|name| name == "Bundle-resources.json")
        .map_err(|e| e.to_string())?;
    let (_, bytes) = files.pop().ok_or("no Bundle-resources.json")?;
    let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
    println!("Bundle-resources.json: {:.1} MB\n", text.len() as f64 / MB);

    measure("fhir-model", &text, |t| {
        Resource::from_json_str(t, ParseOptions::lenient()).map_err(|e| e.to_string())
    });
    measure("serde_json::Value", &text, |t| {
        serde_json::from_str::<serde_json::Value>(t).map_err(|e| e.to_string())
    });

    println!("\nsize_of (bytes)");
    macro_rules! sizes {
        ($($t:ty),* $(,)?) => {$(
            println!("  {:>5}  {}", std::mem::size_of::<$t>(), stringify!($t));
        )*};
    }
    sizes!(
        String,
        Option<String>,
        fhir_model::Unknown,
        fhir_model::json::JsonValue,
        serde_json::Value,
        fhir_model::value::Decimal,
        fhir_model::value::DateTime,
        r4::StringType,
        Option<r4::StringType>,
        r4::BooleanType,
        r4::DateTimeType,
        r4::CodeType<fhir_model::Code<r4::AdministrativeGender>>,
        fhir_model::ElementData<r4::Extension>,
        r4::Extension,
        Option<r4::ExtensionValue>,
        r4::Coding,
        r4::CodeableConcept,
        r4::Reference,
        r4::Identifier,
        r4::Meta,
        r4::Narrative,
        Resource,
        r4::Bundle,
        r4::BundleEntry,
        r4::StructureDefinition,
        r4::ElementDefinition,
        r4::ElementDefinitionBase,
        r4::ElementDefinitionType,
        r4::ElementDefinitionConstraint,
        r4::ElementDefinitionBinding,
        r4::ElementDefinitionMapping,
        Option<r4::ElementDefinitionFixed>,
        Option<r4::ElementDefinitionPattern>,
        r4::SearchParameter,
        r4::Patient,
        r4::Observation,
    );
    Ok(())
}
