//! A full disk where the store lives: a small tmpfs made for the test (where the machine lets the
//! test mount one; elsewhere it says so and stops). Writes are refused with a clear error, nothing
//! stored before is damaged, and logging resumes when space returns.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

use runhistory::api::ext::{CreateRunExt, IngestBatch, Num, SeriesChunk};
use runhistory::client::{ClientError, HistoryClient};
use runhistory::server::EmbeddedServer;
use runhistory::store::Store;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// Unmounts the small file system when the test ends, however it ends.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn mount_tmpfs(at: &Path, size: &str) -> Option<Mounted> {
    std::fs::create_dir_all(at).ok()?;
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(at)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then(|| Mounted(at.to_path_buf()))
}

fn batch(run_id: &str, n: usize, start: usize) -> IngestBatch {
    IngestBatch {
        run_id: run_id.into(),
        batch_id: Some(format!("b{start}")),
        series: vec![SeriesChunk {
            key: "loss".into(),
            values: (start..start + n).map(|i| Num(i as f64 * 0.5)).collect(),
            steps: Some((start..start + n).map(|i| i as i64).collect()),
            timestamps: vec![1],
        }],
        ..Default::default()
    }
}

#[test]
fn a_full_disk_refuses_writes_clearly_keeps_what_was_stored_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small");
    let Some(_mounted) = mount_tmpfs(&small, "3m") else {
        eprintln!("skipped: this machine does not let the test mount a small file system");
        return;
    };
    let store = Arc::new(Store::open(small.join("store")).unwrap());
    let run = store
        .create_run(&CreateRunExt {
            experiment_name: Some("full".into()),
            ..Default::default()
        })
        .unwrap();
    let server = EmbeddedServer::start(store.clone(), None).unwrap();
    let client = HistoryClient::new(&server.url(), None).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();

    let mut acked = 0;
    let refusal = loop {
        match rt.block_on(client.ingest(&batch(&run.run_id, 5_000, acked))) {
            Ok(_) => acked += 5_000,
            Err(e) => break e,
        }
        assert!(acked < 10_000_000, "the disk never filled");
    };
    match &refusal {
        ClientError::Api { status, code, message } => {
            assert_eq!((*status, code.as_str()), (503, "TEMPORARILY_UNAVAILABLE"), "{message}");
            assert!(message.contains("disk is full"), "{message}");
        }
        other => panic!("not a clear refusal: {other}"),
    }
    println!("disk full after {acked} points: {refusal}");
    // What was acknowledged is all there, and the database is sound.
    let stored = store.get_run(&run.run_id).unwrap().metrics["loss"].count;
    assert_eq!(stored, acked as i64);
    let db = rusqlite::Connection::open(small.join("store").join("runhistory.db")).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");

    // Space returns: the same batch that was refused now goes in.
    let grown = Command::new("mount")
        .args(["-o", "remount,size=64m"])
        .arg(&small)
        .status()
        .unwrap();
    assert!(grown.success());
    rt.block_on(client.ingest(&batch(&run.run_id, 5_000, acked))).unwrap();
    let stored = store.get_run(&run.run_id).unwrap().metrics["loss"].count;
    assert_eq!(stored, acked as i64 + 5_000, "logging resumed");
}
