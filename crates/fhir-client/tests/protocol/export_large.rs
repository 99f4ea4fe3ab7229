//! A large export file generated on the fly by a loopback server, streamed through the typed
//! model: every line is read and none is kept (the peak memory of a far larger file is measured
//! by the bench, `cargo xtask bench`, not here).

use fhir_client::export::{Export, Manifest};
use fhir_model::r4::Patient;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use crate::export_support::{manifest, read_head};

/// Serves one endless-looking NDJSON file of `lines` Patients, written in chunks as they are
/// generated, never whole.
async fn generated_file(lines: u64) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        if read_head(&mut socket).await.is_none() {
            return;
        }
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/fhir+ndjson\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        let mut chunk = String::new();
        for i in 0..lines {
            chunk.push_str(&format!(
                "{{\"resourceType\":\"Patient\",\"id\":\"p{i}\",\"active\":true,\"name\":[{{\"family\":\"F{i}\"}}]}}\n"
            ));
            if chunk.len() > 60_000 || i + 1 == lines {
                let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
                if socket.write_all(framed.as_bytes()).await.is_err() {
                    return;
                }
                chunk.clear();
            }
        }
        let _ = socket.write_all(b"0\r\n\r\n").await;
        let _ = socket.shutdown().await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_large_file_is_streamed_line_by_line() {
    const LINES: u64 = 200_000;
    let base = generated_file(LINES).await;
    let m = manifest(false, &[("Patient", &format!("{base}/big.ndjson"))], &[]);
    let client = fhir_client::Client::new("http://127.0.0.1:9/fhir").unwrap();
    // A line limit far below the file's size: a reader that held the file would fail.
    let export = Export::new(&client, Manifest::from_json_str(&m).unwrap()).max_line_bytes(4096);
    let mut stream = export.resources::<Patient>();
    let (mut count, mut last) = (0u64, 0u64);
    while let Some(item) = stream.next().await {
        let p = item.unwrap();
        assert_eq!(p.line, last + 1, "lines in order, none twice");
        last = p.line;
        count += 1;
    }
    assert_eq!(count, LINES);
    assert!(
        export.bytes_received() > 14_000_000,
        "{}",
        export.bytes_received()
    );
}
