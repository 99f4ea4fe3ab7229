//! `fhir create` of a large file: checked, then sent as written, the model let go first. Its own
//! test binary, since a process's children's peak memory is the largest any of them reached.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

/// The peak resident memory of the largest child process waited for so far, in bytes.
fn children_peak_rss() -> u64 {
    // SAFETY: getrusage only writes into the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0);
    // Linux reports kilobytes.
    usage.ru_maxrss as u64 * 1024
}

/// A collection Bundle of `n` small Patients, with an id of its own.
fn big_bundle(n: usize) -> String {
    let mut text =
        String::from(r#"{"resourceType":"Bundle","id":"mine","type":"collection","entry":["#);
    for i in 0..n {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            r#"{{"fullUrl":"urn:uuid:p{i}","resource":{{"resourceType":"Patient","id":"p{i}","active":true,"name":[{{"family":"Family{i}","given":["Given"]}}],"gender":"female","birthDate":"1970-01-01"}}}}"#
        ));
    }
    text.push_str("]}\n");
    text
}

/// Answers one request with 201 and a Location, and gives back the body it received.
fn answer_one_create(listener: TcpListener) -> Vec<u8> {
    let (stream, _) = listener.accept().unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let mut stream = stream;
    stream
        .write_all(
            b"HTTP/1.1 201 Created\r\nLocation: Bundle/b1/_history/1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    body
}

#[test]
fn a_large_create_is_sent_as_written_within_about_the_models_memory() {
    let text = big_bundle(100_000);
    let file = std::env::temp_dir().join(format!("fhir-cli-create-{}.json", std::process::id()));
    std::fs::write(&file, &text).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || answer_one_create(listener));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fhir"))
        .args(["--base", &base, "create", file.to_str().unwrap()])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "created Bundle/b1 (version 1)\n"
    );
    let received = server.join().unwrap();
    // The file's bytes, less the id a create does not send.
    let expected = text.replacen(r#""id":"mine","#, "", 1);
    assert!(
        received == expected.as_bytes(),
        "the body sent is not the file as written"
    );
    let peak = children_peak_rss();
    let bound = BOUND_PER_FILE_BYTE * text.len() as u64;
    assert!(
        peak <= bound,
        "peak {} MB > {} MB for a {} MB file",
        peak >> 20,
        bound >> 20,
        text.len() >> 20
    );
}

/// The bound on peak memory, in bytes per byte of the file. The model of such a Bundle takes
/// about 13 bytes per byte of its text, the text itself one more; sending the model
/// re-serialized from a clone took about 27.
const BOUND_PER_FILE_BYTE: u64 = 18;
