//! The bulk curve read answers, run for run, what one downsampled read per run answers, on both
//! databases: long series from the pyramid, short ones from their points, ranges, a run without
//! the key, a run that does not exist, and the limits.

use super::both_databases_tests::{new_run, stores};
use super::*;
use crate::api::curves::CurvesRequest;
use crate::api::ext::{IngestBatch, Num, SeriesChunk};

fn log(s: &Store, run: &str, key: &str, values: Vec<f64>) {
    s.ingest(&IngestBatch {
        run_id: run.into(),
        series: vec![SeriesChunk {
            key: key.into(),
            values: values.into_iter().map(Num).collect(),
            steps: None,
            timestamps: vec![1_000],
        }],
        ..Default::default()
    })
    .unwrap();
}

#[test]
fn one_bulk_read_answers_as_one_read_per_run_on_both_databases() {
    for (db, s, _dir, _pg) in stores() {
        let long = new_run(&s, "curves", "long", 1_000);
        let short = new_run(&s, "curves", "short", 1_000);
        let other_key = new_run(&s, "curves", "other", 1_000);
        log(
            &s,
            &long,
            "loss",
            (0..5_000)
                .map(|i| 1.0 / (1.0 + i as f64) + (i % 7) as f64 * 0.01)
                .collect(),
        );
        log(&s, &short, "loss", vec![3.0, f64::NAN, 1.0, 0.5]);
        log(&s, &other_key, "acc", vec![0.5, 0.6]);
        let asked = vec![
            short.clone(),
            "no-such-run".to_string(),
            long.clone(),
            other_key.clone(),
            long.clone(),
        ];
        for (x, buckets, min, max) in [
            ("step", 50, None, None),
            ("step", 20, Some(1_000), Some(1_200)),
            ("time", 10, None, None),
        ] {
            let got = s
                .downsample_runs(&CurvesRequest {
                    key: "loss".into(),
                    run_ids: asked.clone(),
                    x: x.into(),
                    buckets,
                    min,
                    max,
                    ..Default::default()
                })
                .unwrap();
            let ids: Vec<&str> = got.series.iter().map(|c| c.run_id.as_str()).collect();
            assert_eq!(
                ids,
                [&short, &long, &other_key],
                "{db}: asked order, missing and repeated runs left out"
            );
            for c in got.series {
                let axis = metrics::XAxis::parse(x).unwrap();
                let one = s.downsample(&c.run_id, "loss", axis, buckets, min, max).unwrap();
                let bulk = c.into_series("loss", &got.x).unwrap();
                assert_eq!(bulk.total_points, one.total_points, "{db} {x} {min:?}");
                assert_eq!(bulk.buckets.len(), one.buckets.len(), "{db} {x} {min:?}");
                for (a, b) in bulk.buckets.iter().zip(&one.buckets) {
                    let same = |p: f64, q: f64| p == q || (p.is_nan() && q.is_nan());
                    assert!(
                        same(a.min.0, b.min.0) && same(a.max.0, b.max.0) && same(a.last.0, b.last.0),
                        "{db}: {a:?} vs {b:?}"
                    );
                    assert_eq!((a.x_first, a.x_last, a.count), (b.x_first, b.x_last, b.count), "{db}");
                    assert_eq!(a.x_min, Some(b.x_min.unwrap_or(b.x_first)), "{db}");
                }
            }
        }
        let whole = s
            .downsample_runs(&CurvesRequest {
                key: "loss".into(),
                run_ids: vec![long.clone(), other_key.clone()],
                x: String::new(),
                buckets: 100,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(whole.series[0].total_points, 5_000, "{db}");
        assert_eq!(whole.series[0].x_first.len(), 100, "{db}: the pyramid's buckets");
        assert!(
            whole.series[1].x_first.is_empty(),
            "{db}: a run without the key has no buckets"
        );

        let refused = |req: CurvesRequest| match s.downsample_runs(&req) {
            Err(StoreError::Invalid(m)) => m,
            other => panic!("{db}: expected a refusal, got {other:?}"),
        };
        let base = CurvesRequest {
            key: "loss".into(),
            run_ids: vec![long.clone()],
            buckets: 10,
            ..Default::default()
        };
        assert!(
            refused(CurvesRequest {
                buckets: 0,
                ..base.clone()
            })
            .contains("buckets")
        );
        assert!(
            refused(CurvesRequest {
                x: "epoch".into(),
                ..base.clone()
            })
            .contains("epoch")
        );
        assert!(
            refused(CurvesRequest {
                min: Some(5),
                max: Some(1),
                ..base.clone()
            })
            .contains("above")
        );
        let many = CurvesRequest {
            run_ids: vec![long.clone(); 2_000],
            buckets: 4_000,
            ..base.clone()
        };
        assert!(refused(many).contains("buckets one read returns"));
    }
}

#[test]
fn values_at_a_step_are_each_series_last_point_by_then_on_both_databases() {
    use crate::api::curves::AtStepRequest;
    use crate::api::{LogBatch, Metric};
    for (db, s, _dir, _pg) in stores() {
        let a = new_run(&s, "at-step", "a", 1_000);
        let b = new_run(&s, "at-step", "b", 1_000);
        log(&s, &a, "loss", (0..100).map(|i| i as f64).collect());
        // b evaluates every 10 steps, logs step 20 twice (the second wins) and a NaN at 30.
        let point = |value: f64, step: i64| Metric {
            key: "eval".into(),
            value,
            timestamp: 5,
            step,
            ..Default::default()
        };
        let batch = LogBatch {
            metrics: vec![point(1.0, 10), point(2.0, 20), point(2.5, 20), point(f64::NAN, 30)],
            ..Default::default()
        };
        s.log_batch(&batch, &b).unwrap();
        let at = |step: i64| {
            s.values_at_step(&AtStepRequest {
                run_ids: vec![b.clone(), "no-such-run".into(), a.clone()],
                step,
            })
            .unwrap()
        };
        let got = at(25);
        let seen: Vec<(&str, &str, i64, f64)> = got
            .values
            .iter()
            .map(|v| (v.run_id.as_str(), v.key.as_str(), v.step, v.value.0))
            .collect();
        assert_eq!(
            seen,
            vec![(b.as_str(), "eval", 20, 2.5), (a.as_str(), "loss", 25, 25.0)],
            "{db}: by run in the order asked, the last point logged at the step"
        );
        let later = at(35);
        assert!(later.values[0].value.0.is_nan(), "{db}: NaN is a value too");
        assert_eq!(at(5).values.len(), 1, "{db}: eval had no point by step 5");
        assert!(at(-1).values.is_empty(), "{db}");
        let too_many = AtStepRequest {
            run_ids: vec!["r".into(); crate::api::limits::MAX_CURVE_RUNS + 1],
            step: 0,
        };
        assert!(
            matches!(s.values_at_step(&too_many), Err(StoreError::Invalid(_))),
            "{db}"
        );
    }
}

#[test]
fn curves_over_another_metric_pair_the_steps_both_logged_on_both_databases() {
    use crate::api::{LogBatch, Metric};
    for (db, s, _dir, _pg) in stores() {
        let dense = new_run(&s, "over-metric", "dense", 1_000);
        let sparse = new_run(&s, "over-metric", "sparse", 1_000);
        let no_x = new_run(&s, "over-metric", "no-x", 1_000);
        log(&s, &dense, "loss", (0..100).map(|i| 100.0 - i as f64).collect());
        log(&s, &dense, "lr", (0..100).map(|i| i as f64 / 100.0).collect());
        log(&s, &sparse, "loss", (0..100).map(|i| i as f64).collect());
        log(&s, &no_x, "loss", vec![1.0, 2.0]);
        // sparse logs lr every 10 steps, step 50 twice (the second stands), and a NaN at 90.
        let lr = |value: f64, step: i64| Metric {
            key: "lr".into(),
            value,
            timestamp: 1,
            step,
            ..Default::default()
        };
        let mut points: Vec<Metric> = (0..10).filter(|i| *i != 9).map(|i| lr(i as f64, i * 10)).collect();
        points.push(lr(7.5, 50));
        points.push(lr(f64::NAN, 90));
        s.log_batch(
            &LogBatch {
                metrics: points,
                ..Default::default()
            },
            &sparse,
        )
        .unwrap();
        let req = |x_range| CurvesRequest {
            key: "loss".into(),
            run_ids: vec![dense.clone(), sparse.clone(), no_x.clone()],
            x: "metric".into(),
            buckets: 10,
            x_key: Some("lr".into()),
            x_range,
            ..Default::default()
        };
        let got = s.downsample_runs(&req(None)).unwrap();
        assert_eq!(got.x, "metric", "{db}");
        let totals: Vec<u64> = got.series.iter().map(|c| c.total_points).collect();
        assert_eq!(totals, [100, 9, 0], "{db}: the steps both logged, NaN x left out");
        let d = &got.series[0];
        assert_eq!((d.x_first[0], *d.x_last.last().unwrap()), (0.0, 0.99), "{db}");
        assert_eq!(
            (d.max[0].0, d.min.last().unwrap().0),
            (100.0, 1.0),
            "{db}: loss falls as lr rises"
        );
        let sp = &got.series[1];
        let xs: Vec<f64> = [&sp.x_first, &sp.x_last, &sp.x_min, &sp.x_max]
            .into_iter()
            .flatten()
            .copied()
            .collect();
        assert!(
            xs.contains(&7.5) && !xs.contains(&5.0),
            "{db}: step 50's last lr: {xs:?}"
        );
        let zoom = s.downsample_runs(&req(Some([0.25, 0.5]))).unwrap();
        assert_eq!(zoom.series[0].total_points, 26, "{db}: lr 0.25 to 0.50");
        let mut bad = req(None);
        bad.x_key = None;
        assert!(matches!(s.downsample_runs(&bad), Err(StoreError::Invalid(_))), "{db}");
        assert!(
            matches!(s.downsample_runs(&req(Some([1.0, 0.0]))), Err(StoreError::Invalid(_))),
            "{db}"
        );
    }
}
