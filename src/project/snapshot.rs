//! Taking a project snapshot (upload only the contents the store lacks) and restoring one: a plan
//! of what changes, a backup snapshot first, and never a write outside the project folder.

use super::ProjectError;
use super::walk::{ProjectFile, Walk, hash_bytes, hash_file, walk};
use crate::api::snapshot::{CreateSnapshot, Snapshot, SnapshotFile};
use crate::client::HistoryClient;
use crate::paths::target_in;
use std::collections::HashMap;
use std::path::Path;

/// How many hashes are asked about per request.
const HASH_QUERY_CHUNK: usize = 10_000;

/// A snapshot just taken: the record, the walk it came from and how many contents were new.
pub struct Taken {
    pub snapshot: Snapshot,
    pub walk: Walk,
    pub uploaded: usize,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, ProjectError> {
    Ok(tokio::task::spawn_blocking(f).await??)
}

/// Walks and hashes the project, uploads the missing contents and records the snapshot.
pub async fn take_snapshot(
    client: &HistoryClient,
    root: &Path,
    label: &str,
    run_id: Option<&str>,
    max_file_bytes: u64,
) -> Result<Taken, ProjectError> {
    let root_owned = root.to_path_buf();
    let (walk, hashed) = blocking(move || {
        let w = walk(&root_owned, max_file_bytes)?;
        let hashes = w
            .files
            .iter()
            .map(|f| hash_file(&f.abs))
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok((w, hashes))
    })
    .await?;
    let mut missing = Vec::new();
    for chunk in hashed.chunks(HASH_QUERY_CHUNK) {
        missing.extend(client.missing_blobs(chunk.to_vec()).await?);
    }
    let by_hash: HashMap<&str, &ProjectFile> = hashed.iter().map(String::as_str).zip(walk.files.iter()).collect();
    for hash in &missing {
        if let Some(f) = by_hash.get(hash.as_str()) {
            client.put_blob(hash, &f.abs).await?;
        }
    }
    let files = walk
        .files
        .iter()
        .zip(&hashed)
        .map(|(f, h)| SnapshotFile {
            path: f.rel.clone(),
            hash: h.clone(),
            size: f.size,
            executable: f.executable,
        })
        .collect();
    let req = CreateSnapshot {
        label: label.into(),
        run_id: run_id.map(str::to_string),
        files,
    };
    let snapshot = client.create_snapshot(&req).await?;
    Ok(Taken {
        snapshot,
        walk,
        uploaded: missing.len(),
    })
}

/// What a restore would do to the folder.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RestorePlan {
    pub overwrite: Vec<String>,
    pub create: Vec<String>,
    pub remove: Vec<String>,
    pub unchanged: usize,
}

impl RestorePlan {
    pub fn is_empty(&self) -> bool {
        self.overwrite.is_empty() && self.create.is_empty() && self.remove.is_empty()
    }

    /// One line per change, for the CLI and the confirm dialog.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(self.overwrite.iter().map(|p| format!("overwrite  {p}")));
        out.extend(self.create.iter().map(|p| format!("create     {p}")));
        out.extend(self.remove.iter().map(|p| format!("remove     {p}")));
        out
    }

    pub fn summary(&self) -> String {
        format!(
            "{} to overwrite, {} to create, {} to remove, {} unchanged",
            self.overwrite.len(),
            self.create.len(),
            self.remove.len(),
            self.unchanged
        )
    }
}

/// Compares the folder with the snapshot. Refuses the whole restore if any path would escape.
pub fn plan_restore(root: &Path, snapshot: &Snapshot, max_file_bytes: u64) -> Result<RestorePlan, ProjectError> {
    let refused: Vec<String> = snapshot
        .files
        .iter()
        .filter_map(|f| {
            target_in(root, &f.path)
                .err()
                .map(|why| format!("{}: {why}", f.path.escape_debug()))
        })
        .collect();
    if !refused.is_empty() {
        return Err(ProjectError::Refused(format!(
            "refusing to restore: the snapshot names paths outside the project folder ({})",
            refused.join("; ")
        )));
    }
    let current = walk(root, max_file_bytes)?;
    let here: HashMap<&str, &ProjectFile> = current.files.iter().map(|f| (f.rel.as_str(), f)).collect();
    let mut plan = RestorePlan::default();
    for f in &snapshot.files {
        match here.get(f.path.as_str()) {
            Some(local) if hash_file(&local.abs).map_err(|e| ProjectError::file(&local.rel, e))? == f.hash => {
                plan.unchanged += 1
            }
            Some(_) => plan.overwrite.push(f.path.clone()),
            None if root.join(&f.path).exists() => plan.overwrite.push(f.path.clone()),
            None => plan.create.push(f.path.clone()),
        }
    }
    let wanted: std::collections::HashSet<&str> = snapshot.files.iter().map(|f| f.path.as_str()).collect();
    plan.remove = current
        .files
        .iter()
        .filter(|f| !wanted.contains(f.rel.as_str()))
        .map(|f| f.rel.clone())
        .collect();
    Ok(plan)
}

#[cfg(unix)]
fn set_executable(path: &Path, executable: bool) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path)?.permissions();
    let mode = perms.mode();
    perms.set_mode(if executable { mode | 0o755 } else { mode & !0o111 });
    std::fs::set_permissions(path, perms)
}

#[cfg(not(unix))]
fn set_executable(_path: &Path, _executable: bool) -> std::io::Result<()> {
    Ok(())
}

/// Writes one file inside `root` through a temporary file and a rename.
fn write_inside(root: &Path, rel: &str, bytes: &[u8], executable: bool) -> Result<(), ProjectError> {
    let dest = target_in(root, rel)?;
    let parent = dest
        .parent()
        .ok_or_else(|| ProjectError::Refused(format!("{rel}: no parent folder")))?;
    std::fs::create_dir_all(parent).map_err(|e| ProjectError::file(rel, e))?;
    let dest = target_in(root, rel)?; // again, now that the folders exist
    if dest.is_dir() {
        return Err(ProjectError::Refused(format!("{rel}: a folder is in the way")));
    }
    let temp = parent.join(format!(".restore-{:016x}", rand::random::<u64>()));
    let written = std::fs::write(&temp, bytes)
        .and_then(|_| set_executable(&temp, executable))
        .and_then(|_| std::fs::rename(&temp, &dest));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(ProjectError::file(rel, e));
    }
    Ok(())
}

/// Restores the folder to the snapshot: takes a backup snapshot of the folder first (returned, so
/// the restore can be undone by restoring it), then writes and removes what the plan says.
pub async fn apply_restore(
    client: &HistoryClient,
    root: &Path,
    snapshot: &Snapshot,
    plan: &RestorePlan,
    max_file_bytes: u64,
) -> Result<Snapshot, ProjectError> {
    let backup = take_snapshot(client, root, "backup", None, max_file_bytes)
        .await?
        .snapshot;
    let by_path: HashMap<&str, &SnapshotFile> = snapshot.files.iter().map(|f| (f.path.as_str(), f)).collect();
    for rel in plan.overwrite.iter().chain(&plan.create) {
        let Some(f) = by_path.get(rel.as_str()) else { continue };
        let bytes = client.get_blob(&f.hash).await?;
        if hash_bytes(&bytes) != f.hash {
            return Err(ProjectError::Refused(format!(
                "{rel}: the stored content does not match its hash"
            )));
        }
        write_inside(root, rel, &bytes, f.executable)?;
    }
    for rel in &plan.remove {
        let p = target_in(root, rel)?;
        std::fs::remove_file(&p).map_err(|e| ProjectError::file(rel, e))?;
    }
    Ok(backup)
}
