//! Appending points to a run's series: every series of a call together, in a few statements
//! whatever the number of keys, with each series' latest value, summary pyramid and packed
//! blocks kept.

use super::ingest::validate_key;
use super::point_blocks::{Append, BLOCK};
use super::pyramid::Point;
use super::sql::{self, Db, Dialect, args};
use super::{Result, StoreError};
use crate::api::ids::now_ms;
use std::collections::HashMap;

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
    /// The least and greatest value held (NaN left out): the grid's min and max columns.
    range: Range,
    /// Its last block when not full (see point_blocks.rs).
    partial: Option<Vec<u8>>,
    points: Vec<Point>,
}

/// The least and greatest value of a series, if any is a number.
type Range = Option<(f64, f64)>;

/// `range` widened by `v`; NaN leaves it as it is.
fn widen(range: Range, v: f64) -> Range {
    if v.is_nan() {
        return range;
    }
    Some(range.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
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
    if db.dialect() == Dialect::Postgres {
        // One writer at a time on a series, in key order (no deadlock): what follows reads its
        // count and partial block and writes them back. SQLite's writes are one at a time already.
        db.exec(
            &format!(
                "SELECT series_id FROM series WHERE run_id = ?1 AND key IN ({}) ORDER BY key FOR UPDATE",
                db.json_strings(2)
            ),
            args![run_id, keys_json],
        )?;
    }
    let mut series: HashMap<String, SeriesWrite> = HashMap::with_capacity(keys.len());
    db.each(
        &format!(
            "SELECT s.key, s.series_id, l.step, l.timestamp, l.value, l.point_count, l.min, l.max, b.points
             FROM series s LEFT JOIN latest_metrics l ON l.series_id = s.series_id
             LEFT JOIN point_blocks b ON b.series_id = s.series_id AND b.block = l.point_count / {BLOCK}
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
            let range = match (r.get::<Option<f64>>(6)?, r.get::<Option<f64>>(7)?) {
                (Some(lo), Some(hi)) => Some((lo, hi)),
                _ => None,
            };
            let write = SeriesWrite {
                series_id: r.get(1)?,
                held: latest.map_or(0, |l| l.count),
                latest,
                range,
                partial: r.get(8)?,
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
            s.range = widen(s.range, value);
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
                sql::Value::real(value),
            ]);
        },
    )?;
    let blocks: Vec<(i64, &[Point])> = writes.iter().map(|w| (w.series_id, w.points.as_slice())).collect();
    super::pyramid::record(db, &blocks)?;
    let packed: Vec<Append<'_>> = writes
        .iter()
        .map(|w| Append {
            series_id: w.series_id,
            held: w.held,
            partial: w.partial.clone(),
            points: &w.points,
        })
        .collect();
    super::point_blocks::append(db, &packed)?;
    let latest: Vec<(i64, Latest, i64, Range)> = writes
        .iter()
        .filter_map(|w| {
            w.latest
                .map(|l| (w.series_id, l, w.held + w.points.len() as i64, w.range))
        })
        .collect();
    db.exec_rows(
        "INSERT INTO latest_metrics (series_id, step, timestamp, value, point_count, min, max)",
        "ON CONFLICT(series_id) DO UPDATE SET step = excluded.step, timestamp = excluded.timestamp,
            value = excluded.value, point_count = excluded.point_count, min = excluded.min, max = excluded.max",
        7,
        latest.len(),
        |i, row| {
            let (series_id, l, count, range) = latest[i];
            let (lo, hi) = range.unwrap_or((f64::NAN, f64::NAN));
            row.extend([
                sql::Value::Int(series_id),
                sql::Value::Int(l.step),
                sql::Value::Int(l.timestamp),
                sql::Value::real(l.value),
                sql::Value::Int(count),
                sql::Value::real(lo),
                sql::Value::real(hi),
            ]);
        },
    )?;
    Ok(rows.len() as u64)
}
