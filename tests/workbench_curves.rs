//! Learning curves on the dashboard, driven headlessly (egui_kittest) over a real embedded server
//! and store: hovering a curve highlights its run in the grid, clicking one opens the run, the
//! chart search and pins, only charts on screen read, and a refresh reads only the runs that logged.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::curves::{curves_drawn, seed};
use common::{click_at, harness, settle};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use runhistory::api::ext::{IngestBatch, Num, SeriesChunk};
use runhistory::store::Store;
use runhistory::ui::WorkbenchApp;
use runhistory::ui::command::Command;
use runhistory::ui::route::Route;
use runhistory::ui::settings::Settings;

/// Where run `i`'s line passes at step 100, on screen.
fn point_of_run(h: &Harness<'static, WorkbenchApp>, key: &str, i: usize) -> egui::Pos2 {
    let frame = h.state().view.curve_frames[key];
    frame.position_from_point(&egui_plot::PlotPoint::new(100.0, 10.0 * i as f64 + 1.0 / 101.0))
}

#[test]
fn hovering_a_curve_highlights_its_run_and_clicking_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path(), 3, &["loss"]);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the loss curves drawn", curves_drawn("loss"));
    assert_eq!(h.state().wb.curves().feed("loss").unwrap().chart().lines.len(), 3);
    h.get_by_label("Learning curves (1 metric)");

    let pos = point_of_run(&h, "loss", 1);
    h.event(egui::Event::PointerMoved(pos));
    h.step();
    h.step();
    assert_eq!(
        h.state().view.hovered_run.as_deref(),
        Some(ids[1].as_str()),
        "the grid highlights the hovered run"
    );
    // The tooltip names the run and its params.
    h.get_by_label_contains("Run 2 · run-1");

    // Hovering a grid row highlights that run in the charts.
    let row = h.get_by_label("3").rect();
    h.event(egui::Event::PointerMoved(row.center() + egui::vec2(200.0, 0.0)));
    h.step();
    h.step();
    assert_eq!(h.state().view.hovered_run.as_deref(), Some(ids[2].as_str()));

    let pos = point_of_run(&h, "loss", 0);
    click_at(&mut h, pos);
    settle(&mut h, "the clicked run's details", |a| {
        matches!(a.wb.route(), Route::Details(_))
    });
    assert_eq!(h.state().wb.route().details().unwrap().run_id, ids[0]);
}

#[test]
fn the_search_pins_and_hides_charts_and_only_charts_on_screen_read() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<String> = (0..12).map(|k| format!("m{k:02}")).collect();
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    seed(dir.path(), 2, &key_refs);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the first curves drawn", curves_drawn("m00"));
    let read: Vec<bool> = keys.iter().map(|k| h.state().wb.curves().feed(k).is_some()).collect();
    assert!(read[0] && !read[11], "charts below the fold read nothing: {read:?}");

    // A regex search narrows the charts; the last one comes on screen and reads.
    h.state_mut().view.curve_search = "1[01]$".into();
    settle(&mut h, "m11 drawn", curves_drawn("m11"));
    assert!(h.state().wb.curves().feed("m11").is_some());

    // Hide m10: it leaves; pin it back from the Hidden menu is not needed: the search shows m11 alone.
    h.state_mut().wb.apply(Command::ToggleCurveHidden("m10".into()));
    h.state_mut().view.curve_frames.clear();
    settle(&mut h, "m11 drawn again", curves_drawn("m11"));
    assert!(
        !h.state().view.curve_frames.contains_key("m10"),
        "a hidden chart is not drawn"
    );
    h.get_by_label("Hidden (1)");

    // Pinning puts a chart first: with the search cleared, m07 is drawn before m00.
    h.state_mut().view.curve_search.clear();
    h.state_mut().wb.apply(Command::ToggleCurvePin("m07".into()));
    settle(&mut h, "m07 drawn", curves_drawn("m07"));
    let (pinned, first) = (h.state().view.curve_frames["m07"], h.state().view.curve_frames["m00"]);
    assert!(
        pinned.frame().min.y < first.frame().min.y
            || (pinned.frame().min.y == first.frame().min.y && pinned.frame().min.x < first.frame().min.x),
        "the pinned chart comes first"
    );
}

#[test]
fn a_refresh_reads_only_the_runs_that_logged_since() {
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path(), 4, &["loss"]);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the loss curves drawn", curves_drawn("loss"));
    let first = h.state().wb.curves().feed("loss").unwrap().last_read;
    assert_eq!(first.runs, 4);

    let store = Store::open(dir.path()).unwrap();
    store
        .ingest(&IngestBatch {
            run_id: ids[2].clone(),
            series: vec![SeriesChunk {
                key: "loss".into(),
                values: vec![Num(99.0); 50],
                ..Default::default()
            }],
            ..Default::default()
        })
        .unwrap();
    h.state_mut().wb.apply(Command::Refresh);
    settle(&mut h, "the grown run re-read", |a| {
        a.wb.curves()
            .feed("loss")
            .unwrap()
            .chart()
            .lines
            .iter()
            .any(|l| l.total_points == 250)
    });
    let again = h.state().wb.curves().feed("loss").unwrap().last_read;
    assert_eq!(again.runs, 1, "only the run that logged is read again");
    assert_eq!(h.state().wb.curves().feed("loss").unwrap().chart().lines.len(), 4);
}

#[test]
fn grouping_by_a_param_draws_one_band_per_group() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 6, &["loss"]);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the loss curves drawn", curves_drawn("loss"));
    // Choose the grouping as a person does: the combo box, then the param.
    h.get_by_value("no grouping").click();
    h.step();
    h.step();
    h.get_by_label("param lr").click();
    settle(&mut h, "the groups drawn", |a| {
        a.wb.curves().feed("loss").is_some_and(|f| !f.chart().groups.is_empty())
    });
    let chart = h.state().wb.curves().feed("loss").unwrap().chart().clone();
    assert_eq!(chart.groups.len(), 6, "lr differs in every run: a group each");
    assert!(chart.groups.iter().all(|g| g.runs == 1 && !g.points.is_empty()));
    h.get_by_value("param lr");
    h.get_by_label("median").click();
    settle(&mut h, "the median chosen", |a| {
        a.wb.curve_settings()
            .grouping
            .as_ref()
            .is_some_and(|g| g.aggregate == runhistory::ui::model::groups::Aggregate::Median)
    });
    // The grid gathers the runs under the same groups.
    let grid = h.state().wb.dashboard_model().unwrap().grid.clone();
    assert_eq!(grid.groups.len(), 6);
    assert_eq!(h.get_all_by_label("1 run").count(), 6);
    // Grouping over wall time says why the groups will not line up.
    assert!(h.query_by_label_contains("do not overlap on wall time").is_none());
    h.get_by_label("Wall time").click();
    settle(&mut h, "wall time chosen", |_| true);
    h.get_by_label_contains("do not overlap on wall time");
}

#[test]
fn the_legend_of_many_groups_keeps_to_three_lines() {
    use runhistory::ui::model::groups::{GroupBy, Grouping};
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 120, &["loss"]);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the loss curves drawn", curves_drawn("loss"));
    h.state_mut().wb.apply(Command::SetGrouping(Some(Grouping {
        by: GroupBy::Param("lr".into()),
        aggregate: Default::default(),
        band: Default::default(),
    })));
    settle(&mut h, "120 groups drawn", |a| {
        a.wb.curves()
            .feed("loss")
            .is_some_and(|f| f.chart().groups.len() == 120)
    });
    h.step();
    // 120 names would wrap to a dozen lines or more: the chart starts at most three lines below
    // the legend's first.
    let first = h
        .get_all_by_label_contains("(1)")
        .map(|n| n.rect().min.y)
        .fold(f32::INFINITY, f32::min);
    let chart = h.state().view.curve_frames["loss"].frame().min.y;
    assert!(
        chart - first < 130.0,
        "the chart starts {} px below the legend's first line",
        chart - first
    );
}

#[test]
fn a_chart_takes_options_of_its_own_and_can_give_them_to_all() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 2, &["loss", "acc"]);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "both charts drawn", |a| {
        curves_drawn("loss")(a) && curves_drawn("acc")(a)
    });
    let log = runhistory::ui::model::series::SeriesOptions {
        log_y: true,
        smoothing: 0.5,
        ..Default::default()
    };
    h.state_mut()
        .wb
        .apply(Command::SetChartOptions("loss".into(), Some(log)));
    settle(&mut h, "loss on a log scale", |a| {
        a.wb.curves()
            .feed("loss")
            .is_some_and(|f| f.chart().lines.iter().all(|l| l.raw.is_some()))
    });
    // loss is drawn as log10 of its values with its raw line kept; acc is untouched.
    let y_of = |a: &WorkbenchApp, key: &str| a.wb.curves().feed(key).unwrap().chart().lines[1].raw.is_some();
    assert!(y_of(h.state(), "loss") && !y_of(h.state(), "acc"));
    let top = h.state().wb.curves().feed("loss").unwrap().chart().extent.unwrap().1[1];
    assert!(top < 1.2, "log10 of about 11: {top}");
    h.get_by_label("Options*");
    h.state_mut().wb.apply(Command::ApplyChartOptionsToAll("loss".into()));
    settle(&mut h, "acc follows", |a| y_of(a, "acc"));
    let s = h.state().wb.curve_settings();
    assert!(s.options.log_y && s.per_chart.is_empty());
}

#[test]
fn a_chart_keeps_a_fixed_y_range_chosen_in_its_options() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 2, &["acc", "loss"]);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "both charts drawn", |a| {
        curves_drawn("acc")(a) && curves_drawn("loss")(a)
    });
    h.get_all_by_label("Options").next().unwrap().click();
    h.step();
    h.step();
    h.get_by_label("fixed y:").click();
    settle(&mut h, "acc given a y range (acc is the first chart)", |a| {
        a.wb.curve_settings()
            .per_chart
            .get("acc")
            .is_some_and(|o| o.y_range.is_some())
    });
    // The menu stays open for the range's fields.
    h.step();
    h.get_by_label("to");
    // Ticked, it starts at the lines' extent: run 0 from 1 down to 1/200, run 1 near 10-11.
    let [lo, hi] = h.state().wb.curve_settings().per_chart["acc"].y_range.unwrap();
    assert!((lo - 0.005).abs() < 1e-9 && (hi - 11.0).abs() < 1e-9, "{lo} to {hi}");
    let mut opts = h.state().wb.curve_settings().options_for("acc");
    opts.y_range = Some([0.0, 2.0]);
    h.state_mut()
        .wb
        .apply(Command::SetChartOptions("acc".into(), Some(opts)));
    settle(&mut h, "the chart drawn over 0 to 2", |a| {
        let b = a.view.curve_frames["acc"].bounds();
        (b.min()[1], b.max()[1]) == (0.0, 2.0)
    });
    let other = h.state().view.curve_frames["loss"].bounds();
    assert!(other.max()[1] > 10.0, "loss keeps fitting its lines");
}

#[test]
fn many_runs_are_drawn_into_one_texture_that_hovering_does_not_redraw() {
    let dir = tempfile::tempdir().unwrap();
    // 120 runs x 200 steps: past the point count where lines go into a texture.
    let ids = seed(dir.path(), 120, &["loss"]);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the loss curves drawn", curves_drawn("loss"));
    assert_eq!(h.state().wb.curves().feed("loss").unwrap().chart().lines.len(), 120);
    let stamp = |h: &Harness<'static, WorkbenchApp>| h.state().view.curve_textures.get("loss").map(|t| t.0.clone());
    let before = stamp(&h).expect("a texture for the chart");
    let pos = point_of_run(&h, "loss", 7);
    h.event(egui::Event::PointerMoved(pos));
    h.step();
    h.step();
    assert_eq!(h.state().view.hovered_run.as_deref(), Some(ids[7].as_str()));
    assert_eq!(
        stamp(&h),
        Some(before),
        "hovering paints over the texture, it is not redrawn"
    );
}

#[test]
fn another_metric_on_x_pairs_each_step_and_back_to_steps() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 2, &["loss", "lr"]);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the charts drawn", |a| {
        curves_drawn("loss")(a) && curves_drawn("lr")(a)
    });
    let x_extent = |a: &WorkbenchApp| a.wb.curves().feed("loss").and_then(|f| f.chart().extent).map(|e| e.0);
    assert_eq!(x_extent(h.state()), Some([0.0, 199.0]), "steps");
    // Both series log 10 i + 1 / (step + 1): loss over lr lies on the diagonal.
    h.get_by_value("(none)").click();
    h.step();
    h.step();
    h.get_all_by_role_and_label(egui::accesskit::Role::Button, "lr")
        .next()
        .unwrap()
        .click();
    settle(&mut h, "loss over lr", |a| {
        x_extent(a).is_some_and(|[lo, hi]| (lo - 0.005).abs() < 1e-9 && (hi - 11.0).abs() < 1e-9)
    });
    let s = h.state().wb.curve_settings();
    assert_eq!(s.x_metric.as_deref(), Some("lr"));
    assert_eq!(s.options.x, runhistory::ui::model::series::XMode::Metric);
    let chart = h.state().wb.curves().feed("loss").unwrap().chart().clone();
    for line in &chart.lines {
        for p in line.line.points() {
            assert!((p[0] - p[1]).abs() < 0.05, "on the diagonal: {p:?}");
        }
    }
    h.state_mut().wb.apply(Command::SetCurveXMetric(None));
    settle(&mut h, "back to steps", |a| x_extent(a) == Some([0.0, 199.0]));
}

#[test]
fn charts_over_the_same_x_zoom_together_and_show_all_brings_them_all_back() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), 2, &["acc", "loss"]);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "both charts drawn", |a| {
        curves_drawn("acc")(a) && curves_drawn("loss")(a)
    });
    let x_of = |a: &WorkbenchApp, key: &str| {
        let b = a.view.curve_frames[key].bounds();
        (b.min()[0], b.max()[0])
    };
    let whole = x_of(h.state(), "loss");
    // Zoom in over the first chart: the second follows.
    let centre = h.state().view.curve_frames["acc"].frame().center();
    h.event(egui::Event::PointerMoved(centre));
    h.step();
    h.event(egui::Event::Zoom(4.0));
    settle(&mut h, "both zoomed alike", |a| {
        let (acc, loss) = (x_of(a, "acc"), x_of(a, "loss"));
        acc == loss && acc.1 - acc.0 < (whole.1 - whole.0) / 2.0
    });
    h.get_all_by_label("Show all").next().unwrap().click();
    settle(&mut h, "both back to their whole curves", |a| {
        x_of(a, "acc") == whole && x_of(a, "loss") == whole
    });
}
