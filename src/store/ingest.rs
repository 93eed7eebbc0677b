//! Writing values: MLflow's log-batch (with its limits) and our bulk ingest, over one point writer.

use super::points::{NewPoints, insert_points};
use super::runs::{check_active, set_tag_in};
use super::sql::{Db, args};
use super::{Result, Store, StoreError};
use crate::api::ext::{IngestBatch, IngestResponse, LoggedValue, TableRow};
use crate::api::ids::now_ms;
use crate::api::limits::{
    MAX_BATCH_ENTITIES, MAX_BATCH_METRICS, MAX_BATCH_PARAMS_TAGS, MAX_KEY_LEN, MAX_PARAM_VALUE_LEN, MAX_TAG_VALUE_LEN,
    MAX_VALUE_JSON_LEN,
};
use crate::api::{KeyValue, LogBatch, Metric};
use serde_json::{Value, json};
use std::collections::HashMap;

pub(super) fn validate_key(kind: &str, key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(StoreError::Invalid(format!(
            "Missing value for required parameter '{kind} key'."
        )));
    }
    if key.len() > MAX_KEY_LEN {
        return Err(StoreError::Invalid(format!(
            "{kind} key '{}...' had length {}, which exceeded length limit of {MAX_KEY_LEN}",
            key.chars().take(40).collect::<String>(),
            key.len()
        )));
    }
    if key.contains('\0') {
        return Err(StoreError::Invalid(format!(
            "Invalid {kind} key: it contains a NUL character"
        )));
    }
    Ok(())
}

pub(super) fn validate_tag(t: &KeyValue) -> Result<()> {
    validate_key("Tag", &t.key)?;
    if t.value.len() > MAX_TAG_VALUE_LEN {
        return Err(StoreError::Invalid(format!(
            "Tag value for key '{}' had length {}, which exceeded length limit of {MAX_TAG_VALUE_LEN}",
            t.key,
            t.value.len()
        )));
    }
    Ok(())
}

fn validate_param(p: &KeyValue) -> Result<()> {
    validate_key("Param", &p.key)?;
    if p.value.len() > MAX_PARAM_VALUE_LEN {
        return Err(StoreError::Invalid(format!(
            "Param value for key '{}' had length {}, which exceeded length limit of {MAX_PARAM_VALUE_LEN}",
            p.key,
            p.value.len()
        )));
    }
    Ok(())
}

/// MLflow's rule: a param, once logged, keeps its value.
fn log_param_in(db: &Db<'_>, run_id: &str, p: &KeyValue) -> Result<()> {
    let old: Option<String> = db.value(
        "SELECT value FROM params WHERE run_id = ?1 AND key = ?2",
        args![run_id, p.key],
    )?;
    match old {
        Some(old) if old == p.value => Ok(()),
        Some(old) => Err(StoreError::Invalid(format!(
            "Changing param values is not allowed. Param with key='{}' was already logged with value='{old}' for run ID='{run_id}'. Attempted logging new value '{}'.",
            p.key, p.value
        ))),
        None => {
            db.exec(
                "INSERT INTO params (run_id, key, value) VALUES (?1, ?2, ?3)",
                args![run_id, p.key, p.value],
            )?;
            Ok(())
        }
    }
}

/// The points of one key taken from a list of metrics, in the order given.
struct KeyPoints<'a> {
    key: &'a str,
    values: Vec<f64>,
    steps: Vec<i64>,
    timestamps: Vec<i64>,
}

impl KeyPoints<'_> {
    fn as_new(&self) -> NewPoints<'_> {
        NewPoints {
            key: self.key,
            values: &self.values,
            steps: Some(&self.steps),
            timestamps: &self.timestamps,
        }
    }
}

/// Groups metrics by key, for one insert per series.
fn group_metrics(metrics: &[Metric]) -> Vec<KeyPoints<'_>> {
    let mut order: Vec<KeyPoints> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for m in metrics {
        let i = *at.entry(m.key.as_str()).or_insert_with(|| {
            order.push(KeyPoints {
                key: &m.key,
                values: Vec::new(),
                steps: Vec::new(),
                timestamps: Vec::new(),
            });
            order.len() - 1
        });
        order[i].values.push(m.value);
        order[i].steps.push(m.step);
        order[i].timestamps.push(m.timestamp);
    }
    order
}

fn check_value(v: &LoggedValue) -> Result<String> {
    validate_key("Value", &v.key)?;
    match (v.kind.as_str(), &v.value) {
        ("string", Value::String(_)) | ("image", Value::String(_)) => {}
        ("table", Value::Object(o))
            if o.get("columns").is_some_and(Value::is_array) && o.get("rows").is_some_and(Value::is_array) => {}
        ("table", _) => {
            return Err(StoreError::Invalid(format!(
                "Table '{}' must be {{\"columns\": [...], \"rows\": [[...], ...]}}",
                v.key
            )));
        }
        (kind, _) => {
            return Err(StoreError::Invalid(format!(
                "Value '{}': kind '{kind}' with this value is not one of string, table, image",
                v.key
            )));
        }
    }
    let text = v.value.to_string();
    if text.len() > MAX_VALUE_JSON_LEN {
        return Err(StoreError::TooLarge(format!(
            "Value '{}' is larger than {MAX_VALUE_JSON_LEN} bytes",
            v.key
        )));
    }
    Ok(text)
}

fn put_value(db: &Db<'_>, run_id: &str, key: &str, kind: &str, text: &str) -> Result<()> {
    db.exec(
        "INSERT INTO run_values (run_id, key, kind, value) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(run_id, key) DO UPDATE SET kind = excluded.kind, value = excluded.value",
        args![run_id, key, kind, text],
    )?;
    Ok(())
}

/// Appends a row to a logged table, adding columns the row brings.
fn append_row(db: &Db<'_>, run_id: &str, row: &TableRow) -> Result<()> {
    validate_key("Table", &row.key)?;
    let existing: Option<(String, String)> = db.row(
        "SELECT kind, value FROM run_values WHERE run_id = ?1 AND key = ?2",
        args![run_id, row.key],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (mut columns, mut rows): (Vec<String>, Vec<Vec<Value>>) = match existing {
        Some((kind, text)) if kind == "table" => {
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| json!({}));
            (
                serde_json::from_value(v["columns"].clone()).unwrap_or_default(),
                serde_json::from_value(v["rows"].clone()).unwrap_or_default(),
            )
        }
        Some(_) => {
            return Err(StoreError::Invalid(format!(
                "'{}' is already logged as another kind of value",
                row.key
            )));
        }
        None => (Vec::new(), Vec::new()),
    };
    for name in row.row.keys() {
        if !columns.contains(name) {
            columns.push(name.clone());
            rows.iter_mut().for_each(|r| r.push(Value::Null));
        }
    }
    rows.push(
        columns
            .iter()
            .map(|c| row.row.get(c).cloned().unwrap_or(Value::Null))
            .collect(),
    );
    put_value(
        db,
        run_id,
        &row.key,
        "table",
        &json!({"columns": columns, "rows": rows}).to_string(),
    )
}

impl Store {
    /// MLflow's log-batch: limits checked first, then everything applied in one transaction.
    pub fn log_batch(&self, batch: &LogBatch, run_id: &str) -> Result<()> {
        if batch.metrics.len() > MAX_BATCH_METRICS {
            return Err(StoreError::Invalid(format!(
                "A batch logging request can contain at most {MAX_BATCH_METRICS} metrics. Got {} metrics. Please split up metrics across multiple requests and try again.",
                batch.metrics.len()
            )));
        }
        if batch.params.len() + batch.tags.len() > MAX_BATCH_PARAMS_TAGS {
            return Err(StoreError::Invalid(format!(
                "A batch logging request can contain at most {MAX_BATCH_PARAMS_TAGS} params and tags. Got {}.",
                batch.params.len() + batch.tags.len()
            )));
        }
        if batch.metrics.len() + batch.params.len() + batch.tags.len() > MAX_BATCH_ENTITIES {
            return Err(StoreError::Invalid(format!(
                "A batch logging request can contain at most {MAX_BATCH_ENTITIES} metrics, params and tags in total."
            )));
        }
        batch.params.iter().try_for_each(validate_param)?;
        batch.tags.iter().try_for_each(validate_tag)?;
        let mut seen: HashMap<&str, &str> = HashMap::new();
        for p in &batch.params {
            if seen.insert(&p.key, &p.value).is_some_and(|v| v != p.value) {
                return Err(StoreError::Invalid(format!(
                    "Duplicate parameter keys have been submitted: '{}' with differing values.",
                    p.key
                )));
            }
        }
        self.write_db(|tx| {
            check_active(tx, run_id)?;
            for p in &batch.params {
                log_param_in(tx, run_id, p)?;
            }
            let groups = group_metrics(&batch.metrics);
            insert_points(tx, run_id, &groups.iter().map(KeyPoints::as_new).collect::<Vec<_>>())?;
            super::logged_models::record_model_metrics(tx, run_id, &batch.metrics)?;
            for t in &batch.tags {
                set_tag_in(tx, run_id, t)?;
            }
            Ok(())
        })
    }

    /// Our bulk path: any number of points and values, applied once per batch id.
    pub fn ingest(&self, batch: &IngestBatch) -> Result<IngestResponse> {
        batch.params.iter().try_for_each(validate_param)?;
        batch.tags.iter().try_for_each(validate_tag)?;
        let values = batch
            .values
            .iter()
            .map(|v| check_value(v).map(|t| (v, t)))
            .collect::<Result<Vec<_>>>()?;
        self.write_db(|tx| {
            if let Some(id) = &batch.batch_id {
                let seen: Option<i64> = tx.value("SELECT 1 FROM ingested_batches WHERE batch_id = ?1", args![id])?;
                if seen.is_some() {
                    return Ok(IngestResponse {
                        points: 0,
                        duplicate: true,
                    });
                }
            }
            check_active(tx, &batch.run_id)?;
            for p in &batch.params {
                log_param_in(tx, &batch.run_id, p)?;
            }
            let raw: Vec<Vec<f64>> = batch
                .series
                .iter()
                .map(|c| c.values.iter().map(|n| n.0).collect())
                .collect();
            let groups = group_metrics(&batch.metrics);
            let chunks: Vec<NewPoints<'_>> = batch
                .series
                .iter()
                .zip(&raw)
                .map(|(c, values)| NewPoints {
                    key: &c.key,
                    values,
                    steps: c.steps.as_deref(),
                    timestamps: &c.timestamps,
                })
                .chain(groups.iter().map(KeyPoints::as_new))
                .collect();
            let points = insert_points(tx, &batch.run_id, &chunks)?;
            for t in &batch.tags {
                set_tag_in(tx, &batch.run_id, t)?;
            }
            for (v, text) in &values {
                put_value(tx, &batch.run_id, &v.key, &v.kind, text)?;
            }
            for row in &batch.table_rows {
                append_row(tx, &batch.run_id, row)?;
            }
            if let Some(id) = &batch.batch_id {
                tx.exec(
                    "INSERT INTO ingested_batches (batch_id, run_id, ingested_time) VALUES (?1, ?2, ?3)",
                    args![id, batch.run_id, now_ms()],
                )?;
            }
            Ok(IngestResponse {
                points,
                duplicate: false,
            })
        })
    }
}
