//! Unit tests of the dashboard's grid and charts, kept beside `dashboard.rs` so the model file stays short.

use super::*;
use crate::ui::model::columns::Attr;
use crate::ui::model::fixtures::*;

fn metric(k: &str) -> ChartKey {
    ChartKey::Metric(k.into())
}

fn numbers(runs: &[&RunDetail]) -> Vec<i64> {
    runs.iter().map(|r| r.run_number).collect()
}

fn row_numbers(g: &Grid) -> Vec<i64> {
    g.rows.iter().map(|r| r.run_number).collect()
}

#[test]
fn runs_of_script_filters_by_script_name() {
    let runs = [
        RunDetail {
            script_name: Some("train.py".into()),
            ..run(1)
        },
        RunDetail {
            script_name: Some("eval.py".into()),
            ..run(2)
        },
        run(3),
        RunDetail {
            script_name: Some("train.py".into()),
            ..run(4)
        },
    ];
    for (script, want) in [
        (None, vec![1, 2, 3, 4]),
        (Some("train.py"), vec![1, 4]),
        (Some("eval.py"), vec![2]),
        (Some("Train.py"), vec![]),
        (Some(""), vec![]),
        (Some("missing.py"), vec![]),
    ] {
        assert_eq!(numbers(&runs_of_script(&runs, script)), want, "script {script:?}");
    }
}

#[test]
fn grid_rows_follow_the_sort_and_the_columns() {
    let runs = [
        RunDetail {
            name: "a".into(),
            metrics: metrics(&[("loss", 0.5)]),
            params: strings(&[("lr", "0.1")]),
            ..run(1)
        },
        RunDetail {
            name: "b".into(),
            status: RunStatus::Failed,
            metrics: metrics(&[("loss", 0.25)]),
            ..run(2)
        },
        RunDetail {
            name: "c".into(),
            status: RunStatus::Running,
            params: strings(&[("lr", "0.3")]),
            ..run(3)
        },
    ];
    let refs: Vec<&RunDetail> = runs.iter().collect();
    let loss = ColumnKey::Metric("loss".into());
    let columns = vec![
        ColumnKey::Attr(Attr::Number),
        ColumnKey::Attr(Attr::Name),
        loss.clone(),
        ColumnKey::Param("lr".into()),
    ];
    for (case, sort, want) in [
        ("unsorted: newest first", None, vec![3, 2, 1]),
        ("loss ascending, missing last", Some((&loss, true)), vec![2, 1, 3]),
        ("loss descending, missing last", Some((&loss, false)), vec![1, 2, 3]),
    ] {
        let g = grid(&refs, &columns, sort, T0);
        assert_eq!(g.columns, columns, "{case}: columns");
        assert_eq!(row_numbers(&g), want, "{case}: rows");
    }

    let g = grid(&refs, &columns, None, T0);
    let want_rows = [
        ("id3", RunStatus::Running, ["3", "c", "", "0.3"]),
        ("id2", RunStatus::Failed, ["2", "b", "0.25", ""]),
        ("id1", RunStatus::Completed, ["1", "a", "0.5", "0.1"]),
    ];
    for (row, (id, status, cells)) in g.rows.iter().zip(want_rows) {
        assert_eq!(row.run_id, id);
        assert_eq!(row.status, status, "status of {id}");
        assert_eq!(row.cells, cells, "cells of {id}");
    }
}

#[test]
fn grid_of_no_columns_or_no_runs() {
    let r = run(1);
    let g = grid(&[&r], &[], None, T0);
    assert_eq!(g.rows.len(), 1);
    assert!(g.rows[0].cells.is_empty());
    let g = grid(&[], &[ColumnKey::Attr(Attr::Name)], None, T0);
    assert!(g.rows.is_empty());
    assert_eq!(g.columns, [ColumnKey::Attr(Attr::Name)]);
}

#[test]
fn key_params_are_those_that_differ() {
    for (case, params, want) in [
        ("no runs", vec![], vec![]),
        ("one run", vec![vec![("lr", "0.1")]], vec![]),
        (
            "equal values are left out",
            vec![
                vec![("lr", "0.1"), ("epochs", "3")],
                vec![("lr", "0.2"), ("epochs", "3")],
            ],
            vec!["lr"],
        ),
        (
            "missing in one run counts as different",
            vec![vec![("lr", "0.1"), ("opt", "adam")], vec![("lr", "0.1")]],
            vec!["opt"],
        ),
        (
            "at most four, by name",
            vec![
                vec![
                    ("e", "1"),
                    ("d", "1"),
                    ("c", "1"),
                    ("b", "1"),
                    ("a", "1"),
                    ("same", "x"),
                ],
                vec![
                    ("e", "2"),
                    ("d", "2"),
                    ("c", "2"),
                    ("b", "2"),
                    ("a", "2"),
                    ("same", "x"),
                ],
            ],
            vec!["a", "b", "c", "d"],
        ),
    ] {
        let runs: Vec<RunDetail> = params
            .iter()
            .enumerate()
            .map(|(i, p)| RunDetail {
                params: strings(p),
                ..run(i as i64 + 1)
            })
            .collect();
        let refs: Vec<&RunDetail> = runs.iter().collect();
        assert_eq!(key_params(&refs), want, "{case}");
    }
}

#[test]
fn chart_keys_are_the_metrics_then_duration() {
    let with = |n: i64, keys: &[&str], start: Option<i64>| RunDetail {
        metrics: metrics(&keys.iter().map(|k| (*k, 1.0)).collect::<Vec<_>>()),
        start_time: start,
        ..run(n)
    };
    for (case, runs, want) in [
        ("no runs", vec![], vec![]),
        (
            "a started run without metrics",
            vec![with(1, &[], Some(T0))],
            vec![ChartKey::Duration],
        ),
        (
            "no run started: no duration",
            vec![with(1, &["loss"], None), with(2, &["acc"], None)],
            vec![metric("acc"), metric("loss")],
        ),
        (
            "metrics of all runs once each, then duration",
            vec![with(1, &["loss", "acc"], None), with(2, &["loss"], Some(T0))],
            vec![metric("acc"), metric("loss"), ChartKey::Duration],
        ),
    ] {
        let refs: Vec<&RunDetail> = runs.iter().collect();
        assert_eq!(chart_keys(&refs), want, "{case}");
    }
}

#[test]
fn chart_key_labels() {
    assert_eq!(metric("val/loss").label(), "val/loss");
    assert_eq!(ChartKey::Duration.label(), "Duration (s)");
}

fn chart_runs() -> Vec<RunDetail> {
    vec![
        RunDetail {
            name: "c".into(),
            status: RunStatus::Running,
            metrics: metrics(&[("loss", 0.5)]),
            start_time: Some(T0 + 1_000),
            params: strings(&[("lr", "0.3"), ("epochs", "3")]),
            ..run(3)
        },
        RunDetail {
            name: "a".into(),
            metrics: metrics(&[("loss", 0.25)]),
            start_time: Some(T0 + 3_000),
            end_time: Some(T0 + 5_000),
            params: strings(&[("lr", "0.1"), ("epochs", "3")]),
            ..run(1)
        },
        RunDetail {
            status: RunStatus::Running,
            metrics: metrics(&[("loss", f64::NAN)]),
            start_time: Some(T0 + 2_000),
            params: strings(&[("lr", "0.2")]),
            ..run(2)
        },
        RunDetail {
            metrics: metrics(&[("acc", 0.9)]),
            params: strings(&[("lr", "0.4"), ("epochs", "3")]),
            ..run(4)
        },
        RunDetail {
            metrics: metrics(&[("loss", f64::NEG_INFINITY)]),
            start_time: Some(T0 + 4_000),
            end_time: Some(T0 + 4_500),
            params: strings(&[("lr", "0.5"), ("epochs", "3")]),
            ..run(5)
        },
    ]
}

#[test]
fn run_chart_points_by_key_and_axis() {
    let runs = chart_runs();
    let refs: Vec<&RunDetail> = runs.iter().collect();
    let now = T0 + 10_000;
    let s = |ms: i64| ms as f64 / 1000.0;
    for (key, axis, want) in [
        // Runs without the metric, or with a value that is not finite, have no point.
        (metric("loss"), RunAxis::Number, vec![(1, 1.0, 0.25), (3, 3.0, 0.5)]),
        (
            metric("loss"),
            RunAxis::StartTime,
            vec![(3, s(T0 + 1_000), 0.5), (1, s(T0 + 3_000), 0.25)],
        ),
        // Runs without a start have no point on the time axis.
        (metric("acc"), RunAxis::Number, vec![(4, 4.0, 0.9)]),
        (metric("acc"), RunAxis::StartTime, vec![]),
        (metric("missing"), RunAxis::Number, vec![]),
        // Durations in seconds; live runs run to now.
        (
            ChartKey::Duration,
            RunAxis::Number,
            vec![(1, 1.0, 2.0), (2, 2.0, 8.0), (3, 3.0, 9.0), (5, 5.0, 0.5)],
        ),
        (
            ChartKey::Duration,
            RunAxis::StartTime,
            vec![
                (3, s(T0 + 1_000), 9.0),
                (2, s(T0 + 2_000), 8.0),
                (1, s(T0 + 3_000), 2.0),
                (5, s(T0 + 4_000), 0.5),
            ],
        ),
    ] {
        let chart = run_chart(&refs, &key, axis, now);
        assert_eq!(chart.key, key);
        let got: Vec<(i64, f64, f64)> = chart.points.iter().map(|p| (p.run_number, p.x, p.y)).collect();
        assert_eq!(got, want, "{} over {axis:?}", key.label());
        for p in &chart.points {
            assert_eq!(
                p.run_id,
                format!("id{}", p.run_number),
                "run id of point {}",
                p.run_number
            );
        }
    }
}

#[test]
fn run_chart_hover_names_the_run_the_value_and_the_differing_params() {
    let runs = chart_runs();
    let refs: Vec<&RunDetail> = runs.iter().collect();
    let now = T0 + 10_000;
    let hovers = |key: &ChartKey| -> Vec<(i64, String)> {
        run_chart(&refs, key, RunAxis::Number, now)
            .points
            .into_iter()
            .map(|p| (p.run_number, p.hover))
            .collect()
    };
    // `epochs` differs only because run 2 lacks it; a run without a param shows no line for it.
    assert_eq!(
        hovers(&metric("loss")),
        [
            (1, "Run 1 · a\nloss = 0.25\nepochs = 3\nlr = 0.1".to_string()),
            (3, "Run 3 · c\nloss = 0.5\nepochs = 3\nlr = 0.3".to_string()),
        ]
    );
    let duration = hovers(&ChartKey::Duration);
    assert_eq!(
        duration[1],
        (2, "Run 2 · run-2\nDuration (s) = 8\nlr = 0.2".to_string())
    );
}

#[test]
fn run_chart_hover_without_differing_params_is_two_lines() {
    let r = RunDetail {
        metrics: metrics(&[("acc", 0.9)]),
        params: strings(&[("lr", "0.1")]),
        ..run(7)
    };
    let chart = run_chart(&[&r], &metric("acc"), RunAxis::Number, T0);
    assert_eq!(chart.points.len(), 1);
    assert_eq!(chart.points[0].hover, "Run 7 · run-7\nacc = 0.9");
}

fn point(n: i64, x: f64, y: f64) -> RunPoint {
    RunPoint {
        x,
        y,
        run_id: format!("id{n}"),
        run_number: n,
        hover: String::new(),
    }
}

#[test]
fn nearest_point_within_the_radius() {
    let points = [point(1, 0.0, 0.0), point(2, 10.0, 0.0), point(3, 20.0, 0.0)];
    let identity = |x: f64, y: f64| [x as f32, y as f32];
    for (case, pointer, max_px, want) in [
        ("on a point", [10.0, 0.0], 5.0, Some(2)),
        ("near the first", [1.0, 1.0], 5.0, Some(1)),
        ("nearest of two in reach", [14.0, 0.0], 8.0, Some(2)),
        ("nearest of two in reach, other side", [16.0, 0.0], 8.0, Some(3)),
        ("on the radius counts", [0.0, 3.0], 3.0, Some(1)),
        ("just outside the radius", [0.0, 3.1], 3.0, None),
        ("far from all", [100.0, 100.0], 5.0, None),
        ("halfway: the first of equals", [5.0, 0.0], 5.0, Some(1)),
    ] {
        let got = nearest_point(&points, pointer, max_px, identity).map(|p| p.run_number);
        assert_eq!(got, want, "{case}");
    }
    assert_eq!(nearest_point(&[], [0.0, 0.0], 100.0, identity), None, "no points");
}

#[test]
fn nearest_point_measures_on_screen() {
    // x spans 1000 px per unit, y 1 px per unit: near in data is not near on screen.
    let points = [point(1, 0.0, 0.0), point(2, 0.01, 50.0)];
    let to_screen = |x: f64, y: f64| [(x * 1000.0) as f32, (100.0 - y) as f32];
    let got = nearest_point(&points, [10.0, 52.0], 5.0, to_screen).map(|p| p.run_number);
    assert_eq!(got, Some(2));
    let got = nearest_point(&points, [0.0, 99.0], 5.0, to_screen).map(|p| p.run_number);
    assert_eq!(got, Some(1));
}

fn dashboard_runs() -> Vec<RunDetail> {
    vec![
        RunDetail {
            script_name: Some("train.py".into()),
            metrics: metrics(&[("loss", 0.5), ("acc", 0.8)]),
            params: strings(&[("lr", "0.1")]),
            start_time: Some(T0),
            end_time: Some(T0 + 1_000),
            ..run(1)
        },
        RunDetail {
            script_name: Some("train.py".into()),
            metrics: metrics(&[("loss", 0.25), ("acc", 0.9)]),
            params: strings(&[("lr", "0.2")]),
            start_time: Some(T0),
            end_time: Some(T0 + 2_000),
            ..run(2)
        },
        RunDetail {
            script_name: Some("eval.py".into()),
            metrics: metrics(&[("f1", 0.7)]),
            params: strings(&[("split", "test")]),
            ..run(3)
        },
    ]
}

fn inputs(script: Option<&str>, hidden: &[ChartKey]) -> DashboardInputs {
    DashboardInputs {
        runs_generation: 1,
        script: script.map(String::from),
        columns: None,
        sort: None,
        axis: RunAxis::Number,
        hidden: hidden.iter().cloned().collect(),
        live_second: 0,
    }
}

#[test]
fn dashboard_model_filters_by_script_and_hides_charts() {
    let runs = dashboard_runs();
    let (acc, f1, loss, dur) = (metric("acc"), metric("f1"), metric("loss"), ChartKey::Duration);
    for (case, inputs, want_count, want_all_keys, want_charts, want_rows) in [
        (
            "all runs",
            inputs(None, &[]),
            3,
            vec![&acc, &f1, &loss, &dur],
            vec![&acc, &f1, &loss, &dur],
            vec![3, 2, 1],
        ),
        (
            "one script",
            inputs(Some("train.py"), &[]),
            2,
            vec![&acc, &loss, &dur],
            vec![&acc, &loss, &dur],
            vec![2, 1],
        ),
        (
            "hidden charts are dropped but still offered",
            inputs(Some("train.py"), &[acc.clone(), dur.clone()]),
            2,
            vec![&acc, &loss, &dur],
            vec![&loss],
            vec![2, 1],
        ),
        (
            "hiding a key the runs lack changes nothing",
            inputs(Some("train.py"), std::slice::from_ref(&f1)),
            2,
            vec![&acc, &loss, &dur],
            vec![&acc, &loss, &dur],
            vec![2, 1],
        ),
        (
            "runs never started have no duration chart",
            inputs(Some("eval.py"), &[]),
            1,
            vec![&f1],
            vec![&f1],
            vec![3],
        ),
        (
            "no runs of the script",
            inputs(Some("other.py"), &[]),
            0,
            vec![],
            vec![],
            vec![],
        ),
    ] {
        let m = dashboard_model(&runs, &inputs, T0 + 10_000);
        assert_eq!(m.run_count, want_count, "{case}: run count");
        let all: Vec<&ChartKey> = m.all_chart_keys.iter().collect();
        assert_eq!(all, want_all_keys, "{case}: all chart keys");
        let charts: Vec<&ChartKey> = m.charts.iter().map(|c| &c.key).collect();
        assert_eq!(charts, want_charts, "{case}: charts");
        assert_eq!(row_numbers(&m.grid), want_rows, "{case}: grid rows");
        // The charts plot only the runs of the script.
        for c in &m.charts {
            for p in &c.points {
                assert!(
                    want_rows.contains(&p.run_number),
                    "{case}: run {} in {:?}",
                    p.run_number,
                    c.key
                );
            }
        }
        // The chooser offers the columns of every run, whichever script is shown; the grid draws
        // the default columns that the runs shown have values in.
        assert_eq!(m.catalog, catalog(&runs), "{case}: catalog");
        let shown = runs_of_script(&runs, inputs.script.as_deref());
        let drawn: Vec<ColumnKey> = default_columns(&runs)
            .into_iter()
            .filter(|c| matches!(c, ColumnKey::Attr(_)) || shown.iter().any(|r| has_value(r, c)))
            .collect();
        assert_eq!(m.grid.columns, drawn, "{case}: default columns");
    }
}

#[test]
fn dashboard_model_uses_chosen_columns_sort_and_axis() {
    let runs = dashboard_runs();
    let loss = ColumnKey::Metric("loss".into());
    let columns = vec![ColumnKey::Attr(Attr::Name), loss.clone()];
    let inputs = DashboardInputs {
        columns: Some(columns.clone()),
        sort: Some((loss.clone(), false)),
        axis: RunAxis::StartTime,
        ..inputs(None, &[])
    };
    let m = dashboard_model(&runs, &inputs, T0 + 10_000);
    assert_eq!(m.grid.columns, columns);
    assert_eq!(
        row_numbers(&m.grid),
        [1, 2, 3],
        "loss descending, the run without it last"
    );
    assert_eq!(m.grid.rows[0].cells, ["run-1", "0.5"]);
    let loss_chart = m.charts.iter().find(|c| c.key == metric("loss")).unwrap();
    let xs: Vec<f64> = loss_chart.points.iter().map(|p| p.x).collect();
    assert_eq!(xs, [T0 as f64 / 1000.0; 2], "start time axis, in seconds");
    let f1_chart = m.charts.iter().find(|c| c.key == metric("f1")).unwrap();
    assert!(
        f1_chart.points.is_empty(),
        "run 3 never started: no point on the time axis"
    );
}
