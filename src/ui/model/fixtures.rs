//! Runs as plain data for the view models' tests: one way to make a run, its metrics and values.

use crate::api::ext::{LatestMetric, LoggedValue, Num, RunDetail, RunStatus};
use std::collections::BTreeMap;

/// The start of every fixture run's clock.
pub const T0: i64 = 1_700_000_000_000;

/// Completed run number `n` (id `id<n>`, name `run-<n>`) of experiment 1, by alice.
pub fn run(n: i64) -> RunDetail {
    RunDetail {
        run_id: format!("id{n}"),
        experiment_id: "1".into(),
        run_number: n,
        name: format!("run-{n}"),
        user_id: "alice".into(),
        status: RunStatus::Completed,
        created_time: T0,
        target: "local".into(),
        lifecycle_stage: "active".into(),
        ..Default::default()
    }
}

pub fn strings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Metrics as (key, latest value, point count).
pub fn counted(items: &[(&str, f64, i64)]) -> BTreeMap<String, LatestMetric> {
    items
        .iter()
        .map(|(k, v, count)| {
            let m = LatestMetric {
                value: Num(*v),
                step: 0,
                timestamp: T0,
                count: *count,
                ..Default::default()
            };
            (k.to_string(), m)
        })
        .collect()
}

/// Metrics logged once each.
pub fn metrics(pairs: &[(&str, f64)]) -> BTreeMap<String, LatestMetric> {
    counted(&pairs.iter().map(|(k, v)| (*k, *v, 1)).collect::<Vec<_>>())
}

/// Logged values as (key, kind, value).
pub fn values(items: &[(&str, &str, serde_json::Value)]) -> BTreeMap<String, LoggedValue> {
    items
        .iter()
        .map(|(k, kind, v)| {
            let lv = LoggedValue {
                key: k.to_string(),
                kind: kind.to_string(),
                value: v.clone(),
            };
            (k.to_string(), lv)
        })
        .collect()
}
