//! Managing runs in the workbench, driven headlessly (egui_kittest) over a real embedded server
//! and store: rename, a markdown description, tags added and removed, the trash with Undo, and the
//! trash page's Restore. Each change is checked in the store, where MLflow's API reads it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::{harness, settle};
use egui_kittest::kittest::Queryable;
use runhistory::api::KeyValue;
use runhistory::api::ext::CreateRunExt;
use runhistory::store::Store;
use runhistory::ui::WorkbenchApp;
use runhistory::ui::command::Command;
use runhistory::ui::settings::Settings;
use std::path::Path;

fn seed(dir: &Path) -> Vec<String> {
    let store = Store::open(dir).unwrap();
    ["alpha", "beta"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let run = store
                .create_run(&CreateRunExt {
                    experiment_name: Some("iris".into()),
                    run_name: Some((*name).into()),
                    start_time: Some(1_700_000_000_000 + i as i64 * 1000),
                    ..Default::default()
                })
                .unwrap();
            store
                .set_tag(
                    &run.run_id,
                    &KeyValue {
                        key: "team".into(),
                        value: "vision".into(),
                    },
                )
                .unwrap();
            run.run_id
        })
        .collect()
}

/// The open run as the details view last read it.
fn shown(app: &WorkbenchApp) -> Option<&runhistory::api::ext::RunDetail> {
    app.wb.route().details().and_then(|d| d.run.value())
}

#[test]
fn a_run_is_renamed_described_and_tagged_from_its_details() {
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path());
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |a| a.wb.runs().len() == 2);
    h.state_mut().wb.apply(Command::OpenRun(ids[0].clone()));
    settle(&mut h, "the run's details", |a| shown(a).is_some());

    // The name box takes the keyboard at once, and Esc cancels the rename, not the page.
    h.get_by_label("Rename").click();
    h.step();
    h.step();
    assert!(
        h.get_all_by_role(egui::accesskit::Role::TextInput)
            .any(|n| n.is_focused() && n.value().as_deref() == Some("alpha")),
        "the box holding the run's name has the focus"
    );
    h.key_press(egui::Key::Escape);
    h.step();
    h.step();
    assert!(h.state().view.rename.is_none(), "Esc cancelled the rename");
    assert!(shown(h.state()).is_some(), "and the run's details stay");
    h.get_by_label("Rename").click();
    h.step();
    h.step();
    h.state_mut().view.rename.as_mut().unwrap().1 = "alpha-tuned".into();
    h.get_by_label("Save").click();
    settle(&mut h, "the new name", |a| {
        shown(a).is_some_and(|r| r.name == "alpha-tuned")
    });
    h.get_by_label("Run 1 is now named 'alpha-tuned'.");
    h.get_by_label("Run 1 · alpha-tuned");

    h.get_by_label("Description (none)").click();
    h.step();
    h.step();
    h.get_by_label("Edit description").click();
    h.step();
    h.step();
    h.state_mut().view.describe.as_mut().unwrap().1 = "# Results\n\nLoss went **down** steadily.".into();
    h.get_by_label("Save description").click();
    settle(&mut h, "the description", |a| {
        shown(a).is_some_and(|r| r.description.is_some())
    });
    // Rendered as markdown: a heading, and the emphasis apart from the text around it.
    h.get_by_label("Results");
    h.get_by_label("down");
    assert!(
        h.query_by_label_contains("**down**").is_none(),
        "the markdown is rendered, not shown raw"
    );

    h.get_by_label("Remove").click();
    settle(&mut h, "the tag removed", |a| {
        shown(a).is_some_and(|r| !r.tags.contains_key("team"))
    });
    h.state_mut().view.tag_key = "stage".into();
    h.state_mut().view.tag_value = "dev".into();
    h.get_by_label("Add tag").click();
    settle(&mut h, "the tag added", |a| {
        shown(a).is_some_and(|r| r.tags.contains_key("stage"))
    });

    let stored = Store::open(dir.path()).unwrap().get_run(&ids[0]).unwrap();
    assert_eq!(stored.name, "alpha-tuned");
    assert_eq!(
        stored.tags.get("mlflow.runName").map(String::as_str),
        Some("alpha-tuned")
    );
    assert_eq!(
        stored.tags.get("mlflow.note.content").map(String::as_str),
        Some("# Results\n\nLoss went **down** steadily.")
    );
    assert_eq!(stored.tags.get("stage").map(String::as_str), Some("dev"));
    assert!(!stored.tags.contains_key("team"));
}

#[test]
fn a_run_goes_to_the_trash_with_undo_and_comes_back_from_the_trash_page() {
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path());
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |a| a.wb.runs().len() == 2);
    h.state_mut().wb.apply(Command::OpenRun(ids[0].clone()));
    settle(&mut h, "the run's details", |a| shown(a).is_some());

    h.get_by_label("Move to trash").click();
    settle(&mut h, "one run left", |a| {
        a.wb.runs().len() == 1 && a.wb.route().name() == "dashboard"
    });
    h.get_by_label("Run 1 moved to the trash.");
    assert_eq!(
        Store::open(dir.path())
            .unwrap()
            .get_run(&ids[0])
            .unwrap()
            .lifecycle_stage,
        "deleted"
    );
    h.get_by_label("Undo").click();
    settle(&mut h, "both runs back", |a| a.wb.runs().len() == 2);
    h.get_by_label("Run 1 is back from the trash.");

    h.state_mut().wb.apply(Command::OpenRun(ids[1].clone()));
    settle(&mut h, "the other run", |a| shown(a).is_some());
    h.get_by_label("Move to trash").click();
    settle(&mut h, "one run left", |a| a.wb.runs().len() == 1);
    h.get_by_label("Dismiss").click();
    h.step();
    h.step();
    assert!(h.state().wb.notice().is_none());
    h.get_by_label("Trash").click();
    settle(
        &mut h,
        "the trash",
        |a| matches!(a.wb.route(), runhistory::ui::route::Route::Trash(t) if t.runs.value().is_some()),
    );
    h.get_by_label("Trash of iris");
    h.get_by_label("beta");
    h.get_by_label("Restore").click();
    settle(&mut h, "the trash emptied", |a| {
        a.wb.runs().len() == 2
            && matches!(a.wb.route(), runhistory::ui::route::Route::Trash(t) if t.runs.value().is_some_and(Vec::is_empty))
    });
    h.get_by_label_contains("The trash is empty.");
}
