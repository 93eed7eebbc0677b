//! The workbench on a server with users (`serve --auth`), driven headlessly (egui_kittest): it
//! says who is signed in, and a reader is offered nothing that writes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::{serve, settle};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use runhistory::api::KeyValue;
use runhistory::api::ext::CreateRunExt;
use runhistory::api::users::Role;
use runhistory::connect::Source;
use runhistory::store::Store;
use runhistory::ui::WorkbenchApp;
use runhistory::ui::command::Command;
use runhistory::ui::settings::Settings;

fn workbench(url: &str, token: &str) -> Harness<'static, WorkbenchApp> {
    let source = Source::Remote {
        url: url.into(),
        token: Some(token.into()),
    };
    let app = WorkbenchApp::new(source, Settings::default(), None).unwrap();
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.frame(ui), app)
}

#[test]
fn a_reader_is_shown_signed_in_and_offered_no_write_a_writer_is() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let (reader, writer, run) = {
        let store = Store::open(&store_dir).unwrap();
        let run = store
            .create_run(&CreateRunExt {
                run_name: Some("baseline".into()),
                tags: vec![KeyValue {
                    key: "team".into(),
                    value: "vision".into(),
                }],
                ..CreateRunExt::default()
            })
            .unwrap()
            .run_id;
        (
            store.add_user("rui", Role::Reader).unwrap(),
            store.add_user("ana", Role::Writer).unwrap(),
            run,
        )
    };
    let served = serve(&["--store".as_ref(), store_dir.as_os_str(), "--auth".as_ref()]);

    let mut h = workbench(&served.url, &reader);
    settle(&mut h, "the runs", |a| a.wb.runs().len() == 1);
    h.get_by_label_contains("· rui (reader)");
    h.get_by_label_contains("· read-only");
    h.state_mut().wb.apply(Command::OpenRun(run.clone()));
    settle(&mut h, "the run's details", |a| {
        a.wb.route().details().and_then(|d| d.run.value()).is_some()
    });
    for write in ["Rename", "Move to trash", "Edit description"] {
        assert!(h.query_by_label(write).is_none(), "a reader is offered {write}");
    }

    let mut h = workbench(&served.url, &writer);
    settle(&mut h, "the runs", |a| a.wb.runs().len() == 1);
    h.get_by_label_contains("· ana (writer)");
    assert!(h.query_by_label_contains("· read-only").is_none());
    h.state_mut().wb.apply(Command::OpenRun(run));
    settle(&mut h, "the run's details", |a| {
        a.wb.route().details().and_then(|d| d.run.value()).is_some()
    });
    h.get_by_label("Rename");
}
