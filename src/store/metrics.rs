//! Reading series: full history with paging, MLflow's bulk-interval sample, and min/max buckets for charts.

use super::load::value_from_db;
use super::runs::not_found;
use super::search::{decode_offset, encode_offset};
use super::{Result, Store, StoreError};
use crate::api::Metric;
use crate::api::ext::DownsampledSeries;
use crate::api::limits::{MAX_BUCKETS, MAX_HISTORY_PAGE};
use crate::series::Bucketer;
use rusqlite::{Connection, OptionalExtension, params};

fn series_id(conn: &Connection, run_id: &str, key: &str) -> Result<Option<i64>> {
    let run: Option<i64> = conn
        .query_row("SELECT 1 FROM runs WHERE run_id = ?1", [run_id], |r| r.get(0))
        .optional()?;
    if run.is_none() {
        return Err(not_found(run_id));
    }
    Ok(conn
        .query_row(
            "SELECT series_id FROM series WHERE run_id = ?1 AND key = ?2",
            params![run_id, key],
            |r| r.get(0),
        )
        .optional()?)
}

/// A requested x axis of a downsampled read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum XAxis {
    Step,
    Time,
}

impl XAxis {
    pub fn parse(s: &str) -> Result<XAxis> {
        match s {
            "" | "step" => Ok(XAxis::Step),
            "time" | "wall" => Ok(XAxis::Time),
            other => Err(StoreError::Invalid(format!(
                "Invalid x axis '{other}': expected step or time"
            ))),
        }
    }

    fn column(self) -> &'static str {
        match self {
            XAxis::Step => "step",
            XAxis::Time => "timestamp",
        }
    }
}

impl Store {
    pub fn metric_history(
        &self,
        run_id: &str,
        key: &str,
        max_results: Option<i64>,
        page_token: Option<&str>,
    ) -> Result<(Vec<Metric>, Option<String>)> {
        let limit = max_results.unwrap_or(MAX_HISTORY_PAGE);
        if !(1..=MAX_HISTORY_PAGE).contains(&limit) {
            return Err(StoreError::Invalid(format!(
                "max_results must be between 1 and {MAX_HISTORY_PAGE}"
            )));
        }
        let offset = decode_offset(page_token)?;
        self.read(|c| {
            let Some(sid) = series_id(c, run_id, key)? else {
                return Ok((Vec::new(), None));
            };
            let mut stmt = c.prepare_cached(
                "SELECT step, timestamp, value FROM metric_points WHERE series_id = ?1
                 ORDER BY step, seq LIMIT ?2 OFFSET ?3",
            )?;
            let points = stmt
                .query_map(params![sid, limit + 1, offset], |r| {
                    Ok(Metric {
                        key: key.to_string(),
                        step: r.get(0)?,
                        timestamp: r.get(1)?,
                        value: value_from_db(r.get(2)?),
                        ..Default::default()
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut points = points;
            let next = if points.len() as i64 > limit {
                points.truncate(limit as usize);
                Some(encode_offset(offset + limit))
            } else {
                None
            };
            Ok((points, next))
        })
    }

    /// MLflow's get-history-bulk-interval: for each run, the points at up to `max_results` steps
    /// spread evenly over [start, end], always keeping the first and last step.
    pub fn metric_history_bulk_interval(
        &self,
        run_ids: &[String],
        key: &str,
        start_step: Option<i64>,
        end_step: Option<i64>,
        max_results: usize,
    ) -> Result<Vec<(String, Metric)>> {
        self.read(|c| {
            let mut out = Vec::new();
            for run_id in run_ids {
                let Some(sid) = series_id(c, run_id, key)? else { continue };
                let mut stmt = c.prepare_cached(
                    "SELECT DISTINCT step FROM metric_points WHERE series_id = ?1 AND step BETWEEN ?2 AND ?3 ORDER BY step",
                )?;
                let steps = stmt
                    .query_map(params![sid, start_step.unwrap_or(i64::MIN), end_step.unwrap_or(i64::MAX)], |r| r.get::<_, i64>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let chosen: Vec<i64> = if steps.len() <= max_results || max_results < 2 {
                    steps.into_iter().take(max_results.max(1)).collect()
                } else {
                    let n = steps.len() - 1;
                    let mut picked: Vec<i64> = (0..max_results).map(|i| steps[i * n / (max_results - 1)]).collect();
                    picked.dedup();
                    picked
                };
                let mut at = c.prepare_cached(
                    "SELECT step, timestamp, value FROM metric_points WHERE series_id = ?1 AND step = ?2 ORDER BY seq",
                )?;
                for step in chosen {
                    let rows = at.query_map(params![sid, step], |r| {
                        Ok(Metric { key: key.to_string(), step: r.get(0)?, timestamp: r.get(1)?, value: value_from_db(r.get(2)?), ..Default::default() })
                    })?;
                    for m in rows {
                        out.push((run_id.clone(), m?));
                    }
                }
            }
            Ok(out)
        })
    }

    /// The series cut into `buckets` equal ranges of x over [lo, hi] (the whole series by default),
    /// each with its min, max and last value: what a chart needs, whatever the series' length.
    pub fn downsample(
        &self,
        run_id: &str,
        key: &str,
        x: XAxis,
        buckets: usize,
        lo: Option<i64>,
        hi: Option<i64>,
    ) -> Result<DownsampledSeries> {
        if buckets == 0 || buckets > MAX_BUCKETS {
            return Err(StoreError::Invalid(format!(
                "buckets must be between 1 and {MAX_BUCKETS}"
            )));
        }
        self.read(|c| {
            let mut result =
                DownsampledSeries { run_id: run_id.into(), key: key.into(), x: x.column().into(), total_points: 0, buckets: vec![] };
            let Some(sid) = series_id(c, run_id, key)? else { return Ok(result) };
            let col = x.column();
            let (min_x, max_x, total): (Option<i64>, Option<i64>, i64) = c.query_row(
                &format!(
                    "SELECT MIN({col}), MAX({col}), COUNT(*) FROM metric_points WHERE series_id = ?1 AND {col} BETWEEN ?2 AND ?3"
                ),
                params![sid, lo.unwrap_or(i64::MIN), hi.unwrap_or(i64::MAX)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let (Some(min_x), Some(max_x)) = (min_x, max_x) else { return Ok(result) };
            result.total_points = total as u64;
            let lo = lo.unwrap_or(min_x).max(min_x);
            let hi = hi.unwrap_or(max_x).min(max_x);
            // Integer x: bucket i covers [lo + i*w, lo + (i+1)*w) over [lo, hi + 1).
            let mut acc = Bucketer::new(lo as f64, hi as f64 + 1.0, buckets);
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {col}, value FROM metric_points WHERE series_id = ?1 AND {col} BETWEEN ?2 AND ?3"
            ))?;
            let mut rows = stmt.query(params![sid, lo, hi])?;
            while let Some(row) = rows.next()? {
                let xv: i64 = row.get(0)?;
                acc.add(xv as f64, value_from_db(row.get(1)?));
            }
            result.buckets = acc.finish();
            Ok(result)
        })
    }

    /// Whether a run exists (for endpoints that answer 404 before doing anything else).
    pub fn run_exists(&self, run_id: &str) -> Result<bool> {
        self.read(|c| {
            let found: Option<i64> = c
                .query_row("SELECT 1 FROM runs WHERE run_id = ?1", [run_id], |r| r.get(0))
                .optional()?;
            Ok(found.is_some())
        })
    }
}
