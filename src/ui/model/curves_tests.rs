use super::*;
use crate::series::bucket_points;
use crate::ui::model::fixtures::{counted, run, strings};

fn series(run_id: &str, ys: &[f64]) -> DownsampledSeries {
    let pts: Vec<(f64, f64)> = ys.iter().enumerate().map(|(i, y)| (i as f64, *y)).collect();
    DownsampledSeries {
        run_id: run_id.into(),
        key: "loss".into(),
        x: "step".into(),
        total_points: ys.len() as u64,
        buckets: bucket_points(&pts, 100, None),
    }
}

#[test]
fn only_metrics_logged_more_than_once_have_curves() {
    let mut a = run(1);
    a.metrics = counted(&[("loss", 0.1, 50), ("final_acc", 0.9, 1)]);
    let mut b = run(2);
    b.metrics = counted(&[("acc", 0.5, 2), ("final_acc", 0.8, 1)]);
    assert_eq!(curve_keys(&[&a, &b]), ["acc", "loss"]);
}

#[test]
fn a_search_is_a_case_insensitive_regex_pinned_first_hidden_left_out() {
    let keys: Vec<String> = ["train/loss", "val/loss", "val/acc", "lr"].map(String::from).to_vec();
    let none = BTreeSet::new();
    let (all, err) = shown_keys(&keys, "", &none, &none);
    assert_eq!((all.len(), err), (4, None));
    let (loss, _) = shown_keys(&keys, "LOSS$", &none, &none);
    assert_eq!(loss, ["train/loss", "val/loss"]);
    let pinned: BTreeSet<String> = ["val/acc".to_string()].into();
    let hidden: BTreeSet<String> = ["train/loss".to_string(), "val/acc".to_string()].into();
    let (shown, _) = shown_keys(&keys, "^(val|train)/", &pinned, &hidden);
    assert_eq!(
        shown,
        ["val/acc", "val/loss"],
        "pinned first, a hidden chart shown only when pinned"
    );
    let (text, err) = shown_keys(&keys, "val/(", &none, &none);
    assert!(text.is_empty(), "no key holds the text 'val/('");
    assert!(err.is_some_and(|e| e.contains("not a regular expression")));
    let (plain, err) = shown_keys(&keys, "[", &none, &["[".to_string()].into());
    assert!(plain.is_empty() && err.is_some());
}

#[test]
fn a_chart_has_a_line_per_run_in_view_in_order_with_the_params_that_differ() {
    let runs: Vec<RunDetail> = (1..=3)
        .map(|n| {
            let mut r = run(n);
            r.params = strings(&[("lr", &format!("0.{n}")), ("seed", "1")]);
            r
        })
        .collect();
    let refs: Vec<&RunDetail> = runs.iter().rev().collect();
    let mut read = HashMap::new();
    read.insert("id1".to_string(), series("id1", &[1.0, 0.5, 0.25]));
    read.insert("id3".to_string(), series("id3", &[2.0, 1.0, -1.0, 0.5]));
    let chart = curve_chart("loss", &refs, &read, &SeriesOptions::default(), None);
    let order: Vec<&str> = chart.lines.iter().map(|l| l.run_id.as_str()).collect();
    assert_eq!(order, ["id3", "id1"], "runs in view order; run 2 has no series");
    assert_eq!(chart.lines[0].label, "Run 3 · run-3");
    assert_eq!(chart.lines[0].params, ["lr = 0.3"], "seed is the same everywhere");
    assert_eq!(chart.extent, Some(([0.0, 3.0], [-1.0, 2.0])));
    let log = curve_chart(
        "loss",
        &refs,
        &read,
        &SeriesOptions {
            log_y: true,
            ..Default::default()
        },
        None,
    );
    assert_eq!(log.hidden, 1, "the one value at or below zero");
}

#[test]
fn hovering_finds_the_nearest_line_between_its_points() {
    let runs = [run(1), run(2)];
    let refs: Vec<&RunDetail> = runs.iter().collect();
    let mut read = HashMap::new();
    read.insert("id1".to_string(), series("id1", &[0.0, 0.0, 0.0, 0.0]));
    read.insert("id2".to_string(), series("id2", &[10.0, 10.0, 10.0, 10.0]));
    let chart = curve_chart("loss", &refs, &read, &SeriesOptions::default(), None);
    // 100 px per step, 10 px per unit of y, y up.
    let to_screen = |p: [f64; 2]| [(p[0] * 100.0) as f32, (200.0 - p[1] * 10.0) as f32];
    let near = |x: f32, y: f32| {
        nearest_curve(
            &chart,
            [x, y],
            8.0,
            ((x as f64 - 8.0) / 100.0, (x as f64 + 8.0) / 100.0),
            to_screen,
        )
    };
    assert_eq!(
        near(150.0, 197.0).map(|n| n.0),
        Some(0),
        "between steps 1 and 2, near y = 0"
    );
    assert_eq!(near(260.0, 103.0).map(|n| n.0), Some(1));
    assert_eq!(near(260.0, 150.0), None, "far from both");
    assert_eq!(
        near(290.0, 101.0).map(|n| n.1),
        Some([3.0, 10.0]),
        "the point nearer along the segment"
    );
}

#[test]
fn grouping_by_a_param_makes_one_curve_per_group() {
    use crate::ui::model::groups::{Aggregate, Band, GroupBy};
    let runs: Vec<RunDetail> = (1..=4)
        .map(|n| {
            let mut r = run(n);
            r.params = strings(&[("lr", if n % 2 == 0 { "0.1" } else { "0.01" })]);
            r
        })
        .collect();
    let refs: Vec<&RunDetail> = runs.iter().collect();
    let read: HashMap<String, DownsampledSeries> = (1..=4)
        .map(|n| (format!("id{n}"), series(&format!("id{n}"), &[n as f64; 5])))
        .collect();
    let g = Grouping {
        by: GroupBy::Param("lr".into()),
        aggregate: Aggregate::Mean,
        band: Band::MinMax,
    };
    let chart = curve_chart("loss", &refs, &read, &SeriesOptions::default(), Some(&g));
    let labels: Vec<&str> = chart.groups.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["param lr = 0.01", "param lr = 0.1"]);
    assert_eq!(
        chart.groups[0].points[0],
        [0.0, 2.0, 1.0, 3.0],
        "runs 1 and 3: mean 2, band 1 to 3"
    );
    assert_eq!(chart.groups[1].runs, 2);
    let to_screen = |p: [f64; 2]| [(p[0] * 100.0) as f32, (100.0 - p[1] * 10.0) as f32];
    assert_eq!(
        nearest_group(&chart, [150.0, 70.0], 5.0, to_screen).map(|n| n.0),
        Some(1),
        "y = 3 is group 0.1"
    );
    assert_eq!((chart.groups[0].slot, chart.groups[1].slot), (0, 1));
    assert!(
        chart.groups.iter().all(|g| g.covering.iter().all(|c| *c == g.runs)),
        "runs of one length"
    );
    // A group none of whose runs logged this metric is left out, and the others keep their
    // places (their colours, as in every chart and the grid).
    let mut more = runs.clone();
    let mut odd = run(5);
    odd.params = strings(&[("lr", "0.05")]);
    more.push(odd);
    let refs: Vec<&RunDetail> = more.iter().collect();
    let chart = curve_chart("loss", &refs, &read, &SeriesOptions::default(), Some(&g));
    let slots: Vec<(&str, usize)> = chart.groups.iter().map(|c| (c.label.as_str(), c.slot)).collect();
    assert_eq!(slots, [("param lr = 0.01", 0), ("param lr = 0.1", 2)]);
}

#[test]
fn with_smoothing_each_line_keeps_its_raw_values_to_draw_faint_behind() {
    let runs = [run(1)];
    let refs: Vec<&RunDetail> = runs.iter().collect();
    let mut read = HashMap::new();
    read.insert("id1".to_string(), series("id1", &[0.0, 10.0, 0.0, 10.0, 0.0, 10.0]));
    let plain = curve_chart("loss", &refs, &read, &SeriesOptions::default(), None);
    assert!(plain.lines[0].raw.is_none());
    let smooth = SeriesOptions {
        smoothing: 0.8,
        ..Default::default()
    };
    let chart = curve_chart("loss", &refs, &read, &smooth, None);
    let l = &chart.lines[0];
    let raw: Vec<f64> = l.raw.as_ref().unwrap().points().map(|p| p[1]).collect();
    assert_eq!(raw, [0.0, 10.0, 0.0, 10.0, 0.0, 10.0]);
    assert!(
        l.line.points().skip(1).all(|p| p[1] > 0.0 && p[1] < 10.0),
        "smoothed between the extremes"
    );
}
