//! Runs grouped by a param, a tag or their script, and a group's curves drawn as one: its mean or
//! median over the runs at each x, with a band (min to max, standard deviation or standard error).

use super::series::ChartLine;
use crate::api::ext::RunDetail;
use serde::{Deserialize, Serialize};

/// What runs are grouped by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupBy {
    Param(String),
    Tag(String),
    Script,
}

impl GroupBy {
    pub fn label(&self) -> String {
        match self {
            GroupBy::Param(k) => format!("param {k}"),
            GroupBy::Tag(k) => format!("tag {k}"),
            GroupBy::Script => "script".into(),
        }
    }

    /// The group a run falls in ("(none)" when it has no such value).
    pub fn value_of(&self, run: &RunDetail) -> String {
        let v = match self {
            GroupBy::Param(k) => run.params.get(k).cloned(),
            GroupBy::Tag(k) => run.tags.get(k).cloned(),
            GroupBy::Script => run.script_name.clone(),
        };
        v.unwrap_or_else(|| "(none)".into())
    }
}

/// The line a group draws through its runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Aggregate {
    #[default]
    Mean,
    Median,
}

/// The band around it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Band {
    #[default]
    MinMax,
    StdDev,
    StdErr,
}

impl Aggregate {
    pub const ALL: [Aggregate; 2] = [Aggregate::Mean, Aggregate::Median];
    pub fn label(self) -> &'static str {
        match self {
            Aggregate::Mean => "mean",
            Aggregate::Median => "median",
        }
    }
}

impl Band {
    pub const ALL: [Band; 3] = [Band::MinMax, Band::StdDev, Band::StdErr];
    pub fn label(self) -> &'static str {
        match self {
            Band::MinMax => "min-max",
            Band::StdDev => "std dev",
            Band::StdErr => "std err",
        }
    }
}

/// How grouped curves are drawn: by what, which line, which band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grouping {
    pub by: GroupBy,
    pub aggregate: Aggregate,
    pub band: Band,
}

/// The group keys of runs, each with its runs' indexes, in a person's order (numbers by value).
pub fn group_runs(runs: &[&RunDetail], by: &GroupBy) -> Vec<(String, Vec<usize>)> {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let v = by.value_of(r);
        match groups.iter_mut().find(|(k, _)| *k == v) {
            Some((_, members)) => members.push(i),
            None => groups.push((v, vec![i])),
        }
    }
    // Numbers by value, then text, and runs without a value last.
    let rank = |k: &str| match (k == "(none)", k.parse::<f64>()) {
        (true, _) => (2, 0.0),
        (false, Ok(v)) => (0, v),
        (false, Err(_)) => (1, 0.0),
    };
    groups.sort_by(|a, b| {
        let (ra, rb) = (rank(&a.0), rank(&b.0));
        ra.0.cmp(&rb.0).then(ra.1.total_cmp(&rb.1)).then_with(|| a.0.cmp(&b.0))
    });
    groups
}

/// One group's curve: the line through its runs, the band's two edges, at the same x's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupCurve {
    pub label: String,
    /// The group's place among every group of the runs in view (its colour in every chart and
    /// in the grid), even where groups without this metric are left out.
    pub slot: usize,
    pub runs: usize,
    /// [x, line, band low, band high] at each x some run of the group covers.
    pub points: Vec<[f64; 4]>,
    /// How many of its runs cover each point's x: fewer than all, and the line and band there
    /// are of those runs alone (runs of other lengths), which the chart shows fainter.
    pub covering: Vec<usize>,
}

/// The group's runs' lines resampled at `columns` evenly spaced x's over the x range they cover
/// together; at each x, the runs that cover it give the line and band.
pub fn group_curve(label: &str, lines: &[&ChartLine], grouping: &Grouping, columns: usize) -> GroupCurve {
    let mut curve = GroupCurve {
        label: label.into(),
        slot: 0,
        runs: lines.len(),
        points: Vec::new(),
        covering: Vec::new(),
    };
    let (lo, hi) = lines
        .iter()
        .flat_map(|l| l.points())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p[0]), b.max(p[0]))
        });
    if lo > hi || columns == 0 {
        return curve;
    }
    let n = if hi > lo { columns.max(2) } else { 1 };
    let mut ys = Vec::with_capacity(lines.len());
    for c in 0..n {
        let x = if n == 1 {
            lo
        } else {
            lo + (hi - lo) * c as f64 / (n - 1) as f64
        };
        ys.clear();
        ys.extend(lines.iter().filter_map(|l| value_at(l, x)));
        if ys.is_empty() {
            continue;
        }
        curve.covering.push(ys.len());
        let (line, low, high) = summarize(&mut ys, grouping);
        curve.points.push([x, line, low, high]);
    }
    curve
}

/// A line's value at x, interpolated between its two points around x; None outside its segments.
fn value_at(line: &ChartLine, x: f64) -> Option<f64> {
    for seg in &line.segments {
        let (Some(first), Some(last)) = (seg.first(), seg.last()) else {
            continue;
        };
        if x < first[0] || x > last[0] {
            continue;
        }
        let i = seg.partition_point(|p| p[0] < x);
        let b = seg.get(i)?;
        if i == 0 || b[0] == x {
            return Some(b[1]);
        }
        let a = seg[i - 1];
        let t = (x - a[0]) / (b[0] - a[0]);
        return Some(a[1] + t * (b[1] - a[1]));
    }
    None
}

/// The line and band of some values.
fn summarize(ys: &mut [f64], g: &Grouping) -> (f64, f64, f64) {
    let n = ys.len() as f64;
    let mean = ys.iter().sum::<f64>() / n;
    let line = match g.aggregate {
        Aggregate::Mean => mean,
        Aggregate::Median => {
            ys.sort_by(f64::total_cmp);
            let m = ys.len() / 2;
            if ys.len() % 2 == 1 {
                ys[m]
            } else {
                (ys[m - 1] + ys[m]) / 2.0
            }
        }
    };
    let sd = || (ys.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    let (low, high) = match g.band {
        Band::MinMax => ys
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| (a.min(*y), b.max(*y))),
        Band::StdDev => (line - sd(), line + sd()),
        Band::StdErr => {
            let se = sd() / n.sqrt();
            (line - se, line + se)
        }
    };
    (line, low, high)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::model::fixtures::{run, strings};

    fn flat(y: f64, from: f64, to: f64) -> ChartLine {
        ChartLine {
            segments: vec![vec![[from, y], [to, y]]],
            hidden: 0,
        }
    }

    fn grouping(aggregate: Aggregate, band: Band) -> Grouping {
        Grouping {
            by: GroupBy::Param("lr".into()),
            aggregate,
            band,
        }
    }

    #[test]
    fn runs_group_by_param_numbers_in_numeric_order_missing_values_together() {
        let mut runs: Vec<RunDetail> = (1..=5).map(run).collect();
        for (r, lr) in runs.iter_mut().zip(["0.1", "0.03", "0.1", "1e-3"]) {
            r.params = strings(&[("lr", lr)]);
        }
        let refs: Vec<&RunDetail> = runs.iter().collect();
        let groups = group_runs(&refs, &GroupBy::Param("lr".into()));
        let got: Vec<(&str, &[usize])> = groups.iter().map(|(k, v)| (k.as_str(), v.as_slice())).collect();
        assert_eq!(
            got,
            [("1e-3", &[3][..]), ("0.03", &[1]), ("0.1", &[0, 2]), ("(none)", &[4])]
        );
    }

    #[test]
    fn a_group_line_is_the_mean_or_median_with_its_band_where_runs_cover_x() {
        let (a, b, c) = (flat(1.0, 0.0, 10.0), flat(2.0, 0.0, 10.0), flat(6.0, 0.0, 5.0));
        let lines = [&a, &b, &c];
        let mean = group_curve("g", &lines, &grouping(Aggregate::Mean, Band::MinMax), 11);
        assert_eq!(mean.runs, 3);
        assert_eq!(mean.points.len(), 11);
        assert_eq!(mean.points[0], [0.0, 3.0, 1.0, 6.0]);
        assert_eq!(mean.points[10], [10.0, 1.5, 1.0, 2.0], "past x = 5 only two runs");
        assert_eq!((mean.covering[5], mean.covering[6]), (3, 2), "and it says so");
        let median = group_curve("g", &lines, &grouping(Aggregate::Median, Band::StdErr), 11);
        let p = median.points[0];
        assert_eq!(p[1], 2.0);
        // Sample standard deviation of 1, 2, 6 is sqrt(7), its error sqrt(7/3), around the median.
        assert!((p[3] - p[1] - (7.0f64 / 3.0).sqrt()).abs() < 1e-12, "{p:?}");
        let sd = group_curve("g", &lines, &grouping(Aggregate::Mean, Band::StdDev), 11);
        assert!((sd.points[0][3] - 3.0 - 7.0f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn values_between_points_are_interpolated_and_gaps_left_out() {
        let line = ChartLine {
            segments: vec![vec![[0.0, 0.0], [10.0, 10.0]], vec![[20.0, 5.0], [30.0, 5.0]]],
            hidden: 0,
        };
        assert_eq!(value_at(&line, 2.5), Some(2.5));
        assert_eq!(value_at(&line, 15.0), None);
        assert_eq!(value_at(&line, 30.0), Some(5.0));
        let curve = group_curve("g", &[&line], &grouping(Aggregate::Mean, Band::MinMax), 31);
        assert_eq!(curve.points.len(), 22, "11 x's in each segment, none in the gap");
    }
}
