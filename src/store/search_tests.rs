//! Searches narrowed in SQL give exactly what evaluating the filter over every run gives, in
//! MLflow's default order, page after page.

use super::*;
use crate::api::ext::CreateRunExt;
use crate::api::{KeyValue, LogBatch, Metric};

fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: v.into(),
    }
}

#[test]
fn narrowed_searches_match_evaluating_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("store")).unwrap();
    let exp = s.create_experiment("e", None, &[]).unwrap();
    let mut all = Vec::new();
    for i in 0..40i64 {
        let r = s
            .create_run(&CreateRunExt {
                experiment_id: Some(exp.clone()),
                // Some runs share a start time: the run id breaks the tie.
                start_time: Some(1_000 + (i / 3) * 10),
                ..Default::default()
            })
            .unwrap();
        let metrics = if i % 7 == 6 {
            vec![]
        } else {
            vec![Metric {
                key: "acc".into(),
                value: (i % 10) as f64 / 10.0,
                step: 0,
                timestamp: 0,
                ..Default::default()
            }]
        };
        s.log_batch(
            &LogBatch {
                metrics,
                params: vec![kv("model", if i % 2 == 0 { "a" } else { "b" })],
                tags: vec![kv("group", &format!("g{}", i % 4))],
                ..Default::default()
            },
            &r.run_id,
        )
        .unwrap();
        all.push(r);
    }
    let filters = [
        "",
        "metrics.acc > 0.5",
        "metrics.acc > 0.5 AND params.model = 'b'",
        "params.model = 'a' AND tags.group = 'g2'",
        "metrics.acc >= 0.3 AND NOT params.model = 'a'",
        "(metrics.acc = 0.2 OR tags.group = 'g3') AND params.model = 'b'",
        "metrics.missing > 0",
        "params.model = 'b' AND metrics.acc < 0.9 AND metrics.acc > 0.1",
        "tags.group = 'g1' OR metrics.acc = 0.9",
    ];
    for filter in filters {
        let mut got = Vec::new();
        let mut token = None;
        loop {
            let (page, next) = s
                .search_runs(&RunQuery {
                    experiment_ids: vec![exp.clone()],
                    filter: filter.into(),
                    page: Page {
                        max_results: Some(7),
                        token,
                    },
                    ..Default::default()
                })
                .unwrap();
            got.extend(page.into_iter().map(|r| r.run_id));
            token = next;
            if token.is_none() {
                break;
            }
        }
        let mut expected = s.experiment_summary(&exp, filter).unwrap().runs;
        expected.sort_by(|a, b| b.start_time.cmp(&a.start_time).then_with(|| a.run_id.cmp(&b.run_id)));
        let expected: Vec<String> = expected.into_iter().map(|r| r.run_id).collect();
        assert_eq!(got, expected, "filter {filter:?}");
    }
    assert_eq!(
        s.experiment_summary(&exp, "").unwrap().runs.len(),
        40,
        "the brute force saw every run"
    );
}
