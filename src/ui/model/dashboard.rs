//! The dashboard as plain data: the grid's rows and the chart of every scalar over the runs.

use super::columns::{ColumnKey, catalog, default_columns, has_value};
pub use super::grid::{Grid, GridShape, grid};
use super::groups::GroupBy;
use super::parallel::{AxisKey, Brush, Parallel, all_axes, default_axes, kept, parallel};
use super::scatter::{Scatter, scatter};
use crate::api::ext::RunDetail;
use std::collections::{BTreeMap, BTreeSet};

/// The runs a dashboard shows: those of the chosen script, or all.
pub fn runs_of_script<'a>(runs: &'a [RunDetail], script: Option<&str>) -> Vec<&'a RunDetail> {
    runs.iter()
        .filter(|r| script.is_none_or(|s| r.script_name.as_deref() == Some(s)))
        .collect()
}

/// What a chart over runs plots: a metric's latest value, or the run's duration.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum ChartKey {
    Metric(String),
    Duration,
}

impl ChartKey {
    pub fn label(&self) -> String {
        match self {
            ChartKey::Metric(k) => k.clone(),
            ChartKey::Duration => "Duration (s)".into(),
        }
    }
}

/// The x of a chart over runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RunAxis {
    Number,
    StartTime,
}

/// One run's point on a dashboard chart.
#[derive(Debug, Clone, PartialEq)]
pub struct RunPoint {
    pub x: f64,
    pub y: f64,
    pub run_id: String,
    pub run_number: i64,
    /// What hovering shows: number, name, value and key parameters.
    pub hover: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunChart {
    pub key: ChartKey,
    pub points: Vec<RunPoint>,
}

/// The parameters worth showing on hover: those whose value differs between the runs.
pub fn key_params(runs: &[&RunDetail]) -> Vec<String> {
    differing_params(runs).into_iter().take(4).collect()
}

/// Every param whose value differs between the runs (a run without it counts as a value), by name.
pub fn differing_params(runs: &[&RunDetail]) -> Vec<String> {
    let keys: BTreeSet<&String> = runs.iter().flat_map(|r| r.params.keys()).collect();
    keys.into_iter()
        .filter(|k| {
            let vals: BTreeSet<Option<&String>> = runs.iter().map(|r| r.params.get(*k)).collect();
            vals.len() > 1
        })
        .cloned()
        .collect()
}

/// What runs can be grouped by: the script when there are several, then each param and tag
/// whose value differs between them (the tools' own `mlflow.*` tags left out).
pub fn group_keys(runs: &[&RunDetail]) -> Vec<GroupBy> {
    let differs = |values: BTreeSet<Option<&String>>| values.len() > 1;
    let mut keys = Vec::new();
    if differs(runs.iter().map(|r| r.script_name.as_ref()).collect()) {
        keys.push(GroupBy::Script);
    }
    keys.extend(differing_params(runs).into_iter().map(GroupBy::Param));
    let tags: BTreeSet<&String> = runs
        .iter()
        .flat_map(|r| r.tags.keys())
        .filter(|k| !k.starts_with("mlflow."))
        .collect();
    for k in tags {
        if differs(runs.iter().map(|r| r.tags.get(k)).collect()) {
            keys.push(GroupBy::Tag(k.clone()));
        }
    }
    keys
}

/// Every chart key the runs offer: each metric, then duration.
pub fn chart_keys(runs: &[&RunDetail]) -> Vec<ChartKey> {
    let metrics: BTreeSet<&String> = runs.iter().flat_map(|r| r.metrics.keys()).collect();
    let mut keys: Vec<ChartKey> = metrics.into_iter().map(|k| ChartKey::Metric(k.clone())).collect();
    if runs.iter().any(|r| r.start_time.is_some()) {
        keys.push(ChartKey::Duration);
    }
    keys
}

pub fn run_chart(runs: &[&RunDetail], key: &ChartKey, axis: RunAxis, now: i64) -> RunChart {
    let params = key_params(runs);
    let mut points: Vec<RunPoint> = runs
        .iter()
        .filter_map(|r| {
            let y = match key {
                ChartKey::Metric(k) => r.metrics.get(k)?.value.0,
                ChartKey::Duration => r.duration_ms(now)? as f64 / 1000.0,
            };
            if !y.is_finite() {
                return None;
            }
            let x = match axis {
                RunAxis::Number => r.run_number as f64,
                RunAxis::StartTime => r.start_time? as f64 / 1000.0,
            };
            let mut hover = format!(
                "Run {} · {}\n{} = {}",
                r.run_number,
                r.name,
                key.label(),
                crate::format::g(y)
            );
            for p in &params {
                if let Some(v) = r.params.get(p) {
                    hover.push_str(&format!("\n{p} = {v}"));
                }
            }
            Some(RunPoint {
                x,
                y,
                run_id: r.run_id.clone(),
                run_number: r.run_number,
                hover,
            })
        })
        .collect();
    points.sort_by(|a, b| a.x.total_cmp(&b.x));
    RunChart {
        key: key.clone(),
        points,
    }
}

/// The point nearest to a screen position, if within `max_px`; `to_screen` maps a data point.
pub fn nearest_point(
    points: &[RunPoint],
    pointer: [f32; 2],
    max_px: f32,
    to_screen: impl Fn(f64, f64) -> [f32; 2],
) -> Option<&RunPoint> {
    points
        .iter()
        .map(|p| {
            let s = to_screen(p.x, p.y);
            let d = (s[0] - pointer[0]).powi(2) + (s[1] - pointer[1]).powi(2);
            (p, d)
        })
        .filter(|(_, d)| *d <= max_px * max_px)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(p, _)| p)
}

/// Everything the dashboard draws, built once per change of its inputs rather than every frame.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardModel {
    pub run_count: usize,
    pub charts: Vec<RunChart>,
    /// Every chart key, the hidden ones included (the chooser lists them).
    pub all_chart_keys: Vec<ChartKey>,
    /// The metrics with learning curves (logged more than once by some run in view).
    pub curve_keys: Vec<String>,
    /// Parallel coordinates over the script's runs (brushed ones left out), and every axis offered.
    pub parallel: Parallel,
    pub all_axes: Vec<AxisKey>,
    /// The scatter of the runs in view (None: they have no param or metric).
    pub scatter: Option<Scatter>,
    /// The params and tags runs can be grouped by.
    pub group_keys: Vec<GroupBy>,
    /// Every column the runs offer, and every chosen one (the chooser lists them).
    pub catalog: Vec<ColumnKey>,
    /// The columns chosen (ticked in the chooser), drawn or not.
    pub chosen: Vec<ColumnKey>,
    pub grid: Grid,
}

/// What a dashboard model is built from; a model is rebuilt only when this changes.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardInputs {
    pub runs_generation: u64,
    pub script: Option<String>,
    /// The columns chosen for this experiment; None: the defaults, derived from the runs.
    pub columns: Option<Vec<ColumnKey>>,
    pub sort: Option<(ColumnKey, bool)>,
    pub axis: RunAxis,
    pub hidden: BTreeSet<ChartKey>,
    /// The second the durations of live runs were computed at (0 when no run is live).
    pub live_second: i64,
    pub narrowing: Narrowing,
    /// The run every other run's cells are measured against.
    pub baseline: Option<String>,
    /// The grid's rows gathered by this (the curves' grouping).
    pub group_by: Option<GroupBy>,
}

/// The brushes that narrow the runs every view shows, and the parallel coordinates drawn over them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Narrowing {
    pub brushes: BTreeMap<AxisKey, Brush>,
    /// The chosen axes (None: the defaults).
    pub axes: Option<Vec<AxisKey>>,
    pub color_by: Option<String>,
    /// A param to colour by instead (before any metric).
    pub color_by_param: Option<String>,
    /// The scatter's x and y (None: the defaults).
    pub scatter: (Option<AxisKey>, Option<AxisKey>),
}

/// The runs every view of the dashboard shows: those of the chosen script kept by every brush.
pub fn runs_in_view<'a>(
    runs: &'a [RunDetail],
    script: Option<&str>,
    brushes: &BTreeMap<AxisKey, Brush>,
) -> Vec<&'a RunDetail> {
    runs_of_script(runs, script)
        .into_iter()
        .filter(|r| kept(r, brushes))
        .collect()
}

pub fn dashboard_model(all_runs: &[RunDetail], inputs: &DashboardInputs, now: i64) -> DashboardModel {
    let chosen = inputs.columns.clone().unwrap_or_else(|| default_columns(all_runs));
    let scripted = runs_of_script(all_runs, inputs.script.as_deref());
    let n = &inputs.narrowing;
    let axes = n.axes.clone().unwrap_or_else(|| default_axes(&scripted));
    // A param chosen to colour by comes first; else a metric (not chosen: the first metric on the
    // axes, so adding an axis leaves it be; "" is none).
    let color_by: Option<AxisKey> = match (&n.color_by_param, n.color_by.as_deref()) {
        (Some(p), _) => Some(AxisKey::Param(p.clone())),
        (None, None) => axes.iter().find(|a| matches!(a, AxisKey::Metric(_))).cloned(),
        (None, Some("")) => None,
        (None, Some(m)) => Some(AxisKey::Metric(m.to_string())),
    };
    let parallel = parallel(&scripted, &axes, &n.brushes, color_by.as_ref());
    let all_axes = all_axes(&scripted);
    let runs = runs_in_view(all_runs, inputs.script.as_deref(), &n.brushes);
    let scatter = {
        let metric = all_axes.iter().find(|a| matches!(a, AxisKey::Metric(_))).cloned();
        let first = axes.first().cloned().or_else(|| all_axes.first().cloned());
        let x = n.scatter.0.clone().or(first);
        let y = n.scatter.1.clone().or(metric).or_else(|| x.clone());
        match (x, y) {
            (Some(x), Some(y)) => Some(scatter(&runs, &x, &y, color_by.as_ref())),
            _ => None,
        }
    };
    // A chosen column that none of these runs has a value in is not drawn (the chooser still
    // lists it, ticked, so it can be taken away).
    let columns: Vec<ColumnKey> = chosen
        .iter()
        .filter(|c| matches!(c, ColumnKey::Attr(_)) || runs.iter().any(|r| has_value(r, c)))
        .cloned()
        .collect();
    let catalog: Vec<ColumnKey> = catalog(all_runs)
        .into_iter()
        .chain(chosen.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let all_chart_keys = chart_keys(&runs);
    let curve_keys = super::curves::curve_keys(&runs);
    let group_keys = group_keys(&runs);
    let charts = all_chart_keys
        .iter()
        .filter(|k| !inputs.hidden.contains(k))
        .map(|k| run_chart(&runs, k, inputs.axis, now))
        .collect();
    DashboardModel {
        run_count: runs.len(),
        charts,
        all_chart_keys,
        curve_keys,
        parallel,
        all_axes,
        scatter,
        group_keys,
        catalog,
        chosen,
        grid: grid(
            &runs,
            &columns,
            GridShape {
                sort: inputs.sort.as_ref().map(|(c, a)| (c, *a)),
                baseline: inputs.baseline.as_deref(),
                group_by: inputs.group_by.as_ref(),
            },
            now,
        ),
    }
}

#[cfg(test)]
#[path = "dashboard_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "dashboard_chart_tests.rs"]
mod chart_tests;

#[cfg(test)]
#[path = "dashboard_columns_tests.rs"]
mod columns_tests;
