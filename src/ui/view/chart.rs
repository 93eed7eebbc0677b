//! Charts: a value over runs (hover a point for the run, click it to open the run) and series
//! overlays drawn from min/max buckets, never from raw points.

use super::super::feed::SeriesFeed;
use super::super::fetch::Spawner;
use super::super::model::dashboard::{RunChart, RunPoint, nearest_point};
use super::super::model::series::SeriesOptions;
use crate::client::HistoryClient;
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

/// One chart of a series, with one line per feed (one per run when comparing). Each feed is asked
/// for buckets matching what is visible, so zooming in brings back full detail.
#[allow(clippy::too_many_arguments)]
pub fn series_chart(
    ui: &mut egui::Ui,
    id: &str,
    feeds: &mut [(&mut SeriesFeed, String, egui::Color32)],
    opts: &SeriesOptions,
    link: Option<egui::Id>,
    height: f32,
    spawner: &Spawner,
    client: &HistoryClient,
) -> PlotTransform {
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
        plot = plot.y_axis_formatter(|m, _| crate::cli::format::g(10f64.powf(m.value)));
    }
    let lines: Vec<(String, egui::Color32, Vec<[f64; 2]>)> = feeds
        .iter_mut()
        .map(|(f, name, color)| (name.clone(), *color, f.line(opts).to_vec()))
        .collect();
    let resp = plot.show(ui, |p| {
        for (name, color, pts) in lines {
            p.line(Line::new(name, PlotPoints::from(pts)).color(color));
        }
        (p.plot_bounds(), p.auto_bounds().x)
    });
    let (bounds, whole) = resp.inner;
    let px = resp.response.rect.width().max(1.0) as usize;
    for (f, _, _) in feeds.iter_mut() {
        let view = (!whole && f.has_data()).then(|| (bounds.min()[0], bounds.max()[0]));
        f.want(spawner, client, opts.x, view, px);
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
