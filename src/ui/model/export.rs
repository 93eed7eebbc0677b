//! The grid as CSV: its columns and rows as shown (same order, filter and script), values exact
//! (a metric's full precision, a duration in seconds) rather than as formatted for the eye; and a
//! chart as PNG, cut from a picture of the window.

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

/// A region of an RGBA picture (`size` = [width, height], 4 bytes a pixel), as PNG bytes. The
/// region is [x, y, width, height] in pixels, cut to the picture.
pub fn png_of_region(size: [usize; 2], rgba: &[u8], region: [usize; 4]) -> Result<Vec<u8>, String> {
    let [w, h] = size;
    if rgba.len() != w * h * 4 {
        return Err(format!("a {w}x{h} picture has {} bytes, not {}", rgba.len(), w * h * 4));
    }
    let [x, y] = [region[0].min(w), region[1].min(h)];
    let [rw, rh] = [region[2].min(w - x), region[3].min(h - y)];
    if rw == 0 || rh == 0 {
        return Err("the chart is not on screen".into());
    }
    let mut cut = Vec::with_capacity(rw * rh * 4);
    for row in y..y + rh {
        cut.extend_from_slice(&rgba[(row * w + x) * 4..(row * w + x + rw) * 4]);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    image::write_buffer_with_format(
        &mut out,
        &cut,
        rw as u32,
        rh as u32,
        image::ExtendedColorType::Rgba8,
        image::ImageFormat::Png,
    )
    .map_err(|e| e.to_string())?;
    Ok(out.into_inner())
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

    #[test]
    fn a_region_of_a_picture_is_cut_out_as_png() {
        // A 4x3 picture whose pixel (x, y) is (x, y, 7, 255).
        let rgba: Vec<u8> = (0..3u8)
            .flat_map(|y| (0..4u8).flat_map(move |x| [x, y, 7, 255]))
            .collect();
        let png = png_of_region([4, 3], &rgba, [1, 1, 2, 5]).unwrap();
        let back = image::load_from_memory(&png).unwrap().to_rgba8();
        assert_eq!(back.dimensions(), (2, 2), "cut to the picture");
        assert_eq!(back.get_pixel(0, 0).0, [1, 1, 7, 255]);
        assert_eq!(back.get_pixel(1, 1).0, [2, 2, 7, 255]);
        assert!(png_of_region([4, 3], &rgba, [9, 0, 2, 2]).is_err(), "off the picture");
        assert!(
            png_of_region([4, 3], &rgba[..8], [0, 0, 1, 1]).is_err(),
            "too few bytes"
        );
    }
}
