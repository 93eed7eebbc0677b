//! The snapshot and append endpoints over real HTTP: contents are checked against their address,
//! refusals are 4xx JSON errors that store nothing, and appends grow an artifact in order; on
//! SQLite and on PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::{Rows, TestStore};
use runhistory::api::ext::CreateRunExt;
use runhistory::api::snapshot::{CreateSnapshot, SnapshotFile};
use runhistory::client::HistoryClient;
use runhistory::project::walk::hash_bytes;
use runhistory::server::EmbeddedServer;
use runhistory::store::Store;
use std::sync::Arc;

struct Api {
    store: Arc<Store>,
    server: EmbeddedServer,
    _test_store: TestStore,
    _dir: tempfile::TempDir,
    client: HistoryClient,
    rt: tokio::runtime::Runtime,
}

/// A server over a new store of `rows`' kind; None where PostgreSQL is skipped.
fn api(rows: Rows) -> Option<Api> {
    let dir = tempfile::tempdir().unwrap();
    let test_store = common::store(rows, &dir.path().join("store"), "snapshot_api")?;
    let store = test_store.store.clone();
    let server = EmbeddedServer::start(store.clone(), None).unwrap();
    let client = HistoryClient::new(&server.url(), None).unwrap();
    Some(Api {
        store,
        server,
        _test_store: test_store,
        _dir: dir,
        client,
        rt: tokio::runtime::Runtime::new().unwrap(),
    })
}

fn put(api: &Api, hash: &str, body: &'static [u8]) -> (u16, serde_json::Value) {
    api.rt.block_on(async {
        let resp = reqwest::Client::new()
            .put(format!("{}/api/2.0/runhistory/blobs/{hash}", api.server.url()))
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or_default())
    })
}

fn a_content_is_stored_only_under_its_own_hash(rows: Rows) {
    let Some(api) = api(rows) else {
        return;
    };
    let right = hash_bytes(b"print(1)\n");
    let wrong = hash_bytes(b"something else");
    let (status, body) = put(&api, &wrong, b"print(1)\n");
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("does not match"), "{body}");
    let (status, body) = put(&api, "not-a-hash", b"x");
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error_code"], "INVALID_PARAMETER_VALUE");
    let missing = api
        .rt
        .block_on(api.client.missing_blobs(vec![right.clone(), wrong.clone()]))
        .unwrap();
    assert_eq!(missing, [right.clone(), wrong.clone()], "nothing was kept");
    assert_eq!(put(&api, &right, b"print(1)\n").0, 200);
    let missing = api
        .rt
        .block_on(api.client.missing_blobs(vec![right.clone(), wrong.clone()]))
        .unwrap();
    assert_eq!(missing, [wrong]);
    assert_eq!(api.rt.block_on(api.client.get_blob(&right)).unwrap(), b"print(1)\n");
}

fn a_snapshot_needs_its_contents_and_a_run_without_one_is_a_404(rows: Rows) {
    let Some(api) = api(rows) else {
        return;
    };
    let run = api
        .store
        .create_run(&CreateRunExt {
            experiment_name: Some("s".into()),
            ..Default::default()
        })
        .unwrap();
    let file = SnapshotFile {
        path: "train.py".into(),
        hash: hash_bytes(b"never uploaded"),
        size: 14,
        executable: false,
    };
    let req = CreateSnapshot {
        label: "run".into(),
        run_id: Some(run.run_id.clone()),
        files: vec![file],
    };
    let err = api.rt.block_on(api.client.create_snapshot(&req)).unwrap_err();
    assert!(err.to_string().contains("was not uploaded"), "{err}");
    let err = api.rt.block_on(api.client.run_snapshot(&run.run_id)).unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(err.to_string().contains("has no snapshot"), "{err}");
}

fn appends_grow_an_artifact_in_order(rows: Rows) {
    let Some(api) = api(rows) else {
        return;
    };
    let run = api
        .store
        .create_run(&CreateRunExt {
            experiment_name: Some("a".into()),
            ..Default::default()
        })
        .unwrap();
    for part in ["first\n", "second\n", "third\n"] {
        api.rt
            .block_on(api.client.append_artifact(&run.run_id, "driver_log.txt", part.into()))
            .unwrap();
    }
    let p = api.store.run_artifact_path(&run.run_id, "driver_log.txt").unwrap();
    let text = std::fs::read_to_string(api.store.artifact_file(&p).unwrap()).unwrap();
    assert_eq!(text, "first\nsecond\nthird\n");
    // An encoded slash keeps `../escape.txt` in one piece until the server, which refuses it.
    let (status, body) = api.rt.block_on(async {
        let resp = reqwest::Client::new()
            .post(format!(
                "{}/api/2.0/runhistory/runs/artifacts/{}/..%2Fescape.txt",
                api.server.url(),
                run.run_id
            ))
            .body("x")
            .send()
            .await
            .unwrap();
        (
            resp.status().as_u16(),
            resp.json::<serde_json::Value>().await.unwrap_or_default(),
        )
    });
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap_or("").contains("Invalid artifact path"),
        "{body}"
    );
}

on_both_databases!(
    a_content_is_stored_only_under_its_own_hash,
    a_snapshot_needs_its_contents_and_a_run_without_one_is_a_404,
    appends_grow_an_artifact_in_order,
);
