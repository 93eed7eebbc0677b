//! A tracked run: creates the run, snapshots the project, runs the script in a working copy with
//! the run in its environment, streams its output live into `driver_log.txt`, heartbeats while it
//! lives, uploads `outputs/` and records how it ended. The CLI, the demo and the jobs panel share it.

use super::ProjectError;
use super::outbox::{deliver, deliver_leftovers, outbox_dir};
use super::output::{LogSink, pump};
use super::process::{classify, command_for, git_commit, terminate};
use super::snapshot::take_snapshot;
use super::workcopy::{materialize, upload_outputs, working_dir};
use crate::api::KeyValue;
use crate::api::ext::{CreateRunExt, RunStatus, UpdateRunExt};
use crate::client::HistoryClient;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, watch};

/// Default time between heartbeats; a run is Lost after two silent intervals.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(5);
/// The heartbeat interval of tracked runs: RUNHISTORY_HEARTBEAT_SECS, or five seconds.
pub fn heartbeat_from_env() -> Duration {
    std::env::var("RUNHISTORY_HEARTBEAT_SECS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| *s >= 0.1)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_HEARTBEAT)
}

#[derive(Debug, Clone)]
pub struct LaunchSpec {
    pub project: PathBuf,
    /// The script, relative to the project folder.
    pub script: String,
    pub args: Vec<String>,
    pub experiment: String,
    /// A run id chosen beforehand (a detached launch creates the run first).
    pub run_id: Option<String>,
    /// Copy the script's output to this process's stdout and stderr.
    pub echo: bool,
    pub heartbeat: Duration,
    pub max_snapshot_file: u64,
}

impl LaunchSpec {
    /// A run of `script` with `args`, its output not echoed, heartbeat and snapshot cap from the
    /// environment (RUNHISTORY_HEARTBEAT_SECS, RUNHISTORY_SNAPSHOT_MAX_FILE_BYTES).
    pub fn new(project: &Path, script: &str, args: Vec<String>, experiment: String) -> LaunchSpec {
        LaunchSpec {
            project: project.to_path_buf(),
            script: script.into(),
            args,
            experiment,
            run_id: None,
            echo: false,
            heartbeat: heartbeat_from_env(),
            max_snapshot_file: super::walk::snapshot_cap_from_env(),
        }
    }
}

/// Where a job is; the terminal states are those of its run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JobStatus {
    Starting,
    Running,
    Ended(RunStatus),
}

impl JobStatus {
    pub fn label(self) -> &'static str {
        match self {
            JobStatus::Starting => "Starting",
            JobStatus::Running => "Running",
            JobStatus::Ended(s) => s.label(),
        }
    }

    pub fn is_done(self) -> bool {
        matches!(self, JobStatus::Ended(_))
    }
}

/// What the jobs panel shows of a job: plain data, copied out under a lock.
#[derive(Debug, Clone)]
pub struct JobView {
    pub run_id: String,
    pub run_number: i64,
    pub experiment_id: String,
    pub script: String,
    pub args: Vec<String>,
    pub status: JobStatus,
    pub exit_code: Option<i32>,
    pub started: Instant,
    pub ended: Option<Instant>,
    /// The last lines of output.
    pub tail: Vec<String>,
}

impl JobView {
    pub fn elapsed(&self, now: Instant) -> Duration {
        self.ended.unwrap_or(now).saturating_duration_since(self.started)
    }
}

/// A started tracked run.
pub struct Job {
    view: Arc<Mutex<JobView>>,
    sink: Arc<LogSink>,
    cancel: Arc<Notify>,
    done: watch::Receiver<bool>,
}

impl Job {
    pub fn view(&self) -> JobView {
        let mut v = self.view.lock().unwrap_or_else(|p| p.into_inner()).clone();
        v.tail = self.sink.tail();
        v
    }

    /// Asks the script to stop (SIGTERM, then SIGKILL after a grace period); the run ends Canceled.
    pub fn cancel(&self) {
        self.cancel.notify_one();
    }

    /// Waits until the run is recorded as ended.
    pub async fn wait(&mut self) -> JobView {
        let _ = self.done.wait_for(|d| *d).await;
        self.view()
    }
}

/// Creates the run and starts the job; returns once the run exists (its id and number are known).
pub async fn start(client: HistoryClient, mut spec: LaunchSpec) -> Result<Job, ProjectError> {
    // The script runs in a working copy elsewhere: its outbox must still be the project's.
    spec.project = std::path::absolute(&spec.project).map_err(|e| ProjectError::file(spec.project.display(), e))?;
    let script_path = spec.project.join(&spec.script);
    if !script_path.is_file() {
        return Err(ProjectError::Refused(format!(
            "no script '{}' in {}",
            spec.script,
            spec.project.display()
        )));
    }
    let project = spec.project.clone();
    let commit = tokio::task::spawn_blocking(move || git_commit(&project))
        .await
        .ok()
        .flatten();
    let req = CreateRunExt {
        run_id: spec.run_id.clone(),
        experiment_name: Some(spec.experiment.clone()),
        script_name: Some(spec.script.clone()),
        arguments: spec.args.clone(),
        user_id: std::env::var("USER").ok(),
        start_time: Some(crate::api::ids::now_ms()),
        target: Some("local".into()),
        properties: commit
            .map(|c| KeyValue {
                key: "CommitId".into(),
                value: c,
            })
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let run = client.create_run(&req).await?;
    client.heartbeat(&run.run_id, spec.heartbeat.as_secs_f64()).await?;
    let view = Arc::new(Mutex::new(JobView {
        run_id: run.run_id.clone(),
        run_number: run.run_number,
        experiment_id: run.experiment_id.clone(),
        script: spec.script.clone(),
        args: spec.args.clone(),
        status: JobStatus::Starting,
        exit_code: None,
        started: Instant::now(),
        ended: None,
        tail: Vec::new(),
    }));
    let sink = Arc::new(LogSink::new(spec.echo));
    let cancel = Arc::new(Notify::new());
    let (done_tx, done) = watch::channel(false);
    let driver = Driver {
        client,
        spec,
        run_id: run.run_id,
        view: view.clone(),
        sink: sink.clone(),
        cancel: cancel.clone(),
    };
    tokio::spawn(async move {
        driver.drive().await;
        let _ = done_tx.send(true);
    });
    Ok(Job {
        view,
        sink,
        cancel,
        done,
    })
}

struct Driver {
    client: HistoryClient,
    spec: LaunchSpec,
    run_id: String,
    view: Arc<Mutex<JobView>>,
    sink: Arc<LogSink>,
    cancel: Arc<Notify>,
}

impl Driver {
    fn set(&self, f: impl FnOnce(&mut JobView)) {
        f(&mut self.view.lock().unwrap_or_else(|p| p.into_inner()));
    }

    async fn drive(self) {
        let heartbeat = {
            let (client, run_id, every) = (self.client.clone(), self.run_id.clone(), self.spec.heartbeat);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    let _ = client.heartbeat(&run_id, every.as_secs_f64()).await;
                }
            })
        };
        let flusher = self.sink.spawn_flusher(self.client.clone(), self.run_id.clone());
        let work = working_dir(&self.run_id);
        // What the script's logger cannot deliver waits in the run's outbox (never in the working
        // copy, never in the server's store): sent on through the API when the script ends.
        for line in deliver_leftovers(&self.client, &self.spec.project).await {
            self.sink.note(&line);
        }
        let outbox = outbox_dir(&self.spec.project, &self.run_id);
        let (status, code) = match self.prepare(&work).await {
            Ok(()) => self.run_script(&work, &outbox).await,
            Err(e) => {
                self.sink.note(&format!("could not start the script: {e}"));
                (RunStatus::Failed, None)
            }
        };
        for line in upload_outputs(&self.client, &self.run_id, &work).await {
            self.sink.note(&line);
        }
        match deliver(&self.client, &outbox).await {
            Ok(d) => {
                if let Some(line) = d.note(&outbox) {
                    self.sink.note(&line);
                }
            }
            Err(e) => self.sink.note(&format!("could not send the spooled values: {e}")),
        }
        self.sink.note(&format!(
            "run ended: {}{}",
            status.label(),
            code.map(|c| format!(" (exit code {c})")).unwrap_or_default()
        ));
        flusher.finish().await;
        self.sink.flush(&self.client, &self.run_id).await;
        let update = UpdateRunExt {
            run_id: self.run_id.clone(),
            status: Some(status.db_name().into()),
            end_time: Some(crate::api::ids::now_ms()),
            exit_code: code.map(i64::from),
            ..Default::default()
        };
        if let Err(e) = self.client.update_run(&update).await {
            self.sink.note(&format!("could not record the end of the run: {e}"));
        }
        heartbeat.abort();
        let _ = tokio::fs::remove_dir_all(&work).await;
        self.set(|v| {
            v.status = JobStatus::Ended(status);
            v.exit_code = code;
            v.ended = Some(Instant::now());
        });
    }

    /// Snapshot, working copy and the Python client; a failed snapshot is noted, not fatal.
    async fn prepare(&self, work: &Path) -> Result<(), ProjectError> {
        let project = &self.spec.project;
        let snapshot = take_snapshot(
            &self.client,
            project,
            "run",
            Some(&self.run_id),
            self.spec.max_snapshot_file,
        )
        .await;
        let walk = match snapshot {
            Ok(t) => {
                self.sink.note(&format!(
                    "snapshot {} of the project: {} files ({} new contents stored)",
                    t.snapshot.snapshot_id,
                    t.snapshot.files.len(),
                    t.uploaded
                ));
                for s in &t.walk.skipped {
                    self.sink
                        .note(&format!("not in the snapshot: {} ({})", s.rel, s.reason));
                }
                t.walk
            }
            Err(e) => {
                self.sink.note(&format!("no snapshot of the project: {e}"));
                let cap = self.spec.max_snapshot_file;
                let p = project.clone();
                tokio::task::spawn_blocking(move || super::walk::walk(&p, cap)).await??
            }
        };
        let (p, w) = (project.clone(), work.to_path_buf());
        tokio::task::spawn_blocking(move || materialize(&p, &walk, &w))
            .await?
            .map_err(|e| ProjectError::file("working copy", e))
    }

    async fn run_script(&self, work: &Path, outbox: &Path) -> (RunStatus, Option<i32>) {
        let (program, mut args) = command_for(&work.join(&self.spec.script));
        args.extend(self.spec.args.iter().cloned());
        let mut cmd = tokio::process::Command::new(&program);
        cmd.args(&args)
            .current_dir(work)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        self.child_env(&mut cmd, outbox);
        #[cfg(unix)]
        cmd.process_group(0);
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                self.sink.note(&format!("could not start {}: {e}", program.display()));
                return (RunStatus::Failed, None);
            }
        };
        self.set(|v| v.status = JobStatus::Running);
        let out = child
            .stdout
            .take()
            .map(|s| tokio::spawn(pump(s, self.sink.clone(), false)));
        let err = child
            .stderr
            .take()
            .map(|s| tokio::spawn(pump(s, self.sink.clone(), true)));
        let mut canceled = false;
        let status = tokio::select! {
            s = child.wait() => s,
            _ = self.cancel.notified() => {
                canceled = true;
                self.sink.note("canceled: stopping the script");
                terminate(&mut child).await
            }
        };
        for pipe in [out, err].into_iter().flatten() {
            // A grandchild may hold the pipe open; do not wait for it forever.
            let _ = tokio::time::timeout(Duration::from_secs(2), pipe).await;
        }
        match status {
            Ok(s) => classify(s, canceled),
            Err(e) => {
                self.sink.note(&format!("lost track of the script: {e}"));
                (RunStatus::Failed, None)
            }
        }
    }

    fn child_env(&self, cmd: &mut tokio::process::Command, outbox: &Path) {
        cmd.env("RUNHISTORY_SERVER", self.client.base_url())
            .env("RUNHISTORY_RUN_ID", &self.run_id)
            .env("RUNHISTORY_EXPERIMENT", &self.spec.experiment)
            .env("PYTHONUNBUFFERED", "1");
        if let Some(t) = self.client.token() {
            cmd.env("RUNHISTORY_TOKEN", t);
        }
        cmd.env("RUNHISTORY_SPOOL", outbox);
        match super::python::python_path() {
            Ok(dir) => {
                let mut paths = vec![dir];
                if let Some(old) = std::env::var_os("PYTHONPATH") {
                    paths.extend(std::env::split_paths(&old));
                }
                if let Ok(joined) = std::env::join_paths(paths) {
                    cmd.env("PYTHONPATH", joined);
                }
            }
            Err(e) => self
                .sink
                .note(&format!("the Python client could not be made importable: {e}")),
        }
    }
}
