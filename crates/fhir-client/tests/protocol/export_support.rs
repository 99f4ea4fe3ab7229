//! What the export tests share: manifests, and a raw HTTP server on loopback for what wiremock
//! cannot do (a body cut in the middle of a line, a file generated while it is sent).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A manifest listing `output` files as (type, url, count), and `error` files as urls.
pub fn manifest(requires_token: bool, output: &[(&str, &str)], error: &[&str]) -> String {
    let files: Vec<String> = output
        .iter()
        .map(|(t, u)| format!(r#"{{"type":"{t}","url":"{u}"}}"#))
        .collect();
    let errors: Vec<String> = error
        .iter()
        .map(|u| format!(r#"{{"type":"OperationOutcome","url":"{u}"}}"#))
        .collect();
    format!(
        r#"{{"transactionTime":"2024-05-01T10:00:00Z","request":"http://h/$export","requiresAccessToken":{requires_token},"output":[{}],"error":[{}]}}"#,
        files.join(","),
        errors.join(",")
    )
}

/// `n` Patient lines, each ending in a line break.
pub fn patients(n: usize) -> String {
    (0..n)
        .map(|i| format!("{{\"resourceType\":\"Patient\",\"id\":\"p{i}\",\"active\":true}}\n"))
        .collect()
}

/// One request as the raw server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub head: String,
}

impl Seen {
    /// The value of a header (names compared without case).
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }

    /// The start of a `Range: bytes=N-` header.
    pub fn range_start(&self) -> Option<usize> {
        self.header("range")?
            .strip_prefix("bytes=")?
            .trim_end_matches('-')
            .parse()
            .ok()
    }
}

/// What to answer: a status line and headers, a body, and where to cut the connection (after
/// that many body bytes) if anywhere.
pub struct Answer {
    pub head: String,
    pub body: Vec<u8>,
    pub cut_after: Option<usize>,
}

/// A raw HTTP/1.1 server on loopback answering each connection's request with `answer(n, seen)`
/// (n counts from 0); at most `max` connections, so that a client's loop stays bounded.
pub async fn raw_server<F>(max: usize, answer: F) -> (String, Arc<std::sync::Mutex<Vec<Seen>>>)
where
    F: Fn(usize, &Seen) -> Answer + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let count = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let n = count.fetch_add(1, Ordering::SeqCst);
            if n >= max {
                return;
            }
            let Some(request) = read_head(&mut socket).await else {
                continue;
            };
            log.lock().unwrap().push(request.clone());
            let a = answer(n, &request);
            let _ = socket.write_all(a.head.as_bytes()).await;
            let end = a.cut_after.unwrap_or(a.body.len()).min(a.body.len());
            let _ = socket.write_all(&a.body[..end]).await;
            let _ = socket.flush().await;
            let _ = socket.shutdown().await;
        }
    });
    (format!("http://{addr}"), seen)
}

/// Reads a request's head (a GET has no body).
pub async fn read_head(socket: &mut TcpStream) -> Option<Seen> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut byte).await.ok()?;
        if n == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.extend_from_slice(&byte[..n]);
    }
    Some(Seen {
        head: String::from_utf8_lossy(&head).into_owned(),
    })
}

/// `200 OK` with a body of `len` bytes.
pub fn ok_head(len: usize, extra: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/fhir+ndjson\r\ncontent-length: {len}\r\nconnection: close\r\n{extra}\r\n"
    )
}
