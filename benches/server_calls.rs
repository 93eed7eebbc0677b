//! What each MLflow call costs the server, on SQLite and on PostgreSQL: its median time over a
//! keep-alive `/health` round trip on the same connection (the HTTP floor), so the figure is the
//! server's own work; then a search over 100,000 runs with a filter on a param and a metric.
//!
//! `cargo bench --bench server_calls` (release). PostgreSQL is RUNHISTORY_TEST_POSTGRES, else the
//! local server (skipped where none answers). RUNHISTORY_BENCH_RUNS sets the search's run count.
//! Prints figures; asserts nothing about time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at its first failure"
)]

use runhistory::api::ext::CreateRunExt;
use runhistory::api::{KeyValue, LogBatch, Metric};
use runhistory::server::EmbeddedServer;
use runhistory::store::Store;
use runhistory::store::pg_testing::TestDatabase;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const REPEAT: usize = 300;
const WARMUP: usize = 30;

fn kv(k: String, v: String) -> KeyValue {
    KeyValue { key: k, value: v }
}

/// A run with 20 params, 20 tags and 20 metrics (5 steps each), in experiment "calls".
fn rich_run(store: &Store, name: &str) -> String {
    let run = store
        .create_run(&CreateRunExt {
            experiment_name: Some("calls".into()),
            run_name: Some(name.into()),
            ..Default::default()
        })
        .unwrap()
        .run_id;
    let metrics = (0..20)
        .flat_map(|k| {
            (0..5).map(move |step| Metric {
                key: format!("m{k}"),
                value: 1.0 / (1 + k + step) as f64,
                timestamp: 1_700_000_000_000 + step,
                step,
                ..Default::default()
            })
        })
        .collect();
    store
        .log_batch(
            &LogBatch {
                metrics,
                params: (0..20).map(|k| kv(format!("p{k}"), format!("v{}", k % 3))).collect(),
                tags: (0..20).map(|k| kv(format!("t{k}"), format!("tag {k}"))).collect(),
                ..Default::default()
            },
            &run,
        )
        .unwrap();
    run
}

/// Median and 95th percentile of `f`'s time, after a warm-up.
fn timed(mut f: impl FnMut(usize)) -> (Duration, Duration) {
    for i in 0..WARMUP {
        f(i);
    }
    let mut times: Vec<Duration> = (0..REPEAT)
        .map(|i| {
            let t = Instant::now();
            f(WARMUP + i);
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[REPEAT / 2], times[REPEAT * 95 / 100])
}

/// Builds call `i`'s request: (client, server URL, experiment id, run id, i).
type Send = Box<dyn Fn(&reqwest::blocking::Client, &str, &str, &str, usize) -> reqwest::blocking::RequestBuilder>;

struct Call {
    name: &'static str,
    send: Send,
}

fn calls() -> Vec<Call> {
    fn post(c: &reqwest::blocking::Client, url: &str, path: &str, body: Value) -> reqwest::blocking::RequestBuilder {
        c.post(format!("{url}/api/2.0/mlflow/{path}")).json(&body)
    }
    vec![
        Call {
            name: "/health (the round trip)",
            send: Box::new(|c, url, _, _, _| c.get(format!("{url}/health"))),
        },
        Call {
            name: "runs/get (20 params, tags, metrics)",
            send: Box::new(|c, url, _, run, _| c.get(format!("{url}/api/2.0/mlflow/runs/get?run_id={run}"))),
        },
        Call {
            name: "runs/log-metric",
            send: Box::new(|c, url, _, run, i| {
                post(
                    c,
                    url,
                    "runs/log-metric",
                    json!({"run_id": run, "key": "live", "value": i as f64, "timestamp": 1, "step": i}),
                )
            }),
        },
        Call {
            name: "runs/log-batch (10 metrics)",
            send: Box::new(|c, url, _, run, i| {
                let metrics: Vec<Value> = (0..10)
                    .map(|k| json!({"key": format!("b{k}"), "value": i as f64, "timestamp": 1, "step": i}))
                    .collect();
                post(c, url, "runs/log-batch", json!({"run_id": run, "metrics": metrics}))
            }),
        },
        Call {
            name: "runs/set-tag",
            send: Box::new(|c, url, _, run, i| {
                post(
                    c,
                    url,
                    "runs/set-tag",
                    json!({"run_id": run, "key": "note", "value": format!("n{i}")}),
                )
            }),
        },
        Call {
            name: "metrics/get-history (5 points)",
            send: Box::new(|c, url, _, run, _| {
                c.get(format!(
                    "{url}/api/2.0/mlflow/metrics/get-history?run_id={run}&metric_key=m3"
                ))
            }),
        },
        Call {
            name: "runs/search (200 runs, a param filter)",
            send: Box::new(|c, url, exp, _, _| {
                post(
                    c,
                    url,
                    "runs/search",
                    json!({"experiment_ids": [exp], "filter": "params.p1 = 'v1'", "max_results": 100}),
                )
            }),
        },
        Call {
            name: "experiments/get-by-name",
            send: Box::new(|c, url, _, _, _| {
                c.get(format!(
                    "{url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=calls"
                ))
            }),
        },
        Call {
            name: "runs/create",
            send: Box::new(|c, url, exp, _, _| post(c, url, "runs/create", json!({"experiment_id": exp}))),
        },
    ]
}

/// Each call's median over the round trip, and its p95, on the server at `url`.
fn per_call(url: &str, exp: &str, run: &str) -> Vec<(&'static str, Duration, Duration)> {
    let client = reqwest::blocking::Client::new();
    calls()
        .iter()
        .map(|call| {
            let (median, p95) = timed(|i| {
                let r = (call.send)(&client, url, exp, run, i).send().unwrap();
                assert!(r.status().is_success(), "{}: {}", call.name, r.status());
                r.bytes().unwrap();
            });
            (call.name, median, p95)
        })
        .collect()
}

/// Runs in experiment "many", each with params lr and seed and a metric acc, made in SQLite.
fn many_runs(store: &Store, n: usize) {
    for i in 0..n {
        let run = store
            .create_run(&CreateRunExt {
                experiment_name: Some("many".into()),
                ..Default::default()
            })
            .unwrap()
            .run_id;
        let lr = ["0.1", "0.01", "0.001"][i % 3];
        store
            .log_batch(
                &LogBatch {
                    metrics: vec![Metric {
                        key: "acc".into(),
                        value: (i % 1000) as f64 / 1000.0,
                        timestamp: 1,
                        step: 0,
                        ..Default::default()
                    }],
                    params: vec![kv("lr".into(), lr.into()), kv("seed".into(), i.to_string())],
                    ..Default::default()
                },
                &run,
            )
            .unwrap();
    }
}

/// The search over "many": its median time and how many runs matched.
fn big_search(url: &str, exp: &str) -> (Duration, usize) {
    let client = reqwest::blocking::Client::new();
    let body = json!({
        "experiment_ids": [exp],
        "filter": "params.lr = '0.01' and metrics.acc > 0.9",
        "max_results": 1000
    });
    let mut matched = 0;
    let mut times: Vec<Duration> = (0..7)
        .map(|_| {
            let t = Instant::now();
            let page: Value = client
                .post(format!("{url}/api/2.0/mlflow/runs/search"))
                .json(&body)
                .send()
                .unwrap()
                .json()
                .unwrap();
            matched = page["runs"].as_array().map_or(0, Vec::len);
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[3], matched)
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let runs: usize = std::env::var("RUNHISTORY_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Arc::new(Store::open(dir.path().join("sqlite")).unwrap());
    let pg = TestDatabase::create("server_calls");
    let postgres = pg
        .as_ref()
        .map(|db| Arc::new(Store::open_postgres(db.url(), dir.path().join("pg")).unwrap()));

    let mut rows = Vec::new();
    for store in std::iter::once(&sqlite).chain(postgres.as_ref()) {
        let run = rich_run(store, "rich");
        for i in 0..199 {
            rich_run(store, &format!("r{i}"));
        }
        let exp = store.get_experiment_by_name("calls").unwrap().experiment_id;
        let server = EmbeddedServer::start(store.clone(), None).unwrap();
        rows.push(per_call(&server.url(), &exp, &run));
    }
    println!("Server time per MLflow call over a keep-alive /health round trip (median of {REPEAT}; p95 after)");
    println!("  {:<40} {:>26} {:>26}", "call", "SQLite", "PostgreSQL");
    for (i, (name, _, _)) in rows[0].iter().enumerate() {
        let cell = |row: &Vec<(&str, Duration, Duration)>| {
            let (_, median, p95) = row[i];
            if i == 0 {
                format!("{} (p95 {})", ms(median), ms(p95))
            } else {
                let over = median.saturating_sub(row[0].1);
                format!("+{} (p95 {})", ms(over), ms(p95))
            }
        };
        let pg_cell = rows.get(1).map_or_else(|| "skipped: no PostgreSQL".to_string(), cell);
        println!("  {:<40} {:>26} {:>26}", name, cell(&rows[0]), pg_cell);
    }

    // The search on stores of their own: the runs made in SQLite, then copied into PostgreSQL.
    let sqlite = Arc::new(Store::open(dir.path().join("sqlite-many")).unwrap());
    let t = Instant::now();
    many_runs(&sqlite, runs);
    let made = t.elapsed();
    let exp = sqlite.get_experiment_by_name("many").unwrap().experiment_id;
    let server = EmbeddedServer::start(sqlite.clone(), None).unwrap();
    let (sqlite_search, matched) = big_search(&server.url(), &exp);
    println!(
        "Search over {runs} runs, params.lr = '0.01' and metrics.acc > 0.9 (made in {:.1} s; {matched} matched, first 1000):",
        made.as_secs_f64()
    );
    println!("  SQLite      {}", ms(sqlite_search));
    let pg_many = pg.as_ref().and_then(|_| TestDatabase::create("server_calls_search"));
    if let Some(db) = &pg_many {
        let pg_store = Arc::new(Store::open_postgres(db.url(), dir.path().join("pg-many")).unwrap());
        let t = Instant::now();
        pg_store.copy_from(&sqlite, |_| {}).unwrap();
        let copied = t.elapsed();
        let server = EmbeddedServer::start(pg_store.clone(), None).unwrap();
        let (pg_search, pg_matched) = big_search(&server.url(), &exp);
        println!(
            "  PostgreSQL  {} ({pg_matched} matched; the runs copied in by migrate in {:.1} s)",
            ms(pg_search),
            copied.as_secs_f64()
        );
    } else {
        println!("  PostgreSQL  skipped: no PostgreSQL");
    }
}
