//! Tracked runs started from the workbench: the project folder and its scripts, the run form, and
//! the jobs themselves (they run on the I/O runtime; the window never waits for them).

use super::fetch::{Fetch, Spawner};
use super::folder_pick::FolderPick;
use crate::client::HistoryClient;
use crate::project::{Job, JobView, LaunchSpec, ProjectError, demo, runnable_scripts, start};
use std::path::Path;
use std::sync::mpsc;

#[derive(Default)]
pub struct JobsState {
    /// The runnable scripts of the open project folder.
    pub scripts: Fetch<Vec<String>>,
    pub script: Option<String>,
    pub folder_pick: FolderPick,
    starting: Vec<mpsc::Receiver<Result<Vec<Job>, ProjectError>>>,
    jobs: Vec<Job>,
    /// What each job looked like at the last poll, in the order they started: the panel, the
    /// top bar and the wake-up timer read this instead of locking every job each time.
    views: Vec<JobView>,
    /// Why the last start failed.
    pub error: Option<String>,
    pub panel_open: bool,
}

impl JobsState {
    /// Opens a project folder: its scripts are listed off the UI thread.
    pub fn open_folder(&mut self, folder: &Path, spawner: &Spawner) {
        self.script = None;
        self.list_scripts(folder, spawner);
    }

    /// Lists the folder's runnable scripts again (the choice of script stays).
    pub fn list_scripts(&mut self, folder: &Path, spawner: &Spawner) {
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
            .map_err(super::fetch::FetchError::failed)
        });
    }

    pub fn pick_folder(&mut self, spawner: &Spawner) {
        self.folder_pick.open(spawner, "Open a project folder");
    }

    /// Starts a tracked run of the chosen script with these arguments.
    pub fn start_run(&mut self, project: &Path, args: Vec<String>, spawner: &Spawner, client: &HistoryClient) {
        let Some(script) = self.script.clone() else {
            self.error = Some("Choose a script first.".into());
            return;
        };
        let spec = LaunchSpec::new(project, &script, args, crate::project::experiment_of(project));
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
                .await?
                .map_err(|e| ProjectError::file(d.display(), e))?;
            demo::start_runs(&c, &d).await
        }));
    }

    /// Takes started jobs and a picked folder; returns the views of jobs started since last time.
    pub fn poll(&mut self) -> (Vec<JobView>, Option<std::path::PathBuf>) {
        if self.scripts.poll() {
            self.script = preselect(self.script.take(), self.scripts.value().map_or(&[], Vec::as_slice));
        }
        let mut started = Vec::new();
        self.starting.retain(|rx| match rx.try_recv() {
            Ok(Ok(jobs)) => {
                started.extend(jobs);
                false
            }
            Ok(Err(e)) => {
                self.error = Some(e.to_string());
                false
            }
            Err(mpsc::TryRecvError::Empty) => true,
            Err(mpsc::TryRecvError::Disconnected) => false,
        });
        let fresh = started.iter().map(Job::view).collect();
        self.jobs.extend(started);
        self.views = self.jobs.iter().map(Job::view).collect();
        (fresh, self.folder_pick.poll())
    }

    /// The jobs as of the last poll.
    pub fn views(&self) -> &[JobView] {
        &self.views
    }

    pub fn any_running(&self) -> bool {
        self.views.iter().any(|v| !v.status.is_done())
    }

    pub fn cancel(&self, run_id: &str) {
        let i = self.views.iter().position(|v| v.run_id == run_id);
        if let Some(job) = i.and_then(|i| self.jobs.get(i)) {
            job.cancel();
        }
    }

    pub fn is_starting(&self) -> bool {
        !self.starting.is_empty()
    }
}

/// The script the run form starts with: the one chosen if the folder still has it, else the only
/// one there is (so Run is not disabled for want of a click), else none.
fn preselect(chosen: Option<String>, scripts: &[String]) -> Option<String> {
    match (chosen, scripts) {
        (Some(c), _) if scripts.contains(&c) => Some(c),
        (_, [only]) => Some(only.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::preselect;

    #[test]
    fn the_run_form_starts_with_the_chosen_or_the_only_script() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        for (chosen, scripts, want) in [
            (None, s(&["train.py"]), Some("train.py")),
            (None, s(&["a.py", "b.py"]), None),
            (Some("b.py"), s(&["a.py", "b.py"]), Some("b.py")),
            (Some("gone.py"), s(&["a.py", "b.py"]), None),
            (Some("gone.py"), s(&["a.py"]), Some("a.py")),
            (None, s(&[]), None),
        ] {
            assert_eq!(
                preselect(chosen.map(String::from), &scripts).as_deref(),
                want,
                "{chosen:?} of {scripts:?}"
            );
        }
    }
}
