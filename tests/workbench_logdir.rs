//! A TensorBoard logdir in the workbench, driven headlessly (egui_kittest): its runs and curves
//! are shown, the window says it is read-only, and no view offers to change a run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::settle;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use runhistory::connect::Source;
use runhistory::tensorboard::write::scalar_record;
use runhistory::ui::WorkbenchApp;
use runhistory::ui::command::Command;
use runhistory::ui::settings::Settings;

#[test]
fn a_logdir_opens_read_only_with_its_runs_and_no_way_to_change_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("mnist");
    for (run, rate) in [("lr_0.1", 0.1f32), ("lr_0.01", 0.01)] {
        std::fs::create_dir_all(root.join(run)).unwrap();
        let bytes: Vec<u8> = (0..50)
            .flat_map(|s| scalar_record(s, 1_700_000_000.0 + s as f64, "loss", 1.0 / (1.0 + rate * s as f32)))
            .collect();
        std::fs::write(root.join(run).join("events.out.tfevents.1.host"), bytes).unwrap();
    }
    let app = WorkbenchApp::new(Source::Logdir(root), Settings::default(), None).unwrap();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.frame(ui), app);
    settle(&mut h, "the logdir's runs", |a| a.wb.runs().len() == 2);
    assert_eq!(
        h.state().wb.read_only().map(|r| r.contains("TensorBoard logdir")),
        Some(true)
    );
    h.get_by_label_contains("· read-only");
    h.get_by_label_contains("this history is read in place, read-only");
    let experiments: Vec<String> = h
        .state()
        .wb
        .experiments()
        .unwrap()
        .iter()
        .map(|e| e.name.clone())
        .collect();
    assert_eq!(experiments, ["mnist"], "the logdir alone, no empty Default beside it");
    let mut names: Vec<String> = h.state().wb.runs().iter().map(|r| r.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["lr_0.01", "lr_0.1"]);

    let run = h.state().wb.runs()[0].run_id.clone();
    h.state_mut().wb.apply(Command::OpenRun(run));
    settle(&mut h, "the run's details", |a| {
        a.wb.route().details().and_then(|d| d.run.value()).is_some()
    });
    for write in ["Rename", "Move to trash", "Edit description", "Add tag"] {
        assert!(h.query_by_label(write).is_none(), "a read-only run offers {write}");
    }
    h.get_by_label_contains("loss (50 points)");
}
