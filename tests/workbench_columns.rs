//! Choices that must stay where they were made: grid columns per store and experiment (a chosen
//! column without values is not drawn but can be unticked), and series settings away from the
//! default shown with a Reset; grid columns widened by dragging their edge. Driven headlessly over
//! real embedded servers and stores.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::{harness, settle};
use egui_kittest::kittest::Queryable;
use runhistory::api::ext::{CreateRunExt, IngestBatch};
use runhistory::api::{KeyValue, Metric};
use runhistory::store::Store;
use runhistory::ui::WorkbenchApp;
use runhistory::ui::command::Command;
use runhistory::ui::model::columns::ColumnKey;
use runhistory::ui::settings::Settings;
use std::path::Path;

/// One run in an experiment named `experiment` (id 1 in each fresh store) logging `metric`.
fn seed(dir: &Path, experiment: &str, metric: &str, param: &str) {
    let store = Store::open(dir).unwrap();
    let run = store
        .create_run(&CreateRunExt {
            experiment_name: Some(experiment.into()),
            run_name: Some(format!("{experiment}-run")),
            ..Default::default()
        })
        .unwrap();
    store
        .ingest(&IngestBatch {
            run_id: run.run_id,
            metrics: vec![Metric {
                key: metric.into(),
                value: 0.5,
                timestamp: 1,
                step: 0,
                ..Default::default()
            }],
            params: vec![KeyValue {
                key: param.into(),
                value: "1".into(),
            }],
            ..Default::default()
        })
        .unwrap();
}

fn grid_columns(app: &WorkbenchApp) -> Vec<ColumnKey> {
    app.wb
        .dashboard_model()
        .map(|m| m.grid.columns.clone())
        .unwrap_or_default()
}

#[test]
fn columns_chosen_in_one_store_stay_out_of_another_stores_experiment() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    seed(a.path(), "iris", "Accuracy", "Regularization Rate");
    seed(b.path(), "mnist", "loss", "lr");
    let mut ha = harness(a.path(), Settings::default());
    settle(&mut ha, "store A's runs", |app| app.wb.runs().len() == 1);
    let reg = ColumnKey::Param("Regularization Rate".into());
    ha.state_mut().wb.apply(Command::ToggleColumn(reg.clone()));
    settle(&mut ha, "the column shown", |app| grid_columns(app).contains(&reg));
    let settings = ha.state().wb.settings().clone();

    // Store B's experiment has the same id as store A's, and its own runs.
    let mut hb = harness(b.path(), settings);
    settle(&mut hb, "store B's runs", |app| app.wb.runs().len() == 1);
    let cols = grid_columns(hb.state());
    assert!(!cols.contains(&reg), "{cols:?}");
    assert!(!cols.contains(&ColumnKey::Metric("Accuracy".into())), "{cols:?}");
    assert!(
        cols.contains(&ColumnKey::Metric("loss".into())),
        "B's own metric is shown: {cols:?}"
    );
    assert!(hb.get_all_by_label("loss").count() > 0);
    assert!(hb.query_by_label("Accuracy").is_none());
}

#[test]
fn a_chosen_column_without_values_is_not_drawn_and_can_be_unticked() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), "iris", "Accuracy", "lr");
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |app| app.wb.runs().len() == 1);
    // A column chosen once that these runs do not have (say, from runs since deleted).
    let gone = ColumnKey::Metric("F1".into());
    h.state_mut().wb.apply(Command::ToggleColumn(gone.clone()));
    settle(&mut h, "the model rebuilt", |app| app.wb.columns().contains(&gone));
    assert!(!grid_columns(h.state()).contains(&gone), "no run has it: not drawn");
    h.get_by_label("Columns…").click();
    h.step();
    h.step();
    h.get_by_label("F1").click();
    settle(&mut h, "the column unticked", |app| !app.wb.columns().contains(&gone));
}

#[test]
fn series_settings_away_from_the_default_show_a_reset() {
    use runhistory::ui::model::series::SeriesOptions;
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), "iris", "Accuracy", "lr");
    let store = Store::open(dir.path()).unwrap();
    let run = store.create_run(&CreateRunExt {
        experiment_name: Some("iris".into()),
        ..Default::default()
    });
    let run_id = run.unwrap().run_id;
    store
        .ingest(&IngestBatch {
            run_id: run_id.clone(),
            series: vec![runhistory::api::ext::SeriesChunk {
                key: "loss".into(),
                values: (1..100).map(|i| runhistory::api::ext::Num(1.0 / i as f64)).collect(),
                ..Default::default()
            }],
            ..Default::default()
        })
        .unwrap();
    drop(store);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |app| app.wb.runs().len() == 2);
    h.state_mut().wb.apply(Command::OpenRun(run_id));
    settle(&mut h, "the series", |app| {
        app.wb.route().details().is_some_and(|d| d.series.contains_key("loss"))
    });
    assert!(h.query_by_label("Reset").is_none(), "nothing to reset at the defaults");
    let smoothed = SeriesOptions {
        smoothing: 0.9,
        log_y: true,
        ..Default::default()
    };
    h.state_mut().wb.apply(Command::SetSeriesOptions(smoothed));
    h.step();
    h.step();
    h.get_by_label("Reset").click();
    settle(&mut h, "the defaults back", |app| {
        app.wb.settings().series == SeriesOptions::default()
    });
}

#[test]
fn a_grid_column_is_widened_by_dragging_its_edge() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), "iris", "Accuracy", "lr");
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |app| app.wb.runs().len() == 1);
    // The header buttons of two neighbouring columns; the edge between them is the handle.
    let header = |h: &egui_kittest::Harness<'static, WorkbenchApp>, label: &str| {
        h.get_by(|n| n.role() == egui::accesskit::Role::Button && n.label().is_some_and(|l| l.starts_with(label)))
            .rect()
    };
    let cols = grid_columns(h.state());
    let (first, second) = (cols[0].label(), cols[1].label());
    let (a, b) = (header(&h, &first), header(&h, &second));
    assert!(b.min.x > a.max.x, "{first} sits left of {second}");
    let edge = egui::pos2(b.min.x - 4.0, (a.min.y + a.max.y) / 2.0);
    let ev = |h: &mut egui_kittest::Harness<'static, WorkbenchApp>, e: egui::Event| {
        h.input_mut().events.push(e);
        h.step();
    };
    let press = |pos, pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: Default::default(),
    };
    ev(&mut h, egui::Event::PointerMoved(edge));
    ev(&mut h, press(edge, true));
    for dx in [20.0, 40.0, 60.0, 80.0] {
        ev(&mut h, egui::Event::PointerMoved(edge + egui::vec2(dx, 0.0)));
    }
    ev(&mut h, press(edge + egui::vec2(80.0, 0.0), false));
    h.step();
    let moved = header(&h, &second).min.x - b.min.x;
    assert!(
        (70.0..=90.0).contains(&moved),
        "the column right of the dragged edge moved by {moved} px"
    );
}

#[test]
fn a_series_min_and_max_are_columns_chosen_in_the_chooser() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let run = store
        .create_run(&CreateRunExt {
            experiment_name: Some("mnist".into()),
            ..Default::default()
        })
        .unwrap();
    let point = |value: f64, step: i64| Metric {
        key: "loss".into(),
        value,
        timestamp: 1 + step,
        step,
        ..Default::default()
    };
    store
        .ingest(&IngestBatch {
            run_id: run.run_id,
            metrics: vec![point(2.5, 0), point(0.125, 1), point(0.75, 2)],
            ..Default::default()
        })
        .unwrap();
    drop(store);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |app| app.wb.runs().len() == 1);
    h.get_by_label("Columns…").click();
    h.step();
    h.step();
    h.get_by_label("loss (min)").click();
    h.step();
    h.get_by_label("loss (max)").click();
    let min = ColumnKey::MetricExtreme("loss".into(), runhistory::ui::model::columns::Extreme::Min);
    settle(&mut h, "the min column shown", |app| grid_columns(app).contains(&min));
    let model = h.state().wb.dashboard_model().unwrap();
    let at = |c: &ColumnKey| model.grid.columns.iter().position(|x| x == c).unwrap();
    let max = ColumnKey::MetricExtreme("loss".into(), runhistory::ui::model::columns::Extreme::Max);
    let row = &model.grid.rows[0];
    assert_eq!(row.cells[at(&ColumnKey::Metric("loss".into()))], "0.75", "the latest");
    assert_eq!(row.cells[at(&min)], "0.125");
    assert_eq!(row.cells[at(&max)], "2.5");
}

#[test]
fn the_name_column_stays_in_view_as_the_grid_scrolls_sideways_and_follows_it_down() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // 60 runs with 12 params each (8 of them columns): wider and longer than the window.
    for i in 0..60 {
        let run = store
            .create_run(&CreateRunExt {
                experiment_name: Some("wide".into()),
                run_name: Some(format!("wide-{i:02}")),
                ..Default::default()
            })
            .unwrap();
        let mut params: Vec<KeyValue> = (0..12)
            .map(|p| KeyValue {
                key: format!("p{p:02}"),
                value: if p == 0 {
                    format!("v{i:02}")
                } else {
                    format!("{}", i * 100 + p)
                },
            })
            .collect();
        params.push(KeyValue {
            key: "seed".into(),
            value: (i % 3).to_string(),
        });
        store
            .ingest(&IngestBatch {
                run_id: run.run_id,
                params,
                ..Default::default()
            })
            .unwrap();
    }
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |app| app.wb.runs().len() == 60);
    let at = |h: &egui_kittest::Harness<'static, WorkbenchApp>, label: &str| h.get_by_label(label).rect();
    let (name, last) = (at(&h, "Name"), at(&h, "param: p07"));
    let wheel = |h: &mut egui_kittest::Harness<'static, WorkbenchApp>, over: egui::Pos2, delta: egui::Vec2| {
        h.event(egui::Event::PointerMoved(over));
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta,
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: Default::default(),
        });
        for _ in 0..30 {
            h.step();
        }
    };
    // Sideways over the other columns: they move left, the name stays.
    // The newest run is the first row.
    let over_rest = egui::pos2(at(&h, "v59").center().x, at(&h, "v59").center().y + 60.0);
    wheel(&mut h, over_rest, egui::vec2(-900.0, 0.0));
    assert!(
        at(&h, "param: p07").min.x < last.min.x - 100.0,
        "the far columns came into view"
    );
    assert_eq!(at(&h, "Name").min.x, name.min.x, "the Name column did not move");
    // Down over the other columns: the names follow, each on its run's line.
    wheel(&mut h, over_rest, egui::vec2(0.0, -300.0));
    assert!(
        h.state().view.grid_scroll > 100.0,
        "scrolled down: {}",
        h.state().view.grid_scroll
    );
    let header = at(&h, "Name").max.y;
    let find =
        |h: &egui_kittest::Harness<'static, WorkbenchApp>, label: &str| h.query_by_label(label).map(|n| n.rect());
    let shown = (0..60)
        .rev()
        .find(|i| find(&h, &format!("wide-{i:02}")).is_some_and(|r| r.min.y > header + 2.0));
    let i = shown.expect("a run's name below the header");
    assert!(i < 54, "the first names scrolled away, run {i} is at the top");
    let (name_row, cell_row) = (find(&h, &format!("wide-{i:02}")), find(&h, &format!("v{i:02}")));
    assert_eq!(
        name_row.map(|r| r.center().y),
        cell_row.map(|r| r.center().y),
        "run {i}'s name and its cells on one line"
    );

    // Grouped: a header hovered in the part that scrolls is the group hovered in both parts.
    use runhistory::ui::model::columns::Attr;
    use runhistory::ui::model::groups::{GroupBy, Grouping};
    h.state_mut().wb.apply(Command::SetGrouping(Some(Grouping {
        by: GroupBy::Param("seed".into()),
        aggregate: Default::default(),
        band: Default::default(),
    })));
    settle(&mut h, "the grid grouped", |a| {
        a.wb.dashboard_model().is_some_and(|m| m.grid.groups.len() == 3)
    });
    wheel(&mut h, over_rest, egui::vec2(0.0, 3000.0));
    let header = h.get_all_by_label("20 runs").next().unwrap().rect();
    let group = h.state().wb.dashboard_model().unwrap().grid.groups[0].label.clone();
    h.event(egui::Event::PointerMoved(egui::pos2(over_rest.x, header.center().y)));
    h.step();
    h.step();
    assert_eq!(h.state().view.hovered_group.as_deref(), Some(group.as_str()));

    // With Name hidden, the tick column alone stays at the left.
    h.state_mut().wb.apply(Command::SetGrouping(None));
    h.state_mut()
        .wb
        .apply(Command::ToggleColumn(ColumnKey::Attr(Attr::Name)));
    settle(&mut h, "Name hidden", |a| {
        a.wb.dashboard_model().is_some_and(|m| m.grid.groups.is_empty())
            && !grid_columns(a).contains(&ColumnKey::Attr(Attr::Name))
    });
    wheel(&mut h, over_rest, egui::vec2(0.0, 3000.0));
    let tick = at(&h, "60").min.x;
    wheel(&mut h, over_rest, egui::vec2(-900.0, 0.0));
    assert_eq!(at(&h, "60").min.x, tick, "the tick column did not move");
}
