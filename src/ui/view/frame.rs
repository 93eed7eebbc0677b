//! The frame around every view: the top bar, the unreachable-server banner and the experiments list.

use super::super::command::Command;
use super::super::jobs_state::JobsState;
use super::super::state::Workbench;
use super::super::view_state::ViewState;
use super::Ctx;
use crate::api::Experiment;
use std::collections::BTreeSet;

/// What the top bar shows.
pub struct TopBar<'a> {
    pub source: &'a str,
    pub base_url: &'a str,
    /// Who we are on a server with users.
    pub signed_in: Option<&'a crate::api::users::User>,
    /// A filter is in force (the bar offers to clear it).
    pub filtered: bool,
    pub busy: bool,
    pub jobs: &'a JobsState,
    /// The dashboard as last built: its columns are what the filter box completes.
    pub dashboard: Option<std::sync::Arc<crate::ui::model::dashboard::DashboardModel>>,
}

impl<'a> TopBar<'a> {
    pub fn of(wb: &'a Workbench) -> TopBar<'a> {
        TopBar {
            source: wb.source(),
            base_url: wb.base_url(),
            signed_in: wb.signed_in(),
            filtered: !wb.filter().is_empty(),
            busy: wb.is_busy(),
            jobs: wb.jobs(),
            dashboard: wb.dashboard_model(),
        }
    }
}

pub fn top_bar(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, bar: &TopBar<'_>, vs: &mut ViewState) {
    egui::Panel::top("top_bar").show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.heading("Run History");
            ui.separator();
            let kind = if ctx.mlflow {
                " · MLflow server: our extensions unavailable"
            } else if ctx.read_only {
                " · read-only"
            } else {
                ""
            };
            ui.label(format!("{}{kind}", bar.source)).on_hover_text(bar.base_url);
            if let Some(user) = bar.signed_in {
                ui.label(format!("· {} ({})", user.name, user.role.name()))
                    .on_hover_text("Signed in: the server knows you by this token's user");
            }
            ui.separator();
            if ui.button("Refresh").clicked() {
                ctx.push(Command::Refresh);
            }
            let filter = egui::TextEdit::singleline(&mut vs.filter_input)
                .hint_text("Filter: metrics.Accuracy > 0.9 AND params.lr = '0.1'")
                // Narrower in a narrow window, so the bar's buttons keep their place.
                .desired_width((ui.available_width() - 420.0).clamp(160.0, 360.0));
            let resp = ui.add(filter).on_hover_text(FILTER_HELP);
            if std::mem::take(&mut vs.focus_filter) {
                resp.request_focus();
            }
            if resp.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                ctx.push(Command::ApplyFilter(vs.filter_input.clone()));
            }
            // Open while the box is typed in, and while the pointer is on the list (a click on it
            // takes the focus from the box first).
            let on_list = ui
                .input(|i| i.pointer.hover_pos())
                .zip(vs.completions_rect)
                .is_some_and(|(p, r)| r.contains(p));
            vs.completions_rect = None;
            if resp.has_focus() || on_list {
                filter_completions(ui, &resp, bar, vs);
            }
            if ui.button("Search").clicked() {
                ctx.push(Command::ApplyFilter(vs.filter_input.clone()));
            }
            if bar.filtered && ui.button("Clear filter").clicked() {
                vs.filter_input.clear();
                ctx.push(Command::ApplyFilter(String::new()));
            }
            super::jobs::jobs_button(ui, ctx, bar.jobs);
            if bar.busy {
                ui.spinner();
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let dark = ctx.settings.dark;
                if ui.button(if dark { "Light theme" } else { "Dark theme" }).clicked() {
                    ctx.push(Command::SetDark(!dark));
                }
            });
        });
    });
}

/// What the filter box takes, on hover.
const FILTER_HELP: &str = "metrics.KEY, params.KEY, tags.KEY and attributes (status, run_name, start_time…) \
compared with = != < <= > >= LIKE ILIKE IN; joined with AND, OR, NOT and parentheses. \
A name with spaces goes in backticks: metrics.`val loss` < 0.5. Text values in quotes: params.opt = 'adam'.";

/// Under the filter box while it is typed in: the keys that complete the word at its end.
fn filter_completions(ui: &mut egui::Ui, edit: &egui::Response, bar: &TopBar<'_>, vs: &mut ViewState) {
    let Some(model) = &bar.dashboard else { return };
    let found = crate::ui::model::filter::completions(&vs.filter_input, &model.catalog, 8);
    if found.is_empty() {
        return;
    }
    let mut chosen = None;
    let area = egui::Area::new(egui::Id::unique("filter_completions"))
        .order(egui::Order::Foreground)
        .fixed_pos(edit.rect.left_bottom())
        .show(ui.ctx(), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                for (label, text) in found {
                    if ui.selectable_label(false, label).clicked() {
                        chosen = Some(text);
                    }
                }
            });
        });
    match chosen {
        Some(text) => {
            vs.filter_input = text;
            edit.request_focus();
        }
        None => vs.completions_rect = Some(area.response.rect),
    }
}

pub fn banner(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, message: &str) {
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
                    format!("Server unreachable: {message}. Showing the last data fetched."),
                );
                if ui.button("Retry").clicked() {
                    ctx.push(Command::Refresh);
                }
            });
        });
}

/// What the last change of a run did, with Undo after a move to the trash: floated over the
/// bottom of the window, so nothing under the pointer moves when it appears.
pub fn notice(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, n: &crate::ui::state_manage::Notice) {
    let fill = if n.error {
        egui::Color32::from_rgb(140, 30, 30)
    } else {
        egui::Color32::from_rgb(30, 80, 50)
    };
    egui::Area::new(egui::Id::unique("notice"))
        .anchor(egui::Align2::CENTER_BOTTOM, egui::vec2(0.0, -16.0))
        .order(egui::Order::Foreground)
        .show(ui.ctx(), |ui| {
            egui::Frame::new()
                .fill(fill)
                .corner_radius(6)
                .inner_margin(8.0)
                .show(ui, |ui| {
                    ui.horizontal(|ui| {
                        ui.colored_label(egui::Color32::WHITE, &n.text);
                        if let Some(run_id) = &n.undo
                            && ui.button("Undo").clicked()
                        {
                            ctx.push(Command::ChangeRun {
                                run_id: run_id.clone(),
                                change: crate::ui::state_manage::RunChange::Restore,
                            });
                        }
                        if ui.small_button("Dismiss").clicked() {
                            ctx.push(Command::DismissNotice);
                        }
                    });
                });
        });
}

/// What the sidebar lists.
pub struct Sidebar<'a> {
    pub experiments: Option<&'a [Experiment]>,
    /// The experiments never arrived, and why.
    pub experiments_error: Option<&'a str>,
    pub experiment_id: Option<&'a str>,
    pub scripts: &'a BTreeSet<String>,
    pub script: Option<&'a str>,
    pub models_open: bool,
    pub trash_open: bool,
}

impl<'a> Sidebar<'a> {
    pub fn of(wb: &'a Workbench) -> Sidebar<'a> {
        Sidebar {
            experiments: wb.experiments(),
            experiments_error: wb.experiments_error().map(|e| e.message.as_str()),
            experiment_id: wb.experiment_id(),
            scripts: wb.scripts(),
            script: wb.script(),
            models_open: matches!(wb.route(), crate::ui::route::Route::Models(_)),
            trash_open: matches!(wb.route(), crate::ui::route::Route::Trash(_)),
        }
    }
}

pub fn sidebar(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, side: &Sidebar<'_>, jobs: &JobsState, vs: &mut ViewState) {
    egui::Panel::left("experiments")
        .resizable(true)
        .default_size(220.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.heading("Experiments");
                experiment_list(ui, ctx, side);
                ui.separator();
                if ui.selectable_label(side.models_open, "Registered models").clicked() && !side.models_open {
                    ctx.push(Command::ShowModels);
                }
                if ui
                    .selectable_label(side.trash_open, "Trash")
                    .on_hover_text("The chosen experiment's deleted runs")
                    .clicked()
                    && !side.trash_open
                {
                    ctx.push(Command::ShowTrash);
                }
                ui.separator();
                super::jobs::project_form(ui, ctx, jobs, vs);
            });
        });
}

fn experiment_list(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, side: &Sidebar<'_>) {
    let Some(exps) = side.experiments else {
        match side.experiments_error {
            // Loading forever is not an answer: say that they did not come, and why.
            Some(e) => {
                ui.colored_label(ui.visuals().error_fg_color, "Could not read the experiments.")
                    .on_hover_text(e);
            }
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Loading…");
                });
            }
        }
        return;
    };
    for e in exps {
        let selected = side.experiment_id == Some(e.experiment_id.as_str());
        if ui.selectable_label(selected, &e.name).clicked() && !selected {
            ctx.push(Command::SelectExperiment(e.experiment_id.clone()));
        }
        if selected && !side.scripts.is_empty() {
            ui.indent("scripts", |ui| {
                if ui.selectable_label(side.script.is_none(), "All scripts").clicked() {
                    ctx.push(Command::SelectScript(None));
                }
                for s in side.scripts {
                    let on = side.script == Some(s.as_str());
                    if ui.selectable_label(on, s.as_str()).clicked() {
                        ctx.push(Command::SelectScript(Some(s.clone())));
                    }
                }
            });
        }
    }
}
