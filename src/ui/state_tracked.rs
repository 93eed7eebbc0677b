//! The workbench's tracked-run commands: the project folder and run form, jobs, the demo, restore
//! and snapshot diffs. Split from `state.rs`, whose other commands are about reading history.

use super::command::Command;
use super::restore_state::{RestoreSource, RestoreState};
use super::state::Workbench;
use crate::project::diff::diff_snapshots;
use std::time::Instant;

impl Workbench {
    /// Takes started jobs (showing their experiment) and a picked folder; polls the restore.
    pub(super) fn poll_tracked(&mut self, now: Instant) {
        let (started, picked) = self.jobs.poll();
        if let Some(dir) = picked {
            self.apply_tracked(Command::OpenProjectFolder(dir));
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

    pub(super) fn apply_tracked(&mut self, cmd: Command) {
        let (sp, c) = (self.spawner.clone(), self.client.clone());
        match cmd {
            Command::PickProjectFolder => self.jobs.pick_folder(&sp),
            Command::OpenProjectFolder(dir) => {
                let dir = std::path::absolute(&dir).unwrap_or(dir);
                self.jobs.open_folder(&dir, &sp);
                self.settings.project_folder = Some(dir);
            }
            Command::SelectProjectScript(s) => self.jobs.script = Some(s),
            Command::StartRun => {
                let Some(project) = self.settings.project_folder.clone() else {
                    self.jobs.error = Some("Open a project folder first.".into());
                    return;
                };
                match super::model::jobs::split_args(&self.jobs.args_input) {
                    Ok(args) => self.jobs.start_run(&project, args, &sp, &c),
                    Err(e) => self.jobs.error = Some(format!("Arguments: {e}")),
                }
            }
            Command::CancelJob(id) => self.jobs.cancel(&id),
            Command::ToggleJobs => self.jobs.panel_open = !self.jobs.panel_open,
            Command::RunDemo => {
                let dir = self.demo_dir.clone();
                self.jobs.start_demo(&dir, &sp, &c);
                self.jobs.open_folder(&dir, &sp);
                self.jobs.script = Some(crate::project::demo::DEMO_SCRIPT.into());
                self.settings.project_folder = Some(dir);
            }
            Command::PlanRestore { run_id, run_number } => self.plan_restore(RestoreSource::Run { run_id, run_number }),
            Command::PlanRestoreSnapshot(id) => self.plan_restore(RestoreSource::Snapshot(id)),
            Command::ConfirmRestore => {
                if let Some(r) = &mut self.restore {
                    r.confirm(&sp, &c);
                }
            }
            Command::CloseRestore => self.restore = None,
            Command::ShowFileDiff { path, other } => {
                let Some(cmp) = &mut self.compare else { return };
                let (Some(a), Some(b)) = (
                    cmp.snapshots.first().and_then(|f| f.value()),
                    cmp.snapshots.get(other).and_then(|f| f.value()),
                ) else {
                    return;
                };
                if let Some(change) = diff_snapshots(a, b).into_iter().find(|d| d.path == path) {
                    cmp.show_file_diff(&change, other, &sp, &c);
                }
            }
            // Everything else is the history commands' (state.rs).
            _ => {}
        }
    }

    fn plan_restore(&mut self, source: RestoreSource) {
        match self.settings.project_folder.clone() {
            Some(project) => self.restore = Some(RestoreState::plan(&project, source, &self.spawner, &self.client)),
            None => self.jobs.error = Some("Open a project folder to restore into.".into()),
        }
    }
}
