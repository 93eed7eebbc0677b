//! Unit tests of the grid's columns, kept beside `columns.rs` so the model file stays short.

use super::*;
use crate::format::fmt_time;
use crate::ui::model::fixtures::*;

/// `YYYY-MM-DD HH:MM:SS`, whatever the local zone.
fn is_local_time(s: &str) -> bool {
    s.len() == 19
        && s.chars().enumerate().all(|(i, c)| match i {
            4 | 7 => c == '-',
            10 => c == ' ',
            13 | 16 => c == ':',
            _ => c.is_ascii_digit(),
        })
}

fn text(s: &str) -> SortValue {
    SortValue::Text(s.into())
}

fn numbers(runs: &[&RunDetail]) -> Vec<i64> {
    runs.iter().map(|r| r.run_number).collect()
}

#[test]
fn attribute_cells_read_and_sort_by_their_value() {
    let r = RunDetail {
        name: "Baseline".into(),
        status: RunStatus::Failed,
        script_name: Some("Train.py".into()),
        arguments: vec!["--lr".into(), "0.1".into()],
        start_time: Some(T0),
        end_time: Some(T0 + 4_900),
        user_id: "Alice".into(),
        ..run(7)
    };
    for (attr, want_text, want_sort) in [
        (Attr::Number, "7", SortValue::Num(7.0)),
        (Attr::Name, "Baseline", text("baseline")),
        (Attr::Status, "Failed", text("failed")),
        (Attr::Script, "Train.py", text("train.py")),
        (Attr::Arguments, "--lr 0.1", text("--lr 0.1")),
        (Attr::Duration, "4.9 s", SortValue::Num(4_900.0)),
        (Attr::User, "Alice", text("alice")),
    ] {
        let (t, s) = cell(&r, &ColumnKey::Attr(attr), T0 + 60_000);
        assert_eq!(t, want_text, "text of {attr:?}");
        assert_eq!(s, want_sort, "sort value of {attr:?}");
    }
}

#[test]
fn start_cell_is_local_time_and_sorts_by_the_timestamp() {
    let r = RunDetail {
        start_time: Some(T0),
        ..run(1)
    };
    let (t, s) = cell(&r, &ColumnKey::Attr(Attr::Start), T0);
    assert!(is_local_time(&t), "start reads as a local time: {t:?}");
    assert_eq!(t, fmt_time(T0));
    assert_eq!(s, SortValue::Num(T0 as f64));
}

#[test]
fn live_run_duration_runs_to_now() {
    let r = RunDetail {
        status: RunStatus::Running,
        start_time: Some(T0),
        ..run(1)
    };
    for (now, want_text) in [
        (T0 + 850, "850 ms"),
        (T0 + 125_000, "2 m 05 s"),
        (T0 + 7_500_000, "2 h 05 m"),
        // A clock behind the start never gives a negative duration.
        (T0 - 5_000, "0 ms"),
    ] {
        let (t, s) = cell(&r, &ColumnKey::Attr(Attr::Duration), now);
        assert_eq!(t, want_text, "duration at now = start + {}", now - T0);
        assert_eq!(s, SortValue::Num((now - T0).max(0) as f64), "sort value at {now}");
    }
}

#[test]
fn missing_attributes_read_empty() {
    let r = run(1);
    for (attr, want_sort) in [
        // Absent start and duration are Empty (they sort last) ...
        (Attr::Start, SortValue::Empty),
        (Attr::Duration, SortValue::Empty),
        // ... but an absent script or no arguments is the empty text, which sorts first ascending.
        (Attr::Script, text("")),
        (Attr::Arguments, text("")),
    ] {
        let (t, s) = cell(&r, &ColumnKey::Attr(attr), T0);
        assert_eq!(t, "", "text of missing {attr:?}");
        assert_eq!(s, want_sort, "sort value of missing {attr:?}");
    }
}

#[test]
fn param_cells_sort_as_numbers_when_they_parse() {
    for (param, want_sort) in [
        ("0.5", SortValue::Num(0.5)),
        (" 3 ", SortValue::Num(3.0)),
        ("1e-3", SortValue::Num(0.001)),
        ("-2", SortValue::Num(-2.0)),
        ("inf", SortValue::Num(f64::INFINITY)),
        ("Adam", text("adam")),
        ("0.5x", text("0.5x")),
        ("", text("")),
    ] {
        let r = RunDetail {
            params: strings(&[("p", param)]),
            ..run(1)
        };
        let (t, s) = cell(&r, &ColumnKey::Param("p".into()), T0);
        assert_eq!(t, param, "param {param:?} reads as logged");
        assert_eq!(s, want_sort, "sort value of param {param:?}");
    }
    let (t, s) = cell(&run(1), &ColumnKey::Param("p".into()), T0);
    assert_eq!((t.as_str(), s), ("", SortValue::Empty), "missing param");
}

#[test]
fn metric_cells_show_the_latest_value_compactly() {
    for (v, want_text) in [
        (0.5, "0.5"),
        (-2.0, "-2"),
        (0.0, "0"),
        (0.123456789, "0.123457"),
        (1_234_567.0, "1.23457e+06"),
    ] {
        let r = RunDetail {
            metrics: metrics(&[("loss", v)]),
            ..run(1)
        };
        let (t, s) = cell(&r, &ColumnKey::Metric("loss".into()), T0);
        assert_eq!(t, want_text, "text of metric {v}");
        assert_eq!(s, SortValue::Num(v), "sort value of metric {v}");
    }
    let (t, s) = cell(&run(1), &ColumnKey::Metric("loss".into()), T0);
    assert_eq!((t.as_str(), s), ("", SortValue::Empty), "missing metric");
}

#[test]
fn value_cells_by_kind() {
    use serde_json::json;
    for (kind, v, want_text, want_sort) in [
        ("string", json!("0.25"), "0.25", SortValue::Num(0.25)),
        ("string", json!("Good"), "Good", text("good")),
        (
            "image",
            json!("plots/Loss.png"),
            "plots/Loss.png",
            text("plots/loss.png"),
        ),
        (
            "table",
            json!({"a": [1, 2], "b": [3, 4]}),
            "table (2 columns)",
            SortValue::Empty,
        ),
        ("table", json!([1, 2]), "table (0 columns)", SortValue::Empty),
        // A value that is neither a string nor a table reads as its JSON, sorted as text.
        ("string", json!(3), "3", text("3")),
        ("string", json!(true), "true", text("true")),
    ] {
        let r = RunDetail {
            values: values(&[("v", kind, v.clone())]),
            ..run(1)
        };
        let (t, s) = cell(&r, &ColumnKey::Value("v".into()), T0);
        assert_eq!(t, want_text, "text of {kind} value {v}");
        assert_eq!(s, want_sort, "sort value of {kind} value {v}");
    }
    let (t, s) = cell(&run(1), &ColumnKey::Value("v".into()), T0);
    assert_eq!((t.as_str(), s), ("", SortValue::Empty), "missing value");
}

#[test]
fn tag_cells_are_text() {
    let r = RunDetail {
        tags: strings(&[("gpu", "A100"), ("n", "12")]),
        ..run(1)
    };
    for (key, want_text, want_sort) in [
        ("gpu", "A100", text("a100")),
        // Tags never sort as numbers.
        ("n", "12", text("12")),
        ("missing", "", SortValue::Empty),
    ] {
        let (t, s) = cell(&r, &ColumnKey::Tag(key.into()), T0);
        assert_eq!(t, want_text, "text of tag {key}");
        assert_eq!(s, want_sort, "sort value of tag {key}");
    }
}

#[test]
fn catalog_lists_attributes_then_every_key_by_group_and_name() {
    let a = RunDetail {
        params: strings(&[("lr", "0.1"), ("epochs", "3")]),
        metrics: metrics(&[("loss", 0.5)]),
        values: values(&[("note", "string", serde_json::json!("x"))]),
        tags: strings(&[("team", "x"), ("mlflow.user", "u")]),
        ..run(1)
    };
    let b = RunDetail {
        params: strings(&[("lr", "0.2"), ("batch", "32")]),
        metrics: metrics(&[("acc", 0.9), ("loss", 0.4)]),
        tags: strings(&[("gpu", "A100"), ("mlflow.source.name", "train.py")]),
        ..run(2)
    };
    let mut want: Vec<ColumnKey> = Attr::ALL.iter().map(|a| ColumnKey::Attr(*a)).collect();
    want.extend([
        ColumnKey::Param("batch".into()),
        ColumnKey::Param("epochs".into()),
        ColumnKey::Param("lr".into()),
        ColumnKey::Metric("acc".into()),
        ColumnKey::Metric("loss".into()),
        ColumnKey::Value("note".into()),
        ColumnKey::Tag("gpu".into()),
        ColumnKey::Tag("team".into()),
    ]);
    assert_eq!(catalog(&[a.clone(), b.clone()]), want);
    assert_eq!(catalog(&[b, a]), want, "the order of the runs does not matter");
}

#[test]
fn catalog_of_no_runs_is_the_attributes() {
    let want: Vec<ColumnKey> = Attr::ALL.iter().map(|a| ColumnKey::Attr(*a)).collect();
    assert_eq!(catalog(&[]), want);
}

#[test]
fn default_columns_are_the_main_attributes_the_params_that_differ_then_up_to_twelve_metrics() {
    let attrs: Vec<ColumnKey> = [
        Attr::Name,
        Attr::Status,
        Attr::Script,
        Attr::Arguments,
        Attr::Start,
        Attr::Duration,
    ]
    .into_iter()
    .map(ColumnKey::Attr)
    .collect();
    let with_metrics = |n: i64, keys: &[&str]| RunDetail {
        metrics: metrics(&keys.iter().map(|k| (*k, 1.0)).collect::<Vec<_>>()),
        ..run(n)
    };
    let many: Vec<String> = (0..15).rev().map(|i| format!("m{i:02}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    for (case, runs, want_metrics) in [
        ("no runs", vec![], vec![]),
        ("no metrics", vec![run(1)], vec![]),
        (
            "metrics of all runs, sorted, once each",
            vec![with_metrics(1, &["loss", "acc"]), with_metrics(2, &["loss", "f1"])],
            vec!["acc", "f1", "loss"],
        ),
        (
            "the first twelve by name",
            vec![with_metrics(1, &many)],
            vec![
                "m00", "m01", "m02", "m03", "m04", "m05", "m06", "m07", "m08", "m09", "m10", "m11",
            ],
        ),
    ] {
        let mut want = attrs.clone();
        want.extend(want_metrics.iter().map(|k| ColumnKey::Metric(k.to_string())));
        assert_eq!(default_columns(&runs), want, "{case}");
    }
    // The params a sweep varies come before the metrics; one set alike everywhere does not.
    let swept: Vec<RunDetail> = [("0.1", "32"), ("0.01", "32")]
        .iter()
        .enumerate()
        .map(|(i, (lr, bs))| RunDetail {
            params: crate::ui::model::fixtures::strings(&[("lr", lr), ("batch", bs), ("seed", &i.to_string())]),
            ..with_metrics(i as i64 + 1, &["acc"])
        })
        .collect();
    let mut want = attrs.clone();
    want.extend([
        ColumnKey::Param("lr".into()),
        ColumnKey::Param("seed".into()),
        ColumnKey::Metric("acc".into()),
    ]);
    assert_eq!(default_columns(&swept), want);
}

#[test]
fn sort_runs_by_column_with_empty_cells_last_and_ties_newest_first() {
    let runs = [
        RunDetail {
            name: "bravo".into(),
            metrics: metrics(&[("loss", 0.3)]),
            params: strings(&[("opt", "10")]),
            ..run(1)
        },
        RunDetail {
            name: "Alpha".into(),
            params: strings(&[("opt", "9")]),
            ..run(2)
        },
        RunDetail {
            name: "charlie".into(),
            metrics: metrics(&[("loss", 0.1)]),
            params: strings(&[("opt", "adam")]),
            ..run(3)
        },
        RunDetail {
            name: "alpha".into(),
            metrics: metrics(&[("loss", 0.3)]),
            ..run(4)
        },
        RunDetail {
            name: "Delta".into(),
            params: strings(&[("opt", "sgd")]),
            ..run(5)
        },
    ];
    let loss = ColumnKey::Metric("loss".into());
    let name = ColumnKey::Attr(Attr::Name);
    let opt = ColumnKey::Param("opt".into());
    let number = ColumnKey::Attr(Attr::Number);
    for (col, ascending, want) in [
        (&loss, true, [3, 4, 1, 5, 2]),
        (&loss, false, [4, 1, 3, 5, 2]),
        (&name, true, [4, 2, 1, 3, 5]),
        (&name, false, [5, 3, 1, 4, 2]),
        // Numbers compare as numbers (9 < 10) and before text; the missing one stays last.
        (&opt, true, [2, 1, 3, 5, 4]),
        (&opt, false, [5, 3, 1, 2, 4]),
        (&number, true, [1, 2, 3, 4, 5]),
        (&number, false, [5, 4, 3, 2, 1]),
    ] {
        // Start from a shuffled order so the result does not depend on it.
        let mut refs: Vec<&RunDetail> = [2, 4, 0, 3, 1].iter().map(|i| &runs[*i]).collect();
        sort_runs(&mut refs, col, ascending, T0);
        assert_eq!(numbers(&refs), want, "sort by {} ascending={ascending}", col.label());
    }
}

#[test]
fn runs_without_a_script_sort_first_ascending() {
    // The script cell of a run without one is the empty text, not Empty, so it is not kept last.
    let runs = [
        RunDetail {
            script_name: Some("train.py".into()),
            ..run(1)
        },
        run(2),
        RunDetail {
            script_name: Some("eval.py".into()),
            ..run(3)
        },
    ];
    let col = ColumnKey::Attr(Attr::Script);
    for (ascending, want) in [(true, [2, 3, 1]), (false, [1, 3, 2])] {
        let mut refs: Vec<&RunDetail> = runs.iter().collect();
        sort_runs(&mut refs, &col, ascending, T0);
        assert_eq!(numbers(&refs), want, "script ascending={ascending}");
    }
}

#[test]
fn column_labels_and_groups() {
    for (col, want_label, want_group) in [
        (ColumnKey::Attr(Attr::Number), "Run", "Attributes"),
        (ColumnKey::Attr(Attr::Start), "Started", "Attributes"),
        (ColumnKey::Attr(Attr::Duration), "Duration", "Attributes"),
        (ColumnKey::Param("lr".into()), "param: lr", "Parameters"),
        (ColumnKey::Metric("val/loss".into()), "val/loss", "Metrics"),
        (ColumnKey::Value("note".into()), "note", "Logged values"),
        (ColumnKey::Tag("team".into()), "tag: team", "Tags"),
    ] {
        assert_eq!(col.label(), want_label, "label of {col:?}");
        assert_eq!(col.group(), want_group, "group of {col:?}");
    }
}

#[test]
fn every_attribute_has_its_own_label() {
    let labels: std::collections::BTreeSet<&str> = Attr::ALL.iter().map(|a| a.label()).collect();
    assert_eq!(labels.len(), Attr::ALL.len());
}

#[test]
fn status_colours_differ_between_kinds_of_status() {
    // Statuses of one kind share a colour: live, succeeded, broken, stopped.
    let kinds: [&[RunStatus]; 4] = [
        &[RunStatus::Running, RunStatus::Scheduled],
        &[RunStatus::Completed],
        &[RunStatus::Failed, RunStatus::Lost],
        &[RunStatus::Canceled],
    ];
    for (i, a) in kinds.iter().enumerate() {
        for s in a.iter() {
            assert_eq!(status_rgb(*s), status_rgb(a[0]), "{s:?} shares {:?}'s colour", a[0]);
        }
        for b in &kinds[i + 1..] {
            assert_ne!(status_rgb(a[0]), status_rgb(b[0]), "{:?} and {:?} differ", a[0], b[0]);
        }
    }
}
