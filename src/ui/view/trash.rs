//! An experiment's trash: its deleted runs, each with Restore.

use super::super::command::Command;
use super::super::state_manage::RunChange;
use super::super::trash_state::TrashState;
use super::Ctx;
use crate::format::fmt_time;

pub fn show(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, trash: &TrashState, experiment_name: &str) {
    ui.horizontal(|ui| {
        if ui.button("< Dashboard").clicked() {
            ctx.push(Command::ShowDashboard);
        }
        ui.heading(format!("Trash of {experiment_name}"));
        if trash.runs.is_loading() {
            ui.spinner();
        }
    });
    if let Some(e) = trash.runs.error() {
        ui.colored_label(ui.visuals().error_fg_color, &e.message);
    }
    let Some(runs) = trash.runs.value() else { return };
    if runs.is_empty() {
        ui.label("The trash is empty. A run moved to the trash (from its details, or `runhistory delete -r RUN`) waits here until you restore it.");
        return;
    }
    ui.label(format!(
        "{}. Restore brings a run back to the dashboard with everything it logged.",
        crate::format::runs(runs.len())
    ));
    egui::ScrollArea::both().auto_shrink(false).show(ui, |ui| {
        egui::Grid::new("trash_grid")
            .striped(true)
            .num_columns(4)
            .spacing([16.0, 6.0])
            .show(ui, |ui| {
                for h in ["Run", "Name", "Started", ""] {
                    ui.strong(h);
                }
                ui.end_row();
                for r in runs {
                    ui.label(if r.run_number > 0 {
                        r.run_number.to_string()
                    } else {
                        "—".into()
                    });
                    ui.label(&r.name);
                    ui.label(r.start_time.map(fmt_time).unwrap_or_default());
                    if !ctx.read_only && ui.button("Restore").clicked() {
                        ctx.push(Command::ChangeRun {
                            run_id: r.run_id.clone(),
                            change: RunChange::Restore,
                        });
                    }
                    ui.end_row();
                }
            });
    });
}
