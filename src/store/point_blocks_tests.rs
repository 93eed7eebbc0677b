//! The packed blocks hold exactly the points `metric_points` holds, in logging order, on both
//! databases: across block ends, out-of-order steps, NaN, concurrent writers to one series, and
//! the migrations that pack a store's existing points (PostgreSQL's in SQL, to the same bytes).

use super::both_databases_tests::{new_run, stores};
use super::point_blocks::{BLOCK, pack, unpack};
use super::pyramid::Point;
use super::sql::args;
use super::*;
use crate::api::ext::{IngestBatch, Num, SeriesChunk};
use crate::api::{LogBatch, Metric};

/// `(step, timestamp, value)` as text, NaN comparable, -0 as 0 (SQLite keeps no sign of zero in
/// `metric_points`; the blocks do).
fn shown(points: &[Point]) -> Vec<String> {
    points.iter().map(|p| format!("{:?}", (p.0, p.1, p.2 + 0.0))).collect()
}

/// The two lists equal, or where they first part.
fn same(a: &[String], b: &[String], db: &str) {
    let first = a.iter().zip(b).position(|(x, y)| x != y);
    assert!(
        first.is_none() && a.len() == b.len(),
        "{db}: {} and {} points, first differing at {first:?}: {:?} / {:?}",
        a.len(),
        b.len(),
        first.map(|i| &a[i]),
        first.map(|i| &b[i])
    );
}

/// A series' points read from `metric_points` in logging order, and from its blocks, checking
/// each block's number, fill and extents on the way.
fn both_ways(s: &Store, run: &str, key: &str) -> (Vec<Point>, Vec<Point>) {
    s.read_db(|db| {
        let sid: i64 = db
            .value(
                "SELECT series_id FROM series WHERE run_id = ?1 AND key = ?2",
                args![run, key],
            )?
            .expect("series");
        let points: Vec<Point> = db.rows(
            "SELECT step, timestamp, value FROM metric_points WHERE series_id = ?1 ORDER BY seq",
            args![sid],
            |r| Ok((r.get(0)?, r.get(1)?, super::load::value_from_db(r.get(2)?))),
        )?;
        let blocks: Vec<(i64, i64, i64, i64, i64, Vec<u8>)> = db.rows(
            "SELECT block, step_min, step_max, time_min, time_max, points FROM point_blocks
             WHERE series_id = ?1 ORDER BY block",
            args![sid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )?;
        let mut packed = Vec::new();
        for (i, (block, s0, s1, t0, t1, bytes)) in blocks.iter().enumerate() {
            let these: Vec<Point> = unpack(bytes).collect();
            assert_eq!(*block, i as i64, "blocks are numbered from 0 without gaps");
            if i + 1 < blocks.len() {
                assert_eq!(these.len() as i64, BLOCK, "only the last block is partial");
            }
            let steps = these.iter().map(|p| p.0);
            let times = these.iter().map(|p| p.1);
            assert_eq!((*s0, *s1), (steps.clone().min().unwrap(), steps.max().unwrap()));
            assert_eq!((*t0, *t1), (times.clone().min().unwrap(), times.max().unwrap()));
            packed.extend(these);
        }
        Ok((points, packed))
    })
    .unwrap()
}

fn chunk(key: &str, values: Vec<f64>, steps: Option<Vec<i64>>, ts: i64) -> SeriesChunk {
    SeriesChunk {
        key: key.into(),
        values: values.into_iter().map(Num).collect(),
        steps,
        timestamps: vec![ts],
    }
}

#[test]
fn blocks_hold_every_point_in_logging_order_across_calls_on_both_databases() {
    for (db, s, _dir, _pg) in stores() {
        let run = new_run(&s, "blocks", "r", 1_000);
        let ingest = |series: Vec<SeriesChunk>| {
            s.ingest(&IngestBatch {
                run_id: run.clone(),
                series,
                ..Default::default()
            })
            .unwrap();
        };
        // Calls that end inside a block, fill one exactly, and span several.
        ingest(vec![chunk("loss", (0..100).map(f64::from).collect(), None, 10)]);
        ingest(vec![chunk("loss", (0..28).map(|i| -f64::from(i)).collect(), None, 20)]);
        ingest(vec![chunk("loss", vec![f64::NAN], None, 30)]);
        ingest(vec![chunk(
            "loss",
            (0..300).map(|i| f64::from(i) / 7.0).collect(),
            None,
            40,
        )]);
        // Steps out of order, and a step logged again.
        ingest(vec![chunk("loss", vec![1.5, 2.5, 3.5], Some(vec![5, 900, 5]), 50)]);
        // MLflow's path: one metric at a time.
        for i in 0..130 {
            let batch = LogBatch {
                metrics: vec![Metric {
                    key: "loss".into(),
                    value: f64::from(i).sqrt(),
                    step: 1_000 + i64::from(i),
                    timestamp: 60 + i64::from(i),
                    ..Default::default()
                }],
                ..Default::default()
            };
            s.log_batch(&batch, &run).unwrap();
        }
        let (points, packed) = both_ways(&s, &run, "loss");
        assert_eq!(points.len(), 100 + 28 + 1 + 300 + 3 + 130, "{db}");
        same(&shown(&packed), &shown(&points), db);
        // The chart's read of raw points (a column finer than the pyramid's blocks) sees them all.
        let fine = s.downsample(&run, "loss", XAxis::Step, 2_000, None, None).unwrap();
        assert_eq!(fine.total_points, points.len() as u64, "{db}");
        let in_range = s
            .downsample(&run, "loss", XAxis::Step, 2_000, Some(5), Some(99))
            .unwrap();
        let expected = points.iter().filter(|p| (5..=99).contains(&p.0)).count();
        assert_eq!(in_range.total_points, expected as u64, "{db}");
        let by_time = s
            .downsample(&run, "loss", XAxis::Time, 2_000, Some(60), Some(69))
            .unwrap();
        assert_eq!(by_time.total_points, 10, "{db}");
    }
}

#[test]
fn writers_of_one_series_at_once_lose_no_point_on_both_databases() {
    for (db, s, _dir, _pg) in stores() {
        let run = new_run(&s, "blocks", "together", 1_000);
        std::thread::scope(|scope| {
            for w in 0..4 {
                let (s, run) = (&s, &run);
                scope.spawn(move || {
                    for call in 0..25 {
                        let values = (0..7).map(|i| f64::from(w * 1_000 + call * 10 + i)).collect();
                        s.ingest(&IngestBatch {
                            run_id: run.clone(),
                            series: vec![chunk("loss", values, None, 1)],
                            ..Default::default()
                        })
                        .unwrap();
                    }
                });
            }
        });
        let (points, packed) = both_ways(&s, &run, "loss");
        assert_eq!(points.len(), 4 * 25 * 7, "{db}");
        same(&shown(&packed), &shown(&points), db);
        // Steps were continued one writer after another: every step once.
        let mut steps: Vec<i64> = points.iter().map(|p| p.0).collect();
        steps.sort_unstable();
        assert_eq!(steps, (0..700).collect::<Vec<i64>>(), "{db}");
        assert_eq!(s.get_run(&run).unwrap().metrics["loss"].count, 700, "{db}");
    }
}

/// Points of two series put straight into an older schema, as a store written before the blocks.
const OLD_POINTS: &str = "
    INSERT INTO experiments VALUES (1, 'e', 'mlflow-artifacts:/1', 'active', 1, 1);
    INSERT INTO runs (run_id, experiment_id, run_number, name, user_id, status, created_time, artifact_uri)
        VALUES ('r1', 1, 1, 'first', '', 'Completed', 1, 'mlflow-artifacts:/1/r1/artifacts');
    INSERT INTO series (series_id, run_id, key) VALUES (1, 'r1', 'loss'), (2, 'r1', 'one');
    INSERT INTO metric_points VALUES (2, 0, 0, 5, NULL);
    INSERT INTO latest_metrics (series_id, step, timestamp, value, point_count) VALUES (1, 0, 1, 0.0, 300), (2, 0, 5, NULL, 1);";

/// The 300 points of series 1 in `OLD_POINTS`, inserted apart (their steps descend as seq grows).
fn old_series_points() -> Vec<(i64, Point)> {
    (0..300)
        .map(|seq: i64| (seq, (1_000 - seq, 100 + seq, seq as f64 / 3.0)))
        .collect()
}

#[test]
fn the_sqlite_migration_packs_the_points_already_stored() {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    for sql in &schema::MIGRATIONS[..7] {
        conn.execute_batch(sql).unwrap();
    }
    conn.execute_batch(&format!("PRAGMA user_version = 7; {OLD_POINTS}"))
        .unwrap();
    for (seq, (step, ts, v)) in old_series_points() {
        conn.execute(
            "INSERT INTO metric_points VALUES (1, ?1, ?2, ?3, ?4)",
            rusqlite::params![step, seq, ts, v],
        )
        .unwrap();
    }
    schema::migrate(&mut conn).unwrap();
    let blocks: Vec<(i64, i64, Vec<u8>)> = conn
        .prepare("SELECT series_id, block, points FROM point_blocks ORDER BY series_id, block")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        blocks.iter().map(|b| (b.0, b.1)).collect::<Vec<_>>(),
        vec![(1, 0), (1, 1), (1, 2), (2, 0)]
    );
    let expected: Vec<Point> = old_series_points().into_iter().map(|(_, p)| p).collect();
    let got: Vec<Point> = blocks[..3]
        .iter()
        .flat_map(|b| unpack(&b.2).collect::<Vec<_>>())
        .collect();
    same(&shown(&got), &shown(&expected), "sqlite");
    assert!(unpack(&blocks[3].2).next().is_some_and(|p| p.2.is_nan()));
}

#[test]
fn the_postgres_migration_packs_the_points_to_the_same_bytes() {
    let Some(pg) = pg_testing::TestDatabase::create("migrate_blocks") else {
        return;
    };
    let mut conn = sql::PgConn::connect(pg.url()).unwrap();
    conn.batch(&format!(
        "BEGIN; {}; {}; CREATE TABLE schema_version (version BIGINT NOT NULL);
         INSERT INTO schema_version VALUES (1), (2); {OLD_POINTS} COMMIT;",
        schema_pg::MIGRATIONS[0],
        schema_pg::MIGRATIONS[1]
    ))
    .unwrap();
    for (seq, (step, ts, v)) in old_series_points() {
        conn.client()
            .execute(
                "INSERT INTO metric_points VALUES (1, $1, $2, $3, $4)",
                &[&step, &seq, &ts, &v],
            )
            .unwrap();
    }
    schema_pg::migrate(&mut conn).unwrap();
    let blocks: Vec<(i64, i64, i64, i64, Vec<u8>)> = conn
        .client()
        .query(
            "SELECT series_id, block, step_min, step_max, points FROM point_blocks ORDER BY series_id, block",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    let points: Vec<Point> = old_series_points().into_iter().map(|(_, p)| p).collect();
    for (i, part) in points.chunks(BLOCK as usize).enumerate() {
        let mut bytes = Vec::new();
        pack(part, &mut bytes);
        let (series, block, lo, hi, got) = &blocks[i];
        assert_eq!((*series, *block), (1, i as i64));
        assert_eq!((*lo, *hi), (part.last().unwrap().0, part[0].0));
        assert_eq!(got, &bytes, "block {i} is packed as the store packs it");
    }
    assert_eq!((blocks[3].0, blocks[3].1), (2, 0));
    assert!(unpack(&blocks[3].4).next().is_some_and(|p| p.2.is_nan()));
    // A store opened over the migrated database goes on from the partial block.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_postgres(pg.url(), dir.path()).unwrap();
    let more = (0..10)
        .map(|i| Metric {
            key: "loss".into(),
            value: f64::from(i),
            step: 2_000 + i64::from(i),
            timestamp: 9,
            ..Default::default()
        })
        .collect();
    store
        .log_batch(
            &LogBatch {
                metrics: more,
                ..Default::default()
            },
            "r1",
        )
        .unwrap();
    let (points, packed) = both_ways(&store, "r1", "loss");
    assert_eq!(points.len(), 310);
    same(&shown(&packed), &shown(&points), "postgres");
}
