//! The workbench's tracked runs driven headlessly (egui_kittest) over a real embedded server, store
//! and real processes: the run form, the jobs panel (live output, cancel, open), restore from the
//! details view with its plan and undo, snapshot diffs in compare, and the demo from the empty state.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use runhistory::api::ext::RunStatus;
use runhistory::connect::Source;
use runhistory::project::JobStatus;
use runhistory::ui::WorkbenchApp;
use runhistory::ui::restore_state::RestoreSource;
use runhistory::ui::route::Route;
use runhistory::ui::settings::Settings;
use std::path::Path;
use std::time::{Duration, Instant};

fn harness(store: &Path, project: Option<&Path>) -> Harness<'static, WorkbenchApp> {
    let settings = Settings {
        project_folder: project.map(Path::to_path_buf),
        ..Default::default()
    };
    let app = WorkbenchApp::new(
        Source::Embedded {
            store: store.to_path_buf(),
            create: true,
        },
        settings,
        None,
    )
    .unwrap();
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.frame(ui), app)
}

/// Steps frames until `done` holds (real processes run meanwhile), or fails after 60 s.
fn until(h: &mut Harness<'static, WorkbenchApp>, what: &str, done: impl Fn(&WorkbenchApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(h.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.step();
    h.step();
}

fn jobs_done(app: &WorkbenchApp, n: usize) -> bool {
    let views = app.wb.jobs().views();
    views.len() == n && views.iter().all(|v| v.status.is_done())
}

fn project_with(dir: &Path, files: &[(&str, &str)]) -> std::path::PathBuf {
    let p = dir.join("proj");
    std::fs::create_dir_all(&p).unwrap();
    for (name, text) in files {
        std::fs::write(p.join(name), text).unwrap();
    }
    p
}

/// Picks the script in the sidebar, types arguments and presses Run.
fn start_from_form(h: &mut Harness<'static, WorkbenchApp>, script: &str, args: &str) {
    until(h, "the project's scripts", |a| a.wb.jobs().scripts.value().is_some());
    h.get_all_by_label(script).next().unwrap().click();
    h.run_steps(2);
    h.state_mut().view.args_input = args.into();
    h.get_by_label("Run").click();
    h.run_steps(2);
}

#[test]
fn the_run_form_starts_a_tracked_run_and_the_jobs_panel_shows_and_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let project = project_with(
        dir.path(),
        &[("train.sh", "echo \"hello from $1\"\nsleep 0.2\necho done\n")],
    );
    let mut h = harness(&dir.path().join("store"), Some(&project));
    start_from_form(&mut h, "train.sh", "0.5");
    until(&mut h, "the job to end", |a| jobs_done(a, 1));
    let v = &h.state().wb.jobs().views()[0];
    assert_eq!(v.status, JobStatus::Ended(RunStatus::Completed));
    assert_eq!(v.args, ["0.5"]);
    h.get_by_label("Run 1 · train.sh 0.5");
    h.get_by_label("hello from 0.5");
    assert!(h.query_by_label_contains("Completed ·").is_some());
    h.get_by_label("Open run").click();
    until(&mut h, "the run's details", |a| {
        matches!(a.wb.route(), Route::Details(_)) && a.wb.route().details().is_some_and(|d| d.run.value().is_some())
    });
    let run = h.state().wb.route().details().unwrap().run.value().unwrap().clone();
    assert_eq!(run.script_name.as_deref(), Some("train.sh"));
    assert_eq!(run.status, RunStatus::Completed);
}

#[test]
fn cancel_in_the_jobs_panel_cancels_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let project = project_with(dir.path(), &[("slow.sh", "echo started\nsleep 60\n")]);
    let mut h = harness(&dir.path().join("store"), Some(&project));
    start_from_form(&mut h, "slow.sh", "");
    until(&mut h, "the first output line", |a| {
        a.wb.jobs()
            .views()
            .first()
            .is_some_and(|v| v.tail.iter().any(|l| l == "started"))
    });
    assert!(h.query_by_label_contains("Jobs (1 running)").is_some());
    // Cancel asks first; Keep running leaves the run alone.
    h.get_by_label("Cancel").click();
    h.step();
    h.step();
    h.get_by_label("Keep running").click();
    h.step();
    h.step();
    assert!(h.query_by_label("Stop it").is_none());
    assert!(!jobs_done(h.state(), 1), "the run goes on");
    h.get_by_label("Open run");
    h.get_by_label("Cancel").click();
    h.step();
    h.step();
    h.get_by_label("Stop it").click();
    until(&mut h, "the canceled job to end", |a| jobs_done(a, 1));
    assert_eq!(
        h.state().wb.jobs().views()[0].status,
        JobStatus::Ended(RunStatus::Canceled)
    );
}

#[test]
fn restore_from_details_shows_the_plan_applies_on_confirm_and_undoes() {
    let dir = tempfile::tempdir().unwrap();
    let project = project_with(dir.path(), &[("train.sh", "echo v1\n")]);
    let mut h = harness(&dir.path().join("store"), Some(&project));
    start_from_form(&mut h, "train.sh", "");
    until(&mut h, "the job to end", |a| jobs_done(a, 1));
    std::fs::write(project.join("train.sh"), "echo v2\n").unwrap();
    std::fs::write(project.join("extra.txt"), "added later\n").unwrap();
    h.get_by_label("Open run").click();
    until(&mut h, "the run's details", |a| {
        a.wb.route().details().is_some_and(|d| d.run.value().is_some())
    });
    h.get_by_label("Restore project to this run…").click();
    until(&mut h, "the restore plan", |a| {
        a.wb.restore().is_some_and(|r| r.plan.value().is_some())
    });
    h.get_by_label("overwrite  train.sh");
    h.get_by_label("remove     extra.txt");
    assert_eq!(
        std::fs::read_to_string(project.join("train.sh")).unwrap(),
        "echo v2\n",
        "nothing before confirming"
    );
    h.get_by_label("Restore").click();
    until(&mut h, "the restore", |a| {
        a.wb.restore().is_some_and(|r| r.applied.value().is_some())
    });
    assert_eq!(std::fs::read_to_string(project.join("train.sh")).unwrap(), "echo v1\n");
    assert!(!project.join("extra.txt").exists());
    h.get_by_label("Undo").click();
    until(&mut h, "the undo plan", |a| {
        a.wb.restore()
            .is_some_and(|r| matches!(r.source, RestoreSource::Snapshot(_)) && r.plan.value().is_some())
    });
    h.get_by_label("Restore").click();
    until(&mut h, "the undo", |a| {
        a.wb.restore().is_some_and(|r| r.applied.value().is_some())
    });
    assert_eq!(std::fs::read_to_string(project.join("train.sh")).unwrap(), "echo v2\n");
    assert_eq!(
        std::fs::read_to_string(project.join("extra.txt")).unwrap(),
        "added later\n"
    );
}

#[test]
fn compare_shows_which_project_files_differ_with_a_text_diff() {
    let dir = tempfile::tempdir().unwrap();
    let project = project_with(dir.path(), &[("train.sh", "echo rate 0.01\n"), ("same.txt", "same\n")]);
    let mut h = harness(&dir.path().join("store"), Some(&project));
    start_from_form(&mut h, "train.sh", "");
    until(&mut h, "the first job", |a| jobs_done(a, 1));
    std::fs::write(project.join("train.sh"), "echo rate 0.5\n").unwrap();
    h.get_all_by_label("Run").last().unwrap().click();
    until(&mut h, "the second job", |a| jobs_done(a, 2));
    let ids: Vec<String> = h.state().wb.jobs().views().iter().map(|v| v.run_id.clone()).collect();
    for id in &ids {
        h.state_mut()
            .wb
            .apply(runhistory::ui::command::Command::ToggleSelected(id.clone()));
    }
    h.state_mut()
        .wb
        .apply(runhistory::ui::command::Command::CompareSelected);
    until(&mut h, "both snapshots", |a| {
        a.wb.route().compare().is_some_and(|c| {
            c.snapshots.iter().all(|s| s.value().is_some()) && c.runs.iter().all(|r| r.value().is_some())
        })
    });
    h.get_by_label("Project files");
    h.get_by_label("train.sh (changed)").click();
    until(&mut h, "the diff", |a| {
        a.wb.route()
            .compare()
            .and_then(|c| c.file_diff.as_ref())
            .is_some_and(|d| d.text.value().is_some())
    });
    h.get_by_label("-echo rate 0.01");
    h.get_by_label("+echo rate 0.5");
    assert!(h.query_by_label("same.txt (changed)").is_none());
}

#[test]
fn the_empty_state_runs_the_demo_and_the_dashboard_fills() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(&dir.path().join("store"), None);
    h.state_mut().wb.set_demo_dir(dir.path().join("demo"));
    until(&mut h, "the welcome", |a| {
        a.wb.summary().is_some() || a.wb.experiments().is_some()
    });
    until(&mut h, "the empty dashboard", |a| a.wb.summary().is_some());
    h.get_by_label("Run the demo").click();
    until(&mut h, "the eight demo runs", |a| jobs_done(a, 8));
    until(&mut h, "the dashboard's runs", |a| {
        a.wb.runs().len() == 8 && a.wb.runs().iter().all(|r| r.status == RunStatus::Completed)
    });
    let names: Vec<String> = h
        .state()
        .wb
        .dashboard_model()
        .unwrap()
        .charts
        .iter()
        .map(|c| c.key.label())
        .collect();
    assert!(names.iter().any(|n| n == "Accuracy"), "{names:?}");
    assert!(names.iter().any(|n| n == "Regularization Rate"), "{names:?}");
    assert!(dir.path().join("demo").join("iris.csv").is_file());
}

#[test]
fn runhistory_demo_opens_the_window_at_once_and_its_runs_start_there() {
    // What `runhistory demo DIR` does when it opens the window: no click, no wait in the terminal.
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(&dir.path().join("store"), None);
    h.state_mut().start_demo(dir.path().join("demo"));
    until(&mut h, "the demo's jobs under way", |a| !a.wb.jobs().views().is_empty());
    assert!(dir.path().join("demo").join("iris_train.py").is_file());
    until(&mut h, "the eight demo runs", |a| jobs_done(a, 8));
    until(&mut h, "the dashboard's runs", |a| a.wb.runs().len() == 8);
}
