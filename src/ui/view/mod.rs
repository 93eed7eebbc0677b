//! Drawing: each view reads the workbench state and pushes commands; none fetches or builds a URL.

mod chart;
mod compare;
mod dashboard;
mod details;
mod frame;
mod grid;
mod jobs;

use super::command::Command;
use super::state::{View, Workbench};
use std::time::Instant;

/// The whole window, one frame. Views push commands; they are applied after drawing.
pub fn workbench_ui(ui: &mut egui::Ui, wb: &mut Workbench) {
    wb.poll(Instant::now());
    let mut cmds: Vec<Command> = Vec::new();
    frame::top_bar(ui, wb, &mut cmds);
    frame::banner(ui, wb, &mut cmds);
    frame::sidebar(ui, wb, &mut cmds);
    jobs::jobs_panel(ui, wb, &mut cmds);
    jobs::restore_dialog(ui, wb, &mut cmds);
    egui::CentralPanel::default().show(ui, |ui| match wb.view {
        View::Dashboard => dashboard::show(ui, wb, &mut cmds),
        View::Details => details::show(ui, wb, &mut cmds),
        View::Compare => compare::show(ui, wb, &mut cmds),
    });
    for c in cmds {
        wb.apply(c);
    }
    ui.ctx().request_repaint_after(wb.next_wake());
}

/// The status colour of a run.
pub(crate) fn status_color(status: crate::api::ext::RunStatus) -> egui::Color32 {
    let [r, g, b] = super::model::columns::status_rgb(status);
    egui::Color32::from_rgb(r, g, b)
}
