//! What a tracked script's logger could not deliver: the script spools it into its run's outbox in
//! the project's `.runhistory/outbox/` (never snapshotted), and the launcher sends it on through
//! the history API once the script has ended, or the next launch from the same project does if the
//! server was away then. The server's own store folder is never written behind its back.

use super::ProjectError;
use crate::api::ext::SpoolRecord;
use crate::api::layout::{DEFAULT_STORE_DIR, spool_files};
use crate::client::{ClientError, HistoryClient};
use std::path::{Path, PathBuf};

/// The outbox of one run: the folder its script's logger spools into (`RUNHISTORY_SPOOL`).
pub fn outbox_dir(project: &Path, run_id: &str) -> PathBuf {
    outbox_root(project).join(run_id)
}

fn outbox_root(project: &Path) -> PathBuf {
    project.join(DEFAULT_STORE_DIR).join("outbox")
}

/// What one delivery did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Delivered {
    pub files: usize,
    pub records: usize,
    /// Records the server refused (kept beside them as `failed-*.jsonl`).
    pub refused: usize,
    /// Files left for later because the server could not be reached.
    pub left: usize,
}

impl Delivered {
    /// One line for the run's log, or None when there was nothing to send.
    pub fn note(&self, dir: &Path) -> Option<String> {
        if self.files == 0 && self.left == 0 {
            return None;
        }
        let mut s = format!(
            "sent {} spooled records from {} files through the server",
            self.records, self.files
        );
        if self.refused > 0 {
            s.push_str(&format!("; {} refused, kept as failed-*.jsonl", self.refused));
        }
        if self.left > 0 {
            s.push_str(&format!(
                "; {} files wait in {} for the server (the next run from this project sends them)",
                self.left,
                dir.display()
            ));
        }
        Some(s)
    }
}

async fn send(client: &HistoryClient, record: &SpoolRecord) -> Result<(), ClientError> {
    match record {
        SpoolRecord::CreateRun(c) => match client.create_run(c).await {
            Err(ClientError::Api { code, .. }) if code == "RESOURCE_ALREADY_EXISTS" => Ok(()),
            other => other.map(|_| ()),
        },
        SpoolRecord::Ingest(b) => client.ingest(b).await.map(|_| ()),
        SpoolRecord::UpdateRun(u) => client.update_run(u).await.map(|_| ()),
    }
}

/// Sends every spool file of `dir` through the API, oldest first, removing each once the server
/// has all of it. Batch ids make a file sent twice (a crash between send and remove) harmless.
/// Stops at the first answer a later try may get past (unreachable, a server error, busy, not let
/// in) and leaves the rest; a record the server refuses for what it holds is kept aside.
pub async fn deliver(client: &HistoryClient, dir: &Path) -> Result<Delivered, ProjectError> {
    let mut done = Delivered::default();
    let files = spool_files(dir);
    for (i, path) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).map_err(|e| ProjectError::file(path.display(), e))?;
        let mut refused = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let record = match serde_json::from_str::<SpoolRecord>(line) {
                Ok(r) => r,
                Err(_) => {
                    refused.push(line);
                    continue;
                }
            };
            match send(client, &record).await {
                Ok(()) => done.records += 1,
                Err(e) if e.is_refusal() => refused.push(line),
                Err(_) => {
                    done.left = files.len() - i;
                    return Ok(done);
                }
            }
        }
        if !refused.is_empty() {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let aside = dir.join(format!("failed-{name}"));
            std::fs::write(&aside, refused.join("\n") + "\n").map_err(|e| ProjectError::file(aside.display(), e))?;
            done.refused += refused.len();
        }
        std::fs::remove_file(path).map_err(|e| ProjectError::file(path.display(), e))?;
        done.files += 1;
    }
    if spool_files(dir).is_empty() && std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none()) {
        let _ = std::fs::remove_dir(dir);
    }
    Ok(done)
}

/// Sends what earlier runs of this project left in their outboxes (the server was away when they
/// ended, or their launcher was killed). The outbox of a run still going is its logger's to send.
pub async fn deliver_leftovers(client: &HistoryClient, project: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(outbox_root(project)) else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    for dir in entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()) {
        let run_id = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        match client.get_run(&run_id).await {
            Ok(run) if run.status.is_terminal() => {}
            Ok(_) => continue,
            // The run was never created: its spool holds the creation.
            Err(e) if e.is_not_found() => {}
            Err(_) => return notes,
        }
        match deliver(client, &dir).await {
            Ok(d) => notes.extend(d.note(&dir)),
            Err(e) => notes.push(format!("could not send what {} holds: {e}", dir.display())),
        }
    }
    notes
}
