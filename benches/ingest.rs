//! Native bulk ingest rate: points per second into the store through `Store::ingest`, and through
//! the HTTP bulk path on loopback, beside a bare SQLite insert loop into a table of the same shape
//! with the same pragmas (the baseline: what SQLite itself allows on this machine). Then the same on
//! PostgreSQL (RUNHISTORY_TEST_POSTGRES, else the local server) beside a bare binary COPY loop.
//!
//! `cargo bench --bench ingest` (release). Prints figures; asserts nothing about time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at its first failure"
)]

use runhistory::api::ext::{CreateRunExt, IngestBatch, Num, SeriesChunk};
use runhistory::client::HistoryClient;
use runhistory::server::EmbeddedServer;
use runhistory::store::Store;
use runhistory::store::pg_testing::TestDatabase;
use std::sync::Arc;
use std::time::Instant;

const POINTS: usize = 2_000_000;
const CHUNK: usize = 100_000;

fn chunk(run_id: &str, start: usize, batch: usize) -> IngestBatch {
    IngestBatch {
        run_id: run_id.to_string(),
        batch_id: Some(format!("bench-{run_id}-{batch}")),
        series: vec![SeriesChunk {
            key: "loss".into(),
            values: (start..start + CHUNK).map(|i| Num(1.0 / (1.0 + i as f64))).collect(),
            steps: Some((start..start + CHUNK).map(|i| i as i64).collect()),
            timestamps: vec![1_700_000_000_000],
        }],
        ..Default::default()
    }
}

fn new_run(store: &Store) -> String {
    let req = CreateRunExt {
        experiment_name: Some("bench".into()),
        ..Default::default()
    };
    store.create_run(&req).expect("create run").run_id
}

/// Points per second through `Store::ingest` into `store`, batches of CHUNK.
fn store_rate(store: &Store) -> f64 {
    let run_id = new_run(store);
    let batches: Vec<IngestBatch> = (0..POINTS / CHUNK).map(|b| chunk(&run_id, b * CHUNK, b)).collect();
    let t = Instant::now();
    for b in &batches {
        store.ingest(b).expect("ingest");
    }
    POINTS as f64 / t.elapsed().as_secs_f64()
}

/// Points per second from the Rust client over HTTP on loopback into the embedded server.
fn http_rate(dir: &std::path::Path) -> f64 {
    let store = Arc::new(Store::open(dir.join("http-store")).expect("open store"));
    let run_id = new_run(&store);
    let server = EmbeddedServer::start(store, None).expect("start server");
    let client = HistoryClient::new(&server.url(), None).expect("client");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let batches: Vec<IngestBatch> = (0..POINTS / CHUNK).map(|b| chunk(&run_id, b * CHUNK, b)).collect();
    let t = Instant::now();
    rt.block_on(async {
        for b in &batches {
            client.ingest(b).await.expect("ingest over http");
        }
    });
    POINTS as f64 / t.elapsed().as_secs_f64()
}

/// Points per second of a bare prepared-statement loop, one transaction per CHUNK rows.
fn bare_sqlite_rate(dir: &std::path::Path) -> f64 {
    let mut conn = rusqlite::Connection::open(dir.join("bare.db")).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;
         CREATE TABLE points (series_id INTEGER NOT NULL, step INTEGER NOT NULL, seq INTEGER NOT NULL,
             timestamp INTEGER NOT NULL, value REAL, PRIMARY KEY (series_id, step, seq)) WITHOUT ROWID;",
    )
    .expect("schema");
    let t = Instant::now();
    for b in 0..POINTS / CHUNK {
        let tx = conn.transaction().expect("tx");
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO points VALUES (1, ?1, ?2, 1700000000000, ?3)")
                .expect("prepare");
            for i in b * CHUNK..(b + 1) * CHUNK {
                insert
                    .execute(rusqlite::params![i as i64, i as i64, 1.0 / (1.0 + i as f64)])
                    .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    POINTS as f64 / t.elapsed().as_secs_f64()
}

/// Points per second of a bare binary COPY loop into a table of the points' shape, one
/// transaction per CHUNK rows: what PostgreSQL itself takes on this machine.
fn bare_copy_rate(url: &str) -> f64 {
    use postgres::binary_copy::BinaryCopyInWriter;
    use postgres::types::Type;
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    client
        .batch_execute(
            "CREATE TABLE bare_points (series_id BIGINT NOT NULL, step BIGINT NOT NULL, seq BIGINT NOT NULL,
                timestamp BIGINT NOT NULL, value DOUBLE PRECISION, PRIMARY KEY (series_id, step, seq))",
        )
        .expect("schema");
    let t = Instant::now();
    for b in 0..POINTS / CHUNK {
        let mut tx = client.transaction().expect("tx");
        let sink = tx
            .copy_in("COPY bare_points (series_id, step, seq, timestamp, value) FROM STDIN BINARY")
            .expect("copy");
        let types = [Type::INT8, Type::INT8, Type::INT8, Type::INT8, Type::FLOAT8];
        let mut writer = BinaryCopyInWriter::new(sink, &types);
        for i in b * CHUNK..(b + 1) * CHUNK {
            let (step, value) = (i as i64, 1.0 / (1.0 + i as f64));
            writer
                .write(&[&1i64, &step, &step, &1_700_000_000_000i64, &value])
                .expect("row");
        }
        writer.finish().expect("finish");
        tx.commit().expect("commit");
    }
    POINTS as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bare = bare_sqlite_rate(dir.path());
    let store = store_rate(&Store::open(dir.path().join("store")).expect("open store"));
    let http = http_rate(dir.path());
    println!("Bulk ingest of {POINTS} points in batches of {CHUNK} (target >= 1,000,000 points/s into the store)");
    println!("  bare SQLite insert loop     {:>12.0} points/s  (baseline)", bare);
    println!(
        "  Store::ingest               {:>12.0} points/s  ({:.2}x the bare loop)",
        store,
        store / bare
    );
    println!(
        "  HTTP bulk ingest, loopback  {:>12.0} points/s  ({:.2}x the bare loop)",
        http,
        http / bare
    );
    let Some(pg) = TestDatabase::create("ingest_bench") else {
        println!("PostgreSQL: skipped: no PostgreSQL");
        return;
    };
    let bare_copy = bare_copy_rate(pg.url());
    let pg_store =
        store_rate(&Store::open_postgres(pg.url(), dir.path().join("pg-store")).expect("open the PostgreSQL store"));
    println!("On PostgreSQL (target: within 2x of the bare COPY loop)");
    println!("  bare binary COPY loop       {:>12.0} points/s  (baseline)", bare_copy);
    println!(
        "  Store::ingest               {:>12.0} points/s  ({:.2}x the bare loop: {})",
        pg_store,
        pg_store / bare_copy,
        if pg_store * 2.0 >= bare_copy {
            "within 2x"
        } else {
            "MISSED"
        }
    );
}
