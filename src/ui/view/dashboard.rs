//! The dashboard of one experiment (optionally one script): a chart per value over the runs, the
//! grid of runs, and the column chooser.

use super::super::command::Command;
use super::super::curves_state::CurvesState;
use super::super::fetch::FetchError;
use super::super::model::columns::ColumnKey;
use super::super::model::dashboard::{ChartKey, DashboardModel, RunAxis};
use super::super::model::export::grid_csv;
use super::super::settings::{ChartsMode, CurveSettings};
use super::super::state::{MAX_COMPARE, Workbench};
use super::super::view_state::ViewState;
use super::{Ctx, chart, curves, grid as grid_view, parallel, scatter};
use std::collections::BTreeSet;
use std::sync::Arc;

/// What the dashboard shows, borrowed from the workbench for one frame.
pub struct Page<'a> {
    /// The model the logic built (None before the first runs arrived).
    pub model: Option<Arc<DashboardModel>>,
    pub experiment_name: String,
    /// Experiments and runs have arrived, and the experiment has no runs at all.
    pub empty: bool,
    pub runs_error: Option<&'a FetchError>,
    pub script: Option<&'a str>,
    pub selected: &'a [String],
    pub sort: Option<&'a (ColumnKey, bool)>,
    pub chooser_open: bool,
    pub hidden: &'a BTreeSet<ChartKey>,
    /// The learning curves read so far (None: none, as in a test of the page alone).
    pub curves: Option<&'a CurvesState>,
    pub curve_settings: &'a CurveSettings,
    pub runs_stamp: u64,
    /// Every run fetched (Copy CSV looks the grid's rows up in them).
    pub runs: &'a [crate::api::ext::RunDetail],
}

impl<'a> Page<'a> {
    pub fn of(wb: &'a Workbench) -> Page<'a> {
        let summary = wb.summary();
        Page {
            model: wb.dashboard_model(),
            experiment_name: summary.map(|s| s.experiment.name.clone()).unwrap_or_default(),
            empty: wb.experiments().is_some() && summary.is_some_and(|s| s.runs.is_empty()) && wb.filter().is_empty(),
            runs_error: wb.runs_error(),
            script: wb.script(),
            selected: wb.selected(),
            sort: wb.sort(),
            chooser_open: wb.chooser_open(),
            hidden: wb.hidden_charts(),
            curves: Some(wb.curves()),
            curve_settings: wb.curve_settings(),
            runs_stamp: wb.runs_stamp(),
            runs: wb.runs(),
        }
    }
}

const CHART_HEIGHT: f32 = 190.0;
const CHART_MIN_WIDTH: f32 = 340.0;

pub fn show(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, page: &Page<'_>, vs: &mut ViewState) {
    if page.empty {
        welcome(ui, ctx);
        return;
    }
    if let Some(e) = page.runs_error {
        ui.colored_label(ui.visuals().error_fg_color, &e.message);
        ui.weak("The runs below are those of the last filter that worked (hover the filter box for its language).");
    }
    let Some(model) = page.model.clone() else {
        ui.spinner();
        return;
    };
    let width = ui.available_width();
    let mode = charts_mode(page, &model);
    toolbar(ui, ctx, page, model.run_count, mode);
    if page.chooser_open {
        column_chooser(ui, ctx, page, &model, vs);
    }
    charts_switch(ui, ctx, mode, model.curve_keys.len());
    // Ranges kept on the parallel coordinates narrow every view: say so wherever one looks.
    if mode != ChartsMode::Parallel {
        parallel::kept_ranges(ui, ctx, &model.parallel);
    }
    let total = ui.available_height();
    let max_height = total * vs.charts_share.0;
    match mode {
        ChartsMode::OverRuns => over_runs(ui, ctx, page, &model, vs, width.min(ui.available_width()), max_height),
        ChartsMode::Curves => {
            let cp = curves::CurvesPage {
                keys: &model.curve_keys,
                state: page.curves,
                settings: page.curve_settings,
                runs_stamp: page.runs_stamp,
                selected: page.selected,
                group_keys: &model.group_keys,
            };
            curves::show(ui, ctx, &cp, vs, max_height);
        }
        ChartsMode::Parallel => {
            let pp = parallel::ParallelPage {
                model: &model.parallel,
                all_axes: &model.all_axes,
                selected: page.selected,
            };
            parallel::show(ui, ctx, &pp, vs);
        }
        ChartsMode::Scatter => match &model.scatter {
            Some(s) => {
                let sp = scatter::ScatterPage {
                    model: s,
                    all_axes: &model.all_axes,
                    selected: page.selected,
                };
                scatter::show(ui, ctx, &sp, vs);
            }
            None => {
                ui.weak("The runs have no param or metric to place them by.");
            }
        },
    }
    splitter(ui, vs, total);
    let scroll_to = vs.grid_cursor.filter(|_| std::mem::take(&mut vs.grid_cursor_moved));
    let hovered = vs.hovered_run.clone();
    let hovered_group = vs.hovered_group.take();
    let rows = grid_view::Rows {
        selected: page.selected,
        cursor: vs.grid_cursor,
        hovered: hovered.as_deref(),
        swatches: mode == ChartsMode::Curves,
        collapsed: &vs.collapsed_groups,
        hovered_group: hovered_group.as_deref(),
    };
    let response = grid_view::show(ui, ctx, &model.grid, &rows, page.sort, scroll_to, &mut vs.grid_scroll);
    if let Some(id) = response.hovered {
        vs.hovered_next = Some(id);
    }
    if response.hovered_group != hovered_group {
        ui.ctx().request_repaint();
    }
    vs.hovered_group = response.hovered_group;
    if let Some(label) = response.toggled
        && !vs.collapsed_groups.remove(&label)
    {
        vs.collapsed_groups.insert(label);
    }
}

/// The line between the charts and the grid: dragged, it gives the charts more or less of the
/// page (in a small window the grid can have most of it, or the charts).
fn splitter(ui: &mut egui::Ui, vs: &mut ViewState, total: f32) {
    let (rect, response) = ui.allocate_exact_size(egui::vec2(ui.available_width(), 7.0), egui::Sense::drag());
    let response = response.on_hover_cursor(egui::CursorIcon::ResizeVertical);
    let stroke = if response.hovered() || response.dragged() {
        ui.visuals().widgets.hovered.fg_stroke
    } else {
        ui.visuals().widgets.noninteractive.bg_stroke
    };
    ui.painter().hline(rect.x_range(), rect.center().y, stroke);
    if response.dragged() && total > 0.0 {
        vs.charts_share.0 = (vs.charts_share.0 + response.drag_delta().y / total).clamp(0.1, 0.85);
    }
    vs.splitter = Some(rect);
}

/// The mode chosen for this experiment, or by default curves when some metric has them.
fn charts_mode(page: &Page<'_>, model: &DashboardModel) -> ChartsMode {
    page.curve_settings.mode.unwrap_or(if model.curve_keys.is_empty() {
        ChartsMode::OverRuns
    } else {
        ChartsMode::Curves
    })
}

fn charts_switch(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, mode: ChartsMode, curves: usize) {
    ui.horizontal(|ui| {
        ui.label("Charts:");
        if ui
            .selectable_label(
                mode == ChartsMode::Curves,
                format!(
                    "Learning curves ({curves} metric{})",
                    if curves == 1 { "" } else { "s" }
                ),
            )
            .on_hover_text("A chart per metric logged at several steps, a line per run")
            .clicked()
        {
            ctx.push(Command::SetChartsMode(ChartsMode::Curves));
        }
        if ui
            .selectable_label(mode == ChartsMode::OverRuns, "Values over runs")
            .on_hover_text("A chart per value, a point per run (its latest value)")
            .clicked()
        {
            ctx.push(Command::SetChartsMode(ChartsMode::OverRuns));
        }
        if ui
            .selectable_label(mode == ChartsMode::Parallel, "Parallel coordinates")
            .on_hover_text("An axis per param or metric, a line per run; drag along an axis to keep a range")
            .clicked()
        {
            ctx.push(Command::SetChartsMode(ChartsMode::Parallel));
        }
        if ui
            .selectable_label(mode == ChartsMode::Scatter, "Scatter")
            .on_hover_text("A point per run on two params or metrics, coloured by a third")
            .clicked()
        {
            ctx.push(Command::SetChartsMode(ChartsMode::Scatter));
        }
    });
}

/// A chart per value over the runs: the seed's dashboard.
fn over_runs(
    ui: &mut egui::Ui,
    ctx: &mut Ctx<'_>,
    page: &Page<'_>,
    model: &DashboardModel,
    vs: &mut ViewState,
    width: f32,
    max_height: f32,
) {
    let axis = ctx.settings.run_axis;
    let per_row = ((width / CHART_MIN_WIDTH).floor() as usize).max(1);
    let w = width / per_row as f32 - 8.0;
    let rows = model.charts.len().div_ceil(per_row);
    let charts_height = ((CHART_HEIGHT + 30.0) * rows as f32).min(max_height);
    egui::ScrollArea::vertical()
        .id_salt("charts_scroll")
        .max_height(charts_height)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            for row in model.charts.chunks(per_row) {
                ui.horizontal(|ui| {
                    for chart in row {
                        let name = format!("{} over runs", chart.key.label());
                        let drawn = ui.vertical(|ui| {
                            ui.horizontal(|ui| {
                                ui.strong(chart.key.label());
                                super::chart_picture::png_button(ui, ctx, &name);
                            });
                            let r = chart::run_chart(ui, chart, egui::vec2(w, CHART_HEIGHT), axis, page.selected);
                            vs.chart_frames.insert(chart.key.clone(), r.transform);
                            if let Some(id) = r.clicked {
                                ctx.push(Command::OpenRun(id));
                            }
                        });
                        vs.chart_rects.insert(name, drawn.response.rect);
                    }
                });
            }
        });
}

fn toolbar(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, page: &Page<'_>, count: usize, mode: ChartsMode) {
    // Wraps in a narrow window instead of widening the page past its panel.
    ui.horizontal_wrapped(|ui| {
        let name = &page.experiment_name;
        ui.heading(match page.script {
            Some(s) => format!("{name} · {s}"),
            None => name.clone(),
        });
        ui.label(crate::format::runs(count));
        ui.separator();
        let n = page.selected.len();
        let can = (2..=MAX_COMPARE).contains(&n);
        let (label, why) = if n > MAX_COMPARE {
            (
                format!("Compare ({n} ticked, {MAX_COMPARE} at most)"),
                format!(
                    "Compare takes {MAX_COMPARE} runs at most: untick {} in the grid",
                    n - MAX_COMPARE
                ),
            )
        } else {
            (format!("Compare ({n})"), "Tick 2 or 3 runs in the grid".to_string())
        };
        if ui
            .add_enabled(can, egui::Button::new(label))
            .on_disabled_hover_text(why)
            .clicked()
        {
            ctx.push(Command::CompareSelected);
        }
        if ui.selectable_label(page.chooser_open, "Columns…").clicked() {
            ctx.push(Command::ToggleChooser);
        }
        if ui
            .button("Save CSV…")
            .on_hover_text("The grid as shown (columns, rows, order) as a CSV file")
            .clicked()
        {
            ctx.push(Command::PickCsvFile);
        }
        if ui
            .button("Copy CSV")
            .on_hover_text("The grid as shown, as CSV on the clipboard (paste it into a spreadsheet)")
            .clicked()
            && let Some(m) = &page.model
        {
            ui.ctx().copy_text(grid_csv(&m.grid, page.runs, ctx.now_ms));
            ctx.push(Command::Copied(format!(
                "{} as CSV",
                crate::format::runs(m.grid.rows.len())
            )));
        }
        if let Some(m) = &page.model
            && let Some(base) = m.grid.baseline.as_deref()
            && let Some(row) = m.grid.rows.iter().find(|r| r.run_id == base)
        {
            ui.separator();
            let name = page
                .runs
                .iter()
                .find(|r| r.run_id == base)
                .map_or("", |r| r.name.as_str());
            ui.label(format!("Baseline: run {} · {name}", row.run_number))
                .on_hover_text("Every other run shows its difference from it in %; right-click a row to change it");
            if ui.small_button("(clear)").clicked() {
                ctx.push(Command::SetBaseline(None));
            }
        }
        if mode != ChartsMode::OverRuns {
            return;
        }
        ui.separator();
        ui.label("Charts over:");
        let axis = ctx.settings.run_axis;
        if ui.radio(axis == RunAxis::Number, "run number").clicked() {
            ctx.push(Command::SetRunAxis(RunAxis::Number));
        }
        if ui.radio(axis == RunAxis::StartTime, "start time").clicked() {
            ctx.push(Command::SetRunAxis(RunAxis::StartTime));
        }
    });
}

fn column_chooser(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, page: &Page<'_>, model: &DashboardModel, vs: &mut ViewState) {
    egui::Panel::right("column_chooser")
        .resizable(true)
        .default_size(240.0)
        .show(ui, |ui| {
            ui.heading("Columns");
            ui.add(egui::TextEdit::singleline(&mut vs.chooser_search).hint_text("Search keys"));
            let shown = &model.chosen;
            let needle = vs.chooser_search.to_lowercase();
            egui::ScrollArea::vertical().id_salt("chooser_scroll").show(ui, |ui| {
                let mut group = "";
                for col in model.catalog.iter().cloned() {
                    let label = col.label();
                    if !needle.is_empty() && !label.to_lowercase().contains(&needle) {
                        continue;
                    }
                    if col.group() != group {
                        group = col.group();
                        ui.add_space(4.0);
                        ui.strong(group);
                    }
                    let mut on = shown.contains(&col);
                    if ui.checkbox(&mut on, label).clicked() {
                        ctx.push(Command::ToggleColumn(col));
                    }
                }
                ui.add_space(8.0);
                ui.strong("Charts");
                for key in &model.all_chart_keys {
                    let mut on = !page.hidden.contains(key);
                    if ui.checkbox(&mut on, format!("chart: {}", key.label())).clicked() {
                        ctx.push(Command::ToggleChart(key.clone()));
                    }
                }
            });
        });
}

fn welcome(ui: &mut egui::Ui, ctx: &mut Ctx<'_>) {
    // Nothing here to run or log into.
    if ctx.read_only {
        ui.vertical_centered(|ui| {
            ui.add_space(60.0);
            ui.label("No runs here yet.");
        });
        return;
    }
    ui.vertical_centered(|ui| {
        ui.add_space(60.0);
        ui.heading("Welcome to Run History");
        ui.label("No runs here yet. See it at work on the iris walkthrough: eight tracked runs, side by side.");
        if ui.button("Run the demo").clicked() {
            ctx.push(Command::RunDemo);
        }
        ui.add_space(10.0);
        ui.label("Or open a project folder in the sidebar and run a script, or log from any Python script:");
    });
    ui.add_space(10.0);
    let code = "from runhistory import get_logger\n\nlogger = get_logger()\nlogger.log(\"Accuracy\", 0.93)\nlogger.log(\"Loss\", [0.9, 0.5, 0.3, 0.2])\nlogger.complete()";
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.monospace(code);
    });
    ui.add_space(10.0);
    ui.label("Runs logged with the official MLflow client (MLFLOW_TRACKING_URI pointing at this server) show up too.");
    ui.label("They appear here by themselves: the workbench refreshes every few seconds.");
}

#[cfg(test)]
#[path = "dashboard_tests.rs"]
mod tests;
