//! The desktop workbench (eframe/egui): dashboard, details, compare and jobs over the history API.
//! `WorkbenchApp` splits each frame as eframe does: `logic` (commands, fetches, models; it runs
//! while the window is hidden too) and `ui` (drawing only, which pushes commands).

pub mod command;
mod command_handling;
pub mod compare_state;
pub mod curves_state;
pub mod details_state;
pub mod feed;
pub mod fetch;
pub mod folder_pick;
pub mod jobs_state;
pub mod model;
pub mod models_state;
pub mod preview;
pub mod restore_state;
pub mod route;
pub mod settings;
pub mod state;
mod state_dashboard;
mod state_manage;
mod state_tracked;
pub mod trash_state;
pub mod view;
pub mod view_state;

use crate::connect::{ConnectError, Connection, Source, connect};
use command::Command;
use fetch::Spawner;
use settings::{STORAGE_KEY, Settings};
use state::Workbench;
use std::path::PathBuf;
use std::time::Instant;
use view_state::ViewState;

#[derive(Debug, thiserror::Error)]
pub enum WorkbenchError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("cannot start the I/O runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot open the window: {0}")]
    Window(String),
}

/// The eframe application: the workbench's logic, its views' own state, and what must live as long
/// as the window (the connection, with the in-process server if there is one, and the runtime).
pub struct WorkbenchApp {
    pub wb: Workbench,
    pub view: ViewState,
    /// What the views asked for in the last frame, applied by the next `logic`.
    pending: Vec<Command>,
    applied_dark: Option<bool>,
    _connection: Connection,
    _runtime: tokio::runtime::Runtime,
}

impl WorkbenchApp {
    pub fn new(
        source: Source,
        settings: Settings,
        repaint: Option<egui::Context>,
    ) -> Result<WorkbenchApp, WorkbenchError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("workbench-io")
            .enable_all()
            .build()
            .map_err(WorkbenchError::Runtime)?;
        let connection = connect(source)?;
        let spawner = Spawner {
            rt: runtime.handle().clone(),
            repaint,
        };
        Ok(WorkbenchApp {
            wb: Workbench::new(
                connection.client.clone(),
                spawner,
                (connection.label.clone(), connection.identity.clone()),
                settings,
            ),
            view: ViewState::default(),
            pending: Vec::new(),
            applied_dark: None,
            _connection: connection,
            _runtime: runtime,
        })
    }

    /// Writes the demo project into `dir` and starts its runs (on the first frame).
    pub fn start_demo(&mut self, dir: PathBuf) {
        self.wb.set_demo_dir(dir);
        self.pending.push(Command::RunDemo);
    }

    /// The logic half of a frame: what eframe's `logic` runs.
    pub fn logic_pass(&mut self, ctx: &egui::Context) {
        self.wb.logic(Instant::now(), std::mem::take(&mut self.pending));
        let dark = self.wb.settings().dark;
        if self.applied_dark != Some(dark) {
            self.applied_dark = Some(dark);
            ctx.set_theme(if dark { egui::Theme::Dark } else { egui::Theme::Light });
        }
        ctx.request_repaint_after(self.wb.next_wake());
    }

    /// The drawing half of a frame: what eframe's `ui` runs. A command asks for another frame, so
    /// that the logic applies it at once.
    pub fn ui_pass(&mut self, ui: &mut egui::Ui) {
        let cmds = view::workbench_ui(ui, &self.wb, &mut self.view);
        if !cmds.is_empty() {
            ui.ctx().request_repaint();
        }
        self.pending.extend(cmds);
    }

    /// Both halves, for a harness that only has a `Ui` (tests, the frame benchmark).
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        self.logic_pass(ui.ctx());
        self.ui_pass(ui);
    }
}

impl eframe::App for WorkbenchApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.logic_pass(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_pass(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, self.wb.settings());
    }
}

/// How the window opens.
#[derive(Debug, Clone, PartialEq)]
pub enum Opening {
    /// As it was left.
    AsBefore,
    /// With this project folder open.
    Project(PathBuf),
    /// Writing the demo project into this folder and starting its runs at once, so they appear
    /// live in the jobs panel and the dashboard.
    Demo(PathBuf),
}

/// Opens the window and returns when it is closed.
pub fn run(source: Source, opening: Opening) -> Result<(), WorkbenchError> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Run History Workbench")
            .with_inner_size([1400.0, 900.0]),
        persist_window: true,
        ..Default::default()
    };
    let mut source = Some(source);
    let mut opening = Some(opening);
    eframe::run_native(
        "Run History Workbench",
        options,
        Box::new(move |cc| {
            let mut settings: Settings = cc
                .storage
                .and_then(|s| eframe::get_value(s, STORAGE_KEY))
                .unwrap_or_default();
            let opening = opening.take().unwrap_or(Opening::AsBefore);
            if let Opening::Project(p) = &opening {
                settings.project_folder = std::path::absolute(p).ok();
            }
            let source = source.take().ok_or("the window was created twice")?;
            let mut app = WorkbenchApp::new(source, settings, Some(cc.egui_ctx.clone()))?;
            if let Opening::Demo(dir) = opening {
                app.start_demo(std::path::absolute(&dir).unwrap_or(dir));
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| WorkbenchError::Window(e.to_string()))
}
