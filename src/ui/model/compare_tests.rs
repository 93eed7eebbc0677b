//! Unit tests of the compare view's rows, kept beside `compare.rs` so the model file stays short.

use super::*;
use crate::api::ext::RunStatus;
use crate::ui::model::fixtures::*;
use serde_json::json;

fn row(group: &'static str, key: &str, cells: &[&str], differs: bool) -> CompareRow {
    CompareRow {
        group,
        key: key.into(),
        cells: cells.iter().map(|c| c.to_string()).collect(),
        differs,
    }
}

fn two_runs() -> (RunDetail, RunDetail) {
    let a = RunDetail {
        name: "a".into(),
        script_name: Some("train.py".into()),
        arguments: vec!["--lr".into(), "0.1".into()],
        start_time: Some(T0),
        end_time: Some(T0 + 2_000),
        properties: strings(&[("CommitId", "abc123")]),
        params: strings(&[("lr", "0.1"), ("epochs", "3")]),
        metrics: counted(&[("loss", 0.5, 10)]),
        values: values(&[("note", "string", json!("ok"))]),
        tags: strings(&[("team", "x"), ("mlflow.user", "alice")]),
        ..run(1)
    };
    let b = RunDetail {
        name: "b".into(),
        status: RunStatus::Failed,
        script_name: Some("train.py".into()),
        arguments: vec!["--lr".into(), "0.2".into()],
        start_time: Some(T0),
        end_time: Some(T0 + 2_000),
        properties: strings(&[("CommitId", "abc123")]),
        params: strings(&[("lr", "0.2"), ("epochs", "3"), ("batch", "32")]),
        metrics: counted(&[("loss", 0.25, 10), ("acc", 0.9, 1)]),
        values: values(&[("note", "string", json!("ok"))]),
        tags: strings(&[("team", "x"), ("mlflow.source.name", "train.py")]),
        ..run(2)
    };
    (a, b)
}

#[test]
fn rows_of_every_group_with_differences_marked() {
    let (a, b) = two_runs();
    let started = crate::format::fmt_time(T0);
    let want = vec![
        // The run's own fields come first, ordered by their names.
        row("Run", "Arguments", &["--lr 0.1", "--lr 0.2"], true),
        row("Run", "Commit", &["abc123", "abc123"], false),
        row("Run", "Duration", &["2.0 s", "2.0 s"], false),
        row("Run", "Name", &["a", "b"], true),
        row("Run", "Script", &["train.py", "train.py"], false),
        row("Run", "Started", &[&started, &started], false),
        row("Run", "Status", &["Completed", "Failed"], true),
        row("Parameters", "batch", &["", "32"], true),
        row("Parameters", "epochs", &["3", "3"], false),
        row("Parameters", "lr", &["0.1", "0.2"], true),
        row("Metrics", "acc", &["", "0.9"], true),
        row("Metrics", "loss", &["0.5", "0.25"], true),
        row("Values", "note", &["ok", "ok"], false),
        row("Tags", "team", &["x", "x"], false),
    ];
    assert_eq!(compare_rows(&[&a, &b], T0 + 10_000, false), want);
}

#[test]
fn only_differences_drops_equal_rows() {
    let (a, b) = two_runs();
    for (only_differences, want_keys) in [
        (
            false,
            vec![
                "Arguments",
                "Commit",
                "Duration",
                "Name",
                "Script",
                "Started",
                "Status",
                "batch",
                "epochs",
                "lr",
                "acc",
                "loss",
                "note",
                "team",
            ],
        ),
        (true, vec!["Arguments", "Name", "Status", "batch", "lr", "acc", "loss"]),
    ] {
        let rows = compare_rows(&[&a, &b], T0, only_differences);
        let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, want_keys, "only_differences={only_differences}");
        if only_differences {
            assert!(rows.iter().all(|r| r.differs), "every kept row differs");
        }
    }
}

#[test]
fn differs_compares_every_cell() {
    for (case, params, want) in [
        ("equal", vec![Some("1"), Some("1")], false),
        ("different", vec![Some("1"), Some("2")], true),
        ("missing in one", vec![Some("1"), None], true),
        ("missing in all but the first", vec![Some("1"), None, None], true),
        ("third differs", vec![Some("1"), Some("1"), Some("2")], true),
        ("three equal", vec![Some("1"), Some("1"), Some("1")], false),
        // A missing param reads as an empty cell, the same as a param logged as "".
        ("missing versus empty", vec![None, Some("")], false),
    ] {
        let runs: Vec<RunDetail> = params
            .iter()
            .enumerate()
            .map(|(i, p)| RunDetail {
                params: p.map(|v| strings(&[("p", v)])).unwrap_or_default(),
                ..run(i as i64 + 1)
            })
            .collect();
        let refs: Vec<&RunDetail> = runs.iter().collect();
        let rows = compare_rows(&refs, T0, false);
        let p = rows
            .iter()
            .find(|r| r.group == "Parameters" && r.key == "p")
            .unwrap_or_else(|| panic!("{case}: no row for p"));
        assert_eq!(p.cells.len(), params.len(), "{case}: one cell per run");
        assert_eq!(p.differs, want, "{case}: {:?}", p.cells);
    }
}

#[test]
fn mlflow_tags_are_hidden() {
    let r = RunDetail {
        tags: strings(&[
            ("mlflow.runName", "x"),
            ("mlflow.source.git.commit", "abc"),
            ("mlflow", "plain"),
            ("team", "vision"),
        ]),
        ..run(1)
    };
    let tags: Vec<(String, Vec<String>)> = compare_rows(&[&r], T0, false)
        .into_iter()
        .filter(|r| r.group == "Tags")
        .map(|r| (r.key, r.cells))
        .collect();
    assert_eq!(
        tags,
        [
            ("mlflow".to_string(), vec!["plain".to_string()]),
            ("team".to_string(), vec!["vision".to_string()])
        ]
    );
}

#[test]
fn values_read_as_text_and_others_as_json() {
    let r = RunDetail {
        values: values(&[
            ("note", "string", json!("hello")),
            ("plot", "image", json!("plots/a.png")),
            ("table", "table", json!({"a": [1]})),
            ("n", "string", json!(3)),
        ]),
        ..run(1)
    };
    let got: Vec<(String, String)> = compare_rows(&[&r], T0, false)
        .into_iter()
        .filter(|r| r.group == "Values")
        .map(|r| (r.key, r.cells[0].clone()))
        .collect();
    let want: Vec<(String, String)> = [
        ("n", "3"),
        ("note", "hello"),
        ("plot", "plots/a.png"),
        ("table", r#"{"a":[1]}"#),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn one_run_differs_from_nothing() {
    let (a, _) = two_runs();
    let rows = compare_rows(&[&a], T0, false);
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| !r.differs && r.cells.len() == 1));
    assert!(compare_rows(&[&a], T0, true).is_empty());
    assert!(compare_rows(&[], T0, false).is_empty());
}

#[test]
fn missing_run_fields_are_empty_cells() {
    let rows = compare_rows(&[&run(1), &run(2)], T0, false);
    for (key, want) in [
        ("Script", ""),
        ("Arguments", ""),
        ("Started", ""),
        ("Duration", ""),
        ("Commit", ""),
        ("Status", "Completed"),
    ] {
        let r = rows.iter().find(|r| r.key == key).unwrap();
        assert_eq!(r.cells, [want, want], "cells of {key}");
        assert!(!r.differs, "{key} does not differ");
    }
}

#[test]
fn shared_series_are_keys_with_more_than_one_point_in_any_run() {
    for (case, runs, want) in [
        ("no runs", vec![], vec![]),
        (
            "single points are not series",
            vec![counted(&[("acc", 0.9, 1)]), counted(&[("acc", 0.8, 1)])],
            vec![],
        ),
        (
            "union, sorted, once each",
            vec![
                counted(&[("loss", 0.5, 10), ("acc", 0.9, 1)]),
                counted(&[("val_loss", 0.6, 3), ("loss", 0.4, 5)]),
            ],
            vec!["loss", "val_loss"],
        ),
        (
            "an unknown count (0) is charted",
            vec![counted(&[("lr", 0.1, 0)])],
            vec!["lr"],
        ),
        (
            "a series in one run is enough",
            vec![counted(&[("acc", 0.9, 1)]), counted(&[("acc", 0.8, 4)])],
            vec!["acc"],
        ),
    ] {
        let runs: Vec<RunDetail> = runs
            .into_iter()
            .enumerate()
            .map(|(i, m)| RunDetail {
                metrics: m,
                ..run(i as i64 + 1)
            })
            .collect();
        let refs: Vec<&RunDetail> = runs.iter().collect();
        assert_eq!(shared_series(&refs), want, "{case}");
    }
}

#[test]
fn shared_images_are_image_paths_in_two_runs_or_more() {
    let files = |lists: &[&[&str]]| -> Vec<Vec<String>> {
        lists
            .iter()
            .map(|l| l.iter().map(|p| p.to_string()).collect())
            .collect()
    };
    for (case, lists, want) in [
        ("no runs", files(&[]), vec![]),
        ("one run", files(&[&["a.png"]]), vec![]),
        (
            "in both",
            files(&[&["plots/a.png", "b.png"], &["plots/a.png"]]),
            vec!["plots/a.png"],
        ),
        (
            "not images",
            files(&[&["log.txt", "m.csv"], &["log.txt", "m.csv"]]),
            vec![],
        ),
        (
            "any case of extension, sorted",
            files(&[&["z.JPG", "b.jpeg"], &["b.jpeg", "z.JPG"], &["c.png"]]),
            vec!["b.jpeg", "z.JPG"],
        ),
        (
            "two of three",
            files(&[&["a.png"], &["b.png"], &["a.png", "b.png"]]),
            vec!["a.png", "b.png"],
        ),
        (
            "paths are exact",
            files(&[&["a.png"], &["A.png"], &["x/a.png"]]),
            vec![],
        ),
    ] {
        assert_eq!(shared_images(&lists), want, "{case}");
    }
}

#[test]
fn metrics_at_a_step_say_when_a_value_was_logged_earlier() {
    use crate::api::curves::{AtStep, ValueAtStep};
    use crate::api::ext::{LatestMetric, Num};
    let mut a = run(1);
    let mut b = run(2);
    a.metrics.insert(
        "loss".into(),
        LatestMetric {
            step: 900,
            ..Default::default()
        },
    );
    b.metrics.insert(
        "eval".into(),
        LatestMetric {
            step: 1_000,
            ..Default::default()
        },
    );
    assert_eq!(last_step(&[&a, &b]), Some(1_000));
    assert_eq!(last_step(&[]), None);
    let v = |run: &str, key: &str, step: i64, value: f64| ValueAtStep {
        run_id: run.into(),
        key: key.into(),
        step,
        value: Num(value),
    };
    let at = AtStep {
        step: 500,
        values: vec![
            v("id1", "loss", 500, 0.25),
            v("id2", "loss", 500, 0.25),
            v("id2", "eval", 400, 0.75),
            v("gone", "loss", 500, 1.0),
        ],
    };
    let rows = at_step_rows(&[&a, &b], &at);
    let seen: Vec<(&str, Vec<&str>, bool)> = rows
        .iter()
        .map(|r| (r.key.as_str(), r.cells.iter().map(String::as_str).collect(), r.differs))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("eval", vec!["", "0.75 (step 400)"], true),
            ("loss", vec!["0.25", "0.25"], false),
        ]
    );
}
