//! Saving a chart as PNG: once the logic has a file for it, the view asks for a picture of the
//! window and hands the chart's part of it back as a command.

use super::super::command::Command;
use super::super::view_state::ViewState;
use super::Ctx;
use std::path::PathBuf;

/// The button that saves the chart named `name` as PNG.
pub fn png_button(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, name: &str) {
    if ui
        .small_button("PNG…")
        .on_hover_text("Save this chart as a PNG picture")
        .clicked()
    {
        ctx.push(Command::PickChartPng(name.to_string()));
    }
}

/// Asks for a picture of the window for the chart waiting to be saved, or hands one back.
pub fn take(ui: &egui::Ui, ctx: &mut Ctx<'_>, waiting: Option<&(String, PathBuf)>, vs: &mut ViewState) {
    if let Some((rx, region)) = &vs.picture {
        if let Ok(image) = rx.try_recv() {
            ctx.push(Command::ChartPictureTaken { image, region: *region });
            vs.picture = None;
        }
        return;
    }
    let Some((key, path)) = waiting else {
        vs.picture_for = None;
        return;
    };
    // One picture per file chosen; the chart must have been drawn to be cut out.
    if vs.picture_for.as_ref() == Some(path) {
        return;
    }
    let Some(rect) = vs.chart_rects.get(key) else { return };
    let ppp = ui.ctx().pixels_per_point();
    let px = |v: f32| (v * ppp).round().max(0.0) as usize;
    let region = [px(rect.min.x), px(rect.min.y), px(rect.width()), px(rect.height())];
    let (tx, rx) = std::sync::mpsc::channel();
    let repaint = ui.ctx().clone();
    ui.ctx().request_screenshot(move |image| {
        // The window may have closed meanwhile: nobody waits then.
        let _ = tx.send(image);
        repaint.request_repaint();
    });
    vs.picture = Some((rx, region));
    vs.picture_for = Some(path.clone());
}
