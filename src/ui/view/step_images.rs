//! Images logged at steps: a slider over the steps of each key and the image at the step chosen;
//! in compare, each run's image at that step side by side, at one scale.

use super::super::command::Command;
use super::super::compare_state::CompareState;
use super::super::details_state::DetailsState;
use super::super::fetch::Fetch;
use super::super::model::compare_page::CompareModel;
use super::super::model::run_page::DetailsModel;
use super::super::model::step_images::{at_step, stops};
use super::super::preview::Preview;
use super::super::view_state::ViewState;
use super::Ctx;
use super::chart::RUN_COLORS;

/// Decoded images kept as textures before they are all let go.
const KEPT_TEXTURES: usize = 64;

/// The run page's images over steps, a slider each.
pub fn details(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, d: &DetailsState, m: &DetailsModel, vs: &mut ViewState) {
    if m.step_images.is_empty() {
        return;
    }
    egui::CollapsingHeader::new("Images over steps")
        .default_open(true)
        .show(ui, |ui| {
            for (key, series) in &m.step_images {
                ui.strong(key);
                let step = slider(ui, &format!("details:{key}"), &stops([series.as_slice()]), vs);
                let Some(img) = at_step(series, step) else { continue };
                let fetch = d.step_images.get(&img.path);
                if fetch.is_none() {
                    ctx.push(Command::LoadRunImage(img.path.clone()));
                }
                let width = ui.available_width().min(480.0);
                let slot = format!("details:{key}");
                image(ui, vs, &slot, &format!("{}/{}", d.run_id, img.path), fetch, width);
            }
        });
}

/// Compare's images over steps: one slider per key, every run's image at its step.
pub fn compare(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, cmp: &CompareState, m: &CompareModel, vs: &mut ViewState) {
    if m.step_images.is_empty() {
        return;
    }
    let runs = cmp.loaded();
    ui.separator();
    ui.heading("Images over steps");
    // A step chosen for the metrics moves the images there too (each slider still moves alone).
    let follow = (vs.images_follow_step != cmp.at_step).then_some(cmp.at_step).flatten();
    vs.images_follow_step = cmp.at_step;
    for (key, per_run) in &m.step_images {
        ui.strong(key);
        let steps = stops(per_run.iter().map(Vec::as_slice));
        let id = format!("compare:{key}");
        if let Some(at) = follow
            && let Some(stop) = steps.iter().rev().find(|s| **s <= at).or(steps.first())
        {
            vs.image_steps.insert(id.clone(), *stop);
        }
        let step = slider(ui, &id, &steps, vs);
        let width = (ui.available_width() / per_run.len().max(1) as f32 - 12.0).clamp(80.0, 480.0);
        ui.horizontal_top(|ui| {
            for (i, series) in per_run.iter().enumerate() {
                let Some(run) = runs.get(i) else { continue };
                ui.vertical(|ui| {
                    ui.set_width(width);
                    ui.colored_label(RUN_COLORS[i % RUN_COLORS.len()], format!("run {}", run.run_number));
                    let Some(img) = at_step(series, step) else {
                        ui.weak(format!("no image by step {step}"));
                        return;
                    };
                    if img.step != step {
                        ui.weak(format!("from step {}", img.step));
                    }
                    let fetch = cmp.images.get(&(img.path.clone(), i));
                    if fetch.is_none() {
                        ctx.push(Command::LoadComparedImage(img.path.clone(), i));
                    }
                    let slot = format!("compare:{key}:{i}");
                    image(ui, vs, &slot, &format!("{}/{}", run.run_id, img.path), fetch, width);
                });
            }
        });
    }
}

/// A slider over the steps that have an image (`id` keeps its place); the step chosen, at
/// first the last one.
fn slider(ui: &mut egui::Ui, id: &str, stops: &[i64], vs: &mut ViewState) -> i64 {
    let last = stops.len().saturating_sub(1);
    let mut i = vs
        .image_steps
        .get(id)
        .and_then(|s| stops.iter().position(|x| x == s))
        .unwrap_or(last);
    ui.horizontal(|ui| {
        ui.add_enabled(last > 0, egui::Slider::new(&mut i, 0..=last).show_value(false))
            .on_hover_text("Drag, or use the arrow keys, to walk through the steps");
        ui.label(format!("step {}", stops.get(i).copied().unwrap_or(0)));
        ui.weak(format!("({} of {})", i + 1, stops.len()));
    });
    let step = stops.get(i).copied().unwrap_or(0);
    vs.image_steps.insert(id.to_string(), step);
    step
}

/// An image as read so far: drawn at `width`, or why it cannot be. While the next step's image
/// is read, the one `slot` showed last stays (the page keeps its height: no jump under a slider).
fn image(ui: &mut egui::Ui, vs: &mut ViewState, slot: &str, texture: &str, fetch: Option<&Fetch<Preview>>, width: f32) {
    let draw = |ui: &mut egui::Ui, t: &egui::TextureHandle, size: [usize; 2]| {
        let height = width * size[1] as f32 / size[0].max(1) as f32;
        ui.add(egui::Image::from_texture(t).fit_to_exact_size(egui::vec2(width, height)));
    };
    match fetch.and_then(Fetch::value) {
        Some(Preview::Image { size, rgba }) => {
            if vs.step_textures.len() > KEPT_TEXTURES && !vs.step_textures.contains_key(texture) {
                vs.step_textures.clear();
            }
            let t = vs
                .step_textures
                .entry(texture.to_string())
                .or_insert_with(|| {
                    let img = egui::ColorImage::from_rgba_unmultiplied(*size, rgba);
                    ui.ctx().load_texture(texture, img, Default::default())
                })
                .clone();
            draw(ui, &t, *size);
            vs.step_shown.insert(slot.to_string(), (t, *size));
        }
        Some(Preview::Unavailable(why)) => {
            ui.weak(why);
        }
        Some(_) => {
            ui.weak("not an image");
        }
        None => match (fetch.and_then(Fetch::error), vs.step_shown.get(slot)) {
            (Some(e), _) => {
                ui.colored_label(ui.visuals().error_fg_color, &e.message);
            }
            (None, Some((t, size))) => draw(ui, t, *size),
            (None, None) => {
                ui.spinner();
            }
        },
    }
}
