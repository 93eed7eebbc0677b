//! Managing the open run: its name, its description (markdown, shown rendered), its tags, and
//! moving it to the trash. What is typed lives in the view state; a save is one command.

use super::super::command::Command;
use super::super::model::run_page::DetailsModel;
use super::super::state_manage::RunChange;
use super::super::view_state::ViewState;
use super::Ctx;

fn change(ctx: &mut Ctx<'_>, run_id: &str, change: RunChange) {
    ctx.push(Command::ChangeRun {
        run_id: run_id.to_string(),
        change,
    });
}

/// The run's title with Rename; while renaming, the name being typed with Save and Cancel.
pub fn name_bar(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, run_id: &str, name: &str, title: &str, vs: &mut ViewState) {
    ui.horizontal(|ui| {
        let editing = vs.rename.as_ref().is_some_and(|(id, _)| id == run_id);
        if !editing {
            ui.heading(title);
            if !ctx.read_only && ui.small_button("Rename").clicked() {
                vs.rename = Some((run_id.to_string(), name.to_string()));
                vs.focus_edit = true;
            }
            return;
        }
        let Some((_, text)) = vs.rename.as_mut() else { return };
        let edit = ui.add(
            egui::TextEdit::singleline(text)
                .hint_text("the run's name")
                .desired_width(260.0),
        );
        if std::mem::take(&mut vs.focus_edit) {
            edit.request_focus();
        }
        let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button("Save").clicked() || enter {
            let name = text.clone();
            vs.rename = None;
            change(ctx, run_id, RunChange::Rename(name));
        } else if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            vs.rename = None;
        }
    });
}

/// The description rendered as markdown, or the text being edited.
pub fn description(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, run_id: &str, m: &DetailsModel, vs: &mut ViewState) {
    let editing = vs.describe.as_ref().is_some_and(|(id, _)| id == run_id);
    let title = if m.description.is_empty() {
        "Description (none)"
    } else {
        "Description"
    };
    egui::CollapsingHeader::new(title)
        .id_salt("description")
        .default_open(!m.description.is_empty())
        .show(ui, |ui| {
            if !editing {
                if !m.description.is_empty() {
                    egui_commonmark::CommonMarkViewer::new().show(ui, &mut vs.markdown, &m.description);
                }
                if !ctx.read_only && ui.small_button("Edit description").clicked() {
                    vs.describe = Some((run_id.to_string(), m.description.clone()));
                    vs.focus_edit = true;
                }
                return;
            }
            let Some((_, text)) = vs.describe.as_mut() else { return };
            let edit = ui.add(
                egui::TextEdit::multiline(text)
                    .hint_text("Notes on this run, in markdown")
                    .desired_rows(6)
                    .desired_width(f32::INFINITY),
            );
            if std::mem::take(&mut vs.focus_edit) {
                edit.request_focus();
            }
            let text = text.clone();
            let (save, cancel) = ui
                .horizontal(|ui| (ui.button("Save description").clicked(), ui.button("Cancel").clicked()))
                .inner;
            if save {
                vs.describe = None;
                change(ctx, run_id, RunChange::Describe(text));
            } else if cancel {
                vs.describe = None;
            }
        });
}

/// The user's tags with Remove each, a row to add one, and the tools' tags apart.
pub fn tags(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, run_id: &str, m: &DetailsModel, vs: &mut ViewState) {
    egui::CollapsingHeader::new(format!("Tags ({})", m.tags.len()))
        .id_salt("tags")
        .default_open(!m.tags.is_empty())
        .show(ui, |ui| {
            egui::Grid::new("tags_grid")
                .num_columns(3)
                .striped(true)
                .show(ui, |ui| {
                    for (k, v) in &m.tags {
                        ui.label(k);
                        ui.label(v);
                        if !ctx.read_only
                            && ui
                                .small_button("Remove")
                                .on_hover_text(format!("Remove tag {k}"))
                                .clicked()
                        {
                            change(ctx, run_id, RunChange::RemoveTag(k.clone()));
                        }
                        ui.end_row();
                    }
                });
            if !ctx.read_only {
                ui.horizontal(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut vs.tag_key)
                            .hint_text("key")
                            .desired_width(120.0),
                    );
                    let value = ui.add(
                        egui::TextEdit::singleline(&mut vs.tag_value)
                            .hint_text("value")
                            .desired_width(160.0),
                    );
                    let enter = value.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    let key = vs.tag_key.trim().to_string();
                    let add = ui.add_enabled(!key.is_empty(), egui::Button::new("Add tag"));
                    if add.clicked() || (enter && !key.is_empty()) {
                        change(ctx, run_id, RunChange::SetTag(key, vs.tag_value.clone()));
                        vs.tag_key.clear();
                        vs.tag_value.clear();
                    }
                });
            }
            if !m.system_tags.is_empty() {
                egui::CollapsingHeader::new(format!("Tools' tags ({})", m.system_tags.len()))
                    .id_salt("system_tags")
                    .show(ui, |ui| {
                        egui::Grid::new("system_tags_grid")
                            .num_columns(2)
                            .striped(true)
                            .show(ui, |ui| {
                                for (k, v) in &m.system_tags {
                                    ui.label(k);
                                    ui.label(v);
                                    ui.end_row();
                                }
                            });
                    });
            }
        });
}

/// Moves the run to the trash (nothing is erased; the notice offers Undo, the trash Restore).
pub fn trash_button(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, run_id: &str) {
    if !ctx.read_only
        && ui
            .button("Move to trash")
            .on_hover_text("Hides the run from the dashboard and searches; the trash brings it back")
            .clicked()
    {
        change(ctx, run_id, RunChange::Trash);
    }
}
