//! The details of one run: header, values, series charts, tables, params and tags, artifacts with
//! preview, and download.

use super::super::command::{Command, FeedId};
use super::super::details_state::DetailsState;
use super::super::model::details::Folder;
use super::super::model::run_page::DetailsModel;
use super::super::preview::Preview;
use super::super::view_state::ViewState;
use super::Ctx;
use super::chart::{self, RUN_COLORS, SeriesLine};

pub fn show(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, d: &DetailsState, vs: &mut ViewState) {
    if ui.button("< Dashboard").clicked() {
        ctx.push(Command::ShowDashboard);
    }
    if let Some(e) = d.run.error() {
        ui.colored_label(ui.visuals().error_fg_color, &e.message);
    }
    let (Some(run), Some(m)) = (d.run.value(), d.model()) else {
        ui.spinner();
        return;
    };
    // A scroll position per run: another run opens at its top.
    egui::ScrollArea::vertical()
        .id_salt(("details_scroll", &run.run_id))
        .show(ui, |ui| {
            super::run_edit::name_bar(ui, ctx, &run.run_id, &run.name, &m.title, vs);
            egui::Grid::new("details_header")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for (k, v) in &m.header {
                        ui.strong(*k);
                        if *k == "Status" {
                            ui.colored_label(super::status_color(run.status), v);
                        } else {
                            ui.label(v);
                        }
                        ui.end_row();
                    }
                });
            if !m.registered.is_empty() {
                ui.horizontal_wrapped(|ui| {
                    ui.strong("Registered as");
                    for label in &m.registered {
                        if ui.link(label).on_hover_text("Open the registered models").clicked() {
                            ctx.push(Command::ShowModels);
                        }
                    }
                });
            }
            download_bar(ui, ctx, d, vs);
            ui.horizontal(|ui| {
                if m.restorable {
                    restore_bar(ui, ctx, &run.run_id, run.run_number);
                }
                super::run_edit::trash_button(ui, ctx, &run.run_id);
            });
            super::run_edit::description(ui, ctx, &run.run_id, &m, vs);
            if !m.values.is_empty() {
                egui::CollapsingHeader::new("Values").default_open(true).show(ui, |ui| {
                    key_value_grid(
                        ui,
                        "values_grid",
                        m.values.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    );
                });
            }
            if !d.series.is_empty() {
                egui::CollapsingHeader::new("Series").default_open(true).show(ui, |ui| {
                    if let Some(o) = chart::series_options(ui, &ctx.settings.series, None) {
                        ctx.push(Command::SetSeriesOptions(o));
                    }
                    for (key, feed) in &d.series {
                        let points = feed
                            .total_points()
                            .map(|n| format!(" ({} points)", crate::format::count(n)))
                            .unwrap_or_default();
                        let name = format!("{key} of run {}", run.run_number);
                        let top = ui.cursor().min.y;
                        ui.horizontal(|ui| {
                            ui.strong(format!("{key}{points}"));
                            super::chart_picture::png_button(ui, ctx, &name);
                        });
                        if let Some(e) = feed.error() {
                            ui.colored_label(ui.visuals().error_fg_color, e);
                        }
                        let id = format!("series_{key}");
                        let line = SeriesLine {
                            id: FeedId::Details(key.clone()),
                            feed,
                            name: key.clone(),
                            color: RUN_COLORS[0],
                        };
                        let reset = vs.reset_charts.remove(&id);
                        let drawn = chart::series_chart(ui, ctx, &id, &[line], None, 220.0, reset);
                        if drawn.reset {
                            vs.reset_charts.insert(id.clone());
                        }
                        let below = ui.min_rect();
                        let area = egui::Rect::from_min_max(
                            egui::pos2(below.left(), top),
                            egui::pos2(below.right(), ui.cursor().min.y),
                        );
                        vs.chart_rects.insert(name, area);
                        vs.series_frames.insert(id, drawn.transform);
                    }
                });
            }
            tables_ui(ui, &m);
            super::step_images::details(ui, ctx, d, &m, vs);
            egui::CollapsingHeader::new(format!("Parameters ({})", m.params.len()))
                .default_open(true)
                .show(ui, |ui| {
                    key_value_grid(
                        ui,
                        "params_grid",
                        m.params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    );
                });
            super::run_edit::tags(ui, ctx, &run.run_id, &m, vs);
            egui::CollapsingHeader::new("Artifacts")
                .default_open(true)
                .show(ui, |ui| artifacts(ui, ctx, d, &m, vs));
        });
}

fn tables_ui(ui: &mut egui::Ui, m: &DetailsModel) {
    for (name, cols, rows) in &m.tables {
        egui::CollapsingHeader::new(format!("Table: {name}")).show(ui, |ui| {
            egui::Grid::new(("table", name)).striped(true).show(ui, |ui| {
                for c in cols {
                    ui.strong(c);
                }
                ui.end_row();
                for r in rows.iter().take(500) {
                    for c in r {
                        ui.label(c);
                    }
                    ui.end_row();
                }
            });
        });
    }
}

fn key_value_grid<'a>(ui: &mut egui::Ui, id: &str, rows: impl Iterator<Item = (&'a str, &'a str)>) {
    egui::Grid::new(id).num_columns(2).striped(true).show(ui, |ui| {
        for (k, v) in rows {
            ui.label(k);
            ui.label(v);
            ui.end_row();
        }
    });
}

/// Restore the project folder to the snapshot this run started from.
fn restore_bar(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, run_id: &str, run_number: i64) {
    let project = ctx.settings.project_folder.clone();
    ui.horizontal(|ui| {
        let button = ui.add_enabled(project.is_some(), egui::Button::new("Restore project to this run…"));
        let button = match &project {
            Some(p) => button.on_hover_text(format!("Shows what changes in {} before anything does", p.display())),
            None => button.on_disabled_hover_text("Open the project folder first (sidebar)"),
        };
        if button.clicked() {
            ctx.push(Command::PlanRestore {
                run_id: run_id.to_string(),
                run_number,
            });
        }
    });
}

fn download_bar(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, d: &DetailsState, vs: &mut ViewState) {
    ui.horizontal_wrapped(|ui| {
        let picking = d.folder_pick.is_open();
        if ui
            .add_enabled(!picking, egui::Button::new("Download all artifacts…"))
            .clicked()
        {
            ctx.push(Command::PickDownloadFolder);
        }
        ui.add(
            egui::TextEdit::singleline(&mut vs.dest_input)
                .hint_text("or type a folder")
                .desired_width(220.0),
        );
        let typed = vs.dest_input.trim().to_string();
        if ui
            .add_enabled(!typed.is_empty(), egui::Button::new("Download"))
            .clicked()
        {
            ctx.push(Command::DownloadTo(typed.into()));
        }
        if let Some(note) = &d.folder_pick.note {
            ui.label(note);
        }
        let Some(dl) = &d.download else { return };
        let p = dl.progress.lock().map(|p| p.clone()).unwrap_or_default();
        if let Some(e) = dl.result.error() {
            ui.colored_label(ui.visuals().error_fg_color, format!("Download failed: {}", e.message));
        } else if let Some(files) = dl.result.value() {
            ui.label(format!("Downloaded {} files to {}", files.len(), dl.dest.display()));
        } else {
            let frac = if p.total_bytes == 0 {
                0.0
            } else {
                p.done_bytes as f32 / p.total_bytes as f32
            };
            ui.add(
                egui::ProgressBar::new(frac)
                    .desired_width(240.0)
                    .text(format!("{}/{} files · {}", p.files_done, p.files_total, p.current)),
            );
        }
    });
}

fn artifacts(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, d: &DetailsState, m: &DetailsModel, vs: &mut ViewState) {
    let Some(tree) = &m.artifacts else {
        if let Some(e) = d.artifacts.error() {
            ui.colored_label(ui.visuals().error_fg_color, &e.message);
        } else {
            ui.spinner();
        }
        return;
    };
    if m.artifact_count == 0 {
        ui.label("No artifacts.");
        return;
    }
    // The list takes at most half the width, long names wrapped, so the preview keeps the rest.
    let list_width = (ui.available_width() * 0.45).clamp(220.0, 480.0);
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(list_width);
            folder(ui, ctx, tree, d.preview_path.as_deref());
        });
        ui.separator();
        ui.vertical(|ui| preview(ui, d, vs));
    });
}

fn folder(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, f: &Folder, open: Option<&str>) {
    for (name, sub) in &f.folders {
        egui::CollapsingHeader::new(format!("{name}/"))
            .default_open(true)
            .show(ui, |ui| folder(ui, ctx, sub, open));
    }
    for (path, size) in &f.files {
        let name = path.rsplit('/').next().unwrap_or(path);
        if ui
            .selectable_label(open == Some(path.as_str()), format!("{name}  ({size} B)"))
            .clicked()
        {
            ctx.push(Command::Preview(path.clone()));
        }
    }
}

fn preview(ui: &mut egui::Ui, d: &DetailsState, vs: &mut ViewState) {
    let Some(path) = d.preview_path.clone() else {
        ui.label("Click a file to preview it.");
        return;
    };
    ui.strong(&path);
    if let Some(e) = d.preview.error() {
        ui.colored_label(ui.visuals().error_fg_color, &e.message);
    }
    let generation = d.preview.generation();
    match d.preview.value() {
        None => {
            ui.spinner();
        }
        Some(Preview::Image { size, rgba }) => {
            let key = (d.run_id.clone(), path.clone(), generation);
            if vs.preview_texture.as_ref().is_none_or(|(k, _)| *k != key) {
                let img = egui::ColorImage::from_rgba_unmultiplied(*size, rgba);
                vs.preview_texture = Some((key, ui.ctx().load_texture(&path, img, Default::default())));
            }
            if let Some((_, tex)) = &vs.preview_texture {
                ui.add(egui::Image::from_texture(tex).max_width(ui.available_width().min(720.0)));
            }
        }
        Some(Preview::Text(t)) => {
            egui::ScrollArea::both()
                .id_salt("preview_text")
                .max_height(400.0)
                .show(ui, |ui| {
                    ui.monospace(t.as_str());
                });
        }
        Some(Preview::Table(rows)) => {
            egui::ScrollArea::both()
                .id_salt("preview_table")
                .max_height(400.0)
                .show(ui, |ui| {
                    egui::Grid::new("preview_csv").striped(true).show(ui, |ui| {
                        for r in rows {
                            for c in r {
                                ui.label(c);
                            }
                            ui.end_row();
                        }
                    });
                });
        }
        Some(Preview::Unavailable(why)) => {
            ui.label(why.as_str());
        }
    }
}
