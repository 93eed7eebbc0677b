//! Tracked runs with real processes against a real embedded server and store: status and exit
//! codes, cancel, live output, outputs/ upload with the 512 MB rule, Lost runs, snapshot
//! deduplication, restore with its plan, undo and refused escapes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

use runhistory::api::ext::{RunDetail, RunStatus};
use runhistory::client::HistoryClient;
use runhistory::project::snapshot::{apply_restore, plan_restore};
use runhistory::project::{JobStatus, LaunchSpec, start};
use runhistory::server::EmbeddedServer;
use runhistory::store::Store;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Bench {
    dir: tempfile::TempDir,
    store: Arc<Store>,
    server: EmbeddedServer,
    client: HistoryClient,
    rt: tokio::runtime::Runtime,
}

impl Bench {
    fn new() -> Bench {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path().join("store")).unwrap());
        let server = EmbeddedServer::start(store.clone(), None).unwrap();
        let client = HistoryClient::new(&server.url(), None).unwrap();
        std::fs::create_dir_all(dir.path().join("project")).unwrap();
        Bench {
            dir,
            store,
            server,
            client,
            rt: tokio::runtime::Runtime::new().unwrap(),
        }
    }

    fn project(&self) -> PathBuf {
        self.dir.path().join("project")
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.project().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn spec(&self, script: &str, args: &[&str]) -> LaunchSpec {
        LaunchSpec {
            project: self.project(),
            script: script.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            experiment: "tracked".into(),
            run_id: None,
            echo: false,
            heartbeat: Duration::from_millis(500),
            max_snapshot_file: 1024 * 1024,
        }
    }

    /// Runs a script to its end; returns the run as stored.
    fn run(&self, script: &str, args: &[&str]) -> RunDetail {
        let v = self.rt.block_on(async {
            let mut job = start(self.client.clone(), self.spec(script, args)).await.unwrap();
            job.wait().await
        });
        self.store.get_run(&v.run_id).unwrap()
    }

    fn artifact(&self, run: &RunDetail, rel: &str) -> String {
        let p = self.store.run_artifact_path(&run.run_id, rel).unwrap();
        std::fs::read_to_string(self.store.artifact_file(&p).unwrap()).unwrap_or_default()
    }

    fn artifacts(&self, run: &RunDetail) -> Vec<String> {
        self.store
            .all_artifacts(&run.run_id)
            .unwrap()
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    }

    fn blob_count(&self) -> usize {
        fn count(p: &Path) -> usize {
            std::fs::read_dir(p)
                .map(|d| {
                    d.flatten()
                        .map(|e| if e.path().is_dir() { count(&e.path()) } else { 1 })
                        .sum()
                })
                .unwrap_or(0)
        }
        count(&self.store.root().join("blobs"))
    }
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn a_python_script_runs_tracked_and_completes_with_its_values_output_and_outputs() {
    let b = Bench::new();
    b.write(
        "train.py",
        r#"import os, sys
from runhistory import get_logger
logger = get_logger()
rate = float(sys.argv[1])
logger.log("Regularization Rate", rate)
logger.log("Accuracy", 0.9).wait()
print("args:", sys.argv[1:])
os.makedirs("outputs/sub", exist_ok=True)
open("outputs/model.txt", "w").write("weights")
open("outputs/sub/notes.txt", "w").write("nested")
"#,
    );
    git(&b.project(), &["init", "-q"]);
    git(&b.project(), &["add", "."]);
    git(&b.project(), &["commit", "-qm", "first"]);
    let run = b.run("train.py", &["0.5", "--flag with space"]);
    assert_eq!(
        run.status,
        RunStatus::Completed,
        "{}",
        b.artifact(&run, "driver_log.txt")
    );
    assert_eq!(run.exit_code, Some(0));
    assert_eq!(run.script_name.as_deref(), Some("train.py"));
    assert_eq!(run.arguments, ["0.5", "--flag with space"]);
    assert_eq!(run.metrics["Regularization Rate"].value.0, 0.5);
    assert_eq!(run.metrics["Accuracy"].value.0, 0.9);
    assert_eq!(run.properties.get("CommitId").map(String::len), Some(40));
    assert!(run.properties.contains_key("SnapshotId"));
    assert!(run.end_time.is_some());
    let log = b.artifact(&run, "driver_log.txt");
    assert!(log.contains("args: ['0.5', '--flag with space']"), "{log}");
    let arts = b.artifacts(&run);
    assert!(arts.contains(&"outputs/model.txt".to_string()), "{arts:?}");
    assert!(arts.contains(&"outputs/sub/notes.txt".to_string()), "{arts:?}");
    assert_eq!(b.artifact(&run, "outputs/model.txt"), "weights");
    assert!(
        !b.project().join("outputs").exists(),
        "runs write into their own working copy"
    );
}

#[test]
fn a_failing_script_keeps_its_exit_code() {
    let b = Bench::new();
    b.write("fail.sh", "echo \"spool into $RUNHISTORY_SPOOL\"\nexit 3\n");
    let run = b.run("fail.sh", &[]);
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.exit_code, Some(3));
    let log = b.artifact(&run, "driver_log.txt");
    // The logger's spool is the run's outbox in the project, never the server's store.
    let outbox = b.project().join(".runhistory").join("outbox").join(&run.run_id);
    assert!(log.contains(&format!("spool into {}", outbox.display())), "{log}");
    assert!(!log.contains(&b.store.root().display().to_string()), "{log}");
}

#[test]
fn what_the_script_spooled_is_sent_through_the_api_when_it_ends() {
    let b = Bench::new();
    // What a logger writes when the server is away: one ingest record per line, with a batch id.
    b.write(
        "record.jsonl",
        r#"{"op":"ingest","run_id":"RUN","batch_id":"b1","metrics":[{"key":"spooled","value":7,"timestamp":1,"step":0}]}"#,
    );
    b.write(
        "spool.sh",
        "mkdir -p \"$RUNHISTORY_SPOOL\"\nsed \"s/RUN/$RUNHISTORY_RUN_ID/\" record.jsonl > \"$RUNHISTORY_SPOOL/0001.jsonl\"\n",
    );
    let run = b.run("spool.sh", &[]);
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(run.metrics["spooled"].value.0, 7.0, "{:?}", run.metrics);
    let log = b.artifact(&run, "driver_log.txt");
    assert!(log.contains("sent 1 spooled records from 1 files"), "{log}");
    let outbox = b.project().join(".runhistory").join("outbox").join(&run.run_id);
    assert!(!outbox.exists(), "a delivered outbox is removed");
    assert!(
        !b.store.root().join("spool").exists(),
        "nothing was written into the server's store folder"
    );
}

#[test]
fn a_relative_project_path_still_sends_what_the_script_spooled() {
    // `runhistory run -C .`: the script runs in a working copy elsewhere, so a relative outbox
    // would land there and be lost with it.
    let dir = tempfile::tempdir().unwrap();
    let (store, project) = (dir.path().join("store"), dir.path().join("proj"));
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("record.jsonl"),
        r#"{"op":"ingest","run_id":"RUN","batch_id":"b1","metrics":[{"key":"spooled","value":7,"timestamp":1,"step":0}]}"#,
    )
    .unwrap();
    std::fs::write(
        project.join("spool.sh"),
        "mkdir -p \"$RUNHISTORY_SPOOL\"\nsed \"s/RUN/$RUNHISTORY_RUN_ID/\" record.jsonl > \"$RUNHISTORY_SPOOL/0001.jsonl\"\necho \"$RUNHISTORY_RUN_ID\"\n",
    )
    .unwrap();
    let out = cli(&store)
        .current_dir(&project)
        .args(["run", "-e", "rel", "-C", ".", "spool.sh"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    let id = text.lines().find(|l| l.trim().len() == 32).unwrap().trim().to_string();
    let out = cli(&store).args(["info", "-r", &id]).output().unwrap();
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["spooled"], 7.0, "{info}");
    assert!(!project.join(".runhistory/outbox").join(&id).exists());
}

#[test]
fn an_outbox_waits_while_the_server_says_not_now_and_goes_when_it_takes_it() {
    use runhistory::project::outbox::deliver;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path().join("store")).unwrap());
    let server = EmbeddedServer::start(store.clone(), Some("secret".into())).unwrap();
    let outbox = dir.path().join("outbox");
    std::fs::create_dir_all(&outbox).unwrap();
    let record = r#"{"op":"create_run","run_id":"0123456789abcdef0123456789abcdef","experiment_name":"ob","run_name":"spooled"}"#;
    std::fs::write(outbox.join("0001.jsonl"), format!("{record}\n")).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Not let in (401) is no refusal of the record: the file stays for a later try.
    let anonymous = HistoryClient::new(&server.url(), None).unwrap();
    let d = rt.block_on(deliver(&anonymous, &outbox)).unwrap();
    assert_eq!((d.files, d.refused, d.left), (0, 0, 1), "{d:?}");
    assert!(outbox.join("0001.jsonl").exists());
    assert!(!outbox.join("failed-0001.jsonl").exists());
    let client = HistoryClient::new(&server.url(), Some("secret".into())).unwrap();
    let d = rt.block_on(deliver(&client, &outbox)).unwrap();
    assert_eq!((d.files, d.records, d.refused, d.left), (1, 1, 0, 0), "{d:?}");
    assert_eq!(
        store.get_run("0123456789abcdef0123456789abcdef").unwrap().name,
        "spooled"
    );
}

#[test]
fn cancel_stops_the_script_and_the_run_ends_canceled() {
    let b = Bench::new();
    b.write("slow.sh", "echo started\nsleep 60\necho never\n");
    let t = Instant::now();
    let v = b.rt.block_on(async {
        let mut job = start(b.client.clone(), b.spec("slow.sh", &[])).await.unwrap();
        while !job.view().tail.iter().any(|l| l == "started") {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        job.cancel();
        job.wait().await
    });
    assert_eq!(v.status, JobStatus::Ended(RunStatus::Canceled));
    assert!(t.elapsed() < Duration::from_secs(20), "cancel took {:?}", t.elapsed());
    let run = b.store.get_run(&v.run_id).unwrap();
    assert_eq!(run.status, RunStatus::Canceled);
    assert!(!b.artifact(&run, "driver_log.txt").contains("never"));
}

#[test]
fn output_reaches_driver_log_while_the_script_still_runs() {
    let b = Bench::new();
    b.write(
        "steps.sh",
        "echo first line\nwhile [ ! -f \"$1\" ]; do sleep 0.05; done\necho second line\n",
    );
    let release = b.dir.path().join("release");
    let release_arg = release.to_string_lossy().to_string();
    let v = b.rt.block_on(async {
        let mut job = start(b.client.clone(), b.spec("steps.sh", &[&release_arg]))
            .await
            .unwrap();
        let run = b.store.get_run(&job.view().run_id).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !b.artifact(&run, "driver_log.txt").contains("first line") {
            assert!(Instant::now() < deadline, "the log never showed the first line");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(job.view().status, JobStatus::Running, "seen live, before the end");
        std::fs::write(&release, "go").unwrap();
        job.wait().await
    });
    let run = b.store.get_run(&v.run_id).unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    assert!(b.artifact(&run, "driver_log.txt").contains("second line"));
}

#[test]
fn an_output_over_512_mb_is_skipped_and_the_others_still_go() {
    let b = Bench::new();
    b.write(
        "big.sh",
        "mkdir -p outputs\ntruncate -s 600M outputs/huge.bin\necho kept > outputs/small.txt\nln -s /etc outputs/etc\nln -s /etc/hostname outputs/host\n",
    );
    let run = b.run("big.sh", &[]);
    assert_eq!(run.status, RunStatus::Completed);
    let arts = b.artifacts(&run);
    assert!(arts.contains(&"outputs/small.txt".to_string()), "{arts:?}");
    assert!(!arts.iter().any(|a| a.contains("huge")), "{arts:?}");
    assert!(
        !arts.iter().any(|a| a.contains("etc") || a.contains("host")),
        "links are not followed: {arts:?}"
    );
    let log = b.artifact(&run, "driver_log.txt");
    assert!(log.contains("outputs/huge.bin skipped"), "{log}");
    assert!(log.contains("512 MB"), "{log}");
}

#[test]
fn a_script_killed_outright_is_lost() {
    let b = Bench::new();
    b.write("die.sh", "echo dying\nkill -9 $$\n");
    let run = b.run("die.sh", &[]);
    assert_eq!(run.status, RunStatus::Lost);
    assert_eq!(run.exit_code, Some(137));
}

#[test]
fn a_killed_launcher_leaves_a_lost_run_within_two_heartbeats() {
    let b = Bench::new();
    b.write(
        "work.py",
        "import time\nfrom runhistory import get_logger\nget_logger().log('acked', 42).wait()\ntime.sleep(3)\n",
    );
    let mut launcher = Command::new(env!("CARGO_BIN_EXE_runhistory"))
        .args(["--server", &b.server.url(), "run", "--quiet", "-e", "lost", "-C"])
        .arg(b.project())
        .arg("work.py")
        .env("RUNHISTORY_HEARTBEAT_SECS", "0.5")
        .spawn()
        .unwrap();
    let exp = loop {
        if let Ok(e) = b.store.get_experiment_by_name("lost") {
            break e;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = loop {
        let s = b.store.experiment_summary(&exp.experiment_id, "").unwrap();
        if let Some(r) = s.runs.into_iter().next().filter(|r| r.metrics.contains_key("acked")) {
            break r;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(run.status, RunStatus::Running);
    launcher.kill().unwrap(); // SIGKILL: no chance to record anything
    launcher.wait().unwrap();
    let killed = Instant::now();
    while b.store.get_run(&run.run_id).unwrap().status != RunStatus::Lost {
        assert!(killed.elapsed() < Duration::from_secs(10), "still not Lost");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        b.store.get_run(&run.run_id).unwrap().metrics["acked"].value.0,
        42.0,
        "what the script had acknowledged is there"
    );
    // Two intervals of 0.5 s, plus the sweep every 0.5 s and the last heartbeat's age.
    assert!(
        killed.elapsed() < Duration::from_secs(3),
        "Lost after {:?}",
        killed.elapsed()
    );
}

#[test]
fn snapshots_store_each_content_once_across_runs() {
    let b = Bench::new();
    b.write("run.sh", "echo ok\n");
    b.write("data/params.txt", "lr=0.1\n");
    b.write(".gitignore", "ignored.txt\n");
    b.write("ignored.txt", "not snapshotted");
    let first = b.run("run.sh", &[]);
    let after_first = b.blob_count();
    assert_eq!(after_first, 3, "run.sh, data/params.txt, .gitignore");
    let second = b.run("run.sh", &[]);
    assert_eq!(b.blob_count(), after_first, "an unchanged project adds no content");
    b.write("data/params.txt", "lr=0.5\n");
    let third = b.run("run.sh", &[]);
    assert_eq!(b.blob_count(), after_first + 1, "one changed file adds one content");
    let snaps: Vec<_> = [&first, &second, &third]
        .iter()
        .map(|r| b.store.run_snapshot(&r.run_id).unwrap())
        .collect();
    assert_eq!(snaps[0].files, snaps[1].files);
    assert_ne!(snaps[1].files, snaps[2].files);
    assert!(!snaps[0].files.iter().any(|f| f.path == "ignored.txt"));
}

#[test]
fn restore_shows_its_plan_backs_up_and_can_be_undone() {
    let b = Bench::new();
    b.write("train.py", "reg = 0.01\n");
    b.write("keep.py", "same\n");
    b.write("gone.py", "deleted later\n");
    b.write("run.sh", "true\n");
    let run = b.run("run.sh", &[]);
    b.write("train.py", "reg = 0.5\n");
    b.write("added.py", "new file\n");
    std::fs::remove_file(b.project().join("gone.py")).unwrap();
    let snapshot = b.store.run_snapshot(&run.run_id).unwrap();
    let plan = plan_restore(&b.project(), &snapshot, 1 << 20).unwrap();
    assert_eq!(plan.overwrite, ["train.py"]);
    assert_eq!(plan.create, ["gone.py"]);
    assert_eq!(plan.remove, ["added.py"]);
    assert_eq!(plan.unchanged, 2);
    let backup =
        b.rt.block_on(apply_restore(&b.client, &b.project(), &snapshot, &plan, 1 << 20))
            .unwrap();
    let read = |rel: &str| std::fs::read_to_string(b.project().join(rel)).ok();
    assert_eq!(read("train.py").as_deref(), Some("reg = 0.01\n"));
    assert_eq!(read("gone.py").as_deref(), Some("deleted later\n"));
    assert_eq!(read("added.py"), None);
    // Undo: restore the backup taken just before.
    let undo = plan_restore(&b.project(), &backup, 1 << 20).unwrap();
    b.rt.block_on(apply_restore(&b.client, &b.project(), &backup, &undo, 1 << 20))
        .unwrap();
    assert_eq!(read("train.py").as_deref(), Some("reg = 0.5\n"));
    assert_eq!(read("added.py").as_deref(), Some("new file\n"));
    assert_eq!(read("gone.py"), None);
}

#[test]
fn restore_never_writes_outside_the_project() {
    let b = Bench::new();
    b.write("run.sh", "true\n");
    b.write("sub/x.txt", "inside\n");
    let run = b.run("run.sh", &[]);
    let outside = b.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();

    // A snapshot that names paths outside, written straight into the database.
    let snap = b.store.run_snapshot(&run.run_id).unwrap();
    let hash = snap.files[0].hash.clone();
    let db = rusqlite::Connection::open(b.store.root().join("runhistory.db")).unwrap();
    for evil in [
        "../outside/evil.txt",
        "/tmp/evil-absolute.txt",
        "sub/../../outside/e2.txt",
    ] {
        db.execute(
            "INSERT INTO snapshot_files (snapshot_id, path, hash, size, executable) VALUES (?1, ?2, ?3, 1, 0)",
            rusqlite::params![snap.snapshot_id, evil, hash],
        )
        .unwrap();
    }
    let hostile = b.store.get_snapshot(snap.snapshot_id).unwrap();
    let err = plan_restore(&b.project(), &hostile, 1 << 20).unwrap_err().to_string();
    assert!(err.contains("refusing to restore"), "{err}");
    assert!(err.contains("../outside/evil.txt"), "{err}");

    // A folder of the project replaced by a link to somewhere else.
    std::fs::remove_dir_all(b.project().join("sub")).unwrap();
    std::os::unix::fs::symlink(&outside, b.project().join("sub")).unwrap();
    let err = plan_restore(&b.project(), &snap, 1 << 20).unwrap_err().to_string();
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        0,
        "nothing written outside"
    );

    // The server refuses such paths in a new snapshot too.
    let req = runhistory::api::snapshot::CreateSnapshot {
        label: "run".into(),
        run_id: None,
        files: vec![runhistory::api::snapshot::SnapshotFile {
            path: "../escape.txt".into(),
            hash,
            size: 1,
            executable: false,
        }],
    };
    let refused = b.rt.block_on(b.client.create_snapshot(&req)).unwrap_err();
    assert!(refused.to_string().contains("Invalid artifact path"), "{refused}");
}

fn cli(store: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_runhistory"));
    c.arg("--store").arg(store);
    c
}

fn output_with_stdin(cmd: &mut Command, input: &str) -> (bool, String) {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn cli_run_detach_returns_the_run_id_at_once_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let (store, project) = (dir.path().join("store"), dir.path().join("proj"));
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("wait.sh"), "sleep 1\necho done waiting\n").unwrap();
    let t = Instant::now();
    let out = cli(&store)
        .args(["run", "--detach", "-e", "bg", "-C"])
        .arg(&project)
        .arg("wait.sh")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(t.elapsed() < Duration::from_secs(1), "detach waited {:?}", t.elapsed());
    let id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(id.len(), 32, "{id}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = cli(&store).args(["info", "-r", &id]).output().unwrap();
        let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if info["status"] == "Completed" {
            assert!(info["attachments"].as_str().unwrap().contains("driver_log.txt"));
            break;
        }
        assert!(Instant::now() < deadline, "detached run never completed: {info}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn cli_restore_previews_asks_and_prints_how_to_undo() {
    let dir = tempfile::tempdir().unwrap();
    let (store, project) = (dir.path().join("store"), dir.path().join("proj"));
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("train.sh"), "echo reg=0.01\n").unwrap();
    let status = cli(&store)
        .args(["run", "-q", "-e", "r", "-C"])
        .arg(&project)
        .arg("train.sh")
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::write(project.join("train.sh"), "echo reg=0.5\n").unwrap();
    let read = || std::fs::read_to_string(project.join("train.sh")).unwrap();

    let mut dry = cli(&store);
    dry.args(["restore", "-r", "1", "-e", "r", "--dry-run", "-C"])
        .arg(&project);
    let (ok, text) = output_with_stdin(&mut dry, "");
    assert!(ok, "{text}");
    assert!(text.contains("overwrite  train.sh"), "{text}");
    assert_eq!(read(), "echo reg=0.5\n", "a dry run changes nothing");

    let mut no = cli(&store);
    no.args(["restore", "-r", "1", "-e", "r", "-C"]).arg(&project);
    let (_, text) = output_with_stdin(&mut no, "n\n");
    assert!(text.contains("Restore? [y/N]"), "{text}");
    assert_eq!(read(), "echo reg=0.5\n", "answering no changes nothing");

    let mut yes = cli(&store);
    yes.args(["restore", "-r", "1", "-e", "r", "-C"]).arg(&project);
    let (ok, text) = output_with_stdin(&mut yes, "y\n");
    assert!(ok, "{text}");
    assert_eq!(read(), "echo reg=0.01\n");
    let undo = text
        .split("runhistory restore --snapshot ")
        .nth(1)
        .and_then(|t| t.split('`').next())
        .unwrap_or_else(|| panic!("no undo command in {text}"))
        .to_string();
    let status = cli(&store)
        .args(["restore", "--snapshot", &undo, "--yes", "-C"])
        .arg(&project)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(read(), "echo reg=0.5\n", "undone");
}
