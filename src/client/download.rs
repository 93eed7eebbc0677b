//! Writes every artifact of a run into a folder, streaming, with progress: the CLI's `download`
//! and the workbench's Download button.

use super::{ClientError, HistoryClient, Result};
use crate::api::ext::RunDetail;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How far a download has got.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    pub done_bytes: u64,
    pub total_bytes: u64,
    pub files_done: usize,
    pub files_total: usize,
    pub current: String,
}

fn write_error(path: &Path, e: std::io::Error) -> ClientError {
    ClientError::Decode(format!("cannot write {}: {e}", path.display()))
}

impl HistoryClient {
    /// Downloads every artifact under `dest` (created if missing); returns the files written.
    /// A path that would leave `dest` is refused before anything is written for it.
    pub async fn download_all(
        &self,
        run: &RunDetail,
        dest: &Path,
        mut on_progress: impl FnMut(&Progress),
    ) -> Result<Vec<PathBuf>> {
        let files = self.run_artifacts(run).await?;
        let mut p = Progress {
            total_bytes: files.iter().map(|(_, s)| s).sum(),
            files_total: files.len(),
            ..Progress::default()
        };
        let mut written = Vec::new();
        for (rel, _) in &files {
            let target = crate::paths::target_in(dest, rel)?;
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| write_error(parent, e))?;
            }
            // Again now that the folders exist: a link must not have appeared on the way.
            let target = crate::paths::target_in(dest, rel)?;
            p.current = rel.clone();
            on_progress(&p);
            let mut resp = self.open_artifact(run, rel).await?;
            let mut out = std::fs::File::create(&target).map_err(|e| write_error(&target, e))?;
            while let Some(chunk) = resp.chunk().await.map_err(|e| ClientError::Unreachable {
                url: self.base_url().into(),
                reason: e.to_string(),
            })? {
                out.write_all(&chunk).map_err(|e| write_error(&target, e))?;
                p.done_bytes += chunk.len() as u64;
                on_progress(&p);
            }
            p.files_done += 1;
            on_progress(&p);
            written.push(target);
        }
        Ok(written)
    }
}
