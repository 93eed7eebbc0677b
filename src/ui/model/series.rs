//! A series as a chart draws it: the x mode, smoothing, log scale and y range applied to min/max
//! buckets.

use crate::api::ext::Bucket;
use crate::series::{line_through, line_through_positive};

/// The x of a series chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum XMode {
    Step,
    /// Wall-clock time, in seconds since the epoch.
    WallTime,
    /// Seconds since the run started.
    Relative,
    /// The value another metric (the experiment's chosen one) had at the same step: learning
    /// curves only.
    Metric,
}

impl XMode {
    pub const ALL: [XMode; 3] = [XMode::Step, XMode::WallTime, XMode::Relative];

    pub fn label(self) -> &'static str {
        match self {
            XMode::Step => "Step",
            XMode::WallTime => "Wall time",
            XMode::Relative => "Relative time",
            XMode::Metric => "Metric",
        }
    }

    /// The axis the server buckets by.
    pub fn server_axis(self) -> &'static str {
        match self {
            XMode::Step => "step",
            XMode::WallTime | XMode::Relative => "time",
            XMode::Metric => "metric",
        }
    }

    /// Chart x from the server's x (a step, or ms since the epoch).
    pub fn chart_x(self, server_x: f64, run_start_ms: i64) -> f64 {
        match self {
            XMode::Step | XMode::Metric => server_x,
            XMode::WallTime => server_x / 1000.0,
            XMode::Relative => (server_x - run_start_ms as f64) / 1000.0,
        }
    }

    /// The server's x range for a chart's visible x range.
    pub fn server_range(self, lo: f64, hi: f64, run_start_ms: i64) -> (i64, i64) {
        let (a, b) = match self {
            XMode::Step | XMode::Metric => (lo, hi),
            XMode::WallTime => (lo * 1000.0, hi * 1000.0),
            XMode::Relative => (lo * 1000.0 + run_start_ms as f64, hi * 1000.0 + run_start_ms as f64),
        };
        (
            a.floor().max(i64::MIN as f64) as i64,
            b.ceil().min(i64::MAX as f64) as i64,
        )
    }
}

/// Options a data scientist sets on a series chart.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SeriesOptions {
    pub x: XMode,
    /// Exponential moving average weight in [0, 1): 0 is off.
    pub smoothing: f32,
    pub log_y: bool,
    /// A y range the chart keeps, in the values' units (None: fitted to the lines).
    #[serde(default)]
    pub y_range: Option<[f64; 2]>,
}

impl Default for SeriesOptions {
    fn default() -> Self {
        SeriesOptions {
            x: XMode::Step,
            smoothing: 0.0,
            log_y: false,
            y_range: None,
        }
    }
}

impl SeriesOptions {
    /// The fixed y range on the chart's axis (log10 of it on a log scale, where it can be).
    pub fn y_bounds(&self) -> Option<[f64; 2]> {
        let [lo, hi] = self.y_range?;
        let (lo, hi) = if self.log_y {
            if lo <= 0.0 || hi <= 0.0 {
                return None;
            }
            (lo.log10(), hi.log10())
        } else {
            (lo, hi)
        };
        (lo.is_finite() && hi.is_finite() && lo < hi).then_some([lo, hi])
    }
}

/// A series as a chart draws it: runs of points with gaps where a point cannot be drawn (a value
/// a log axis cannot show, a non-finite one), never bridged by a straight line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartLine {
    pub segments: Vec<Vec<[f64; 2]>>,
    /// Points a log axis cannot show (zero or negative).
    pub hidden: usize,
}

impl ChartLine {
    pub fn points(&self) -> impl Iterator<Item = &[f64; 2]> {
        self.segments.iter().flatten()
    }

    pub fn is_empty(&self) -> bool {
        self.segments.iter().all(Vec::is_empty)
    }
}

/// The points a chart line draws (at most two per bucket), with the options applied. On a log
/// scale y is log10 of the value; points that are not positive are left out and counted, and the
/// line breaks there.
pub fn chart_line(buckets: &[Bucket], opts: &SeriesOptions, run_start_ms: i64) -> ChartLine {
    let mut pts = if opts.log_y {
        line_through_positive(buckets)
    } else {
        line_through(buckets)
    };
    for p in &mut pts {
        p[0] = opts.x.chart_x(p[0], run_start_ms);
    }
    if opts.smoothing > 0.0 {
        let w = opts.smoothing.clamp(0.0, 0.999) as f64;
        let mut acc: Option<f64> = None;
        for p in &mut pts {
            if !p[1].is_finite() {
                continue;
            }
            let s = match acc {
                Some(a) => a * w + p[1] * (1.0 - w),
                None => p[1],
            };
            acc = Some(s);
            p[1] = s;
        }
    }
    let mut line = ChartLine::default();
    if opts.log_y {
        line.hidden = buckets.iter().map(|b| b.non_positive as usize).sum();
    }
    let mut current = Vec::new();
    for mut p in pts {
        if opts.log_y {
            p[1] = if p[1] > 0.0 { p[1].log10() } else { f64::NAN };
        }
        if p[0].is_finite() && p[1].is_finite() {
            current.push(p);
        } else if !current.is_empty() {
            line.segments.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        line.segments.push(current);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_y_range_is_kept_on_the_charts_axis_where_it_can_be_drawn() {
        let fixed = |y_range, log_y| SeriesOptions {
            y_range,
            log_y,
            ..Default::default()
        };
        assert_eq!(fixed(Some([0.0, 2.0]), false).y_bounds(), Some([0.0, 2.0]));
        assert_eq!(fixed(Some([0.01, 100.0]), true).y_bounds(), Some([-2.0, 2.0]));
        assert_eq!(
            fixed(Some([0.0, 100.0]), true).y_bounds(),
            None,
            "0 is not on a log axis"
        );
        assert_eq!(fixed(Some([2.0, 1.0]), false).y_bounds(), None, "upside down");
        assert_eq!(fixed(None, false).y_bounds(), None);
        // Options stored before y ranges existed still load.
        let old: SeriesOptions = serde_json::from_str(r#"{"x":"Step","smoothing":0.0,"log_y":true}"#).unwrap();
        assert_eq!(old, fixed(None, true));
    }
    use crate::series::bucket_points;

    #[test]
    fn smoothing_and_log_scale() {
        let pts: Vec<(f64, f64)> = (0..100)
            .map(|i| (i as f64, if i % 2 == 0 { 1.0 } else { 100.0 }))
            .collect();
        let b = bucket_points(&pts, 100, None);
        let raw = chart_line(&b, &SeriesOptions::default(), 0);
        assert_eq!((raw.segments.len(), raw.points().count()), (1, 100));
        let smooth = chart_line(
            &b,
            &SeriesOptions {
                smoothing: 0.9,
                ..Default::default()
            },
            0,
        );
        let spread = |v: &ChartLine| {
            let ys: Vec<f64> = v.points().skip(50).map(|p| p[1]).collect();
            ys.iter().copied().fold(f64::MIN, f64::max) - ys.iter().copied().fold(f64::MAX, f64::min)
        };
        assert!(spread(&smooth) < spread(&raw) / 2.0);
        let log = chart_line(
            &b,
            &SeriesOptions {
                log_y: true,
                ..Default::default()
            },
            0,
        );
        assert_eq!(log.segments[0][1][1], 2.0);
        assert_eq!(log.hidden, 0);
    }

    #[test]
    fn a_log_axis_leaves_gaps_where_values_are_not_positive_and_counts_them() {
        let ys = [1.0, 10.0, 0.0, -5.0, 100.0, 1000.0, 0.0, 10.0];
        let pts: Vec<(f64, f64)> = ys.iter().enumerate().map(|(i, y)| (i as f64, *y)).collect();
        let b = bucket_points(&pts, 100, None);
        let log = chart_line(
            &b,
            &SeriesOptions {
                log_y: true,
                ..Default::default()
            },
            0,
        );
        let xs: Vec<Vec<f64>> = log.segments.iter().map(|s| s.iter().map(|p| p[0]).collect()).collect();
        assert_eq!(
            xs,
            vec![vec![0.0, 1.0], vec![4.0, 5.0], vec![7.0]],
            "no line across the gaps"
        );
        assert_eq!(log.hidden, 3);
        let linear = chart_line(&b, &SeriesOptions::default(), 0);
        assert_eq!((linear.segments.len(), linear.hidden), (1, 0));
    }

    #[test]
    fn relative_time_round_trips_to_the_server_range() {
        let start = 1_700_000_000_000;
        let x = XMode::Relative.chart_x((start + 5_000) as f64, start);
        assert_eq!(x, 5.0);
        assert_eq!(XMode::Relative.server_range(0.0, 5.0, start), (start, start + 5_000));
    }
}
