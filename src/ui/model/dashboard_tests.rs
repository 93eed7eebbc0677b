//! Unit tests of the dashboard's grid and its model as a whole, kept beside `dashboard.rs` so the
//! model file stays short (the charts' are in `dashboard_chart_tests.rs`).

use super::*;
use crate::api::ext::RunStatus;
use crate::ui::model::columns::Attr;
use crate::ui::model::fixtures::*;

pub(super) fn metric(k: &str) -> ChartKey {
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
        let g = grid(
            &refs,
            &columns,
            GridShape {
                sort,
                ..Default::default()
            },
            T0,
        );
        assert_eq!(g.columns, columns, "{case}: columns");
        assert_eq!(row_numbers(&g), want, "{case}: rows");
    }

    let g = grid(&refs, &columns, GridShape::default(), T0);
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
    let g = grid(&[&r], &[], GridShape::default(), T0);
    assert_eq!(g.rows.len(), 1);
    assert!(g.rows[0].cells.is_empty());
    let g = grid(&[], &[ColumnKey::Attr(Attr::Name)], GridShape::default(), T0);
    assert!(g.rows.is_empty());
    assert_eq!(g.columns, [ColumnKey::Attr(Attr::Name)]);
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
        narrowing: Default::default(),
        baseline: None,
        group_by: None,
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
