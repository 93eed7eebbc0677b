//! What the workbench tests share: a headless window over a real embedded server and store, and
//! stepping it until the data has arrived.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    dead_code,
    reason = "test helpers; each test file uses some of them"
)]

use egui_kittest::Harness;
use runhistory::connect::Source;
use runhistory::ui::WorkbenchApp;
use runhistory::ui::settings::Settings;
use std::path::Path;
use std::time::Duration;

/// The workbench over the store folder `dir` (made if new), in a 1400x900 window.
pub fn harness(dir: &Path, settings: Settings) -> Harness<'static, WorkbenchApp> {
    let source = Source::Embedded {
        store: dir.into(),
        create: true,
    };
    let app = WorkbenchApp::new(source, settings, None).unwrap();
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.frame(ui), app)
}

/// Steps frames until `done` holds and nothing is loading; names `what` if it never does.
pub fn settle(h: &mut Harness<'static, WorkbenchApp>, what: &str, done: impl Fn(&WorkbenchApp) -> bool) {
    for _ in 0..1000 {
        h.step();
        if done(h.state()) && !h.state().wb.is_busy() {
            h.step();
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("the workbench never got to: {what}");
}
