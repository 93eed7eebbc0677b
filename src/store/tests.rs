//! The store's core over a real SQLite file: run numbers, batches, idempotent ingest, series,
//! search, heartbeats, spool replay and the artifact folder's walls.

use super::*;
use crate::api::ext::{
    CreateRunExt, IngestBatch, LoggedValue, Num, RunStatus, SeriesChunk, SpoolRecord, TableRow, UpdateRunExt,
};
use crate::api::ids::now_ms;
use crate::api::{KeyValue, LogBatch, Metric};

pub(super) fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("store")).unwrap();
    (dir, s)
}

pub(super) fn run_in(s: &Store, exp: &str) -> String {
    s.create_run(&CreateRunExt {
        experiment_name: Some(exp.into()),
        ..Default::default()
    })
    .unwrap()
    .run_id
}

pub(super) fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: v.into(),
    }
}

#[test]
fn run_numbers_count_up_per_experiment() {
    let (_d, s) = store();
    let a1 = s
        .create_run(&CreateRunExt {
            experiment_name: Some("a".into()),
            ..Default::default()
        })
        .unwrap();
    let a2 = s
        .create_run(&CreateRunExt {
            experiment_name: Some("a".into()),
            ..Default::default()
        })
        .unwrap();
    let b1 = s
        .create_run(&CreateRunExt {
            experiment_name: Some("b".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((a1.run_number, a2.run_number, b1.run_number), (1, 2, 1));
    assert_eq!(a1.experiment_id, a2.experiment_id);
    assert_ne!(a1.experiment_id, b1.experiment_id);
    assert_eq!(a1.run_id.len(), 32);
    assert_eq!(a1.tags.get("mlflow.runName"), Some(&a1.name));
}

#[test]
fn log_batch_keeps_every_point_and_the_latest() {
    let (_d, s) = store();
    let id = run_in(&s, "e");
    let m = |v: f64, step: i64, ts: i64| Metric {
        key: "loss".into(),
        value: v,
        step,
        timestamp: ts,
        ..Default::default()
    };
    let batch = LogBatch {
        metrics: vec![m(3.0, 0, 10), m(1.0, 2, 11), m(f64::NAN, 1, 12), m(2.0, 2, 9)],
        params: vec![kv("lr", "0.1")],
        ..Default::default()
    };
    s.log_batch(&batch, &id).unwrap();
    let run = s.get_run(&id).unwrap();
    let latest = &run.metrics["loss"];
    assert_eq!((latest.value.0, latest.step, latest.count), (1.0, 2, 4));
    let (hist, next) = s.metric_history(&id, "loss", None, None).unwrap();
    assert_eq!(hist.len(), 4);
    assert!(next.is_none());
    assert!(hist.iter().any(|p| p.value.is_nan()), "NaN is kept");
    assert_eq!(hist.iter().map(|p| p.step).collect::<Vec<_>>(), vec![0, 1, 2, 2]);
}

#[test]
fn params_cannot_change_and_a_failed_batch_stores_nothing() {
    let (_d, s) = store();
    let id = run_in(&s, "e");
    s.log_batch(
        &LogBatch {
            params: vec![kv("lr", "0.1")],
            ..Default::default()
        },
        &id,
    )
    .unwrap();
    s.log_batch(
        &LogBatch {
            params: vec![kv("lr", "0.1")],
            ..Default::default()
        },
        &id,
    )
    .unwrap();
    let bad = LogBatch {
        metrics: vec![Metric {
            key: "acc".into(),
            value: 1.0,
            step: 0,
            timestamp: 1,
            ..Default::default()
        }],
        params: vec![kv("lr", "0.2")],
        ..Default::default()
    };
    let err = s.log_batch(&bad, &id).unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref m) if m.contains("Changing param values")),
        "{err}"
    );
    assert!(
        s.get_run(&id).unwrap().metrics.is_empty(),
        "nothing of the failed batch was stored"
    );
    let too_many = LogBatch {
        metrics: (0..1001)
            .map(|i| Metric {
                key: "k".into(),
                value: 0.0,
                step: i,
                timestamp: 0,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    assert!(matches!(s.log_batch(&too_many, &id), Err(StoreError::Invalid(_))));
}

#[test]
fn ingest_is_idempotent_per_batch_id_and_continues_series() {
    let (_d, s) = store();
    let id = run_in(&s, "e");
    let batch = IngestBatch {
        run_id: id.clone(),
        batch_id: Some("b1".into()),
        series: vec![SeriesChunk {
            key: "all values".into(),
            values: vec![Num(5.0), Num(6.0), Num(7.0)],
            ..Default::default()
        }],
        values: vec![LoggedValue {
            key: "note".into(),
            kind: "string".into(),
            value: "hello".into(),
        }],
        table_rows: vec![
            TableRow {
                key: "t".into(),
                row: serde_json::from_str(r#"{"a": 1}"#).unwrap(),
            },
            TableRow {
                key: "t".into(),
                row: serde_json::from_str(r#"{"a": 2, "b": "x"}"#).unwrap(),
            },
        ],
        ..Default::default()
    };
    assert_eq!(s.ingest(&batch).unwrap().points, 3);
    assert!(s.ingest(&batch).unwrap().duplicate);
    let mut second = batch.clone();
    second.batch_id = Some("b2".into());
    second.values.clear();
    second.table_rows.clear();
    s.ingest(&second).unwrap();
    let (hist, _) = s.metric_history(&id, "all values", None, None).unwrap();
    assert_eq!(hist.iter().map(|p| p.step).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4, 5]);
    let run = s.get_run(&id).unwrap();
    assert_eq!(run.values["note"].value, serde_json::json!("hello"));
    assert_eq!(
        run.values["t"].value,
        serde_json::json!({"columns": ["a", "b"], "rows": [[1, null], [2, "x"]]})
    );
}

#[test]
fn downsample_keeps_extremes_of_each_bucket() {
    let (_d, s) = store();
    let id = run_in(&s, "e");
    let values: Vec<Num> = (0..10_000)
        .map(|i| Num(if i == 5_000 { 1e6 } else { (i % 7) as f64 }))
        .collect();
    s.ingest(&IngestBatch {
        run_id: id.clone(),
        series: vec![SeriesChunk {
            key: "x".into(),
            values,
            ..Default::default()
        }],
        ..Default::default()
    })
    .unwrap();
    let d = s.downsample(&id, "x", metrics::XAxis::Step, 100, None, None).unwrap();
    assert_eq!(d.total_points, 10_000);
    assert_eq!(d.buckets.len(), 100);
    assert_eq!(d.buckets.iter().map(|b| b.count).sum::<u64>(), 10_000);
    assert!(d.buckets.iter().any(|b| b.max.0 == 1e6), "the spike survives");
    let zoom = s
        .downsample(&id, "x", metrics::XAxis::Step, 10, Some(100), Some(199))
        .unwrap();
    assert_eq!(zoom.buckets.iter().map(|b| b.count).sum::<u64>(), 100);
    assert_eq!(zoom.buckets[0].x_first, 100.0);
}

#[test]
fn search_filters_orders_and_pages() {
    let (_d, s) = store();
    let exp = s.create_experiment("e", None, &[]).unwrap();
    for (i, acc) in [0.5, 0.9, 0.7].iter().enumerate() {
        let r = s
            .create_run(&CreateRunExt {
                experiment_id: Some(exp.clone()),
                ..Default::default()
            })
            .unwrap();
        s.log_batch(
            &LogBatch {
                metrics: vec![Metric {
                    key: "acc".into(),
                    value: *acc,
                    step: 0,
                    timestamp: 0,
                    ..Default::default()
                }],
                params: vec![kv("i", &i.to_string())],
                ..Default::default()
            },
            &r.run_id,
        )
        .unwrap();
    }
    let q = RunQuery {
        experiment_ids: vec![exp.clone()],
        filter: "metrics.acc > 0.6 OR params.i = '0'".into(),
        order_by: vec!["metrics.acc DESC".into()],
        page: Page {
            max_results: Some(2),
            token: None,
        },
        ..Default::default()
    };
    let (page1, token) = s.search_runs(&q).unwrap();
    assert_eq!(
        page1.iter().map(|r| r.metrics["acc"].value.0).collect::<Vec<_>>(),
        vec![0.9, 0.7]
    );
    let (page2, token) = s
        .search_runs(&RunQuery {
            page: Page {
                max_results: Some(2),
                token,
            },
            ..q.clone()
        })
        .unwrap();
    assert_eq!(page2.len(), 1);
    assert!(token.is_none());
    assert!(
        s.search_runs(&RunQuery {
            filter: "metrics.acc >".into(),
            ..q
        })
        .is_err()
    );
}

#[test]
fn heartbeat_silence_makes_a_run_lost() {
    let (_d, s) = store();
    let id = run_in(&s, "e");
    let quiet = run_in(&s, "e");
    s.heartbeat(&id, Some(1.0)).unwrap();
    assert!(s.sweep_lost_runs(now_ms()).unwrap().is_empty());
    assert_eq!(s.sweep_lost_runs(now_ms() + 5_000).unwrap(), vec![id.clone()]);
    assert_eq!(s.get_run(&id).unwrap().status, RunStatus::Lost);
    assert_eq!(
        s.get_run(&quiet).unwrap().status,
        RunStatus::Running,
        "runs without heartbeats stay as they are"
    );
}

#[test]
fn spool_replay_applies_once_and_keeps_failures() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let run_id = "0123456789abcdef0123456789abcdef".to_string();
    {
        let s = Store::open(&root).unwrap();
        drop(s);
    }
    let records = [
        SpoolRecord::CreateRun(CreateRunExt {
            run_id: Some(run_id.clone()),
            experiment_name: Some("offline".into()),
            ..Default::default()
        }),
        SpoolRecord::Ingest(IngestBatch {
            run_id: run_id.clone(),
            batch_id: Some("x1".into()),
            series: vec![SeriesChunk {
                key: "m".into(),
                values: vec![Num(1.0), Num(2.0)],
                ..Default::default()
            }],
            ..Default::default()
        }),
        SpoolRecord::UpdateRun(UpdateRunExt {
            run_id: run_id.clone(),
            status: Some("FINISHED".into()),
            ..Default::default()
        }),
    ];
    let mut text: String = records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect();
    std::fs::create_dir_all(root.join("spool")).unwrap();
    std::fs::write(root.join("spool/a.jsonl"), &text).unwrap();
    text.push_str("{not json}\n");
    std::fs::write(root.join("spool/b.jsonl"), &text).unwrap();
    let s = Store::open(&root).unwrap();
    let run = s.get_run(&run_id).unwrap();
    assert_eq!(
        run.metrics["m"].count, 2,
        "the second file's copy was not applied again"
    );
    assert_eq!(run.status, RunStatus::Completed);
    assert!(!root.join("spool/a.jsonl").exists());
    assert!(
        std::fs::read_to_string(root.join("spool/failed-b.jsonl"))
            .unwrap()
            .contains("{not json}")
    );
}

#[test]
fn artifacts_stay_inside_the_artifact_root() {
    let (_d, s) = store();
    let id = run_in(&s, "e");
    let run = s.get_run(&id).unwrap();
    let p = s
        .artifact_path(&format!("{}/{id}/artifacts/outputs/model.txt", run.experiment_id))
        .unwrap();
    s.put_artifact(&p, b"weights").unwrap();
    assert_eq!(
        s.all_artifacts(&id).unwrap(),
        vec![("outputs/model.txt".to_string(), 7)]
    );
    assert!(
        s.artifact_path(&format!("{}/{id}/artifacts/../../x", run.experiment_id))
            .is_err()
    );
    // The proxy takes any path below the root, as MLflow's does: it is a folder of its own.
    let other = s.artifact_path(&format!("999/{id}/artifacts/x")).unwrap();
    assert_ne!(s.artifact_file(&other).unwrap(), s.artifact_file(&p).unwrap());
    for outside in ["..", "../x", "/etc/passwd", "a//b"] {
        assert!(s.artifact_path(outside).is_err(), "{outside}");
    }
    #[cfg(unix)]
    {
        let dir = s.artifact_file(&s.run_artifact_path(&id, "").unwrap()).unwrap();
        std::os::unix::fs::symlink("/tmp", dir.join("link")).unwrap();
        let via_link = s.run_artifact_path(&id, "link/evil.txt").unwrap();
        assert!(
            s.put_artifact(&via_link, b"x").is_err(),
            "writing through a symlink is refused"
        );
    }
}
