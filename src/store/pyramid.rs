//! A summary pyramid per series (min, max, last and count over blocks of x at widths 16·4^level,
//! by step and by time), kept as points arrive, so a chart's read touches O(pixels) rows at any zoom.

use super::Result;
use super::load::value_from_db;
use super::sql::{self, Db, Dialect, args};
use crate::series::{Bucketer, Summary};
use std::collections::HashMap;

/// Levels kept: block widths 16, 64, ..., 16·4^9 (about 4.2 million steps or ms).
const LEVELS: u32 = 10;
/// A level is read when a pixel column spans at least this many of its blocks.
const BLOCKS_PER_COLUMN: i64 = 4;

fn width(level: u32) -> i64 {
    16 << (2 * level)
}

/// The axis a pyramid is over: 0 by step, 1 by timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Axis {
    Step = 0,
    Time = 1,
}

/// By time, blocks start at level 3 (1,024 ms). Points logged seconds apart would otherwise each
/// make a block of their own at levels 0 to 2 (most of a series' pyramid rows, written with every
/// point). A time range too narrow for level 3 is read from the points.
const TIME_FIRST_LEVEL: u32 = 3;

impl Axis {
    /// The finest level kept on this axis.
    fn first_level(self) -> u32 {
        match self {
            Axis::Step => 0,
            Axis::Time => TIME_FIRST_LEVEL,
        }
    }

    fn column(self) -> &'static str {
        match self {
            Axis::Step => "step",
            Axis::Time => "timestamp",
        }
    }
}

/// Blocks of one axis and level, keyed by block number.
type Level = HashMap<i64, Summary>;

/// Summarises points `(step, timestamp, value)` into every level of both axes.
fn summarise(points: &[(i64, i64, f64)]) -> Vec<(Axis, u32, Level)> {
    let mut out = Vec::with_capacity(2 * LEVELS as usize);
    for axis in [Axis::Step, Axis::Time] {
        let mut base: Level = HashMap::new();
        // Points mostly come in x order: fold runs of one block before touching the map.
        let mut run: Option<(i64, Summary)> = None;
        let first = axis.first_level();
        for &(step, ts, v) in points {
            let x = if axis == Axis::Step { step } else { ts };
            let b = x.div_euclid(width(first));
            match &mut run {
                Some((rb, s)) if *rb == b => s.add(x as f64, v),
                _ => {
                    if let Some((rb, s)) = run.take() {
                        merge_into(&mut base, rb, &s);
                    }
                    run = Some((b, Summary::new(x as f64, v)));
                }
            }
        }
        if let Some((rb, s)) = run {
            merge_into(&mut base, rb, &s);
        }
        let mut level = base;
        for l in first..LEVELS {
            let up: Level = if l + 1 < LEVELS {
                let mut up = HashMap::with_capacity(level.len() / 4 + 1);
                for (&b, s) in &level {
                    merge_into(&mut up, b.div_euclid(4), s);
                }
                up
            } else {
                HashMap::new()
            };
            out.push((axis, l, std::mem::replace(&mut level, up)));
        }
    }
    out
}

fn merge_into(level: &mut Level, block: i64, s: &Summary) {
    level.entry(block).and_modify(|e| e.merge(s)).or_insert(*s);
}

/// Blocks from which PostgreSQL's pyramid update goes through a staging table.
const STAGE_FROM: usize = 64;

/// A point as the pyramid takes it: `(step, timestamp, value)`.
pub(super) type Point = (i64, i64, f64);

/// Adds points `(step, timestamp, value)` of series to their pyramids, each series once in
/// `series` (one upsert per touched block).
pub(super) fn record(db: &Db<'_>, series: &[(i64, &[Point])]) -> Result<()> {
    // SQLite's two-argument MIN and MAX are PostgreSQL's LEAST and GREATEST.
    let (least, greatest) = match db.dialect() {
        Dialect::Sqlite => ("MIN", "MAX"),
        Dialect::Postgres => ("LEAST", "GREATEST"),
    };
    let mut rows: Vec<(i64, Axis, u32, i64, Summary)> = series
        .iter()
        .filter(|(_, points)| !points.is_empty())
        .flat_map(|&(id, points)| {
            summarise(points)
                .into_iter()
                .flat_map(move |(axis, level, blocks)| blocks.into_iter().map(move |(b, s)| (id, axis, level, b, s)))
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    // In one order, so that two writers to the same series on PostgreSQL lock its blocks in the
    // same order and cannot deadlock (summaries come out of hash maps in no order).
    rows.sort_unstable_by_key(|&(id, axis, level, block, _)| (id, axis as u8, level, block));
    // On PostgreSQL, where each statement is a round trip, many blocks are COPYed into a staging
    // table and merged by one INSERT; fewer go as multi-row statements.
    let staged = db.dialect() == Dialect::Postgres && rows.len() >= STAGE_FROM;
    if staged {
        db.exec(
            "CREATE TEMP TABLE IF NOT EXISTS series_blocks_in (LIKE series_blocks) ON COMMIT DELETE ROWS",
            args![],
        )?;
    }
    let head = "INSERT INTO series_blocks AS b (series_id, axis, level, block, x_first, x_last, min, max, last,
                                                count, x_min, x_max, min_positive, non_positive)";
    let conflict = format!(
        "ON CONFLICT (series_id, axis, level, block) DO UPDATE SET
            x_first = {least}(b.x_first, excluded.x_first),
            x_last = {greatest}(b.x_last, excluded.x_last),
            x_min = CASE WHEN b.min IS NULL OR excluded.min < b.min THEN excluded.x_min ELSE b.x_min END,
            min = CASE WHEN b.min IS NULL OR excluded.min < b.min THEN excluded.min ELSE b.min END,
            x_max = CASE WHEN b.max IS NULL OR excluded.max > b.max THEN excluded.x_max ELSE b.x_max END,
            max = CASE WHEN b.max IS NULL OR excluded.max > b.max THEN excluded.max ELSE b.max END,
            last = CASE WHEN excluded.x_last >= b.x_last THEN excluded.last ELSE b.last END,
            count = b.count + excluded.count,
            min_positive = CASE WHEN b.min_positive IS NULL OR excluded.min_positive < b.min_positive
                                THEN excluded.min_positive ELSE b.min_positive END,
            non_positive = b.non_positive + excluded.non_positive"
    );
    let fill = |i: usize, row: &mut Vec<sql::Value>| {
        let (series_id, axis, level, block, s) = rows[i];
        row.extend([
            sql::Value::Int(series_id),
            sql::Value::Int(axis as i64),
            sql::Value::Int(i64::from(level)),
            sql::Value::Int(block),
            sql::Value::Int(s.x_first as i64),
            sql::Value::Int(s.x_last as i64),
            sql::Value::real(s.min),
            sql::Value::real(s.max),
            sql::Value::real(s.last),
            sql::Value::Int(s.count as i64),
            sql::Value::Int(s.x_min as i64),
            sql::Value::Int(s.x_max as i64),
            sql::Value::real(s.min_positive),
            sql::Value::Int(s.non_positive as i64),
        ]);
    };
    if staged {
        use sql::Column::{Int, Real};
        db.insert_many(
            "series_blocks_in",
            &[
                ("series_id", Int),
                ("axis", Int),
                ("level", Int),
                ("block", Int),
                ("x_first", Int),
                ("x_last", Int),
                ("min", Real),
                ("max", Real),
                ("last", Real),
                ("count", Int),
                ("x_min", Int),
                ("x_max", Int),
                ("min_positive", Real),
                ("non_positive", Int),
            ],
            rows.len(),
            fill,
        )?;
        db.exec(
            &format!(
                "{head} SELECT series_id, axis, level, block, x_first, x_last, min, max, last, count, x_min,
                               x_max, min_positive, non_positive FROM series_blocks_in
                 ORDER BY series_id, axis, level, block {conflict}"
            ),
            args![],
        )?;
        db.exec("DELETE FROM series_blocks_in", args![])?;
    } else {
        db.exec_rows(head, &conflict, 14, rows.len(), fill)?;
    }
    Ok(())
}

/// Builds the pyramid of every series already stored (the migration that brought the pyramid in),
/// a million points at a time.
pub(super) fn backfill(db: &Db<'_>) -> Result<()> {
    const CHUNK: i64 = 1 << 20;
    let ids: Vec<i64> = db.rows("SELECT series_id FROM series", args![], |r| r.get(0))?;
    for id in ids {
        // Keyset pages in (step, seq) order: the points after the last one read.
        let mut after = (i64::MIN, i64::MIN);
        loop {
            let page: Vec<(i64, i64, i64, f64)> = db.rows(
                "SELECT step, seq, timestamp, value FROM metric_points
                 WHERE series_id = ?1 AND (step > ?2 OR (step = ?2 AND seq > ?3))
                 ORDER BY step, seq LIMIT ?4",
                args![id, after.0, after.1, CHUNK],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, value_from_db(r.get(3)?))),
            )?;
            let Some(&(step, seq, _, _)) = page.last() else { break };
            after = (step, seq);
            let points: Vec<Point> = page.iter().map(|&(step, _, ts, v)| (step, ts, v)).collect();
            record(db, &[(id, &points)])?;
            if (page.len() as i64) < CHUNK {
                break;
            }
        }
    }
    Ok(())
}

/// What a read of `[lo, hi]` in `n` columns found through the pyramid.
pub(super) struct PyramidRead {
    pub buckets: Vec<crate::api::ext::Bucket>,
    pub total_points: u64,
}

/// Reads a series' `[lo, hi]` (its whole extent where not given) as `n` buckets from the pyramid:
/// the blocks of the coarsest level that still puts several in each column, the two ends of the
/// range that no such block covers made of finer blocks, and under the finest the points
/// themselves. None when the range is too narrow for any level: then its points are few enough
/// to read.
pub(super) fn read(
    db: &Db<'_>,
    series_id: i64,
    axis: Axis,
    n: usize,
    lo: Option<i64>,
    hi: Option<i64>,
) -> Result<Option<PyramidRead>> {
    let (min_x, max_x): (Option<i64>, Option<i64>) = db
        .row(
            "SELECT MIN(x_first), MAX(x_last) FROM series_blocks WHERE series_id = ?1 AND axis = ?2 AND level = ?3",
            args![series_id, axis as i64, LEVELS - 1],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .unwrap_or((None, None));
    let (Some(min_x), Some(max_x)) = (min_x, max_x) else {
        return Ok(None);
    };
    let a = lo.unwrap_or(min_x).max(min_x);
    let b = hi.unwrap_or(max_x).min(max_x);
    if b < a {
        return Ok(None);
    }
    let column = (b - a + 1) / n.max(1) as i64;
    let Some(level) = (axis.first_level()..LEVELS)
        .rev()
        .find(|&l| width(l) * BLOCKS_PER_COLUMN <= column)
    else {
        return Ok(None);
    };
    let parts = Cover { db, series_id, axis }.range(a, b, level)?;
    let lo_x = parts.iter().map(|s| s.x_first).fold(f64::INFINITY, f64::min);
    let hi_x = parts.iter().map(|s| s.x_last).fold(f64::NEG_INFINITY, f64::max);
    if !lo_x.is_finite() {
        return Ok(Some(PyramidRead {
            buckets: vec![],
            total_points: 0,
        }));
    }
    let mut acc = Bucketer::new(lo_x, hi_x + 1.0, n);
    let mut total = 0;
    for s in &parts {
        acc.add_summary(s);
        total += s.count;
    }
    Ok(Some(PyramidRead {
        buckets: acc.finish(),
        total_points: total,
    }))
}

/// Covers a range of one series' axis with the fewest blocks.
struct Cover<'a, 'c> {
    db: &'a Db<'c>,
    series_id: i64,
    axis: Axis,
}

impl Cover<'_, '_> {
    /// `[a, b]` as the whole blocks of `level` inside it, its ends covered by finer levels.
    fn range(&self, a: i64, b: i64, level: u32) -> Result<Vec<Summary>> {
        let w = width(level);
        let first = a.div_euclid(w) + i64::from(a.rem_euclid(w) != 0);
        let end = (b + 1).div_euclid(w);
        let finer = |from: i64, to: i64| {
            if level == self.axis.first_level() {
                self.finest(from, to)
            } else {
                self.range(from, to, level - 1)
            }
        };
        if first >= end {
            return finer(a, b);
        }
        let mut parts = blocks(self.db, self.series_id, self.axis, level, first, end - 1)?;
        if a < first * w {
            parts.extend(finer(a, first * w - 1)?);
        }
        if end * w <= b {
            parts.extend(finer(end * w, b)?);
        }
        Ok(parts)
    }

    /// Less than two of the finest blocks: the points by step (from their index); by time,
    /// which has no index, the finest blocks whose first point lies there, whole. A whole
    /// series' read is exact; a zoom's ends may take up to one block (1,024 ms) more or less,
    /// under a quarter of a column at the level read.
    fn finest(&self, from: i64, to: i64) -> Result<Vec<Summary>> {
        match self.axis {
            Axis::Step => points(self.db, self.series_id, self.axis, from, to),
            Axis::Time => {
                let w = width(TIME_FIRST_LEVEL);
                let found = blocks(
                    self.db,
                    self.series_id,
                    self.axis,
                    TIME_FIRST_LEVEL,
                    from.div_euclid(w),
                    to.div_euclid(w),
                )?;
                Ok(found
                    .into_iter()
                    .filter(|s| s.x_first >= from as f64 && s.x_first <= to as f64)
                    .collect())
            }
        }
    }
}

fn blocks(db: &Db<'_>, series_id: i64, axis: Axis, level: u32, first: i64, last: i64) -> Result<Vec<Summary>> {
    db.rows(
        "SELECT x_first, x_last, min, max, last, count, x_min, x_max, min_positive, non_positive FROM series_blocks
         WHERE series_id = ?1 AND axis = ?2 AND level = ?3 AND block BETWEEN ?4 AND ?5",
        args![series_id, axis as i64, level, first, last],
        |r| {
            Ok(Summary {
                x_first: r.get::<i64>(0)? as f64,
                x_last: r.get::<i64>(1)? as f64,
                min: value_from_db(r.get(2)?),
                max: value_from_db(r.get(3)?),
                last: value_from_db(r.get(4)?),
                count: r.get::<i64>(5)? as u64,
                x_min: r.get::<i64>(6)? as f64,
                x_max: r.get::<i64>(7)? as f64,
                min_positive: value_from_db(r.get(8)?),
                non_positive: r.get::<i64>(9)? as u64,
            })
        },
    )
}

fn points(db: &Db<'_>, series_id: i64, axis: Axis, from: i64, to: i64) -> Result<Vec<Summary>> {
    let col = axis.column();
    db.rows(
        &format!("SELECT {col}, value FROM metric_points WHERE series_id = ?1 AND {col} BETWEEN ?2 AND ?3"),
        args![series_id, from, to],
        |r| Ok(Summary::new(r.get::<i64>(0)? as f64, value_from_db(r.get(1)?))),
    )
}
