//! Many lines drawn into one image instead of egui's shape list: a thousand curves of a few
//! hundred points each become one texture rather than a million vertices, so a frame stays cheap
//! whatever the run count. Lines are one pixel wide, anti-aliased across, blended over each other
//! (where many runs cross, the colour deepens).

use egui::Color32;

/// One line to draw: its points in image pixels (x right, y down), colour and opacity.
pub struct RasterLine<'a> {
    pub points: &'a [[f32; 2]],
    pub color: Color32,
    pub alpha: f32,
}

/// The lines drawn in order over a transparent image of `size` pixels (premultiplied colours).
pub fn raster(size: [usize; 2], lines: &[RasterLine<'_>]) -> Vec<Color32> {
    let [w, h] = size;
    let mut px = vec![[0f32; 4]; w * h];
    for line in lines {
        let rgb = [
            line.color.r() as f32 / 255.0,
            line.color.g() as f32 / 255.0,
            line.color.b() as f32 / 255.0,
        ];
        let mut plot = |x: i64, y: i64, coverage: f32| {
            if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
                return;
            }
            let a = (line.alpha * coverage).clamp(0.0, 1.0);
            let p = &mut px[y as usize * w + x as usize];
            for c in 0..3 {
                p[c] = rgb[c] * a + p[c] * (1.0 - a);
            }
            p[3] = a + p[3] * (1.0 - a);
        };
        for pair in line.points.windows(2) {
            if let Some((a, b)) = clip(pair[0], pair[1], w as f32, h as f32) {
                segment(a, b, &mut plot);
            }
        }
        if let [only] = line.points {
            plot(only[0].round() as i64, only[1].round() as i64, 1.0);
        }
    }
    px.into_iter()
        .map(|p| {
            let q = |v: f32| (v * 255.0).round().clamp(0.0, 255.0) as u8;
            Color32::from_rgba_premultiplied(q(p[0]), q(p[1]), q(p[2]), q(p[3]))
        })
        .collect()
}

/// A segment stepped along its longer axis, each step's coverage split between the two pixels
/// across it (Xiaolin Wu's idea), so slopes look smooth without a wide brush.
fn segment(a: [f32; 2], b: [f32; 2], plot: &mut impl FnMut(i64, i64, f32)) {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let steep = dy.abs() > dx.abs();
    let (major, minor) = if steep { (1, 0) } else { (0, 1) };
    let (from, to) = if a[major] <= b[major] { (a, b) } else { (b, a) };
    let span = to[major] - from[major];
    let slope = if span > 0.0 {
        (to[minor] - from[minor]) / span
    } else {
        0.0
    };
    let start = from[major].round() as i64;
    let end = to[major].round() as i64;
    for m in start..=end {
        let along = (m as f32 - from[major]).clamp(0.0, span);
        let across = from[minor] + slope * along;
        let base = across.floor();
        let frac = across - base;
        let mut put = |n: i64, c: f32| {
            if steep { plot(n, m, c) } else { plot(m, n, c) }
        };
        put(base as i64, 1.0 - frac);
        put(base as i64 + 1, frac);
    }
}

/// The part of segment a-b inside [0, w] x [0, h] (Liang-Barsky), or None: a point far off
/// screen (a zoomed-in view) never makes a long walk.
fn clip(a: [f32; 2], b: [f32; 2], w: f32, h: f32) -> Option<([f32; 2], [f32; 2])> {
    if !(a.iter().chain(&b).all(|v| v.is_finite())) {
        return None;
    }
    // In f64: a far point (1e9 px) in f32 would round the clipped end back onto the near one.
    let (a, b) = ([a[0] as f64, a[1] as f64], [b[0] as f64, b[1] as f64]);
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let (mut t0, mut t1) = (0f64, 1f64);
    for (p, q) in [(-dx, a[0]), (dx, w as f64 - a[0]), (-dy, a[1]), (dy, h as f64 - a[1])] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    let at = |t: f64| [(a[0] + t * dx) as f32, (a[1] + t * dy) as f32];
    (t0 <= t1).then(|| (at(t0), at(t1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alpha_at(img: &[Color32], w: usize, x: usize, y: usize) -> u8 {
        img[y * w + x].a()
    }

    #[test]
    fn a_line_lands_on_its_pixels_and_nowhere_else() {
        let img = raster(
            [10, 10],
            &[RasterLine {
                points: &[[0.0, 2.0], [9.0, 2.0]],
                color: Color32::RED,
                alpha: 1.0,
            }],
        );
        for x in 0..10 {
            assert_eq!(alpha_at(&img, 10, x, 2), 255, "x {x}");
            assert_eq!(img[2 * 10 + x].r(), 255);
        }
        let drawn = img.iter().filter(|p| p.a() > 0).count();
        assert_eq!(drawn, 10);
    }

    #[test]
    fn a_slope_is_split_across_two_pixels_and_crossing_lines_blend() {
        let img = raster(
            [20, 20],
            &[
                RasterLine {
                    points: &[[0.0, 0.0], [19.0, 9.5]],
                    color: Color32::BLUE,
                    alpha: 1.0,
                },
                RasterLine {
                    points: &[[10.0, 0.0], [10.0, 19.0]],
                    color: Color32::RED,
                    alpha: 0.5,
                },
            ],
        );
        // Halfway across a pixel row at odd x: two pixels of about half coverage each.
        let (a, b) = (alpha_at(&img, 20, 1, 0), alpha_at(&img, 20, 1, 1));
        assert!(a > 80 && b > 80 && a < 200 && b < 200, "{a} {b}");
        let cross = img[5 * 20 + 10];
        assert!(
            cross.r() > 0 && cross.b() > 0,
            "the red line over the blue one: {cross:?}"
        );
        assert_eq!(
            alpha_at(&img, 20, 10, 19),
            128,
            "half opacity where the red line is alone"
        );
    }

    #[test]
    fn far_off_points_are_clipped_not_walked() {
        let img = raster(
            [8, 8],
            &[RasterLine {
                points: &[[-1e9, 4.0], [1e9, 4.0], [f32::NAN, 1.0], [3.0, -1e12]],
                color: Color32::GREEN,
                alpha: 1.0,
            }],
        );
        assert_eq!((0..8).filter(|x| alpha_at(&img, 8, *x, 4) == 255).count(), 8);
        assert!(clip([-5.0, -5.0], [-1.0, -1.0], 8.0, 8.0).is_none());
    }
}
