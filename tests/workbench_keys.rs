//! The keyboard and the waits, driven headlessly (egui_kittest) over a real embedded server and
//! store: arrows, Space and Enter in the grid, Esc back, Ctrl+F, F1; a long series says it is read.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::{harness, settle};
use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use runhistory::api::ext::CreateRunExt;
use runhistory::store::Store;
use runhistory::ui::settings::Settings;

#[test]
fn the_grid_and_the_views_answer_the_keyboard() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        for (i, name) in ["alpha", "beta", "gamma"].iter().enumerate() {
            store
                .create_run(&CreateRunExt {
                    experiment_name: Some("keys".into()),
                    run_name: Some((*name).into()),
                    start_time: Some(1_700_000_000_000 + i as i64 * 1000),
                    ..Default::default()
                })
                .unwrap();
        }
    }
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |a| a.wb.runs().len() == 3);
    // The grid lists the newest first: gamma, beta, alpha.
    let second = h.state().wb.dashboard_model().unwrap().grid.rows[1].run_id.clone();
    h.key_press(Key::ArrowDown);
    h.step();
    h.key_press(Key::ArrowDown);
    h.step();
    assert_eq!(h.state().view.grid_cursor, Some(1));
    h.key_press(Key::Space);
    h.step();
    h.step();
    assert_eq!(h.state().wb.selected(), std::slice::from_ref(&second));
    h.key_press(Key::Enter);
    settle(&mut h, "the run's details", |a| {
        a.wb.route()
            .details()
            .is_some_and(|d| d.run_id == second && d.run.value().is_some())
    });
    h.get_by_label("Run 2 · beta");
    h.key_press(Key::Escape);
    settle(&mut h, "the dashboard again", |a| a.wb.route().name() == "dashboard");

    h.key_press(Key::F1);
    h.step();
    h.step();
    h.get_by_label("Keyboard shortcuts");
    h.get_by_label("Tick the run for Compare");
    h.key_press(Key::Escape);
    h.step();
    h.step();
    assert!(h.query_by_label("Keyboard shortcuts").is_none());

    h.key_press_modifiers(Modifiers::COMMAND, Key::F);
    h.step();
    h.step();
    assert!(h.ctx.memory(|m| m.focused().is_some()), "the filter box has the focus");
    // While typing, arrows and Space are the text box's.
    h.key_press(Key::Space);
    h.step();
    h.step();
    assert_eq!(h.state().wb.selected(), [second]);
}

#[test]
fn a_long_series_says_it_is_being_read_instead_of_showing_empty_axes() {
    use runhistory::api::ext::{IngestBatch, Num, SeriesChunk};
    let dir = tempfile::tempdir().unwrap();
    let run_id = {
        let store = Store::open(dir.path()).unwrap();
        let run = store
            .create_run(&CreateRunExt {
                experiment_name: Some("long".into()),
                ..Default::default()
            })
            .unwrap();
        store
            .ingest(&IngestBatch {
                run_id: run.run_id.clone(),
                series: vec![SeriesChunk {
                    key: "loss".into(),
                    values: (0..500_000).map(|i| Num(1.0 / (i as f64 + 1.0))).collect(),
                    ..Default::default()
                }],
                ..Default::default()
            })
            .unwrap();
        run.run_id
    };
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the run", |a| a.wb.runs().len() == 1);
    h.state_mut()
        .wb
        .apply(runhistory::ui::command::Command::OpenRun(run_id));
    let mut seen = false;
    for _ in 0..2000 {
        h.step();
        seen |= h.query_by_label("Reading the series…").is_some();
        let drawn = h
            .state()
            .wb
            .route()
            .details()
            .and_then(|d| d.series.get("loss"))
            .is_some_and(|f| !f.line().is_empty());
        if drawn {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert!(seen, "the wait was shown");
    settle(&mut h, "the series drawn", |a| {
        a.wb.route()
            .details()
            .and_then(|d| d.series.get("loss"))
            .is_some_and(|f| !f.line().is_empty())
    });
    assert!(h.query_by_label("Reading the series…").is_none());
}
