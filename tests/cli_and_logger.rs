//! The `runhistory` binary and the Rust logger against real servers and stores.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

use runhistory::client::logger::Logger;
use runhistory::server::EmbeddedServer;
use runhistory::store::Store;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

mod common;

use common::bin;

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn logger_delivers_and_the_cli_reads_the_store_directly() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let run_id;
    {
        let store = Arc::new(Store::open(&store_dir).unwrap());
        let server = EmbeddedServer::start(store.clone(), None).unwrap();
        let run = store
            .create_run(&runhistory::api::ext::CreateRunExt {
                experiment_name: Some("iris".into()),
                script_name: Some("iris.py".into()),
                ..Default::default()
            })
            .unwrap();
        run_id = run.run_id.clone();
        let mut logger = Logger::start(&server.url(), None, &run.run_id, Some(store_dir.join("spool"))).unwrap();
        logger.log("Regularization Rate", 0.078125);
        for i in 0..1000 {
            logger.log("loss", 1.0 / (i as f64 + 1.0));
        }
        logger.log("chart", vec![1.0, 3.0, 5.0]);
        logger.log("note", "a string value");
        logger.log_param("lr", "0.1");
        logger.log("Accuracy", 0.679245).wait().unwrap();
        logger.close();
        let p = store.run_artifact_path(&run.run_id, "outputs/model.pkl").unwrap();
        store.put_artifact(&p, b"model bytes").unwrap();
        store
            .update_run(&runhistory::api::ext::UpdateRunExt {
                run_id: run.run_id.clone(),
                status: Some("FINISHED".into()),
                ..Default::default()
            })
            .unwrap();
        let loss = &store.get_run(&run.run_id).unwrap().metrics["loss"];
        assert_eq!(loss.count, 1000);
    }
    // No server running now: the CLI reads the store folder itself.
    let table = run_ok(bin().args(["list", "-o", "table", "--store"]).arg(&store_dir));
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap()
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        header,
        [
            "Accuracy",
            "Regularization Rate",
            "chart",
            "loss",
            "Duration",
            "Name",
            "Run_id",
            "Script_name",
            "Start_time_utc",
            "Status"
        ],
        "{table}"
    );
    assert!(
        table.contains("0.679245") && table.contains("0.078125") && table.contains("Completed"),
        "{table}"
    );
    let info: serde_json::Value =
        serde_json::from_str(&run_ok(bin().args(["info", "-r", &run_id, "--store"]).arg(&store_dir))).unwrap();
    assert_eq!(info["Accuracy"], 0.679245);
    assert_eq!(info["note"], "a string value");
    assert_eq!(info["attachments"], "outputs/model.pkl");
    assert_eq!(info["script_name"], "iris.py");
    assert_eq!(info["run_number"], 1);
    let last: serde_json::Value =
        serde_json::from_str(&run_ok(bin().args(["last", "--store"]).arg(&store_dir))).unwrap();
    assert_eq!(last["run_id"], run_id.as_str());
    let artifact = run_ok(
        bin()
            .args(["info", "-r", &run_id, "-a", "outputs/model.pkl", "--store"])
            .arg(&store_dir),
    );
    assert_eq!(artifact, "model bytes");
    let dest = dir.path().join("dl");
    run_ok(
        bin()
            .args(["download", "-r", &run_id, "-d"])
            .arg(&dest)
            .arg("--store")
            .arg(&store_dir),
    );
    assert_eq!(std::fs::read(dest.join("outputs/model.pkl")).unwrap(), b"model bytes");
    // promote registers the run's outputs as the next version of a registered model.
    for want in ["1", "2"] {
        let promoted: serde_json::Value = serde_json::from_str(&run_ok(
            bin()
                .args([
                    "promote",
                    "-r",
                    &run_id,
                    "-ap",
                    "outputs",
                    "-n",
                    "iris-model",
                    "--store",
                ])
                .arg(&store_dir),
        ))
        .unwrap();
        assert_eq!(promoted["model_version"]["version"], want);
        assert_eq!(promoted["model_version"]["run_id"], run_id.as_str());
        assert_eq!(promoted["artifacts"], serde_json::json!(["outputs/model.pkl"]));
    }
    let nothing = bin()
        .args([
            "promote",
            "-r",
            &run_id,
            "-ap",
            "nothing",
            "-n",
            "iris-model",
            "--store",
        ])
        .arg(&store_dir)
        .output()
        .unwrap();
    assert!(!nothing.status.success());
    assert!(String::from_utf8_lossy(&nothing.stderr).contains("no artifacts under 'nothing'"));
    let table = run_ok(bin().args(["models", "--store"]).arg(&store_dir));
    let row = table.lines().find(|l| l.starts_with("iris-model")).unwrap_or_default();
    assert!(row.split_whitespace().nth(1) == Some("2"), "{table}");
    let versions: serde_json::Value = serde_json::from_str(&run_ok(
        bin()
            .args(["models", "iris-model", "-o", "json", "--store"])
            .arg(&store_dir),
    ))
    .unwrap();
    let numbers: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["2", "1"]);
    let unknown = bin()
        .args(["models", "nosuch", "--store"])
        .arg(&store_dir)
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    let missing = bin()
        .args(["info", "-r", "0123456789abcdef0123456789abcdef", "--store"])
        .arg(&store_dir)
        .output()
        .unwrap();
    assert!(!missing.status.success());
    let err = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(err.lines().count(), 1, "one-line error: {err}");
    let none = bin()
        .args(["list", "--store"])
        .arg(dir.path().join("nothing"))
        .output()
        .unwrap();
    assert!(!none.status.success());
}

#[test]
fn compare_marks_differences() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s")).unwrap();
    let mk = |acc: f64| {
        let r = store
            .create_run(&runhistory::api::ext::CreateRunExt {
                experiment_name: Some("e".into()),
                ..Default::default()
            })
            .unwrap();
        store
            .log_batch(
                &runhistory::api::LogBatch {
                    metrics: vec![
                        runhistory::api::Metric {
                            key: "acc".into(),
                            value: acc,
                            step: 0,
                            timestamp: 0,
                            ..Default::default()
                        },
                        runhistory::api::Metric {
                            key: "same".into(),
                            value: 1.0,
                            step: 0,
                            timestamp: 0,
                            ..Default::default()
                        },
                    ],
                    ..Default::default()
                },
                &r.run_id,
            )
            .unwrap();
        r.run_id
    };
    let (a, b) = (mk(0.5), mk(0.75));
    drop(store);
    let out = run_ok(bin().args(["compare", &a, &b, "--store"]).arg(dir.path().join("s")));
    let acc = out.lines().find(|l| l.contains(" acc ")).unwrap();
    let same = out.lines().find(|l| l.contains(" same ")).unwrap();
    assert!(
        acc.starts_with('*') && acc.contains("0.5") && acc.contains("0.75"),
        "{out}"
    );
    assert!(!same.starts_with('*'), "{out}");
}

#[test]
fn serve_prints_its_address_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    let server = common::serve(&["--store".as_ref(), store.as_os_str()]);
    let body = reqwest::blocking::get(format!("{}/health", server.url))
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(body, "OK");
}

#[test]
fn an_unreachable_server_spools_and_the_next_start_ingests_once() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let run_id = {
        let store = Store::open(&store_dir).unwrap();
        store.create_run(&Default::default()).unwrap().run_id
    };
    // Nothing listens on this port: a listener bound then dropped.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let started = std::time::Instant::now();
    let mut logger = Logger::start(&format!("http://{dead}"), None, &run_id, Some(store_dir.join("spool"))).unwrap();
    for i in 0..500 {
        logger.log_at("loss", i as f64, i);
    }
    assert!(started.elapsed() < Duration::from_millis(500), "log() never blocks");
    assert!(logger.log("x", 1.0).wait_timeout(Duration::from_millis(200)).is_err());
    logger.close();
    let store = Store::open(&store_dir).unwrap();
    assert_eq!(store.get_run(&run_id).unwrap().metrics["loss"].count, 500);
    drop(store);
    let store = Store::open(&store_dir).unwrap();
    assert_eq!(
        store.get_run(&run_id).unwrap().metrics["loss"].count,
        500,
        "a second start adds nothing"
    );
}

#[test]
fn a_store_typed_on_the_command_line_wins_over_a_server_in_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    {
        let store = Store::open(&store_dir).unwrap();
        store
            .create_run(&runhistory::api::ext::CreateRunExt {
                experiment_name: Some("typed".into()),
                run_name: Some("from-the-store".into()),
                ..Default::default()
            })
            .unwrap();
    }
    let unreachable = "http://127.0.0.1:9";
    let listed = run_ok(
        bin()
            .env("RUNHISTORY_SERVER", unreachable)
            .args(["list", "-o", "table", "--store"])
            .arg(&store_dir),
    );
    assert!(listed.contains("Completed") || listed.contains("Running"), "{listed}");
    // The environment alone still chooses the server (here, one that is not there).
    let from_env = bin()
        .env("RUNHISTORY_SERVER", unreachable)
        .args(["list"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!from_env.status.success());
    assert!(String::from_utf8_lossy(&from_env.stderr).contains("127.0.0.1:9"));
    // Typing both is refused rather than guessed.
    let both = bin()
        .args(["list", "--server", unreachable, "--store"])
        .arg(&store_dir)
        .output()
        .unwrap();
    assert!(!both.status.success());
    assert!(String::from_utf8_lossy(&both.stderr).contains("not both"));
}

#[test]
fn the_rust_logger_uploads_files_and_images_and_a_refused_file_holds_nothing_up() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path().join("store")).unwrap());
    let server = EmbeddedServer::start(store.clone(), None).unwrap();
    let run = store.create_run(&Default::default()).unwrap();
    let png = dir.path().join("cm.png");
    std::fs::write(&png, b"\x89PNG not really").unwrap();
    let mut logger = Logger::start(&server.url(), None, &run.run_id, None).unwrap();
    logger.log_at("loss", 0.5, 1);
    logger.upload("notes/a b+c.txt", "hello");
    logger.log_image("val/cm", &png, Some(3));
    logger.log_image("plain", &png, None);
    let escape = logger.upload("../outside.txt", "no");
    assert!(
        escape.wait_timeout(Duration::from_secs(1)).is_err(),
        "a path out of the run is refused"
    );
    let missing = logger.log_image("gone", &dir.path().join("missing.png"), None);
    assert!(missing.wait_timeout(Duration::from_secs(1)).is_err());
    // A name the server refuses (a part over 255 bytes): said by its wait(), and what follows
    // still goes; an image whose file is refused is not recorded.
    let long = "a".repeat(300);
    let refused = logger.upload(&format!("notes/{long}.txt"), "x");
    assert!(refused.wait_timeout(Duration::from_secs(10)).is_err());
    // At a step the image's file is named after it: too long a name for the server.
    let too_long = "c".repeat(300);
    assert!(
        logger
            .log_image(&too_long, &png, Some(1))
            .wait_timeout(Duration::from_secs(10))
            .is_err()
    );
    logger.log_at("loss", 0.4, 2).wait().unwrap();
    logger.close();
    let files: Vec<(String, u64)> = store.all_artifacts(&run.run_id).unwrap();
    let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert!(
        names.contains(&"notes/a b+c.txt") && names.contains(&"images/cm.png"),
        "{names:?}"
    );
    let stepped = names
        .iter()
        .find(|n| n.starts_with("images/val~cm+step+3+timestamp+") && n.ends_with(".png"))
        .unwrap_or_else(|| panic!("an image at step 3, named as MLflow names it: {names:?}"));
    let text = store
        .open_artifact(&store.run_artifact_path(&run.run_id, "notes/a b+c.txt").unwrap())
        .unwrap();
    let runhistory::store::file_space::Content::Path(p) = text else {
        panic!("a local store keeps files in its folder")
    };
    assert_eq!(std::fs::read_to_string(p).unwrap(), "hello");
    let detail = store.get_run(&run.run_id).unwrap();
    let image = &detail.values["val/cm"];
    assert_eq!(image.kind, "image");
    assert_eq!(image.value, serde_json::Value::String(stepped.to_string()));
    assert_eq!(detail.metrics["loss"].count, 2);
    assert!(!names.iter().any(|n| n.contains("outside") || n.contains(&long)));
    assert!(!detail.values.contains_key(&too_long) && !detail.values.contains_key("gone"));
}
