//! The bulk curve read: one key's min/max buckets for many runs in one read, so a chart of a
//! thousand learning curves costs one request and one database transaction, not a thousand.

use super::metrics::{XAxis, downsample_series};
use super::pyramid::Axis;
use super::sql::args;
use super::{Result, Store, StoreError};
use crate::api::curves::{AtStep, AtStepRequest, CurveColumns, Curves, CurvesRequest, ValueAtStep};
use crate::api::ext::Num;
use crate::api::limits::{MAX_CURVE_BUCKETS, MAX_CURVE_BUCKETS_PER_RUN, MAX_CURVE_RUNS};
use std::collections::HashMap;

/// The limits every bulk curve read keeps: buckets per run, runs, buckets in all.
fn check_size(req: &CurvesRequest) -> Result<()> {
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
    Ok(())
}

impl Store {
    /// Each asked run's series of `req.key` in `req.buckets` buckets over [min, max] of x, in the
    /// order asked. Runs that do not exist (deleted since the caller listed them) are left out.
    pub fn downsample_runs(&self, req: &CurvesRequest) -> Result<Curves> {
        if req.x == "metric" {
            return self.downsample_runs_over_metric(req);
        }
        let x = XAxis::parse(&req.x)?;
        check_size(req)?;
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
            let mut series = Vec::with_capacity(found.len());
            for run_id in &req.run_ids {
                // A run asked twice is answered once.
                let Some(sid) = found.remove(run_id) else { continue };
                let s = downsample_series(db, sid, run_id, &req.key, x, req.buckets, req.min, req.max)?;
                series.push(CurveColumns::from_series(&s));
            }
            Ok(Curves {
                key: req.key.clone(),
                x: x.column().into(),
                series,
            })
        })
    }

    /// The bulk read with x the value of another metric (`req.x_key`) at the same step: each
    /// run's pairs (x, y) of the steps both logged (the last point at a step of each), bucketed
    /// over x. Points whose x is not a finite number are left out.
    fn downsample_runs_over_metric(&self, req: &CurvesRequest) -> Result<Curves> {
        check_size(req)?;
        let Some(x_key) = req.x_key.as_deref().filter(|k| !k.is_empty()) else {
            return Err(StoreError::Invalid(
                "x \"metric\" needs x_key: the metric to put on x".into(),
            ));
        };
        if let Some([lo, hi]) = req.x_range
            && !(lo.is_finite() && hi.is_finite() && lo <= hi)
        {
            return Err(StoreError::Invalid(format!("x_range [{lo}, {hi}] is not a range")));
        }
        let ids = serde_json::to_string(&req.run_ids).map_err(|e| StoreError::Internal(e.to_string()))?;
        self.read_db(|db| {
            let mut found: HashMap<String, (Option<i64>, Option<i64>)> = HashMap::with_capacity(req.run_ids.len());
            db.each(
                &format!(
                    "SELECT r.run_id, y.series_id, x.series_id FROM runs r
                     LEFT JOIN series y ON y.run_id = r.run_id AND y.key = ?2
                     LEFT JOIN series x ON x.run_id = r.run_id AND x.key = ?3
                     WHERE r.run_id IN ({})",
                    db.json_strings(1)
                ),
                args![ids, req.key, x_key],
                |row| {
                    found.insert(row.get(0)?, (row.get(1)?, row.get(2)?));
                    Ok(())
                },
            )?;
            let mut series = Vec::with_capacity(found.len());
            for run_id in &req.run_ids {
                let Some(sids) = found.remove(run_id) else { continue };
                let pairs = match sids {
                    (Some(y), Some(x)) => pairs_by_step(db, y, x)?,
                    _ => Vec::new(),
                };
                let s = bucket_pairs(run_id, &req.key, &pairs, req.buckets, req.x_range);
                series.push(CurveColumns::from_series(&s));
            }
            Ok(Curves {
                key: req.key.clone(),
                x: "metric".into(),
                series,
            })
        })
    }

    /// Every metric of the asked runs at `req.step`: each series' point at the greatest step at or
    /// before it (of several points at that step, the last logged), by run in the order asked.
    pub fn values_at_step(&self, req: &AtStepRequest) -> Result<AtStep> {
        if req.run_ids.len() > MAX_CURVE_RUNS {
            return Err(StoreError::Invalid(format!(
                "{} runs asked: one read takes at most {MAX_CURVE_RUNS}",
                req.run_ids.len()
            )));
        }
        let ids = serde_json::to_string(&req.run_ids).map_err(|e| StoreError::Internal(e.to_string()))?;
        self.read_db(|db| {
            let mut found: HashMap<(String, String), ValueAtStep> = HashMap::new();
            db.each(
                &format!(
                    "SELECT s.run_id, s.key, p.step, p.value FROM series s
                     JOIN metric_points p ON p.series_id = s.series_id
                     WHERE s.run_id IN ({}) AND p.step = (
                         SELECT MAX(q.step) FROM metric_points q WHERE q.series_id = s.series_id AND q.step <= ?2)
                     ORDER BY p.seq",
                    db.json_strings(1)
                ),
                args![ids, req.step],
                |row| {
                    let v = ValueAtStep {
                        run_id: row.get(0)?,
                        key: row.get(1)?,
                        step: row.get(2)?,
                        value: Num(super::load::value_from_db(row.get(3)?)),
                    };
                    // Rows come in logging order: the last one at the step stays.
                    found.insert((v.run_id.clone(), v.key.clone()), v);
                    Ok(())
                },
            )?;
            let mut values: Vec<ValueAtStep> = found.into_values().collect();
            let order: HashMap<&str, usize> = req
                .run_ids
                .iter()
                .enumerate()
                .rev()
                .map(|(i, id)| (id.as_str(), i))
                .collect();
            values.sort_by(|a, b| (order[a.run_id.as_str()], &a.key).cmp(&(order[b.run_id.as_str()], &b.key)));
            Ok(AtStep { step: req.step, values })
        })
    }
}

/// The (x, y) of every step both series logged, the last point at a step of each, in step order
/// (read from their packed blocks).
fn pairs_by_step(db: &super::sql::Db<'_>, y: i64, x: i64) -> Result<Vec<(f64, f64)>> {
    let last_by_step = |series: i64| -> Result<Vec<(i64, f64)>> {
        let mut points = super::point_blocks::read(db, series, Axis::Step, i64::MIN, i64::MAX)?;
        // Stable: points of one step stay in logging order, and the last of them stands.
        points.sort_by_key(|p| p.0);
        let mut out: Vec<(i64, f64)> = Vec::with_capacity(points.len());
        for p in points {
            match out.last_mut() {
                Some(l) if l.0 == p.0 => *l = p,
                _ => out.push(p),
            }
        }
        Ok(out)
    };
    let (ys, xs) = (last_by_step(y)?, last_by_step(x)?);
    let mut pairs = Vec::with_capacity(ys.len().min(xs.len()));
    let mut xi = xs.iter().peekable();
    for &(step, yv) in &ys {
        while xi.next_if(|p| p.0 < step).is_some() {}
        if let Some(&&(s, xv)) = xi.peek()
            && s == step
        {
            pairs.push((xv, yv));
        }
    }
    Ok(pairs)
}

/// One run's pairs bucketed over x.
fn bucket_pairs(
    run_id: &str,
    key: &str,
    pairs: &[(f64, f64)],
    buckets: usize,
    range: Option<[f64; 2]>,
) -> crate::api::ext::DownsampledSeries {
    let (total, buckets) = crate::series::bucket_over(pairs, buckets, range);
    crate::api::ext::DownsampledSeries {
        run_id: run_id.into(),
        key: key.into(),
        x: "metric".into(),
        total_points: total as u64,
        buckets,
    }
}
