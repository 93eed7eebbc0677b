//! Learning curves on the dashboard: a chart per metric with one line per run in view, each run
//! in its own colour everywhere. Many runs are drawn into one texture; hovered and ticked runs on
//! top as lines. Only charts on screen draw and ask for their curves.

use super::super::command::{ChartView, Command};
use super::super::curves_state::{CurveFeed, CurvesState};
use super::super::model::axes::{Along, AxisKind};
use super::super::model::curves::{CurveChart, KeyFilter, nearest_curve, nearest_group, shown_keys_with};
use super::super::model::groups::GroupBy;
use super::super::model::series::ChartLine;
use super::super::settings::CurveSettings;
use super::super::view_state::ViewState;
use super::chart::{formatter, series_options, spacer, x_kind, x_text};
use super::palette::run_color;
use super::{Ctx, curve_groups, curve_header, curve_raster};
use egui_plot::{Plot, PlotPoint};
use std::sync::Arc;

/// Above this many points in a chart, the lines not in focus are drawn into a texture.
const RASTER_ABOVE_POINTS: usize = 20_000;
const CHART_HEIGHT: f32 = 200.0;
const CHART_MIN_WIDTH: f32 = 360.0;
const HOVER_PX: f32 = 8.0;

/// What the curves section reads for one frame.
pub struct CurvesPage<'a> {
    pub keys: &'a [String],
    pub state: Option<&'a CurvesState>,
    pub settings: &'a CurveSettings,
    pub runs_stamp: u64,
    pub selected: &'a [String],
    /// What the runs can be grouped by.
    pub group_keys: &'a [GroupBy],
}

/// The options bar, the chart search and the charts, in at most `max_height`.
pub fn show(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, page: &CurvesPage<'_>, vs: &mut ViewState, max_height: f32) {
    let s = page.settings;
    vs.reset_all_curves = std::mem::take(&mut vs.reset_all_curves_next);
    if vs.reset_all_curves {
        ui.ctx().request_repaint();
    }
    ui.horizontal_wrapped(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut vs.curve_search)
                .hint_text("Search charts (regex)")
                .desired_width(180.0),
        );
        if !s.hidden.is_empty() {
            ui.menu_button(format!("Hidden ({})", s.hidden.len()), |ui| {
                for key in &s.hidden {
                    if ui.button(format!("Show {key}")).clicked() {
                        ctx.push(Command::ToggleCurveHidden(key.clone()));
                    }
                }
            });
        }
        ui.separator();
        curve_groups::grouping_controls(ui, ctx, page);
        ui.separator();
        curve_header::x_metric_choice(ui, ctx, page.keys, s);
    });
    // The x axis, smoothing and scale on a row of their own: in a narrow window the first row
    // wraps, and these keep their labels whole.
    if let Some(o) = series_options(ui, &s.options, None) {
        ctx.push(Command::SetCurveOptions(o));
    }
    // The search is compiled when it changes, not every frame.
    if vs.curve_filter.as_ref().is_none_or(|f| f.search != vs.curve_search) {
        vs.curve_filter = Some(KeyFilter::new(&vs.curve_search));
    }
    let Some(filter) = &vs.curve_filter else { return };
    let keys = shown_keys_with(page.keys, filter, &s.pinned, &s.hidden);
    if let Some(e) = &filter.error {
        ui.colored_label(ui.visuals().warn_fg_color, e);
    }
    // With a grouping, which colour is which group (the groups of the first chart read).
    if s.grouping.is_some()
        && let Some(chart) = keys.iter().find_map(|k| page.state?.feed(k)).map(|f| f.chart().clone())
    {
        curve_groups::legend(ui, &chart);
    }
    if keys.is_empty() {
        ui.weak(if page.keys.is_empty() {
            "No metric was logged more than once: no learning curves yet."
        } else {
            "No chart matches the search."
        });
        return;
    }
    let width = ui.available_width();
    let per_row = ((width / CHART_MIN_WIDTH).floor() as usize).max(1);
    let w = width / per_row as f32 - 8.0;
    egui::ScrollArea::vertical()
        .id_salt("curves_scroll")
        .max_height(max_height)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            for row in keys.chunks(per_row) {
                ui.horizontal(|ui| {
                    for key in row {
                        let drawn = ui.vertical(|ui| {
                            ui.set_width(w);
                            let size = egui::vec2(w, CHART_HEIGHT + 24.0);
                            // A chart scrolled out of sight only keeps its place: no drawing, no read.
                            let place = egui::Rect::from_min_size(ui.cursor().min, size);
                            if !ui.is_rect_visible(place) {
                                ui.allocate_space(size);
                                return;
                            }
                            let feed = page.state.and_then(|st| st.feed(key));
                            curve_header::chart_header(
                                ui,
                                ctx,
                                key,
                                s,
                                curve_header::y_extent(feed, &s.options_for(key)),
                            );
                            curve_chart(ui, ctx, page, key, feed, egui::vec2(w, CHART_HEIGHT), vs);
                        });
                        vs.chart_rects.insert(key.clone(), drawn.response.rect);
                    }
                });
            }
        });
}

/// Width of a curve chart's y axis unless its labels need more (points).
const Y_AXIS_WIDTH: f32 = 44.0;

/// One chart: axes and zoom from egui_plot, the lines painted over its frame.
fn curve_chart(
    ui: &mut egui::Ui,
    ctx: &mut Ctx<'_>,
    page: &CurvesPage<'_>,
    key: &str,
    feed: Option<&CurveFeed>,
    size: egui::Vec2,
    vs: &mut ViewState,
) {
    let opts = page.settings.options_for(key);
    let empty = Arc::new(CurveChart::default());
    let chart = feed.map_or(&empty, CurveFeed::chart).clone();
    let (xk, yk) = (
        x_kind(opts.x),
        if opts.log_y { AxisKind::Log10 } else { AxisKind::Plain },
    );
    let x_label = curve_header::x_label(&opts, page.settings);
    // Charts over the same x zoom and pan together, and show one cursor line.
    let x_group = egui::Id::unique(("curves_x", &x_label));
    let mut plot = Plot::new(("curves", key))
        .width(size.x)
        .height(size.y)
        // A y axis wide enough for its usual labels from the first frame: egui_plot fits the axis
        // to the last frame's labels, and a frame that changes width draws the texture again.
        .y_axis_min_width(Y_AXIS_WIDTH)
        .allow_scroll(false)
        .link_axis(x_group, [true, false])
        .link_cursor(x_group, [true, false])
        .x_axis_label(x_label)
        .x_grid_spacer(spacer(xk, Along::X))
        .x_axis_formatter(formatter(xk))
        .y_grid_spacer(spacer(yk, Along::Y))
        .y_axis_formatter(formatter(yk))
        .label_formatter(|_| None);
    if let Some((x, y)) = chart.extent {
        plot = plot.include_x(x[0]).include_x(x[1]).include_y(y[0]).include_y(y[1]);
    }
    if vs.reset_charts.remove(&format!("curves:{key}")) || vs.reset_all_curves {
        plot = plot.reset();
    }
    let fixed_y = opts.y_bounds();
    let resp = plot.show(ui, |p| {
        if let Some([lo, hi]) = fixed_y {
            p.set_plot_bounds_y(lo..=hi);
        }
        (p.plot_bounds(), p.auto_bounds().x)
    });
    let (bounds, whole) = resp.inner;
    let transform = resp.transform;
    vs.curve_frames.insert(key.to_string(), transform);
    let frame = *transform.frame();
    let to_screen = |p: [f64; 2]| {
        let s = transform.position_from_point(&PlotPoint::new(p[0], p[1]));
        [s.x, s.y]
    };
    let focus: Vec<usize> = chart
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| page.selected.contains(&l.run_id) || vs.hovered_run.as_deref() == Some(l.run_id.as_str()))
        .map(|(i, _)| i)
        .collect();
    let dim = !page.selected.is_empty();
    let painter = ui.painter_at(frame);
    let points: usize = chart.lines.iter().map(|l| l.line.points().count()).sum();
    if !chart.groups.is_empty() {
        curve_groups::paint_groups(&painter, &chart, &to_screen);
        status_line(ui, feed, &chart, frame, points);
        show_all_button(ui, vs, key, whole);
        if let Some(pos) = resp.response.hover_pos()
            && let Some((i, p)) = nearest_group(&chart, [pos.x, pos.y], HOVER_PX, to_screen)
        {
            let g = &chart.groups[i];
            painter.circle_filled(to_screen([p[0], p[1]]).into(), 4.0, curve_groups::group_color(g.slot));
            let y = |v: f64| crate::format::g(if opts.log_y { 10f64.powf(v) } else { v });
            let covering = g
                .points
                .iter()
                .position(|q| q[0] == p[0])
                .and_then(|k| g.covering.get(k));
            let partial = match covering {
                Some(c) if *c < g.runs => format!("\nonly {c} of its {} runs reach here", g.runs),
                _ => String::new(),
            };
            let text = format!(
                "{} ({})\n{}: {}\n{}: {} (band {} to {}){partial}",
                g.label,
                crate::format::runs(g.runs),
                curve_header::x_label(&opts, page.settings),
                x_text(xk, p[0], bounds.max()[0] - bounds.min()[0]),
                key,
                y(p[1]),
                y(p[2]),
                y(p[3])
            );
            resp.response.on_hover_text_at_pointer(text);
        }
        ask_for_curves(ctx, page, key, feed, bounds, whole, frame);
        return;
    }
    if points > RASTER_ABOVE_POINTS {
        curve_raster::paint_raster(ui, &painter, key, &chart, &transform, dim, vs);
    } else {
        let alpha = if dim { 0.2 } else { 0.85 };
        for (i, l) in chart.lines.iter().enumerate() {
            if focus.contains(&i) {
                continue;
            }
            let color = run_color(l.run_number).gamma_multiply(alpha);
            paint_raw(&painter, l.raw.as_ref(), color, &to_screen);
            for seg in &l.line.segments {
                let pts: Vec<egui::Pos2> = seg.iter().map(|p| to_screen(*p).into()).collect();
                painter.add(egui::Shape::line(pts, egui::Stroke::new(1.2, color)));
            }
        }
    }
    for &i in &focus {
        let l = &chart.lines[i];
        let hovered = vs.hovered_run.as_deref() == Some(l.run_id.as_str());
        paint_raw(&painter, l.raw.as_ref(), run_color(l.run_number), &to_screen);
        for seg in &l.line.segments {
            let pts: Vec<egui::Pos2> = seg.iter().map(|p| to_screen(*p).into()).collect();
            painter.add(egui::Shape::line(
                pts,
                egui::Stroke::new(if hovered { 3.0 } else { 2.0 }, run_color(l.run_number)),
            ));
        }
    }
    status_line(ui, feed, &chart, frame, points);
    show_all_button(ui, vs, key, whole);
    if let Some(pos) = resp.response.hover_pos() {
        let lo = transform.value_from_position(pos - egui::vec2(HOVER_PX, 0.0)).x;
        let hi = transform.value_from_position(pos + egui::vec2(HOVER_PX, 0.0)).x;
        if let Some((i, p)) = nearest_curve(&chart, [pos.x, pos.y], HOVER_PX, (lo.min(hi), lo.max(hi)), to_screen) {
            let l = &chart.lines[i];
            vs.hovered_next = Some(l.run_id.clone());
            ui.ctx().set_cursor_icon(egui::CursorIcon::PointingHand);
            painter.circle_filled(to_screen(p).into(), 4.0, run_color(l.run_number));
            let x = x_text(xk, p[0], bounds.max()[0] - bounds.min()[0]);
            let y = if opts.log_y { 10f64.powf(p[1]) } else { p[1] };
            let mut text = format!(
                "{}\n{}: {x}\n{key}: {}",
                l.label,
                curve_header::x_label(&opts, page.settings),
                crate::format::g(y)
            );
            for param in &l.params {
                text.push('\n');
                text.push_str(param);
            }
            text.push_str("\n(click to open)");
            if resp.response.clicked() {
                ctx.push(Command::OpenRun(l.run_id.clone()));
            }
            resp.response.on_hover_text_at_pointer(text);
        }
    }
    ask_for_curves(ctx, page, key, feed, bounds, whole, frame);
}

/// A smoothed line's values as logged, faint behind it (many runs' raw lines are left out of
/// the texture: a thousand faint lines hide the smoothed ones).
fn paint_raw(
    painter: &egui::Painter,
    raw: Option<&ChartLine>,
    color: egui::Color32,
    to_screen: &impl Fn([f64; 2]) -> [f32; 2],
) {
    for seg in raw.iter().flat_map(|r| &r.segments) {
        let pts: Vec<egui::Pos2> = seg.iter().map(|p| to_screen(*p).into()).collect();
        painter.add(egui::Shape::line(
            pts,
            egui::Stroke::new(1.0, color.gamma_multiply(0.25)),
        ));
    }
}

/// Under a zoomed chart: back to every run's whole curve.
fn show_all_button(ui: &mut egui::Ui, vs: &mut ViewState, key: &str, whole: bool) {
    if !whole
        && ui
            .small_button("Show all")
            .on_hover_text("Back to the whole curves (zoom: Ctrl+wheel or right-drag)")
            .clicked()
    {
        // The x axes are linked: every curve chart goes back to its whole curves.
        vs.reset_charts.insert(format!("curves:{key}"));
        vs.reset_all_curves_next = true;
    }
}

/// Asks for the curves this view needs, when they differ from what the feed holds.
fn ask_for_curves(
    ctx: &mut Ctx<'_>,
    page: &CurvesPage<'_>,
    key: &str,
    feed: Option<&CurveFeed>,
    bounds: egui_plot::PlotBounds,
    whole: bool,
    frame: egui::Rect,
) {
    let view = ChartView {
        range: (!whole).then(|| (bounds.min()[0], bounds.max()[0])),
        px: frame.width().max(1.0) as usize,
    };
    let x = page.settings.options_for(key).x;
    if feed.is_none_or(|f| {
        f.wants(x, page.settings.x_metric.as_deref(), view, page.runs_stamp)
            .is_some()
    }) {
        ctx.push(Command::ViewCurves(key.to_string(), view));
    }
}

/// Under the chart: reading, an error, or how many runs and points it shows.
fn status_line(ui: &mut egui::Ui, feed: Option<&CurveFeed>, chart: &CurveChart, frame: egui::Rect, points: usize) {
    if feed.is_none_or(|f| f.is_empty() && f.is_loading()) {
        ui.painter().text(
            frame.center(),
            egui::Align2::CENTER_CENTER,
            "Reading curves…",
            egui::FontId::proportional(14.0),
            ui.visuals().weak_text_color(),
        );
    }
    // Wrapped within the chart's width: a long note must not widen the column past the window.
    ui.horizontal_wrapped(|ui| {
        ui.set_max_width(frame.width());
        if let Some(e) = feed.and_then(CurveFeed::error) {
            ui.colored_label(ui.visuals().error_fg_color, &e.message);
        }
        let in_view: u64 = chart.lines.iter().map(|l| l.total_points).sum();
        ui.weak(format!(
            "{} · {} points in view, {} drawn",
            crate::format::runs(chart.lines.len()),
            crate::format::count(in_view),
            crate::format::count(points as u64)
        ));
        if chart.hidden > 0 {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("{} ≤ 0 not on a log axis", chart.hidden),
            );
        }
    });
}
