//! Charts: a value over runs (hover a point for the run, click it to open the run) and series
//! overlays drawn from min/max buckets, never from raw points.

use super::super::command::{ChartView, Command, FeedId};
use super::super::feed::SeriesFeed;
use super::super::model::axes::{self, Along, AxisKind};
use super::super::model::dashboard::{RunAxis, RunChart, RunPoint, nearest_point};
use super::super::model::series::{SeriesOptions, XMode};
use super::Ctx;
use egui_plot::{GridInput, GridMark, Line, Plot, PlotPoints, PlotTransform, Points};

/// Colours of overlaid runs, in order.
pub const RUN_COLORS: [egui::Color32; 3] = [
    egui::Color32::from_rgb(66, 133, 244),
    egui::Color32::from_rgb(234, 67, 53),
    egui::Color32::from_rgb(251, 188, 5),
];

/// What happened on a run chart this frame.
pub struct RunChartResponse {
    pub transform: PlotTransform,
    pub clicked: Option<String>,
}

/// A value over the runs: a point per run (smaller as runs get many), the ticked runs drawn
/// larger in the highlight colour, x as whole run numbers or as dates and times.
pub fn run_chart(
    ui: &mut egui::Ui,
    chart: &RunChart,
    size: egui::Vec2,
    axis: RunAxis,
    selected: &[String],
) -> RunChartResponse {
    let pts: Vec<[f64; 2]> = chart.points.iter().map(|p| [p.x, p.y]).collect();
    let picked: Vec<[f64; 2]> = chart
        .points
        .iter()
        .filter(|p| selected.contains(&p.run_id))
        .map(|p| [p.x, p.y])
        .collect();
    let color = ui.visuals().selection.bg_fill;
    let highlight = ui.visuals().warn_fg_color;
    let radius = match pts.len() {
        0..=50 => 3.5,
        51..=300 => 2.5,
        _ => 1.5,
    };
    let (xk, x_label) = match axis {
        RunAxis::Number => (AxisKind::Integer, "run number"),
        RunAxis::StartTime => (AxisKind::WallTime, "start time"),
    };
    let mut plot = Plot::new(("run_chart", chart.key.label()));
    // One value (a single run, or all alike): a range around it, not the plot's default of ±0.5,
    // which squeezes a learning rate of 0.001 onto zero.
    let (lo, hi) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
        (lo.min(p[1]), hi.max(p[1]))
    });
    if lo.is_finite() && hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        plot = plot.include_y(lo - pad).include_y(hi + pad);
    }
    let resp = plot
        .width(size.x)
        .height(size.y)
        .allow_scroll(false)
        .x_axis_label(x_label)
        .x_grid_spacer(spacer(xk, Along::X))
        .x_axis_formatter(formatter(xk))
        .y_grid_spacer(spacer(AxisKind::Plain, Along::Y))
        .y_axis_formatter(formatter(AxisKind::Plain))
        // Points keep off the frame.
        .set_margin_fraction(egui::vec2(0.04, 0.08))
        .label_formatter(|_| None)
        .show(ui, |p| {
            // A line only through a few runs; a thousand are a cloud, not a curve.
            if pts.len() <= 50 {
                p.line(Line::new(chart.key.label(), PlotPoints::from(pts.clone())).color(color.gamma_multiply(0.5)));
            }
            p.points(
                Points::new(chart.key.label(), PlotPoints::from(pts))
                    .radius(radius)
                    .color(if picked.is_empty() {
                        color
                    } else {
                        color.gamma_multiply(0.6)
                    }),
            );
            if !picked.is_empty() {
                p.points(
                    Points::new("ticked", PlotPoints::from(picked))
                        .radius(radius + 2.0)
                        .color(highlight),
                );
            }
        });
    let transform = resp.transform;
    let mut clicked = None;
    if let Some(pos) = resp.response.hover_pos() {
        let near: Option<&RunPoint> = nearest_point(&chart.points, [pos.x, pos.y], 12.0, |x, y| {
            let s = transform.position_from_point(&egui_plot::PlotPoint::new(x, y));
            [s.x, s.y]
        });
        if let Some(p) = near {
            ui.ctx().set_cursor_icon(egui::CursorIcon::PointingHand);
            if resp.response.clicked() {
                clicked = Some(p.run_id.clone());
            }
            resp.response
                .on_hover_text_at_pointer(format!("{}\n(click to open)", p.hover));
        }
    }
    RunChartResponse { transform, clicked }
}

/// One line of a series chart: the feed it comes from, its name and colour.
pub struct SeriesLine<'a> {
    pub id: FeedId,
    pub feed: &'a SeriesFeed,
    pub name: String,
    pub color: egui::Color32,
}

/// Grid marks a person reads (see `model::axes`), for the plot.
pub(super) fn spacer(kind: AxisKind, along: Along) -> impl Fn(GridInput) -> Vec<GridMark> {
    move |input: GridInput| {
        axes::ticks(kind, along, input.bounds, input.base_step_size)
            .into_iter()
            .map(|(value, step_size)| GridMark { value, step_size })
            .collect()
    }
}

pub(super) fn formatter(kind: AxisKind) -> impl Fn(GridMark, &std::ops::RangeInclusive<f64>) -> String {
    move |mark: GridMark, range: &std::ops::RangeInclusive<f64>| {
        axes::tick_label(kind, mark.value, mark.step_size, range.end() - range.start())
    }
}

/// The kind of the x axis of a series chart.
pub fn x_kind(x: XMode) -> AxisKind {
    match x {
        XMode::Step => AxisKind::Integer,
        XMode::WallTime => AxisKind::WallTime,
        XMode::Relative => AxisKind::Seconds,
        XMode::Metric => AxisKind::Plain,
    }
}

/// An x as hovering shows it: a step whole, a time to the second.
pub(super) fn x_text(xk: AxisKind, x: f64, span: f64) -> String {
    match xk {
        AxisKind::WallTime | AxisKind::Seconds => axes::tick_label(xk, x, 1.0, span),
        AxisKind::Integer if x >= 0.0 => crate::format::count(x.round() as u64),
        _ => crate::format::g(x),
    }
}

/// What happened on a series chart this frame.
pub struct SeriesChartResponse {
    pub transform: PlotTransform,
    /// The user asked to see the whole series again.
    pub reset: bool,
}

/// One chart of a series, with one line per feed (one per run when comparing). When what is
/// visible differs from what a feed last read, the chart asks for it (a command, applied by the
/// logic), so zooming in brings back full detail; the chart itself never fetches. Hovering shows
/// the nearest point's x, y and line; `reset` draws the whole series again.
pub fn series_chart(
    ui: &mut egui::Ui,
    ctx: &mut Ctx<'_>,
    id: &str,
    lines: &[SeriesLine<'_>],
    link: Option<egui::Id>,
    height: f32,
    reset: bool,
) -> SeriesChartResponse {
    let opts = ctx.settings.series;
    // A long series takes a moment to read the first time: say so rather than show empty axes.
    if lines.iter().all(|l| l.feed.line().is_empty()) && lines.iter().any(|l| l.feed.is_loading()) {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Reading the series…");
        });
    }
    let (xk, yk) = (
        x_kind(opts.x),
        if opts.log_y { AxisKind::Log10 } else { AxisKind::Plain },
    );
    // As wide as what can be seen: a row above that ran wide must not push the chart under a
    // side panel.
    let width = (ui.clip_rect().right() - ui.cursor().min.x)
        .min(ui.available_width())
        .max(120.0);
    let mut plot = Plot::new(id)
        .width(width)
        .height(height)
        // The wheel scrolls the page; zoom with ctrl+wheel or a box drag (right button).
        .allow_scroll(false)
        .x_axis_label(opts.x.label())
        .x_grid_spacer(spacer(xk, Along::X))
        .x_axis_formatter(formatter(xk))
        .y_grid_spacer(spacer(yk, Along::Y))
        .y_axis_formatter(formatter(yk))
        .label_formatter(|_| None)
        .legend(egui_plot::Legend::default());
    if let Some(group) = link {
        plot = plot.link_axis(group, [true, false]).link_cursor(group, [true, false]);
    }
    if reset {
        plot = plot.reset();
    }
    let resp = plot.show(ui, |p| {
        for l in lines {
            for seg in &l.feed.line().segments {
                p.line(Line::new(l.name.clone(), PlotPoints::from(seg.clone())).color(l.color));
            }
        }
        (p.plot_bounds(), p.auto_bounds().x)
    });
    let (bounds, whole) = resp.inner;
    let transform = resp.transform;
    let px = resp.response.rect.width().max(1.0) as usize;
    if let Some(pos) = resp.response.hover_pos() {
        let to_screen = |p: &[f64; 2]| transform.position_from_point(&egui_plot::PlotPoint::new(p[0], p[1]));
        let nearest = lines
            .iter()
            .flat_map(|l| l.feed.line().points().map(move |p| (l, p)))
            .map(|(l, p)| (l, p, to_screen(p).distance_sq(pos)))
            .filter(|(_, _, d)| *d <= 30.0 * 30.0)
            .min_by(|a, b| a.2.total_cmp(&b.2));
        if let Some((l, p, _)) = nearest {
            let x = x_text(xk, p[0], bounds.max()[0] - bounds.min()[0]);
            let y = if opts.log_y { 10f64.powf(p[1]) } else { p[1] };
            ui.painter().circle_filled(to_screen(p), 3.5, l.color);
            resp.response.on_hover_text_at_pointer(format!(
                "{}\n{}: {x}\ny: {}",
                l.name,
                opts.x.label(),
                crate::format::g(y)
            ));
        }
    }
    let hidden: usize = lines.iter().map(|l| l.feed.line().hidden).sum();
    let mut reset_asked = false;
    ui.horizontal(|ui| {
        ui.weak("Drag to pan · Ctrl+wheel or right-drag to zoom");
        if !whole
            && ui
                .small_button("Show all")
                .on_hover_text("Back to the whole series")
                .clicked()
        {
            reset_asked = true;
        }
        if hidden > 0 {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("{hidden} points at or below 0 are not shown on a log axis"),
            );
        }
    });
    let view = ChartView {
        range: (!whole).then(|| (bounds.min()[0], bounds.max()[0])),
        px,
    };
    for l in lines {
        if let Some(v) = l.feed.wants(opts.x, view) {
            ctx.push(Command::ViewSeries(l.id.clone(), v));
        }
    }
    SeriesChartResponse {
        transform,
        reset: reset_asked,
    }
}

/// The options bar every series chart shares: x axis, smoothing, log scale.
/// The options' controls; with `y_now` (the chart's y extent, in values) a fixed y range too.
pub fn series_options(ui: &mut egui::Ui, opts: &SeriesOptions, y_now: Option<[f64; 2]>) -> Option<SeriesOptions> {
    let mut o = *opts;
    // Wraps in a narrow window rather than widen the page (and every chart) past its panel.
    ui.horizontal_wrapped(|ui| {
        ui.label("x:");
        for mode in super::super::model::series::XMode::ALL {
            ui.radio_value(&mut o.x, mode, mode.label());
        }
        ui.separator();
        // The slider, its value and its name move to the next line together when they do not fit.
        let visible = (ui.clip_rect().right() - ui.cursor().min.x).min(ui.available_width());
        if visible < 260.0 {
            ui.end_row();
        }
        ui.add(egui::Slider::new(&mut o.smoothing, 0.0..=0.99).text("smoothing"));
        ui.checkbox(&mut o.log_y, "log scale");
        if let Some(now) = y_now {
            y_range(ui, &mut o, now);
        }
        // A setting away from the default is in sight, with one click back.
        if o != SeriesOptions::default()
            && ui
                .button("Reset")
                .on_hover_text("Back to steps, no smoothing, linear scale")
                .clicked()
        {
            o = SeriesOptions::default();
        }
    });
    (o != *opts).then_some(o)
}

/// A fixed y range: ticked, it starts at the chart's extent; two fields set its ends.
fn y_range(ui: &mut egui::Ui, o: &mut SeriesOptions, now: [f64; 2]) {
    ui.end_row();
    let mut fixed = o.y_range.is_some();
    if ui
        .checkbox(&mut fixed, "fixed y:")
        .on_hover_text("Keep this y range whatever the lines do (zooming x keeps it too)")
        .changed()
    {
        o.y_range = fixed.then_some(now);
    }
    if let Some([lo, hi]) = &mut o.y_range {
        let speed = ((*hi - *lo).abs() / 200.0).max(1e-12);
        ui.add(egui::DragValue::new(lo).speed(speed).max_decimals(6));
        ui.label("to");
        ui.add(egui::DragValue::new(hi).speed(speed).max_decimals(6));
        if *lo >= *hi {
            ui.colored_label(ui.visuals().warn_fg_color, "the low end must be below the high end");
        }
    }
}
