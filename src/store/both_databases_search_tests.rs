//! Run search with filters SQL narrows (a param, a metric, a tag, together) gives the same runs on
//! SQLite and PostgreSQL as the filter itself: in the default order with pages, and in an order
//! by a metric.

use super::both_databases_tests::{new_run, stores, tag};
use super::*;
use crate::api::{LogBatch, Metric};

#[test]
fn narrowed_searches_find_exactly_the_matching_runs_on_both_databases() {
    for (db, s, _dir, _pg) in stores() {
        let mut expected = Vec::new();
        for i in 0..30 {
            let run = new_run(&s, "narrow", &format!("r{i:02}"), 1_000 + i);
            let lr = ["a", "b", "c"][i as usize % 3];
            let acc = f64::from(i as i32) / 30.0;
            s.log_batch(
                &LogBatch {
                    metrics: vec![Metric {
                        key: "acc".into(),
                        value: acc,
                        timestamp: 1,
                        step: 0,
                        ..Default::default()
                    }],
                    params: vec![tag("lr", lr)],
                    tags: vec![tag("half", if i < 15 { "first" } else { "second" })],
                    ..Default::default()
                },
                &run,
            )
            .unwrap();
            if lr == "b" && acc > 0.5 {
                expected.push(format!("r{i:02}"));
            }
        }
        let exp = s.get_experiment_by_name("narrow").unwrap().experiment_id;
        let search = |filter: &str, order: &[&str], max: i64, token: Option<String>| {
            s.search_runs(&RunQuery {
                experiment_ids: vec![exp.clone()],
                filter: filter.into(),
                view: ViewType::ActiveOnly,
                order_by: order.iter().map(|o| o.to_string()).collect(),
                page: Page {
                    max_results: Some(max),
                    token,
                },
            })
            .unwrap()
        };
        let names = |runs: Vec<crate::api::ext::RunDetail>| runs.into_iter().map(|r| r.name).collect::<Vec<_>>();

        // Newest first (start times rise with i), in pages of two.
        let filter = "params.lr = 'b' and metrics.acc > 0.5";
        let mut newest_first = expected.clone();
        newest_first.reverse();
        let (first, token) = search(filter, &[], 2, None);
        let (rest, end) = search(filter, &[], 2, token);
        assert_eq!([names(first), names(rest)].concat(), newest_first[..4], "{db}");
        assert!(end.is_some(), "{db}: {} runs, a third page", newest_first.len());
        // Every page size walks every match once, and the last page says it is the last.
        for max in [1, 3, newest_first.len() as i64, newest_first.len() as i64 + 1] {
            let (mut walked, mut pages, mut token) = (Vec::new(), 0, None);
            loop {
                let (page, next) = search(filter, &[], max, token);
                walked.extend(names(page));
                pages += 1;
                token = next;
                if token.is_none() {
                    break;
                }
            }
            assert_eq!(walked, newest_first, "{db}: pages of {max}");
            assert_eq!(pages, newest_first.len().div_ceil(max as usize), "{db}: pages of {max}");
        }

        let by_acc = names(search(filter, &["metrics.acc ASC"], 100, None).0);
        assert_eq!(by_acc, expected, "{db}: ordered by the metric");

        let three = names(
            search(
                &format!("{filter} and tags.half = 'second'"),
                &["metrics.acc ASC"],
                100,
                None,
            )
            .0,
        );
        let second: Vec<String> = expected.iter().filter(|n| n.as_str() >= "r15").cloned().collect();
        assert_eq!(three, second, "{db}: three narrowing comparisons");

        // A comparison SQL does not narrow by still decides.
        let mixed = names(
            search(
                "params.lr = 'b' and metrics.acc > 0.5 and attributes.run_name != 'r29'",
                &["metrics.acc ASC"],
                100,
                None,
            )
            .0,
        );
        assert_eq!(
            mixed,
            expected.iter().filter(|n| *n != "r29").cloned().collect::<Vec<_>>(),
            "{db}"
        );
        assert!(
            search("params.lr = 'zzz' and metrics.acc > 0.5", &[], 10, None)
                .0
                .is_empty(),
            "{db}"
        );
    }
}
