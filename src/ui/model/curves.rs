//! Learning curves as plain data: which metrics have curves, which charts a search shows, and
//! each chart's lines (one per run in view, from its min/max buckets) with what hovering finds.

use super::dashboard::key_params;
use super::groups::{GroupCurve, Grouping, group_curve, group_runs};
use super::series::{ChartLine, SeriesOptions, chart_line};
use crate::api::ext::{DownsampledSeries, RunDetail};
use std::collections::{BTreeSet, HashMap};

/// The metrics logged at more than one point by some run: those have curves.
pub fn curve_keys(runs: &[&RunDetail]) -> Vec<String> {
    let keys: BTreeSet<&String> = runs
        .iter()
        .flat_map(|r| r.metrics.iter().filter(|(_, m)| m.count > 1).map(|(k, _)| k))
        .collect();
    keys.into_iter().cloned().collect()
}

/// A chart search, compiled once: a case-insensitive regular expression over the key (empty:
/// every chart), or, when it is not a valid one, the text itself with an error to show.
#[derive(Debug, Clone)]
pub struct KeyFilter {
    pub search: String,
    re: Option<regex::Regex>,
    needle: String,
    pub error: Option<String>,
}

impl KeyFilter {
    pub fn new(search: &str) -> KeyFilter {
        let pattern = search.trim();
        let (re, error) = match regex::RegexBuilder::new(pattern).case_insensitive(true).build() {
            Ok(re) => (Some(re), None),
            Err(e) => {
                let why = e.to_string().lines().last().unwrap_or("invalid").trim().to_string();
                (None, Some(format!("not a regular expression ({why}): matched as text")))
            }
        };
        KeyFilter {
            search: search.to_string(),
            re,
            needle: pattern.to_lowercase(),
            error,
        }
    }

    pub fn matches(&self, key: &str) -> bool {
        match &self.re {
            Some(re) => re.is_match(key),
            None => key.to_lowercase().contains(&self.needle),
        }
    }
}

/// The charts a search shows, pinned ones first; hidden charts are left out unless pinned. An
/// invalid expression is an error to show, and then the search is taken as plain text.
pub fn shown_keys(
    keys: &[String],
    search: &str,
    pinned: &BTreeSet<String>,
    hidden: &BTreeSet<String>,
) -> (Vec<String>, Option<String>) {
    let filter = KeyFilter::new(search);
    (shown_keys_with(keys, &filter, pinned, hidden), filter.error)
}

/// The same with a filter compiled already (the view keeps one while the search is unchanged).
pub fn shown_keys_with(
    keys: &[String],
    filter: &KeyFilter,
    pinned: &BTreeSet<String>,
    hidden: &BTreeSet<String>,
) -> Vec<String> {
    let wanted = |k: &String| filter.matches(k) && (pinned.contains(k) || !hidden.contains(k));
    let mut shown: Vec<String> = keys
        .iter()
        .filter(|k| pinned.contains(*k) && wanted(k))
        .cloned()
        .collect();
    shown.extend(keys.iter().filter(|k| !pinned.contains(*k) && wanted(k)).cloned());
    shown
}

/// One run's line in a chart of curves.
#[derive(Debug, Clone, PartialEq)]
pub struct RunCurve {
    pub run_id: String,
    pub run_number: i64,
    /// What hovering shows first: number and name.
    pub label: String,
    /// The params that differ between the runs in view, as `key = value` lines.
    pub params: Vec<String>,
    pub line: ChartLine,
    /// With smoothing, the line as logged, drawn faint behind the smoothed one.
    pub raw: Option<ChartLine>,
    pub total_points: u64,
}

/// A chart of one metric over every run in view.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CurveChart {
    pub key: String,
    /// In the order of the runs in view.
    pub lines: Vec<RunCurve>,
    /// The x and y extent of every line: ([x min, x max], [y min, y max]).
    pub extent: Option<([f64; 2], [f64; 2])>,
    /// Points a log axis cannot show, over all runs.
    pub hidden: usize,
    /// With a grouping, a curve per group (drawn instead of the runs' lines).
    pub groups: Vec<GroupCurve>,
}

/// Columns a group's curve is resampled at.
const GROUP_COLUMNS: usize = 400;

/// Builds a chart from the series read for it: a line per run in view that has one.
pub fn curve_chart(
    key: &str,
    runs: &[&RunDetail],
    series: &HashMap<String, DownsampledSeries>,
    opts: &SeriesOptions,
    grouping: Option<&Grouping>,
) -> CurveChart {
    let params = key_params(runs);
    let mut chart = CurveChart {
        key: key.into(),
        ..Default::default()
    };
    let (mut x, mut y) = ([f64::INFINITY, f64::NEG_INFINITY], [f64::INFINITY, f64::NEG_INFINITY]);
    for r in runs {
        let Some(s) = series.get(&r.run_id) else { continue };
        if s.buckets.is_empty() {
            continue;
        }
        let start = r.start_time.unwrap_or(r.created_time);
        let line = chart_line(&s.buckets, opts, start);
        let raw = (opts.smoothing > 0.0).then(|| {
            let unsmoothed = SeriesOptions {
                smoothing: 0.0,
                ..*opts
            };
            chart_line(&s.buckets, &unsmoothed, start)
        });
        for p in line.points() {
            x = [x[0].min(p[0]), x[1].max(p[0])];
            y = [y[0].min(p[1]), y[1].max(p[1])];
        }
        chart.hidden += line.hidden;
        chart.lines.push(RunCurve {
            run_id: r.run_id.clone(),
            run_number: r.run_number,
            label: format!("Run {} · {}", r.run_number, r.name),
            params: params
                .iter()
                .filter_map(|p| r.params.get(p).map(|v| format!("{p} = {v}")))
                .collect(),
            line,
            raw,
            total_points: s.total_points,
        });
    }
    if let Some(g) = grouping {
        let index: HashMap<&str, usize> = chart
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (l.run_id.as_str(), i))
            .collect();
        for (slot, (label, members)) in group_runs(runs, &g.by).into_iter().enumerate() {
            let lines: Vec<&ChartLine> = members
                .iter()
                .filter_map(|m| index.get(runs[*m].run_id.as_str()).map(|i| &chart.lines[*i].line))
                .collect();
            if lines.is_empty() {
                continue;
            }
            let mut curve = group_curve(&format!("{} = {label}", g.by.label()), &lines, g, GROUP_COLUMNS);
            curve.slot = slot;
            for p in &curve.points {
                y = [y[0].min(p[2]), y[1].max(p[3])];
            }
            chart.groups.push(curve);
        }
    }
    if x[0] <= x[1] && y[0] <= y[1] {
        chart.extent = Some((x, y));
    }
    chart
}

/// The group line nearest a screen position within `max_px`, and its point there.
pub fn nearest_group(
    chart: &CurveChart,
    pointer: [f32; 2],
    max_px: f32,
    to_screen: impl Fn([f64; 2]) -> [f32; 2],
) -> Option<(usize, [f64; 4])> {
    let mut best: Option<(usize, [f64; 4], f32)> = None;
    for (i, g) in chart.groups.iter().enumerate() {
        for w in g.points.windows(2) {
            let (a, b) = (to_screen([w[0][0], w[0][1]]), to_screen([w[1][0], w[1][1]]));
            if pointer[0] < a[0].min(b[0]) - max_px || pointer[0] > a[0].max(b[0]) + max_px {
                continue;
            }
            let (d, t) = distance_to_segment(pointer, a, b);
            if d <= max_px && best.is_none_or(|x| d < x.2) {
                best = Some((i, if t < 0.5 { w[0] } else { w[1] }, d));
            }
        }
    }
    best.map(|(i, p, _)| (i, p))
}

/// The line nearest a screen position within `max_px`, and its point there: for each line the
/// segment pieces around the pointer's x are measured on screen. `to_screen` maps a data point,
/// `x_window` is the data x range `max_px` spans around the pointer.
pub fn nearest_curve(
    chart: &CurveChart,
    pointer: [f32; 2],
    max_px: f32,
    x_window: (f64, f64),
    to_screen: impl Fn([f64; 2]) -> [f32; 2],
) -> Option<(usize, [f64; 2])> {
    let mut best: Option<(usize, [f64; 2], f32)> = None;
    for (i, c) in chart.lines.iter().enumerate() {
        for seg in &c.line.segments {
            let from = seg.partition_point(|p| p[0] < x_window.0).saturating_sub(1);
            let to = (seg.partition_point(|p| p[0] <= x_window.1) + 1).min(seg.len());
            let pts = &seg[from..to];
            for (k, p) in pts.iter().enumerate() {
                let a = to_screen(*p);
                let (d, at) = match pts.get(k + 1) {
                    Some(q) => {
                        let b = to_screen(*q);
                        let (d, t) = distance_to_segment(pointer, a, b);
                        (d, if t < 0.5 { *p } else { *q })
                    }
                    None => (((a[0] - pointer[0]).powi(2) + (a[1] - pointer[1]).powi(2)).sqrt(), *p),
                };
                if d <= max_px && best.is_none_or(|b| d < b.2) {
                    best = Some((i, at, d));
                }
            }
        }
    }
    best.map(|(i, p, _)| (i, p))
}

/// Distance from `p` to the segment a-b, and where along it (0 at a, 1 at b) the nearest point lies.
pub fn distance_to_segment(p: [f32; 2], a: [f32; 2], b: [f32; 2]) -> (f32, f32) {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (cx, cy) = (a[0] + t * dx, a[1] + t * dy);
    (((p[0] - cx).powi(2) + (p[1] - cy).powi(2)).sqrt(), t)
}

#[cfg(test)]
#[path = "curves_tests.rs"]
mod tests;
