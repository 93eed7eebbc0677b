//! Axis ticks a person reads: whole numbers for run numbers and steps, dates and clock times for
//! wall time, s/min/h for time since the start, and decades (1, 10, 100, 1e-3) on a log axis.
//! Pure functions of the visible range, so the charts only hand them to the plot.

/// What an axis measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AxisKind {
    /// Run numbers, steps: whole numbers only.
    Integer,
    /// Seconds since the epoch, shown as dates and local clock times.
    WallTime,
    /// Seconds since the run started.
    Seconds,
    /// log10 of the value: ticks at whole decades.
    Log10,
    /// Any number.
    Plain,
}

/// Which way an axis runs: labels along x need more room (the plot draws an x label only where
/// ticks are 60 px apart, a y label where they are 20 px apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Along {
    X,
    Y,
}

/// Tick steps of time axes, in seconds: the smallest at least as long as the plot's smallest step.
const TIME_STEPS: [f64; 20] = [
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0,
    43200.0, 86400.0, 172_800.0, 604_800.0,
];

/// A 1-2-5 step of at least `min`.
fn nice_step(min: f64) -> f64 {
    if min <= 0.0 || !min.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(min.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|s| *s >= min)
        .unwrap_or(10.0 * p)
}

/// The step between ticks for a visible range, given the smallest step the plot can separate
/// (8 px of it).
pub fn tick_step(kind: AxisKind, along: Along, base_step: f64) -> f64 {
    // Ticks far enough apart that each gets its label and labels do not run into each other:
    // clock times and dates are wider than numbers.
    let min = base_step
        * match (along, kind) {
            (Along::X, AxisKind::WallTime) => 13.0,
            (Along::X, AxisKind::Seconds) => 10.0,
            (Along::X, AxisKind::Integer | AxisKind::Log10 | AxisKind::Plain) => 9.0,
            (Along::Y, AxisKind::WallTime) => 12.0,
            (Along::Y, AxisKind::Seconds) => 8.0,
            (Along::Y, AxisKind::Integer | AxisKind::Log10 | AxisKind::Plain) => 4.0,
        };
    match kind {
        AxisKind::Integer | AxisKind::Log10 => nice_step(min).max(1.0),
        AxisKind::WallTime | AxisKind::Seconds if min < 1.0 => nice_step(min),
        AxisKind::WallTime | AxisKind::Seconds => TIME_STEPS
            .into_iter()
            .find(|s| *s >= min)
            .unwrap_or_else(|| (min / 86400.0).ceil() * 86400.0),
        AxisKind::Plain => nice_step(min),
    }
}

/// Tick values across the visible range, each with the step it belongs to.
pub fn ticks(kind: AxisKind, along: Along, bounds: (f64, f64), base_step: f64) -> Vec<(f64, f64)> {
    let (lo, hi) = (bounds.0.min(bounds.1), bounds.0.max(bounds.1));
    if !(lo.is_finite() && hi.is_finite()) {
        return Vec::new();
    }
    if kind == AxisKind::Log10 && hi - lo < 3.0 {
        return log_ticks_within_decades(lo, hi);
    }
    let step = tick_step(kind, along, base_step);
    // Wall-clock ticks sit on whole local minutes, hours, days.
    let offset = match kind {
        AxisKind::WallTime if step >= 3600.0 => local_offset_secs(lo),
        _ => 0.0,
    };
    let first = ((lo + offset) / step).ceil() * step - offset;
    let count = ((hi - first) / step).floor();
    if !(0.0..=1000.0).contains(&count) {
        return Vec::new();
    }
    (0..=count as usize).map(|i| (first + i as f64 * step, step)).collect()
}

/// On a log axis spanning few decades, ticks between the decades too: 2 and 5 times each, or
/// every whole multiple when less than a decade shows.
fn log_ticks_within_decades(lo: f64, hi: f64) -> Vec<(f64, f64)> {
    let multiples: &[f64] = if hi - lo < 1.0 {
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    } else {
        &[1.0, 2.0, 5.0]
    };
    let mut out = Vec::new();
    let mut decade = lo.floor();
    while decade <= hi.ceil() {
        for m in multiples {
            let v = decade + m.log10();
            if (lo..=hi).contains(&v) {
                // Decades are the thick lines.
                out.push((v, if *m == 1.0 { 1.0 } else { 0.3 }));
            }
        }
        decade += 1.0;
    }
    out
}

fn local_offset_secs(at: f64) -> f64 {
    chrono::DateTime::from_timestamp(at as i64, 0)
        .map(|t| t.with_timezone(&chrono::Local).offset().local_minus_utc() as f64)
        .unwrap_or(0.0)
}

/// A tick's label. `step` is the distance to the next tick; `span` the visible width.
pub fn tick_label(kind: AxisKind, value: f64, step: f64, span: f64) -> String {
    match kind {
        AxisKind::Integer => crate::format::short_int(value.round() as i64),
        AxisKind::Log10 => decade(value),
        AxisKind::Plain => crate::format::g(value),
        AxisKind::Seconds => seconds(value, step),
        AxisKind::WallTime => {
            let Some(t) = chrono::DateTime::from_timestamp_millis((value * 1000.0).round() as i64) else {
                return String::new();
            };
            let t = t.with_timezone(&chrono::Local);
            let fmt = if step < 1.0 {
                "%H:%M:%S%.3f"
            } else if step >= 86400.0 {
                "%m-%d"
            } else if span > 86400.0 {
                "%m-%d %H:%M"
            } else if step < 60.0 {
                "%H:%M:%S"
            } else {
                "%H:%M"
            };
            t.format(fmt).to_string()
        }
    }
}

/// 10^value: `1`, `10`, `0.01`, or `1e-3` and `1e5` past those; between decades the number
/// itself (`0.2`, `50`).
fn decade(exp: f64) -> String {
    let e = exp.round() as i32;
    if (exp - e as f64).abs() > 1e-9 {
        return crate::format::g(10f64.powf(exp));
    }
    if (-2..=4).contains(&e) {
        crate::format::g(10f64.powi(e))
    } else {
        format!("1e{e}")
    }
}

/// Seconds in the unit the step is counted in: `30 s`, `2 min`, `1.5 h`.
fn seconds(v: f64, step: f64) -> String {
    let g = crate::format::g;
    if step < 60.0 {
        format!("{} s", g(v))
    } else if step < 3600.0 {
        format!("{} min", g(v / 60.0))
    } else {
        format!("{} h", g(v / 3600.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(kind: AxisKind, bounds: (f64, f64), base: f64) -> Vec<String> {
        ticks(kind, Along::Y, bounds, base)
            .into_iter()
            .map(|(v, s)| tick_label(kind, v, s, bounds.1 - bounds.0))
            .collect()
    }

    #[test]
    fn run_numbers_and_steps_tick_at_whole_numbers() {
        for (bounds, base, want) in [
            ((0.6, 8.4), 0.05, vec!["1", "2", "3", "4", "5", "6", "7", "8"]),
            (
                (0.0, 1000.0),
                20.0,
                vec![
                    "0", "100", "200", "300", "400", "500", "600", "700", "800", "900", "1000",
                ],
            ),
            ((2.2, 2.8), 0.001, vec![]),
        ] {
            assert_eq!(labels(AxisKind::Integer, bounds, base), want, "{bounds:?}");
        }
    }

    #[test]
    fn x_ticks_are_far_enough_apart_for_their_labels() {
        // Eight runs across 450 px: 56 px a run, too close for an x label each (the plot wants 60).
        let (bounds, px) = ((0.6, 8.4), 450.0);
        let base = 8.0 * (bounds.1 - bounds.0) / px;
        let x: Vec<f64> = ticks(AxisKind::Integer, Along::X, bounds, base)
            .iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(x, [2.0, 4.0, 6.0, 8.0]);
        for (kind, bounds) in [
            (AxisKind::Plain, (0.0, 1.0)),
            (AxisKind::Seconds, (0.0, 3600.0)),
            (AxisKind::WallTime, (1.7e9, 1.7e9 + 86400.0)),
        ] {
            let base = 8.0 * (bounds.1 - bounds.0) / px;
            let t = ticks(kind, Along::X, bounds, base);
            let apart = (t[1].0 - t[0].0) / (bounds.1 - bounds.0) * px;
            assert!(
                apart >= 60.0 && t.len() >= 3,
                "{kind:?}: {} ticks {apart} px apart",
                t.len()
            );
        }
    }

    #[test]
    fn a_log_axis_ticks_at_decades() {
        assert_eq!(
            labels(AxisKind::Log10, (-3.5, 2.2), 0.1),
            ["1e-3", "0.01", "0.1", "1", "10", "100"]
        );
        // Less than a decade: its whole multiples; a decade or two: 1, 2 and 5 of each.
        assert_eq!(
            labels(AxisKind::Log10, (-0.5, 0.05), 0.01),
            ["0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"]
        );
        assert_eq!(
            labels(AxisKind::Log10, (-1.0, 0.5), 0.01),
            ["0.1", "0.2", "0.5", "1", "2"]
        );
        // Many decades: every other one, never a label like 0.794328.
        let wide = labels(AxisKind::Log10, (-10.0, 10.0), 0.4);
        assert!(
            wide.iter()
                .all(|l| l == "1" || l.starts_with("1e") || l.starts_with("10") || l.starts_with("0.")),
            "{wide:?}"
        );
    }

    #[test]
    fn relative_time_reads_in_seconds_minutes_or_hours() {
        assert_eq!(
            labels(AxisKind::Seconds, (0.0, 50.0), 1.0),
            ["0 s", "10 s", "20 s", "30 s", "40 s", "50 s"]
        );
        assert_eq!(
            labels(AxisKind::Seconds, (0.0, 1200.0), 20.0),
            ["0 min", "5 min", "10 min", "15 min", "20 min"]
        );
        assert_eq!(
            labels(AxisKind::Seconds, (0.0, 36000.0), 500.0),
            ["0 h", "2 h", "4 h", "6 h", "8 h", "10 h"]
        );
    }

    #[test]
    fn wall_time_reads_as_clock_times_and_dates() {
        let t0 = 1_700_000_000.0;
        let within_a_minute = labels(AxisKind::WallTime, (t0, t0 + 50.0), 2.0);
        assert!(
            within_a_minute
                .iter()
                .all(|l| l.len() == 8 && l.matches(':').count() == 2),
            "{within_a_minute:?}"
        );
        let over_hours = labels(AxisKind::WallTime, (t0, t0 + 6.0 * 3600.0), 200.0);
        assert!(
            over_hours
                .iter()
                .all(|l| l.len() == 5 && ["00", "15", "30", "45"].contains(&&l[3..])),
            "whole quarter hours: {over_hours:?}"
        );
        let over_weeks = labels(AxisKind::WallTime, (t0, t0 + 30.0 * 86400.0), 30000.0);
        assert!(
            over_weeks.iter().all(|l| l.len() == 5 && l.contains('-')),
            "{over_weeks:?}"
        );
        assert!(
            !within_a_minute.iter().any(|l| l.contains("1700000")),
            "never raw epoch seconds"
        );
        let within_a_second = labels(AxisKind::WallTime, (t0, t0 + 0.5), 0.02);
        assert!(
            !within_a_second.is_empty() && within_a_second.iter().all(|l| l.len() == 12),
            "{within_a_second:?}"
        );
        assert_eq!(
            labels(AxisKind::Seconds, (0.0, 0.5), 0.01),
            ["0 s", "0.1 s", "0.2 s", "0.3 s", "0.4 s", "0.5 s"]
        );
    }
}
