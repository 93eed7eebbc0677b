//! Compare as plain data: every value of 2-3 runs in rows, differing rows marked, and every
//! metric as it stood at a chosen step.

use crate::api::curves::AtStep;
use crate::api::ext::RunDetail;
use crate::format::g;
use crate::format::{fmt_duration as duration, fmt_time as utc};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct CompareRow {
    pub group: &'static str,
    pub key: String,
    pub cells: Vec<String>,
    pub differs: bool,
}

fn put(
    rows: &mut BTreeMap<(u8, &'static str, String), Vec<String>>,
    order: u8,
    group: &'static str,
    key: &str,
    i: usize,
    n: usize,
    v: String,
) {
    rows.entry((order, group, key.to_string()))
        .or_insert_with(|| vec![String::new(); n])[i] = v;
}

/// Rows of attributes, parameters, metrics, values and tags; `only_differences` drops equal rows.
pub fn compare_rows(runs: &[&RunDetail], now: i64, only_differences: bool) -> Vec<CompareRow> {
    let n = runs.len();
    let mut rows = BTreeMap::new();
    for (i, r) in runs.iter().enumerate() {
        let attrs = [
            ("Name", r.name.clone()),
            ("Status", r.status.label().to_string()),
            ("Script", r.script_name.clone().unwrap_or_default()),
            ("Arguments", r.arguments.join(" ")),
            ("Started", r.start_time.map(utc).unwrap_or_default()),
            ("Duration", r.duration_ms(now).map(duration).unwrap_or_default()),
            ("Commit", r.properties.get("CommitId").cloned().unwrap_or_default()),
        ];
        for (k, v) in attrs {
            put(&mut rows, 0, "Run", k, i, n, v);
        }
        for (k, v) in &r.params {
            put(&mut rows, 1, "Parameters", k, i, n, v.clone());
        }
        for (k, m) in &r.metrics {
            put(&mut rows, 2, "Metrics", k, i, n, g(m.value.0));
        }
        for (k, v) in &r.values {
            let text = match &v.value {
                serde_json::Value::String(s) if v.kind == "image" => super::step_images::image_label(s),
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            put(&mut rows, 3, "Values", k, i, n, text);
        }
        for (k, v) in r.tags.iter().filter(|(k, _)| !k.starts_with("mlflow.")) {
            put(&mut rows, 4, "Tags", k, i, n, v.clone());
        }
    }
    rows.into_iter()
        .map(|((_, group, key), cells)| {
            let differs = cells.iter().any(|c| c != &cells[0]);
            CompareRow {
                group,
                key,
                cells,
                differs,
            }
        })
        .filter(|r| !only_differences || r.differs)
        .collect()
}

/// The series keys any of the runs logged at more than one step (or whose length is unknown).
pub fn shared_series(runs: &[&RunDetail]) -> Vec<String> {
    let mut keys: Vec<String> = runs
        .iter()
        .flat_map(|r| r.metrics.iter().filter(|(_, m)| m.count != 1).map(|(k, _)| k.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Image artifacts that at least two of the runs have under the same path.
pub fn shared_images(files: &[Vec<String>]) -> Vec<String> {
    let mut count: BTreeMap<&String, usize> = BTreeMap::new();
    for f in files {
        // Images logged at steps are shown over their steps instead.
        for p in f
            .iter()
            .filter(|p| super::details::is_image(p) && super::step_images::parse(p).is_none())
        {
            *count.entry(p).or_default() += 1;
        }
    }
    count
        .into_iter()
        .filter(|(_, c)| *c >= 2)
        .map(|(p, _)| p.clone())
        .collect()
}

/// The last step any of the runs logged a metric at (the step slider's end).
pub fn last_step(runs: &[&RunDetail]) -> Option<i64> {
    runs.iter().flat_map(|r| r.metrics.values().map(|m| m.step)).max()
}

/// A row per metric: each run's value at the chosen step, with the step it was logged at where
/// that is earlier (a metric logged every few steps), empty where it had none by then.
pub fn at_step_rows(runs: &[&RunDetail], at: &AtStep) -> Vec<CompareRow> {
    let n = runs.len();
    let mut rows: BTreeMap<(u8, &'static str, String), Vec<String>> = BTreeMap::new();
    let mut values: BTreeMap<&str, Vec<Option<f64>>> = BTreeMap::new();
    for v in &at.values {
        let Some(i) = runs.iter().position(|r| r.run_id == v.run_id) else {
            continue;
        };
        let text = if v.step == at.step {
            g(v.value.0)
        } else {
            format!("{} (step {})", g(v.value.0), v.step)
        };
        put(&mut rows, 0, "Metrics", &v.key, i, n, text);
        values.entry(&v.key).or_insert_with(|| vec![None; n])[i] = Some(v.value.0);
    }
    rows.into_iter()
        .map(|((_, group, key), cells)| {
            let vals = &values[key.as_str()];
            let differs = vals.iter().any(|v| v.map(f64::to_bits) != vals[0].map(f64::to_bits));
            CompareRow {
                group,
                key,
                cells,
                differs,
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
