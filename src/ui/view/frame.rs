//! The frame around every view: the top bar, the unreachable-server banner and the experiments list.

use super::super::command::Command;
use super::super::state::Workbench;
use crate::client::Flavor;

pub fn top_bar(ui: &mut egui::Ui, wb: &mut Workbench, cmds: &mut Vec<Command>) {
    egui::Panel::top("top_bar").show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.heading("Run History");
            ui.separator();
            let kind = match wb.flavor.value() {
                Some(Flavor::Mlflow) => " · MLflow server: our extensions unavailable",
                _ => "",
            };
            ui.label(format!("{}{kind}", wb.source))
                .on_hover_text(wb.client.base_url());
            ui.separator();
            if ui.button("Refresh").clicked() {
                cmds.push(Command::Refresh);
            }
            let filter = egui::TextEdit::singleline(&mut wb.filter_input)
                .hint_text("Filter: metrics.Accuracy > 0.9 AND params.lr = '0.1'")
                .desired_width(360.0);
            let resp = ui.add(filter);
            if resp.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                cmds.push(Command::ApplyFilter);
            }
            if ui.button("Search").clicked() {
                cmds.push(Command::ApplyFilter);
            }
            if !wb.filter.is_empty() && ui.button("Clear filter").clicked() {
                wb.filter_input.clear();
                cmds.push(Command::ApplyFilter);
            }
            super::jobs::jobs_button(ui, wb, cmds);
            if wb.is_busy() {
                ui.spinner();
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let dark = wb.settings.dark;
                if ui.button(if dark { "Light theme" } else { "Dark theme" }).clicked() {
                    cmds.push(Command::SetDark(!dark));
                }
            });
        });
    });
}

pub fn banner(ui: &mut egui::Ui, wb: &mut Workbench, cmds: &mut Vec<Command>) {
    let Some(err) = wb.unreachable().cloned() else { return };
    egui::Panel::top("banner")
        .frame(
            egui::Frame::new()
                .fill(egui::Color32::from_rgb(140, 30, 30))
                .inner_margin(6.0),
        )
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.colored_label(
                    egui::Color32::WHITE,
                    format!("Server unreachable: {}. Showing the last data fetched.", err.message),
                );
                if ui.button("Retry").clicked() {
                    cmds.push(Command::Refresh);
                }
            });
        });
}

pub fn sidebar(ui: &mut egui::Ui, wb: &mut Workbench, cmds: &mut Vec<Command>) {
    egui::Panel::left("experiments")
        .resizable(true)
        .default_size(220.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.heading("Experiments");
                experiment_list(ui, wb, cmds);
                ui.separator();
                super::jobs::project_form(ui, wb, cmds);
            });
        });
}

fn experiment_list(ui: &mut egui::Ui, wb: &Workbench, cmds: &mut Vec<Command>) {
    let Some(exps) = wb.experiments.value() else {
        ui.label("Loading…");
        return;
    };
    for e in exps {
        let selected = wb.experiment_id.as_deref() == Some(&e.experiment_id);
        if ui.selectable_label(selected, &e.name).clicked() && !selected {
            cmds.push(Command::SelectExperiment(e.experiment_id.clone()));
        }
        if selected && !wb.scripts.is_empty() {
            ui.indent("scripts", |ui| {
                if ui.selectable_label(wb.script.is_none(), "All scripts").clicked() {
                    cmds.push(Command::SelectScript(None));
                }
                for s in &wb.scripts {
                    let on = wb.script.as_deref() == Some(s);
                    if ui.selectable_label(on, s.as_str()).clicked() {
                        cmds.push(Command::SelectScript(Some(s.clone())));
                    }
                }
            });
        }
    }
}
