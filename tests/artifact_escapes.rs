//! Artifact paths that try to leave the run's folder, sent raw (no client normalises them) to every
//! artifact verb: upload, append, download, list and delete. All are refused with a JSON 4xx, and
//! nothing outside the run's folder is written, read or removed, symbolic links included; with the
//! rows on SQLite and on PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::Rows;
use runhistory::server::EmbeddedServer;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::Path;

/// Sends one request exactly as written and returns the status and the JSON body.
fn raw(server: &EmbeddedServer, method: &str, target: &str, body: &[u8]) -> (u16, Value) {
    let addr = server.url().trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    // A chunked body: take the first JSON object in it.
    let json = body
        .find('{')
        .and_then(|i| body.rfind('}').map(|j| &body[i..=j]))
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    (status, json)
}

fn snapshot_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            out.push((
                e.file_name().to_string_lossy().to_string(),
                std::fs::read(e.path()).unwrap_or_default(),
            ));
        }
    }
    out.sort();
    out
}

fn escapes_are_refused_on_every_artifact_verb(rows: Rows) {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "do not touch").unwrap();
    let Some(test_store) = common::store(rows, &dir.path().join("store"), "escapes") else {
        return;
    };
    let store = test_store.store.clone();
    let run = store
        .create_run(&runhistory::api::ext::CreateRunExt {
            experiment_name: Some("esc".into()),
            ..Default::default()
        })
        .unwrap();
    let p = store.run_artifact_path(&run.run_id, "ok.txt").unwrap();
    store.put_artifact(&p, b"fine").unwrap();
    let run_dir = store.artifact_file(&p).unwrap().parent().unwrap().to_path_buf();
    // A link planted inside the run's folder, pointing outside.
    std::os::unix::fs::symlink(&outside, run_dir.join("link")).unwrap();
    let server = EmbeddedServer::start(store.clone(), None).unwrap();
    let before = snapshot_of(&outside);

    let (exp, id) = (run.experiment_id.clone(), run.run_id.clone());
    // The same raw requests with a plain path work: what follows is refused for its path alone.
    let good = format!("/api/2.0/mlflow-artifacts/artifacts/{exp}/{id}/artifacts/sub/new.txt");
    assert_eq!(raw(&server, "PUT", &good, b"ok").0, 200);
    assert_eq!(raw(&server, "DELETE", &good, b"").0, 200);
    let long = "a".repeat(300);
    let evil = [
        "../../../../outside/evil.txt".to_string(),
        "x/../../../../outside/evil.txt".into(),
        "..%2F..%2F..%2F..%2Foutside%2Fevil.txt".into(),
        "%2E%2E/%2E%2E/%2E%2E/%2E%2E/outside/evil.txt".into(),
        "%2E%2E%2F%2E%2E%2Fevil.txt".into(),
        "..%5C..%5Cevil.txt".into(),
        "%2Ftmp%2Fevil.txt".into(),
        "a%00b.txt".into(),
        "link/evil.txt".into(),
        "link/secret.txt".into(),
        "link".into(),
        format!("{long}/x.txt"),
        "C:%5Cevil.txt".into(),
        "a//b.txt".into(),
        "./evil.txt".into(),
    ];
    let mut refused = 0;
    for path in &evil {
        let proxy = format!("/api/2.0/mlflow-artifacts/artifacts/{exp}/{id}/artifacts/{path}");
        let ours = format!("/api/2.0/runhistory/runs/artifacts/{id}/{path}");
        let list = format!("/api/2.0/mlflow-artifacts/artifacts?path={exp}/{id}/artifacts/{path}");
        let calls = [
            ("PUT", proxy.as_str()),
            ("GET", proxy.as_str()),
            ("DELETE", proxy.as_str()),
            ("PUT", ours.as_str()),
            ("POST", ours.as_str()),
            ("GET", list.as_str()),
        ];
        for (method, target) in calls {
            let (status, body) = raw(&server, method, target, b"evil");
            let listed_nothing = method == "GET"
                && target.contains("?path=")
                && status == 200
                && body["files"].as_array().is_none_or(|f| f.is_empty());
            assert!(
                (400..500).contains(&status) || listed_nothing,
                "{method} {target}: {status} {body}"
            );
            if status >= 400 {
                assert!(body["error_code"].is_string(), "{method} {target}: {body}");
                refused += 1;
            }
        }
    }
    assert_eq!(snapshot_of(&outside), before, "nothing outside was written or removed");
    assert!(
        run_dir.join("link").symlink_metadata().is_ok(),
        "the planted link is still there"
    );
    assert_eq!(std::fs::read(run_dir.join("ok.txt")).unwrap(), b"fine");
    println!(
        "{refused} escape attempts refused over {} paths and 6 verbs",
        evil.len()
    );
}

fn a_download_never_writes_through_a_link_in_its_destination(rows: Rows) {
    let dir = tempfile::tempdir().unwrap();
    let Some(test_store) = common::store(rows, &dir.path().join("store"), "download_links") else {
        return;
    };
    let store = test_store.store.clone();
    let run = store
        .create_run(&runhistory::api::ext::CreateRunExt {
            experiment_name: Some("dl".into()),
            ..Default::default()
        })
        .unwrap();
    for rel in ["notes.txt", "outputs/model.pkl"] {
        let p = store.run_artifact_path(&run.run_id, rel).unwrap();
        store.put_artifact(&p, b"bytes").unwrap();
    }
    let server = EmbeddedServer::start(store, None).unwrap();
    let client = runhistory::client::HistoryClient::new(&server.url(), None).unwrap();
    let outside = dir.path().join("outside");
    let dest = dir.path().join("dest");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(&dest).unwrap();
    std::os::unix::fs::symlink(&outside, dest.join("outputs")).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let run = rt.block_on(client.get_run(&run.run_id)).unwrap();
    let err = rt.block_on(client.download_all(&run, &dest, |_| {})).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        0,
        "nothing written outside"
    );
}

on_both_databases!(
    escapes_are_refused_on_every_artifact_verb,
    a_download_never_writes_through_a_link_in_its_destination,
);
