//! The desktop workbench (eframe/egui): dashboard, details and compare over the history API.

pub mod command;
pub mod compare_state;
pub mod details_state;
pub mod feed;
pub mod fetch;
pub mod folder_pick;
pub mod jobs_state;
pub mod model;
pub mod preview;
pub mod restore_state;
pub mod settings;
pub mod state;
mod state_tracked;
pub mod view;

use crate::client::HistoryClient;
use crate::server::EmbeddedServer;
use crate::store::Store;
use fetch::Spawner;
use settings::{STORAGE_KEY, Settings};
use state::Workbench;
use std::path::PathBuf;
use std::sync::Arc;

pub use view::workbench_ui;

/// Where the workbench reads from.
pub enum Source {
    /// Our server, started in-process over this store folder.
    Embedded(PathBuf),
    Remote {
        url: String,
        token: Option<String>,
    },
}

/// The eframe application: the workbench plus what must live as long as the window.
pub struct WorkbenchApp {
    pub wb: Workbench,
    _server: Option<EmbeddedServer>,
    _runtime: tokio::runtime::Runtime,
    applied_dark: Option<bool>,
}

impl WorkbenchApp {
    pub fn new(source: Source, settings: Settings, repaint: Option<egui::Context>) -> Result<WorkbenchApp, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("workbench-io")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the I/O runtime: {e}"))?;
        let (server, url, token, label) = match source {
            Source::Embedded(dir) => {
                let store = Store::open(&dir).map_err(|e| format!("cannot open the store {}: {e}", dir.display()))?;
                let server = EmbeddedServer::start(Arc::new(store), None)
                    .map_err(|e| format!("cannot start the embedded server: {e}"))?;
                let url = server.url();
                (Some(server), url, None, format!("Store {}", dir.display()))
            }
            Source::Remote { url, token } => (None, url.clone(), token, url),
        };
        let client = HistoryClient::new(&url, token).map_err(|e| e.to_string())?;
        let spawner = Spawner {
            rt: runtime.handle().clone(),
            repaint,
        };
        Ok(WorkbenchApp {
            wb: Workbench::new(client, spawner, label, settings),
            _server: server,
            _runtime: runtime,
            applied_dark: None,
        })
    }
}

impl eframe::App for WorkbenchApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if self.applied_dark != Some(self.wb.settings.dark) {
            self.applied_dark = Some(self.wb.settings.dark);
            ui.ctx().set_theme(if self.wb.settings.dark {
                egui::Theme::Dark
            } else {
                egui::Theme::Light
            });
        }
        workbench_ui(ui, &mut self.wb);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.wb.settings);
    }
}

/// Opens the window and returns when it is closed; `project` opens that project folder.
pub fn run(source: Source, project: Option<PathBuf>) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Run History Workbench")
            .with_inner_size([1400.0, 900.0]),
        persist_window: true,
        ..Default::default()
    };
    let mut source = Some(source);
    let mut project = project.and_then(|p| std::path::absolute(p).ok());
    eframe::run_native(
        "Run History Workbench",
        options,
        Box::new(move |cc| {
            let mut settings: Settings = cc
                .storage
                .and_then(|s| eframe::get_value(s, STORAGE_KEY))
                .unwrap_or_default();
            if let Some(p) = project.take() {
                settings.project_folder = Some(p);
            }
            let source = source.take().ok_or("the window was created twice")?;
            let app = WorkbenchApp::new(source, settings, Some(cc.egui_ctx.clone()))?;
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| format!("cannot open the window: {e}"))
}
