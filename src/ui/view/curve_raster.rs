//! Many runs' curves drawn into one texture per chart, redrawn only when the chart, its view or
//! the dimming changes (never on hover: the lines in focus are painted over it).

use super::super::model::curves::CurveChart;
use super::super::model::raster::{RasterLine, raster};
use super::super::view_state::{TextureStamp, ViewState};
use super::palette::run_color;
use egui_plot::{PlotPoint, PlotTransform};
use std::sync::Arc;

/// Every line drawn into a texture the size of the chart's frame; drawn again only when the
/// chart, its view or the dimming changed. The lines in focus (hovered, ticked) are painted over
/// it, so hovering never redraws the texture.
#[allow(clippy::too_many_arguments, reason = "the frame's parts the texture is drawn from")]
pub(super) fn paint_raster(
    ui: &egui::Ui,
    painter: &egui::Painter,
    key: &str,
    chart: &Arc<CurveChart>,
    transform: &PlotTransform,
    dim: bool,
    vs: &mut ViewState,
) {
    let frame = *transform.frame();
    let size = [
        frame.width().round().max(1.0) as usize,
        frame.height().round().max(1.0) as usize,
    ];
    let b = transform.bounds();
    let stamp = TextureStamp {
        chart: Arc::downgrade(chart),
        size,
        bounds: [b.min()[0], b.min()[1], b.max()[0], b.max()[1]],
        dim,
    };
    if vs.curve_textures.get(key).is_none_or(|(s, _)| *s != stamp) {
        let to_px = |p: &[f64; 2]| {
            let s = transform.position_from_point(&PlotPoint::new(p[0], p[1]));
            [s.x - frame.min.x, s.y - frame.min.y]
        };
        let n = chart.lines.len().max(1) as f32;
        let alpha = (8.0 / n).clamp(0.12, 0.9) * if dim { 0.3 } else { 1.0 };
        let pts: Vec<Vec<Vec<[f32; 2]>>> = chart
            .lines
            .iter()
            .map(|l| l.line.segments.iter().map(|s| s.iter().map(to_px).collect()).collect())
            .collect();
        let lines: Vec<RasterLine<'_>> = chart
            .lines
            .iter()
            .zip(&pts)
            .flat_map(|(l, segs)| {
                segs.iter().map(move |s| RasterLine {
                    points: s,
                    color: run_color(l.run_number),
                    alpha,
                })
            })
            .collect();
        let image = egui::ColorImage::new(size, raster(size, &lines));
        let name = format!("curves:{key}");
        match vs.curve_textures.get_mut(key) {
            Some((s, tex)) => {
                tex.set(image, egui::TextureOptions::NEAREST);
                *s = stamp;
            }
            None => {
                let tex = ui.ctx().load_texture(name, image, egui::TextureOptions::NEAREST);
                vs.curve_textures.insert(key.to_string(), (stamp, tex));
            }
        }
    }
    if let Some((_, tex)) = vs.curve_textures.get(key) {
        let uv = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
        painter.image(tex.id(), frame, uv, egui::Color32::WHITE);
    }
}
