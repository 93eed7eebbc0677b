//! Copying a store: from SQLite into PostgreSQL and back, every table's rows arrive equal, files
//! too; copying again doubles nothing and brings what is new; the copy keeps working (numbering
//! goes on after the copied rows).

use super::both_databases_tests::{new_run, tag};
use super::copy::TABLES;
use super::pg_testing::TestDatabase;
use super::*;
use crate::api::ext::{IngestBatch, Num, SeriesChunk};
use std::collections::BTreeMap;

/// Every row of every table, as text, sorted: equal for two stores that hold the same history.
fn contents(s: &Store) -> BTreeMap<&'static str, Vec<String>> {
    TABLES
        .iter()
        .map(|(table, _)| {
            let columns = s.read_db(|db| super::copy::columns_of(db, table)).unwrap();
            let mut rows = Vec::new();
            s.scan(
                &format!("SELECT {} FROM {table}", columns.join(", ")),
                columns.len(),
                1_000,
                |chunk| {
                    rows.extend(chunk.iter().map(|r| format!("{r:?}")));
                    Ok(())
                },
            )
            .unwrap();
            rows.sort();
            (*table, rows)
        })
        .collect()
}

fn points(s: &Store, run: &str, from: usize, n: usize, batch: &str) {
    s.ingest(&IngestBatch {
        run_id: run.into(),
        batch_id: Some(batch.into()),
        series: vec![SeriesChunk {
            key: "loss".into(),
            values: (from..from + n).map(|i| Num(1.0 / (1 + i) as f64)).collect(),
            steps: Some((from..from + n).map(|i| i as i64).collect()),
            timestamps: vec![1_000],
        }],
        ..Default::default()
    })
    .unwrap();
}

/// A store with a bit of everything: runs, params, tags, a long series (and its pyramid), a
/// logged model with a metric, a dataset input, a snapshot and its file, a registered version,
/// an artifact.
fn history(s: &Store) -> String {
    use crate::api::models::CreateLoggedModel;
    use crate::api::registry::CreateModelVersion;
    use crate::api::snapshot::{CreateSnapshot, SnapshotFile};
    let run = new_run(s, "copied", "first", 1_000);
    new_run(s, "copied", "second", 2_000);
    points(s, &run, 0, 20_000, "b-1");
    let exp = s.get_run(&run).unwrap().experiment_id;
    let model = s
        .create_logged_model(&CreateLoggedModel {
            experiment_id: Some(exp),
            name: Some("clf".into()),
            source_run_id: Some(run.clone()),
            params: vec![tag("C", "1.0")],
            ..Default::default()
        })
        .unwrap();
    s.log_batch(
        &crate::api::LogBatch {
            metrics: vec![crate::api::Metric {
                key: "acc".into(),
                value: 0.8,
                timestamp: 5,
                step: 1,
                model_id: Some(model.info.model_id.clone()),
                ..Default::default()
            }],
            params: vec![tag("lr", "0.1")],
            tags: vec![tag("team", "x")],
            ..Default::default()
        },
        &run,
    )
    .unwrap();
    let hash = s.put_blob(b"print('hi')").unwrap();
    s.create_snapshot(&CreateSnapshot {
        label: "run".into(),
        run_id: Some(run.clone()),
        files: vec![SnapshotFile {
            path: "train.py".into(),
            hash,
            size: 11,
            executable: false,
        }],
    })
    .unwrap();
    let uri = s.get_run(&run).unwrap().artifact_uri;
    s.create_registered_model(Some("iris"), &[], None).unwrap();
    s.create_model_version(&CreateModelVersion {
        name: Some("iris".into()),
        source: Some(format!("{uri}/model")),
        run_id: Some(run.clone()),
        ..Default::default()
    })
    .unwrap();
    let p = s.run_artifact_path(&run, "outputs/model.pkl").unwrap();
    s.put_artifact(&p, b"weights").unwrap();
    run
}

#[test]
fn a_store_copied_into_postgres_and_back_holds_the_same_history() {
    let Some(pg) = TestDatabase::create("copy") else {
        return;
    };
    let dirs = [(); 3].map(|_| tempfile::tempdir().unwrap());
    let local = Store::open(dirs[0].path()).unwrap();
    let run = history(&local);
    let team = Store::open_postgres(pg.url(), dirs[1].path()).unwrap();

    let mut heard = Vec::new();
    let report = team.copy_from(&local, |p| heard.push(p.clone())).unwrap();
    assert_eq!(contents(&team), contents(&local), "every table's rows arrived equal");
    let rows: BTreeMap<_, _> = report.rows.iter().cloned().collect();
    assert_eq!(rows["metric_points"], 20_001, "the series and the model's metric");
    let analyzed: Option<i64> = team
        .read_db(|db| {
            db.value(
                "SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname IN ('runs', 'metric_points')
                 AND last_analyze IS NOT NULL",
                &[],
            )
        })
        .unwrap();
    assert_eq!(analyzed, Some(2), "the copied tables' statistics are fresh");
    assert_eq!(
        (report.files, report.bytes),
        (2, 7 + 11),
        "the artifact and the snapshot's file"
    );
    assert!(
        heard
            .iter()
            .any(|p| p.what == "metric_points" && p.done == 20_001 && p.total == 20_001)
    );
    let artifact = team.run_artifact_path(&run, "outputs/model.pkl").unwrap();
    assert_eq!(
        std::fs::read(team.artifact_file(&artifact).unwrap()).unwrap(),
        b"weights"
    );

    // Again: nothing doubles, no file is copied again.
    let again = team.copy_from(&local, |_| {}).unwrap();
    assert_eq!(contents(&team), contents(&local), "a second copy changes nothing");
    assert_eq!(again.files, 0);

    // What the source gained since is brought over, changed rows updated.
    points(&local, &run, 20_000, 500, "b-2");
    local.set_tag(&run, &tag("team", "y")).unwrap();
    team.copy_from(&local, |_| {}).unwrap();
    assert_eq!(contents(&team), contents(&local), "the copy caught up");
    assert_eq!(team.get_run(&run).unwrap().metrics["loss"].count, 20_500);
    assert_eq!(team.get_run(&run).unwrap().tags["team"], "y");

    // The team database goes on numbering past what was copied.
    let exp = team.get_run(&run).unwrap().experiment_id;
    let made = team.create_experiment("made-after", None, &[]).unwrap();
    assert!(made.parse::<i64>().unwrap() > exp.parse::<i64>().unwrap());
    let third = new_run(&team, "copied", "third", 3_000);
    assert_eq!(team.get_run(&third).unwrap().run_number, 3);

    // And back, into a new local store.
    let back = Store::open(dirs[2].path()).unwrap();
    back.copy_from(&team, |_| {}).unwrap();
    assert_eq!(contents(&back), contents(&team), "PostgreSQL back into SQLite, equal");
    assert_eq!(back.get_run(&third).unwrap().run_number, 3);
}

#[test]
fn a_copy_into_a_store_holding_other_history_is_refused_whole() {
    let Some(pg) = TestDatabase::create("copy_refused") else {
        return;
    };
    let dirs = [(); 2].map(|_| tempfile::tempdir().unwrap());
    let local = Store::open(dirs[0].path()).unwrap();
    history(&local);
    let team = Store::open_postgres(pg.url(), dirs[1].path()).unwrap();
    // Another history made experiment 1 under another name.
    team.create_experiment("someone-else", None, &[]).unwrap();
    let before = contents(&team);
    let refused = team.copy_from(&local, |_| {});
    assert!(
        matches!(&refused, Err(StoreError::Invalid(m)) if m.contains("experiments 1")),
        "{refused:?}"
    );
    assert_eq!(contents(&team), before, "nothing of a refused copy stays");
    assert!(matches!(
        local.copy_from(&Store::open(dirs[0].path()).unwrap(), |_| {}),
        Err(StoreError::Invalid(_))
    ));
}
