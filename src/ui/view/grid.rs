//! The grid of runs: only the visible rows are laid out, headers sort, a tick selects for compare,
//! a click on a row opens the run.

use super::super::command::Command;
use super::super::model::columns::{Attr, ColumnKey};
use super::super::model::dashboard::Grid;
use super::Ctx;
use egui_extras::{Column, TableBuilder};

const ROW_HEIGHT: f32 = 22.0;

/// The grid; `cursor` is the row the arrow keys are on (drawn hovered), `scroll_to` a row to
/// bring into view.
pub fn show(
    ui: &mut egui::Ui,
    ctx: &mut Ctx<'_>,
    grid: &Grid,
    selected: &[String],
    sort: Option<&(ColumnKey, bool)>,
    cursor: Option<usize>,
    scroll_to: Option<usize>,
) {
    egui::ScrollArea::horizontal()
        .id_salt("grid_hscroll")
        .show(ui, |ui| table(ui, ctx, grid, selected, sort, (cursor, scroll_to)));
}

fn table(
    ui: &mut egui::Ui,
    ctx: &mut Ctx<'_>,
    grid: &Grid,
    selected: &[String],
    sort: Option<&(ColumnKey, bool)>,
    (cursor, scroll_to): (Option<usize>, Option<usize>),
) {
    ui.style_mut().interaction.selectable_labels = false;
    let mut table = TableBuilder::new(ui)
        .id_salt("runs_grid")
        .striped(true)
        .resizable(true)
        .sense(egui::Sense::click())
        .column(Column::exact(56.0));
    if let Some(c) = scroll_to {
        table = table.scroll_to_row(c, None);
    }
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
                        ctx.push(Command::SortBy(col.clone()));
                    }
                });
            }
        })
        .body(|body| {
            body.rows(ROW_HEIGHT, grid.rows.len(), |mut row| {
                let r = &grid.rows[row.index()];
                row.set_selected(selected.contains(&r.run_id));
                if cursor == Some(row.index()) {
                    row.set_hovered(true);
                }
                row.col(|ui| {
                    let mut on = selected.contains(&r.run_id);
                    if ui.checkbox(&mut on, r.run_number.to_string()).clicked() {
                        ctx.push(Command::ToggleSelected(r.run_id.clone()));
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
                    ctx.push(Command::OpenRun(r.run_id.clone()));
                }
            });
        });
}
