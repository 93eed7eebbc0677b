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

/// Points from which an image is drawn on several threads (fewer are not worth a thread).
const PARALLEL_FROM_POINTS: usize = 50_000;

/// The lines drawn in order over a transparent image of `size` pixels (premultiplied colours).
/// Many lines are split among the CPU's cores, each part drawn into its own layer, and the
/// layers laid one over the next in order ("over" composes: the result is the same image).
pub fn raster(size: [usize; 2], lines: &[RasterLine<'_>]) -> Vec<Color32> {
    let points: usize = lines.iter().map(|l| l.points.len()).sum();
    let threads = if points < PARALLEL_FROM_POINTS {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
    };
    let px = if threads <= 1 {
        layer(size, lines)
    } else {
        let per = lines.len().div_ceil(threads);
        let layers: Vec<Vec<[f32; 4]>> = std::thread::scope(|scope| {
            let parts: Vec<_> = lines
                .chunks(per.max(1))
                .map(|part| scope.spawn(move || layer(size, part)))
                .collect();
            // A drawing thread that panicked passes its panic on, rather than leave lines out.
            parts
                .into_iter()
                .map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut layers = layers.into_iter();
        let mut px = layers.next().unwrap_or_else(|| vec![[0f32; 4]; size[0] * size[1]]);
        for upper in layers {
            over(&mut px, &upper);
        }
        px
    };
    to_colors(px)
}

/// `upper` laid over `lower` (premultiplied colours), as if its lines were drawn after.
fn over(lower: &mut [[f32; 4]], upper: &[[f32; 4]]) {
    for (p, u) in lower.iter_mut().zip(upper) {
        let keep = 1.0 - u[3];
        for c in 0..4 {
            p[c] = u[c] + p[c] * keep;
        }
    }
}

/// The lines blended in order over a transparent layer, in premultiplied f32 colours.
fn layer(size: [usize; 2], lines: &[RasterLine<'_>]) -> Vec<[f32; 4]> {
    let [w, h] = size;
    let mut px = vec![[0f32; 4]; w * h];
    for line in lines {
        // The colour with alpha 1: blending is then the same sum in all four channels.
        let rgb1 = [
            line.color.r() as f32 / 255.0,
            line.color.g() as f32 / 255.0,
            line.color.b() as f32 / 255.0,
            1.0,
        ];
        // Coverage is within [0, 1], so alpha times it is too.
        let alpha = line.alpha.clamp(0.0, 1.0);
        let mut plot = |x: i64, y: i64, coverage: f32| {
            if coverage <= 0.0 || x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
                return;
            }
            let a = alpha * coverage;
            let p = &mut px[y as usize * w + x as usize];
            for c in 0..4 {
                p[c] = rgb1[c] * a + p[c] * (1.0 - a);
            }
        };
        // A point between two segments is drawn once, by the segment it starts: drawn by both,
        // every joint would be blended twice (a darker dot at each, and wasted work).
        // (Unless the next segment is not drawn: off the image, or broken by a missing value.)
        let clipped = |i: usize| {
            let pair = line.points.get(i..i + 2)?;
            clip(pair[0], pair[1], w as f32, h as f32)
        };
        let mut this = clipped(0);
        for i in 0..line.points.len().saturating_sub(1) {
            let next = clipped(i + 1);
            if let Some((a, b)) = this {
                let joined = next.is_some_and(|(n, _)| n == b) && b == line.points[i + 1];
                segment(a, b, !joined, &mut plot);
            }
            this = next;
        }
        if let [only] = line.points {
            plot(round_i(only[0]), round_i(only[1]), 1.0);
        }
    }
    px
}

/// Premultiplied f32 colours as bytes.
fn to_colors(px: Vec<[f32; 4]>) -> Vec<Color32> {
    // `as u8` saturates: below 0 is 0, above 255 is 255.
    let q = |v: f32| (v * 255.0 + 0.5) as u8;
    px.into_iter()
        .map(|p| Color32::from_rgba_premultiplied(q(p[0]), q(p[1]), q(p[2]), q(p[3])))
        .collect()
}

/// `v.floor()` as an integer without the library call `floor` is on CPUs without SSE4.1 (the
/// portable x86-64 build): a chart's texture takes millions of them.
fn floor_i(v: f32) -> i64 {
    let t = v as i64;
    t - i64::from((t as f32) > v)
}

/// `v` to the nearest integer, halves up.
fn round_i(v: f32) -> i64 {
    floor_i(v + 0.5)
}

/// A segment stepped along its longer axis, each step's coverage split between the two pixels
/// across it (Xiaolin Wu's idea), so slopes look smooth without a wide brush. Without `with_end`
/// the step at `b` is left to the segment that starts there (unless it is the only step).
fn segment(a: [f32; 2], b: [f32; 2], with_end: bool, plot: &mut impl FnMut(i64, i64, f32)) {
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
    let (mut start, mut end) = (round_i(from[major]), round_i(to[major]));
    if !with_end && end > start {
        // `b` is `to` unless the segment was turned to step along its axis.
        if a[major] <= b[major] {
            end -= 1;
        } else {
            start += 1;
        }
    }
    for m in start..=end {
        let along = (m as f32 - from[major]).clamp(0.0, span);
        let across = from[minor] + slope * along;
        let base = floor_i(across);
        let frac = across - base as f32;
        let mut put = |n: i64, c: f32| {
            if steep { plot(n, m, c) } else { plot(m, n, c) }
        };
        put(base, 1.0 - frac);
        put(base + 1, frac);
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
    fn a_joint_between_two_segments_is_blended_once() {
        // A half-transparent line along y = 2 with a joint at x = 4: every pixel the same.
        let img = raster(
            [10, 10],
            &[RasterLine {
                points: &[[0.0, 2.0], [4.0, 2.0], [9.0, 2.0]],
                color: Color32::RED,
                alpha: 0.5,
            }],
        );
        let alphas: Vec<u8> = (0..10).map(|x| alpha_at(&img, 10, x, 2)).collect();
        assert!(alphas.iter().all(|a| *a == alphas[0]), "{alphas:?}");
        assert_eq!(alphas[0], 128);
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
    fn the_integer_floor_and_round_agree_with_the_float_ones() {
        for v in [-2.5f32, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0, 3.5, 416.999, 1e6] {
            assert_eq!(floor_i(v), v.floor() as i64, "floor {v}");
            assert_eq!(round_i(v), (v + 0.5).floor() as i64, "round {v}");
        }
    }

    #[test]
    fn lines_drawn_in_two_layers_laid_over_each_other_give_the_image_drawn_at_once() {
        // Many crossing lines of several colours and opacities, from a fixed pseudo-random walk.
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as f32 / (1u64 << 31) as f32
        };
        let paths: Vec<Vec<[f32; 2]>> = (0..60)
            .map(|_| (0..40).map(|i| [i as f32 * 1.6, next() * 48.0]).collect())
            .collect();
        let colors = [Color32::RED, Color32::BLUE, Color32::GREEN, Color32::YELLOW];
        let lines: Vec<RasterLine<'_>> = paths
            .iter()
            .enumerate()
            .map(|(i, p)| RasterLine {
                points: p,
                color: colors[i % 4],
                alpha: 0.1 + (i % 7) as f32 / 8.0,
            })
            .collect();
        let whole = to_colors(layer([64, 48], &lines));
        let mut two = layer([64, 48], &lines[..23]);
        over(&mut two, &layer([64, 48], &lines[23..]));
        let two = to_colors(two);
        let worst = whole
            .iter()
            .zip(&two)
            .flat_map(|(a, b)| a.to_array().into_iter().zip(b.to_array()).map(|(x, y)| x.abs_diff(y)))
            .max();
        assert!(worst.is_some_and(|d| d <= 1), "off by {worst:?}");
        assert!(
            whole.iter().filter(|p| p.a() > 0).count() > 1_000,
            "the lines were drawn"
        );
        // Drawn the other way round, the layers would differ: the order is kept.
        let mut swapped = layer([64, 48], &lines[23..]);
        over(&mut swapped, &layer([64, 48], &lines[..23]));
        assert_ne!(to_colors(swapped), whole);
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
