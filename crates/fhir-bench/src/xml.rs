//! FHIR XML: typed parse and write of the official examples written as XML, beside what bounds
//! them from below and from the side.
//!
//! ```sh
//! cargo xtask bench xml                 # the report (about a minute)
//! cargo xtask bench xml --iters 11      # more runs per measurement (default 7)
//! fhir-bench xml loop parse|tokenize|write examples|bundle N   # for a profiler
//! ```
//!
//! Workloads: the R4 examples and their largest file, read as typed resources from their JSON
//! and written once as indented XML before timing starts (the XML twin of the examples as
//! published). Rows, each by the CPU time of the measuring thread, medians of interleaved runs:
//!
//! - typed XML parse (`Resource::from_xml_str`, lenient, as the JSON bench reads);
//! - the floor under it: quick-xml, a widely used borrowing tokenizer (the model's reader once
//!   drove it; it now has a tokenizer of its own), reading every event of the same text with the
//!   checks the model's reader makes (end names, comments) and building nothing; a second row
//!   also splits every start tag's attributes, since FHIR XML keeps its data in attributes;
//! - typed JSON parse of the same resources from their JSON text, for scale;
//! - typed XML write (compact) and typed JSON write (compact) of the same resources.
//!
//! The issue's targets: typed XML parse at least 0.5 times the event-only tokenizer's MB/s
//! (same input, so the same as its time ratio); XML write at least as fast as JSON write of the
//! same resources, by time (XML is longer text, so MB/s would flatter it).

use std::hint::black_box;

use fhir_model::r4::Resource;
use fhir_model::{FhirXml, ParseOptions};
use quick_xml::events::Event;

use crate::{BUNDLE, MB, Medians, Times, load_average, machine, mb_per_s, medians, timed, today};

const USAGE: &str = "usage: fhir-bench xml [--iters N]
       fhir-bench xml loop parse|tokenize|write examples|bundle N";

/// The entry point of `fhir-bench xml ...`.
pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        None | Some("--iters") => report(args),
        Some("loop") => run_loop(&args[1..]),
        _ => Err(USAGE.to_owned()),
    }
}

/// One workload, in both formats.
struct Workload {
    name: String,
    /// The documents as published (indented JSON).
    json: Vec<String>,
    /// The same resources written as indented XML.
    xml: Vec<String>,
}

impl Workload {
    fn xml_bytes(&self) -> usize {
        self.xml.iter().map(String::len).sum()
    }
    fn json_bytes(&self) -> usize {
        self.json.iter().map(String::len).sum()
    }
}

/// Writes one JSON document as indented XML through the typed model; an error if the model
/// refuses it or if anything it kept has no XML form (the XML would then say less).
fn to_xml(name: &str, json: &str) -> Result<String, String> {
    let resource = Resource::from_json_str(json, ParseOptions::lenient())
        .map_err(|e| format!("{name}: {e}"))?;
    let mut w = fhir_model::xml::Writer::new(true);
    resource.write_xml_to(&mut w);
    if w.skipped() > 0 {
        return Err(format!(
            "{name}: {} kept properties have no XML form",
            w.skipped()
        ));
    }
    Ok(w.into_string())
}

/// The examples and the bundle (or only one of them: 0 examples, 1 bundle), in both formats.
fn workloads(only: Option<usize>) -> Result<Vec<Workload>, String> {
    let files = crate::examples()?;
    let convert = |name: String, files: &[(String, String)]| -> Result<Workload, String> {
        let json: Vec<String> = files.iter().map(|(_, t)| t.clone()).collect();
        let xml = files
            .iter()
            .map(|(n, t)| to_xml(n, t))
            .collect::<Result<_, _>>()?;
        Ok(Workload { name, json, xml })
    };
    let mut out = Vec::new();
    if only.is_none() || only == Some(0) {
        out.push(convert(
            format!("examples ({} files)", files.len()),
            &files,
        )?);
    }
    if only.is_none() || only == Some(1) {
        let bundle: Vec<_> = files.iter().filter(|(n, _)| n == BUNDLE).cloned().collect();
        if bundle.is_empty() {
            return Err(format!("{BUNDLE} is not in the package"));
        }
        out.push(convert(BUNDLE.replace(".json", ".xml"), &bundle)?);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// What is timed

fn parse_xml(text: &str) -> Resource {
    Resource::from_xml_str(text, ParseOptions::lenient())
        .unwrap_or_else(|e| panic!("fhir-model refused XML it wrote: {e}"))
}

fn parse_json(text: &str) -> Resource {
    Resource::from_json_str(text, ParseOptions::lenient())
        .unwrap_or_else(|e| panic!("fhir-model refused an example: {e}"))
}

/// Reads every event of `text` with quick-xml, checking what the model's reader checks;
/// with `attrs`, also splits every start tag's attributes. Returns how many events (and
/// attributes) were read, so that nothing can be optimized away.
fn tokenize(text: &str, attrs: bool) -> usize {
    let mut tok = quick_xml::Reader::from_str(text);
    let config = tok.config_mut();
    config.trim_text(false);
    config.check_end_names = true;
    config.check_comments = true;
    config.expand_empty_elements = false;
    let mut count = 0;
    loop {
        match tok.read_event() {
            Ok(Event::Eof) => return count,
            Ok(Event::Start(tag) | Event::Empty(tag)) if attrs => {
                for attr in tag.attributes() {
                    let attr = attr.unwrap_or_else(|e| panic!("quick-xml: {e}"));
                    black_box(attr.value);
                    count += 1;
                }
            }
            Ok(ev) => drop(black_box(ev)),
            Err(e) => panic!("quick-xml refused XML fhir-model wrote: {e}"),
        }
        count += 1;
    }
}

fn time_parse(docs: &[String], parse: fn(&str) -> Resource) -> Times {
    let (t, parsed) = timed(|| docs.iter().map(|d| parse(d)).collect::<Vec<_>>());
    drop(parsed);
    t
}

fn time_tokenize(docs: &[String], attrs: bool) -> Times {
    timed(|| docs.iter().map(|d| tokenize(d, attrs)).sum::<usize>()).0
}

/// Writes every resource compactly; the time and the bytes written.
fn time_write(resources: &[Resource], write: fn(&Resource) -> String) -> (Times, usize) {
    timed(|| resources.iter().map(|r| black_box(write(r)).len()).sum())
}

fn write_xml(r: &Resource) -> String {
    r.to_xml_string()
}

fn write_json(r: &Resource) -> String {
    r.to_json_string()
}

/// Runs each measurement once to warm up, then `iters` times each, rotating which goes first;
/// the medians, in the order given.
fn interleaved<const N: usize>(
    iters: usize,
    mut runs: [&mut dyn FnMut() -> Times; N],
) -> [Medians; N] {
    for run in runs.iter_mut() {
        run();
    }
    let mut times: [Vec<Times>; N] = std::array::from_fn(|_| Vec::with_capacity(iters));
    for i in 0..iters {
        for k in 0..N {
            let j = (i + k) % N;
            times[j].push(runs[j]());
        }
    }
    std::array::from_fn(|j| medians(&times[j]))
}

// ---------------------------------------------------------------------------------------------
// The report

/// The measured figures of one workload.
struct Figures {
    name: String,
    xml_bytes: usize,
    json_bytes: usize,
    parse_xml: Medians,
    tokenize: Medians,
    tokenize_attrs: Medians,
    parse_json: Medians,
    /// Compact output bytes.
    xml_out: usize,
    json_out: usize,
    write_xml: Medians,
    write_json: Medians,
}

impl Figures {
    /// Typed XML parse over the event-only tokenizer, by MB/s of the same text.
    fn parse_ratio(&self) -> f64 {
        ratio(
            self.tokenize.cpu.as_secs_f64(),
            self.parse_xml.cpu.as_secs_f64(),
        )
    }
    /// How many times faster XML writing is than JSON writing of the same resources.
    fn write_ratio(&self) -> f64 {
        ratio(
            self.write_json.cpu.as_secs_f64(),
            self.write_xml.cpu.as_secs_f64(),
        )
    }
}

/// A speed ratio: the reference's time over the measured time (above 1: faster than it).
fn ratio(reference: f64, measured: f64) -> f64 {
    if measured > 0.0 {
        reference / measured
    } else {
        f64::INFINITY
    }
}

fn measure(w: &Workload, iters: usize) -> Figures {
    let [xml_parse, tokenizer, tokenizer_attrs, json_parse] = interleaved(
        iters,
        [
            &mut || time_parse(&w.xml, parse_xml),
            &mut || time_tokenize(&w.xml, false),
            &mut || time_tokenize(&w.xml, true),
            &mut || time_parse(&w.json, parse_json),
        ],
    );
    eprintln!("  parse {}: done", w.name);
    let resources: Vec<Resource> = w.json.iter().map(|d| parse_json(d)).collect();
    let xml_out = time_write(&resources, write_xml).1;
    let json_out = time_write(&resources, write_json).1;
    let [xml_write, json_write] = interleaved(
        iters,
        [&mut || time_write(&resources, write_xml).0, &mut || {
            time_write(&resources, write_json).0
        }],
    );
    eprintln!("  write {}: done", w.name);
    Figures {
        name: w.name.clone(),
        xml_bytes: w.xml_bytes(),
        json_bytes: w.json_bytes(),
        parse_xml: xml_parse,
        tokenize: tokenizer,
        tokenize_attrs: tokenizer_attrs,
        parse_json: json_parse,
        xml_out,
        json_out,
        write_xml: xml_write,
        write_json: json_write,
    }
}

fn parse_iters(args: &[String]) -> Result<usize, String> {
    match args.iter().position(|a| a == "--iters") {
        Some(i) => args
            .get(i + 1)
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .ok_or_else(|| "--iters needs a positive number".to_owned()),
        None => Ok(7),
    }
}

fn report(args: &[String]) -> Result<(), String> {
    let iters = parse_iters(args)?;
    let load_before = load_average();
    let loading = std::time::Instant::now();
    let workloads = workloads(None)?;
    eprintln!(
        "converted {} workloads to XML in {:.1} s; measuring ({iters} runs each after a warm-up)...",
        workloads.len(),
        loading.elapsed().as_secs_f64()
    );
    let figures: Vec<Figures> = workloads.iter().map(|w| measure(w, iters)).collect();
    let load_after = load_average();

    println!();
    println!(
        "fhir-bench xml: typed FHIR XML against a quick-xml tokenizer pass and typed JSON, {}",
        today()
    );
    println!("machine: {}", machine());
    println!(
        "load average before/after: {load_before} / {load_after}; medians of {iters} interleaved runs"
    );
    println!("MB/s by thread CPU time (other processes' load left out)");
    for f in &figures {
        println!();
        println!(
            "{}: {:.1} MB as indented XML, {:.1} MB as indented JSON",
            f.name,
            f.xml_bytes as f64 / MB,
            f.json_bytes as f64 / MB
        );
        let row = |what: &str, bytes: usize, m: &Medians| {
            println!(
                "  {what:<44} {:>9.1} MB {:>8.0} MB/s {:>9.1} ms",
                bytes as f64 / MB,
                mb_per_s(bytes, m.cpu),
                m.cpu.as_secs_f64() * 1000.0
            );
        };
        row(
            "parse  typed XML (fhir-model, lenient)",
            f.xml_bytes,
            &f.parse_xml,
        );
        row("parse  quick-xml, every event", f.xml_bytes, &f.tokenize);
        row(
            "parse  quick-xml, every event and attribute",
            f.xml_bytes,
            &f.tokenize_attrs,
        );
        row(
            "parse  typed JSON of the same resources",
            f.json_bytes,
            &f.parse_json,
        );
        row("write  typed XML, compact", f.xml_out, &f.write_xml);
        row("write  typed JSON, compact", f.json_out, &f.write_json);
    }
    println!();
    let join = |g: fn(&Figures) -> f64| {
        figures
            .iter()
            .map(|f| format!("{:.2}", g(f)))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    println!("RATIOS (examples / bundle):");
    println!(
        "  typed XML parse / quick-xml events, MB/s        {}   (target >= 0.50)",
        join(Figures::parse_ratio)
    );
    println!(
        "  typed XML parse / quick-xml events+attributes   {}",
        join(|f| ratio(
            f.tokenize_attrs.cpu.as_secs_f64(),
            f.parse_xml.cpu.as_secs_f64()
        ))
    );
    println!(
        "  typed XML parse / typed JSON parse, by time     {}",
        join(|f| ratio(
            f.parse_json.cpu.as_secs_f64(),
            f.parse_xml.cpu.as_secs_f64()
        ))
    );
    println!(
        "  XML write speed / JSON write speed, by time     {}   (target >= 1.00)",
        join(Figures::write_ratio)
    );
    Ok(())
}

/// Repeats one measurement N times, for a profiler; prints the throughput of each run.
fn run_loop(args: &[String]) -> Result<(), String> {
    let [op, workload, n] = args else {
        return Err(USAGE.to_owned());
    };
    let only = match workload.as_str() {
        "examples" => 0,
        "bundle" => 1,
        _ => return Err(USAGE.to_owned()),
    };
    let n: usize = n.parse().map_err(|_| USAGE.to_owned())?;
    let w = workloads(Some(only))?.swap_remove(0);
    let show = |bytes: usize, t: Times| {
        eprintln!("{op} {:.0} MB/s by CPU time", mb_per_s(bytes, t.cpu));
    };
    match op.as_str() {
        "parse" => (0..n).for_each(|_| show(w.xml_bytes(), time_parse(&w.xml, parse_xml))),
        "tokenize" => (0..n).for_each(|_| show(w.xml_bytes(), time_tokenize(&w.xml, false))),
        "write" => {
            let resources: Vec<Resource> = w.json.iter().map(|d| parse_json(d)).collect();
            for _ in 0..n {
                let (t, bytes) = time_write(&resources, write_xml);
                show(bytes, t);
            }
        }
        _ => return Err(USAGE.to_owned()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATIENT: &str = r#"{"resourceType":"Patient","id":"p1","active":true,
        "name":[{"family":"Chalmers","given":["Peter","James"]}],"birthDate":"1974-12-25"}"#;

    #[test]
    fn conversion_writes_xml_the_model_reads_back_to_the_same_resource() {
        let xml = to_xml("p", PATIENT).unwrap();
        assert!(
            xml.starts_with(r#"<Patient xmlns="http://hl7.org/fhir">"#),
            "{xml}"
        );
        assert!(xml.contains('\n'), "the workloads are indented: {xml}");
        assert_eq!(
            parse_xml(&xml).to_json_string(),
            parse_json(PATIENT).to_json_string()
        );
    }

    #[test]
    fn conversion_refuses_what_xml_cannot_hold() {
        // A property kept by lenient JSON reading has no XML form: the XML would say less.
        let json = r#"{"resourceType":"Patient","id":"p1","notAnElement":1}"#;
        let err = to_xml("odd.json", json).unwrap_err();
        assert!(err.starts_with("odd.json: 1 kept"), "{err}");
    }

    #[test]
    fn the_tokenizer_reads_every_event_and_attribute() {
        let xml = to_xml("p", PATIENT).unwrap();
        // Start/Empty/End tags plus the white-space text between them.
        let events = tokenize(&xml, false);
        let tags = xml.matches('<').count();
        let texts = xml.matches(">\n").count();
        assert_eq!(events, tags + texts);
        // One per `name="..."`: xmlns, id, active, family, given twice, birthDate.
        assert_eq!(tokenize(&xml, true) - events, 7);
    }

    #[test]
    fn ratios_are_speed_ratios() {
        // Twice the time of the reference is half its speed.
        assert_eq!(ratio(1.0, 2.0), 0.5);
        assert_eq!(ratio(3.0, 1.0), 3.0);
        assert!(ratio(1.0, 0.0).is_infinite());
    }
}
