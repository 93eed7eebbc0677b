//! Min/max bucketing of a series, one bucket per pixel column: shared by the store's downsampled
//! read, the client's fallback over plain MLflow history, and the workbench's charts.

use crate::api::ext::{Bucket, Num};

/// Min, max and last of the points that fall in one bucket (or one block of the store's summary
/// pyramid, which is merged into buckets the same way).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub x_first: f64,
    pub x_last: f64,
    pub min: f64,
    pub max: f64,
    pub last: f64,
    pub count: u64,
}

impl Summary {
    pub fn new(x: f64, v: f64) -> Summary {
        Summary {
            x_first: x,
            x_last: x,
            min: v,
            max: v,
            last: v,
            count: 1,
        }
    }

    pub fn add(&mut self, x: f64, v: f64) {
        self.merge(&Summary::new(x, v));
    }

    /// Takes in another summary: the later of the two lasts (the other's on a tie, as it came
    /// after), the lower min and higher max, the counts added.
    pub fn merge(&mut self, o: &Summary) {
        self.x_first = self.x_first.min(o.x_first);
        if o.x_last >= self.x_last {
            self.x_last = o.x_last;
            self.last = o.last;
        }
        // NaN never wins a comparison, so it is skipped unless the bucket holds nothing else.
        if o.min < self.min || self.min.is_nan() {
            self.min = o.min;
        }
        if o.max > self.max || self.max.is_nan() {
            self.max = o.max;
        }
        self.count += o.count;
    }
}

/// Splits `[lo, hi)` into `n` equal buckets and keeps min, max and last of each.
pub struct Bucketer {
    lo: f64,
    width: f64,
    accs: Vec<Option<Summary>>,
}

impl Bucketer {
    pub fn new(lo: f64, hi: f64, n: usize) -> Bucketer {
        let n = n.max(1);
        let width = if hi > lo { hi - lo } else { 1.0 };
        Bucketer {
            lo,
            width,
            accs: vec![None; n],
        }
    }

    /// Adds one point; points outside the range land in the first or last bucket.
    pub fn add(&mut self, x: f64, v: f64) {
        self.add_summary(&Summary::new(x, v));
    }

    /// Adds a summary of several points to the bucket its first x falls in.
    pub fn add_summary(&mut self, s: &Summary) {
        let x = s.x_first;
        let n = self.accs.len();
        let pos = ((x - self.lo) / self.width * n as f64).floor();
        let b = if pos.is_nan() || pos < 0.0 {
            0
        } else {
            (pos as usize).min(n - 1)
        };
        match &mut self.accs[b] {
            Some(a) => a.merge(s),
            slot @ None => *slot = Some(*s),
        }
    }

    pub fn finish(self) -> Vec<Bucket> {
        self.accs
            .into_iter()
            .flatten()
            .map(|a| Bucket {
                x_first: a.x_first,
                x_last: a.x_last,
                min: Num(a.min),
                max: Num(a.max),
                last: Num(a.last),
                count: a.count,
            })
            .collect()
    }
}

/// Buckets of the points whose integer x (a step, or ms) lies in `[lo, hi]` (all of them when no
/// range is given), cut exactly as the store cuts them: `n` equal parts of `[lo, hi + 1)`.
pub fn bucket_points(points: &[(f64, f64)], n: usize, range: Option<(f64, f64)>) -> Vec<Bucket> {
    let (lo, hi) = match range {
        Some(r) => r,
        None => {
            let lo = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
            let hi = points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
            if !lo.is_finite() {
                return Vec::new();
            }
            (lo, hi)
        }
    };
    let mut b = Bucketer::new(lo, hi + 1.0, n);
    for &(x, v) in points.iter().filter(|p| p.0 >= lo && p.0 <= hi) {
        b.add(x, v);
    }
    b.finish()
}

/// The line through buckets: each bucket's min and max (in x order), or its one value. At most
/// two points a pixel column whatever the series length, which is what keeps a chart fast.
pub fn line_through(buckets: &[Bucket]) -> Vec<[f64; 2]> {
    let mut out = Vec::with_capacity(buckets.len() * 2);
    for b in buckets {
        if b.count == 1 || b.min.0 == b.max.0 || b.min.0.is_nan() {
            out.push([b.x_first, b.last.0]);
        } else {
            out.push([b.x_first, b.min.0]);
            out.push([b.x_last.max(b.x_first), b.max.0]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_keep_extremes_of_each_column() {
        let pts: Vec<(f64, f64)> = (0..1000)
            .map(|i| (i as f64, if i == 517 { 99.0 } else { 1.0 }))
            .collect();
        let b = bucket_points(&pts, 10, None);
        assert_eq!(b.len(), 10);
        assert_eq!(b.iter().map(|b| b.count).sum::<u64>(), 1000);
        let spike = b.iter().find(|b| b.max.0 == 99.0).expect("the spike survives");
        assert!(spike.x_first <= 517.0 && spike.x_last >= 517.0);
        assert!(line_through(&b).len() <= 20);
    }

    #[test]
    fn range_limits_points_and_nan_is_kept_only_alone() {
        let pts = vec![(0.0, f64::NAN), (1.0, 2.0), (2.0, f64::NAN), (5.0, 3.0)];
        let b = bucket_points(&pts, 2, Some((1.0, 2.0)));
        let total: u64 = b.iter().map(|b| b.count).sum();
        assert_eq!(total, 2);
        assert!(b.iter().any(|b| b.min.0 == 2.0));
        let lone = bucket_points(&[(0.0, f64::NAN)], 4, None);
        assert!(lone[0].last.0.is_nan());
    }
}
