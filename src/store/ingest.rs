//! Writing values: MLflow's log-batch (with its limits) and our bulk ingest, over one point writer.

use super::runs::{check_active, set_tag_in};
use super::sql::{self, Db, args};
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

fn validate_key(kind: &str, key: &str) -> Result<()> {
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

/// The latest point of a series and how many it holds.
#[derive(Clone, Copy)]
struct Latest {
    step: i64,
    timestamp: i64,
    value: f64,
    count: i64,
}

impl Latest {
    /// MLflow's order for "latest": highest step, then newest timestamp, then greatest value.
    fn is_before(&self, step: i64, timestamp: i64, value: f64) -> bool {
        (step, timestamp) > (self.step, self.timestamp)
            || ((step, timestamp) == (self.step, self.timestamp) && value.total_cmp(&self.value).is_gt())
    }
}

/// New points of one series as a call gives them; `steps` None continues after its latest step.
pub(super) struct NewPoints<'a> {
    pub key: &'a str,
    pub values: &'a [f64],
    pub steps: Option<&'a [i64]>,
    pub timestamps: &'a [i64],
}

impl NewPoints<'_> {
    fn check(&self) -> Result<()> {
        validate_key("Metric", self.key)?;
        if self.steps.is_some_and(|s| s.len() != self.values.len()) {
            return Err(StoreError::Invalid(format!(
                "Series '{}': steps and values differ in length",
                self.key
            )));
        }
        let t = self.timestamps.len();
        if !(t == 0 || t == 1 || t == self.values.len()) {
            return Err(StoreError::Invalid(format!(
                "Series '{}': give one timestamp per value, a single one, or none",
                self.key
            )));
        }
        Ok(())
    }
}

/// One series of a run as a write finds it and leaves it.
struct SeriesWrite {
    series_id: i64,
    /// Points it held before this write (the next point's `seq`).
    held: i64,
    latest: Option<Latest>,
    points: Vec<(i64, i64, f64)>,
}

/// Appends points to a run's series, every series of the call together: a few statements
/// whatever the number of keys (on PostgreSQL each statement is a round trip).
pub(super) fn insert_points(db: &Db<'_>, run_id: &str, chunks: &[NewPoints<'_>]) -> Result<u64> {
    chunks.iter().try_for_each(NewPoints::check)?;
    // Sorted, so that concurrent writers to one run take the series' rows in one order.
    let keys: std::collections::BTreeSet<&str> =
        chunks.iter().filter(|c| !c.values.is_empty()).map(|c| c.key).collect();
    if keys.is_empty() {
        return Ok(0);
    }
    let keys_json = serde_json::to_string(&keys).map_err(|e| StoreError::Internal(e.to_string()))?;
    db.exec(
        &format!(
            "INSERT INTO series (run_id, key) SELECT CAST(?1 AS TEXT), k.* FROM ({}) k WHERE true
             ORDER BY 2 ON CONFLICT (run_id, key) DO NOTHING",
            db.json_strings(2)
        ),
        args![run_id, keys_json],
    )?;
    let mut series: HashMap<String, SeriesWrite> = HashMap::with_capacity(keys.len());
    db.each(
        &format!(
            "SELECT s.key, s.series_id, l.step, l.timestamp, l.value, l.point_count
             FROM series s LEFT JOIN latest_metrics l ON l.series_id = s.series_id
             WHERE s.run_id = ?1 AND s.key IN ({})",
            db.json_strings(2)
        ),
        args![run_id, keys_json],
        |r| {
            let latest = match (r.get::<Option<i64>>(2)?, r.get::<Option<i64>>(5)?) {
                (Some(step), Some(count)) => Some(Latest {
                    step,
                    timestamp: r.get(3)?,
                    value: super::load::value_from_db(r.get(4)?),
                    count,
                }),
                _ => None,
            };
            let write = SeriesWrite {
                series_id: r.get(1)?,
                held: latest.map_or(0, |l| l.count),
                latest,
                points: Vec::new(),
            };
            series.insert(r.get(0)?, write);
            Ok(())
        },
    )?;
    let now = now_ms();
    for chunk in chunks.iter().filter(|c| !c.values.is_empty()) {
        let s = series
            .get_mut(chunk.key)
            .ok_or_else(|| StoreError::Internal(format!("series '{}' was not made", chunk.key)))?;
        // Steps not given continue after the latest, counting what this write added before.
        let first_auto_step = s.latest.map_or(0, |l| l.step + 1);
        for (i, &value) in chunk.values.iter().enumerate() {
            let step = chunk.steps.map_or(first_auto_step + i as i64, |st| st[i]);
            let timestamp = match chunk.timestamps.len() {
                0 => now,
                1 => chunk.timestamps[0],
                _ => chunk.timestamps[i],
            };
            s.points.push((step, timestamp, value));
            if s.latest.is_none_or(|l| l.is_before(step, timestamp, value)) {
                s.latest = Some(Latest {
                    step,
                    timestamp,
                    value,
                    count: 0,
                });
            }
        }
    }
    let writes: Vec<&SeriesWrite> = keys.iter().filter_map(|k| series.get(*k)).collect();
    let rows: Vec<(i64, i64, (i64, i64, f64))> = writes
        .iter()
        .flat_map(|w| {
            w.points
                .iter()
                .enumerate()
                .map(|(i, p)| (w.series_id, w.held + i as i64, *p))
        })
        .collect();
    use sql::Column::{Int, Real};
    db.insert_many(
        "metric_points",
        &[
            ("series_id", Int),
            ("step", Int),
            ("seq", Int),
            ("timestamp", Int),
            ("value", Real),
        ],
        rows.len(),
        |i, row| {
            let (series_id, seq, (step, timestamp, value)) = rows[i];
            row.extend([
                sql::Value::Int(series_id),
                sql::Value::Int(step),
                sql::Value::Int(seq),
                sql::Value::Int(timestamp),
                stored_real(value),
            ]);
        },
    )?;
    let blocks: Vec<(i64, &[super::pyramid::Point])> =
        writes.iter().map(|w| (w.series_id, w.points.as_slice())).collect();
    super::pyramid::record(db, &blocks)?;
    let latest: Vec<(i64, Latest, i64)> = writes
        .iter()
        .filter_map(|w| w.latest.map(|l| (w.series_id, l, w.held + w.points.len() as i64)))
        .collect();
    db.exec_rows(
        "INSERT INTO latest_metrics (series_id, step, timestamp, value, point_count)",
        "ON CONFLICT(series_id) DO UPDATE SET step = excluded.step, timestamp = excluded.timestamp,
            value = excluded.value, point_count = excluded.point_count",
        5,
        latest.len(),
        |i, row| {
            let (series_id, l, count) = latest[i];
            row.extend([
                sql::Value::Int(series_id),
                sql::Value::Int(l.step),
                sql::Value::Int(l.timestamp),
                stored_real(l.value),
                sql::Value::Int(count),
            ]);
        },
    )?;
    Ok(rows.len() as u64)
}

/// A value as the database keeps it: NaN as NULL (SQLite has no NaN).
fn stored_real(v: f64) -> sql::Value {
    if v.is_nan() {
        sql::Value::Null
    } else {
        sql::Value::Real(v)
    }
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
