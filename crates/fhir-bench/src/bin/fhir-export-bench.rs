//! Bulk export benchmarks: NDJSON streamed from a loopback server through the client's export
//! reader and the typed model, against the model's parse of the same lines in memory and
//! against writing the lines to disk unparsed; and a small Bulk Data server generating files on
//! the fly, for measuring `fhir export` from outside (`/usr/bin/time -v`).
//!
//! ```sh
//! cargo run --release -p fhir-bench --bin fhir-export-bench -- throughput [MB]   # default 200
//! cargo run --release -p fhir-bench --bin fhir-export-bench -- stream MB         # peak memory
//! cargo run --release -p fhir-bench --bin fhir-export-bench -- serve FILES MB_PER_FILE
//! ```
//!
//! The lines are the official R4 examples (those under 1 MB), each read leniently and written
//! as one compact line, cycled until the size asked for. `serve` prints its base URL and answers
//! `$export` with a manifest of FILES files of MB_PER_FILE megabytes each, generated while they
//! are sent (the server never holds a file):
//!
//! ```sh
//! /usr/bin/time -v fhir --base http://127.0.0.1:PORT/fhir export --out /tmp/dump --no-check
//! ```

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "../clocks.rs"]
mod clocks;
use clocks::{Times, load_average, timed};

use fhir_client::export::{Export, Manifest};
use fhir_model::ParseOptions;
use fhir_model::r4::Resource;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const MB: u64 = 1_000_000;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: u64| -> u64 {
        args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
    };
    let result = match args.first().map(String::as_str) {
        Some("throughput") => throughput(number(1, 200) * MB, args.get(2).map(String::as_str)),
        Some("stream") => stream(number(1, 1000) * MB),
        Some("serve") => serve(number(1, 4) as usize, number(2, 250) * MB),
        _ => Err(
            "usage: fhir-export-bench throughput [MB [memory|cached|typed|ahead|disk]] | stream MB | serve FILES MB_PER_FILE".into(),
        ),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Compact NDJSON lines by resource type.
type Types = Vec<(String, Vec<String>)>;

/// The example resources as compact NDJSON lines, by type: those of four clinical types (a
/// file of an export holds one type).
fn lines() -> Result<Arc<Types>, String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../definitions/r4");
    let manifest = fhir_package::Manifest::load(&root).map_err(|e| e.to_string())?;
    let package = fhir_package::Package::open_ref(&manifest, &manifest.packages[0])
        .map_err(|e| e.to_string())?;
    let files = package
        .read_files(|n| n.ends_with(".json") && n != "package.json")
        .map_err(|e| e.to_string())?;
    let mut by_type = std::collections::BTreeMap::<String, Vec<String>>::new();
    for (_, bytes) in files {
        if bytes.len() > 1_000_000 {
            continue;
        }
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        if let Ok(r) = Resource::from_json_str(&text, ParseOptions::lenient()) {
            by_type
                .entry(r.resource_type().to_owned())
                .or_default()
                .push(r.to_json_string());
        }
    }
    let types: Vec<(String, Vec<String>)> = ["Observation", "Patient", "Condition", "Encounter"]
        .iter()
        .filter_map(|t| by_type.remove_entry(*t))
        .collect();
    if types.is_empty() {
        return Err("no examples of the clinical types".into());
    }
    Ok(Arc::new(types))
}

/// The lines of one file: `lines` cycled until about `bytes`.
fn file_lines(lines: &[String], bytes: u64) -> impl Iterator<Item = &str> {
    let mut size = 0u64;
    lines.iter().cycle().map_while(move |line| {
        if size >= bytes {
            return None;
        }
        size += line.len() as u64 + 1;
        Some(line.as_str())
    })
}

/// What the server sends for `files` files of `bytes` each, in memory, in file order.
fn corpus(types: &[(String, Vec<String>)], files: usize, bytes: u64) -> Vec<&str> {
    (0..files)
        .flat_map(|i| file_lines(&types[i % types.len()].1, bytes))
        .collect()
}

/// A runtime of two worker threads, where the typed streams download each file ahead of the
/// thread that reads its lines.
fn two_workers() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A Bulk Data server on loopback, on a thread of its own: `$export` answers 202, the status
/// URL a manifest of `files` files of `bytes` each, each file generated as it is sent.
fn start_server(lines: Arc<Types>, files: usize, bytes: u64) -> String {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = std_listener.local_addr().unwrap();
    std::thread::spawn(move || {
        runtime().block_on(async move {
            std_listener.set_nonblocking(true).unwrap();
            let listener = TcpListener::from_std(std_listener).unwrap();
            while let Ok((socket, _)) = listener.accept().await {
                let lines = lines.clone();
                tokio::spawn(async move {
                    let _ = answer(socket, &lines, addr, files, bytes).await;
                });
            }
        })
    });
    format!("http://{addr}")
}

async fn answer(
    mut socket: TcpStream,
    lines: &[(String, Vec<String>)],
    addr: std::net::SocketAddr,
    files: usize,
    bytes: u64,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let simple = |status: &str, headers: &str, body: &str| {
        format!(
            "HTTP/1.1 {status}\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    if method == "DELETE" {
        socket
            .write_all(simple("202 Accepted", "", "").as_bytes())
            .await?;
    } else if path.ends_with("$export") {
        let h = format!("content-location: http://{addr}/fhir/status\r\n");
        socket
            .write_all(simple("202 Accepted", &h, "").as_bytes())
            .await?;
    } else if path == "/fhir/status" {
        let output: Vec<String> = (0..files)
            .map(|i| {
                let t = &lines[i % lines.len()].0;
                format!(r#"{{"type":"{t}","url":"http://{addr}/files/{i}"}}"#)
            })
            .collect();
        let manifest = format!(
            r#"{{"transactionTime":"2024-01-01T00:00:00Z","request":"http://{addr}/fhir/$export","requiresAccessToken":false,"output":[{}],"error":[]}}"#,
            output.join(",")
        );
        let h = "content-type: application/json\r\n";
        socket
            .write_all(simple("200 OK", h, &manifest).as_bytes())
            .await?;
    } else if let Some(i) = path.strip_prefix("/files/") {
        let i: usize = i.parse().unwrap_or(0);
        let h = "HTTP/1.1 200 OK\r\ncontent-type: application/fhir+ndjson\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
        socket.write_all(h.as_bytes()).await?;
        let mut chunk = Vec::with_capacity(80 * 1024);
        for line in file_lines(&lines[i % lines.len()].1, bytes) {
            chunk.extend_from_slice(line.as_bytes());
            chunk.push(b'\n');
            if chunk.len() >= 64 * 1024 {
                write_chunk(&mut socket, &chunk).await?;
                chunk.clear();
            }
        }
        if !chunk.is_empty() {
            write_chunk(&mut socket, &chunk).await?;
        }
        socket.write_all(b"0\r\n\r\n").await?;
    } else {
        socket
            .write_all(simple("404 Not Found", "", "").as_bytes())
            .await?;
    }
    socket.shutdown().await
}

async fn write_chunk(socket: &mut TcpStream, chunk: &[u8]) -> std::io::Result<()> {
    socket
        .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
        .await?;
    socket.write_all(chunk).await?;
    socket.write_all(b"\r\n").await
}

/// The manifest of the server at `base`, through the client's own kick-off and polling.
async fn manifest_of(client: &fhir_client::Client) -> Manifest {
    let job = client.export().await.expect("kick-off");
    job.wait().await.expect("manifest")
}

fn client(base: &str) -> fhir_client::Client {
    fhir_client::Client::builder(format!("{base}/fhir"))
        .build()
        .expect("client")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// `only`: one of the five measurements, alone (to profile it).
fn throughput(bytes: u64, only: Option<&str>) -> Result<(), String> {
    const NAMES: [&str; 5] = ["memory", "typed", "ahead", "cached", "disk"];
    let only = match only {
        None => None,
        Some(name) => Some(
            NAMES
                .iter()
                .position(|n| *n == name)
                .ok_or("no such measurement")?,
        ),
    };
    let lines = lines()?;
    let files = lines.len();
    let per_file = bytes / files as u64;
    let text = corpus(&lines, files, per_file);
    let total: u64 = text.iter().map(|l| l.len() as u64 + 1).sum();
    // The same lines laid out as the files are, one after the other: each line is read once
    // from memory, as the stream reads it once from the network. Cycling over the few example
    // strings instead keeps them in the processor's caches and flatters the parse.
    let file_text: String = text.iter().flat_map(|l| [*l, "\n"]).collect();
    let types: Vec<String> = lines
        .iter()
        .map(|(t, l)| format!("{t} ({} examples)", l.len()))
        .collect();
    println!(
        "{} lines, {:.1} MB of NDJSON in {files} files: {}",
        text.len(),
        total as f64 / MB as f64,
        types.join(", ")
    );
    let base = start_server(lines.clone(), files, per_file);
    let rt = runtime();
    let client = client(&base);
    let manifest = rt.block_on(manifest_of(&client));
    let dir = std::env::temp_dir().join(format!("fhir-export-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    // Each run times the three, in an order that rotates from run to run so that none always
    // goes first on a warm or a cold cache.
    const RUNS: usize = 7;
    let two = two_workers();
    let (mut memory, mut cached) = (Vec::new(), Vec::new());
    let (mut typed, mut ahead, mut disk) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..RUNS {
        for which in (0..5).map(|k| (k + run) % 5) {
            if only.is_some_and(|o| o != which) {
                continue;
            }
            match which {
                0 => memory.push(parse_in_memory(file_text.lines(), text.len())),
                1 => typed.push(stream_typed(&rt, &client, &manifest, text.len())),
                2 => ahead.push(stream_typed(&two, &client, &manifest, text.len())),
                3 => cached.push(parse_in_memory(text.iter().copied(), text.len())),
                _ => disk.push(stream_to_disk(&rt, &client, &manifest, &dir)),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    if only.is_some() {
        return Ok(());
    }
    let mbs = |d: Duration| total as f64 / MB as f64 / d.as_secs_f64();
    let wall = |v: &[Times]| median(v.iter().map(|t| t.wall).collect());
    let cpu = |v: &[Times]| median(v.iter().map(|t| t.cpu).collect());
    println!(
        "medians of {RUNS} runs, load average {}; CPU time is the measuring thread's (the \
         loopback server runs on a thread of its own; a download ahead on a worker is not counted):",
        load_average()
    );
    let row = |what: &str, v: &[Times]| {
        println!(
            "  {what:<46} {:7.1} MB/s by wall time  ({:7.1} MB/s by CPU time)",
            mbs(wall(v)),
            mbs(cpu(v))
        );
    };
    row("model parse, lines in memory:", &memory);
    row("model parse, the example strings cycled:", &cached);
    row("export stream, typed, one thread:", &typed);
    row("export stream, typed, download ahead:", &ahead);
    row("export stream, to disk as is, one thread:", &disk);
    let by_wall = |v: &[Times]| wall(&memory).as_secs_f64() / wall(v).as_secs_f64();
    let by_cpu = |v: &[Times]| cpu(&memory).as_secs_f64() / cpu(v).as_secs_f64();
    println!(
        "  typed stream / in-memory parse, one thread:     {:.2}x by wall time ({:.2}x by CPU time)",
        by_wall(&typed),
        by_cpu(&typed)
    );
    println!(
        "  typed stream / in-memory parse, download ahead: {:.2}x by wall time (target >= 0.8)",
        by_wall(&ahead)
    );
    Ok(())
}

/// The model alone, the lines in memory.
fn parse_in_memory<'a>(text: impl Iterator<Item = &'a str>, lines: usize) -> Times {
    let (t, n) = timed(|| {
        let mut n = 0usize;
        for line in text {
            let r = Resource::from_json_str(line, ParseOptions::lenient()).expect("a resource");
            std::hint::black_box(&r);
            n += 1;
        }
        n
    });
    assert_eq!(n, lines);
    t
}

/// From the server through the export reader and the model, one file at a time as the
/// in-memory parse reads them.
fn stream_typed(
    rt: &tokio::runtime::Runtime,
    client: &fhir_client::Client,
    manifest: &Manifest,
    lines: usize,
) -> Times {
    let export = Export::new(client, manifest.clone()).concurrency(1);
    let (t, n) = timed(|| {
        rt.block_on(async {
            let mut s = export.any_resources();
            let mut n = 0usize;
            while let Some(item) = s.next().await {
                std::hint::black_box(item.expect("a resource"));
                n += 1;
            }
            n
        })
    });
    assert_eq!(n, lines);
    t
}

/// From the server to disk, unparsed.
fn stream_to_disk(
    rt: &tokio::runtime::Runtime,
    client: &fhir_client::Client,
    manifest: &Manifest,
    dir: &std::path::Path,
) -> Times {
    let export = Export::new(client, manifest.clone());
    timed(|| {
        rt.block_on(async {
            for (i, file) in export.manifest().output.iter().enumerate() {
                let path = dir.join(format!("{i}.ndjson"));
                let mut out = std::io::BufWriter::with_capacity(
                    256 * 1024,
                    std::fs::File::create(&path).expect("create"),
                );
                let mut f = export.file(file);
                while let Some(line) = f.next_line().await {
                    let line = line.expect("a line");
                    out.write_all(line.text.as_bytes()).unwrap();
                    out.write_all(b"\n").unwrap();
                }
                out.flush().unwrap();
            }
        })
    })
    .0
}

/// Streams `bytes` through the typed reader and prints the peak resident set: the corpus
/// lines held by the server thread are counted too, so it is printed first.
fn stream(bytes: u64) -> Result<(), String> {
    let lines = lines()?;
    let before = vm_hwm_kb();
    let base = start_server(lines, 1, bytes);
    let rt = runtime();
    let client = client(&base);
    let manifest = rt.block_on(manifest_of(&client));
    let export = Export::new(&client, manifest);
    let t0 = Instant::now();
    let n = rt.block_on(async {
        let mut s = export.any_resources();
        let mut n = 0u64;
        while let Some(item) = s.next().await {
            std::hint::black_box(item.expect("a resource"));
            n += 1;
        }
        n
    });
    println!(
        "{n} resources, {:.0} MB in {:.1} s; peak resident set {} MB (of which {} MB before streaming: the server's example lines)",
        export.bytes_received() as f64 / MB as f64,
        t0.elapsed().as_secs_f64(),
        vm_hwm_kb() / 1024,
        before / 1024
    );
    Ok(())
}

/// Runs the Bulk Data server until killed.
fn serve(files: usize, bytes: u64) -> Result<(), String> {
    let lines = lines()?;
    let base = start_server(lines, files, bytes);
    println!("{base}/fhir");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}
