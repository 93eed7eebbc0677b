//! The grid's baseline differences and its groups, as plain data.

use super::*;
use crate::ui::model::fixtures::{counted, run, strings};
use std::collections::BTreeSet;

fn runs() -> Vec<RunDetail> {
    let mut runs: Vec<RunDetail> = (1..=5).map(run).collect();
    let lrs = ["0.1", "0.01", "0.1", "0.01", "1e-3"];
    let accs = [0.8, 0.9, 0.6, 0.0, 0.5];
    for (i, r) in runs.iter_mut().enumerate() {
        r.params = strings(&[("lr", lrs[i]), ("opt", "adam")]);
        r.metrics = counted(&[("acc", accs[i], 10)]);
    }
    runs[4].metrics.clear();
    runs
}

fn cols() -> Vec<ColumnKey> {
    vec![
        ColumnKey::Attr(Attr::Number),
        ColumnKey::Param("lr".into()),
        ColumnKey::Param("opt".into()),
        ColumnKey::Metric("acc".into()),
    ]
}

#[test]
fn every_number_is_measured_against_the_baseline_in_percent() {
    let runs = runs();
    let refs: Vec<&RunDetail> = runs.iter().collect();
    let shape = GridShape {
        baseline: Some("id1"),
        ..Default::default()
    };
    let g = grid(&refs, &cols(), shape, 0);
    assert_eq!(g.baseline.as_deref(), Some("id1"));
    let row = |n: i64| g.rows.iter().find(|r| r.run_number == n).unwrap();
    let acc = 3;
    let d = row(2).deltas[acc].unwrap();
    assert!((d - 12.5).abs() < 1e-9, "0.9 against 0.8: {d}");
    assert!((row(3).deltas[acc].unwrap() + 25.0).abs() < 1e-9);
    assert_eq!(row(4).deltas[acc], Some(-100.0));
    assert_eq!(row(5).deltas[acc], None, "no value");
    assert_eq!(row(1).deltas, vec![None; 4], "the baseline itself");
    assert_eq!(row(2).deltas[0], None, "a run's number is no quantity");
    assert_eq!(row(2).deltas[2], None, "text");
    assert_eq!(row(2).deltas[1], None, "a param is a setting, not a result");
    assert_eq!(delta_text(12.5), "+12.5%");
    assert_eq!(delta_text(-100.0), "-100%");
    assert_eq!(delta_text(0.04321), "+0.0432%");

    // Against a zero, or with the baseline gone from the grid, no differences are drawn.
    let g = grid(
        &refs,
        &cols(),
        GridShape {
            baseline: Some("id4"),
            ..shape
        },
        0,
    );
    assert_eq!(g.rows[0].deltas[acc], None);
    let g = grid(&refs[1..], &cols(), shape, 0);
    assert_eq!(g.baseline, None);
    assert!(g.rows.iter().all(|r| r.deltas.iter().all(Option::is_none)));
}

#[test]
fn grouped_rows_sit_under_a_header_with_their_count_and_means() {
    let runs = runs();
    let refs: Vec<&RunDetail> = runs.iter().collect();
    let by = GroupBy::Param("lr".into());
    let acc = ColumnKey::Metric("acc".into());
    let shape = GridShape {
        sort: Some((&acc, false)),
        group_by: Some(&by),
        ..Default::default()
    };
    let g = grid(&refs, &cols(), shape, 0);
    let labels: Vec<(&str, usize)> = g.groups.iter().map(|grp| (grp.label.as_str(), grp.count)).collect();
    assert_eq!(
        labels,
        vec![("param lr = 1e-3", 1), ("param lr = 0.01", 2), ("param lr = 0.1", 2)],
        "groups in numeric order of their values"
    );
    let slots: Vec<usize> = g.groups.iter().map(|grp| grp.slot).collect();
    assert_eq!(slots, [0, 1, 2], "their colours, as the curves give them");
    let numbers: Vec<i64> = g.rows.iter().map(|r| r.run_number).collect();
    assert_eq!(numbers, vec![5, 2, 4, 1, 3], "within a group, the chosen sort");
    let lr01 = &g.groups[2];
    assert_eq!(lr01.first, 3);
    assert_eq!(lr01.aggregates[3], "mean 0.7");
    assert_eq!(lr01.aggregates[2], "adam", "a value the group shares");
    assert_eq!(lr01.aggregates[0], "", "the run's number is not averaged");
    assert_eq!(g.groups[0].aggregates[3], "", "no run of it has acc");
    let mut timed = runs.clone();
    for (i, r) in timed.iter_mut().enumerate() {
        r.start_time = Some(0);
        r.end_time = Some(1_000 * (i as i64 + 1));
    }
    let refs: Vec<&RunDetail> = timed.iter().collect();
    let duration = [ColumnKey::Attr(Attr::Duration)];
    let g = grid(
        &refs,
        &duration,
        GridShape {
            group_by: Some(&by),
            ..Default::default()
        },
        0,
    );
    let lr01 = g.groups.iter().find(|grp| grp.label.ends_with("= 0.1")).unwrap();
    assert_eq!(
        lr01.aggregates[0],
        format!("mean {}", crate::format::fmt_duration(2_000)),
        "runs 1 and 3: 1 s and 3 s"
    );
    assert_eq!(g.rows[3].group, Some(2), "a row knows its group's colour");
    let named = grid(&refs, &[ColumnKey::Attr(Attr::Name)], shape, 0);
    assert_eq!(
        named.groups[2].aggregates[0], "param lr = 0.1",
        "the group's name in the name column"
    );
    let lines = g.lines(&BTreeSet::new());
    assert_eq!(lines.len(), 8);
    assert_eq!(&lines[..3], &[GridLine::Group(0), GridLine::Row(0), GridLine::Group(1)]);
    assert_eq!(lines[g.line_of_row(3, &BTreeSet::new())], GridLine::Row(3));
    assert_eq!(g.line_of_row(3, &BTreeSet::new()), 6);

    let ungrouped = grid(&refs, &cols(), GridShape::default(), 0);
    assert!(ungrouped.groups.is_empty());
    assert_eq!(ungrouped.lines(&BTreeSet::new()).len(), 5);
    assert_eq!(ungrouped.line_of_row(2, &BTreeSet::new()), 2);

    // A collapsed group shows its header alone, and its rows are found at that header.
    let shut = BTreeSet::from([g.groups[0].label.clone()]);
    let lines = g.lines(&shut);
    let shown = g.groups[0].count;
    assert_eq!(lines.len(), 8 - shown);
    assert_eq!(&lines[..2], &[GridLine::Group(0), GridLine::Group(1)]);
    assert_eq!(g.line_of_row(g.groups[0].first, &shut), 0);
    assert_eq!(lines[g.line_of_row(3, &shut)], GridLine::Row(3));
}

#[test]
fn a_group_where_some_runs_lack_a_number_says_how_many_it_averaged() {
    let mut runs = runs();
    runs[2].metrics.clear();
    let refs: Vec<&RunDetail> = runs.iter().collect();
    let by = GroupBy::Param("lr".into());
    let g = grid(
        &refs,
        &cols(),
        GridShape {
            group_by: Some(&by),
            ..Default::default()
        },
        0,
    );
    let lr01 = g.groups.iter().find(|grp| grp.label.ends_with("= 0.1")).unwrap();
    assert_eq!(lr01.aggregates[3], "mean 0.8 (1 of 2)");
}
