//! Response bodies are read within `max_body_bytes`, counted after decompression, and a body
//! that fails to decompress has its own error kind.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use fhir_client::{Client, ErrorKind, RetryPolicy};
use fhir_model::r4::Patient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn a_body_past_the_limit_is_refused() {
    let server = server().await;
    let big = format!(
        r#"{{"resourceType":"Patient","id":"p","text":{{"status":"generated","div":"{}"}}}}"#,
        "x".repeat(3 * MIB as usize)
    );
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/p"))
        .respond_with(fhir(200, &big))
        .mount(&server)
        .await;
    let c = builder(&server).max_body_bytes(MIB).build().unwrap();
    let e = c.read::<Patient>("p").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BodyTooLarge, "{e}");
    let text = e.to_string();
    assert!(text.contains("1 MiB"), "{text}");
    assert!(text.contains("/fhir/Patient/p"), "{text}");

    // The same body within a larger limit is read.
    let c = builder(&server).max_body_bytes(4 * MIB).build().unwrap();
    assert!(c.read::<Patient>("p").await.is_ok());
}

#[tokio::test]
async fn a_gzip_bomb_is_stopped_after_decompression() {
    // 64 MiB of zeros inflate from about 64 KiB of gzip.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![b' '; MIB as usize];
    for _ in 0..64 {
        gz.write_all(&zeros).unwrap();
    }
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 2 * MIB as usize, "{}", bomb.len());
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/p"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(bomb, FHIR_JSON)
                .insert_header("content-encoding", "gzip"),
        )
        .mount(&server)
        .await;
    let c = builder(&server).max_body_bytes(8 * MIB).build().unwrap();
    let e = c.read::<Patient>("p").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BodyTooLarge, "{e}");
    assert!(e.to_string().contains("8 MiB"), "{e}");
}

#[tokio::test]
async fn a_corrupt_gzip_body_is_a_decompression_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/fhir/Patient/p"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(b"\x1f\x8b\x08\x00garbage, not deflate".to_vec(), FHIR_JSON)
                .insert_header("content-encoding", "gzip"),
        )
        .mount(&server)
        .await;
    let e = client(&server).read::<Patient>("p").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decompression, "{e}");
}

/// A server on loopback that answers one request with an endless chunked body, and stops when
/// the client hangs up or after `cap` bytes. Answers the bytes it sent.
async fn endless_server(cap: u64) -> (String, tokio::task::JoinHandle<u64>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = Arc::new(AtomicU64::new(0));
    let handle = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = vec![0u8; 8192];
        let mut read = 0;
        while !request[..read].windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut request[read..]).await.unwrap();
            if n == 0 {
                return 0;
            }
            read += n;
        }
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/fhir+json\r\n\
                    transfer-encoding: chunked\r\n\r\n";
        if socket.write_all(head.as_bytes()).await.is_err() {
            return 0;
        }
        let chunk = format!("10000\r\n{}\r\n", " ".repeat(0x10000));
        while sent.load(Ordering::Relaxed) < cap {
            if socket.write_all(chunk.as_bytes()).await.is_err() {
                break;
            }
            sent.fetch_add(0x10000, Ordering::Relaxed);
        }
        sent.load(Ordering::Relaxed)
    });
    (format!("http://{addr}/fhir"), handle)
}

#[tokio::test]
async fn an_endless_chunked_body_is_cut_at_the_limit() {
    let cap = 256 * MIB;
    let (base, server) = endless_server(cap).await;
    let c = Client::builder(&base)
        .retry(RetryPolicy::none())
        .max_body_bytes(2 * MIB)
        .build()
        .unwrap();
    let e = c.read::<Patient>("p").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BodyTooLarge, "{e}");
    drop(c);
    let sent = tokio::time::timeout(std::time::Duration::from_secs(20), server)
        .await
        .expect("the server stops once the client hangs up")
        .unwrap();
    // The client hung up long before the server's own cap.
    assert!(sent < cap / 2, "{sent}");
}
