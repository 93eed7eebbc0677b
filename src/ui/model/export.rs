//! The grid as CSV: its columns and rows as shown (same order, filter and script), values exact
//! (a metric's full precision, a duration in seconds) rather than as formatted for the eye.

use super::columns::{Attr, ColumnKey, cell};
use super::dashboard::Grid;
use crate::api::ext::RunDetail;
use std::collections::HashMap;

/// The header and one line per grid row, each run looked up by id in `runs`.
pub fn grid_csv(grid: &Grid, runs: &[RunDetail], now: i64) -> String {
    let by_id: HashMap<&str, &RunDetail> = runs.iter().map(|r| (r.run_id.as_str(), r)).collect();
    let mut headers = vec!["run_number".to_string(), "run_id".to_string()];
    headers.extend(grid.columns.iter().map(header));
    let rows: Vec<Vec<String>> = grid
        .rows
        .iter()
        .filter_map(|row| by_id.get(row.run_id.as_str()))
        .map(|r| {
            let mut line = vec![r.run_number.to_string(), r.run_id.clone()];
            line.extend(grid.columns.iter().map(|c| value(r, c, now)));
            line
        })
        .collect();
    crate::format::csv(&headers, &rows)
}

fn header(col: &ColumnKey) -> String {
    match col {
        ColumnKey::Attr(Attr::Duration) => "duration_s".into(),
        ColumnKey::Attr(a) => a.label().to_lowercase().replace(' ', "_"),
        ColumnKey::Param(k) => format!("params.{k}"),
        ColumnKey::Metric(k) => format!("metrics.{k}"),
        ColumnKey::MetricExtreme(k, e) => format!("{}(metrics.{k})", e.label()),
        ColumnKey::Value(k) => format!("values.{k}"),
        ColumnKey::Tag(k) => format!("tags.{k}"),
    }
}

fn value(run: &RunDetail, col: &ColumnKey, now: i64) -> String {
    match col {
        ColumnKey::Metric(k) => run.metrics.get(k).map(|m| m.value.0.to_string()).unwrap_or_default(),
        ColumnKey::MetricExtreme(k, e) => e.of(run, k).map(|v| v.to_string()).unwrap_or_default(),
        ColumnKey::Attr(Attr::Duration) => run
            .duration_ms(now)
            .map(|d| (d as f64 / 1000.0).to_string())
            .unwrap_or_default(),
        other => cell(run, other, now).0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::model::dashboard::{GridShape, grid, runs_of_script};
    use crate::ui::model::fixtures::{metrics, run, strings};

    #[test]
    fn the_csv_holds_the_grids_rows_and_columns_with_exact_values() {
        let mut runs: Vec<RunDetail> = (1..=3).map(run).collect();
        runs[0].metrics = metrics(&[("acc", 0.123_456_789_012_3)]);
        runs[1].params = strings(&[("note", "a, \"quoted\" one")]);
        runs[2].start_time = Some(1_000);
        runs[2].end_time = Some(3_500);
        runs[2].script_name = Some("other.py".into());
        let shown = runs_of_script(&runs, None);
        let columns = vec![
            ColumnKey::Metric("acc".into()),
            ColumnKey::Param("note".into()),
            ColumnKey::Attr(Attr::Duration),
        ];
        let g = grid(&shown[..2], &columns, GridShape::default(), 0);
        let csv = grid_csv(&g, &runs, 0);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "run_number,run_id,metrics.acc,params.note,duration_s");
        assert_eq!(
            lines[1], "2,id2,,\"a, \"\"quoted\"\" one\",",
            "newest first, as the grid"
        );
        assert_eq!(lines[2], "1,id1,0.1234567890123,,");
        assert_eq!(lines.len(), 3, "only the grid's rows");
        let all = grid(&shown, &columns, GridShape::default(), 0);
        assert!(grid_csv(&all, &runs, 0).contains("3,id3,,,2.5"));
    }
}
