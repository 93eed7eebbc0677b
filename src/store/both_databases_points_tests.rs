//! Points of many series written in one call land exactly as if each series had been written in
//! a call of its own, on both databases: steps continued, order, counts, latest values, NaN, and
//! the pyramid's buckets (many series in one call take PostgreSQL's COPY and staged paths).

use super::both_databases_tests::{new_run, stores};
use super::*;
use crate::api::Metric;
use crate::api::ext::{IngestBatch, Num, SeriesChunk};

fn chunk(key: &str, values: &[f64], steps: Option<Vec<i64>>, ts: i64) -> SeriesChunk {
    SeriesChunk {
        key: key.into(),
        values: values.iter().map(|v| Num(*v)).collect(),
        steps,
        timestamps: vec![ts],
    }
}

fn metric(key: &str, value: f64, step: i64, timestamp: i64) -> Metric {
    Metric {
        key: key.into(),
        value,
        step,
        timestamp,
        ..Default::default()
    }
}

/// What a run holds of a key, every way it can be read.
fn read_back(s: &Store, run: &str, key: &str) -> String {
    let (points, _) = s.metric_history(run, key, None, None).unwrap();
    let listed: Vec<String> = points
        .iter()
        .map(|p| format!("{}@{}/{}", p.value, p.step, p.timestamp))
        .collect();
    let r = s.get_run(run).unwrap();
    let latest = &r.metrics[key];
    let buckets = s.downsample(run, key, XAxis::Step, 7, None, None).unwrap();
    let by_time = s.downsample(run, key, XAxis::Time, 5, None, None).unwrap();
    format!(
        "{listed:?} latest {}@{} of {} | {:?} | {:?}",
        latest.value.0, latest.step, latest.count, buckets.buckets, by_time.buckets
    )
}

#[test]
fn many_series_in_one_call_land_as_one_call_each_on_both_databases() {
    for (db, s, _dir, _pg) in stores() {
        let together = new_run(&s, "points", "together", 1_000);
        let apart = new_run(&s, "points", "apart", 1_000);
        let mut series = vec![
            chunk("a", &[1.0, 2.0, 3.0], None, 10),
            chunk("b", &[5.0, 4.0], Some(vec![5, 1]), 20),
            // The same key again: its steps continue after the first chunk's.
            chunk("a", &[4.0, 5.0], None, 30),
            chunk("gaps", &[f64::NAN, 1.0, f64::NAN], None, 40),
        ];
        // Enough keys for PostgreSQL's COPY of points and its staged pyramid update.
        series.extend((0..90).map(|k| chunk(&format!("k{k:02}"), &[k as f64, -1.0, 0.5], None, 50 + k)));
        let metrics = vec![
            metric("a", 9.0, 10, 60),
            metric("c", 1.0, 0, 70),
            metric("c", 0.5, 1, 80),
            metric("b", 7.0, 1, 90),
        ];
        let batch = |run: &str, series: Vec<SeriesChunk>, metrics: Vec<Metric>| IngestBatch {
            run_id: run.to_string(),
            series,
            metrics,
            ..Default::default()
        };
        let sent = s.ingest(&batch(&together, series.clone(), metrics.clone())).unwrap();
        assert_eq!(sent.points, 3 + 2 + 2 + 3 + 90 * 3 + 4, "{db}");
        for c in series {
            s.ingest(&batch(&apart, vec![c], vec![])).unwrap();
        }
        for m in metrics {
            s.ingest(&batch(&apart, vec![], vec![m])).unwrap();
        }
        let keys = ["a", "b", "c", "gaps", "k00", "k45", "k89"];
        for key in keys {
            assert_eq!(read_back(&s, &together, key), read_back(&s, &apart, key), "{db}: {key}");
        }
        let a = read_back(&s, &together, "a");
        assert!(
            a.starts_with("[\"1@0/10\", \"2@1/10\", \"3@2/10\", \"4@3/30\", \"5@4/30\", \"9@10/60\"] latest 9@10 of 6"),
            "{db}: {a}"
        );
        let gaps = s.get_run(&together).unwrap().metrics["gaps"].clone();
        assert!(
            gaps.value.0.is_nan() && gaps.step == 2 && gaps.count == 3,
            "{db}: {gaps:?}"
        );
        // Later calls go on from where one call of many series left each of them.
        s.ingest(&batch(&together, vec![chunk("a", &[6.0], None, 100)], vec![]))
            .unwrap();
        let (points, _) = s.metric_history(&together, "a", None, None).unwrap();
        assert_eq!(points.last().map(|p| (p.step, p.value)), Some((11, 6.0)), "{db}");
    }
}
