//! The CLI's tracked-run commands: run (attached or detached), restore, and the demo.

use super::{Cli, CliError, RunArgs};
use crate::api::ext::RunStatus;
use crate::client::HistoryClient;
use crate::project::snapshot::{apply_restore, plan_restore};
use crate::project::walk::snapshot_cap_from_env;
use crate::project::{JobStatus, JobView, LaunchSpec, ProjectError, demo, start};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The experiment a run goes to: as given, else RUNHISTORY_EXPERIMENT, else the folder's name.
fn experiment_for(project: &Path, given: Option<&str>) -> String {
    given
        .map(str::to_string)
        .or_else(|| std::env::var("RUNHISTORY_EXPERIMENT").ok().filter(|e| !e.is_empty()))
        .unwrap_or_else(|| crate::project::experiment_of(project))
}

/// What the command's exit code is after a run: 0 when it completed, else the script's code.
fn exit_code_of(v: &JobView) -> i32 {
    match v.status {
        JobStatus::Ended(RunStatus::Completed) => 0,
        _ => v.exit_code.filter(|c| *c != 0).unwrap_or(1),
    }
}

/// `runhistory run`: starts the run, streams its output, ends with its status.
pub async fn run_attached(client: &HistoryClient, a: &RunArgs) -> Result<i32, CliError> {
    let quiet = a.quiet;
    let spec = LaunchSpec {
        run_id: a.run_id.clone(),
        echo: !quiet,
        ..LaunchSpec::new(
            &a.project,
            &a.script,
            a.args.clone(),
            experiment_for(&a.project, a.experiment.as_deref()),
        )
    };
    let mut job = start(client.clone(), spec).await?;
    let first = job.view();
    if !quiet {
        eprintln!(
            "[runhistory] run {} ({}) of {} started",
            first.run_number, first.run_id, first.script
        );
    }
    let ended = wait_or_cancel(&mut job).await;
    if !quiet {
        eprintln!(
            "[runhistory] run {} {}{} in {:.1} s",
            ended.run_number,
            ended.status.label(),
            ended.exit_code.map(|c| format!(" (exit code {c})")).unwrap_or_default(),
            ended.elapsed(std::time::Instant::now()).as_secs_f64()
        );
    }
    Ok(exit_code_of(&ended))
}

/// Waits for the job; Ctrl-C or SIGTERM cancels it (and the wait goes on until it is recorded).
async fn wait_or_cancel(job: &mut crate::project::Job) -> JobView {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    loop {
        #[cfg(unix)]
        let terminated = async {
            match term.as_mut() {
                Some(t) => t.recv().await,
                None => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let terminated = std::future::pending::<Option<()>>();
        tokio::select! {
            v = job.wait() => return v,
            _ = tokio::signal::ctrl_c() => job.cancel(),
            _ = terminated => job.cancel(),
        }
    }
}

/// `runhistory run --detach`: starts this same command in the background, in its own session,
/// and returns the run id as soon as the run exists.
pub async fn run_detached(cli: &Cli, client: &HistoryClient, a: &RunArgs) -> Result<i32, CliError> {
    let run_id = crate::api::ids::new_run_id();
    let exe = std::env::current_exe().map_err(|e| CliError::io("cannot find this program", e))?;
    let project = std::fs::canonicalize(&a.project).map_err(|e| CliError::io(a.project.display().to_string(), e))?;
    let mut cmd = std::process::Command::new(exe);
    match &cli.server {
        Some(url) => cmd.args(["--server", url]),
        None => cmd
            .arg("--store")
            .arg(std::path::absolute(&cli.store).map_err(|e| CliError::io(cli.store.display().to_string(), e))?),
    };
    if let Some(t) = &cli.token {
        cmd.env("RUNHISTORY_TOKEN", t);
    }
    cmd.arg("run")
        .arg("--quiet")
        .arg("--run-id")
        .arg(&run_id)
        .arg("--project")
        .arg(&project);
    cmd.arg("--experiment")
        .arg(experiment_for(&project, a.experiment.as_deref()));
    cmd.arg(&a.script).arg("--").args(&a.args);
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| CliError::io("cannot start the background run", e))?;
    for _ in 0..200 {
        if client.get_run(&run_id).await.is_ok() {
            println!("{run_id}");
            return Ok(0);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(CliError::Usage(format!(
                "the background run stopped before it started ({status})"
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(CliError::Usage("the background run did not start within 10 s".into()))
}

/// Reads y/N from standard input.
fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes" | "Yes")
}

/// `runhistory restore`: shows the plan, asks, backs up, restores; prints how to undo.
pub async fn restore(
    client: &HistoryClient,
    snapshot_id: i64,
    label: &str,
    project: &Path,
    dry_run: bool,
    yes: bool,
) -> Result<i32, CliError> {
    let snapshot = client.get_snapshot(snapshot_id).await?;
    let cap = snapshot_cap_from_env();
    let root: PathBuf = project.to_path_buf();
    let plan = {
        let (root, snapshot) = (root.clone(), snapshot.clone());
        tokio::task::spawn_blocking(move || plan_restore(&root, &snapshot, cap))
            .await
            .map_err(ProjectError::from)??
    };
    println!("Restoring {} to {label}: {}", root.display(), plan.summary());
    for line in plan.lines() {
        println!("  {line}");
    }
    if plan.is_empty() {
        println!("Nothing to do: the folder already matches.");
        return Ok(0);
    }
    if dry_run {
        return Ok(0);
    }
    if !yes && !confirm("Restore?") {
        println!("Nothing changed.");
        return Ok(1);
    }
    let backup = apply_restore(client, &root, &snapshot, &plan, cap).await?;
    println!(
        "Restored. The folder as it was is snapshot {}: undo with `runhistory restore --snapshot {}`",
        backup.snapshot_id, backup.snapshot_id
    );
    Ok(0)
}

/// `runhistory demo`: writes the project, starts the eight runs side by side and waits for them.
pub async fn demo(client: &HistoryClient, dir: &Path) -> Result<Vec<JobView>, CliError> {
    demo::write_project(dir).map_err(|e| CliError::io(dir.display().to_string(), e))?;
    println!(
        "Demo project in {}; starting the eight runs of the walkthrough...",
        dir.display()
    );
    let mut jobs = demo::start_runs(client, dir).await?;
    let mut ended = Vec::new();
    for job in &mut jobs {
        let v = job.wait().await;
        println!(
            "  run {} {} {}: {}",
            v.run_number,
            v.script,
            v.args.join(" "),
            v.status.label()
        );
        ended.push(v);
    }
    Ok(ended)
}
