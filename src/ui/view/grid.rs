//! The grid of runs: only the visible rows are laid out, headers sort, a tick selects for compare,
//! a click on a row opens the run.

use super::super::command::Command;
use super::super::model::columns::{Attr, ColumnKey};
use super::super::model::dashboard::Grid;
use egui_extras::{Column, TableBuilder};

const ROW_HEIGHT: f32 = 22.0;

pub fn show(
    ui: &mut egui::Ui,
    grid: &Grid,
    selected: &[String],
    sort: Option<&(ColumnKey, bool)>,
    cmds: &mut Vec<Command>,
) {
    egui::ScrollArea::horizontal()
        .id_salt("grid_hscroll")
        .show(ui, |ui| table(ui, grid, selected, sort, cmds));
}

fn table(
    ui: &mut egui::Ui,
    grid: &Grid,
    selected: &[String],
    sort: Option<&(ColumnKey, bool)>,
    cmds: &mut Vec<Command>,
) {
    ui.style_mut().interaction.selectable_labels = false;
    let mut table = TableBuilder::new(ui)
        .id_salt("runs_grid")
        .striped(true)
        .resizable(true)
        .sense(egui::Sense::click())
        .column(Column::exact(56.0));
    for _ in &grid.columns {
        table = table.column(Column::initial(130.0).at_least(40.0).clip(true));
    }
    table
        .header(ROW_HEIGHT, |mut header| {
            header.col(|ui| {
                ui.strong("Select");
            });
            for col in &grid.columns {
                header.col(|ui| {
                    let arrow = match sort {
                        Some((c, true)) if c == col => " ▲",
                        Some((c, false)) if c == col => " ▼",
                        _ => "",
                    };
                    if ui.button(format!("{}{arrow}", col.label())).clicked() {
                        cmds.push(Command::SortBy(col.clone()));
                    }
                });
            }
        })
        .body(|body| {
            body.rows(ROW_HEIGHT, grid.rows.len(), |mut row| {
                let r = &grid.rows[row.index()];
                row.set_selected(selected.contains(&r.run_id));
                row.col(|ui| {
                    let mut on = selected.contains(&r.run_id);
                    if ui.checkbox(&mut on, r.run_number.to_string()).clicked() {
                        cmds.push(Command::ToggleSelected(r.run_id.clone()));
                    }
                });
                for (col, text) in grid.columns.iter().zip(&r.cells) {
                    row.col(|ui| {
                        if *col == ColumnKey::Attr(Attr::Status) {
                            ui.colored_label(super::status_color(r.status), text);
                        } else {
                            ui.label(text);
                        }
                    });
                }
                if row.response().clicked() {
                    cmds.push(Command::OpenRun(r.run_id.clone()));
                }
            });
        });
}
