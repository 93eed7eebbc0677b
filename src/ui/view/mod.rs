//! Drawing: each view reads a borrowed bundle and its own view state and pushes commands; none
//! fetches, builds a URL or changes the workbench's state.

mod chart;
mod chart_picture;
mod compare;
mod curve_groups;
mod curve_header;
mod curve_raster;
pub mod curves;
mod dashboard;
mod details;
mod frame;
mod grid;
mod jobs;
mod keys;
mod models;
pub mod palette;
mod parallel;
mod run_edit;
mod scatter;
mod step_images;
mod trash;

use super::command::Command;
use super::route::Route;
use super::settings::Settings;
use super::state::Workbench;
use super::view_state::ViewState;

/// What every view of one frame may read, and where it pushes what the user asked for.
pub struct Ctx<'a> {
    pub settings: &'a Settings,
    pub now_ms: i64,
    /// The server is a stock MLflow server: our extensions (tracked runs) are unavailable.
    pub mlflow: bool,
    /// The history is read-only (read in place): no view offers to change it.
    pub read_only: bool,
    pub cmds: &'a mut Vec<Command>,
}

impl Ctx<'_> {
    pub fn push(&mut self, cmd: Command) {
        self.cmds.push(cmd);
    }
}

/// The whole window, one frame: returns the commands the views pushed (the logic applies them).
pub fn workbench_ui(ui: &mut egui::Ui, wb: &Workbench, vs: &mut ViewState) -> Vec<Command> {
    let mut cmds = Vec::new();
    let mut ctx = Ctx {
        settings: wb.settings(),
        now_ms: crate::api::ids::now_ms(),
        mlflow: wb.is_mlflow(),
        read_only: !wb.may_write(),
        cmds: &mut cmds,
    };
    let dashboard = wb.dashboard_model();
    // The run hovered in the last frame is highlighted in this one; a change draws once more.
    let hovered = vs.hovered_next.take();
    if hovered != vs.hovered_run {
        ui.ctx().request_repaint();
        vs.hovered_run = hovered;
    }
    chart_picture::take(ui, &mut ctx, wb.chart_picture(), vs);
    keys::handle(ui, &mut ctx, wb.route(), dashboard.as_deref(), vs);
    keys::help(ui, vs);
    frame::top_bar(ui, &mut ctx, &frame::TopBar::of(wb), vs);
    if let Some(err) = wb.unreachable() {
        frame::banner(ui, &mut ctx, &err.message);
    }
    frame::sidebar(ui, &mut ctx, &frame::Sidebar::of(wb), wb.jobs(), vs);
    jobs::jobs_panel(ui, &mut ctx, wb.jobs(), vs);
    if let Some(r) = wb.restore() {
        jobs::restore_dialog(ui, &mut ctx, r);
    }
    // Textures of compared images live while their runs are compared, and no longer.
    match wb.route() {
        Route::Compare(c) => vs.compare_textures.retain(|(run, _), _| c.run_ids.contains(run)),
        _ => vs.compare_textures.clear(),
    }
    if let Some(n) = wb.notice() {
        frame::notice(ui, &mut ctx, n);
    }
    let experiment_name = wb.summary().map(|s| s.experiment.name.clone()).unwrap_or_default();
    egui::CentralPanel::default().show(ui, |ui| match wb.route() {
        Route::Dashboard => dashboard::show(ui, &mut ctx, &dashboard::Page::of(wb), vs),
        Route::Details(d) => details::show(ui, &mut ctx, d, vs),
        Route::Compare(c) => compare::show(ui, &mut ctx, c, vs),
        Route::Models(m) => models::show(ui, &mut ctx, m),
        Route::Trash(t) => trash::show(ui, &mut ctx, t, &experiment_name),
    });
    cmds
}

/// The status colour of a run.
pub(crate) fn status_color(status: crate::api::ext::RunStatus) -> egui::Color32 {
    let [r, g, b] = super::model::columns::status_rgb(status);
    egui::Color32::from_rgb(r, g, b)
}
