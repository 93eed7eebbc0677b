//! Sixteen writers and the workbench's reads at once on one store, through two servers over the
//! same database file (as a CLI run and the workbench each start their own): no write or read is
//! refused ("database is locked" never reaches a client) and every point is stored once. Read
//! latencies are printed, not asserted. On PostgreSQL the same, as two replicas over one database.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::Rows;
use runhistory::api::ext::{CreateRunExt, IngestBatch, Num, SeriesChunk};
use runhistory::client::HistoryClient;
use runhistory::server::EmbeddedServer;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const WRITERS: usize = 16;
const BATCHES: usize = 40;
const POINTS: usize = 2_000;

fn sixteen_writers_and_readers_share_a_store_without_refusals(rows: Rows) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let Some(test_store) = common::store(rows, &path, "concurrency") else {
        return;
    };
    let a = test_store.store.clone();
    let b = test_store.replica(&path);
    let runs: Vec<String> = (0..WRITERS)
        .map(|i| {
            a.create_run(&CreateRunExt {
                experiment_name: Some("load".into()),
                run_name: Some(format!("w{i}")),
                ..Default::default()
            })
            .unwrap()
            .run_id
        })
        .collect();
    let exp = a.get_experiment_by_name("load").unwrap().experiment_id;
    let servers = [
        EmbeddedServer::start(a.clone(), None).unwrap(),
        EmbeddedServer::start(b.clone(), None).unwrap(),
    ];
    let urls: Vec<String> = servers.iter().map(|s| s.url()).collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let done = Arc::new(AtomicBool::new(false));

    let readers: Vec<_> = (0..2)
        .map(|i| {
            let client = HistoryClient::new(&urls[i], None).unwrap();
            let (exp, run, done) = (exp.clone(), runs[i].clone(), done.clone());
            rt.spawn(async move {
                let mut latencies = Vec::new();
                while !done.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    client.experiment_summary(&exp, "").await.expect("summary read refused");
                    client
                        .downsample(&run, "loss", "step", 800, None)
                        .await
                        .expect("series read refused");
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let writers: Vec<_> = runs
        .iter()
        .enumerate()
        .map(|(w, run)| {
            let client = HistoryClient::new(&urls[w % 2], None).unwrap();
            let run = run.clone();
            rt.spawn(async move {
                for b in 0..BATCHES {
                    let start = b * POINTS;
                    let batch = IngestBatch {
                        run_id: run.clone(),
                        batch_id: Some(format!("{run}-{b}")),
                        series: vec![SeriesChunk {
                            key: "loss".into(),
                            values: (start..start + POINTS).map(|i| Num(i as f64)).collect(),
                            steps: Some((start..start + POINTS).map(|i| i as i64).collect()),
                            timestamps: vec![1],
                        }],
                        ..Default::default()
                    };
                    client.ingest(&batch).await.expect("write refused");
                }
            })
        })
        .collect();
    let t = Instant::now();
    rt.block_on(async {
        for w in writers {
            w.await.unwrap();
        }
    });
    let write_time = t.elapsed();
    done.store(true, Ordering::Relaxed);
    let mut latencies: Vec<Duration> = rt.block_on(async {
        let mut all = Vec::new();
        for r in readers {
            all.extend(r.await.unwrap());
        }
        all
    });
    for run in &runs {
        let m = &a.get_run(run).unwrap().metrics["loss"];
        assert_eq!(m.count, (BATCHES * POINTS) as i64, "every point stored once");
    }
    latencies.sort();
    let pick = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "{rows:?}: {WRITERS} writers x {BATCHES} batches x {POINTS} points in {:.2} s; {} reads (summary + series) p50 {:?} p95 {:?}",
        write_time.as_secs_f64(),
        latencies.len(),
        pick(0.5),
        pick(0.95)
    );
    assert!(!latencies.is_empty(), "the readers read while the writers wrote");
}

on_both_databases!(sixteen_writers_and_readers_share_a_store_without_refusals);
