//! Parallel coordinates as plain data: an axis per chosen param or metric (numeric, or one tick
//! per category), a line per run across them, and brushes (a range on an axis) that narrow the
//! runs every view shows.

use super::curves::distance_to_segment;
use crate::api::ext::RunDetail;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A value an axis shows: a param, or a metric's latest value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AxisKey {
    Param(String),
    Metric(String),
}

impl AxisKey {
    pub fn label(&self) -> String {
        match self {
            AxisKey::Param(k) => k.clone(),
            AxisKey::Metric(k) => k.clone(),
        }
    }

    /// The run's value on this axis, as text (a number for a metric).
    pub fn value_of(&self, run: &RunDetail) -> Option<String> {
        match self {
            AxisKey::Param(k) => run.params.get(k).cloned(),
            AxisKey::Metric(k) => run.metrics.get(k).map(|m| m.value.0.to_string()),
        }
    }
}

/// A range kept on an axis: numbers between two values, or some of its categories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Brush {
    Range(f64, f64),
    Categories(BTreeSet<String>),
}

impl Brush {
    pub fn keeps(&self, value: &str) -> bool {
        match self {
            Brush::Range(lo, hi) => value.trim().parse::<f64>().is_ok_and(|v| v >= *lo && v <= *hi),
            Brush::Categories(c) => c.contains(value),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Brush::Range(lo, hi) => format!("{} to {}", crate::format::g(*lo), crate::format::g(*hi)),
            Brush::Categories(c) => c.iter().cloned().collect::<Vec<_>>().join(", "),
        }
    }
}

/// Whether a run is kept by every brush (a run without a value on a brushed axis is not).
pub fn kept(run: &RunDetail, brushes: &BTreeMap<AxisKey, Brush>) -> bool {
    brushes
        .iter()
        .all(|(axis, b)| axis.value_of(run).is_some_and(|v| b.keeps(&v)))
}

/// How an axis places values: a number range (on a log scale where positive values span two
/// decades or more, as learning rates do), or evenly spaced categories in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    Numeric { min: f64, max: f64 },
    Log { min: f64, max: f64 },
    Categories(Vec<String>),
}

impl Scale {
    /// Where a value sits on the axis, from 0 (bottom) to 1 (top).
    pub fn position(&self, value: &str) -> Option<f64> {
        match self {
            Scale::Numeric { min, max } => {
                let v = value.trim().parse::<f64>().ok().filter(|v| v.is_finite())?;
                Some(if max > min { (v - min) / (max - min) } else { 0.5 })
            }
            Scale::Log { min, max } => {
                let v = value.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0)?;
                Some((v.log10() - min.log10()) / (max.log10() - min.log10()))
            }
            Scale::Categories(c) => {
                let i = c.iter().position(|x| x == value)?;
                Some(if c.len() > 1 {
                    i as f64 / (c.len() - 1) as f64
                } else {
                    0.5
                })
            }
        }
    }

    /// The brush a drag from position `a` to `b` (0 to 1) makes on this axis.
    pub fn brush(&self, a: f64, b: f64) -> Brush {
        let (lo, hi) = (a.min(b).clamp(0.0, 1.0), a.max(b).clamp(0.0, 1.0));
        match self {
            Scale::Numeric { min, max } => Brush::Range(min + lo * (max - min), min + hi * (max - min)),
            Scale::Log { min, max } => {
                let at = |t: f64| 10f64.powf(min.log10() + t * (max.log10() - min.log10()));
                Brush::Range(at(lo), at(hi))
            }
            Scale::Categories(c) => Brush::Categories(
                c.iter()
                    .filter(|v| self.position(v).is_some_and(|p| p >= lo - 1e-9 && p <= hi + 1e-9))
                    .cloned()
                    .collect(),
            ),
        }
    }

    /// A few labelled positions along the axis, at round values.
    pub fn ticks(&self) -> Vec<(f64, String)> {
        let at = |v: f64| Some((self.position(&v.to_string())?, crate::format::g(v)));
        match self {
            Scale::Numeric { min, max } if max > min => {
                let step = nice_step((max - min) / 4.0);
                let first = (min / step).ceil() as i64;
                let last = (max / step).floor() as i64;
                // Multiples of the step, written from the integer so 0.1 * 3 reads 0.3.
                (first..=last)
                    .filter_map(|i| at(round_to(i as f64 * step, step)))
                    .collect()
            }
            Scale::Log { min, max } => {
                let (a, b) = (min.log10().ceil() as i32, max.log10().floor() as i32);
                (a..=b).filter_map(|e| at(10f64.powi(e))).collect()
            }
            Scale::Numeric { min, .. } => vec![(0.5, crate::format::g(*min))],
            Scale::Categories(c) => {
                let every = c.len().div_ceil(12).max(1);
                c.iter()
                    .enumerate()
                    .filter(|(i, _)| i % every == 0)
                    .filter_map(|(_, v)| Some((self.position(v)?, v.clone())))
                    .collect()
            }
        }
    }
}

/// A round step near `raw`: 1, 2 or 5 times a power of ten.
fn nice_step(raw: f64) -> f64 {
    let p = 10f64.powf(raw.log10().floor());
    let f = raw / p;
    p * if f < 1.5 {
        1.0
    } else if f < 3.5 {
        2.0
    } else if f < 7.5 {
        5.0
    } else {
        10.0
    }
}

/// `v` with the float noise of a multiple of `step` taken off (0.30000000000000004 is 0.3).
fn round_to(v: f64, step: f64) -> f64 {
    let digits = (-step.log10().floor()).max(0.0) as i32 + 1;
    let k = 10f64.powi(digits);
    (v * k).round() / k
}

/// One axis: its key, scale and brush.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub key: AxisKey,
    pub scale: Scale,
    pub brush: Option<Brush>,
}

/// One run across the axes: its position on each (None where it has no value) and its colour
/// value from 0 to 1 (None: no value of the colouring metric).
#[derive(Debug, Clone, PartialEq)]
pub struct RunLine {
    pub run_id: String,
    pub run_number: i64,
    pub label: String,
    pub positions: Vec<Option<f64>>,
    pub color: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parallel {
    pub axes: Vec<Axis>,
    /// The runs kept by the brushes (the others are not drawn).
    pub lines: Vec<RunLine>,
    pub color_by: Option<AxisKey>,
    /// What the ramp's two ends stand for (the legend): the least and greatest value, or the
    /// first and last category.
    pub color_range: Option<(String, String)>,
}

/// The axes worth starting with: the params whose values differ, then the metrics.
pub fn default_axes(runs: &[&RunDetail]) -> Vec<AxisKey> {
    let mut axes: Vec<AxisKey> = super::dashboard::key_params(runs)
        .into_iter()
        .map(AxisKey::Param)
        .collect();
    let metrics: BTreeSet<&String> = runs.iter().flat_map(|r| r.metrics.keys()).collect();
    axes.extend(metrics.into_iter().take(5).map(|k| AxisKey::Metric(k.clone())));
    axes
}

/// Every axis the runs offer (the chooser lists them).
pub fn all_axes(runs: &[&RunDetail]) -> Vec<AxisKey> {
    let params: BTreeSet<&String> = runs.iter().flat_map(|r| r.params.keys()).collect();
    let metrics: BTreeSet<&String> = runs.iter().flat_map(|r| r.metrics.keys()).collect();
    params
        .into_iter()
        .map(|k| AxisKey::Param(k.clone()))
        .chain(metrics.into_iter().map(|k| AxisKey::Metric(k.clone())))
        .collect()
}

/// The chart over `runs` (those of the view before brushing: an axis's scale covers them all,
/// so a brush does not move the axis it is on).
pub fn parallel(
    runs: &[&RunDetail],
    keys: &[AxisKey],
    brushes: &BTreeMap<AxisKey, Brush>,
    color_by: Option<&AxisKey>,
) -> Parallel {
    let axes: Vec<Axis> = keys
        .iter()
        .map(|k| Axis {
            key: k.clone(),
            scale: scale_of(runs, k),
            brush: brushes.get(k).cloned(),
        })
        .collect();
    let (colors, color_range) = colour_values(runs, color_by);
    let lines = runs
        .iter()
        .zip(colors)
        .filter(|(r, _)| kept(r, brushes))
        .map(|(r, c)| RunLine {
            run_id: r.run_id.clone(),
            run_number: r.run_number,
            label: format!("Run {} · {}", r.run_number, r.name),
            positions: axes
                .iter()
                .map(|a| a.key.value_of(r).and_then(|v| a.scale.position(&v)))
                .collect(),
            color: c,
        })
        .collect();
    Parallel {
        axes,
        lines,
        color_by: color_by.cloned(),
        color_range,
    }
}

/// Each run's place on the ramp (0 to 1) by a param or metric, on the scale its axis would have
/// (numbers, logs for a wide param, categories in order), with the legend's two ends.
pub fn colour_values(runs: &[&RunDetail], by: Option<&AxisKey>) -> (Vec<Option<f64>>, Option<(String, String)>) {
    let Some(key) = by else {
        return (vec![None; runs.len()], None);
    };
    let scale = scale_of(runs, key);
    let colors = runs
        .iter()
        .map(|r| key.value_of(r).and_then(|v| scale.position(&v)))
        .collect();
    let ends = match &scale {
        Scale::Numeric { min, max } | Scale::Log { min, max } if min <= max => {
            Some((crate::format::g(*min), crate::format::g(*max)))
        }
        Scale::Categories(c) if !c.is_empty() => Some((c[0].clone(), c[c.len() - 1].clone())),
        _ => None,
    };
    (colors, ends)
}

fn scale_of(runs: &[&RunDetail], key: &AxisKey) -> Scale {
    let values: Vec<String> = runs.iter().filter_map(|r| key.value_of(r)).collect();
    let numbers: Vec<f64> = values.iter().filter_map(|v| v.trim().parse::<f64>().ok()).collect();
    if !values.is_empty() && numbers.len() == values.len() {
        let finite = numbers.iter().filter(|v| v.is_finite());
        let (min, max) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
        // A param over two decades or more (a learning rate, a weight decay) reads best in logs.
        if matches!(key, AxisKey::Param(_)) && min > 0.0 && max / min >= 100.0 {
            return Scale::Log { min, max };
        }
        if min <= max {
            return Scale::Numeric { min, max };
        }
    }
    let cats: BTreeSet<String> = values.into_iter().collect();
    Scale::Categories(cats.into_iter().collect())
}

/// The line nearest a pointer, in screen space: `at` maps (axis index, position) to the screen.
pub fn nearest_line(
    p: &Parallel,
    pointer: [f32; 2],
    max_px: f32,
    at: impl Fn(usize, f64) -> [f32; 2],
) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for (i, l) in p.lines.iter().enumerate() {
        for k in 1..l.positions.len() {
            let (Some(a), Some(b)) = (l.positions[k - 1], l.positions[k]) else {
                continue;
            };
            let (a, b) = (at(k - 1, a), at(k, b));
            if pointer[0] < a[0].min(b[0]) - max_px || pointer[0] > a[0].max(b[0]) + max_px {
                continue;
            }
            let (d, _) = distance_to_segment(pointer, a, b);
            if d <= max_px && best.is_none_or(|x| d < x.1) {
                best = Some((i, d));
            }
        }
    }
    best.map(|b| b.0)
}

#[cfg(test)]
#[path = "parallel_tests.rs"]
mod tests;
