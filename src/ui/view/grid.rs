//! The grid of runs: only the visible rows are laid out, headers sort, a tick selects for compare,
//! a click on a row opens the run.

use super::super::command::Command;
use super::super::model::columns::{Attr, ColumnKey};
use super::super::model::dashboard::Grid;
use super::Ctx;
use egui_extras::{Column, TableBuilder};

const ROW_HEIGHT: f32 = 22.0;

/// How the rows are marked this frame.
pub struct Rows<'a> {
    /// Ticked for compare (drawn selected).
    pub selected: &'a [String],
    /// The row the arrow keys are on (drawn hovered).
    pub cursor: Option<usize>,
    /// The run hovered in a chart (drawn hovered).
    pub hovered: Option<&'a str>,
    /// Each row shows its run's colour in the charts.
    pub swatches: bool,
}

/// The grid; `scroll_to` is a row to bring into view. Returns the run of the row under the
/// pointer, so the charts can highlight it.
pub fn show(
    ui: &mut egui::Ui,
    ctx: &mut Ctx<'_>,
    grid: &Grid,
    rows: &Rows<'_>,
    sort: Option<&(ColumnKey, bool)>,
    scroll_to: Option<usize>,
) -> Option<String> {
    egui::ScrollArea::horizontal()
        .id_salt("grid_hscroll")
        .show(ui, |ui| table(ui, ctx, grid, rows, sort, scroll_to))
        .inner
}

fn table(
    ui: &mut egui::Ui,
    ctx: &mut Ctx<'_>,
    grid: &Grid,
    marks: &Rows<'_>,
    sort: Option<&(ColumnKey, bool)>,
    scroll_to: Option<usize>,
) -> Option<String> {
    let selected = marks.selected;
    let mut hovered_row = None;
    ui.style_mut().interaction.selectable_labels = false;
    let mut table = TableBuilder::new(ui)
        .id_salt("runs_grid")
        .striped(true)
        .resizable(true)
        .sense(egui::Sense::click())
        .column(Column::exact(if marks.swatches { 70.0 } else { 56.0 }));
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
                if marks.cursor == Some(row.index()) || marks.hovered == Some(r.run_id.as_str()) {
                    row.set_hovered(true);
                }
                // The row under the pointer (its labels take the hover from the row's response).
                let mut under_pointer = false;
                row.col(|ui| {
                    under_pointer |= pointer_in(ui);
                    ui.horizontal(|ui| {
                        if marks.swatches {
                            let (rect, _) = ui.allocate_exact_size(egui::vec2(8.0, 14.0), egui::Sense::hover());
                            ui.painter()
                                .rect_filled(rect, 2.0, super::palette::run_color(r.run_number));
                        }
                        let mut on = selected.contains(&r.run_id);
                        if ui.checkbox(&mut on, r.run_number.to_string()).clicked() {
                            ctx.push(Command::ToggleSelected(r.run_id.clone()));
                        }
                    });
                });
                for (col, text) in grid.columns.iter().zip(&r.cells) {
                    row.col(|ui| {
                        under_pointer |= pointer_in(ui);
                        if *col == ColumnKey::Attr(Attr::Status) {
                            ui.colored_label(super::status_color(r.status), text);
                        } else {
                            ui.label(text);
                        }
                    });
                }
                let response = row.response();
                if response.clicked() {
                    ctx.push(Command::OpenRun(r.run_id.clone()));
                }
                if under_pointer {
                    hovered_row = Some(r.run_id.clone());
                }
            });
        });
    hovered_row
}

/// Whether the pointer is over this cell (its labels would take a widget's hover).
fn pointer_in(ui: &egui::Ui) -> bool {
    // Half the spacing around the cell: no gap between cells where no row is under the pointer.
    let cell = ui
        .max_rect()
        .expand2(ui.spacing().item_spacing * 0.5)
        .intersect(ui.clip_rect().expand2(ui.spacing().item_spacing * 0.5));
    ui.input(|i| i.pointer.hover_pos()).is_some_and(|p| cell.contains(p))
}
