//! A run's private working copy of the project, so that runs started side by side never write
//! into each other's `outputs/`; and the upload of `outputs/` when the script ends.

use super::walk::Walk;
use crate::api::limits::MAX_ARTIFACT_BYTES;
use crate::client::HistoryClient;
use std::path::{Path, PathBuf};

/// Top-level names never linked into a working copy.
const NOT_LINKED: &[&str] = &["outputs", ".git", ".hg", ".svn", ".runhistory"];

#[cfg(unix)]
fn link(original: &Path, at: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(original, at)
}

#[cfg(not(unix))]
fn link(original: &Path, at: &Path) -> std::io::Result<()> {
    if original.is_dir() {
        Ok(())
    } else {
        std::fs::copy(original, at).map(|_| ())
    }
}

/// Builds the working copy at `dest`: the snapshotted files copied; files too big for the snapshot,
/// and top-level entries it left out (data folders in .gitignore, say), linked to the originals
/// so the script still finds them.
pub fn materialize(project: &Path, walk: &Walk, dest: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dest)?;
    for f in &walk.files {
        let to = dest.join(&f.rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(&f.abs, &to)?;
    }
    for s in &walk.skipped {
        let to = dest.join(&s.rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if !to.exists() {
            let original = std::fs::read_link(&s.abs).unwrap_or_else(|_| s.abs.clone());
            let original = if original.is_relative() {
                s.abs.parent().map(|p| p.join(&original)).unwrap_or(original)
            } else {
                original
            };
            link(&original, &to)?;
        }
    }
    for entry in std::fs::read_dir(project)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name_str) = name.to_str() else { continue };
        let at = dest.join(&name);
        if NOT_LINKED.contains(&name_str) || at.exists() || entry.path().join("runhistory.db").is_file() {
            continue;
        }
        link(&entry.path(), &at)?;
    }
    Ok(())
}

/// A fresh folder for the run's working copy.
pub fn working_dir(run_id: &str) -> PathBuf {
    std::env::temp_dir().join("runhistory-runs").join(run_id)
}

/// Every regular file under `dir`, with its path relative to `dir` (`/`-separated). Links are not
/// followed: outputs are what the script wrote.
fn files_under(dir: &Path) -> Vec<(String, PathBuf, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let Ok(meta) = std::fs::symlink_metadata(e.path()) else {
                continue;
            };
            if meta.is_dir() {
                stack.push(e.path());
            } else if meta.is_file() {
                let rel = e.path().strip_prefix(dir).ok().and_then(|r| {
                    let parts: Option<Vec<&str>> = r.components().map(|c| c.as_os_str().to_str()).collect();
                    parts.map(|p| p.join("/"))
                });
                if let Some(rel) = rel {
                    out.push((rel, e.path(), meta.len()));
                }
            }
        }
    }
    out.sort();
    out
}

/// Uploads every file under `outputs/` as the artifact `outputs/<path>`; a file over 512 MB is
/// skipped. Returns one line per file for the run's log.
pub async fn upload_outputs(client: &HistoryClient, run_id: &str, work: &Path) -> Vec<String> {
    let outputs = work.join("outputs");
    let mut lines = Vec::new();
    for (rel, path, size) in files_under(&outputs) {
        let name = format!("outputs/{rel}");
        if size > MAX_ARTIFACT_BYTES {
            lines.push(format!(
                "{name} skipped: {size} bytes is over the limit of {MAX_ARTIFACT_BYTES} bytes (512 MB) per file"
            ));
            continue;
        }
        match client.upload_file(run_id, &name, &path).await {
            Ok(()) => lines.push(format!("{name} uploaded ({size} bytes)")),
            Err(e) => lines.push(format!("{name} not uploaded: {e}")),
        }
    }
    lines
}
