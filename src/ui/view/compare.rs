//! Compare 2-3 runs: every value side by side with differences marked, series overlaid on linked
//! axes, and shared images at the same scale.

use super::super::command::Command;
use super::super::model::compare::{compare_rows, shared_series};
use super::super::preview::Preview;
use super::super::state::Workbench;
use super::chart::{self, RUN_COLORS};
use crate::project::diff::diff_snapshots;
use crate::store::now_ms;

pub fn show(ui: &mut egui::Ui, wb: &mut Workbench, cmds: &mut Vec<Command>) {
    if ui.button("< Dashboard").clicked() {
        cmds.push(Command::ShowDashboard);
    }
    let (spawner, client, opts) = (wb.spawner.clone(), wb.client.clone(), wb.settings.series);
    let frames = &mut wb.series_frames;
    let Some(cmp) = &mut wb.compare else { return };
    let runs: Vec<crate::api::ext::RunDetail> = cmp.loaded().into_iter().cloned().collect();
    if runs.len() < cmp.runs.len() {
        ui.spinner();
        return;
    }
    let refs: Vec<&crate::api::ext::RunDetail> = runs.iter().collect();
    egui::ScrollArea::vertical().id_salt("compare_scroll").show(ui, |ui| {
        ui.heading(format!(
            "Comparing runs {}",
            runs.iter()
                .map(|r| r.run_number.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let mut only = cmp.only_differences;
        if ui.checkbox(&mut only, "Only differences").changed() {
            cmds.push(Command::SetOnlyDifferences(only));
        }
        let rows = compare_rows(&refs, now_ms(), cmp.only_differences);
        let highlight = ui.visuals().warn_fg_color;
        egui::Grid::new("compare_grid").striped(true).show(ui, |ui| {
            ui.strong("");
            ui.strong("Value");
            for (i, r) in runs.iter().enumerate() {
                ui.colored_label(
                    RUN_COLORS[i % RUN_COLORS.len()],
                    format!("Run {} · {}", r.run_number, r.name),
                );
            }
            ui.end_row();
            for row in &rows {
                ui.label(if row.differs { "≠" } else { "" });
                ui.label(format!("{}: {}", row.group, row.key));
                for c in &row.cells {
                    if row.differs {
                        ui.colored_label(highlight, c);
                    } else {
                        ui.label(c);
                    }
                }
                ui.end_row();
            }
        });
        project_files(ui, cmp, &runs, cmds);
        let keys = shared_series(&refs);
        if !keys.is_empty() {
            ui.separator();
            ui.heading("Series");
            if let Some(o) = chart::series_options(ui, &opts) {
                cmds.push(Command::SetSeriesOptions(o));
            }
        }
        let link = egui::Id::unique("compare_series_link");
        for key in keys {
            ui.strong(&key);
            let mut feeds: Vec<(&mut crate::ui::feed::SeriesFeed, String, egui::Color32)> = cmp
                .series
                .iter_mut()
                .filter(|((k, _), _)| *k == key)
                .map(|((_, i), f)| {
                    (
                        f,
                        format!("run {}", runs[*i].run_number),
                        RUN_COLORS[*i % RUN_COLORS.len()],
                    )
                })
                .collect();
            let id = format!("cmp_{key}");
            let frame = chart::series_chart(ui, &id, &mut feeds, &opts, Some(link), 220.0, &spawner, &client);
            frames.insert(id, frame);
        }
        let images = cmp.image_paths();
        if !images.is_empty() {
            ui.separator();
            ui.heading("Images");
        }
        for path in images {
            ui.strong(&path);
            let n = runs.len();
            let w = (ui.available_width() / n as f32 - 12.0).clamp(80.0, 480.0);
            ui.horizontal_top(|ui| {
                for (i, run) in runs.iter().enumerate() {
                    ui.vertical(|ui| {
                        ui.set_width(w);
                        ui.label(format!("run {}", run.run_number));
                        let Some((fetch, tex)) = cmp.images.get_mut(&(path.clone(), i)) else {
                            ui.label("—");
                            return;
                        };
                        match fetch.value() {
                            Some(Preview::Image { size, rgba }) => {
                                let t = tex.get_or_insert_with(|| {
                                    let img = egui::ColorImage::from_rgba_unmultiplied(*size, rgba);
                                    ui.ctx().load_texture(format!("{path}#{i}"), img, Default::default())
                                });
                                // Same scale for all: each image at the width the slot gives.
                                ui.add(
                                    egui::Image::from_texture(&*t)
                                        .fit_to_exact_size(egui::vec2(w, w * size[1] as f32 / size[0].max(1) as f32)),
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

/// Which project files differ between the first run's snapshot and each other's, with a diff.
fn project_files(
    ui: &mut egui::Ui,
    cmp: &crate::ui::compare_state::CompareState,
    runs: &[crate::api::ext::RunDetail],
    cmds: &mut Vec<Command>,
) {
    let Some(base) = cmp.snapshots.first().and_then(|f| f.value()) else {
        return;
    };
    ui.separator();
    ui.heading("Project files");
    for (i, other) in cmp.snapshots.iter().enumerate().skip(1) {
        let Some(snap) = other.value() else {
            if other.error().is_some() {
                ui.label(format!("Run {} has no project snapshot.", runs[i].run_number));
            }
            continue;
        };
        let changes = diff_snapshots(base, snap);
        ui.strong(format!(
            "Run {} to run {}: {}",
            runs[0].run_number,
            runs[i].run_number,
            if changes.is_empty() {
                "the same files".to_string()
            } else {
                format!("{} files differ", changes.len())
            }
        ));
        for change in &changes {
            let open = cmp
                .file_diff
                .as_ref()
                .is_some_and(|d| d.path == change.path && d.other == i);
            let label = format!("{} ({})", change.path, change.change.label());
            if ui.selectable_label(open, label).clicked() {
                cmds.push(Command::ShowFileDiff {
                    path: change.path.clone(),
                    other: i,
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
