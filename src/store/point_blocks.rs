//! Every series' points a second time, packed: a row per 128 points in logging order, so a chart
//! that needs a thousand runs' raw points reads a few rows per run instead of a row per point.
//! `metric_points` stays the record (MLflow's reads page it); the blocks follow it as points arrive.

use super::Result;
use super::pyramid::{Axis, Point};
use super::sql::{self, Db, Dialect, args};

/// Points per block: point `seq` is in block `seq / BLOCK`. 128 points (3 KB) keep a block within
/// one SQLite page, and the block a write rewrites small.
pub(super) const BLOCK: i64 = 128;
/// Bytes of a point in a block: step, timestamp and value, each 8 bytes big-endian (PostgreSQL's
/// binary forms, so its migration packs them in SQL).
const POINT_BYTES: usize = 24;

/// Points as a block holds them; NaN as NaN.
pub(super) fn pack(points: &[Point], out: &mut Vec<u8>) {
    out.reserve(points.len() * POINT_BYTES);
    for &(step, ts, v) in points {
        out.extend_from_slice(&step.to_be_bytes());
        out.extend_from_slice(&ts.to_be_bytes());
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// A block's points; a torn tail (never written by us) is left out.
pub(super) fn unpack(bytes: &[u8]) -> impl Iterator<Item = Point> + '_ {
    bytes.chunks_exact(POINT_BYTES).map(|c| {
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&c[i * 8..i * 8 + 8]);
            w
        };
        (
            i64::from_be_bytes(word(0)),
            i64::from_be_bytes(word(1)),
            f64::from_be_bytes(word(2)),
        )
    })
}

/// A series' points about to be written: the partial block it ended with (None when its last
/// block is full or it has none), the points it held, and the new points in logging order.
pub(super) struct Append<'a> {
    pub series_id: i64,
    pub held: i64,
    pub partial: Option<Vec<u8>>,
    pub points: &'a [Point],
}

/// One block as written: its number, the extent of its steps and timestamps, and its points.
struct Packed {
    series_id: i64,
    block: i64,
    steps: (i64, i64),
    times: (i64, i64),
    bytes: Vec<u8>,
}

impl Packed {
    fn new(series_id: i64, block: i64, bytes: Vec<u8>) -> Packed {
        let (mut steps, mut times) = ((i64::MAX, i64::MIN), (i64::MAX, i64::MIN));
        for (step, ts, _) in unpack(&bytes) {
            steps = (steps.0.min(step), steps.1.max(step));
            times = (times.0.min(ts), times.1.max(ts));
        }
        Packed {
            series_id,
            block,
            steps,
            times,
            bytes,
        }
    }

    /// Its columns, in `COLUMNS` order; its bytes are moved out.
    fn take_row(&mut self, row: &mut Vec<sql::Value>) {
        row.extend([
            sql::Value::Int(self.series_id),
            sql::Value::Int(self.block),
            sql::Value::Int(self.steps.0),
            sql::Value::Int(self.steps.1),
            sql::Value::Int(self.times.0),
            sql::Value::Int(self.times.1),
            sql::Value::Blob(std::mem::take(&mut self.bytes)),
        ]);
    }
}

/// The columns of `point_blocks`.
const COLUMNS: &[(&str, sql::Column)] = &[
    ("series_id", sql::Column::Int),
    ("block", sql::Column::Int),
    ("step_min", sql::Column::Int),
    ("step_max", sql::Column::Int),
    ("time_min", sql::Column::Int),
    ("time_max", sql::Column::Int),
    ("points", sql::Column::Blob),
];

/// Adds each series' new points to its blocks: the partial block completed and written again,
/// then new blocks (inserted in bulk: COPY on PostgreSQL). The caller holds the series (one
/// writer at a time on each).
pub(super) fn append(db: &Db<'_>, series: &[Append<'_>]) -> Result<()> {
    let (mut extended, mut fresh): (Vec<Packed>, Vec<Packed>) = (Vec::new(), Vec::new());
    for s in series.iter().filter(|s| !s.points.is_empty()) {
        let mut seq = s.held;
        let mut rest = s.points;
        let mut bytes = s.partial.clone().unwrap_or_default();
        // A partial block that does not match the count held (never expected: a store copied
        // while written, say) is rebuilt from the points rather than extended wrongly, and the
        // series' blocks are then all upserted, in case rows past it exist.
        let consistent = (bytes.len() / POINT_BYTES) as i64 == seq.rem_euclid(BLOCK);
        if !consistent {
            bytes = rebuild_partial(db, s.series_id, seq)?;
        }
        let mut row_exists = s.partial.is_some() || !consistent;
        while !rest.is_empty() {
            let was_partial = std::mem::replace(&mut row_exists, !consistent);
            let room = (BLOCK - seq.rem_euclid(BLOCK)) as usize;
            let (now, later) = rest.split_at(room.min(rest.len()));
            pack(now, &mut bytes);
            let block = Packed::new(s.series_id, seq.div_euclid(BLOCK), std::mem::take(&mut bytes));
            if was_partial { &mut extended } else { &mut fresh }.push(block);
            seq += now.len() as i64;
            rest = later;
        }
    }
    if !extended.is_empty() {
        let names: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
        db.exec_rows(
            &format!("INSERT INTO point_blocks ({})", names.join(", ")),
            "ON CONFLICT (series_id, block) DO UPDATE SET step_min = excluded.step_min,
                step_max = excluded.step_max, time_min = excluded.time_min, time_max = excluded.time_max,
                points = excluded.points",
            COLUMNS.len(),
            extended.len(),
            |i, row| extended[i].take_row(row),
        )?;
    }
    if !fresh.is_empty() {
        db.insert_many("point_blocks", COLUMNS, fresh.len(), |i, row| fresh[i].take_row(row))?;
    }
    Ok(())
}

/// The points of the block `held` falls in that come before it, from `metric_points`.
fn rebuild_partial(db: &Db<'_>, series_id: i64, held: i64) -> Result<Vec<u8>> {
    let first = held.div_euclid(BLOCK) * BLOCK;
    let points: Vec<Point> = db.rows(
        "SELECT step, timestamp, value FROM metric_points WHERE series_id = ?1 AND seq >= ?2 AND seq < ?3
         ORDER BY seq",
        args![series_id, first, held],
        |r| Ok((r.get(0)?, r.get(1)?, super::load::value_from_db(r.get(2)?))),
    )?;
    let mut bytes = Vec::new();
    pack(&points, &mut bytes);
    Ok(bytes)
}

/// A series' points with x (its step or timestamp) in `[lo, hi]`, as `(x, value)` in logging order.
pub(super) fn read(db: &Db<'_>, series_id: i64, axis: Axis, lo: i64, hi: i64) -> Result<Vec<(i64, f64)>> {
    // Fixed text per axis: this runs once per run of a chart's read.
    let sql = match axis {
        Axis::Step => {
            "SELECT points FROM point_blocks WHERE series_id = ?1 AND step_max >= ?2 AND step_min <= ?3 ORDER BY block"
        }
        Axis::Time => {
            "SELECT points FROM point_blocks WHERE series_id = ?1 AND time_max >= ?2 AND time_min <= ?3 ORDER BY block"
        }
    };
    let mut out = Vec::new();
    db.each(sql, args![series_id, lo, hi], |r| {
        r.with_blob(0, |bytes| {
            out.reserve(bytes.len() / POINT_BYTES);
            out.extend(unpack(bytes).filter_map(|(step, ts, v)| {
                let x = if axis == Axis::Step { step } else { ts };
                (lo <= x && x <= hi).then_some((x, v))
            }));
        })
    })?;
    Ok(out)
}

/// Packs every series already stored (the SQLite migration that brought the blocks in; the
/// PostgreSQL one packs them in SQL), a series at a time.
pub(super) fn backfill(db: &Db<'_>) -> Result<()> {
    debug_assert_eq!(db.dialect(), Dialect::Sqlite);
    let ids: Vec<i64> = db.rows("SELECT series_id FROM series", args![], |r| r.get(0))?;
    for id in ids {
        // Each block is written as soon as it is whole, so memory holds one block, not a series.
        let mut current: Option<(i64, Vec<u8>)> = None;
        let write = |block: i64, bytes: Vec<u8>| -> Result<()> {
            let mut p = Packed::new(id, block, bytes);
            db.insert_many("point_blocks", COLUMNS, 1, |_, row| p.take_row(row))?;
            Ok(())
        };
        db.each(
            "SELECT seq, step, timestamp, value FROM metric_points WHERE series_id = ?1 ORDER BY seq",
            args![id],
            |r| {
                let block = r.get::<i64>(0)?.div_euclid(BLOCK);
                let point = (r.get(1)?, r.get(2)?, super::load::value_from_db(r.get(3)?));
                match &mut current {
                    Some((b, bytes)) if *b == block => pack(&[point], bytes),
                    _ => {
                        if let Some((b, bytes)) = current.take() {
                            write(b, bytes)?;
                        }
                        let mut bytes = Vec::with_capacity(BLOCK as usize * POINT_BYTES);
                        pack(&[point], &mut bytes);
                        current = Some((block, bytes));
                    }
                }
                Ok(())
            },
        )?;
        if let Some((b, bytes)) = current {
            write(b, bytes)?;
        }
    }
    Ok(())
}
