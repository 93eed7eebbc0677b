//! The registered models page: a row per model, its versions when opened, each version linking to
//! the run it came from.

use super::super::command::Command;
use super::super::model::registry::{ModelsPage, VersionRow};
use super::super::models_state::ModelsState;
use super::Ctx;

pub fn show(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, state: &ModelsState) {
    ui.horizontal(|ui| {
        if ui.button("< Dashboard").clicked() {
            ctx.push(Command::ShowDashboard);
        }
        ui.heading("Registered models");
        if state.is_loading() {
            ui.spinner();
        }
    });
    if let Some(e) = state.models.error() {
        ui.colored_label(ui.visuals().error_fg_color, &e.message);
    }
    let Some(page) = state.page() else {
        if state.models.error().is_none() {
            ui.spinner();
        }
        return;
    };
    if page.rows.is_empty() {
        empty(ui);
        return;
    }
    egui::ScrollArea::both().auto_shrink(false).show(ui, |ui| {
        models(ui, ctx, &page, state.open.as_deref());
        if let Some((name, versions)) = &page.open {
            ui.separator();
            ui.heading(format!("Versions of {name}"));
            if let Some(e) = state.versions.error() {
                ui.colored_label(ui.visuals().error_fg_color, &e.message);
            }
            versions_grid(ui, ctx, versions);
        }
    });
}

fn empty(ui: &mut egui::Ui) {
    ui.add_space(12.0);
    ui.label("No registered models yet. Register a run's files as a model version:");
    ui.code("runhistory promote -r RUN --artifact-prefix outputs -n NAME");
    ui.label("or from an MLflow script:");
    ui.code("mlflow.sklearn.log_model(model, name=\"model\", registered_model_name=\"NAME\")");
}

fn models(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, page: &ModelsPage, open: Option<&str>) {
    egui::Grid::new("registered_models")
        .striped(true)
        .num_columns(6)
        .spacing([16.0, 6.0])
        .show(ui, |ui| {
            for h in ["Model", "Latest", "Stages", "Aliases", "Updated", "Description"] {
                ui.strong(h);
            }
            ui.end_row();
            for row in &page.rows {
                let is_open = open == Some(row.name.as_str());
                if ui
                    .selectable_label(is_open, &row.name)
                    .on_hover_text("Show its versions")
                    .clicked()
                {
                    ctx.push(Command::ToggleModel(row.name.clone()));
                }
                ui.label(if row.latest.is_empty() { "—" } else { &row.latest });
                ui.label(&row.stages);
                ui.label(&row.aliases);
                ui.label(&row.updated);
                ui.label(&row.description);
                ui.end_row();
            }
        });
}

fn versions_grid(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, versions: &[VersionRow]) {
    if versions.is_empty() {
        ui.label("No versions.");
        return;
    }
    egui::Grid::new("model_versions")
        .striped(true)
        .num_columns(6)
        .spacing([16.0, 6.0])
        .show(ui, |ui| {
            for h in ["Version", "Stage", "Aliases", "Run", "Created", "Source"] {
                ui.strong(h);
            }
            ui.end_row();
            for v in versions {
                ui.label(&v.version).on_hover_text(&v.description);
                ui.label(&v.stage);
                ui.label(&v.aliases);
                match &v.run_id {
                    Some(run) => {
                        let short: String = run.chars().take(8).collect();
                        if ui.link(format!("run {short}…")).on_hover_text("Open the run").clicked() {
                            ctx.push(Command::OpenRun(run.clone()));
                        }
                    }
                    None => {
                        ui.label("—");
                    }
                }
                ui.label(&v.created);
                ui.label(&v.source);
                ui.end_row();
            }
        });
}
