//! A team server: two `runhistory serve --database` processes (replicas) over one PostgreSQL
//! database and one artifact folder. Runs created through both at once are numbered once each,
//! gaplessly; what one replica stores the other serves; a wrong URL is refused in one line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::{Served, bin, serve};
use runhistory::api::ext::{CreateRunExt, IngestBatch, Num, SeriesChunk};
use runhistory::client::HistoryClient;
use runhistory::store::pg_testing::TestDatabase;
use std::io::BufRead;

/// A replica over the database (stopped when dropped), once it has said which database it serves.
fn replica(database: &str, files: &std::path::Path) -> Served {
    let artifacts = format!("file://{}", files.display());
    let mut served = serve(&[
        "--database".as_ref(),
        database.as_ref(),
        "--artifacts".as_ref(),
        artifacts.as_ref(),
    ]);
    let mut said = String::new();
    served.out.read_line(&mut said).unwrap();
    assert!(said.starts_with("Serving the database postgres://"), "{said}");
    served
}

#[test]
fn two_replicas_over_one_database_number_runs_gaplessly_and_serve_each_others_data() {
    // The database is made (and dropped) outside the runtime: its client blocks.
    let Some(db) = TestDatabase::create("team_server") else {
        return;
    };
    let files = tempfile::tempdir().unwrap();
    let (a, b) = (replica(db.url(), files.path()), replica(db.url(), files.path()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(writers_through_both(&a.url, &b.url));
}

async fn writers_through_both(a: &str, b: &str) {
    let clients = [
        HistoryClient::new(a, None).unwrap(),
        HistoryClient::new(b, None).unwrap(),
    ];
    // Eight writers, half on each replica, creating runs in one experiment at once.
    let mut tasks = Vec::new();
    for w in 0..8 {
        let client = clients[w % 2].clone();
        tasks.push(tokio::spawn(async move {
            let mut numbers = Vec::new();
            for _ in 0..10 {
                let run = client
                    .create_run(&CreateRunExt {
                        experiment_name: Some("team".into()),
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                numbers.push(run.run_number);
            }
            numbers
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.extend(t.await.unwrap());
    }
    numbers.sort();
    assert_eq!(
        numbers,
        (1..=80).collect::<Vec<i64>>(),
        "each number once, none skipped"
    );

    // Logged through one replica, read through the other: values and files.
    let run = clients[0]
        .create_run(&CreateRunExt {
            experiment_name: Some("team".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    clients[0]
        .ingest(&IngestBatch {
            run_id: run.run_id.clone(),
            batch_id: Some("b1".into()),
            series: vec![SeriesChunk {
                key: "loss".into(),
                values: (0..1_000).map(|i| Num(1.0 / (1 + i) as f64)).collect(),
                ..Default::default()
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    clients[0]
        .upload_artifact(&run, "outputs/model.txt", b"weights".to_vec())
        .await
        .unwrap();
    let seen = clients[1]
        .get_run_by_number(&run.experiment_id, run.run_number)
        .await
        .unwrap();
    assert_eq!(seen.metrics["loss"].count, 1_000);
    assert_eq!(
        clients[1].read_artifact(&seen, "outputs/model.txt").await.unwrap(),
        b"weights"
    );
    let again = clients[1]
        .ingest(&IngestBatch {
            run_id: run.run_id.clone(),
            batch_id: Some("b1".into()),
            series: vec![SeriesChunk {
                key: "loss".into(),
                values: vec![Num(0.0)],
                ..Default::default()
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        again.duplicate,
        "a batch id applied by one replica is known to the other"
    );
}

#[test]
fn a_database_or_artifacts_url_it_cannot_use_is_refused_in_one_line() {
    let out = bin()
        .args(["serve", "--port", "0", "--database", "mysql://root@localhost/db"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--database takes a PostgreSQL URL"), "{err}");
    let out = bin()
        .args(["serve", "--port", "0", "--database", "postgres://u@127.0.0.1:1/none"])
        .args(["--artifacts", "ftp://host/prefix"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--artifacts takes file:///"),
        "{err}"
    );
    let out = bin()
        .args([
            "serve",
            "--port",
            "0",
            "--database",
            "postgres://u:secret@127.0.0.1:1/none",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("cannot open the database"),
        "{err}"
    );
    assert!(!err.contains("secret"), "no password in what is printed: {err}");
}
