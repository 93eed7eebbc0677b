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
    /// Where the min and the max lie.
    pub x_min: f64,
    pub x_max: f64,
    /// The smallest value above zero (NaN when none is).
    pub min_positive: f64,
    /// How many values are zero or negative.
    pub non_positive: u64,
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
            x_min: x,
            x_max: x,
            min_positive: if v > 0.0 { v } else { f64::NAN },
            non_positive: u64::from(v <= 0.0),
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
            self.x_min = o.x_min;
        }
        if o.max > self.max || self.max.is_nan() {
            self.max = o.max;
            self.x_max = o.x_max;
        }
        if o.min_positive < self.min_positive || self.min_positive.is_nan() {
            self.min_positive = o.min_positive;
        }
        self.count += o.count;
        self.non_positive += o.non_positive;
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

    /// Adds one point; points outside the range land in the first or last bucket. The same as
    /// adding `Summary::new(x, v)`, without building one: this runs for every point a chart
    /// reads.
    pub fn add(&mut self, x: f64, v: f64) {
        let b = self.bucket_of(x);
        let Some(a) = &mut self.accs[b] else {
            self.accs[b] = Some(Summary::new(x, v));
            return;
        };
        a.x_first = a.x_first.min(x);
        if x >= a.x_last {
            a.x_last = x;
            a.last = v;
        }
        if v < a.min || a.min.is_nan() {
            a.min = v;
            a.x_min = x;
        }
        if v > a.max || a.max.is_nan() {
            a.max = v;
            a.x_max = x;
        }
        if v > 0.0 {
            if v < a.min_positive || a.min_positive.is_nan() {
                a.min_positive = v;
            }
        } else if v <= 0.0 {
            a.non_positive += 1;
        }
        a.count += 1;
    }

    /// Adds a summary of several points to the bucket its first x falls in.
    pub fn add_summary(&mut self, s: &Summary) {
        let b = self.bucket_of(s.x_first);
        match &mut self.accs[b] {
            Some(a) => a.merge(s),
            slot @ None => *slot = Some(*s),
        }
    }

    /// The bucket x falls in.
    fn bucket_of(&self, x: f64) -> usize {
        let n = self.accs.len();
        // Truncation is the floor here (a position below 0 goes to bucket 0 either way), and
        // cheaper: `floor` is a library call on CPUs without SSE4.1, and this runs per point.
        let pos = (x - self.lo) / self.width * n as f64;
        if pos.is_nan() || pos < 0.0 {
            0
        } else {
            (pos as usize).min(n - 1)
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
                x_min: Some(a.x_min),
                x_max: Some(a.x_max),
                min_positive: (a.min_positive > 0.0).then_some(a.min_positive),
                non_positive: a.non_positive,
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

/// Buckets of points with a continuous x (another metric's values) in `[lo, hi]` (their extent
/// when no range is given), both ends in: the points kept, and `n` equal parts of the range.
pub fn bucket_over(points: &[(f64, f64)], n: usize, range: Option<[f64; 2]>) -> (usize, Vec<Bucket>) {
    let inside: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|p| p.0.is_finite() && range.is_none_or(|[lo, hi]| p.0 >= lo && p.0 <= hi))
        .collect();
    if inside.is_empty() {
        return (0, Vec::new());
    }
    let [lo, hi] = range.unwrap_or_else(|| {
        inside
            .iter()
            .fold([f64::INFINITY, f64::NEG_INFINITY], |[a, b], p| [a.min(p.0), b.max(p.0)])
    });
    let mut b = Bucketer::new(lo, hi, n);
    for &(x, v) in &inside {
        b.add(x, v);
    }
    (inside.len(), b.finish())
}

/// The line through buckets: each bucket's min and max where they lie (in x order), or its one
/// value. At most two points a pixel column whatever the series length, which is what keeps a
/// chart fast.
pub fn line_through(buckets: &[Bucket]) -> Vec<[f64; 2]> {
    let mut out = Vec::with_capacity(buckets.len() * 2);
    for b in buckets {
        if b.count == 1 || b.min.0 == b.max.0 || b.min.0.is_nan() {
            out.push([b.x_first, b.last.0]);
        } else {
            push_extremes(&mut out, b, b.min.0, b.max.0);
        }
    }
    out
}

/// The line a log axis draws: each bucket from its smallest value above zero to its max, and no
/// point (a gap) where a bucket holds nothing above zero.
pub fn line_through_positive(buckets: &[Bucket]) -> Vec<[f64; 2]> {
    let mut out = Vec::with_capacity(buckets.len() * 2);
    for b in buckets {
        let low = if b.min.0 > 0.0 { Some(b.min.0) } else { b.min_positive };
        match low {
            _ if b.max.0.is_nan() || b.max.0 <= 0.0 => out.push([b.x_first, f64::NAN]),
            Some(low) if low < b.max.0 => push_extremes(&mut out, b, low, b.max.0),
            _ => out.push([b.x_max.unwrap_or(b.x_first), b.max.0]),
        }
    }
    out
}

fn push_extremes(out: &mut Vec<[f64; 2]>, b: &Bucket, low: f64, high: f64) {
    let x_low = b.x_min.unwrap_or(b.x_first);
    let x_high = b.x_max.unwrap_or(b.x_last.max(b.x_first));
    if x_low <= x_high {
        out.extend([[x_low, low], [x_high, high]]);
    } else {
        out.extend([[x_high, high], [x_low, low]]);
    }
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
        assert_eq!(
            spike.x_max,
            Some(517.0),
            "the spike is drawn where it is, not at the bucket's end"
        );
        assert!(line_through(&b).contains(&[517.0, 99.0]));
        assert!(line_through(&b).len() <= 20);
    }

    #[test]
    fn a_point_added_alone_is_summarised_as_a_summary_of_it_would_be() {
        // Out of order, repeated x, NaN, zero, negatives, infinities: every field the same.
        let values = [
            1.0,
            f64::NAN,
            -2.0,
            0.0,
            5.0,
            5.0,
            f64::INFINITY,
            0.5,
            f64::NAN,
            -0.0,
            3.0,
        ];
        let mut seed = 11u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            seed >> 33
        };
        let points: Vec<(f64, f64)> = (0..400)
            .map(|_| ((next() % 50) as f64, values[next() as usize % values.len()]))
            .collect();
        let (mut one, mut other) = (Bucketer::new(0.0, 50.0, 7), Bucketer::new(0.0, 50.0, 7));
        for &(x, v) in &points {
            one.add(x, v);
            other.add_summary(&Summary::new(x, v));
        }
        let (one, other) = (one.finish(), other.finish());
        assert_eq!(one.len(), 7);
        // Debug text, so NaN fields compare equal.
        assert_eq!(format!("{one:?}"), format!("{other:?}"));
    }

    #[test]
    fn a_log_line_runs_from_the_smallest_positive_value_and_counts_the_rest() {
        // Noise around zero: half the values are not positive.
        let pts: Vec<(f64, f64)> = (0..100)
            .map(|i| {
                (
                    i as f64,
                    if i % 2 == 0 {
                        -0.01 * i as f64
                    } else {
                        0.1 + i as f64 / 1000.0
                    },
                )
            })
            .collect();
        let b = bucket_points(&pts, 4, None);
        assert_eq!(b.iter().map(|b| b.non_positive).sum::<u64>(), 50);
        let line = line_through_positive(&b);
        assert!(line.iter().all(|p| p[1] > 0.0), "{line:?}");
        assert!(
            line[..2].iter().any(|p| p[1] == 0.101),
            "the bucket's smallest value above zero: {line:?}"
        );
        let all_negative = bucket_points(&[(0.0, -1.0), (1.0, -2.0)], 1, None);
        assert!(line_through_positive(&all_negative)[0][1].is_nan(), "a gap");
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
