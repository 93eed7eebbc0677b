//! Compare 2-3 runs: every value side by side with differences marked, every metric at a chosen
//! step, series overlaid on linked axes, and shared images at the same scale.

use super::super::command::{Command, FeedId};
use super::super::compare_state::CompareState;
use super::super::model::compare::{CompareRow, at_step_rows, last_step};
use super::super::model::compare_page::{CompareModel, ProjectFiles};
use super::super::model::series::XMode;
use super::super::preview::Preview;
use super::super::view_state::ViewState;
use super::Ctx;
use super::chart::{self, RUN_COLORS, SeriesLine};

pub fn show(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, cmp: &CompareState, vs: &mut ViewState) {
    if ui.button("< Dashboard").clicked() {
        ctx.push(Command::ShowDashboard);
    }
    let Some(m) = cmp.model() else {
        ui.spinner();
        return;
    };
    let runs = cmp.loaded();
    // A scroll position per comparison: a new one opens at its top.
    egui::ScrollArea::vertical()
        .id_salt(("compare_scroll", &cmp.run_ids))
        .show(ui, |ui| {
            ui.heading(&m.title);
            let mut only = cmp.only_differences;
            if ui.checkbox(&mut only, "Only differences").changed() {
                ctx.push(Command::SetOnlyDifferences(only));
            }
            let highlight = ui.visuals().warn_fg_color;
            // Many runs make the table wider than a small window: it scrolls sideways on its own,
            // and the charts below keep the window's width.
            egui::ScrollArea::horizontal()
                .id_salt(("compare_grid_scroll", &cmp.run_ids))
                .show(ui, |ui| compare_grid(ui, cmp, &m, highlight));
            at_step(ui, ctx, cmp);
            project_files(ui, ctx, cmp, &m);
            if !m.series.is_empty() {
                ui.separator();
                ui.heading("Series");
                if let Some(o) = chart::series_options(ui, &ctx.settings.series, None) {
                    ctx.push(Command::SetSeriesOptions(o));
                }
            }
            let link = egui::Id::unique("compare_series_link");
            for key in &m.series {
                let name = format!("{key} compared");
                let top = ui.cursor().min.y;
                ui.horizontal(|ui| {
                    ui.strong(key);
                    super::chart_picture::png_button(ui, ctx, &name);
                });
                let lines: Vec<SeriesLine<'_>> = cmp
                    .series
                    .iter()
                    .filter(|((k, _), _)| k == key)
                    .map(|((_, i), feed)| SeriesLine {
                        id: FeedId::Compare {
                            key: key.clone(),
                            run: *i,
                        },
                        feed,
                        name: format!("run {}", runs.get(*i).map_or(0, |r| r.run_number)),
                        color: RUN_COLORS[*i % RUN_COLORS.len()],
                    })
                    .collect();
                let id = format!("cmp_{key}");
                let reset = vs.reset_charts.remove(&id);
                let drawn = chart::series_chart(ui, ctx, &id, &lines, Some(link), 220.0, reset);
                if drawn.reset {
                    vs.reset_charts.insert(id.clone());
                }
                // The step the metrics are shown at, marked on each series over steps.
                vs.step_marks.remove(key);
                if let Some(step) = cmp.at_step.filter(|_| ctx.settings.series.x == XMode::Step) {
                    let frame = *drawn.transform.frame();
                    let x = drawn
                        .transform
                        .position_from_point(&egui_plot::PlotPoint::new(step as f64, 0.0))
                        .x;
                    if frame.x_range().contains(x) {
                        let stroke = egui::Stroke::new(1.0, ui.visuals().warn_fg_color);
                        ui.painter_at(frame).vline(x, frame.y_range(), stroke);
                        vs.step_marks.insert(key.clone(), x);
                    }
                }
                let below = ui.min_rect();
                let area = egui::Rect::from_min_max(
                    egui::pos2(below.left(), top),
                    egui::pos2(below.right(), ui.cursor().min.y),
                );
                vs.chart_rects.insert(name, area);
                vs.series_frames.insert(id, drawn.transform);
            }
            super::step_images::compare(ui, ctx, cmp, &m, vs);
            if !m.images.is_empty() {
                ui.separator();
                ui.heading("Images");
            }
            for path in &m.images {
                ui.strong(path);
                let n = runs.len().max(1);
                let w = (ui.available_width() / n as f32 - 12.0).clamp(80.0, 480.0);
                ui.horizontal_top(|ui| {
                    for (i, run) in runs.iter().enumerate() {
                        ui.vertical(|ui| {
                            ui.set_width(w);
                            ui.label(format!("run {}", run.run_number));
                            let Some(fetch) = cmp.images.get(&(path.clone(), i)) else {
                                ui.label("—");
                                return;
                            };
                            match fetch.value() {
                                Some(Preview::Image { size, rgba }) => {
                                    let t = vs
                                        .compare_textures
                                        .entry((run.run_id.clone(), path.clone()))
                                        .or_insert_with(|| {
                                            let img = egui::ColorImage::from_rgba_unmultiplied(*size, rgba);
                                            ui.ctx().load_texture(format!("{path}#{i}"), img, Default::default())
                                        });
                                    // Same scale for all: each image at the width the slot gives.
                                    ui.add(
                                        egui::Image::from_texture(&*t).fit_to_exact_size(egui::vec2(
                                            w,
                                            w * size[1] as f32 / size[0].max(1) as f32,
                                        )),
                                    );
                                }
                                Some(_) => {
                                    ui.label("not an image");
                                }
                                None => {
                                    ui.spinner();
                                }
                            }
                        });
                    }
                });
            }
        });
}

/// The table of every param, tag and latest value, a column per run.
fn compare_grid(ui: &mut egui::Ui, cmp: &CompareState, m: &CompareModel, highlight: egui::Color32) {
    egui::Grid::new("compare_grid").striped(true).show(ui, |ui| {
        ui.strong("");
        ui.strong("Value");
        for (i, c) in m.columns.iter().enumerate() {
            ui.colored_label(RUN_COLORS[i % RUN_COLORS.len()], c);
        }
        ui.end_row();
        for row in m.rows.iter().filter(|r| !cmp.only_differences || r.differs) {
            ui.label(if row.differs { "≠" } else { "" });
            ui.label(format!("{}: {}", row.group, row.key));
            row_cells(ui, row, highlight);
        }
    });
}

/// A compare row's cells, one per run, in the highlight colour where the runs differ; ends the row.
fn row_cells(ui: &mut egui::Ui, row: &CompareRow, highlight: egui::Color32) {
    for c in &row.cells {
        let text = if row.differs {
            egui::RichText::new(c).color(highlight)
        } else {
            egui::RichText::new(c)
        };
        // A long value (a table, a dict) is cut to a column's width, whole on hover, so the
        // other runs' columns stay in view.
        ui.scope(|ui| {
            ui.set_max_width(CELL_WIDTH);
            ui.add(egui::Label::new(text).truncate()).on_hover_text(c);
        });
    }
    ui.end_row();
}

/// The widest a compared value is drawn.
const CELL_WIDTH: f32 = 280.0;

/// Every metric as it stood at a step chosen on a slider, run beside run.
fn at_step(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, cmp: &CompareState) {
    let runs = cmp.loaded();
    let Some(last) = last_step(&runs) else { return };
    ui.separator();
    ui.horizontal(|ui| {
        ui.heading("Metrics at a step");
        let mut on = cmp.at_step.is_some();
        if ui
            .checkbox(&mut on, "show")
            .on_hover_text("Every metric's value at the step chosen (or the last one logged before it)")
            .changed()
        {
            ctx.push(Command::CompareAtStep(on.then_some(last)));
        }
        if let Some(mut step) = cmp.at_step
            && ui.add(egui::Slider::new(&mut step, 0..=last).text("step")).changed()
        {
            ctx.push(Command::CompareAtStep(Some(step)));
        }
    });
    if cmp.at_step.is_none() {
        return;
    }
    let Some(at) = cmp.values_at.value() else {
        match cmp.values_at.error() {
            Some(e) => ui.colored_label(
                ui.visuals().error_fg_color,
                format!("Could not read the values: {}", e.message),
            ),
            None => ui.spinner(),
        };
        return;
    };
    let highlight = ui.visuals().warn_fg_color;
    egui::Grid::new("compare_at_step").striped(true).show(ui, |ui| {
        ui.strong(format!("Step {}", at.step));
        for (i, r) in runs.iter().enumerate() {
            ui.colored_label(RUN_COLORS[i % RUN_COLORS.len()], format!("run {}", r.run_number));
        }
        ui.end_row();
        for row in at_step_rows(&runs, at) {
            ui.label(&row.key);
            row_cells(ui, &row, highlight);
        }
    });
}

/// Which project files differ between the first run's snapshot and each other's, with a diff.
fn project_files(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, cmp: &CompareState, m: &CompareModel) {
    let Some(others) = &m.project else { return };
    let runs = cmp.loaded();
    let number = |i: usize| runs.get(i).map_or(0, |r| r.run_number);
    ui.separator();
    ui.heading("Project files");
    for (i, files) in others {
        let changes = match files {
            ProjectFiles::Loading => continue,
            ProjectFiles::NoSnapshot => {
                ui.label(format!("Run {} has no project snapshot.", number(*i)));
                continue;
            }
            ProjectFiles::Changes(c) => c,
        };
        ui.strong(format!(
            "Run {} to run {}: {}",
            number(0),
            number(*i),
            if changes.is_empty() {
                "the same files".to_string()
            } else {
                format!("{} files differ", changes.len())
            }
        ));
        for change in changes {
            let open = cmp
                .file_diff
                .as_ref()
                .is_some_and(|d| d.path == change.path && d.other == *i);
            let label = format!("{} ({})", change.path, change.change.label());
            if ui.selectable_label(open, label).clicked() {
                ctx.push(Command::ShowFileDiff {
                    path: change.path.clone(),
                    other: *i,
                });
            }
            if open && let Some(d) = &cmp.file_diff {
                match d.text.value() {
                    Some(text) => diff_text(ui, text),
                    None => {
                        if let Some(e) = d.text.error() {
                            ui.colored_label(ui.visuals().error_fg_color, &e.message);
                        } else {
                            ui.spinner();
                        }
                    }
                }
            }
        }
    }
}

/// A unified diff, added lines green and removed lines red.
fn diff_text(ui: &mut egui::Ui, text: &str) {
    let (add, del) = (
        egui::Color32::from_rgb(80, 170, 90),
        egui::Color32::from_rgb(210, 90, 80),
    );
    egui::Frame::group(ui.style()).show(ui, |ui| {
        egui::ScrollArea::vertical()
            .id_salt("file_diff")
            .max_height(320.0)
            .show(ui, |ui| {
                for line in text.lines() {
                    let rich = egui::RichText::new(line).monospace();
                    let rich = if line.starts_with('+') && !line.starts_with("+++") {
                        rich.color(add)
                    } else if line.starts_with('-') && !line.starts_with("---") {
                        rich.color(del)
                    } else {
                        rich
                    };
                    ui.label(rich);
                }
            });
    });
}
