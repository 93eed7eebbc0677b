//! An MLflow folder store in the workbench, driven headlessly (egui_kittest): its experiments keep
//! their ids and names, a run shows its params, metric and artifacts, the window says it is
//! read-only and no view offers to change a run. (The stores the official MLflow client writes,
//! of every kind, are read in `python/tests/test_mlflow_store.py`; the folder here is laid out as
//! those tests see MLflow 3 write it.)

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
use runhistory::ui::WorkbenchApp;
use runhistory::ui::command::Command;
use runhistory::ui::settings::Settings;
use std::path::Path;

const RUN: &str = "09201180946e41c3b552e2e4e9b056ca";
const EXPERIMENT: &str = "919453957474369567";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// An `mlruns` folder with the Default experiment and one experiment holding one finished run.
fn mlruns(root: &Path) {
    let experiment = |id: &str, name: &str| {
        format!(
            "artifact_location: {}\ncreation_time: 1700000000000\nexperiment_id: '{id}'\n\
             last_update_time: 1700000000000\nlifecycle_stage: active\nname: {name}\n",
            root.join(id).display()
        )
    };
    write(&root.join("0/meta.yaml"), &experiment("0", "Default"));
    write(
        &root.join(EXPERIMENT).join("meta.yaml"),
        &experiment(EXPERIMENT, "vision"),
    );
    let run = root.join(EXPERIMENT).join(RUN);
    write(
        &run.join("meta.yaml"),
        &format!(
            "artifact_uri: {}\nend_time: 1700000060000\nentry_point_name: ''\nexperiment_id: '{EXPERIMENT}'\n\
             lifecycle_stage: active\nrun_id: {RUN}\nrun_name: resnet-baseline\nsource_name: ''\nsource_type: 4\n\
             source_version: ''\nstart_time: 1700000000000\nstatus: 3\ntags: []\nuser_id: ana\n",
            run.join("artifacts").display()
        ),
    );
    write(&run.join("params/lr"), "0.01");
    write(&run.join("tags/mlflow.runName"), "resnet-baseline");
    let loss: String = (0..40)
        .map(|s| format!("{} {} {s}\n", 1_700_000_000_000i64 + s * 1000, 1.0 / (s + 1) as f64))
        .collect();
    write(&run.join("metrics/train/loss"), &loss);
    write(&run.join("artifacts/notes/readme.txt"), "warm-up done\n");
}

#[test]
fn an_mlflow_store_opens_read_only_with_its_runs_and_no_way_to_change_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("mlruns");
    mlruns(&root);
    let app = WorkbenchApp::new(
        Source::MlflowStore(root.display().to_string()),
        Settings::default(),
        None,
    )
    .unwrap();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.frame(ui), app);
    settle(&mut h, "the store's experiments", |a| {
        a.wb.experiments().is_some_and(|e| e.len() == 2)
    });
    assert_eq!(h.state().wb.read_only().map(|r| r.contains("MLflow store")), Some(true));
    h.get_by_label_contains("· read-only");
    let experiments: Vec<(String, String)> = h
        .state()
        .wb
        .experiments()
        .unwrap()
        .iter()
        .map(|e| (e.experiment_id.clone(), e.name.clone()))
        .collect();
    assert!(
        experiments.contains(&(EXPERIMENT.to_string(), "vision".to_string())),
        "{experiments:?}"
    );
    h.state_mut().wb.apply(Command::SelectExperiment(EXPERIMENT.into()));
    settle(&mut h, "the experiment's run", |a| a.wb.runs().len() == 1);
    assert_eq!(h.state().wb.runs()[0].run_id, RUN);
    assert_eq!(h.state().wb.runs()[0].name, "resnet-baseline");

    h.state_mut().wb.apply(Command::OpenRun(RUN.into()));
    settle(&mut h, "the run's details", |a| {
        a.wb.route().details().and_then(|d| d.run.value()).is_some()
    });
    for write in ["Rename", "Move to trash", "Edit description", "Add tag"] {
        assert!(h.query_by_label(write).is_none(), "a read-only run offers {write}");
    }
    h.get_by_label_contains("train/loss (40 points)");
    h.get_by_label_contains("notes");
}
