//! A scatter of runs as plain data: a point per run at (x, y) taken from two params or metrics,
//! coloured by a third; text params are placed as categories.

use super::parallel::AxisKey;
use crate::api::ext::RunDetail;

/// One run's point.
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterPoint {
    pub run_id: String,
    pub run_number: i64,
    pub x: f64,
    pub y: f64,
    /// The colouring value from 0 to 1 (None: the run has none).
    pub color: Option<f64>,
    /// What hovering shows: the run and its three values.
    pub hover: String,
}

/// How an axis of the scatter reads: numbers as they are, categories at 0, 1, 2, ... by name.
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterAxis {
    pub key: AxisKey,
    /// The category names, in order, when the values are not all numbers.
    pub categories: Vec<String>,
    /// Placed by log10 of the value: a param whose positive values span two decades or more
    /// (a learning rate), as the parallel coordinates place it.
    pub log: bool,
}

impl ScatterAxis {
    fn of(runs: &[&RunDetail], key: &AxisKey) -> ScatterAxis {
        let values: Vec<String> = runs.iter().filter_map(|r| key.value_of(r)).collect();
        let numbers: Vec<f64> = values.iter().filter_map(|v| v.trim().parse::<f64>().ok()).collect();
        let numeric = numbers.len() == values.len();
        let (lo, hi) = numbers
            .iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
        let log = numeric && matches!(key, AxisKey::Param(_)) && lo > 0.0 && hi / lo >= 100.0;
        let categories = if numeric {
            Vec::new()
        } else {
            let set: std::collections::BTreeSet<String> = values.into_iter().collect();
            set.into_iter().collect()
        };
        ScatterAxis {
            key: key.clone(),
            categories,
            log,
        }
    }

    fn place(&self, run: &RunDetail) -> Option<f64> {
        let v = self.key.value_of(run)?;
        if self.categories.is_empty() {
            let x = v.trim().parse::<f64>().ok().filter(|x| x.is_finite())?;
            match self.log {
                true => (x > 0.0).then(|| x.log10()),
                false => Some(x),
            }
        } else {
            self.categories.iter().position(|c| *c == v).map(|i| i as f64)
        }
    }

    /// A tick's label: the category at an integer position, else the number.
    pub fn label_at(&self, x: f64) -> Option<String> {
        if self.categories.is_empty() {
            return None;
        }
        let i = x.round();
        if (x - i).abs() > 1e-6 || i < 0.0 {
            return Some(String::new());
        }
        Some(self.categories.get(i as usize).cloned().unwrap_or_default())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scatter {
    pub x: ScatterAxis,
    pub y: ScatterAxis,
    pub color_by: Option<AxisKey>,
    /// What the ramp's two ends stand for (the legend).
    pub color_range: Option<(String, String)>,
    pub points: Vec<ScatterPoint>,
}

/// The scatter of `runs` on (x, y), coloured by the metric `color_by`; runs without both values
/// are left out.
pub fn scatter(runs: &[&RunDetail], x: &AxisKey, y: &AxisKey, color_by: Option<&AxisKey>) -> Scatter {
    let (ax, ay) = (ScatterAxis::of(runs, x), ScatterAxis::of(runs, y));
    let (colors, color_range) = super::parallel::colour_values(runs, color_by);
    let color_of: std::collections::HashMap<&str, Option<f64>> =
        runs.iter().zip(colors).map(|(r, c)| (r.run_id.as_str(), c)).collect();
    let points = runs
        .iter()
        .filter_map(|r| {
            let (px, py) = (ax.place(r)?, ay.place(r)?);
            let c = color_of.get(r.run_id.as_str()).copied().flatten();
            // Numbers as the grid shows them (a metric's full precision is in the CSV).
            let shown = |k: &AxisKey| {
                let v = k.value_of(r).unwrap_or_default();
                match (k, v.parse::<f64>()) {
                    (AxisKey::Metric(_), Ok(n)) => crate::format::g(n),
                    _ => v,
                }
            };
            let mut hover = format!(
                "Run {} · {}\n{} = {}\n{} = {}",
                r.run_number,
                r.name,
                x.label(),
                shown(x),
                y.label(),
                shown(y)
            );
            if let Some(k) = color_by.filter(|_| c.is_some()) {
                hover.push_str(&format!("\n{} = {}", k.label(), shown(k)));
            }
            Some(ScatterPoint {
                run_id: r.run_id.clone(),
                run_number: r.run_number,
                x: px,
                y: py,
                color: c,
                hover,
            })
        })
        .collect();
    Scatter {
        x: ax,
        y: ay,
        color_by: color_by.cloned(),
        color_range,
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::model::fixtures::{metrics, run, strings};

    #[test]
    fn a_point_per_run_with_both_values_categories_placed_by_name() {
        let mut runs: Vec<RunDetail> = (1..=4).map(run).collect();
        for (i, r) in runs.iter_mut().enumerate() {
            r.params = strings(&[
                ("lr", &format!("0.{}", i + 1)),
                ("opt", if i % 2 == 0 { "sgd" } else { "adam" }),
            ]);
            r.metrics = metrics(&[("acc", 0.5 + 0.1 * i as f64), ("loss", 1.0 - 0.2 * i as f64)]);
        }
        runs[3].metrics.remove("acc");
        let refs: Vec<&RunDetail> = runs.iter().collect();
        let s = scatter(
            &refs,
            &AxisKey::Param("lr".into()),
            &AxisKey::Metric("acc".into()),
            Some(&AxisKey::Metric("loss".into())),
        );
        assert_eq!(s.points.len(), 3, "run 4 has no acc");
        assert_eq!((s.points[0].x, s.points[0].y), (0.1, 0.5));
        assert_eq!(s.points[0].color, Some(1.0), "the highest loss of all runs");
        assert!(s.points[2].hover.contains("lr = 0.3") && s.points[2].hover.contains("loss = 0.6"));
        let c = scatter(
            &refs,
            &AxisKey::Param("opt".into()),
            &AxisKey::Metric("loss".into()),
            None,
        );
        assert_eq!(c.x.categories, ["adam", "sgd"]);
        assert!(!s.x.log, "lr 0.1 to 0.4 is not wide");
        for (r, lr) in runs.iter_mut().zip(["0.0001", "0.001", "0.01", "0.1"]) {
            r.params = strings(&[("lr", lr)]);
        }
        let refs: Vec<&RunDetail> = runs.iter().collect();
        let wide = scatter(
            &refs,
            &AxisKey::Param("lr".into()),
            &AxisKey::Metric("loss".into()),
            None,
        );
        assert!(wide.x.log);
        let xs: Vec<f64> = wide.points.iter().map(|p| p.x).collect();
        assert_eq!(xs, [-4.0, -3.0, -2.0, -1.0], "placed by log10, as the axis reads");
        assert_eq!(c.points.iter().map(|p| p.x).collect::<Vec<_>>(), [1.0, 0.0, 1.0, 0.0]);
        assert_eq!(c.x.label_at(1.0).as_deref(), Some("sgd"));
        assert_eq!(c.x.label_at(0.5).as_deref(), Some(""));
        assert!(s.x.label_at(0.5).is_none(), "a numeric axis labels itself");
    }
}
