//! The bulk curve read: one key's min/max buckets for many runs in one read, so a chart of a
//! thousand learning curves costs one request and one database transaction, not a thousand.

use super::load::value_from_db;
use super::metrics::{XAxis, downsample_series};
use super::pyramid;
use super::sql::Db;
use super::sql::args;
use super::{Result, Store, StoreError};
use crate::api::curves::{CurveColumns, Curves, CurvesRequest};
use crate::api::ext::DownsampledSeries;
use crate::api::limits::{MAX_CURVE_BUCKETS, MAX_CURVE_BUCKETS_PER_RUN, MAX_CURVE_RUNS};
use crate::series::Bucketer;
use std::collections::HashMap;

impl Store {
    /// Each asked run's series of `req.key` in `req.buckets` buckets over [min, max] of x, in the
    /// order asked. Runs that do not exist (deleted since the caller listed them) are left out.
    pub fn downsample_runs(&self, req: &CurvesRequest) -> Result<Curves> {
        let x = XAxis::parse(&req.x)?;
        if req.buckets == 0 || req.buckets > MAX_CURVE_BUCKETS_PER_RUN {
            return Err(StoreError::Invalid(format!(
                "buckets must be between 1 and {MAX_CURVE_BUCKETS_PER_RUN} (a chart's width in pixels)"
            )));
        }
        if req.run_ids.len() > MAX_CURVE_RUNS {
            return Err(StoreError::Invalid(format!(
                "{} runs asked: one read takes at most {MAX_CURVE_RUNS}",
                req.run_ids.len()
            )));
        }
        if req.run_ids.len() * req.buckets > MAX_CURVE_BUCKETS {
            return Err(StoreError::Invalid(format!(
                "{} runs x {} buckets is more than the {MAX_CURVE_BUCKETS} buckets one read returns",
                req.run_ids.len(),
                req.buckets
            )));
        }
        if let (Some(lo), Some(hi)) = (req.min, req.max)
            && lo > hi
        {
            return Err(StoreError::Invalid(format!("min ({lo}) is above max ({hi})")));
        }
        let ids = serde_json::to_string(&req.run_ids).map_err(|e| StoreError::Internal(e.to_string()))?;
        self.read_db(|db| {
            // Which runs exist, and their series of this key, in one query.
            let mut found: HashMap<String, Option<i64>> = HashMap::with_capacity(req.run_ids.len());
            db.each(
                &format!(
                    "SELECT r.run_id, s.series_id FROM runs r LEFT JOIN series s ON s.run_id = r.run_id AND s.key = ?2
                     WHERE r.run_id IN ({})",
                    db.json_strings(1)
                ),
                args![ids, req.key],
                |row| {
                    found.insert(row.get(0)?, row.get(1)?);
                    Ok(())
                },
            )?;
            // Long series are read from their pyramids one by one; the others (a sweep's curves of
            // a few thousand steps, finer than the pyramid at a chart's width) have their points
            // read together in one query.
            let extents = pyramid::extents_of_runs(db, &ids, &req.key, x.pyramid_axis())?;
            let from_points: Vec<&String> = req
                .run_ids
                .iter()
                .filter(|r| match found.get(*r) {
                    Some(Some(sid)) => extents.get(sid).is_none_or(|(min_x, max_x)| {
                        let a = req.min.unwrap_or(*min_x).max(*min_x);
                        let b = req.max.unwrap_or(*max_x).min(*max_x);
                        b < a || pyramid::needs_points(a, b, req.buckets)
                    }),
                    _ => false,
                })
                .collect();
            let mut points = points_of_runs(db, &from_points, &req.key, x, req.min, req.max)?;
            let mut series = Vec::with_capacity(found.len());
            for run_id in &req.run_ids {
                // A run asked twice is answered once.
                let Some(sid) = found.remove(run_id) else { continue };
                let s = match sid.and_then(|sid| points.remove(&sid)) {
                    Some(p) => bucket_points_of(p, run_id, &req.key, x, req.buckets, req.min, req.max),
                    None if from_points.contains(&run_id) => {
                        // A series with no point in the range.
                        bucket_points_of(Vec::new(), run_id, &req.key, x, req.buckets, req.min, req.max)
                    }
                    None => downsample_series(db, sid, run_id, &req.key, x, req.buckets, req.min, req.max)?,
                };
                series.push(CurveColumns::from_series(&s));
            }
            Ok(Curves {
                key: req.key.clone(),
                x: x.column().into(),
                series,
            })
        })
    }
}

/// One point as read: x, then step and seq to order ties as the series holds them, and the value.
type RawPoint = (i64, i64, i64, Option<f64>);

/// The points of `key` of these runs within [lo, hi] of x, by series, in one query.
fn points_of_runs(
    db: &Db<'_>,
    runs: &[&String],
    key: &str,
    x: XAxis,
    lo: Option<i64>,
    hi: Option<i64>,
) -> Result<HashMap<i64, Vec<RawPoint>>> {
    let mut out: HashMap<i64, Vec<RawPoint>> = HashMap::new();
    if runs.is_empty() {
        return Ok(out);
    }
    let ids = serde_json::to_string(runs).map_err(|e| StoreError::Internal(e.to_string()))?;
    let col = x.column();
    db.each(
        &format!(
            "SELECT s.series_id, p.{col}, p.step, p.seq, p.value FROM series s
             JOIN metric_points p ON p.series_id = s.series_id
             WHERE s.key = ?2 AND s.run_id IN ({}) AND p.{col} BETWEEN ?3 AND ?4",
            db.json_strings(1)
        ),
        args![ids, key, lo.unwrap_or(i64::MIN), hi.unwrap_or(i64::MAX)],
        |row| {
            out.entry(row.get(0)?)
                .or_default()
                .push((row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?));
            Ok(())
        },
    )?;
    Ok(out)
}

/// A series' buckets from its points, as a single downsampled read makes them from points.
fn bucket_points_of(
    mut points: Vec<RawPoint>,
    run_id: &str,
    key: &str,
    x: XAxis,
    buckets: usize,
    lo: Option<i64>,
    hi: Option<i64>,
) -> DownsampledSeries {
    let mut result = DownsampledSeries {
        run_id: run_id.into(),
        key: key.into(),
        x: x.column().into(),
        total_points: points.len() as u64,
        buckets: vec![],
    };
    // In the order the series holds them: by x, ties by step and then as logged.
    points.sort_unstable_by_key(|p| (p.0, p.1, p.2));
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return result;
    };
    let lo = lo.unwrap_or(first.0).max(first.0);
    let hi = hi.unwrap_or(last.0).min(last.0);
    // Integer x: bucket i covers [lo + i*w, lo + (i+1)*w) over [lo, hi + 1).
    let mut acc = Bucketer::new(lo as f64, hi as f64 + 1.0, buckets);
    for p in &points {
        acc.add(p.0 as f64, value_from_db(p.3));
    }
    result.buckets = acc.finish();
    result
}
