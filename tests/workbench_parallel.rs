//! Parallel coordinates and the grid's CSV, driven headlessly (egui_kittest) over a real embedded
//! server and store: a drag along an axis narrows the grid and the curves, a click on the axis
//! clears it, and the CSV saved holds the rows in view; a baseline picked from a row's menu and
//! the grid grouped; `list -o csv` from the CLI.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::{bin, click_at, harness, settle};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use runhistory::api::KeyValue;
use runhistory::api::ext::{CreateRunExt, IngestBatch, Num, SeriesChunk};
use runhistory::store::Store;
use runhistory::ui::WorkbenchApp;
use runhistory::ui::command::Command;
use runhistory::ui::settings::{ChartsMode, Settings};
use std::path::Path;

/// Runs 1..=8 of "sweep": lr 0.001..0.008, acc rising with lr, a loss series.
fn seed(dir: &Path) -> Vec<String> {
    let store = Store::open(dir).unwrap();
    (1..=8)
        .map(|i| {
            let run = store
                .create_run(&CreateRunExt {
                    experiment_name: Some("sweep".into()),
                    run_name: Some(format!("r{i}")),
                    start_time: Some(1_700_000_000_000 + i * 1000),
                    ..Default::default()
                })
                .unwrap();
            store
                .ingest(&IngestBatch {
                    run_id: run.run_id.clone(),
                    series: vec![SeriesChunk {
                        key: "loss".into(),
                        values: (0..50).map(|s| Num(1.0 / (s as f64 + i as f64))).collect(),
                        ..Default::default()
                    }],
                    metrics: vec![runhistory::api::Metric {
                        key: "acc".into(),
                        value: 0.5 + 0.05 * i as f64,
                        timestamp: 1,
                        step: 0,
                        ..Default::default()
                    }],
                    params: vec![KeyValue {
                        key: "lr".into(),
                        value: format!("0.00{i}"),
                    }],
                    ..Default::default()
                })
                .unwrap();
            run.run_id
        })
        .collect()
}

fn rows(h: &Harness<'static, WorkbenchApp>) -> usize {
    h.state().wb.dashboard_model().map_or(0, |m| m.grid.rows.len())
}

fn drag(h: &mut Harness<'static, WorkbenchApp>, from: egui::Pos2, to: egui::Pos2) {
    h.event(egui::Event::PointerMoved(from));
    h.step();
    h.event(egui::Event::PointerButton {
        pos: from,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Default::default(),
    });
    h.step();
    for k in 1..=6 {
        h.event(egui::Event::PointerMoved(from + (to - from) * (k as f32 / 6.0)));
        h.step();
    }
    h.event(egui::Event::PointerButton {
        pos: to,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Default::default(),
    });
    h.step();
}

#[test]
fn brushing_an_axis_narrows_the_grid_and_the_csv_holds_the_rows_in_view() {
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path());
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |a| a.wb.runs().len() == 8);
    h.get_by_label("Parallel coordinates").click();
    settle(&mut h, "the parallel coordinates drawn", |a| {
        a.view.parallel_frame.is_some()
    });
    assert_eq!(h.state().wb.curve_settings().mode, Some(ChartsMode::Parallel));
    let model = h.state().wb.dashboard_model().unwrap();
    let labels: Vec<String> = model.parallel.axes.iter().map(|a| a.key.label()).collect();
    assert_eq!(
        labels,
        ["lr", "acc", "loss"],
        "the param that differs, then the metrics"
    );
    assert_eq!(model.parallel.lines.len(), 8);
    h.get_by_label("8 runs shown");

    // Drag along the lr axis (the first) over its top half: lr from 0.0045 up, runs 5 to 8.
    let (rect, top, bottom) = h.state().view.parallel_frame.unwrap();
    let x = rect.left() + 70.0;
    let y = |pos: f32| bottom - (bottom - top) * pos;
    drag(&mut h, egui::pos2(x, y(1.0)), egui::pos2(x, y(0.5)));
    settle(&mut h, "the grid narrowed", |a| {
        a.wb.dashboard_model().is_some_and(|m| m.grid.rows.len() == 4)
    });
    let shown: Vec<i64> = h
        .state()
        .wb
        .dashboard_model()
        .unwrap()
        .grid
        .rows
        .iter()
        .map(|r| r.run_number)
        .collect();
    assert_eq!(shown, [8, 7, 6, 5]);
    h.get_by_label_contains("lr: 0.0045 to 0.008");

    // The curves follow: only the kept runs have lines.
    h.state_mut().wb.apply(Command::SetChartsMode(ChartsMode::Curves));
    settle(&mut h, "the curves of the kept runs", |a| {
        a.wb.curves().feed("loss").is_some_and(|f| f.chart().lines.len() == 4)
    });

    // The CSV holds the rows in view, in the grid's order.
    let csv_path = dir.path().join("sweep.csv");
    h.state_mut().wb.apply(Command::SaveCsv(csv_path.clone()));
    // The notice floats in an area, drawn from its second frame.
    h.step();
    h.step();
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(lines[0].starts_with("run_number,run_id,"), "{csv}");
    assert!(lines[1].starts_with(&format!("8,{},", ids[7])), "{csv}");
    assert!(
        lines[0].contains("metrics.acc") && lines[1].contains(",0.9,") || lines[1].ends_with(",0.9"),
        "exact values: {csv}"
    );
    h.get_by_label_contains("Saved 4 runs to");

    // A click on the axis clears its range.
    h.state_mut().wb.apply(Command::SetChartsMode(ChartsMode::Parallel));
    settle(&mut h, "parallel again", |a| a.view.parallel_frame.is_some());
    let pos = egui::pos2(x, y(0.2));
    click_at(&mut h, pos);
    settle(&mut h, "all runs back", |_| true);
    assert_eq!(rows(&h), 8);
}

#[test]
fn list_prints_csv_with_exact_values() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let out = bin()
        .args(["list", "-o", "csv", "--store"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 9, "{text}");
    assert_eq!(
        lines[0],
        "run_number,run_id,name,status,script_name,start_time_utc,duration_s,params.lr,metrics.acc,metrics.loss"
    );
    let newest: Vec<&str> = lines[1].split(',').collect();
    assert_eq!((newest[0], newest[2], newest[7]), ("8", "r8", "0.008"));
    assert_eq!(
        newest[8].parse::<f64>().unwrap(),
        0.5 + 0.05 * 8.0,
        "exact: {}",
        lines[1]
    );
    assert_eq!(newest[9].parse::<f64>().unwrap(), 1.0 / 57.0);
}

#[test]
fn a_scatter_point_per_run_and_a_click_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path());
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |a| a.wb.runs().len() == 8);
    h.get_by_label("Scatter").click();
    settle(&mut h, "the scatter drawn", |a| a.view.scatter_frame.is_some());
    let s = h.state().wb.dashboard_model().unwrap().scatter.clone().unwrap();
    assert_eq!(
        (s.x.key.label(), s.y.key.label(), s.points.len()),
        ("lr".into(), "acc".into(), 8)
    );
    h.get_by_value("lr");
    // Run 3: lr 0.003, acc 0.65.
    let frame = h.state().view.scatter_frame.unwrap();
    let pos = frame.position_from_point(&egui_plot::PlotPoint::new(0.003, 0.65));
    click_at(&mut h, pos);
    settle(&mut h, "the run opened", |a| a.wb.route().details().is_some());
    assert_eq!(h.state().wb.route().details().unwrap().run_id, ids[2]);
}

#[test]
fn a_baseline_chosen_from_a_rows_menu_and_grouped_rows_with_their_means() {
    use runhistory::ui::model::groups::{GroupBy, Grouping};
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path());
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |a| a.wb.runs().len() == 8);

    // Right-click run 4's row: it becomes the baseline, and every other run's acc shows its
    // difference from 0.7 in %.
    h.get_all_by_label("r4").last().unwrap().click_secondary();
    h.step();
    h.step();
    h.get_by_label("Set as baseline").click();
    settle(&mut h, "the baseline taken", |a| {
        a.wb.dashboard_model().is_some_and(|m| m.grid.baseline.is_some())
    });
    assert_eq!(h.state().wb.curve_settings().baseline.as_deref(), Some(ids[3].as_str()));
    h.get_by_label("Baseline: run 4 · r4");
    // Run 8's acc is 0.9: +28.6% on 0.7; its lr (a setting, not a result) gets none.
    h.get_by_label("+28.6%");
    assert!(h.query_by_label("+100%").is_none());
    h.get_by_label("base");

    // Grouped by lr (one run per group in this sweep): a header per group, in order of lr.
    h.state_mut().wb.apply(Command::SetGrouping(Some(Grouping {
        by: GroupBy::Param("lr".into()),
        aggregate: Default::default(),
        band: Default::default(),
    })));
    settle(&mut h, "the grid grouped", |a| {
        a.wb.dashboard_model().is_some_and(|m| m.grid.groups.len() == 8)
    });
    let model = h.state().wb.dashboard_model().unwrap();
    assert_eq!(model.grid.groups[0].label, "param lr = 0.001");
    assert_eq!(model.grid.rows[0].run_number, 1, "groups in order of lr");
    assert_eq!(
        h.get_all_by_label("1 run").count(),
        8,
        "a header per group, with its count"
    );
    // A click on a header closes its group: the header stays, its run's row goes; another click
    // opens it again.
    let r1 = h.query_all_by_label("r1").count();
    h.get_all_by_label("1 run").next().unwrap().click();
    h.step();
    h.step();
    assert_eq!(h.state().view.collapsed_groups.len(), 1);
    assert_eq!(
        h.query_all_by_label("r1").count(),
        r1 - 1,
        "run 1's row is under the closed header"
    );
    assert_eq!(h.get_all_by_label("1 run").count(), 8, "every header stays");
    h.get_all_by_label("1 run").next().unwrap().click();
    h.step();
    h.step();
    assert_eq!(h.query_all_by_label("r1").count(), r1);
    assert!(h.state().view.collapsed_groups.is_empty());

    // A column's header sorts by it, and again the other way (the arrow is drawn: the default
    // fonts have none, and a missing glyph fails a headless test).
    h.get_by_label("Name").click();
    h.step();
    h.step();
    let first = h.state().wb.sort().cloned();
    assert!(first.is_some(), "sorted by the name");
    h.get_by_label("Name").click();
    h.step();
    h.step();
    let second = h.state().wb.sort().cloned();
    assert_eq!(second.map(|(c, up)| (c, !up)), first, "the same column, the other way");

    // The baseline's own menu clears it.
    h.get_all_by_label("r4").last().unwrap().click_secondary();
    h.step();
    h.step();
    h.get_by_label("Clear baseline").click();
    settle(&mut h, "the baseline cleared", |a| {
        a.wb.dashboard_model().is_some_and(|m| m.grid.baseline.is_none())
    });
    assert!(h.query_by_label("+28.6%").is_none());
}

#[test]
fn the_axes_menu_stays_open_while_axes_are_ticked() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |a| a.wb.runs().len() == 8);
    h.get_by_label("Parallel coordinates").click();
    settle(&mut h, "the parallel coordinates drawn", |a| {
        a.view.parallel_frame.is_some()
    });
    h.get_by_label("Axes…").click();
    h.step();
    h.step();
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "metric: loss")
        .click();
    settle(&mut h, "loss taken off the axes", |a| {
        a.wb.dashboard_model().is_some_and(|m| m.parallel.axes.len() == 2)
    });
    // Still open: the next axis is a click away.
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "metric: acc")
        .click();
    settle(&mut h, "acc taken off too", |a| {
        a.wb.dashboard_model().is_some_and(|m| m.parallel.axes.len() == 1)
    });
}

#[test]
fn the_runs_are_coloured_by_a_param_chosen_in_the_colour_box() {
    use runhistory::ui::model::parallel::AxisKey;
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |a| a.wb.runs().len() == 8);
    h.get_by_label("Scatter").click();
    settle(&mut h, "the scatter drawn", |a| a.view.scatter_frame.is_some());
    h.get_by_label("Colour by:").click();
    h.step();
    h.step();
    h.get_by_label("param lr").click();
    settle(&mut h, "coloured by lr", |a| {
        a.wb.dashboard_model()
            .and_then(|m| m.scatter.clone())
            .is_some_and(|s| s.color_by == Some(AxisKey::Param("lr".into())))
    });
    assert_eq!(h.state().wb.curve_settings().color_by_param.as_deref(), Some("lr"));
    let s = h.state().wb.dashboard_model().unwrap().scatter.clone().unwrap();
    assert_eq!(s.color_range, Some(("0.001".into(), "0.008".into())));
    // The legend shows the ends (0.008 is also run 8's lr in the grid); the parallel coordinates
    // follow the same choice.
    assert!(h.get_all_by_label("0.001").count() >= 2);
    let p = h.state().wb.dashboard_model().unwrap().parallel.clone();
    assert_eq!(p.color_by, Some(AxisKey::Param("lr".into())));
}

#[test]
fn the_line_above_the_grid_is_dragged_to_share_the_page() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |a| a.wb.runs().len() == 8);
    h.get_by_label("Parallel coordinates").click();
    settle(&mut h, "drawn", |a| a.view.splitter.is_some());
    let line = h.state().view.splitter.unwrap().center();
    let before = h.state().view.charts_share.0;
    drag(&mut h, line, line - egui::vec2(0.0, 120.0));
    let after = h.state().view.charts_share.0;
    assert!(
        after < before - 0.05,
        "dragged up, the charts get less: {before} to {after}"
    );
    assert!(after >= 0.1, "never all of it");
}
