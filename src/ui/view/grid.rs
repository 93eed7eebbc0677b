//! The grid of runs: only the visible rows are laid out, headers sort, a tick selects for compare,
//! a click on a row opens the run, its context menu makes it the baseline; grouped rows sit under
//! a header with their count and means.

use super::super::command::Command;
use super::super::model::columns::{Attr, ColumnKey};
use super::super::model::dashboard::Grid;
use super::super::model::grid::{GridGroup, GridLine, GridRow, delta_text};
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
    /// The groups shown by their header alone, by label.
    pub collapsed: &'a std::collections::BTreeSet<String>,
    /// The group header under the pointer last frame (drawn hovered).
    pub hovered_group: Option<&'a str>,
}

/// What the pointer did in the grid this frame.
#[derive(Default)]
pub struct GridResponse {
    /// The run of the row under the pointer, so the charts can highlight it.
    pub hovered: Option<String>,
    /// A group header clicked: the group to open or close.
    pub toggled: Option<String>,
    /// The group whose header is under the pointer, so both parts of the grid highlight it.
    pub hovered_group: Option<String>,
}

/// The grid; `scroll_to` is a row to bring into view. The tick and the Name column stay at the
/// left while the other columns scroll sideways under the rest of the width; both parts scroll
/// down together (`scroll_y`, kept between frames).
pub fn show(
    ui: &mut egui::Ui,
    ctx: &mut Ctx<'_>,
    grid: &Grid,
    rows: &Rows<'_>,
    sort: Option<&(ColumnKey, bool)>,
    scroll_to: Option<usize>,
    scroll_y: &mut f32,
) -> GridResponse {
    let name = grid.columns.iter().position(|c| *c == ColumnKey::Attr(Attr::Name));
    let pinned_columns: Vec<usize> = name.into_iter().collect();
    let rest: Vec<usize> = (0..grid.columns.len()).filter(|i| Some(*i) != name).collect();
    let sheet = Sheet {
        grid,
        marks: rows,
        sort,
        scroll_to,
        lines: grid.lines(rows.collapsed),
    };
    ui.scope(|ui| {
        // Scroll bars with space of their own: a floating one would cover the last row.
        ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
        let height = ui.available_height();
        // The pinned part ends where the sideways bar of the rest begins, so both show the same
        // rows and scroll as far.
        let bar = ui.spacing().scroll.allocated_width();
        let y = *scroll_y;
        ui.horizontal_top(|ui| {
            let pinned = Part {
                select: true,
                columns: &pinned_columns,
                salt: "runs_grid_pinned",
                // The Name column never takes more than half the width from the others.
                widest: ui.available_width() * 0.5,
            };
            // Each part top-down inside the row of two: a table lays out its header, then its body.
            let (mut out, left_y) = ui
                .vertical(|ui| {
                    ui.set_max_height((height - bar).max(ROW_HEIGHT * 2.0));
                    table(ui, ctx, &sheet, &pinned, y)
                })
                .inner;
            let others = Part {
                select: false,
                columns: &rest,
                salt: "runs_grid",
                widest: f32::INFINITY,
            };
            let (right, right_y) = egui::ScrollArea::horizontal()
                .id_salt("grid_hscroll")
                .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::AlwaysVisible)
                .show(ui, |ui| ui.vertical(|ui| table(ui, ctx, &sheet, &others, y)).inner)
                .inner;
            // The part scrolled this frame leads; the other follows it next frame.
            let next = if (left_y - y).abs() > 0.5 { left_y } else { right_y };
            if (left_y - next).abs() > 0.5 || (right_y - next).abs() > 0.5 {
                ui.ctx().request_repaint();
            }
            *scroll_y = next;
            out.hovered = out.hovered.or(right.hovered);
            out.hovered_group = out.hovered_group.or(right.hovered_group);
            out.toggled = out.toggled.or(right.toggled);
            out
        })
        .inner
    })
    .inner
}

/// What both tables of the grid draw from: the grid, how its rows are marked, its sort, the row
/// to bring into view, and its lines (headers and rows), worked out once a frame.
struct Sheet<'a, 'r> {
    grid: &'a Grid,
    marks: &'a Rows<'r>,
    sort: Option<&'a (ColumnKey, bool)>,
    scroll_to: Option<usize>,
    lines: Vec<GridLine>,
}

/// The columns one table of the grid draws: with or without the tick, and which of the grid's
/// columns (by index); `salt` keeps each table's widths and scroll its own.
struct Part<'a> {
    select: bool,
    columns: &'a [usize],
    salt: &'static str,
    /// The widest a column may be dragged.
    widest: f32,
}

/// One table of the grid, scrolled down to `offset`; what the pointer did, and how far the table
/// is scrolled down after this frame. The part with the tick shows the scroll bar (always in
/// view, unlike the far right of the part that scrolls sideways).
fn table(
    ui: &mut egui::Ui,
    ctx: &mut Ctx<'_>,
    sheet: &Sheet<'_, '_>,
    part: &Part<'_>,
    offset: f32,
) -> (GridResponse, f32) {
    let Sheet {
        grid,
        marks,
        sort,
        scroll_to,
        lines,
    } = sheet;
    let mut out = GridResponse::default();
    ui.style_mut().interaction.selectable_labels = false;
    let mut table = TableBuilder::new(ui)
        .id_salt(part.salt)
        .striped(true)
        .resizable(true)
        // In a small window the grid may have less than the default 200 points: it scrolls
        // within them rather than run past the window's edge (and hide the sideways bar).
        .min_scrolled_height(ROW_HEIGHT * 2.0)
        .sense(egui::Sense::click());
    if part.select {
        table = table.column(Column::exact(if marks.swatches { 70.0 } else { 56.0 }));
    }
    if let Some(c) = *scroll_to {
        table = table.scroll_to_row(grid.line_of_row(c, marks.collapsed), None);
    }
    table = table.vertical_scroll_offset(offset);
    if !part.select {
        table = table.scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::AlwaysHidden);
    }
    let widest = part.widest.max(60.0);
    for _ in part.columns {
        table = table.column(
            Column::initial(widest.min(130.0))
                .at_least(40.0)
                .at_most(widest)
                .clip(true),
        );
    }
    let scrolled = table
        .header(ROW_HEIGHT, |mut header| {
            if part.select {
                header.col(|ui| {
                    ui.strong("Select");
                });
            }
            for col in part.columns.iter().filter_map(|i| grid.columns.get(*i)) {
                header.col(|ui| {
                    let ascending = match sort {
                        Some((c, up)) if c == col => Some(*up),
                        _ => None,
                    };
                    let clicked = ui
                        .horizontal(|ui| {
                            let clicked = ui.button(col.label()).on_hover_text("Sort by this column").clicked();
                            if let Some(up) = ascending {
                                sort_arrow(ui, up);
                            }
                            clicked
                        })
                        .inner;
                    if clicked {
                        ctx.push(Command::SortBy(col.clone()));
                    }
                });
            }
        })
        .body(|body| {
            body.rows(ROW_HEIGHT, lines.len(), |mut row| match lines[row.index()] {
                GridLine::Group(g) => {
                    let group = &grid.groups[g];
                    let (clicked, under_pointer) = group_header(&mut row, group, marks, part);
                    if clicked {
                        out.toggled = Some(group.label.clone());
                    }
                    if under_pointer {
                        out.hovered_group = Some(group.label.clone());
                    }
                }
                GridLine::Row(i) => {
                    if run_row(&mut row, ctx, grid, &grid.rows[i], i, marks, part) {
                        out.hovered = Some(grid.rows[i].run_id.clone());
                    }
                }
            });
        });
    (out, scrolled.state.clamped_offset().y)
}

/// The way a sorted column runs, drawn (the default fonts have no arrows): up for ascending.
fn sort_arrow(ui: &mut egui::Ui, ascending: bool) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    let (top, bottom) = (rect.top() + 1.0, rect.bottom() - 1.0);
    let (tip, base) = if ascending { (top, bottom) } else { (bottom, top) };
    let points = vec![
        egui::pos2(rect.center().x, tip),
        egui::pos2(rect.left() + 1.0, base),
        egui::pos2(rect.right() - 1.0, base),
    ];
    let color = ui.visuals().strong_text_color();
    ui.painter()
        .add(egui::Shape::convex_polygon(points, color, egui::Stroke::NONE));
}

/// A group's header line: how many runs, then its means (or shared values) under each column.
/// A click on it opens or closes the group; returns whether it was clicked, and whether the
/// pointer is over it (so the other part of the grid highlights it too).
fn group_header(
    row: &mut egui_extras::TableRow<'_, '_>,
    group: &GridGroup,
    marks: &Rows<'_>,
    part: &Part<'_>,
) -> (bool, bool) {
    let collapsed = marks.collapsed.contains(&group.label);
    if marks.hovered_group == Some(group.label.as_str()) {
        row.set_hovered(true);
    }
    let mut under_pointer = false;
    let texts = part.columns.iter().filter_map(|i| group.aggregates.get(*i));
    if !part.select {
        for text in texts {
            aggregate_cell(row, text, &group.label, &mut under_pointer);
        }
        return (row.response().clicked(), under_pointer);
    }
    row.col(|ui| {
        under_pointer |= pointer_in(ui);
        ui.horizontal(|ui| {
            // Drawn, not a glyph: the default fonts have no triangles.
            let (_, response) = ui.allocate_exact_size(egui::vec2(12.0, 14.0), egui::Sense::hover());
            egui::collapsing_header::paint_default_icon(ui, if collapsed { 0.0 } else { 1.0 }, &response);
            // The group's colour in the curves.
            let (rect, _) = ui.allocate_exact_size(egui::vec2(8.0, 14.0), egui::Sense::hover());
            ui.painter()
                .rect_filled(rect, 2.0, super::curve_groups::group_color(group.slot));
            ui.strong(crate::format::runs(group.count)).on_hover_text(&group.label);
        });
    });
    for text in texts {
        aggregate_cell(row, text, &group.label, &mut under_pointer);
    }
    (row.response().clicked(), under_pointer)
}

/// A group's mean (or shared value) under one column. It names its group on hover, unless it is
/// the name itself (a label cut short shows itself whole already).
fn aggregate_cell(row: &mut egui_extras::TableRow<'_, '_>, text: &str, label: &str, under_pointer: &mut bool) {
    row.col(|ui| {
        *under_pointer |= pointer_in(ui);
        let shown = ui.strong(text);
        if text != label {
            shown.on_hover_text(label);
        }
    });
}

/// A run's line; returns whether the pointer is over it.
fn run_row(
    row: &mut egui_extras::TableRow<'_, '_>,
    ctx: &mut Ctx<'_>,
    grid: &Grid,
    r: &GridRow,
    index: usize,
    marks: &Rows<'_>,
    part: &Part<'_>,
) -> bool {
    let selected = marks.selected;
    let is_baseline = grid.baseline.as_deref() == Some(r.run_id.as_str());
    row.set_selected(selected.contains(&r.run_id));
    if marks.cursor == Some(index) || marks.hovered == Some(r.run_id.as_str()) {
        row.set_hovered(true);
    }
    // The row under the pointer (its labels take the hover from the row's response).
    let mut under_pointer = false;
    if part.select {
        tick_cell(row, ctx, r, marks, is_baseline, &mut under_pointer);
    }
    for &i in part.columns {
        let (Some(col), Some(text)) = (grid.columns.get(i), r.cells.get(i)) else {
            continue;
        };
        let delta = r.deltas.get(i).copied().flatten();
        row.col(|ui| {
            under_pointer |= pointer_in(ui);
            if *col == ColumnKey::Attr(Attr::Status) {
                ui.colored_label(super::status_color(r.status), text);
            } else if let Some(pct) = delta {
                ui.horizontal(|ui| {
                    ui.label(text);
                    ui.small(delta_text(pct))
                        .on_hover_text("Difference from the baseline run");
                });
            } else {
                ui.label(text);
            }
        });
    }
    let response = row.response();
    if response.clicked() {
        ctx.push(Command::OpenRun(r.run_id.clone()));
    }
    response.context_menu(|ui| {
        if is_baseline {
            if ui.button("Clear baseline").clicked() {
                ctx.push(Command::SetBaseline(None));
            }
        } else if ui
            .button("Set as baseline")
            .on_hover_text("Show every other run's difference from this one in %")
            .clicked()
        {
            ctx.push(Command::SetBaseline(Some(r.run_id.clone())));
        }
    });
    under_pointer
}

/// A run's first cell: its colour in the charts, the tick that selects it, its number.
fn tick_cell(
    row: &mut egui_extras::TableRow<'_, '_>,
    ctx: &mut Ctx<'_>,
    r: &GridRow,
    marks: &Rows<'_>,
    is_baseline: bool,
    under_pointer: &mut bool,
) {
    let selected = marks.selected;
    row.col(|ui| {
        *under_pointer |= pointer_in(ui);
        ui.horizontal(|ui| {
            if marks.swatches {
                // Grouped, the charts draw the group's colour, not the run's.
                let color = r.group.map_or_else(
                    || super::palette::run_color(r.run_number),
                    super::curve_groups::group_color,
                );
                let (rect, _) = ui.allocate_exact_size(egui::vec2(8.0, 14.0), egui::Sense::hover());
                ui.painter().rect_filled(rect, 2.0, color);
            }
            let mut on = selected.contains(&r.run_id);
            if ui.checkbox(&mut on, r.run_number.to_string()).clicked() {
                ctx.push(Command::ToggleSelected(r.run_id.clone()));
            }
            if is_baseline {
                ui.small("base")
                    .on_hover_text("The baseline: other runs show their difference from it in %");
            }
        });
    });
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
