//! Tracked runs on screen: the project folder and run form (in the sidebar), the jobs panel, and
//! the restore dialog.

use super::super::command::Command;
use super::super::jobs_state::JobsState;
use super::super::model::jobs::{job_rows, running_count};
use super::super::restore_state::RestoreState;
use super::super::view_state::ViewState;
use super::Ctx;
use std::time::Instant;

/// The project folder, its scripts, the arguments box and Run.
pub fn project_form(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, jobs: &JobsState, vs: &mut ViewState) {
    ui.heading("Project");
    if ctx.mlflow {
        ui.small("Tracked runs need a Run History server; this is a stock MLflow server.");
        return;
    }
    if ctx.read_only {
        ui.small("Tracked runs log new runs; this history is read in place, read-only.");
        return;
    }
    match &ctx.settings.project_folder {
        Some(f) => {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            ui.label(name).on_hover_text(f.display().to_string());
        }
        None => {
            ui.label("No folder open.");
        }
    }
    if ui.button("Open folder…").clicked() {
        ctx.push(Command::PickProjectFolder);
    }
    ui.horizontal(|ui| {
        let resp = ui.add(
            egui::TextEdit::singleline(&mut vs.folder_input)
                .hint_text("or type a folder")
                .desired_width(140.0),
        );
        let enter = resp.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.button("Open").clicked() || enter) && !vs.folder_input.trim().is_empty() {
            ctx.push(Command::OpenProjectFolder(vs.folder_input.trim().into()));
        }
    });
    if let Some(note) = &jobs.folder_pick.note {
        ui.small(note);
    }
    if let Some(e) = jobs.scripts.error() {
        ui.colored_label(ui.visuals().error_fg_color, &e.message);
    }
    if let Some(scripts) = jobs.scripts.value() {
        if scripts.is_empty() {
            ui.small("No .py or .sh scripts in this folder.");
        }
        if !scripts.is_empty() {
            ui.small("Script");
        }
        for s in scripts {
            let on = jobs.script.as_deref() == Some(s.as_str());
            if ui.selectable_label(on, s.as_str()).clicked() {
                ctx.push(Command::SelectProjectScript(s.clone()));
            }
        }
    }
    if ctx.settings.project_folder.is_some() {
        ui.small("Arguments");
        ui.add(
            egui::TextEdit::singleline(&mut vs.args_input)
                .hint_text("e.g. 0.01 --epochs 5")
                .desired_width(f32::INFINITY),
        );
        let can_run = jobs.script.is_some();
        if ui.add_enabled(can_run, egui::Button::new("Run")).clicked() {
            ctx.push(Command::StartRun(vs.args_input.clone()));
        }
    }
    if let Some(e) = &jobs.error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
}

/// The top bar's button for the jobs panel.
pub fn jobs_button(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, jobs: &JobsState) {
    let views = jobs.views();
    if views.is_empty() && !jobs.is_starting() {
        return;
    }
    let running = running_count(views);
    let label = if running > 0 {
        format!("Jobs ({running} running)")
    } else {
        format!("Jobs ({})", views.len())
    };
    if ui.selectable_label(jobs.panel_open, label).clicked() {
        ctx.push(Command::ToggleJobs);
    }
}

/// Each job: status, elapsed time, the tail of its output, Cancel or Open.
pub fn jobs_panel(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, jobs: &JobsState, vs: &mut ViewState) {
    if !jobs.panel_open {
        return;
    }
    let views = jobs.views();
    // Wide enough to read, never more than about half of what the sidebar leaves.
    let max = (ui.available_width() * 0.45).max(240.0);
    egui::Panel::right("jobs_panel")
        .resizable(true)
        .default_size(340.0_f32.min(max))
        .size_range(240.0..=max)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Jobs");
                if jobs.is_starting() {
                    ui.spinner();
                }
            });
            egui::ScrollArea::vertical().id_salt("jobs_scroll").show(ui, |ui| {
                for row in job_rows(views, Instant::now()) {
                    egui::Frame::group(ui.style()).show(ui, |ui| {
                        ui.set_width(ui.available_width());
                        ui.strong(&row.title);
                        ui.horizontal_wrapped(|ui| {
                            ui.label(format!("{} · {}", row.status, row.elapsed));
                            if ui.button("Open run").clicked() {
                                ctx.push(Command::OpenRun(row.run_id.clone()));
                            }
                            if !row.running {
                                return;
                            }
                            // Stopping a run is not undone: it asks once.
                            if vs.confirm_cancel.as_deref() == Some(row.run_id.as_str()) {
                                if ui.button("Stop it").clicked() {
                                    vs.confirm_cancel = None;
                                    ctx.push(Command::CancelJob(row.run_id.clone()));
                                }
                                if ui.button("Keep running").clicked() {
                                    vs.confirm_cancel = None;
                                }
                            } else if ui.button("Cancel").clicked() {
                                vs.confirm_cancel = Some(row.run_id.clone());
                            }
                        });
                        // One line of output per line on screen, cut at the panel's edge
                        // (hover for the whole line).
                        for line in &row.tail {
                            ui.add(
                                egui::Label::new(egui::RichText::new(line).monospace())
                                    .wrap_mode(egui::TextWrapMode::Truncate),
                            );
                        }
                    });
                }
            });
        });
}

/// The restore dialog: the plan, then Restore or Cancel; afterwards, Undo.
pub fn restore_dialog(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, r: &RestoreState) {
    egui::Window::new("Restore project folder")
        .collapsible(false)
        .resizable(true)
        .default_width(520.0)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ui.ctx(), |ui| {
            ui.strong(r.title());
            ui.label(format!("Folder: {}", r.project.display()));
            if let Some(e) = r.plan.error() {
                ui.colored_label(ui.visuals().error_fg_color, &e.message);
            }
            if let Some(e) = r.applied.error() {
                ui.colored_label(ui.visuals().error_fg_color, &e.message);
            }
            if let Some(backup) = r.applied.value() {
                ui.label(format!(
                    "Restored. The folder as it was is kept as snapshot {}.",
                    backup.snapshot_id
                ));
                ui.horizontal(|ui| {
                    if ui.button("Undo").clicked() {
                        ctx.push(Command::PlanRestoreSnapshot(backup.snapshot_id));
                    }
                    if ui.button("Close").clicked() {
                        ctx.push(Command::CloseRestore);
                    }
                });
                return;
            }
            let Some((_, plan)) = r.plan.value() else {
                ui.spinner();
                if ui.button("Cancel").clicked() {
                    ctx.push(Command::CloseRestore);
                }
                return;
            };
            ui.label(plan.summary());
            egui::ScrollArea::vertical().max_height(260.0).show(ui, |ui| {
                for line in plan.lines() {
                    ui.monospace(line);
                }
            });
            ui.label("The folder as it is now is snapshotted first, so this can be undone.");
            ui.horizontal(|ui| {
                let busy = r.applied.is_loading();
                if ui
                    .add_enabled(!plan.is_empty() && !busy, egui::Button::new("Restore"))
                    .clicked()
                {
                    ctx.push(Command::ConfirmRestore);
                }
                if ui.button("Cancel").clicked() {
                    ctx.push(Command::CloseRestore);
                }
                if busy {
                    ui.spinner();
                }
            });
            if plan.is_empty() {
                ui.label("Nothing to do: the folder already matches.");
            }
        });
}
