//! What the integration tests share: the `runhistory` binary and a `serve` process started from
//! it; a headless workbench window over a real embedded server and store, stepped until the data
//! has arrived.

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
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// The `runhistory` binary of this build.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_runhistory"))
}

/// `runhistory serve --port 0` with `args`: the process, its URL (from its first line) and the
/// rest of its output.
pub fn serve(args: &[&std::ffi::OsStr]) -> (Child, String, BufReader<ChildStdout>) {
    let mut child = bin()
        .args(["serve", "--port", "0"])
        .args(args)
        .env_remove("RUNHISTORY_SERVER")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with("Listening on http://127.0.0.1:"), "{line}");
    let url = line.trim().trim_start_matches("Listening on ").to_string();
    (child, url, out)
}

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
