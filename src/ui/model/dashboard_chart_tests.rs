//! Unit tests of the dashboard's charts: which keys get a chart, a chart's points by axis, what
//! hovering a point says, and finding the point under the pointer on screen.

use super::tests::metric;
use super::*;
use crate::api::ext::RunStatus;
use crate::ui::model::fixtures::*;

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
