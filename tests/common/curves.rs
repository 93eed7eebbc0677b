//! Runs with learning curves for the workbench's tests: n runs of experiment "curves", each
//! logging series far apart, and a check that a chart has drawn its lines.

use runhistory::api::KeyValue;
use runhistory::api::ext::{CreateRunExt, IngestBatch, Num, SeriesChunk};
use runhistory::store::Store;
use runhistory::ui::WorkbenchApp;
use std::path::Path;

/// Runs 1..=n of experiment "curves", each logging `keys` series of 200 steps; run i's values
/// sit near 10 * i, so the lines lie far apart.
pub fn seed(dir: &Path, n: usize, keys: &[&str]) -> Vec<String> {
    let store = Store::open(dir).unwrap();
    (0..n)
        .map(|i| {
            let run = store
                .create_run(&CreateRunExt {
                    experiment_name: Some("curves".into()),
                    run_name: Some(format!("run-{i}")),
                    start_time: Some(1_700_000_000_000 + i as i64 * 1000),
                    ..Default::default()
                })
                .unwrap();
            store
                .ingest(&IngestBatch {
                    run_id: run.run_id.clone(),
                    series: keys
                        .iter()
                        .map(|k| SeriesChunk {
                            key: (*k).into(),
                            values: (0..200)
                                .map(|s| Num(10.0 * i as f64 + 1.0 / (s as f64 + 1.0)))
                                .collect(),
                            ..Default::default()
                        })
                        .collect(),
                    params: vec![KeyValue {
                        key: "lr".into(),
                        value: format!("0.{}", i + 1),
                    }],
                    ..Default::default()
                })
                .unwrap();
            run.run_id
        })
        .collect()
}

pub fn curves_drawn(key: &str) -> impl Fn(&WorkbenchApp) -> bool + '_ {
    move |a| {
        a.view.curve_frames.contains_key(key) && a.wb.curves().feed(key).is_some_and(|f| !f.chart().lines.is_empty())
    }
}
