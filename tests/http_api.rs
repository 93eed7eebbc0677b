//! End to end over real HTTP on 127.0.0.1:0 with a real store, each test on SQLite and on
//! PostgreSQL: MLflow shapes, errors, artifacts, auth.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::{Rows, TestStore};
use runhistory::server::EmbeddedServer;
use serde_json::{Value, json};

struct Env {
    server: EmbeddedServer,
    _store: TestStore,
    _dir: tempfile::TempDir,
    http: reqwest::blocking::Client,
}

/// A server over a new store of `rows`' kind; None where PostgreSQL is skipped.
fn start(rows: Rows, token: Option<&str>) -> Option<Env> {
    let dir = tempfile::tempdir().unwrap();
    let store = common::store(rows, &dir.path().join("store"), "http_api")?;
    let server = EmbeddedServer::start(store.store.clone(), token.map(String::from)).unwrap();
    Some(Env {
        server,
        _store: store,
        _dir: dir,
        http: reqwest::blocking::Client::new(),
    })
}

impl Env {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }
    fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self.http.post(self.url(path)).json(&body).send().unwrap();
        let status = r.status().as_u16();
        (status, r.json().unwrap_or(Value::Null))
    }
    fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).send().unwrap();
        let status = r.status().as_u16();
        (status, r.json().unwrap_or(Value::Null))
    }
    fn new_run(&self) -> (String, String) {
        let (_, e) = self.post(
            "/api/2.0/mlflow/experiments/create",
            json!({"name": format!("e{}", rand_suffix())}),
        );
        let exp = e["experiment_id"].as_str().unwrap().to_string();
        let (s, r) = self.post(
            "/api/2.0/mlflow/runs/create",
            json!({"experiment_id": exp, "start_time": 1}),
        );
        assert_eq!(s, 200, "{r}");
        (exp, r["run"]["info"]["run_id"].as_str().unwrap().to_string())
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

fn assert_error(status: u16, body: &Value, want_status: u16, code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error_code"], code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

fn runs_metrics_and_mlflow_shapes(rows: Rows) {
    let Some(env) = start(rows, None) else {
        return;
    };
    let (exp, run) = env.new_run();
    let (s, _) = env.post(
        "/api/2.0/mlflow/runs/log-batch",
        json!({"run_id": run, "metrics": [
            {"key": "loss", "value": 0.5, "timestamp": 10, "step": 1},
            {"key": "loss", "value": "NaN", "timestamp": 11, "step": 2},
            {"key": "loss", "value": "-Infinity", "timestamp": "12", "step": "3"}],
            "params": [{"key": "lr", "value": "0.1"}], "tags": [{"key": "t", "value": "v"}]}),
    );
    assert_eq!(s, 200);
    let (s, r) = env.get(&format!("/api/2.0/mlflow/runs/get?run_id={run}"));
    assert_eq!(s, 200);
    assert_eq!(r["run"]["info"]["experiment_id"], exp);
    assert_eq!(r["run"]["info"]["status"], "RUNNING");
    assert_eq!(
        r["run"]["info"]["artifact_uri"],
        format!("mlflow-artifacts:/{exp}/{run}/artifacts")
    );
    assert_eq!(
        r["run"]["data"]["metrics"],
        json!([{"key": "loss", "value": "-Infinity", "timestamp": 12, "step": 3}])
    );
    assert_eq!(r["run"]["data"]["params"], json!([{"key": "lr", "value": "0.1"}]));
    let (_, h) = env.get(&format!(
        "/api/2.0/mlflow/metrics/get-history?run_id={run}&metric_key=loss&max_results=2"
    ));
    assert_eq!(h["metrics"].as_array().unwrap().len(), 2);
    assert_eq!(h["metrics"][1]["value"], "NaN");
    let token = h["next_page_token"].as_str().unwrap();
    let (_, h2) = env.get(&format!(
        "/api/2.0/mlflow/metrics/get-history?run_id={run}&metric_key=loss&max_results=2&page_token={token}"
    ));
    assert_eq!(h2["metrics"].as_array().unwrap().len(), 1);
    assert!(h2.get("next_page_token").is_none());
    let (_, none) = env.get(&format!(
        "/api/2.0/mlflow/metrics/get-history?run_id={run}&metric_key=nothing"
    ));
    assert_eq!(none, json!({}));
    let (s, u) = env.post(
        "/api/2.0/mlflow/runs/update",
        json!({"run_id": run, "status": "FINISHED", "end_time": 99}),
    );
    assert_eq!(s, 200);
    assert_eq!(u["run_info"]["status"], "FINISHED");
    assert_eq!(u["run_info"]["end_time"], 99);
    let (_, found) = env.post(
        "/api/2.0/mlflow/runs/search",
        json!({"experiment_ids": [exp], "filter": "params.lr = '0.1' AND (attributes.status = 'FINISHED' OR metrics.loss > 5)"}),
    );
    assert_eq!(found["runs"].as_array().unwrap().len(), 1);
    let (_, bulk) = env.get(&format!(
        "/api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids={run}&metric_key=loss&max_results=2"
    ));
    let steps: Vec<i64> = bulk["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["step"].as_i64().unwrap())
        .collect();
    // MLflow's sampling: 2 steps strided over the 3 logged (1, 2), the last (3), and each run's
    // first and last step.
    assert_eq!(steps, vec![1, 2, 3], "first and last step are kept");
    assert_eq!(bulk["metrics"][0]["run_id"], run);
}

fn bad_requests_are_4xx_json_and_store_nothing(rows: Rows) {
    let Some(env) = start(rows, None) else {
        return;
    };
    let (_, run) = env.new_run();
    let raw = env
        .http
        .post(env.url("/api/2.0/mlflow/runs/log-batch"))
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    assert_eq!(raw.json::<Value>().unwrap()["error_code"], "INVALID_PARAMETER_VALUE");
    let no_type = env
        .http
        .post(env.url("/api/2.0/mlflow/runs/log-batch"))
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(no_type.status().as_u16(), 400);
    let (s, b) = env.post(
        "/api/2.0/mlflow/runs/log-metric",
        json!({"key": "x", "value": 1, "timestamp": 1}),
    );
    assert_error(s, &b, 400, "INVALID_PARAMETER_VALUE");
    assert!(b["message"].as_str().unwrap().contains("'run_id'"));
    let (s, b) = env.post(
        "/api/2.0/mlflow/runs/log-metric",
        json!({"run_id": run, "key": "x", "value": [1], "timestamp": 1}),
    );
    assert_error(s, &b, 400, "INVALID_PARAMETER_VALUE");
    // A wrongly typed value deep in a large body: the refusal names its path and that value only.
    let mut metrics: Vec<Value> = (0..10_000)
        .map(|i| json!({"key": format!("m{i}"), "value": i, "timestamp": 1, "step": 0}))
        .collect();
    metrics[7]["value"] = json!("seven");
    let (s, b) = env.post(
        "/api/2.0/mlflow/runs/log-batch",
        json!({"run_id": run, "metrics": metrics}),
    );
    assert_error(s, &b, 400, "INVALID_PARAMETER_VALUE");
    let message = b["message"].as_str().unwrap();
    assert!(
        message.starts_with("Invalid value \"seven\" for parameter 'metrics[7].value' supplied"),
        "{message}"
    );
    assert!(message.len() < 400, "{message}");
    let (s, b) = env.get("/api/2.0/mlflow/runs/get?run_id=doesnotexist");
    assert_error(s, &b, 404, "RESOURCE_DOES_NOT_EXIST");
    let (s, b) = env.post(
        "/api/2.0/mlflow/runs/log-batch",
        json!({"run_id": run, "params": [{"key": "k".repeat(300), "value": "v"}]}),
    );
    assert_error(s, &b, 400, "INVALID_PARAMETER_VALUE");
    let (s, b) = env.post(
        "/api/2.0/mlflow/runs/log-batch",
        json!({"run_id": run, "metrics": [{"key": "ok", "value": 1, "timestamp": 1}], "params": [{"key": "p", "value": "v".repeat(7000)}]}),
    );
    assert_error(s, &b, 400, "INVALID_PARAMETER_VALUE");
    let (_, r) = env.get(&format!("/api/2.0/mlflow/runs/get?run_id={run}"));
    assert!(
        r["run"]["data"].get("metrics").is_none(),
        "the refused batch left nothing behind: {r}"
    );
    let (s, b) = env.post(
        "/api/2.0/mlflow/runs/search",
        json!({"experiment_ids": ["0"], "filter": "metrics.x >>> 1"}),
    );
    assert_error(s, &b, 400, "INVALID_PARAMETER_VALUE");
    let (s, b) = env.post(
        "/api/2.0/mlflow/runs/search",
        json!({"experiment_ids": ["0"], "max_results": 50001}),
    );
    assert_error(s, &b, 400, "INVALID_PARAMETER_VALUE");
    let (s, b) = env.post("/api/2.0/mlflow/experiments/create", json!({"name": "Default"}));
    assert_error(s, &b, 400, "RESOURCE_ALREADY_EXISTS");
    let (s, b) = env.get("/api/2.0/mlflow/no-such-endpoint");
    assert_error(s, &b, 404, "ENDPOINT_NOT_FOUND");
    let r = env.http.delete(env.url("/api/2.0/mlflow/runs/get")).send().unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert!(r.json::<Value>().unwrap()["error_code"].is_string());
    let (s, b) = env.get("/api/2.0/mlflow/experiments/get?experiment_id=abc");
    assert_error(s, &b, 400, "INVALID_PARAMETER_VALUE");
}

fn artifacts_round_trip_and_escapes_are_refused(rows: Rows) {
    let Some(env) = start(rows, None) else {
        return;
    };
    let (exp, run) = env.new_run();
    let base = format!("/api/2.0/mlflow-artifacts/artifacts/{exp}/{run}/artifacts");
    let put = env
        .http
        .put(env.url(&format!("{base}/d/hello.txt")))
        .body("hello world")
        .send()
        .unwrap();
    assert_eq!(put.status().as_u16(), 200);
    let got = env.http.get(env.url(&format!("{base}/d/hello.txt"))).send().unwrap();
    assert_eq!(got.headers()["content-type"], "text/plain");
    assert_eq!(got.text().unwrap(), "hello world");
    let (_, list) = env.get(&format!(
        "/api/2.0/mlflow-artifacts/artifacts?path={exp}/{run}/artifacts"
    ));
    assert_eq!(list, json!({"files": [{"path": "d", "is_dir": true}]}));
    let (_, list) = env.get(&format!(
        "/api/2.0/mlflow-artifacts/artifacts?path={exp}/{run}/artifacts/d"
    ));
    assert_eq!(
        list,
        json!({"files": [{"path": "hello.txt", "is_dir": false, "file_size": 11}]})
    );
    let (s, b) = env.get(&format!("{base}/missing.txt"));
    assert_error(s, &b, 404, "RESOURCE_DOES_NOT_EXIST");
    for evil in [
        "..%2F..%2Fescape.txt",
        "d/..%2F..%2F..%2Fescape.txt",
        "%2Fetc%2Fpasswd",
        "a%00b",
    ] {
        let r = env
            .http
            .put(env.url(&format!("{base}/{evil}")))
            .body("x")
            .send()
            .unwrap();
        let status = r.status().as_u16();
        assert!((400..500).contains(&status), "{evil}: {status}");
        assert!(r.json::<Value>().unwrap()["error_code"].is_string(), "{evil}");
    }
    let store_root = env._dir.path().join("store");
    assert!(!store_root.join("artifacts").join(&exp).join("escape.txt").exists());
    // `%2E%2E` is `..` to the client, which resolves it before sending: the path that arrives is
    // `<exp>/<run>/x`, inside the artifact root, where MLflow's proxy writes it too.
    let r = env
        .http
        .put(env.url(&format!("{base}/%2E%2E/x")))
        .body("x")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(store_root.join("artifacts").join(&exp).join(&run).join("x").is_file());
    let big = env
        .http
        .put(env.url(&format!("{base}/big.bin")))
        .body(reqwest::blocking::Body::sized(
            std::io::Read::take(std::io::repeat(0), 600 * 1024 * 1024),
            600 * 1024 * 1024,
        ))
        .send();
    // Either refused from the declared length, or the connection is cut: never stored.
    if let Ok(r) = big {
        assert_eq!(r.status().as_u16(), 413);
    }
    assert!(
        env.http
            .get(env.url(&format!("{base}/big.bin")))
            .send()
            .unwrap()
            .status()
            .as_u16()
            == 404
    );
    // The proxy deletes inside a run's artifacts, never the run, its folder or the experiment.
    for whole in [
        exp.clone(),
        format!("{exp}/{run}"),
        format!("{exp}/{run}/artifacts"),
        format!("{exp}/models"),
    ] {
        let r = env
            .http
            .delete(env.url(&format!("/api/2.0/mlflow-artifacts/artifacts/{whole}")))
            .send()
            .unwrap();
        let status = r.status().as_u16();
        assert_error(status, &r.json().unwrap(), 400, "INVALID_PARAMETER_VALUE");
    }
    assert!(
        store_root
            .join("artifacts")
            .join(&exp)
            .join(&run)
            .join("artifacts/d/hello.txt")
            .is_file()
    );
    let del = env.http.delete(env.url(&format!("{base}/d/hello.txt"))).send().unwrap();
    assert_eq!(del.status().as_u16(), 200);
    let (s, _) = env.get(&format!("{base}/d/hello.txt"));
    assert_eq!(s, 404);
    // A path outside every experiment's folder is the proxy's to delete, as MLflow's is.
    let free = "/api/2.0/mlflow-artifacts/artifacts/shared/notes.txt";
    assert_eq!(
        env.http.put(env.url(free)).body("n").send().unwrap().status().as_u16(),
        200
    );
    assert_eq!(env.http.delete(env.url(free)).send().unwrap().status().as_u16(), 200);
}

fn a_token_is_required_when_configured(rows: Rows) {
    let Some(env) = start(rows, Some("s3cret")) else {
        return;
    };
    let (s, b) = env.get("/api/2.0/mlflow/experiments/get?experiment_id=0");
    assert_error(s, &b, 401, "UNAUTHENTICATED");
    let wrong = env.http.get(env.url("/health")).bearer_auth("nope").send().unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let ok = env
        .http
        .get(env.url("/api/2.0/mlflow/experiments/get?experiment_id=0"))
        .bearer_auth("s3cret")
        .send()
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
}

fn extensions_ingest_downsample_summary_and_heartbeats(rows: Rows) {
    let Some(env) = start(rows, None) else {
        return;
    };
    let p = runhistory::api::routes::PREFIX;
    let (s, r) = env.post(
        &format!("{p}/runs/create"),
        json!({"experiment_name": "ext", "script_name": "train.py", "arguments": ["0.5"]}),
    );
    assert_eq!(s, 200, "{r}");
    let run = r["run"]["run_id"].as_str().unwrap().to_string();
    assert_eq!(r["run"]["run_number"], 1);
    let values: Vec<f64> = (0..20_000).map(|i| (i as f64).sin()).collect();
    let (s, r) = env.post(
        &format!("{p}/runs/ingest"),
        json!({"run_id": run, "batch_id": "b1", "series": [{"key": "wave", "values": values}],
               "values": [{"key": "note", "kind": "string", "value": "hi"}]}),
    );
    assert_eq!((s, r["points"].as_u64()), (200, Some(20_000)));
    let (_, again) = env.post(
        &format!("{p}/runs/ingest"),
        json!({"run_id": run, "batch_id": "b1", "series": [{"key": "wave", "values": [1]}]}),
    );
    assert_eq!(again["duplicate"], true);
    let (_, d) = env.get(&format!("{p}/metrics/downsample?run_id={run}&key=wave&buckets=500"));
    assert_eq!(d["total_points"], 20_000);
    assert_eq!(d["buckets"].as_array().unwrap().len(), 500);
    let (s, c) = env.post(
        &format!("{p}/metrics/downsample-runs"),
        json!({"key": "wave", "run_ids": [run, "gone"], "buckets": 100}),
    );
    assert_eq!(s, 200, "{c}");
    assert_eq!(
        (c["x"].as_str(), c["series"].as_array().unwrap().len()),
        (Some("step"), 1)
    );
    assert_eq!(
        (
            c["series"][0]["total_points"].as_u64(),
            c["series"][0]["max"].as_array().unwrap().len()
        ),
        (Some(20_000), 100)
    );
    // The workbench's binary form holds the same columns, bit for bit.
    let binary = runhistory::api::curves_binary::MEDIA_TYPE;
    let raw = env
        .http
        .post(env.url(&format!("{p}/metrics/downsample-runs")))
        .header("Accept", format!("{binary}, application/json"))
        .json(&json!({"key": "wave", "run_ids": [run, "gone"], "buckets": 100}))
        .send()
        .unwrap();
    assert_eq!(raw.headers()["content-type"], binary);
    let packed = runhistory::api::curves_binary::decode(&raw.bytes().unwrap()).unwrap();
    let from_json: runhistory::api::curves::Curves = serde_json::from_value(c.clone()).unwrap();
    assert_eq!(packed.series.len(), 1);
    let (a, b) = (&packed.series[0], &from_json.series[0]);
    let bits = |v: &[runhistory::api::ext::Num]| v.iter().map(|n| n.0.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        (bits(&a.min), bits(&a.max), bits(&a.last)),
        (bits(&b.min), bits(&b.max), bits(&b.last))
    );
    assert_eq!(
        (&a.x_first, &a.count, a.total_points),
        (&b.x_first, &b.count, b.total_points)
    );
    for (body, why) in [
        (json!({"key": "wave", "run_ids": [run], "buckets": 0}), "no buckets"),
        (
            json!({"key": "wave", "run_ids": [run], "buckets": 10, "x": "epoch"}),
            "an unknown x",
        ),
        (json!({"run_ids": [run], "buckets": 10}), "no key"),
        (
            json!({"key": "wave", "run_ids": "not a list", "buckets": 10}),
            "a malformed body",
        ),
    ] {
        let (s, e) = env.post(&format!("{p}/metrics/downsample-runs"), body);
        assert_eq!(s, 400, "{why}: {e}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{why}: {e}");
    }
    let (s, at) = env.post(&format!("{p}/metrics/at-step"), json!({"run_ids": [run], "step": 7}));
    assert_eq!((s, &at["values"][0]["value"]), (200, &json!(7f64.sin())), "{at}");
    let (s, e) = env.post(&format!("{p}/metrics/at-step"), json!({"run_ids": [run], "step": "x"}));
    assert_eq!((s, e["message"].is_string()), (400, true), "{e}");
    let (_, summary) = env.get(&format!("{p}/experiments/summary?experiment_id={}", r_exp(&env, &run)));
    assert_eq!(summary["runs"][0]["metrics"]["wave"]["count"], 20_000);
    let max = summary["runs"][0]["metrics"]["wave"]["max"].as_f64().unwrap();
    let want = (0..20_000).map(|i| (i as f64).sin()).fold(f64::MIN, f64::max);
    assert_eq!(max, want, "the series' greatest value beside its latest");
    assert_eq!(summary["runs"][0]["values"]["note"]["value"], "hi");
    let (s, _) = env.post(
        &format!("{p}/runs/heartbeat"),
        json!({"run_id": run, "interval_secs": 0.1}),
    );
    assert_eq!(s, 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let (_, r) = env.get(&format!("{p}/runs/get?run_id={run}"));
        if r["run"]["status"] == "Lost" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "run never became Lost: {}",
            r["run"]["status"]
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (s, b) = env.post(
        &format!("{p}/runs/ingest"),
        json!({"run_id": run, "values": [{"key": "bad", "kind": "video", "value": 1}]}),
    );
    assert_error(s, &b, 400, "INVALID_PARAMETER_VALUE");
}

fn r_exp(env: &Env, run: &str) -> String {
    let (_, r) = env.get(&format!("{}/runs/get?run_id={run}", runhistory::api::routes::PREFIX));
    r["run"]["experiment_id"].as_str().unwrap().to_string()
}

fn the_ui_upload_takes_up_to_ten_megabytes_and_refuses_escapes(rows: Rows) {
    let Some(env) = start(rows, None) else {
        return;
    };
    let (exp, run) = env.new_run();
    let upload = |path: &str, bytes: Vec<u8>| {
        env.http
            .post(env.url(&format!(
                "/ajax-api/2.0/mlflow/upload-artifact?run_uuid={run}&path={path}"
            )))
            .body(bytes)
            .send()
            .unwrap()
    };
    let r = upload("plots/a.bin", vec![7u8; 5 * 1024 * 1024]);
    assert_eq!(r.status().as_u16(), 200, "{:?}", r.text());
    let stored = env
        ._dir
        .path()
        .join("store/artifacts")
        .join(&exp)
        .join(&run)
        .join("artifacts/plots/a.bin");
    let stored_dir = stored.parent().unwrap().parent().unwrap().to_path_buf();
    assert_eq!(std::fs::metadata(stored).unwrap().len(), 5 * 1024 * 1024);
    // Refused with a JSON 413, the rest of the body read and dropped: the connection stays usable.
    let big = env
        .http
        .post(env.url(&format!(
            "/ajax-api/2.0/mlflow/upload-artifact?run_uuid={run}&path=big.bin"
        )))
        .body(vec![0u8; 11 * 1024 * 1024])
        .send()
        .unwrap();
    assert_eq!(big.status().as_u16(), 413);
    assert!(big.json::<Value>().unwrap()["error_code"].is_string());
    assert!(!stored_dir.join("big.bin").exists());
    let r = upload("..%2Fx", vec![1]);
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.json::<Value>().unwrap()["message"], "Invalid path");
}

on_both_databases!(
    runs_metrics_and_mlflow_shapes,
    bad_requests_are_4xx_json_and_store_nothing,
    artifacts_round_trip_and_escapes_are_refused,
    a_token_is_required_when_configured,
    extensions_ingest_downsample_summary_and_heartbeats,
    the_ui_upload_takes_up_to_ten_megabytes_and_refuses_escapes,
);
