//! Charts: a value over runs (hover a point for the run, click it to open the run) and series
//! overlays drawn from min/max buckets, never from raw points.

use super::super::command::{ChartView, Command, FeedId};
use super::super::feed::SeriesFeed;
use super::super::model::dashboard::{RunChart, RunPoint, nearest_point};
use super::super::model::series::SeriesOptions;
use super::Ctx;
use egui_plot::{Line, Plot, PlotPoints, PlotTransform, Points};

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

pub fn run_chart(ui: &mut egui::Ui, chart: &RunChart, size: egui::Vec2, x_label: &str) -> RunChartResponse {
    let pts: Vec<[f64; 2]> = chart.points.iter().map(|p| [p.x, p.y]).collect();
    let color = ui.visuals().selection.bg_fill;
    let resp = Plot::new(("run_chart", chart.key.label()))
        .width(size.x)
        .height(size.y)
        .allow_scroll(false)
        .x_axis_label(x_label)
        .label_formatter(|_| None)
        .show(ui, |p| {
            p.line(Line::new(chart.key.label(), PlotPoints::from(pts.clone())).color(color.gamma_multiply(0.5)));
            p.points(
                Points::new(chart.key.label(), PlotPoints::from(pts))
                    .radius(3.5)
                    .color(color),
            );
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

/// One chart of a series, with one line per feed (one per run when comparing). When what is
/// visible differs from what a feed last read, the chart asks for it (a command, applied by the
/// logic), so zooming in brings back full detail; the chart itself never fetches.
pub fn series_chart(
    ui: &mut egui::Ui,
    ctx: &mut Ctx<'_>,
    id: &str,
    lines: &[SeriesLine<'_>],
    link: Option<egui::Id>,
    height: f32,
) -> PlotTransform {
    let opts = ctx.settings.series;
    let mut plot = Plot::new(id)
        .height(height)
        // The wheel scrolls the page; zoom with ctrl+wheel or a box drag (right button).
        .allow_scroll(false)
        .x_axis_label(opts.x.label())
        .legend(egui_plot::Legend::default());
    if let Some(group) = link {
        plot = plot.link_axis(group, [true, false]).link_cursor(group, [true, false]);
    }
    if opts.log_y {
        plot = plot.y_axis_formatter(|m, _| crate::format::g(10f64.powf(m.value)));
    }
    let resp = plot.show(ui, |p| {
        for l in lines {
            p.line(Line::new(l.name.clone(), PlotPoints::from(l.feed.line().to_vec())).color(l.color));
        }
        (p.plot_bounds(), p.auto_bounds().x)
    });
    let (bounds, whole) = resp.inner;
    let px = resp.response.rect.width().max(1.0) as usize;
    let view = ChartView {
        range: (!whole).then(|| (bounds.min()[0], bounds.max()[0])),
        px,
    };
    for l in lines {
        if let Some(v) = l.feed.wants(opts.x, view) {
            ctx.push(Command::ViewSeries(l.id.clone(), v));
        }
    }
    resp.transform
}

/// The options bar every series chart shares: x axis, smoothing, log scale.
pub fn series_options(ui: &mut egui::Ui, opts: &SeriesOptions) -> Option<SeriesOptions> {
    let mut o = *opts;
    ui.horizontal(|ui| {
        ui.label("x:");
        for mode in super::super::model::series::XMode::ALL {
            ui.radio_value(&mut o.x, mode, mode.label());
        }
        ui.separator();
        ui.add(egui::Slider::new(&mut o.smoothing, 0.0..=0.99).text("smoothing"));
        ui.checkbox(&mut o.log_y, "log scale");
    });
    (o != *opts).then_some(o)
}
