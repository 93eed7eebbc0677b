//! The workbench's tracked-run logic: the project folder and run form, jobs, the demo, restore
//! and snapshot diffs. Split from `state.rs`, whose other logic is about reading history.

use super::command::Command;
use super::restore_state::{RestoreSource, RestoreState};
use super::state::Workbench;
use std::time::Instant;

impl Workbench {
    /// Takes started jobs (showing their experiment) and a picked folder; polls the restore.
    pub(super) fn poll_tracked(&mut self, now: Instant) {
        let (started, picked) = self.jobs.poll();
        if let Some(dir) = picked {
            self.open_project_folder(dir);
        }
        if let Some(first) = started.first() {
            // The demo writes its project as it starts: list the folder's scripts again.
            if let Some(folder) = self.settings.project_folder.clone() {
                self.jobs.list_scripts(&folder, &self.spawner);
            }
            let exp = first.experiment_id.clone();
            self.request_experiments(now);
            if self.experiment_id.as_deref() != Some(exp.as_str()) {
                self.select_experiment(exp, now);
            } else {
                self.apply(Command::Refresh);
            }
        }
        if let Some(r) = &mut self.restore {
            r.poll();
        }
    }

    pub(super) fn open_project_folder(&mut self, dir: std::path::PathBuf) {
        let dir = std::path::absolute(&dir).unwrap_or(dir);
        self.jobs.open_folder(&dir, &self.spawner);
        self.settings.project_folder = Some(dir);
    }

    pub(super) fn start_run(&mut self, args: &str) {
        let Some(project) = self.settings.project_folder.clone() else {
            self.jobs.error = Some("Open a project folder first.".into());
            return;
        };
        match super::model::jobs::split_args(args) {
            Ok(args) => self.jobs.start_run(&project, args, &self.spawner, &self.client),
            Err(e) => self.jobs.error = Some(format!("Arguments: {e}")),
        }
    }

    pub(super) fn run_demo(&mut self) {
        let dir = self.demo_dir.clone();
        self.jobs.start_demo(&dir, &self.spawner, &self.client);
        self.jobs.open_folder(&dir, &self.spawner);
        self.jobs.script = Some(crate::project::demo::DEMO_SCRIPT.into());
        self.settings.project_folder = Some(dir);
    }

    pub(super) fn show_file_diff(&mut self, path: &str, other: usize) {
        let (sp, c) = (self.spawner.clone(), self.client.clone());
        let Some(cmp) = self.route.compare_mut() else { return };
        let Some(model) = cmp.model() else { return };
        if let Some(change) = model.file_change(path, other) {
            cmp.show_file_diff(change, other, &sp, &c);
        }
    }

    pub(super) fn plan_restore(&mut self, source: RestoreSource) {
        match self.settings.project_folder.clone() {
            Some(project) => self.restore = Some(RestoreState::plan(&project, source, &self.spawner, &self.client)),
            None => self.jobs.error = Some("Open a project folder to restore into.".into()),
        }
    }
}
