//! What the integration tests share: the `runhistory` binary and a `serve` process started from
//! it; stores on either database, and tests run on both; a headless workbench window over a real
//! embedded server and store, stepped until the data has arrived.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    dead_code,
    reason = "test helpers; each test file uses some of them"
)]

pub mod curves;

use egui_kittest::Harness;
use runhistory::connect::Source;
use runhistory::store::Store;
use runhistory::store::pg_testing::TestDatabase;
use runhistory::ui::WorkbenchApp;
use runhistory::ui::settings::Settings;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// The `runhistory` binary of this build.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_runhistory"))
}

/// A `runhistory serve` process, stopped when dropped: a test that fails half-way leaves no server
/// behind holding its output pipe open.
pub struct Served {
    pub process: Child,
    pub url: String,
    /// The rest of its output, after the line with its address.
    pub out: BufReader<ChildStdout>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// `runhistory serve --port 0` with `args`, its URL read from its first line.
pub fn serve(args: &[&std::ffi::OsStr]) -> Served {
    let mut process = bin()
        .args(["serve", "--port", "0"])
        .args(args)
        .env_remove("RUNHISTORY_SERVER")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(process.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with("Listening on http://127.0.0.1:"), "{line}");
    let url = line.trim().trim_start_matches("Listening on ").to_string();
    Served { process, url, out }
}

/// The database a test's store keeps its rows in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    Sqlite,
    Postgres,
}

/// A store for a test, with the PostgreSQL database it lives in (dropped after the store).
pub struct TestStore {
    pub store: Arc<Store>,
    pub database: Option<TestDatabase>,
}

impl TestStore {
    /// Another store over the same rows and files, as a second server replica opens them.
    pub fn replica(&self, dir: &Path) -> Arc<Store> {
        Arc::new(match &self.database {
            None => Store::open(dir).unwrap(),
            Some(db) => Store::open_postgres(db.url(), dir).unwrap(),
        })
    }
}

/// A store of `rows`' kind with its files in `dir` (SQLite's file too). None, said on stdout,
/// where no PostgreSQL answers outside CI (under CI it must).
pub fn store(rows: Rows, dir: &Path, what: &str) -> Option<TestStore> {
    match rows {
        Rows::Sqlite => Some(TestStore {
            store: Arc::new(Store::open(dir).unwrap()),
            database: None,
        }),
        Rows::Postgres => {
            let database = TestDatabase::create(what)?;
            let store = Arc::new(Store::open_postgres(database.url(), dir).unwrap());
            Some(TestStore {
                store,
                database: Some(database),
            })
        }
    }
}

/// Makes each named test `fn(Rows)` into two tests, `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {
        $(
            mod $test {
                #[test]
                fn sqlite() {
                    super::$test($crate::common::Rows::Sqlite)
                }
                #[test]
                fn postgres() {
                    super::$test($crate::common::Rows::Postgres)
                }
            }
        )*
    };
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

/// A pointer moved to `pos`, then a primary click there, a frame for each step.
pub fn click_at(h: &mut Harness<'static, WorkbenchApp>, pos: egui::Pos2) {
    h.event(egui::Event::PointerMoved(pos));
    h.step();
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Default::default(),
        });
        h.step();
    }
}
