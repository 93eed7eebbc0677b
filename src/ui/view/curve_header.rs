//! A learning-curve chart's header (pin, options with a fixed y range, PNG, hide) and the choice
//! of a metric to put on x.

use super::super::command::Command;
use super::super::curves_state::CurveFeed;
use super::super::model::series::{SeriesOptions, XMode};
use super::super::settings::CurveSettings;
use super::Ctx;
use super::chart::series_options;

/// The y the chart's lines span, in values (what a fixed y range starts from).
pub fn y_extent(feed: Option<&CurveFeed>, opts: &SeriesOptions) -> [f64; 2] {
    match feed.and_then(|f| f.chart().extent) {
        Some((_, [lo, hi])) if opts.log_y => [10f64.powf(lo), 10f64.powf(hi)],
        Some((_, y)) => y,
        None => [0.0, 1.0],
    }
}

pub fn chart_header(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, key: &str, s: &CurveSettings, y_now: [f64; 2]) {
    ui.horizontal(|ui| {
        ui.strong(key);
        let pinned = s.pinned.contains(key);
        if ui
            .selectable_label(pinned, if pinned { "Pinned" } else { "Pin" })
            .on_hover_text(if pinned { "Unpin" } else { "Show this chart first" })
            .clicked()
        {
            ctx.push(Command::ToggleCurvePin(key.to_string()));
        }
        let own = s.per_chart.contains_key(key);
        // Its fields take clicks and typing: the menu stays open until a click outside it.
        let stay_open =
            egui::containers::menu::MenuConfig::new().close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside);
        let button = egui::containers::menu::MenuButton::new(if own { "Options*" } else { "Options" });
        button.config(stay_open).ui(ui, |ui| {
            ui.label(if own {
                "This chart's own options:"
            } else {
                "The experiment's options (change them for this chart alone):"
            });
            if let Some(o) = series_options(ui, &s.options_for(key), Some(y_now)) {
                ctx.push(Command::SetChartOptions(key.to_string(), Some(o)));
            }
            if ui
                .button("Apply to all charts")
                .on_hover_text("These options for every curve chart of the experiment")
                .clicked()
            {
                ctx.push(Command::ApplyChartOptionsToAll(key.to_string()));
            }
            if own && ui.button("Back to the experiment's options").clicked() {
                ctx.push(Command::SetChartOptions(key.to_string(), None));
            }
        });
        super::chart_picture::png_button(ui, ctx, key);
        if ui
            .small_button("Hide")
            .on_hover_text("Hide this chart (the Hidden menu brings it back)")
            .clicked()
        {
            ctx.push(Command::ToggleCurveHidden(key.to_string()));
        }
    });
}

/// What x is called on a chart: the metric chosen when x is "Metric".
pub fn x_label(opts: &SeriesOptions, s: &CurveSettings) -> String {
    match (opts.x, &s.x_metric) {
        (XMode::Metric, Some(k)) => k.clone(),
        (XMode::Metric, None) => XMode::Step.label().into(),
        (x, _) => x.label().into(),
    }
}

/// The metric every curve chart puts on x instead of steps or time (its value at the same step).
pub fn x_metric_choice(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, keys: &[String], s: &CurveSettings) {
    let label = ui.label("x metric:");
    let none = "(none)";
    let chosen = s.x_metric.as_deref().filter(|_| s.options.x == XMode::Metric);
    egui::ComboBox::from_id_salt("curve_x_metric")
        .selected_text(chosen.unwrap_or(none))
        .show_ui(ui, |ui| {
            if ui
                .selectable_label(chosen.is_none(), none)
                .on_hover_text("x as steps or time, as chosen below")
                .clicked()
            {
                ctx.push(Command::SetCurveXMetric(None));
            }
            for k in keys {
                if ui.selectable_label(chosen == Some(k.as_str()), k).clicked() {
                    ctx.push(Command::SetCurveXMetric(Some(k.clone())));
                }
            }
        })
        .response
        .labelled_by(label.id)
        .on_hover_text("Put another metric on x: each point at that metric's value at the same step");
}
