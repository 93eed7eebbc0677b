//! The store's calls that run on both databases give the same answers on SQLite and on a
//! PostgreSQL database of the test's own: experiments, runs (numbers, status, tags, heartbeats,
//! the trash), run search, log-batch and ingest, and series reads.

use super::pg_testing::TestDatabase;
use super::*;
use crate::api::KeyValue;
use crate::api::ext::{CreateRunExt, RunStatus, UpdateRunExt};

/// A fresh SQLite store, and a PostgreSQL one where a server answers.
pub(super) fn stores() -> Vec<(&'static str, Store, tempfile::TempDir, Option<TestDatabase>)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![("sqlite", Store::open(dir.path().join("store")).unwrap(), dir, None)];
    if let Some(pg) = TestDatabase::create("experiments") {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_postgres(pg.url(), dir.path()).unwrap();
        out.push(("postgres", store, dir, Some(pg)));
    }
    out
}

pub(super) fn tag(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: v.into(),
    }
}

#[test]
fn experiments_are_made_named_tagged_deleted_and_searched_alike_on_both_databases() {
    for (db, s, _dir, _pg) in stores() {
        let default = s.get_experiment("0").unwrap();
        assert_eq!(
            (default.name.as_str(), default.lifecycle_stage.as_str()),
            ("Default", "active"),
            "{db}"
        );
        let a = s.create_experiment("alpha", None, &[tag("team", "x")]).unwrap();
        let b = s.create_experiment("beta", Some("file:///elsewhere"), &[]).unwrap();
        assert_ne!(a, b);
        let got = s.get_experiment(&a).unwrap();
        assert_eq!(got.artifact_location, format!("mlflow-artifacts:/{a}"), "{db}");
        assert_eq!(got.tags, vec![tag("team", "x")], "{db}");
        assert_eq!(s.get_experiment(&b).unwrap().artifact_location, "file:///elsewhere");
        assert!(
            matches!(
                s.create_experiment("alpha", None, &[]),
                Err(StoreError::AlreadyExists(_))
            ),
            "{db}"
        );
        assert_eq!(s.ensure_experiment("alpha").unwrap(), a, "{db}");
        assert!(matches!(s.get_experiment("999"), Err(StoreError::NotFound(_))), "{db}");
        assert!(matches!(s.get_experiment("x"), Err(StoreError::Invalid(_))), "{db}");

        s.rename_experiment(&a, "alpha-2").unwrap();
        assert_eq!(s.get_experiment_by_name("alpha-2").unwrap().experiment_id, a, "{db}");
        assert!(
            matches!(s.rename_experiment(&b, "alpha-2"), Err(StoreError::AlreadyExists(_))),
            "{db}"
        );
        s.set_experiment_tag(&a, &tag("team", "y")).unwrap();
        s.set_experiment_tag(&a, &tag("goal", "auc")).unwrap();
        assert_eq!(
            s.get_experiment(&a).unwrap().tags,
            vec![tag("goal", "auc"), tag("team", "y")],
            "{db}: a tag set again is replaced"
        );
        s.delete_experiment_tag(&a, "goal").unwrap();
        assert!(
            matches!(s.delete_experiment_tag(&a, "goal"), Err(StoreError::NotFound(_))),
            "{db}"
        );

        s.delete_experiment(&b).unwrap();
        assert!(matches!(s.delete_experiment("0"), Err(StoreError::Invalid(_))), "{db}");
        let names = |view, filter: &str| -> Vec<String> {
            s.search_experiments(view, filter, &["name ASC".to_string()], &Page::default())
                .unwrap()
                .0
                .into_iter()
                .map(|e| e.name)
                .collect()
        };
        assert_eq!(names(ViewType::ActiveOnly, ""), ["Default", "alpha-2"], "{db}");
        assert_eq!(names(ViewType::DeletedOnly, ""), ["beta"], "{db}");
        assert_eq!(names(ViewType::All, "tags.team = 'y'"), ["alpha-2"], "{db}");
        s.restore_experiment(&b).unwrap();
        assert_eq!(names(ViewType::ActiveOnly, "name LIKE '%ta%'"), ["beta"], "{db}");
        let page_of_two = |token| {
            s.search_experiments(
                ViewType::All,
                "",
                &[],
                &Page {
                    max_results: Some(2),
                    token,
                },
            )
            .unwrap()
        };
        let (first, token) = page_of_two(None);
        assert_eq!(first.len(), 2, "{db}");
        let rest = page_of_two(token).0;
        assert_eq!(rest.len(), 1, "{db}: three experiments in pages of two");
    }
}

pub(super) fn new_run(s: &Store, experiment: &str, name: &str, start: i64) -> String {
    s.create_run(&CreateRunExt {
        experiment_name: Some(experiment.into()),
        run_name: Some(name.into()),
        start_time: Some(start),
        arguments: vec!["--lr".into(), "0.1".into()],
        properties: vec![tag("CommitId", "abc")],
        tags: vec![tag("mlflow.user", "ada")],
        ..Default::default()
    })
    .unwrap()
    .run_id
}

#[test]
fn runs_are_numbered_changed_tagged_trashed_and_searched_alike_on_both_databases() {
    for (db, s, _dir, _pg) in stores() {
        let ids: Vec<String> = ["a", "b", "c"]
            .iter()
            .enumerate()
            .map(|(i, n)| new_run(&s, "exp", n, 1_000 + i as i64))
            .collect();
        let first = s.get_run(&ids[0]).unwrap();
        assert_eq!(
            (first.run_number, first.name.as_str(), first.user_id.as_str()),
            (1, "a", "ada"),
            "{db}"
        );
        assert_eq!(first.arguments, ["--lr", "0.1"], "{db}");
        assert_eq!(
            first.properties.get("CommitId").map(String::as_str),
            Some("abc"),
            "{db}"
        );
        assert_eq!(first.status, RunStatus::Running, "{db}");
        let exp = first.experiment_id.clone();
        assert_eq!(s.get_run_by_number(&exp, 3).unwrap().run_id, ids[2], "{db}");
        assert!(
            matches!(
                s.get_run("0123456789abcdef0123456789abcdef"),
                Err(StoreError::NotFound(_))
            ),
            "{db}"
        );

        let done = s
            .update_run(&UpdateRunExt {
                run_id: ids[0].clone(),
                status: Some("FINISHED".into()),
                end_time: Some(5_000),
                exit_code: Some(0),
                hidden: Some(true),
                name: Some("a-renamed".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            (done.status, done.end_time, done.exit_code, done.hidden),
            (RunStatus::Completed, Some(5_000), Some(0), true),
            "{db}"
        );
        assert_eq!(done.name, "a-renamed", "{db}");
        assert_eq!(
            done.tags.get("mlflow.runName").map(String::as_str),
            Some("a-renamed"),
            "{db}"
        );

        s.set_tag(&ids[1], &tag("stage", "candidate")).unwrap();
        s.set_tag(&ids[1], &tag("mlflow.note.content", "notes")).unwrap();
        assert_eq!(
            s.get_run(&ids[1]).unwrap().description.as_deref(),
            Some("notes"),
            "{db}"
        );
        s.delete_tag(&ids[1], "mlflow.note.content").unwrap();
        assert!(
            matches!(s.delete_tag(&ids[1], "nope"), Err(StoreError::NotFound(_))),
            "{db}"
        );

        s.heartbeat(&ids[2], Some(1.0)).unwrap();
        let hb = s.get_run(&ids[2]).unwrap().heartbeat_time.unwrap();
        assert_eq!(
            s.sweep_lost_runs(hb + 1_000).unwrap(),
            Vec::<String>::new(),
            "{db}: within two intervals"
        );
        assert_eq!(s.sweep_lost_runs(hb + 2_001).unwrap(), vec![ids[2].clone()], "{db}");
        assert_eq!(s.get_run(&ids[2]).unwrap().status, RunStatus::Lost, "{db}");

        s.delete_run(&ids[0]).unwrap();
        assert!(
            matches!(s.set_tag(&ids[0], &tag("k", "v")), Err(StoreError::Invalid(_))),
            "{db}: a deleted run takes no writes"
        );
        let search = |filter: &str, view, max: Option<i64>, token: Option<String>| {
            s.search_runs(&RunQuery {
                experiment_ids: vec![exp.clone()],
                filter: filter.into(),
                view,
                order_by: vec![],
                page: Page {
                    max_results: max,
                    token,
                },
            })
            .unwrap()
        };
        let names = |runs: Vec<crate::api::ext::RunDetail>| runs.into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(
            names(search("", ViewType::ActiveOnly, None, None).0),
            ["c", "b"],
            "{db}: newest first"
        );
        assert_eq!(
            names(search("", ViewType::DeletedOnly, None, None).0),
            ["a-renamed"],
            "{db}"
        );
        assert_eq!(
            names(search("tags.stage = 'candidate'", ViewType::All, None, None).0),
            ["b"],
            "{db}"
        );
        assert_eq!(
            names(search("attributes.status = 'Lost'", ViewType::All, None, None).0),
            ["c"],
            "{db}"
        );
        let (page, token) = search("", ViewType::All, Some(2), None);
        assert_eq!(names(page), ["c", "b"], "{db}");
        assert_eq!(
            names(search("", ViewType::All, Some(2), token).0),
            ["a-renamed"],
            "{db}"
        );
        s.restore_run(&ids[0]).unwrap();
        assert_eq!(search("", ViewType::ActiveOnly, None, None).0.len(), 3, "{db}");
    }
}

#[test]
fn values_and_series_are_logged_and_read_alike_on_both_databases() {
    use crate::api::ext::{IngestBatch, LoggedValue, Num, SeriesChunk, TableRow};
    use crate::api::{LogBatch, Metric};
    for (db, s, _dir, _pg) in stores() {
        let run = new_run(&s, "series", "r", 1_000);
        let batch = IngestBatch {
            run_id: run.clone(),
            batch_id: Some("batch-1".into()),
            series: vec![SeriesChunk {
                key: "loss".into(),
                values: (0..20_000)
                    .map(|i| Num(if i == 7_777 { 9.0 } else { 1.0 / (1 + i) as f64 }))
                    .collect(),
                steps: None,
                timestamps: vec![1_000],
            }],
            values: vec![LoggedValue {
                key: "note".into(),
                kind: "string".into(),
                value: serde_json::json!("hello"),
            }],
            table_rows: vec![TableRow {
                key: "epochs".into(),
                row: [("loss".to_string(), serde_json::json!(0.5))].into_iter().collect(),
            }],
            ..Default::default()
        };
        assert_eq!(s.ingest(&batch).unwrap().points, 20_000, "{db}");
        assert!(s.ingest(&batch).unwrap().duplicate, "{db}: a batch id is applied once");
        s.log_batch(
            &LogBatch {
                metrics: vec![Metric {
                    key: "acc".into(),
                    value: 0.9,
                    timestamp: 2_000,
                    step: 3,
                    ..Default::default()
                }],
                params: vec![tag("lr", "0.1")],
                tags: vec![tag("t", "v")],
                ..Default::default()
            },
            &run,
        )
        .unwrap();
        assert!(
            matches!(
                s.log_batch(
                    &LogBatch {
                        params: vec![tag("lr", "0.2")],
                        ..Default::default()
                    },
                    &run
                ),
                Err(StoreError::Invalid(_))
            ),
            "{db}: a param keeps its value"
        );
        // A later write widens the range across writes; NaN is left out of it.
        let later = |value: f64, step: i64| Metric {
            key: "acc".into(),
            value,
            timestamp: 2_001,
            step,
            ..Default::default()
        };
        s.log_batch(
            &LogBatch {
                metrics: vec![later(f64::NAN, 1), later(0.25, 2)],
                ..Default::default()
            },
            &run,
        )
        .unwrap();
        let r = s.get_run(&run).unwrap();
        assert_eq!(r.metrics["loss"].count, 20_000, "{db}");
        let range = |k: &str| (r.metrics[k].min.map(|n| n.0), r.metrics[k].max.map(|n| n.0));
        assert_eq!(range("loss"), (Some(1.0 / 20_000.0), Some(9.0)), "{db}");
        assert_eq!(range("acc"), (Some(0.25), Some(0.9)), "{db}");
        assert_eq!(r.metrics["acc"].count, 3, "{db}");
        assert_eq!((r.metrics["acc"].value.0, r.metrics["acc"].step), (0.9, 3), "{db}");
        assert_eq!(r.params.get("lr").map(String::as_str), Some("0.1"), "{db}");
        assert_eq!(r.values["note"].value, serde_json::json!("hello"), "{db}");
        assert_eq!(r.values["epochs"].kind, "table", "{db}");

        let (page, next) = s.metric_history(&run, "loss", Some(15_000), None).unwrap();
        assert_eq!((page.len(), page[7_777].value), (15_000, 9.0), "{db}");
        let (rest, none) = s.metric_history(&run, "loss", Some(15_000), next.as_deref()).unwrap();
        assert_eq!((rest.len(), none), (5_000, None), "{db}");
        let sampled = s
            .metric_history_bulk_interval(std::slice::from_ref(&run), "loss", None, None, 10)
            .unwrap();
        assert!(sampled.len() >= 10 && sampled.len() <= 13, "{db}: {}", sampled.len());

        let whole = s.downsample(&run, "loss", XAxis::Step, 50, None, None).unwrap();
        assert_eq!(whole.total_points, 20_000, "{db}");
        assert_eq!(whole.buckets.len(), 50, "{db}");
        let spike = whole
            .buckets
            .iter()
            .find(|b| b.max.0 == 9.0)
            .expect("the spike survives");
        assert_eq!(spike.x_max, Some(7_777.0), "{db}");
        let zoom = s
            .downsample(&run, "loss", XAxis::Step, 20, Some(7_700), Some(7_800))
            .unwrap();
        assert_eq!(zoom.total_points, 101, "{db}");
        assert!(s.run_exists(&run).unwrap(), "{db}");
    }
}

#[test]
fn on_postgres_one_server_sweeps_lost_runs_at_a_time() {
    let Some(pg) = TestDatabase::create("sweep") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open_postgres(pg.url(), dir.path()).unwrap();
    let run = new_run(&s, "sweep", "r", 1_000);
    s.heartbeat(&run, Some(1.0)).unwrap();
    let late = s.get_run(&run).unwrap().heartbeat_time.unwrap() + 10_000;
    // Another server holding the sweep.
    let mut other = postgres::Client::connect(pg.url(), postgres::NoTls).unwrap();
    other.batch_execute("SELECT pg_advisory_lock(7470002)").unwrap();
    assert!(
        s.sweep_lost_runs(late).unwrap().is_empty(),
        "left to the server sweeping"
    );
    assert_eq!(s.get_run(&run).unwrap().status, RunStatus::Running);
    other.batch_execute("SELECT pg_advisory_unlock(7470002)").unwrap();
    assert_eq!(s.sweep_lost_runs(late).unwrap(), vec![run.clone()]);
    assert_eq!(s.get_run(&run).unwrap().status, RunStatus::Lost);
}
