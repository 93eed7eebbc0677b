//! Images logged at steps, as MLflow's `log_image(key=, step=)` and our loggers store them:
//! `images/<key>+step+<step>+timestamp+<ms>+<id>.png` (a `/` in the key written `~`; MLflow
//! before 3.x wrote `%` and `#`; its smaller `+compressed` copy is left aside), gathered into a
//! series per key for a step slider.

use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepImage {
    pub key: String,
    pub step: i64,
    pub timestamp: i64,
    /// The artifact's path in the run.
    pub path: String,
}

/// The image a path names, if it is one logged at a step.
pub fn parse(path: &str) -> Option<StepImage> {
    let name = path.strip_prefix("images/")?;
    if !super::details::is_image(name) {
        return None;
    }
    let stem = name.rsplit_once('.')?.0;
    let sep = if stem.contains("+step+") { '+' } else { '%' };
    let mut parts = stem.split(sep);
    let key = parts.next()?;
    let (Some("step"), Some(step), Some("timestamp"), Some(ts), Some(_id), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    if key.is_empty() {
        return None;
    }
    Some(StepImage {
        key: key.replace(['~', '#'], "/"),
        step: step.parse().ok()?,
        timestamp: ts.parse().ok()?,
        path: path.to_string(),
    })
}

/// How a logged image's value (its artifact path) reads in a cell: for one of a series over
/// steps, the step it was logged at rather than its long generated name; else its path.
pub fn image_label(path: &str) -> String {
    match parse(path) {
        Some(img) => format!("image at step {}", img.step),
        None => path.to_string(),
    }
}

/// A run's images over steps by key, each in step order (then logging time).
pub fn image_series<'a>(paths: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, Vec<StepImage>> {
    let mut out: BTreeMap<String, Vec<StepImage>> = BTreeMap::new();
    for img in paths.into_iter().filter_map(parse) {
        out.entry(img.key.clone()).or_default().push(img);
    }
    for series in out.values_mut() {
        series.sort_by_key(|i| (i.step, i.timestamp));
    }
    out
}

/// The image shown at `step`: the last logged at the greatest step at or before it (None when
/// the series starts later).
pub fn at_step(series: &[StepImage], step: i64) -> Option<&StepImage> {
    series.iter().rev().find(|i| i.step <= step)
}

/// Every step any of the series has an image at, in order: the slider's stops.
pub fn stops<'a>(series: impl IntoIterator<Item = &'a [StepImage]>) -> Vec<i64> {
    let steps: BTreeSet<i64> = series.into_iter().flatten().map(|i| i.step).collect();
    steps.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_logged_at_steps_are_read_from_their_names() {
        for p in [
            "images/val~sample+step+20+timestamp+1700000000123+4f2a.png",
            "images/val#sample%step%20%timestamp%1700000000123%4f2a.png",
        ] {
            assert_eq!(
                parse(p),
                Some(StepImage {
                    key: "val/sample".into(),
                    step: 20,
                    timestamp: 1_700_000_000_123,
                    path: p.into(),
                }),
                "{p}"
            );
        }
        for not_one in [
            "images/plain.png",
            "images/k+step+20+timestamp+1+id+compressed.webp",
            "images/k+step+20+timestamp+1+id+compressed.png",
            "images/k%step%x%timestamp%1%id.png",
            "outputs/k%step%1%timestamp%1%id.png",
            "images/k%step%1%timestamp%1%id.txt",
            "images/%step%1%timestamp%1%id.png",
        ] {
            assert_eq!(parse(not_one), None, "{not_one}");
        }
    }

    #[test]
    fn a_series_per_key_in_step_order_and_the_image_at_a_step() {
        let paths = [
            "images/a%step%10%timestamp%5%x.png",
            "images/a%step%0%timestamp%1%y.png",
            "images/a%step%10%timestamp%9%z.png",
            "images/b%step%5%timestamp%2%w.jpg",
            "images/other.png",
        ];
        let series = image_series(paths);
        assert_eq!(series.keys().collect::<Vec<_>>(), ["a", "b"]);
        let a = &series["a"];
        let steps: Vec<(i64, i64)> = a.iter().map(|i| (i.step, i.timestamp)).collect();
        assert_eq!(steps, [(0, 1), (10, 5), (10, 9)]);
        assert_eq!(at_step(a, 7).unwrap().step, 0, "the last before");
        assert_eq!(at_step(a, 10).unwrap().timestamp, 9, "the last logged at the step");
        assert_eq!(at_step(&series["b"], 4), None, "b starts at 5");
        assert_eq!(stops(series.values().map(Vec::as_slice)), [0, 5, 10]);
        assert_eq!(image_label(paths[0]), "image at step 10");
        assert_eq!(image_label("images/roc.png"), "images/roc.png");
    }
}
