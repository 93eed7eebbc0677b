//! The workbench driven headlessly (egui_kittest) over a real embedded server and a real store:
//! chart clicks, the column chooser, the filter, compare, download and the unreachable banner.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::click_at;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use runhistory::api::KeyValue;
use runhistory::api::ext::{CreateRunExt, IngestBatch, Num, SeriesChunk, UpdateRunExt};
use runhistory::connect::Source;
use runhistory::store::Store;
use runhistory::ui::WorkbenchApp;
use runhistory::ui::command::Command;
use runhistory::ui::model::columns::ColumnKey;
use runhistory::ui::model::dashboard::ChartKey;
use runhistory::ui::route::Route;
use runhistory::ui::settings::Settings;
use std::path::Path;
use std::time::Duration;

/// Logs runs named `names` into an "iris" experiment: Accuracy, a Loss series, lr, two artifacts.
fn seed(dir: &Path, names: &[&str]) -> Vec<String> {
    let store = Store::open(dir).unwrap();
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let run = store
                .create_run(&CreateRunExt {
                    experiment_name: Some("iris".into()),
                    run_name: Some((*name).into()),
                    script_name: Some("train.py".into()),
                    start_time: Some(1_700_000_000_000 + i as i64 * 1000),
                    ..Default::default()
                })
                .unwrap();
            store
                .ingest(&IngestBatch {
                    run_id: run.run_id.clone(),
                    metrics: vec![runhistory::api::Metric {
                        key: "Accuracy".into(),
                        value: 0.5 + 0.1 * i as f64,
                        timestamp: 1,
                        step: 0,
                        ..Default::default()
                    }],
                    series: vec![SeriesChunk {
                        key: "Loss".into(),
                        values: (0..300).map(|s| Num(1.0 / (s as f64 + 1.0 + i as f64))).collect(),
                        ..Default::default()
                    }],
                    params: vec![KeyValue {
                        key: "lr".into(),
                        value: format!("0.{}", i + 1),
                    }],
                    ..Default::default()
                })
                .unwrap();
            for (rel, body) in [
                ("outputs/model.txt", format!("model of {name}")),
                ("notes.csv", "a,b\n1,2".into()),
            ] {
                let p = store.run_artifact_path(&run.run_id, rel).unwrap();
                store.put_artifact(&p, body.as_bytes()).unwrap();
            }
            store
                .update_run(&UpdateRunExt {
                    run_id: run.run_id.clone(),
                    status: Some("FINISHED".into()),
                    end_time: Some(1_700_000_000_500 + i as i64 * 1000),
                    ..Default::default()
                })
                .unwrap();
            run.run_id
        })
        .collect()
}

fn harness(source: Source) -> Harness<'static, WorkbenchApp> {
    let app = WorkbenchApp::new(source, Settings::default(), None).unwrap();
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.frame(ui), app)
}

/// Steps frames until `done` holds and nothing is loading.
fn settle(h: &mut Harness<'static, WorkbenchApp>, done: impl Fn(&WorkbenchApp) -> bool) {
    common::settle(h, "the state the test waits for", done);
}

fn loaded(app: &WorkbenchApp) -> bool {
    !app.wb.runs().is_empty()
}

#[test]
fn clicking_a_chart_point_opens_that_runs_details() {
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path(), &["alpha", "beta", "gamma"]);
    let mut h = harness(Source::Embedded {
        store: dir.path().into(),
        create: true,
    });
    settle(&mut h, loaded);
    // Loss has curves, so the dashboard opens on them: the values over runs are one click away.
    h.get_by_label("Values over runs").click();
    settle(&mut h, |a| {
        a.view.chart_frames.contains_key(&ChartKey::Metric("Accuracy".into()))
    });
    let frame = h.state().view.chart_frames[&ChartKey::Metric("Accuracy".into())];
    // Run 2 (beta) sits at x = 2, y = 0.6.
    let pos = frame.position_from_point(&egui_plot::PlotPoint::new(2.0, 0.6));
    click_at(&mut h, pos);
    settle(&mut h, |a| {
        a.wb.route().details().is_some_and(|d| d.run.value().is_some())
    });
    assert!(matches!(h.state().wb.route(), Route::Details(_)));
    assert_eq!(h.state().wb.route().details().unwrap().run_id, ids[1]);
    h.get_by_label("Run 2 · beta");
}

#[test]
fn the_column_chooser_takes_a_column_away_and_back() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), &["alpha", "beta"]);
    let mut h = harness(Source::Embedded {
        store: dir.path().into(),
        create: true,
    });
    settle(&mut h, loaded);
    h.get_by_label("param: lr");
    h.get_by_label("0.1");
    h.get_by_label("Columns…").click();
    settle(&mut h, |a| a.wb.chooser_open());
    let tick = |h: &mut Harness<'static, WorkbenchApp>| {
        h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "param: lr")
            .click();
    };
    // lr differs between the runs, so it is a default column: untick it, then tick it again.
    tick(&mut h);
    settle(&mut h, |a| !a.wb.columns().contains(&ColumnKey::Param("lr".into())));
    assert_eq!(
        h.get_all_by_label("param: lr").count(),
        1,
        "the chooser's checkbox alone"
    );
    assert!(h.query_by_label("0.1").is_none());
    tick(&mut h);
    settle(&mut h, |a| a.wb.columns().contains(&ColumnKey::Param("lr".into())));
    // The chooser's checkbox and the grid's header again, with the values in the rows.
    assert_eq!(h.get_all_by_label("param: lr").count(), 2);
    h.get_by_label("0.1");
    h.get_by_label("0.2");
}

#[test]
fn the_filter_narrows_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path(), &["alpha", "beta", "gamma"]);
    let mut h = harness(Source::Embedded {
        store: dir.path().into(),
        create: true,
    });
    settle(&mut h, loaded);
    h.get_by_label("beta");
    for id in &ids[..2] {
        h.state_mut().wb.apply(Command::ToggleSelected(id.clone()));
    }
    h.state_mut().view.filter_input = "metrics.Accuracy > 0.55 AND NOT params.lr = '0.3'".into();
    h.get_by_label("Search").click();
    settle(&mut h, |a| a.wb.runs().len() == 1);
    h.get_by_label("beta");
    assert_eq!(
        h.state().wb.selected(),
        [ids[1].clone()],
        "a ticked run filtered out is unticked: Compare counts what can be seen"
    );
    assert!(h.query_by_label("alpha").is_none());
    assert!(h.query_by_label("gamma").is_none());
    // A filter the server refuses is shown, and the rows stay.
    h.state_mut().view.filter_input = "metrics.Accuracy >".into();
    h.get_by_label("Search").click();
    settle(&mut h, |a| a.wb.runs_error().is_some());
    h.get_by_label("beta");
    h.get_by_label_contains("The runs below are those of the last filter that worked");
}

#[test]
fn the_filter_box_completes_keys_and_quotes_them() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), &["alpha"]);
    let mut h = harness(Source::Embedded {
        store: dir.path().into(),
        create: true,
    });
    settle(&mut h, loaded);
    h.state_mut().view.filter_input = "metrics.Acc".into();
    h.get_all_by_role(egui::accesskit::Role::TextInput)
        .next()
        .unwrap()
        .click();
    h.step();
    h.step();
    let before = h.get_all_by_label("Accuracy").count();
    assert!(
        before >= 2,
        "the completion is listed beside the chart and column titles"
    );
    h.get_all_by_label("Accuracy").last().unwrap().click();
    h.step();
    h.step();
    assert_eq!(h.state().view.filter_input, "metrics.Accuracy ");
}

#[test]
fn comparing_two_runs_marks_a_differing_value() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), &["alpha", "beta", "gamma"]);
    let mut h = harness(Source::Embedded {
        store: dir.path().into(),
        create: true,
    });
    settle(&mut h, loaded);
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "1").click();
    h.step();
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "3").click();
    settle(&mut h, |a| a.wb.selected().len() == 2);
    h.get_by_label("Compare (2)").click();
    settle(&mut h, |a| {
        a.wb.route().compare().is_some_and(|c| c.loaded().len() == 2)
    });
    assert!(matches!(h.state().wb.route(), Route::Compare(_)));
    h.get_by_label("Run 1 · alpha");
    h.get_by_label("Run 3 · gamma");
    h.get_by_label("Parameters: lr");
    h.get_by_label("Run: Script");
    h.get_by_label("0.1");
    h.get_by_label("0.3");
    let marks = h.get_all_by_label("≠").count();
    assert!(marks >= 3, "lr, Accuracy, name and start differ: {marks} marks");
    h.get_by_label("Only differences").click();
    settle(&mut h, |a| a.wb.route().compare().is_some_and(|c| c.only_differences));
    assert!(
        h.query_by_label("Run: Script").is_none(),
        "both ran train.py: an equal row is hidden"
    );
    h.get_by_label("Parameters: lr");
}

#[test]
fn download_writes_every_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path(), &["alpha"]);
    let dest = tempfile::tempdir().unwrap();
    let mut h = harness(Source::Embedded {
        store: dir.path().into(),
        create: true,
    });
    settle(&mut h, loaded);
    h.state_mut().wb.apply(Command::OpenRun(ids[0].clone()));
    settle(&mut h, |a| {
        a.wb.route().details().is_some_and(|d| d.artifacts.value().is_some())
    });
    // The destination given directly, as typed beside the button (the folder dialog is not for CI).
    h.state_mut().view.dest_input = dest.path().join("out").display().to_string();
    h.get_by_label("Download").click();
    settle(&mut h, |a| {
        a.wb.route()
            .details()
            .and_then(|d| d.download.as_ref())
            .is_some_and(|d| d.result.value().is_some())
    });
    let model = std::fs::read_to_string(dest.path().join("out/outputs/model.txt")).unwrap();
    assert_eq!(model, "model of alpha");
    assert_eq!(
        std::fs::read_to_string(dest.path().join("out/notes.csv")).unwrap(),
        "a,b\n1,2"
    );
    h.get_by_label_contains("Downloaded 2 files");
    // The preview shows a CSV as a table.
    h.get_by_label_contains("notes.csv").click();
    settle(&mut h, |a| {
        a.wb.route().details().is_some_and(|d| d.preview.value().is_some())
    });
    h.get_by_label("b");
}

#[test]
fn an_unreachable_server_shows_the_banner_and_retry_keeps_it_up() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut h = harness(Source::Remote { url, token: None });
    settle(&mut h, |a| a.wb.unreachable().is_some());
    h.get_by_label_contains("Server unreachable");
    // Under the banner the sidebar says the experiments did not come, not "Loading…" forever.
    h.get_by_label("Could not read the experiments.");
    assert!(h.query_by_label("Loading…").is_none());
    h.get_by_label("Retry").click();
    settle(&mut h, |a| a.wb.unreachable().is_some());
    h.get_by_label_contains("Server unreachable");
}

#[test]
fn an_empty_store_welcomes_with_how_to_log_a_first_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(Source::Embedded {
        store: dir.path().into(),
        create: true,
    });
    settle(&mut h, |a| a.wb.summary().is_some());
    h.get_by_label("Welcome to Run History");
    h.get_by_label_contains("from runhistory import get_logger");
}

#[test]
fn the_logic_fetches_and_refreshes_with_no_frame_drawn() {
    // A hidden window gets `logic` and no `ui`: data must still arrive and stay fresh.
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), &["alpha"]);
    let mut app = WorkbenchApp::new(
        Source::Embedded {
            store: dir.path().into(),
            create: true,
        },
        Settings::default(),
        None,
    )
    .unwrap();
    let ctx = egui::Context::default();
    let until = |app: &mut WorkbenchApp, n: usize| {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while app.wb.runs().len() != n {
            assert!(std::time::Instant::now() < deadline, "{n} runs never arrived");
            app.logic_pass(&ctx);
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    until(&mut app, 1);
    assert!(
        app.wb.dashboard_model().is_some(),
        "the model is built by the logic too"
    );
    seed(dir.path(), &["beta"]);
    until(&mut app, 2);
}

#[test]
fn a_fourth_ticked_run_is_not_dropped_silently() {
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path(), &["alpha", "beta", "gamma", "delta"]);
    let mut h = harness(Source::Embedded {
        store: dir.path().into(),
        create: true,
    });
    settle(&mut h, loaded);
    for id in &ids {
        h.state_mut().wb.apply(Command::ToggleSelected(id.clone()));
    }
    // The notice floats in an area, drawn from its second frame (the first one measures it).
    h.step();
    h.step();
    h.get_by_label("Compare (4 ticked, 3 at most)");
    h.get_by_label_contains("Compare takes 3 runs at most: 4 are ticked.");
    assert_eq!(h.state().wb.selected().len(), 4, "the user chooses which to untick");
    h.state_mut().wb.apply(Command::ToggleSelected(ids[1].clone()));
    h.step();
    h.get_by_label("Compare (3)").click();
    settle(&mut h, |a| a.wb.route().compare().is_some_and(|c| c.model().is_some()));
    let compared = &h.state().wb.route().compare().unwrap().run_ids;
    assert_eq!(compared, &vec![ids[0].clone(), ids[2].clone(), ids[3].clone()]);
}
