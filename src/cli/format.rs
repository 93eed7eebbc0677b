//! How the CLI prints runs and registered models: the seed's info object, its table, times and durations.

use crate::api::ext::RunDetail;
use crate::api::registry::{ModelVersion, RegisteredModel};
use crate::format::g;
use serde_json::{Map, Value, json};

/// `2017-09-08T00:58:03.059000+00:00`, as the seed prints times.
pub fn utc(ms: Option<i64>) -> Value {
    match ms.and_then(chrono::DateTime::from_timestamp_millis) {
        Some(t) => Value::String(t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()),
        None => Value::Null,
    }
}

/// `0:00:04.892000`, as Python prints a timedelta.
pub fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    format!(
        "{h}:{:02}:{:02}.{:06}",
        rest / 60_000,
        (rest % 60_000) / 1000,
        (rest % 1000) * 1000
    )
}

fn number(v: f64) -> Value {
    serde_json::Number::from_f64(v)
        .map(Value::Number)
        .unwrap_or_else(|| Value::String(g(v)))
}

/// The seed's `az ml history info` object: every logged scalar at the top level, then the run.
pub fn info_object(run: &RunDetail, attachments: &[String], now_ms: i64) -> Value {
    let mut o = Map::new();
    for (k, m) in &run.metrics {
        o.insert(k.clone(), number(m.value.0));
    }
    for (k, v) in &run.values {
        if v.kind == "string" {
            o.insert(k.clone(), v.value.clone());
        }
    }
    let fields = json!({
        "attachments": attachments.join(", "),
        "created_utc": utc(Some(run.created_time)),
        "description": run.description,
        "duration": run.duration_ms(now_ms).map(duration),
        "end_time_utc": utc(run.end_time),
        "experiment_id": run.experiment_id,
        "heartbeat_enabled": run.heartbeat_time.is_some(),
        "hidden": run.hidden,
        "name": run.name,
        "parent_run_id": run.parent_run_id,
        "properties": run.properties,
        "run_id": run.run_id,
        "run_number": run.run_number,
        "script_name": run.script_name,
        "start_time_utc": utc(run.start_time),
        "status": run.status.label(),
        "target": run.target,
        "user_id": run.user_id,
    });
    if let Value::Object(f) = fields {
        o.extend(f);
    }
    Value::Object(o)
}

/// Lays out rows under headers; numeric columns align right, as the seed's table does.
pub fn table(headers: &[String], rows: &[Vec<String>]) -> String {
    let cols = headers.len();
    let mut width: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    let mut numeric = vec![true; cols];
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(cols) {
            width[i] = width[i].max(cell.chars().count());
            if !cell.is_empty() && cell.parse::<f64>().is_err() {
                numeric[i] = false;
            }
        }
    }
    let pad = |s: &str, i: usize| {
        let fill = " ".repeat(width[i] - s.chars().count());
        if numeric[i] {
            format!("{fill}{s}")
        } else {
            format!("{s}{fill}")
        }
    };
    let line = |cells: Vec<String>| cells.join("  ").trim_end().to_string();
    let mut out = vec![
        line(headers.iter().enumerate().map(|(i, h)| pad(h, i)).collect()),
        line(width.iter().map(|w| "-".repeat(*w)).collect()),
    ];
    for row in rows {
        out.push(line(
            (0..cols)
                .map(|i| pad(row.get(i).map(String::as_str).unwrap_or(""), i))
                .collect(),
        ));
    }
    out.join("\n")
}

/// The seed's `list -o table`: a column per logged scalar, then the run's attributes in the seed's
/// alphabetical order (with its name, which runs read in place are known by), newest first.
pub fn runs_table(runs: &[RunDetail], now_ms: i64) -> String {
    let mut keys: Vec<String> = runs.iter().flat_map(|r| r.metrics.keys().cloned()).collect();
    keys.sort();
    keys.dedup();
    let mut headers = keys.clone();
    headers.extend(["Duration", "Name", "Run_id", "Script_name", "Start_time_utc", "Status"].map(String::from));
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let mut row: Vec<String> = keys
                .iter()
                .map(|k| r.metrics.get(k).map(|m| g(m.value.0)).unwrap_or_default())
                .collect();
            row.push(r.duration_ms(now_ms).map(duration).unwrap_or_default());
            row.push(r.name.clone());
            row.push(r.run_id.clone());
            row.push(r.script_name.clone().unwrap_or_default());
            row.push(utc(r.start_time).as_str().unwrap_or("").to_string());
            row.push(r.status.label().to_string());
            row
        })
        .collect();
    table(&headers, &rows)
}

/// `list -o csv`: a line per run with its attributes, every param and every metric's latest value,
/// numbers exact (a duration in seconds, times in UTC).
pub fn runs_csv(runs: &[RunDetail], now_ms: i64) -> String {
    let sorted = |keys: Vec<&String>| -> Vec<String> {
        let set: std::collections::BTreeSet<&String> = keys.into_iter().collect();
        set.into_iter().cloned().collect()
    };
    let params = sorted(runs.iter().flat_map(|r| r.params.keys()).collect());
    let metrics = sorted(runs.iter().flat_map(|r| r.metrics.keys()).collect());
    let mut headers: Vec<String> = [
        "run_number",
        "run_id",
        "name",
        "status",
        "script_name",
        "start_time_utc",
        "duration_s",
    ]
    .map(String::from)
    .to_vec();
    headers.extend(params.iter().map(|k| format!("params.{k}")));
    headers.extend(metrics.iter().map(|k| format!("metrics.{k}")));
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let mut row = vec![
                r.run_number.to_string(),
                r.run_id.clone(),
                r.name.clone(),
                r.status.label().to_string(),
                r.script_name.clone().unwrap_or_default(),
                utc(r.start_time).as_str().unwrap_or("").to_string(),
                r.duration_ms(now_ms)
                    .map(|d| (d as f64 / 1000.0).to_string())
                    .unwrap_or_default(),
            ];
            row.extend(params.iter().map(|k| r.params.get(k).cloned().unwrap_or_default()));
            row.extend(
                metrics
                    .iter()
                    .map(|k| r.metrics.get(k).map(|m| m.value.0.to_string()).unwrap_or_default()),
            );
            row
        })
        .collect();
    crate::format::csv(&headers, &rows)
}

/// `models -o table`: each registered model with its newest version, stages and aliases.
pub fn models_table(models: &[RegisteredModel]) -> String {
    let (headers, rows) = models_rows(models);
    table(&headers, &rows)
}

/// `models -o csv`.
pub fn models_csv(models: &[RegisteredModel]) -> String {
    let (headers, rows) = models_rows(models);
    crate::format::csv(&headers, &rows)
}

fn models_rows(models: &[RegisteredModel]) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = ["Name", "Latest", "Stages", "Aliases", "Updated_utc", "Description"].map(String::from);
    let rows: Vec<Vec<String>> = models
        .iter()
        .map(|m| {
            let latest = m
                .latest_versions
                .iter()
                .filter_map(|v| v.version.parse::<i64>().ok())
                .max()
                .map(|v| v.to_string())
                .unwrap_or_default();
            let stages: Vec<String> = m
                .latest_versions
                .iter()
                .filter(|v| v.current_stage != "None")
                .map(|v| format!("{}=v{}", v.current_stage, v.version))
                .collect();
            let aliases: Vec<String> = m
                .aliases
                .iter()
                .map(|a| format!("@{}=v{}", a.alias, a.version))
                .collect();
            vec![
                m.name.clone(),
                latest,
                stages.join(" "),
                aliases.join(" "),
                utc(Some(m.last_updated_timestamp)).as_str().unwrap_or("").to_string(),
                m.description
                    .clone()
                    .unwrap_or_default()
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string(),
            ]
        })
        .collect();
    (headers.to_vec(), rows)
}

/// `models NAME -o table`: a model's versions, newest first, with where each came from.
pub fn versions_table(versions: &[ModelVersion]) -> String {
    let (headers, rows) = versions_rows(versions);
    table(&headers, &rows)
}

/// `models NAME -o csv`.
pub fn versions_csv(versions: &[ModelVersion]) -> String {
    let (headers, rows) = versions_rows(versions);
    crate::format::csv(&headers, &rows)
}

fn versions_rows(versions: &[ModelVersion]) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = ["Version", "Stage", "Aliases", "Run_id", "Source", "Created_utc"].map(String::from);
    let rows: Vec<Vec<String>> = versions
        .iter()
        .map(|v| {
            vec![
                v.version.clone(),
                v.current_stage.clone(),
                v.aliases.iter().map(|a| format!("@{a}")).collect::<Vec<_>>().join(" "),
                v.run_id.clone().unwrap_or_default(),
                v.source.clone(),
                utc(Some(v.creation_timestamp)).as_str().unwrap_or("").to_string(),
            ]
        })
        .collect();
    (headers.to_vec(), rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_like_the_seed() {
        assert_eq!(duration(4_892), "0:00:04.892000");
        assert_eq!(duration(3_723_001), "1:02:03.001000");
        assert_eq!(utc(Some(0)), Value::String("1970-01-01T00:00:00.000000+00:00".into()));
    }

    #[test]
    fn tables_align_numbers_right() {
        let t = table(
            &["Accuracy".into(), "Status".into()],
            &[
                vec!["0.5".into(), "Completed".into()],
                vec!["10".into(), "Failed".into()],
            ],
        );
        assert_eq!(
            t,
            "Accuracy  Status\n--------  ---------\n     0.5  Completed\n      10  Failed"
        );
    }
}
