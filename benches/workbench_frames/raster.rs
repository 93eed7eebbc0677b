//! A learning-curves chart's texture alone: 1,000 runs' lines of two points per pixel column
//! (each bucket's min and max, as the bulk read gives them) drawn into one chart-sized image.

use runhistory::ui::model::raster::{RasterLine, raster};
use std::time::Instant;

/// 1,000 decaying, noisy curves across a 600 x 250 px chart, then the image drawn 15 times.
pub fn scene() {
    let (w, h, runs, columns) = (600usize, 250usize, 1_000usize, 600usize);
    let lines: Vec<Vec<[f32; 2]>> = (0..runs)
        .map(|r| {
            let rate = 1.0 + (r % 10) as f32 / 5.0;
            (0..columns)
                .flat_map(|c| {
                    let t = c as f32 / columns as f32;
                    let y = (-(rate * 3.0 * t)).exp();
                    let noise = 0.05 * ((c * 7 + r * 13) % 17) as f32 / 17.0;
                    let to_px = |v: f32| (1.0 - v / 1.1) * h as f32;
                    let x = c as f32 + 0.5;
                    [[x - 0.3, to_px(y)], [x + 0.3, to_px(y + noise)]]
                })
                .collect()
        })
        .collect();
    let drawn: Vec<RasterLine<'_>> = lines
        .iter()
        .enumerate()
        .map(|(i, p)| RasterLine {
            points: p,
            color: egui::Color32::from_rgb((i * 37 % 256) as u8, (i * 91 % 256) as u8, 200),
            alpha: 0.12,
        })
        .collect();
    let mut times: Vec<f64> = (0..15)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(raster([w, h], &drawn));
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "a chart's texture, {runs} lines x {} points into {w} x {h} px: median {:.1} ms, min {:.1} ms",
        columns * 2,
        times[times.len() / 2],
        times[0]
    );
}
