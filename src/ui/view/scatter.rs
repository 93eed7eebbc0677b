//! The scatter of runs on the dashboard: a point per run on two chosen params or metrics,
//! coloured by a third; hover a point for its run, click it to open the run.

use super::super::command::Command;
use super::super::model::axes::{Along, AxisKind};
use super::super::model::parallel::AxisKey;
use super::super::model::scatter::{Scatter, ScatterAxis};
use super::super::view_state::ViewState;
use super::Ctx;
use super::chart::{formatter, spacer};
use super::parallel::ramp;
use egui_plot::{GridMark, Plot, PlotPoint};

const HEIGHT: f32 = 320.0;

/// What the view reads for one frame.
pub struct ScatterPage<'a> {
    pub model: &'a Scatter,
    pub all_axes: &'a [AxisKey],
    pub selected: &'a [String],
}

pub fn show(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, page: &ScatterPage<'_>, vs: &mut ViewState) {
    let s = page.model;
    let controls_top = ui.cursor().min.y;
    controls(ui, ctx, page);
    let resp = Plot::new("runs_scatter")
        .height(HEIGHT)
        .allow_scroll(false)
        .x_axis_label(s.x.key.label())
        .y_axis_label(s.y.key.label())
        .x_grid_spacer(spacer(kind(&s.x), Along::X))
        .y_grid_spacer(spacer(kind(&s.y), Along::Y))
        .x_axis_formatter(labels(&s.x))
        .y_axis_formatter(labels(&s.y))
        .set_margin_fraction(egui::vec2(0.06, 0.08))
        .include_x(s.points.iter().map(|p| p.x).fold(f64::INFINITY, f64::min))
        .include_x(s.points.iter().map(|p| p.x).fold(f64::NEG_INFINITY, f64::max))
        .include_y(s.points.iter().map(|p| p.y).fold(f64::INFINITY, f64::min))
        .include_y(s.points.iter().map(|p| p.y).fold(f64::NEG_INFINITY, f64::max))
        .label_formatter(|_| None)
        .show(ui, |_| ());
    let t = resp.transform;
    vs.scatter_frame = Some(t);
    let plot = resp.response.rect;
    vs.chart_rects.insert(
        "scatter".into(),
        egui::Rect::from_min_max(egui::pos2(plot.left(), controls_top), plot.max),
    );
    let painter = ui.painter_at(*t.frame());
    let radius = if s.points.len() > 300 { 2.5 } else { 4.0 };
    let dim = !page.selected.is_empty();
    let hovered = vs.hovered_run.clone();
    let at = |p: &super::super::model::scatter::ScatterPoint| t.position_from_point(&PlotPoint::new(p.x, p.y));
    for p in &s.points {
        let focus = page.selected.contains(&p.run_id) || hovered.as_deref() == Some(p.run_id.as_str());
        let c = ramp(p.color);
        let c = if dim && !focus { c.gamma_multiply(0.3) } else { c };
        painter.circle_filled(at(p), if focus { radius + 2.5 } else { radius }, c);
        if focus {
            painter.circle_stroke(
                at(p),
                radius + 3.5,
                egui::Stroke::new(1.5, ui.visuals().strong_text_color()),
            );
        }
    }
    if let Some(pos) = resp.response.hover_pos() {
        let near = s
            .points
            .iter()
            .map(|p| (p, at(p).distance_sq(pos)))
            .filter(|(_, d)| *d <= 10.0 * 10.0)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((p, _)) = near {
            vs.hovered_next = Some(p.run_id.clone());
            ui.ctx().set_cursor_icon(egui::CursorIcon::PointingHand);
            if resp.response.clicked() {
                ctx.push(Command::OpenRun(p.run_id.clone()));
            }
            resp.response
                .on_hover_text_at_pointer(format!("{}\n(click to open)", p.hover));
        }
    }
    ui.weak(format!(
        "{} with both values{}",
        crate::format::runs(s.points.len()),
        s.color_by.as_ref().map_or(String::new(), |k| format!(
            " · colour: {}, blue low, yellow high",
            k.label()
        ))
    ));
}

fn kind(axis: &ScatterAxis) -> AxisKind {
    if !axis.categories.is_empty() {
        AxisKind::Integer
    } else if axis.log {
        AxisKind::Log10
    } else {
        AxisKind::Plain
    }
}

/// Category names on a categorical axis, numbers read as a person reads them otherwise.
fn labels(axis: &ScatterAxis) -> impl Fn(GridMark, &std::ops::RangeInclusive<f64>) -> String + use<> {
    let axis = axis.clone();
    let plain = formatter(kind(&axis));
    move |mark: GridMark, range: &std::ops::RangeInclusive<f64>| {
        axis.label_at(mark.value).unwrap_or_else(|| plain(mark, range))
    }
}

fn controls(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, page: &ScatterPage<'_>) {
    let s = page.model;
    ui.horizontal_wrapped(|ui| {
        for (which, current) in [("x", &s.x.key), ("y", &s.y.key)] {
            let name = ui.label(format!("{which}:"));
            egui::ComboBox::from_id_salt(("scatter_axis", which))
                .selected_text(current.label())
                .show_ui(ui, |ui| {
                    for key in page.all_axes {
                        let kind = if matches!(key, AxisKey::Param(_)) {
                            "param"
                        } else {
                            "metric"
                        };
                        if ui
                            .selectable_label(key == current, format!("{kind}: {}", key.label()))
                            .clicked()
                        {
                            ctx.push(if which == "x" {
                                Command::SetScatterX(key.clone())
                            } else {
                                Command::SetScatterY(key.clone())
                            });
                        }
                    }
                })
                .response
                .labelled_by(name.id);
        }
        super::parallel::colour_choice(ui, ctx, "scatter_colour", s.color_by.as_ref(), page.all_axes);
        super::parallel::color_legend(ui, s.color_range.as_ref());
        super::chart_picture::png_button(ui, ctx, "scatter");
    });
}
