//! The client's plain-MLflow fallback gives the same picture as our extensions, over real HTTP.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

use runhistory::api::KeyValue;
use runhistory::api::ext::{CreateRunExt, IngestBatch, Num, SeriesChunk};
use runhistory::client::{Flavor, HistoryClient};
use runhistory::server::EmbeddedServer;
use runhistory::store::Store;
use std::sync::Arc;

#[test]
fn plain_mlflow_reads_match_the_extensions() {
    let dir = tempfile::tempdir().unwrap();
    let server = EmbeddedServer::start(Arc::new(Store::open(dir.path()).unwrap()), None).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(compare(&server.url()));
}

async fn compare(url: &str) {
    let server_url = url;
    let ours = HistoryClient::new(server_url, None).unwrap();
    assert_eq!(ours.flavor().await.unwrap(), Flavor::RunHistory);
    let plain = HistoryClient::new(server_url, None)
        .unwrap()
        .assume_flavor(Flavor::Mlflow);

    let mut ids = Vec::new();
    for i in 0..3 {
        let run = ours
            .create_run(&CreateRunExt {
                experiment_name: Some("fallback".into()),
                start_time: Some(1000 + i),
                ..Default::default()
            })
            .await
            .unwrap();
        ours.ingest(&IngestBatch {
            run_id: run.run_id.clone(),
            series: vec![SeriesChunk {
                key: "loss".into(),
                values: (0..500).map(|s| Num(1.0 / (s as f64 + 1.0) + i as f64)).collect(),
                ..Default::default()
            }],
            params: vec![KeyValue {
                key: "lr".into(),
                value: format!("0.{i}"),
            }],
            ..Default::default()
        })
        .await
        .unwrap();
        ours.upload_artifact(&run, "outputs/model.txt", format!("model {i}").into_bytes())
            .await
            .unwrap();
        ours.upload_artifact(&run, "notes.txt", b"n".to_vec()).await.unwrap();
        ids.push(run.run_id);
    }
    let exp = ours.get_experiment_by_name("fallback").await.unwrap().unwrap();

    let a = ours.experiment_runs(&exp.experiment_id, "").await.unwrap();
    let b = plain.experiment_runs(&exp.experiment_id, "").await.unwrap();
    assert_eq!(b.runs.len(), 3);
    for r in &a.runs {
        let p = b.runs.iter().find(|p| p.run_id == r.run_id).expect("same runs");
        assert_eq!(p.run_number, r.run_number, "numbered by start");
        assert_eq!(p.params, r.params);
        assert_eq!(p.metrics["loss"].value, r.metrics["loss"].value);
        assert_eq!(p.status, r.status);
    }
    let filtered = plain
        .experiment_runs(&exp.experiment_id, "params.lr = '0.2'")
        .await
        .unwrap();
    assert_eq!(filtered.runs.len(), 1);
    assert_eq!(
        filtered.runs[0].run_number, 3,
        "a filter keeps the numbers of the whole experiment"
    );

    let run = plain.get_run(&ids[1]).await.unwrap();
    assert_eq!(run.run_number, 2);
    let files = plain.run_artifacts(&run).await.unwrap();
    assert_eq!(files, ours.run_artifacts(&run).await.unwrap());
    assert_eq!(
        files.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        ["notes.txt", "outputs/model.txt"]
    );
    assert_eq!(
        plain.read_artifact(&run, "outputs/model.txt").await.unwrap(),
        b"model 1"
    );

    let s_ours = ours.series(&ids[0], "loss", "step", 50, None).await.unwrap();
    let s_plain = plain.series(&ids[0], "loss", "step", 50, None).await.unwrap();
    assert_eq!(s_plain.total_points, 500);
    assert_eq!(s_plain.buckets.len(), s_ours.buckets.len());
    for (x, y) in s_plain.buckets.iter().zip(&s_ours.buckets) {
        assert_eq!((x.x_first, x.x_last, x.count), (y.x_first, y.x_last, y.count));
        assert_eq!((x.min, x.max), (y.min, y.max));
    }
    let ranged = plain
        .series(&ids[0], "loss", "step", 10, Some((100, 199)))
        .await
        .unwrap();
    assert_eq!(ranged.total_points, 100);

    // Every run's curve in one read, or run by run from a stock server: the same buckets, in the
    // order asked, a run that is gone left out.
    let mut asked: Vec<String> = ids.iter().rev().cloned().collect();
    asked.insert(1, "0123456789abcdef0123456789abcdef".into());
    let bulk = ours.curves("loss", &asked, "step", 40, None).await.unwrap();
    let by_run = plain.curves("loss", &asked, "step", 40, None).await.unwrap();
    let order: Vec<&str> = bulk.iter().map(|s| s.run_id.as_str()).collect();
    assert_eq!(order, [&ids[2], &ids[1], &ids[0]]);
    assert_eq!(by_run.iter().map(|s| s.run_id.as_str()).collect::<Vec<_>>(), order);
    for (a, b) in bulk.iter().zip(&by_run) {
        assert_eq!((a.total_points, a.buckets.len()), (500, 40));
        assert_eq!(b.total_points, 500);
        for (x, y) in a.buckets.iter().zip(&b.buckets) {
            assert_eq!(
                (x.x_first, x.x_last, x.count, x.min, x.max, x.last),
                (y.x_first, y.x_last, y.count, y.min, y.max, y.last)
            );
        }
    }

    // Curves over another metric (loss over itself here: x = y), in one read or from histories.
    let a = ours.curves_over_metric("loss", "loss", &asked, 30, None).await.unwrap();
    let b = plain
        .curves_over_metric("loss", "loss", &asked, 30, None)
        .await
        .unwrap();
    assert_eq!(a.len(), 3);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            (&x.run_id, x.total_points, x.x.as_str()),
            (&y.run_id, y.total_points, "metric")
        );
        assert_eq!(x.buckets, y.buckets);
    }
    let zoom = plain
        .curves_over_metric("loss", "loss", &asked, 30, Some([0.0, 0.01]))
        .await
        .unwrap();
    assert_eq!(zoom[2].total_points, 401, "1 / (s + 1) <= 0.01 from step 99 on");

    // Every metric at a chosen step, in one read or from each run's histories.
    for step in [250, 9_999, -1] {
        let a = ours.values_at_step(&ids, step).await.unwrap();
        let b = plain.values_at_step(&ids, step).await.unwrap();
        assert_eq!(a, b, "at step {step}");
        if step >= 0 {
            let last = step.min(499);
            assert_eq!(a.values.len(), 3);
            assert_eq!((a.values[1].run_id.as_str(), a.values[1].step), (ids[1].as_str(), last));
            assert_eq!(a.values[1].value.0, 1.0 / (last as f64 + 1.0) + 1.0);
        } else {
            assert!(a.values.is_empty(), "nothing logged by step -1");
        }
    }
}
