//! The summary pyramid against the points themselves: every bucket it gives holds exactly the min,
//! max, last and count of the points within its x span, however the points arrived.

use super::metrics::XAxis;
use super::tests::{run_in, store};
use super::*;
use crate::api::ext::{Bucket, IngestBatch, Num, SeriesChunk};
use crate::api::{LogBatch, Metric};

/// Points `(x, value)` of the series' whole history on one axis.
fn raw(s: &Store, run: &str, key: &str, x: XAxis) -> Vec<(i64, f64)> {
    let col = if x == XAxis::Step { "step" } else { "timestamp" };
    let sql = format!(
        "SELECT p.{col}, p.value FROM metric_points p JOIN series s USING (series_id)
         WHERE s.run_id = ?1 AND s.key = ?2"
    );
    s.read_db(|db| {
        db.rows(&sql, super::sql::args![run, key], |r| {
            Ok((r.get(0)?, r.get::<Option<f64>>(1)?.unwrap_or(f64::NAN)))
        })
    })
    .unwrap()
}

/// Asserts each bucket is exactly what the points in its span make, and that the buckets hold
/// every point of `[lo, hi]` once.
fn assert_exact(buckets: &[Bucket], total: u64, points: &[(i64, f64)], lo: i64, hi: i64) {
    let inside: Vec<&(i64, f64)> = points.iter().filter(|p| p.0 >= lo && p.0 <= hi).collect();
    assert_eq!(total, inside.len() as u64, "every point of the range counted once");
    assert_eq!(buckets.iter().map(|b| b.count).sum::<u64>(), total);
    for w in buckets.windows(2) {
        assert!(w[0].x_last < w[1].x_first, "buckets never overlap: {w:?}");
    }
    for b in buckets {
        let mine: Vec<&&(i64, f64)> = inside
            .iter()
            .filter(|p| p.0 as f64 >= b.x_first && p.0 as f64 <= b.x_last)
            .collect();
        assert_eq!(mine.len() as u64, b.count, "count of {b:?}");
        let finite = mine.iter().map(|p| p.1).filter(|v| !v.is_nan());
        let min = finite.clone().fold(f64::INFINITY, f64::min);
        let max = finite.fold(f64::NEG_INFINITY, f64::max);
        if min.is_finite() {
            assert_eq!((b.min.0, b.max.0), (min, max), "extremes of {b:?}");
        } else {
            assert!(b.min.0.is_nan() && b.max.0.is_nan());
        }
        if min.is_finite() {
            let at = |x: Option<f64>, v: f64| mine.iter().any(|p| Some(p.0 as f64) == x && p.1 == v);
            assert!(
                at(b.x_min, min) && at(b.x_max, max),
                "min and max placed where they are: {b:?}"
            );
        }
        assert_eq!(b.non_positive as usize, mine.iter().filter(|p| p.1 <= 0.0).count());
        let positive = mine
            .iter()
            .map(|p| p.1)
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        assert_eq!(b.min_positive, positive.is_finite().then_some(positive));
        assert_eq!(b.x_first, mine.iter().map(|p| p.0).min().unwrap() as f64);
        assert_eq!(b.x_last, mine.iter().map(|p| p.0).max().unwrap() as f64);
    }
}

fn wave(i: i64) -> f64 {
    match i {
        77_777 => 50.0,
        12_345 => -50.0,
        i if i % 1_013 == 0 => f64::NAN,
        i => (i as f64 / 700.0).sin(),
    }
}

fn ingest(s: &Store, run: &str, steps: Vec<i64>, ts: Vec<i64>) {
    let values = steps.iter().map(|&i| Num(wave(i))).collect();
    s.ingest(&IngestBatch {
        run_id: run.into(),
        series: vec![SeriesChunk {
            key: "loss".into(),
            values,
            steps: Some(steps),
            timestamps: ts,
        }],
        ..Default::default()
    })
    .unwrap();
}

#[test]
fn aligned_and_unaligned_ranges_read_exactly_from_the_pyramid() {
    let (_d, s) = store();
    let run = run_in(&s, "p");
    // Arrives in pieces, one of them out of order, with a step logged twice.
    ingest(&s, &run, (50_000..102_400).collect(), vec![]);
    ingest(&s, &run, (0..50_000).collect(), vec![]);
    ingest(&s, &run, vec![4_096, 99_999], vec![]);
    let points = raw(&s, &run, "loss", XAxis::Step);
    let whole = s.downsample(&run, "loss", XAxis::Step, 100, None, None).unwrap();
    assert_exact(&whole.buckets, whole.total_points, &points, 0, 102_399);
    assert_eq!(whole.buckets.len(), 100, "1,024 steps a column, aligned on the blocks");
    let from_pyramid = s
        .read(|c| {
            let sid: i64 = c.query_row("SELECT series_id FROM series WHERE run_id = ?1", [&run], |r| r.get(0))?;
            pyramid::read(&super::sql::Db::Sqlite(c), sid, pyramid::Axis::Step, 100, None, None)
        })
        .unwrap()
        .expect("read from the pyramid");
    assert_eq!(from_pyramid.buckets, whole.buckets);
    assert!(whole.buckets.iter().any(|b| b.max.0 == 50.0) && whole.buckets.iter().any(|b| b.min.0 == -50.0));
    for (lo, hi, n) in [
        (1_234, 98_765, 333),
        (7, 70_001, 1000),
        (-5, 300_000, 17),
        (60_001, 60_900, 3),
    ] {
        let d = s.downsample(&run, "loss", XAxis::Step, n, Some(lo), Some(hi)).unwrap();
        assert_exact(&d.buckets, d.total_points, &points, lo, hi);
        assert!(d.buckets.len() <= n);
    }
}

#[test]
fn a_range_of_few_points_per_column_is_read_from_the_points() {
    let (_d, s) = store();
    let run = run_in(&s, "p");
    ingest(&s, &run, (0..1_000).collect(), vec![]);
    let d = s
        .downsample(&run, "loss", XAxis::Step, 100, Some(10), Some(900))
        .unwrap();
    let points = raw(&s, &run, "loss", XAxis::Step);
    assert_exact(&d.buckets, d.total_points, &points, 10, 900);
}

#[test]
fn by_time_the_pyramid_keeps_every_point_of_blocks_inside_the_range() {
    let (_d, s) = store();
    let run = run_in(&s, "p");
    let t0 = 1_700_000_000_000;
    // One point every 7 ms, so blocks and columns never line up.
    ingest(
        &s,
        &run,
        (0..60_000).collect(),
        (0..60_000).map(|i| t0 + 7 * i).collect(),
    );
    let points = raw(&s, &run, "loss", XAxis::Time);
    let whole = s.downsample(&run, "loss", XAxis::Time, 200, None, None).unwrap();
    assert_exact(&whole.buckets, whole.total_points, &points, t0, t0 + 7 * 59_999);
    // Range ends on block edges (multiples of 16 ms) read exactly.
    let (lo, hi) = (t0 + 16 * 1_000, t0 + 16 * 20_000 - 1);
    let d = s
        .downsample(&run, "loss", XAxis::Time, 250, Some(lo), Some(hi))
        .unwrap();
    assert_exact(&d.buckets, d.total_points, &points, lo, hi);
}

#[test]
fn log_batch_points_reach_the_pyramid_too() {
    let (_d, s) = store();
    let run = run_in(&s, "p");
    for chunk in (0..20_000).collect::<Vec<i64>>().chunks(1_000) {
        let metrics = chunk
            .iter()
            .map(|&i| Metric {
                key: "loss".into(),
                value: wave(i),
                timestamp: 1_000 + i,
                step: i,
                ..Default::default()
            })
            .collect();
        s.log_batch(
            &LogBatch {
                metrics,
                ..Default::default()
            },
            &run,
        )
        .unwrap();
    }
    let points = raw(&s, &run, "loss", XAxis::Step);
    let d = s.downsample(&run, "loss", XAxis::Step, 50, None, None).unwrap();
    assert_exact(&d.buckets, d.total_points, &points, 0, 19_999);
}

#[test]
fn a_store_from_before_the_pyramid_gets_one_when_opened() {
    let (dir, s) = store();
    let run = run_in(&s, "p");
    ingest(&s, &run, (0..40_000).collect(), vec![]);
    let before = s.downsample(&run, "loss", XAxis::Step, 64, None, None).unwrap();
    drop(s);
    let path = dir.path().join("store").join(crate::api::layout::DATABASE_FILE);
    let conn = rusqlite::Connection::open(&path).unwrap();
    // As version 5 left it: no pyramid, no min or max beside each series' latest point, and no
    // packed blocks.
    conn.execute_batch(
        "DROP TABLE series_blocks; DROP TABLE point_blocks; DROP TABLE experiment_permissions;
         DROP TABLE users; ALTER TABLE latest_metrics DROP COLUMN min;
         ALTER TABLE latest_metrics DROP COLUMN max; PRAGMA user_version = 5;",
    )
    .unwrap();
    drop(conn);
    let s = Store::open(dir.path().join("store")).unwrap();
    let blocks: i64 = s
        .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM series_blocks", [], |r| r.get(0))?))
        .unwrap();
    assert!(blocks > 2_500, "backfilled: {blocks} blocks");
    let after = s.downsample(&run, "loss", XAxis::Step, 64, None, None).unwrap();
    assert_eq!(before, after);
    let latest = &s.get_run(&run).unwrap().metrics["loss"];
    assert!(
        latest.min.is_some() && latest.max.is_some(),
        "min and max filled: {latest:?}"
    );
}

#[test]
fn on_postgres_the_pyramid_is_as_exact() {
    let Some(pg) = super::pg_testing::TestDatabase::create("pyramid") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open_postgres(pg.url(), dir.path()).unwrap();
    let run = run_in(&s, "p");
    // Big pieces go through the staging table, small ones row by row; out of order, a step twice.
    ingest(&s, &run, (50_000..102_400).collect(), vec![]);
    ingest(&s, &run, (0..50_000).collect(), vec![]);
    ingest(&s, &run, vec![4_096, 99_999], vec![]);
    let points = raw(&s, &run, "loss", XAxis::Step);
    assert_eq!(points.len(), 102_402);
    for (lo, hi, n) in [
        (0, 102_399, 100),
        (1_234, 98_765, 333),
        (7, 70_001, 1000),
        (60_001, 60_900, 3),
    ] {
        let d = s.downsample(&run, "loss", XAxis::Step, n, Some(lo), Some(hi)).unwrap();
        assert_exact(&d.buckets, d.total_points, &points, lo, hi);
    }
    let blocks: i64 = s
        .read_db(|db| db.value("SELECT COUNT(*) FROM series_blocks", super::sql::args![]))
        .unwrap()
        .unwrap();
    assert!(blocks > 6_000, "the pyramid was kept: {blocks} blocks");
}
