use super::*;
use crate::ui::model::fixtures::{metrics, run, strings};

fn runs() -> Vec<RunDetail> {
    [
        ("0.1", "adam", 0.9),
        ("0.01", "sgd", 0.7),
        ("0.001", "adam", 0.5),
        ("0.01", "sgd", 0.8),
    ]
    .iter()
    .enumerate()
    .map(|(i, (lr, opt, acc))| {
        let mut r = run(i as i64 + 1);
        r.params = strings(&[("lr", lr), ("optimizer", opt)]);
        r.metrics = metrics(&[("acc", *acc)]);
        r
    })
    .collect()
}

fn keys() -> Vec<AxisKey> {
    vec![
        AxisKey::Param("lr".into()),
        AxisKey::Param("optimizer".into()),
        AxisKey::Metric("acc".into()),
    ]
}

#[test]
fn numeric_and_categorical_axes_place_every_run() {
    let runs = runs();
    let refs: Vec<&RunDetail> = runs.iter().collect();
    let p = parallel(&refs, &keys(), &BTreeMap::new(), Some(&AxisKey::Metric("acc".into())));
    assert_eq!(
        p.axes[0].scale,
        Scale::Log { min: 0.001, max: 0.1 },
        "lr over two decades reads in logs"
    );
    assert_eq!(p.axes[1].scale, Scale::Categories(vec!["adam".into(), "sgd".into()]));
    assert_eq!(p.lines.len(), 4);
    assert_eq!(p.lines[0].positions, [Some(1.0), Some(0.0), Some(1.0)]);
    assert_eq!(p.lines[1].positions[1], Some(1.0));
    assert_eq!(p.lines[1].positions[0], Some(0.5), "0.01 halfway between 0.001 and 0.1");
    assert_eq!(p.lines[2].color, Some(0.0), "the lowest acc");
    assert_eq!(p.lines[0].color, Some(1.0));
    assert_eq!(default_axes(&refs), keys(), "the params that differ, then the metrics");
}

#[test]
fn a_brush_keeps_the_runs_in_its_range_and_the_axes_stay_put() {
    let runs = runs();
    let refs: Vec<&RunDetail> = runs.iter().collect();
    let whole = parallel(&refs, &keys(), &BTreeMap::new(), None);
    // A drag over the top of the acc axis (0.5 to 0.9) keeps acc >= 0.68.
    let brush = whole.axes[2].scale.brush(1.0, 0.45);
    let Brush::Range(lo, hi) = brush.clone() else {
        panic!("{brush:?}")
    };
    assert!((lo - 0.68).abs() < 1e-12 && (hi - 0.9).abs() < 1e-12, "{brush:?}");
    let mut brushes = BTreeMap::new();
    brushes.insert(AxisKey::Metric("acc".into()), brush);
    let p = parallel(&refs, &keys(), &brushes, None);
    let shown: Vec<i64> = p.lines.iter().map(|l| l.run_number).collect();
    assert_eq!(shown, [1, 2, 4]);
    assert_eq!(
        p.axes[2].scale, whole.axes[2].scale,
        "the scale covers every run, brushed or not"
    );
    // A category brush: a drag over the bottom of the optimizer axis keeps adam.
    let adam = whole.axes[1].scale.brush(0.0, 0.2);
    assert_eq!(adam, Brush::Categories(["adam".to_string()].into()));
    brushes.insert(AxisKey::Param("optimizer".into()), adam);
    let both: Vec<&RunDetail> = refs.iter().copied().filter(|r| kept(r, &brushes)).collect();
    assert_eq!(both.iter().map(|r| r.run_number).collect::<Vec<_>>(), [1]);
    let mut no_acc = run(9);
    no_acc.params = strings(&[("lr", "0.1")]);
    assert!(!kept(&no_acc, &brushes), "no value on a brushed axis: not kept");
}

#[test]
fn the_nearest_line_is_found_between_axes() {
    let runs = runs();
    let refs: Vec<&RunDetail> = runs.iter().collect();
    let p = parallel(&refs, &keys(), &BTreeMap::new(), None);
    // Axes 100 px apart, positions 0..1 over 100 px, up.
    let at = |axis: usize, pos: f64| [axis as f32 * 100.0, 100.0 - pos as f32 * 100.0];
    assert_eq!(
        nearest_line(&p, [50.0, 50.0], 5.0, at),
        Some(0),
        "run 1 goes from top to bottom"
    );
    assert_eq!(nearest_line(&p, [50.0, 10.0], 5.0, at), None);
}

#[test]
fn ticks_fall_on_round_values_and_a_log_axis_on_powers_of_ten() {
    let runs = runs();
    let refs: Vec<&RunDetail> = runs.iter().collect();
    let p = parallel(&refs, &keys(), &BTreeMap::new(), Some(&AxisKey::Metric("acc".into())));
    let labels = |i: usize| -> Vec<String> { p.axes[i].scale.ticks().into_iter().map(|t| t.1).collect() };
    assert_eq!(labels(0), ["0.001", "0.01", "0.1"]);
    assert_eq!(labels(2), ["0.5", "0.6", "0.7", "0.8", "0.9"]);
    let odd = Scale::Numeric {
        min: 0.0123,
        max: 0.0877,
    };
    let ticks: Vec<String> = odd.ticks().into_iter().map(|t| t.1).collect();
    assert_eq!(ticks, ["0.02", "0.04", "0.06", "0.08"], "not 0.02275");
    for (pos, _) in odd.ticks() {
        assert!((0.0..=1.0).contains(&pos));
    }
    // A drag over the top half of the log axis keeps lr from 0.01 up.
    let Brush::Range(lo, hi) = p.axes[0].scale.brush(0.5, 1.0) else {
        panic!()
    };
    assert!((lo - 0.01).abs() < 1e-12 && (hi - 0.1).abs() < 1e-12, "{lo} to {hi}");
    assert_eq!(p.color_range, Some(("0.5".into(), "0.9".into())), "the legend's ends");
    // A metric keeps a linear axis whatever its span.
    let mut wide = runs.clone();
    wide[0].metrics = crate::ui::model::fixtures::metrics(&[("acc", 1000.0)]);
    let refs: Vec<&RunDetail> = wide.iter().collect();
    let p = parallel(&refs, &keys(), &BTreeMap::new(), None);
    assert!(matches!(p.axes[2].scale, Scale::Numeric { .. }));
}

#[test]
fn lines_are_coloured_by_a_param_on_its_axis_scale() {
    let runs = runs();
    let refs: Vec<&RunDetail> = runs.iter().collect();
    // lr spans two decades: its colours are placed in logs, as its axis is.
    let by_lr = parallel(&refs, &keys(), &BTreeMap::new(), Some(&AxisKey::Param("lr".into())));
    let colors: Vec<Option<f64>> = by_lr.lines.iter().map(|l| l.color).collect();
    assert_eq!(colors, [Some(1.0), Some(0.5), Some(0.0), Some(0.5)]);
    assert_eq!(by_lr.color_range, Some(("0.001".into(), "0.1".into())));
    // Text: one colour per category, in order.
    let by_opt = parallel(
        &refs,
        &keys(),
        &BTreeMap::new(),
        Some(&AxisKey::Param("optimizer".into())),
    );
    let colors: Vec<Option<f64>> = by_opt.lines.iter().map(|l| l.color).collect();
    assert_eq!(colors, [Some(0.0), Some(1.0), Some(0.0), Some(1.0)]);
    assert_eq!(by_opt.color_range, Some(("adam".into(), "sgd".into())));
    let none = parallel(&refs, &keys(), &BTreeMap::new(), None);
    assert!(none.lines.iter().all(|l| l.color.is_none()) && none.color_range.is_none());
}
