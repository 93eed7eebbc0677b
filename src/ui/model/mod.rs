//! View models: what each view shows, computed as plain data so it can be tested without egui.

pub mod columns;
pub mod compare;
pub mod dashboard;
pub mod details;
pub mod jobs;
pub mod series;

/// A time as a person reads it on their desktop: local, to the second.
pub fn fmt_time(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S").to_string(),
        None => String::new(),
    }
}

/// A duration in the largest units that matter: `850 ms`, `4.9 s`, `3 m 12 s`, `2 h 05 m`.
pub fn fmt_duration(ms: i64) -> String {
    let ms = ms.max(0);
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        60_000..3_600_000 => format!("{} m {:02} s", ms / 60_000, ms % 60_000 / 1000),
        _ => format!("{} h {:02} m", ms / 3_600_000, ms % 3_600_000 / 60_000),
    }
}
