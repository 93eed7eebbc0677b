//! `runhistory migrate`: a local store copied into a team database and served from there, the
//! copy run again doubling nothing, the database copied back into a new folder; and the
//! refusals, each in one line with nothing copied.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::bin;
use runhistory::api::ext::{CreateRunExt, IngestBatch, Num, SeriesChunk};
use runhistory::store::Store;
use runhistory::store::pg_testing::TestDatabase;
use std::path::Path;

fn migrate(from: &str, to: &str, artifacts: Option<&Path>) -> std::process::Output {
    let mut cmd = bin();
    cmd.args(["migrate", "--from", from, "--to", to])
        .env_remove("RUNHISTORY_ARTIFACTS");
    if let Some(a) = artifacts {
        cmd.arg("--artifacts").arg(format!("file://{}", a.display()));
    }
    cmd.output().unwrap()
}

fn local_history(dir: &Path) -> String {
    let s = Store::open(dir).unwrap();
    let run = s
        .create_run(&CreateRunExt {
            experiment_name: Some("moving".into()),
            run_name: Some("first".into()),
            ..Default::default()
        })
        .unwrap()
        .run_id;
    s.ingest(&IngestBatch {
        run_id: run.clone(),
        series: vec![SeriesChunk {
            key: "loss".into(),
            values: (0..5_000).map(|i| Num(1.0 / (1 + i) as f64)).collect(),
            steps: None,
            timestamps: vec![1_000],
        }],
        ..Default::default()
    })
    .unwrap();
    let p = s.run_artifact_path(&run, "outputs/notes.txt").unwrap();
    s.put_artifact(&p, b"hello").unwrap();
    run
}

#[test]
fn a_local_store_moves_into_a_team_database_and_back() {
    let Some(db) = TestDatabase::create("migrate") else {
        return;
    };
    let dirs = [(); 3].map(|_| tempfile::tempdir().unwrap());
    let (local, team_files, back) = (dirs[0].path(), dirs[1].path(), dirs[2].path());
    let run = local_history(local);

    let out = migrate(local.to_str().unwrap(), db.url(), Some(team_files));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.starts_with("Copied "), "{said}");
    assert!(said.contains("and 1 files"), "{said}");
    let progress = String::from_utf8_lossy(&out.stderr);
    assert!(
        progress.contains("metric_points") && progress.contains("5,000"),
        "{progress}"
    );

    // Served from the database: the run, its points and its artifact.
    let server = common::serve(&[
        "--database".as_ref(),
        db.url().as_ref(),
        "--artifacts".as_ref(),
        format!("file://{}", team_files.display()).as_ref(),
    ]);
    let url = server.url.clone();
    let listed = bin()
        .args(["--server", &url, "list", "-e", "moving", "-o", "json"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains(&run), "{listed}");
    let history: serde_json::Value = reqwest::blocking::get(format!(
        "{url}/api/2.0/mlflow/metrics/get-history?run_id={run}&metric_key=loss&max_results=10000"
    ))
    .unwrap()
    .json()
    .unwrap();
    assert_eq!(history["metrics"].as_array().unwrap().len(), 5_000);
    let file = reqwest::blocking::get(format!("{url}/get-artifact?path=outputs/notes.txt&run_uuid={run}"))
        .unwrap()
        .bytes()
        .unwrap();
    assert_eq!(&file[..], b"hello");
    drop(server);

    // Again: nothing new, nothing doubled.
    let again = migrate(local.to_str().unwrap(), db.url(), Some(team_files));
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("and 0 files"));
    let team = Store::open_postgres(db.url(), team_files).unwrap();
    assert_eq!(team.get_run(&run).unwrap().metrics["loss"].count, 5_000);

    // And back into a new folder.
    let home = migrate(db.url(), back.to_str().unwrap(), Some(team_files));
    assert!(home.status.success(), "{}", String::from_utf8_lossy(&home.stderr));
    let copy = Store::open(back).unwrap();
    assert_eq!(copy.get_run(&run).unwrap().metrics["loss"].count, 5_000);
    let p = copy.run_artifact_path(&run, "outputs/notes.txt").unwrap();
    assert_eq!(std::fs::read(copy.artifact_file(&p).unwrap()).unwrap(), b"hello");
}

#[test]
fn a_migrate_that_cannot_be_done_says_why_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = dir.path().join("no-store-here");
    let out = migrate(nowhere.to_str().unwrap(), dir.path().join("to").to_str().unwrap(), None);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("there is no store at"), "{err}");
    assert!(!dir.path().join("to").exists(), "nothing was made");
    assert!(!nowhere.exists(), "the missing source was not made either");

    local_history(&dir.path().join("local"));
    let out = migrate(
        dir.path().join("local").to_str().unwrap(),
        "postgres://postgres@127.0.0.1:5432/whatever",
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--artifacts"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
