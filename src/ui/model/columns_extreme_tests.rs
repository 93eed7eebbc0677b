//! A metric's min and max columns: offered for series, shown, sorted and exported exactly.

use super::*;
use crate::api::ext::Num;
use crate::ui::model::dashboard::{GridShape, grid, runs_of_script};
use crate::ui::model::export::grid_csv;
use crate::ui::model::fixtures::{counted, run};

fn with_range(mut r: RunDetail, key: &str, lo: f64, hi: f64) -> RunDetail {
    let m = r.metrics.get_mut(key).unwrap();
    m.min = Some(Num(lo));
    m.max = Some(Num(hi));
    r
}

#[test]
fn a_metric_logged_at_many_steps_offers_min_and_max_and_a_single_value_does_not() {
    let mut a = run(1);
    a.metrics = counted(&[("loss", 0.3, 50), ("final", 0.9, 1)]);
    let a = with_range(with_range(a, "loss", 0.25, 2.5), "final", 0.9, 0.9);
    let cols = catalog(&[a]);
    let loss_min = ColumnKey::MetricExtreme("loss".into(), Extreme::Min);
    assert!(cols.contains(&loss_min), "{cols:?}");
    assert!(cols.contains(&ColumnKey::MetricExtreme("loss".into(), Extreme::Max)));
    assert!(
        !cols
            .iter()
            .any(|c| matches!(c, ColumnKey::MetricExtreme(k, _) if k == "final"))
    );
    assert_eq!(loss_min.label(), "loss (min)");
    assert_eq!(loss_min.group(), "Metrics");
    // Min and max come right after the metric's latest value in the chooser.
    let at = cols
        .iter()
        .position(|c| *c == ColumnKey::Metric("loss".into()))
        .unwrap();
    assert_eq!(cols[at + 1], loss_min);
}

#[test]
fn min_and_max_cells_show_sort_and_export_the_series_extremes() {
    let mut runs: Vec<RunDetail> = (1..=3).map(run).collect();
    runs[0].metrics = counted(&[("loss", 0.5, 10)]);
    runs[1].metrics = counted(&[("loss", 0.4, 10)]);
    runs[2].metrics = counted(&[("loss", 0.6, 10)]);
    runs[0] = with_range(runs[0].clone(), "loss", 0.125, 3.0);
    runs[1] = with_range(runs[1].clone(), "loss", 0.333_333_333_333, 1.0);
    // Run 3 came from a server that keeps no extremes: its cells are empty and sort last.
    let min = ColumnKey::MetricExtreme("loss".into(), Extreme::Min);
    assert_eq!(cell(&runs[0], &min, 0).0, "0.125");
    assert_eq!(cell(&runs[2], &min, 0), (String::new(), SortValue::Empty));
    assert!(has_value(&runs[0], &min) && !has_value(&runs[2], &min));
    let shown = runs_of_script(&runs, None);
    let columns = vec![ColumnKey::Metric("loss".into()), min.clone()];
    let g = grid(
        &shown,
        &columns,
        GridShape {
            sort: Some((&min, true)),
            ..Default::default()
        },
        0,
    );
    let order: Vec<i64> = g.rows.iter().map(|r| r.run_number).collect();
    assert_eq!(order, vec![1, 2, 3]);
    let g = grid(
        &shown,
        &columns,
        GridShape {
            sort: Some((&min, false)),
            ..Default::default()
        },
        0,
    );
    let order: Vec<i64> = g.rows.iter().map(|r| r.run_number).collect();
    assert_eq!(order, vec![2, 1, 3], "empty cells stay last");
    let csv = grid_csv(&g, &runs, 0);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "run_number,run_id,metrics.loss,min(metrics.loss)");
    assert_eq!(lines[1], "2,id2,0.4,0.333333333333", "exact, not as formatted");
    assert_eq!(lines[3], "3,id3,0.6,");
}
