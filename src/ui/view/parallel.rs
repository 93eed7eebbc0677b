//! Parallel coordinates on the dashboard: an axis per chosen param or metric, a line per run
//! coloured by a metric. Drag along an axis to keep a range (the grid and every chart follow),
//! click an axis to clear it; hover a line for its run, click it to open the run.

use super::super::command::Command;
use super::super::model::parallel::{AxisKey, Parallel, nearest_line};
use super::super::view_state::ViewState;
use super::Ctx;

const HEIGHT: f32 = 300.0;
const MARGIN_X: f32 = 70.0;
const MARGIN_TOP: f32 = 34.0;
const MARGIN_BOTTOM: f32 = 14.0;

/// What the view reads for one frame.
pub struct ParallelPage<'a> {
    pub model: &'a Parallel,
    /// Every axis the runs offer, and the metrics to colour by.
    pub all_axes: &'a [AxisKey],
    pub selected: &'a [String],
}

/// The name its PNG is saved under.
const PNG_NAME: &str = "parallel coordinates";

/// A colour for a value from 0 to 1: blue through teal and green to yellow (viridis-like, its
/// darkest end lifted so low values stay visible on a dark background), grey without a value.
pub fn ramp(t: Option<f64>) -> egui::Color32 {
    const STOPS: [[f32; 3]; 5] = [
        [90.0, 90.0, 220.0],
        [50.0, 120.0, 200.0],
        [33.0, 145.0, 140.0],
        [94.0, 201.0, 98.0],
        [253.0, 231.0, 37.0],
    ];
    let Some(t) = t.filter(|t| t.is_finite()) else {
        return egui::Color32::from_gray(140);
    };
    let x = t.clamp(0.0, 1.0) as f32 * (STOPS.len() - 1) as f32;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f32;
    let c = |k: usize| (STOPS[i][k] + (STOPS[i + 1][k] - STOPS[i][k]) * f).round() as u8;
    egui::Color32::from_rgb(c(0), c(1), c(2))
}

pub fn show(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, page: &ParallelPage<'_>, vs: &mut ViewState) {
    let p = page.model;
    let controls_top = ui.cursor().min.y;
    controls(ui, ctx, page);
    kept_ranges(ui, ctx, p);
    if p.axes.len() < 2 {
        ui.weak("Choose two axes or more (Axes…): params and metrics of the runs.");
        return;
    }
    let width = ui.available_width().max(200.0);
    let (rect, response) = ui.allocate_exact_size(egui::vec2(width, HEIGHT), egui::Sense::click());
    let n = p.axes.len();
    let x_of = |i: usize| rect.left() + MARGIN_X + (rect.width() - 2.0 * MARGIN_X) * i as f32 / (n - 1) as f32;
    let (top, bottom) = (rect.top() + MARGIN_TOP, rect.bottom() - MARGIN_BOTTOM);
    let y_of = |pos: f64| bottom - (bottom - top) * pos as f32;
    let at = |i: usize, pos: f64| [x_of(i), y_of(pos)];
    vs.parallel_frame = Some((rect, top, bottom));
    // Its PNG holds the controls' line too: the colour legend is on it.
    vs.chart_rects.insert(
        PNG_NAME.into(),
        egui::Rect::from_min_max(egui::pos2(rect.left(), controls_top), rect.max),
    );
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals().clone();

    // Lines first, the hovered and ticked ones last and thicker.
    let hovered = vs.hovered_run.clone();
    let dim = !page.selected.is_empty();
    let alpha = (40.0 / p.lines.len().max(1) as f32).clamp(0.15, 0.9) * if dim { 0.35 } else { 1.0 };
    let mut focus = Vec::new();
    for (i, l) in p.lines.iter().enumerate() {
        if page.selected.contains(&l.run_id) || hovered.as_deref() == Some(l.run_id.as_str()) {
            focus.push(i);
            continue;
        }
        polyline(
            &painter,
            &l.positions,
            &at,
            egui::Stroke::new(1.0, ramp(l.color).gamma_multiply(alpha)),
        );
    }
    for i in focus {
        let l = &p.lines[i];
        let w = if hovered.as_deref() == Some(l.run_id.as_str()) {
            3.0
        } else {
            2.0
        };
        polyline(&painter, &l.positions, &at, egui::Stroke::new(w, ramp(l.color)));
    }

    // Axes, their ticks, brushes, and the drag that makes a brush.
    for (i, axis) in p.axes.iter().enumerate() {
        let x = x_of(i);
        painter.line_segment(
            [egui::pos2(x, top), egui::pos2(x, bottom)],
            visuals.widgets.noninteractive.fg_stroke,
        );
        painter.text(
            egui::pos2(x, rect.top() + 4.0),
            egui::Align2::CENTER_TOP,
            axis.key.label(),
            egui::FontId::proportional(13.0),
            visuals.strong_text_color(),
        );
        for (pos, text) in axis.scale.ticks() {
            let y = y_of(pos);
            painter.line_segment(
                [egui::pos2(x - 3.0, y), egui::pos2(x + 3.0, y)],
                visuals.widgets.noninteractive.fg_stroke,
            );
            // On a backing of the panel's colour: the lines pass under the numbers, not through them.
            let galley = painter.layout_no_wrap(text, egui::FontId::proportional(11.0), visuals.text_color());
            let at = egui::Align2::LEFT_CENTER.anchor_size(egui::pos2(x + 5.0, y), galley.size());
            painter.rect_filled(at.expand(1.5), 2.0, visuals.panel_fill.gamma_multiply(0.85));
            painter.galley(at.min, galley, visuals.text_color());
        }
        if let Some(b) = &axis.brush {
            let (lo, hi) = brush_span(&axis.scale, b);
            let r = egui::Rect::from_x_y_ranges(x - 6.0..=x + 6.0, y_of(hi)..=y_of(lo));
            painter.rect_filled(r, 2.0, visuals.selection.bg_fill.gamma_multiply(0.5));
        }
        // A little past each end, so a drag can start beyond the last value and keep it.
        let hit = egui::Rect::from_x_y_ranges(x - 12.0..=x + 12.0, top - 12.0..=bottom + 12.0);
        let drag = ui.interact(
            hit,
            ui.scope_id().with(("parallel_axis", i)),
            egui::Sense::click_and_drag(),
        );
        let pos_at = |y: f32| ((bottom - y) / (bottom - top)).clamp(0.0, 1.0) as f64;
        if drag.drag_started() {
            // From where the button went down, not where the drag was first recognised.
            let start = ui
                .input(|inp| inp.pointer.press_origin())
                .or(drag.interact_pointer_pos());
            if let Some(p0) = start {
                vs.parallel_drag = Some((i, pos_at(p0.y), pos_at(p0.y)));
            }
        }
        if let Some((axis_i, from, last)) = vs.parallel_drag
            && axis_i == i
        {
            let to = drag.interact_pointer_pos().map_or(last, |p| pos_at(p.y));
            vs.parallel_drag = Some((i, from, to));
            let r = egui::Rect::from_x_y_ranges(x - 6.0..=x + 6.0, y_of(from.max(to))..=y_of(from.min(to)));
            painter.rect_stroke(r, 2.0, visuals.selection.stroke, egui::StrokeKind::Outside);
            if drag.drag_stopped() {
                vs.parallel_drag = None;
                ctx.push(Command::Brush(axis.key.clone(), Some(axis.scale.brush(from, to))));
            }
        }
        if drag.clicked() && axis.brush.is_some() {
            ctx.push(Command::Brush(axis.key.clone(), None));
        }
        drag.on_hover_text("Drag along the axis to keep a range; click to clear it");
    }

    if let Some(pos) = response.hover_pos()
        && let Some(i) = nearest_line(p, [pos.x, pos.y], 6.0, at)
    {
        let l = &p.lines[i];
        vs.hovered_next = Some(l.run_id.clone());
        ui.ctx().set_cursor_icon(egui::CursorIcon::PointingHand);
        if response.clicked() {
            ctx.push(Command::OpenRun(l.run_id.clone()));
        }
        response.on_hover_text_at_pointer(format!("{}\n(click to open)", l.label));
    }
    ui.weak(format!("{} shown", crate::format::runs(p.lines.len())));
}

fn polyline(
    painter: &egui::Painter,
    positions: &[Option<f64>],
    at: &impl Fn(usize, f64) -> [f32; 2],
    stroke: egui::Stroke,
) {
    let mut run: Vec<egui::Pos2> = Vec::new();
    for (i, p) in positions.iter().enumerate() {
        match p {
            Some(p) => run.push(at(i, *p).into()),
            None => {
                if run.len() > 1 {
                    painter.add(egui::Shape::line(std::mem::take(&mut run), stroke));
                }
                run.clear();
            }
        }
    }
    if run.len() > 1 {
        painter.add(egui::Shape::line(run, stroke));
    }
}

/// The positions (0 to 1) a brush covers on its axis.
fn brush_span(scale: &super::super::model::parallel::Scale, b: &super::super::model::parallel::Brush) -> (f64, f64) {
    use super::super::model::parallel::Brush;
    match b {
        Brush::Range(lo, hi) => (
            scale.position(&lo.to_string()).unwrap_or(0.0),
            scale.position(&hi.to_string()).unwrap_or(1.0),
        ),
        Brush::Categories(c) => {
            let ps: Vec<f64> = c.iter().filter_map(|v| scale.position(v)).collect();
            let lo = ps.iter().copied().fold(1.0, f64::min);
            let hi = ps.iter().copied().fold(0.0, f64::max);
            ((lo - 0.03).max(0.0), (hi + 0.03).min(1.0))
        }
    }
}

/// Axes chooser, colour, and the brushes in force with a way to clear them.
fn controls(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, page: &ParallelPage<'_>) {
    let p = page.model;
    ui.horizontal_wrapped(|ui| {
        // Ticking several axes in a row: the menu stays open until a click outside it.
        let stay_open =
            egui::containers::menu::MenuConfig::new().close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside);
        egui::containers::menu::MenuButton::new("Axes…")
            .config(stay_open)
            .ui(ui, |ui| {
                egui::ScrollArea::vertical().max_height(300.0).show(ui, |ui| {
                    for key in page.all_axes {
                        let mut on = p.axes.iter().any(|a| a.key == *key);
                        let kind = if matches!(key, AxisKey::Param(_)) {
                            "param"
                        } else {
                            "metric"
                        };
                        if ui.checkbox(&mut on, format!("{kind}: {}", key.label())).clicked() {
                            ctx.push(Command::ToggleParallelAxis(key.clone()));
                        }
                    }
                });
            });
        colour_choice(ui, ctx, "parallel_colour", p.color_by.as_ref(), page.all_axes);
        color_legend(ui, p.color_range.as_ref());
        super::chart_picture::png_button(ui, ctx, PNG_NAME);
    });
}

/// "Colour by:" any param or metric the runs offer, or nothing.
pub(super) fn colour_choice(
    ui: &mut egui::Ui,
    ctx: &mut Ctx<'_>,
    id: &str,
    current: Option<&AxisKey>,
    all: &[AxisKey],
) {
    let text = |k: &AxisKey| match k {
        AxisKey::Param(p) => format!("param {p}"),
        AxisKey::Metric(m) => m.clone(),
    };
    let name = ui.label("Colour by:");
    egui::ComboBox::from_id_salt(id)
        .selected_text(current.map_or("nothing".to_string(), text))
        .show_ui(ui, |ui| {
            if ui.selectable_label(current.is_none(), "nothing").clicked() {
                ctx.push(Command::SetParallelColor(None));
            }
            for key in all {
                if ui.selectable_label(current == Some(key), text(key)).clicked() {
                    ctx.push(match key {
                        AxisKey::Param(p) => Command::SetColorByParam(p.clone()),
                        AxisKey::Metric(m) => Command::SetParallelColor(Some(m.clone())),
                    });
                }
            }
        })
        .response
        .labelled_by(name.id);
}

/// Which colour is which value: the ramp from one end of the colouring value's scale to the other.
pub(super) fn color_legend(ui: &mut egui::Ui, range: Option<&(String, String)>) {
    let Some((lo, hi)) = range else { return };
    ui.label(lo);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(90.0, 10.0), egui::Sense::hover());
    const STEPS: usize = 30;
    let w = rect.width() / STEPS as f32;
    for i in 0..STEPS {
        let cell = egui::Rect::from_min_size(
            rect.min + egui::vec2(i as f32 * w, 0.0),
            egui::vec2(w + 0.5, rect.height()),
        );
        ui.painter()
            .rect_filled(cell, 0.0, ramp(Some(i as f64 / (STEPS - 1) as f64)));
    }
    ui.label(hi);
}

/// The ranges kept on axes, each with a button that clears it (nothing when none is kept).
pub(super) fn kept_ranges(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, p: &Parallel) {
    if p.axes.iter().all(|a| a.brush.is_none()) {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label("Only runs with");
        for a in &p.axes {
            if let Some(b) = &a.brush
                && ui
                    .button(format!("{}: {} (clear)", a.key.label(), b.label()))
                    .on_hover_text("Clear this range (set on the parallel coordinates)")
                    .clicked()
            {
                ctx.push(Command::Brush(a.key.clone(), None));
            }
        }
    });
}
