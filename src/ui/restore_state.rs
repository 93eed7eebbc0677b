//! Restoring the project folder from the workbench: the plan is computed off the UI thread and shown
//! in a dialog; only a confirmation applies it; the backup it takes offers an undo.

use super::fetch::{Fetch, FetchError, Spawner};
use crate::api::snapshot::Snapshot;
use crate::client::HistoryClient;
use crate::project::snapshot::{RestorePlan, apply_restore, plan_restore};
use crate::project::walk::snapshot_cap_from_env;
use std::path::{Path, PathBuf};

/// Which snapshot to restore.
#[derive(Debug, Clone, PartialEq)]
pub enum RestoreSource {
    Run { run_id: String, run_number: i64 },
    Snapshot(i64),
}

pub struct RestoreState {
    pub project: PathBuf,
    pub source: RestoreSource,
    pub plan: Fetch<(Snapshot, RestorePlan)>,
    /// The backup taken before the restore, once it is done.
    pub applied: Fetch<Snapshot>,
}

impl RestoreState {
    /// Starts computing what the restore would change.
    pub fn plan(project: &Path, source: RestoreSource, spawner: &Spawner, client: &HistoryClient) -> RestoreState {
        let mut plan = Fetch::default();
        let (c, root, src) = (client.clone(), project.to_path_buf(), source.clone());
        plan.request(spawner, async move {
            let snapshot = match src {
                RestoreSource::Run { run_id, .. } => c.run_snapshot(&run_id).await,
                RestoreSource::Snapshot(id) => c.get_snapshot(id).await,
            }
            .map_err(FetchError::from)?;
            let s2 = snapshot.clone();
            let plan = tokio::task::spawn_blocking(move || plan_restore(&root, &s2, snapshot_cap_from_env()))
                .await
                .map_err(FetchError::failed)??;
            Ok::<_, FetchError>((snapshot, plan))
        });
        RestoreState {
            project: project.to_path_buf(),
            source,
            plan,
            applied: Fetch::default(),
        }
    }

    /// What is restored, in words.
    pub fn title(&self) -> String {
        match &self.source {
            RestoreSource::Run { run_number, .. } => format!("Restore the project to the start of run {run_number}"),
            RestoreSource::Snapshot(id) => format!("Restore the project to snapshot {id}"),
        }
    }

    /// Applies the plan shown (after the user confirmed it).
    pub fn confirm(&mut self, spawner: &Spawner, client: &HistoryClient) {
        let Some((snapshot, plan)) = self.plan.value().cloned() else {
            return;
        };
        if self.applied.is_loading() || self.applied.value().is_some() {
            return;
        }
        let (c, root) = (client.clone(), self.project.clone());
        self.applied.request(spawner, async move {
            apply_restore(&c, &root, &snapshot, &plan, snapshot_cap_from_env())
                .await
                .map_err(FetchError::from)
        });
    }

    pub fn poll(&mut self) {
        self.plan.poll();
        self.applied.poll();
    }
}
