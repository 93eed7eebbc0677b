//! Oversized bodies against the real server process: a JSON body far past its limit and a 600 MB
//! artifact (declared, and streamed without a length) are refused with a JSON 413, and the
//! server's peak memory (VmHWM) stays flat: bounded by the limits, not by what was sent.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

use futures_util::stream;

mod common;

fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A body of `total` bytes made on the fly, in 1 MB chunks: the client never holds it either.
fn generated(total: usize, byte: u8) -> reqwest::Body {
    let chunk = bytes_of(byte);
    let n = total / chunk.len();
    reqwest::Body::wrap_stream(stream::iter(
        (0..n).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
    ))
}

fn bytes_of(byte: u8) -> axum::body::Bytes {
    axum::body::Bytes::from(vec![byte; 1024 * 1024])
}

/// A server over a store in `dir`'s `store` folder.
fn serve_in(dir: &std::path::Path) -> common::Served {
    common::serve(&["--store".as_ref(), dir.join("store").as_os_str()])
}

#[test]
fn oversized_bodies_are_refused_while_streaming_and_memory_stays_flat() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve_in(dir.path());
    let url = server.url.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let (status, run) = rt.block_on(async {
        let r = http
            .post(format!("{url}/api/2.0/runhistory/runs/create"))
            .json(&serde_json::json!({"experiment_name": "big"}))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
    });
    assert_eq!(status, 200, "{run}");
    let (run_id, exp) = (
        run["run"]["run_id"].as_str().unwrap().to_string(),
        run["run"]["experiment_id"].as_str().unwrap().to_string(),
    );
    let before = peak_rss_kb(server.process.id());

    let cases: Vec<(&str, String, Option<u64>, usize)> = vec![
        // A JSON body eight times its 32 MB limit, streamed without a length.
        ("POST", format!("{url}/api/2.0/mlflow/runs/log-batch"), None, 256 << 20),
        // An ingest body four times its 64 MB limit.
        ("POST", format!("{url}/api/2.0/runhistory/runs/ingest"), None, 256 << 20),
        // An artifact that says it is 600 MB: refused before a byte is read.
        (
            "PUT",
            format!("{url}/api/2.0/mlflow-artifacts/artifacts/{exp}/{run_id}/artifacts/declared.bin"),
            Some(600 << 20),
            600 << 20,
        ),
        // An artifact of 600 MB streamed without a length: refused once it passes 512 MB.
        (
            "PUT",
            format!("{url}/api/2.0/runhistory/runs/artifacts/{run_id}/streamed.bin"),
            None,
            600 << 20,
        ),
    ];
    for (method, target, declared, size) in cases {
        let (status, body) = rt.block_on(async {
            let mut req = http
                .request(method.parse().unwrap(), &target)
                .header("content-type", "application/json")
                .body(generated(size, b' '));
            if let Some(n) = declared {
                req = req.header("content-length", n);
            }
            match req.send().await {
                Ok(r) => (
                    r.status().as_u16(),
                    r.json::<serde_json::Value>().await.unwrap_or_default(),
                ),
                Err(e) => panic!("{method} {target}: no answer: {e}"),
            }
        });
        assert_eq!(status, 413, "{method} {target}: {body}");
        assert!(body["message"].is_string(), "{method} {target}: {body}");
    }
    let after = peak_rss_kb(server.process.id());
    println!(
        "server peak memory {} MB before, {} MB after refusing 1.1 GB of oversized bodies",
        before / 1024,
        after / 1024
    );
    drop(server);
    assert!(
        after.saturating_sub(before) < 160 * 1024,
        "peak memory grew by {} MB",
        after.saturating_sub(before) / 1024
    );
    let leftovers: Vec<_> = walk(&dir.path().join("store").join("artifacts"));
    assert!(leftovers.is_empty(), "refused uploads left files: {leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

/// A client still sending when its body is refused reads the 413, not a reset connection: the
/// server reads and drops the rest of the body instead of closing on unread data.
#[test]
fn a_client_still_sending_a_refused_body_reads_the_refusal() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let server = serve_in(dir.path());
    let addr = server.url.trim_start_matches("http://").to_string();
    let mut sock = std::net::TcpStream::connect(&addr).unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(60))).unwrap();
    let total: usize = 40 << 20; // past the 32 MB limit of an ordinary call
    write!(
        sock,
        "POST /api/2.0/mlflow/runs/log-batch HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {total}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let chunk = vec![b' '; 1 << 20];
    let mut sent = 0;
    while sent < total {
        // Without the draining, the server's close resets the connection and this write fails.
        sock.write_all(&chunk)
            .unwrap_or_else(|e| panic!("reset after {} MB sent: {e}", sent >> 20));
        sent += chunk.len();
    }
    let mut answer = Vec::new();
    sock.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("RESOURCE_EXHAUSTED"), "{answer}");
}
