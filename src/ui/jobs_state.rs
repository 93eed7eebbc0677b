//! Tracked runs started from the workbench: the project folder and its scripts, the run form, and
//! the jobs themselves (they run on the I/O runtime; the window never waits for them).

use super::fetch::{Fetch, Spawner};
use crate::client::HistoryClient;
use crate::project::{Job, JobView, LaunchSpec, demo, runnable_scripts, start};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

#[derive(Default)]
pub struct JobsState {
    /// The runnable scripts of the open project folder.
    pub scripts: Fetch<Vec<String>>,
    pub script: Option<String>,
    pub args_input: String,
    /// The folder typed beside the picker button.
    pub folder_input: String,
    pub folder_pick: Option<mpsc::Receiver<Option<PathBuf>>>,
    pub pick_note: Option<String>,
    starting: Vec<mpsc::Receiver<Result<Vec<Job>, String>>>,
    pub jobs: Vec<Job>,
    /// Why the last start failed.
    pub error: Option<String>,
    pub panel_open: bool,
}

impl JobsState {
    /// Lists the folder's scripts off the UI thread.
    pub fn open_folder(&mut self, folder: &Path, spawner: &Spawner) {
        self.folder_input = folder.display().to_string();
        self.script = None;
        let f = folder.to_path_buf();
        self.scripts.request(spawner, async move {
            tokio::task::spawn_blocking(move || {
                if f.is_dir() {
                    Ok(runnable_scripts(&f))
                } else {
                    Err(format!("{} is not a folder", f.display()))
                }
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
            .map_err(|message| super::fetch::FetchError {
                message,
                unreachable: false,
            })
        });
    }

    pub fn pick_folder(&mut self, spawner: &Spawner) {
        self.pick_note = None;
        self.folder_pick = Some(spawner.spawn(async {
            rfd::AsyncFileDialog::new()
                .set_title("Open a project folder")
                .pick_folder()
                .await
                .map(|h| h.path().to_path_buf())
        }));
    }

    /// Starts a tracked run of the chosen script with these arguments.
    pub fn start_run(&mut self, project: &Path, args: Vec<String>, spawner: &Spawner, client: &HistoryClient) {
        let Some(script) = self.script.clone() else {
            self.error = Some("Choose a script first.".into());
            return;
        };
        let spec = LaunchSpec {
            project: project.to_path_buf(),
            script,
            args,
            experiment: crate::project::experiment_of(project),
            run_id: None,
            echo: false,
            heartbeat: crate::project::heartbeat_from_env(),
            max_snapshot_file: crate::project::workcopy::snapshot_cap_from_env(),
        };
        let c = client.clone();
        self.error = None;
        self.panel_open = true;
        self.starting
            .push(spawner.spawn(async move { start(c, spec).await.map(|j| vec![j]) }));
    }

    /// Writes the demo project into `dir` and starts its eight runs.
    pub fn start_demo(&mut self, dir: &Path, spawner: &Spawner, client: &HistoryClient) {
        let (c, d) = (client.clone(), dir.to_path_buf());
        self.error = None;
        self.panel_open = true;
        self.starting.push(spawner.spawn(async move {
            let d2 = d.clone();
            tokio::task::spawn_blocking(move || demo::write_project(&d2))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("{}: {e}", d.display()))?;
            demo::start_runs(&c, &d, false, crate::project::heartbeat_from_env()).await
        }));
    }

    /// Takes started jobs and a picked folder; returns the views of jobs started since last time.
    pub fn poll(&mut self) -> (Vec<JobView>, Option<PathBuf>) {
        self.scripts.poll();
        let mut started = Vec::new();
        self.starting.retain(|rx| match rx.try_recv() {
            Ok(Ok(jobs)) => {
                started.extend(jobs);
                false
            }
            Ok(Err(e)) => {
                self.error = Some(e);
                false
            }
            Err(mpsc::TryRecvError::Empty) => true,
            Err(mpsc::TryRecvError::Disconnected) => false,
        });
        let views = started.iter().map(Job::view).collect();
        self.jobs.extend(started);
        let mut picked = None;
        if let Some(Ok(p)) = self.folder_pick.as_ref().map(|rx| rx.try_recv()) {
            self.folder_pick = None;
            match p {
                Some(dir) => picked = Some(dir),
                None => {
                    self.pick_note =
                        Some("No folder chosen (or no file dialog on this desktop): type a folder instead.".into())
                }
            }
        }
        (views, picked)
    }

    pub fn views(&self) -> Vec<JobView> {
        self.jobs.iter().map(Job::view).collect()
    }

    pub fn cancel(&self, run_id: &str) {
        if let Some(j) = self.jobs.iter().find(|j| j.view().run_id == run_id) {
            j.cancel();
        }
    }

    pub fn is_starting(&self) -> bool {
        !self.starting.is_empty()
    }
}
