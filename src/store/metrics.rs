//! Reading series: full history with paging, MLflow's bulk-interval sample, and min/max buckets for charts.

use super::load::value_from_db;
use super::pyramid;
use super::runs::not_found;
use super::search::{decode_offset, encode_offset};
use super::sql::{self, Db, Row, args};
use super::{Result, Store, StoreError};
use crate::api::Metric;
use crate::api::ext::DownsampledSeries;
use crate::api::limits::{MAX_BUCKETS, MAX_HISTORY_PAGE};
use crate::series::Bucketer;

fn series_id(db: &Db<'_>, run_id: &str, key: &str) -> Result<Option<i64>> {
    let run: Option<i64> = db.value("SELECT 1 FROM runs WHERE run_id = ?1", args![run_id])?;
    if run.is_none() {
        return Err(not_found(run_id));
    }
    db.value(
        "SELECT series_id FROM series WHERE run_id = ?1 AND key = ?2",
        args![run_id, key],
    )
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

    pub(super) fn column(self) -> &'static str {
        match self {
            XAxis::Step => "step",
            XAxis::Time => "timestamp",
        }
    }

    fn pyramid_axis(self) -> pyramid::Axis {
        match self {
            XAxis::Step => pyramid::Axis::Step,
            XAxis::Time => pyramid::Axis::Time,
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
        self.read_db(|db| {
            let Some(sid) = series_id(db, run_id, key)? else {
                return Ok((Vec::new(), None));
            };
            let mut points = db.rows(
                "SELECT step, timestamp, value FROM metric_points WHERE series_id = ?1
                 ORDER BY step, seq LIMIT ?2 OFFSET ?3",
                args![sid, limit + 1, offset],
                |r| point(key, r),
            )?;
            let next = if points.len() as i64 > limit {
                points.truncate(limit as usize);
                Some(encode_offset(offset + limit))
            } else {
                None
            };
            Ok((points, next))
        })
    }

    /// MLflow's get-history-bulk-interval: the steps of all the runs together are sampled (at most
    /// `max_results` spread evenly over the range, the range's last step, and each run's first and
    /// last step), then every point of each run at those steps, by step and time.
    pub fn metric_history_bulk_interval(
        &self,
        run_ids: &[String],
        key: &str,
        start_step: Option<i64>,
        end_step: Option<i64>,
        max_results: usize,
    ) -> Result<Vec<(String, Metric)>> {
        self.read_db(|db| {
            let mut per_run = Vec::new();
            for run_id in run_ids {
                let Some(sid) = series_id(db, run_id, key)? else {
                    continue;
                };
                let steps: Vec<i64> = db.rows(
                    "SELECT DISTINCT step FROM metric_points WHERE series_id = ?1 ORDER BY step",
                    args![sid],
                    |r| r.get(0),
                )?;
                per_run.push((run_id, sid, steps));
            }
            let chosen = sample_steps(
                per_run.iter().map(|(_, _, s)| s.as_slice()),
                start_step,
                end_step,
                max_results,
            );
            let mut out = Vec::new();
            if chosen.is_empty() {
                return Ok(out);
            }
            // One read per run: its points at the chosen steps, by step and time.
            let marks = vec!["?"; chosen.len()].join(",");
            let at = format!(
                "SELECT step, timestamp, value FROM metric_points WHERE series_id = ? AND step IN ({marks})
                 ORDER BY step, timestamp, seq"
            );
            for (run_id, sid, _) in &per_run {
                let values: Vec<sql::Value> = std::iter::once(*sid)
                    .chain(chosen.iter().copied())
                    .map(sql::Value::Int)
                    .collect();
                let a: Vec<&dyn sql::Arg> = values.iter().map(|v| v as &dyn sql::Arg).collect();
                db.each(&at, &a, |r| {
                    out.push(((*run_id).clone(), point(key, r)?));
                    Ok(())
                })?;
            }
            Ok(out)
        })
    }

    /// MLflow's get-history-bulk: every point of the key for each run (runs in id order), by time,
    /// step and value, at most `max_results` in all.
    pub fn metric_history_bulk(
        &self,
        run_ids: &[String],
        key: &str,
        max_results: usize,
    ) -> Result<Vec<(String, Metric)>> {
        let mut ids = run_ids.to_vec();
        ids.sort();
        ids.dedup();
        self.read_db(|db| {
            let mut out = Vec::new();
            for run_id in &ids {
                let Some(sid) = series_id(db, run_id, key)? else {
                    continue;
                };
                db.each(
                    "SELECT step, timestamp, value FROM metric_points WHERE series_id = ?1
                     ORDER BY timestamp, step, value, seq LIMIT ?2",
                    args![sid, max_results as i64],
                    |r| {
                        out.push((run_id.clone(), point(key, r)?));
                        Ok(())
                    },
                )?;
                if out.len() >= max_results {
                    break;
                }
            }
            out.truncate(max_results);
            Ok(out)
        })
    }

    /// The series cut into `buckets` equal ranges of x over [lo, hi] (the whole series by default),
    /// each with its min, max and last value: what a chart needs, whatever the series' length.
    /// A range of many points per column is read from the series' summary pyramid.
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
        self.read_db(|db| downsample_in(db, run_id, key, x, buckets, lo, hi))
    }

    /// Whether a run exists (for endpoints that answer 404 before doing anything else).
    pub fn run_exists(&self, run_id: &str) -> Result<bool> {
        self.read_db(|db| {
            let found: Option<i64> = db.value("SELECT 1 FROM runs WHERE run_id = ?1", args![run_id])?;
            Ok(found.is_some())
        })
    }
}

/// One series in `buckets` min/max buckets over [lo, hi] of x (see `Store::downsample`).
pub(super) fn downsample_in(
    db: &Db<'_>,
    run_id: &str,
    key: &str,
    x: XAxis,
    buckets: usize,
    lo: Option<i64>,
    hi: Option<i64>,
) -> Result<DownsampledSeries> {
    let sid = series_id(db, run_id, key)?;
    downsample_series(db, sid, run_id, key, x, buckets, lo, hi)
}

/// The same for a series found already (None: the run has no such key, so no buckets).
#[allow(
    clippy::too_many_arguments,
    reason = "the read's coordinates, named as the API names them"
)]
pub(super) fn downsample_series(
    db: &Db<'_>,
    sid: Option<i64>,
    run_id: &str,
    key: &str,
    x: XAxis,
    buckets: usize,
    lo: Option<i64>,
    hi: Option<i64>,
) -> Result<DownsampledSeries> {
    let mut result = DownsampledSeries {
        run_id: run_id.into(),
        key: key.into(),
        x: x.column().into(),
        total_points: 0,
        buckets: vec![],
    };
    let Some(sid) = sid else { return Ok(result) };
    if let Some(read) = pyramid::read(db, sid, x.pyramid_axis(), buckets, lo, hi)? {
        result.total_points = read.total_points;
        result.buckets = read.buckets;
        return Ok(result);
    }
    // The points in range are few enough here (the pyramid answers wherever a column spans
    // many), and held while their extent is found. A whole series comes from its packed blocks
    // (a few rows); a range of steps (a zoom into a long series) from the points' own index,
    // which reads only those in range.
    let (from, to) = (lo.unwrap_or(i64::MIN), hi.unwrap_or(i64::MAX));
    let points = if x == XAxis::Step && (lo.is_some() || hi.is_some()) {
        db.rows(
            "SELECT step, value FROM metric_points WHERE series_id = ?1 AND step BETWEEN ?2 AND ?3",
            args![sid, from, to],
            |row| Ok((row.get::<i64>(0)?, value_from_db(row.get(1)?))),
        )?
    } else {
        super::point_blocks::read(db, sid, x.pyramid_axis(), from, to)?
    };
    let (min_x, max_x) = points
        .iter()
        .fold((i64::MAX, i64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    if points.is_empty() {
        return Ok(result);
    }
    result.total_points = points.len() as u64;
    let lo = lo.unwrap_or(min_x).max(min_x);
    let hi = hi.unwrap_or(max_x).min(max_x);
    // Integer x: bucket i covers [lo + i*w, lo + (i+1)*w) over [lo, hi + 1).
    let mut acc = Bucketer::new(lo as f64, hi as f64 + 1.0, buckets);
    for (xv, v) in points {
        acc.add(xv as f64, v);
    }
    result.buckets = acc.finish();
    Ok(result)
}

/// A point read as `step, timestamp, value`.
fn point(key: &str, r: &Row<'_>) -> Result<Metric> {
    Ok(Metric {
        key: key.to_string(),
        step: r.get(0)?,
        timestamp: r.get(1)?,
        value: value_from_db(r.get(2)?),
        ..Default::default()
    })
}

/// The steps a bulk-interval read returns, as MLflow samples them: from the union of the runs'
/// (sorted) steps within [start, end] (default: 0 to the last step), at most `max_results` picked
/// at an even stride plus the range's last step, together with each run's first and last step.
fn sample_steps<'a>(
    runs: impl Iterator<Item = &'a [i64]>,
    start_step: Option<i64>,
    end_step: Option<i64>,
    max_results: usize,
) -> Vec<i64> {
    let mut all = std::collections::BTreeSet::new();
    let mut ends = std::collections::BTreeSet::new();
    for steps in runs {
        if let (Some(first), Some(last)) = (steps.first(), steps.last()) {
            ends.insert(*first);
            ends.insert(*last);
        }
        all.extend(steps.iter().copied());
    }
    let all: Vec<i64> = all.into_iter().collect();
    let (start, end) = match (start_step, end_step) {
        (Some(s), Some(e)) => (s, e),
        _ => (0, all.last().copied().unwrap_or(0)),
    };
    let in_range: Vec<i64> = all.into_iter().filter(|s| (start..=end).contains(s)).collect();
    let mut chosen: std::collections::BTreeSet<i64> = ends.into_iter().filter(|s| (start..=end).contains(s)).collect();
    if in_range.len() <= max_results {
        chosen.extend(in_range.iter().copied());
    } else {
        let stride = in_range.len() as f64 / max_results as f64;
        for i in 0..max_results {
            if let Some(s) = in_range.get((i as f64 * stride) as usize) {
                chosen.insert(*s);
            }
        }
        if let Some(last) = in_range.last() {
            chosen.insert(*last);
        }
    }
    chosen.into_iter().collect()
}

#[cfg(test)]
mod sampling_tests {
    use super::sample_steps;

    #[test]
    fn steps_are_sampled_as_mlflow_samples_them() {
        let ten: Vec<i64> = (0..10).collect();
        let twenty: Vec<i64> = (0..20).collect();
        for (case, runs, range, max, want) in [
            ("one run", vec![&ten[..]], (None, None), 5, vec![0, 2, 4, 6, 8, 9]),
            ("a range", vec![&ten[..]], (Some(0), Some(4)), 5, vec![0, 1, 2, 3, 4]),
            (
                "two runs",
                vec![&ten[..], &twenty[..]],
                (None, None),
                5,
                vec![0, 4, 8, 9, 12, 16, 19],
            ),
            ("few steps", vec![&ten[..3]], (None, None), 5, vec![0, 1, 2]),
        ] {
            assert_eq!(sample_steps(runs.into_iter(), range.0, range.1, max), want, "{case}");
        }
    }
}
