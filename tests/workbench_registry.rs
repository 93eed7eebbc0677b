//! The registered models page driven headlessly (egui_kittest) over a real embedded server and
//! store: the sidebar opens it, a model shows its versions, a version opens the run it came from.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::{harness, settle};
use egui_kittest::kittest::Queryable;
use runhistory::api::ext::CreateRunExt;
use runhistory::api::registry::CreateModelVersion;
use runhistory::store::Store;
use runhistory::ui::settings::Settings;

#[test]
fn registered_models_show_their_versions_and_the_runs_they_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let run_id = {
        let store = Store::open(dir.path()).unwrap();
        let run = store
            .create_run(&CreateRunExt {
                experiment_name: Some("iris".into()),
                run_name: Some("trained".into()),
                ..Default::default()
            })
            .unwrap();
        store
            .create_registered_model(Some("iris-model"), &[], Some("picks the species"))
            .unwrap();
        for _ in 0..2 {
            store
                .create_model_version(&CreateModelVersion {
                    name: Some("iris-model".into()),
                    source: Some(format!("{}/outputs", run.artifact_uri)),
                    run_id: Some(run.run_id.clone()),
                    ..Default::default()
                })
                .unwrap();
        }
        store.set_registered_model_alias("iris-model", "champion", "2").unwrap();
        run.run_id
    };
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the experiments", |a| a.wb.experiments().is_some());
    h.get_by_label("Registered models").click();
    settle(&mut h, "the models page", |a| a.wb.route().name() == "models");
    h.get_by_label("iris-model");
    h.get_by_label("picks the species");
    h.get_by_label("@champion v2");
    assert!(h.query_by_label("Versions of iris-model").is_none());
    h.get_by_label("iris-model").click();
    settle(
        &mut h,
        "the versions",
        |a| matches!(a.wb.route(), runhistory::ui::route::Route::Models(m) if m.versions.value().is_some()),
    );
    h.get_by_label("Versions of iris-model");
    h.get_by_label("v1");
    h.get_by_label("@champion");
    let link = format!("run {}…", &run_id[..8]);
    h.get_all_by_label(&link).next().unwrap().click();
    settle(&mut h, "the run's details", |a| {
        a.wb.route().details().is_some_and(|d| d.run.value().is_some())
    });
    assert_eq!(
        h.state().wb.route().details().unwrap().run.value().unwrap().run_id,
        run_id
    );
}

#[test]
fn an_empty_registry_says_how_to_register_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the experiments", |a| a.wb.experiments().is_some());
    h.get_by_label("Registered models").click();
    settle(&mut h, "the models page", |a| a.wb.route().name() == "models");
    h.get_by_label_contains("No registered models yet");
    h.get_by_label_contains("runhistory promote");
}
