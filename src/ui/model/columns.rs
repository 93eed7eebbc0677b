//! The grid's columns: every key a run can carry, how its cell reads and how it sorts.

use crate::api::ext::{RunDetail, RunStatus};
use crate::format::g;
use crate::format::{fmt_duration as duration, fmt_time as utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// A run's own attribute, shown without a prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Attr {
    Number,
    Name,
    Status,
    Script,
    Arguments,
    Start,
    Duration,
    User,
}

impl Attr {
    pub const ALL: [Attr; 8] = [
        Attr::Number,
        Attr::Name,
        Attr::Status,
        Attr::Script,
        Attr::Arguments,
        Attr::Start,
        Attr::Duration,
        Attr::User,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Attr::Number => "Run",
            Attr::Name => "Name",
            Attr::Status => "Status",
            Attr::Script => "Script",
            Attr::Arguments => "Arguments",
            Attr::Start => "Started",
            Attr::Duration => "Duration",
            Attr::User => "User",
        }
    }
}

/// The least or greatest value a metric took over its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Extreme {
    Min,
    Max,
}

impl Extreme {
    pub fn label(self) -> &'static str {
        match self {
            Extreme::Min => "min",
            Extreme::Max => "max",
        }
    }

    /// The run's value of this extreme of metric `k`, where the server keeps it.
    pub fn of(self, run: &RunDetail, k: &str) -> Option<f64> {
        let m = run.metrics.get(k)?;
        match self {
            Extreme::Min => m.min,
            Extreme::Max => m.max,
        }
        .map(|n| n.0)
    }
}

/// One column of the grid. `Metric` is a metric's latest value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ColumnKey {
    Attr(Attr),
    Param(String),
    Metric(String),
    MetricExtreme(String, Extreme),
    Value(String),
    Tag(String),
}

impl ColumnKey {
    pub fn label(&self) -> String {
        match self {
            ColumnKey::Attr(a) => a.label().to_string(),
            ColumnKey::Param(k) => format!("param: {k}"),
            ColumnKey::Metric(k) => k.clone(),
            ColumnKey::MetricExtreme(k, e) => format!("{k} ({})", e.label()),
            ColumnKey::Value(k) => k.clone(),
            ColumnKey::Tag(k) => format!("tag: {k}"),
        }
    }

    /// The group the chooser lists it under.
    pub fn group(&self) -> &'static str {
        match self {
            ColumnKey::Attr(_) => "Attributes",
            ColumnKey::Param(_) => "Parameters",
            ColumnKey::Metric(_) | ColumnKey::MetricExtreme(..) => "Metrics",
            ColumnKey::Value(_) => "Logged values",
            ColumnKey::Tag(_) => "Tags",
        }
    }
}

/// What a cell sorts by: numbers as numbers, text as text, empty cells last.
#[derive(Debug, Clone, PartialEq)]
pub enum SortValue {
    Empty,
    Num(f64),
    Text(String),
}

impl SortValue {
    fn cmp_to(&self, other: &SortValue) -> Ordering {
        match (self, other) {
            (SortValue::Num(a), SortValue::Num(b)) => a.total_cmp(b),
            (SortValue::Text(a), SortValue::Text(b)) => a.cmp(b),
            (SortValue::Num(_), SortValue::Text(_)) => Ordering::Less,
            (SortValue::Text(_), SortValue::Num(_)) => Ordering::Greater,
            (SortValue::Empty, SortValue::Empty) => Ordering::Equal,
            (SortValue::Empty, _) => Ordering::Greater,
            (_, SortValue::Empty) => Ordering::Less,
        }
    }
}

/// The text of a cell and the value it sorts by.
pub fn cell(run: &RunDetail, col: &ColumnKey, now: i64) -> (String, SortValue) {
    let text = |s: &str| (s.to_string(), SortValue::Text(s.to_lowercase()));
    let number_or_text = |s: &str| match s.trim().parse::<f64>() {
        Ok(n) => (s.to_string(), SortValue::Num(n)),
        Err(_) => text(s),
    };
    match col {
        ColumnKey::Attr(a) => match a {
            Attr::Number => (run.run_number.to_string(), SortValue::Num(run.run_number as f64)),
            Attr::Name => text(&run.name),
            Attr::Status => text(run.status.label()),
            Attr::Script => text(run.script_name.as_deref().unwrap_or("")),
            Attr::Arguments => text(&run.arguments.join(" ")),
            Attr::Start => match run.start_time {
                Some(t) => (utc(t), SortValue::Num(t as f64)),
                None => (String::new(), SortValue::Empty),
            },
            Attr::Duration => match run.duration_ms(now) {
                Some(d) => (duration(d), SortValue::Num(d as f64)),
                None => (String::new(), SortValue::Empty),
            },
            Attr::User => text(&run.user_id),
        },
        ColumnKey::Param(k) => run
            .params
            .get(k)
            .map_or((String::new(), SortValue::Empty), |v| number_or_text(v)),
        ColumnKey::Metric(k) => run.metrics.get(k).map_or((String::new(), SortValue::Empty), |m| {
            (g(m.value.0), SortValue::Num(m.value.0))
        }),
        ColumnKey::MetricExtreme(k, e) => e
            .of(run, k)
            .map_or((String::new(), SortValue::Empty), |v| (g(v), SortValue::Num(v))),
        ColumnKey::Value(k) => run
            .values
            .get(k)
            .map_or((String::new(), SortValue::Empty), |v| match &v.value {
                serde_json::Value::String(s) if v.kind == "image" => text(&super::step_images::image_label(s)),
                serde_json::Value::String(s) => number_or_text(s),
                other if v.kind == "table" => (
                    format!("table ({} columns)", other.as_object().map_or(0, |o| o.len())),
                    SortValue::Empty,
                ),
                other => text(&other.to_string()),
            }),
        ColumnKey::Tag(k) => run.tags.get(k).map_or((String::new(), SortValue::Empty), |v| text(v)),
    }
}

/// The run has a value in this column.
pub fn has_value(run: &RunDetail, col: &ColumnKey) -> bool {
    match col {
        ColumnKey::Attr(_) => true,
        ColumnKey::Param(k) => run.params.contains_key(k),
        ColumnKey::Metric(k) => run.metrics.contains_key(k),
        ColumnKey::MetricExtreme(k, e) => e.of(run, k).is_some(),
        ColumnKey::Value(k) => run.values.contains_key(k),
        ColumnKey::Tag(k) => run.tags.contains_key(k),
    }
}

/// Every column the runs offer, attributes first, then by group and name; a metric logged at
/// more than one step offers its min and max beside its latest value.
pub fn catalog(runs: &[RunDetail]) -> Vec<ColumnKey> {
    let mut keys: BTreeSet<ColumnKey> = Attr::ALL.iter().map(|a| ColumnKey::Attr(*a)).collect();
    for r in runs {
        keys.extend(r.params.keys().map(|k| ColumnKey::Param(k.clone())));
        for (k, m) in &r.metrics {
            keys.insert(ColumnKey::Metric(k.clone()));
            if m.count > 1 && m.min.is_some() {
                keys.insert(ColumnKey::MetricExtreme(k.clone(), Extreme::Min));
                keys.insert(ColumnKey::MetricExtreme(k.clone(), Extreme::Max));
            }
        }
        keys.extend(r.values.keys().map(|k| ColumnKey::Value(k.clone())));
        keys.extend(
            r.tags
                .keys()
                .filter(|k| !k.starts_with("mlflow."))
                .map(|k| ColumnKey::Tag(k.clone())),
        );
    }
    keys.into_iter().collect()
}

/// The columns a grid starts with: the attributes a data scientist scans, the params that differ
/// between the runs, then the metrics (the run number is always shown beside the tick that
/// selects the row).
pub fn default_columns(runs: &[RunDetail]) -> Vec<ColumnKey> {
    let mut cols: Vec<ColumnKey> = [
        Attr::Name,
        Attr::Status,
        Attr::Script,
        Attr::Arguments,
        Attr::Start,
        Attr::Duration,
    ]
    .into_iter()
    .map(ColumnKey::Attr)
    .collect();
    // The params a sweep varies: those whose value differs between the runs.
    let refs: Vec<&RunDetail> = runs.iter().collect();
    cols.extend(
        super::dashboard::differing_params(&refs)
            .into_iter()
            .take(8)
            .map(ColumnKey::Param),
    );
    let metrics: BTreeSet<&String> = runs.iter().flat_map(|r| r.metrics.keys()).collect();
    cols.extend(metrics.into_iter().take(12).map(|k| ColumnKey::Metric(k.clone())));
    cols
}

/// Sorts runs in place by one column; ties keep the newest run first.
pub fn sort_runs(runs: &mut [&RunDetail], col: &ColumnKey, ascending: bool, now: i64) {
    runs.sort_by(|a, b| {
        let (_, va) = cell(a, col, now);
        let (_, vb) = cell(b, col, now);
        let o = match (&va, &vb) {
            // Empty cells stay last whichever way the column is sorted.
            (SortValue::Empty, _) | (_, SortValue::Empty) => va.cmp_to(&vb),
            _ if ascending => va.cmp_to(&vb),
            _ => vb.cmp_to(&va),
        };
        o.then(b.run_number.cmp(&a.run_number))
    });
}

/// The colour a status is drawn in, as RGB.
pub fn status_rgb(status: RunStatus) -> [u8; 3] {
    match status {
        RunStatus::Running | RunStatus::Scheduled => [66, 133, 244],
        RunStatus::Completed => [52, 168, 83],
        RunStatus::Failed | RunStatus::Lost => [219, 68, 55],
        RunStatus::Canceled => [150, 150, 150],
    }
}

#[cfg(test)]
#[path = "columns_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "columns_extreme_tests.rs"]
mod extreme_tests;
