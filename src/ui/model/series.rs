//! A series as a chart draws it: the x mode, smoothing and log scale applied to min/max buckets.

use crate::api::ext::Bucket;
use crate::series::line_through;

/// The x of a series chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum XMode {
    Step,
    /// Wall-clock time, in seconds since the epoch.
    WallTime,
    /// Seconds since the run started.
    Relative,
}

impl XMode {
    pub const ALL: [XMode; 3] = [XMode::Step, XMode::WallTime, XMode::Relative];

    pub fn label(self) -> &'static str {
        match self {
            XMode::Step => "Step",
            XMode::WallTime => "Wall time",
            XMode::Relative => "Relative time",
        }
    }

    /// The axis the server buckets by.
    pub fn server_axis(self) -> &'static str {
        match self {
            XMode::Step => "step",
            XMode::WallTime | XMode::Relative => "time",
        }
    }

    /// Chart x from the server's x (a step, or ms since the epoch).
    pub fn chart_x(self, server_x: f64, run_start_ms: i64) -> f64 {
        match self {
            XMode::Step => server_x,
            XMode::WallTime => server_x / 1000.0,
            XMode::Relative => (server_x - run_start_ms as f64) / 1000.0,
        }
    }

    /// The server's x range for a chart's visible x range.
    pub fn server_range(self, lo: f64, hi: f64, run_start_ms: i64) -> (i64, i64) {
        let (a, b) = match self {
            XMode::Step => (lo, hi),
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
}

impl Default for SeriesOptions {
    fn default() -> Self {
        SeriesOptions {
            x: XMode::Step,
            smoothing: 0.0,
            log_y: false,
        }
    }
}

/// The points a chart line draws (at most two per bucket), with the options applied. On a log
/// scale y is log10 of the value and points that are not positive are left out.
pub fn chart_line(buckets: &[Bucket], opts: &SeriesOptions, run_start_ms: i64) -> Vec<[f64; 2]> {
    let mut pts = line_through(buckets);
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
    if opts.log_y {
        pts.retain(|p| p[1] > 0.0);
        for p in &mut pts {
            p[1] = p[1].log10();
        }
    }
    pts.retain(|p| p[0].is_finite() && p[1].is_finite());
    pts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::bucket_points;

    #[test]
    fn smoothing_and_log_scale() {
        let pts: Vec<(f64, f64)> = (0..100)
            .map(|i| (i as f64, if i % 2 == 0 { 1.0 } else { 100.0 }))
            .collect();
        let b = bucket_points(&pts, 100, None);
        let raw = chart_line(&b, &SeriesOptions::default(), 0);
        assert_eq!(raw.len(), 100);
        let smooth = chart_line(
            &b,
            &SeriesOptions {
                smoothing: 0.9,
                ..Default::default()
            },
            0,
        );
        let spread = |v: &[[f64; 2]]| {
            v[50..].iter().map(|p| p[1]).fold(f64::MIN, f64::max)
                - v[50..].iter().map(|p| p[1]).fold(f64::MAX, f64::min)
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
        assert_eq!(log[1][1], 2.0);
    }

    #[test]
    fn relative_time_round_trips_to_the_server_range() {
        let start = 1_700_000_000_000;
        let x = XMode::Relative.chart_x((start + 5_000) as f64, start);
        assert_eq!(x, 5.0);
        assert_eq!(XMode::Relative.server_range(0.0, 5.0, start), (start, start + 5_000));
    }
}
