//! Artifact files under the store folder's `artifacts/`: path validation that nothing escapes it,
//! listing and deletion. A run's files live under `<experiment>/<run>/artifacts/`, a logged model's
//! under `<experiment>/models/<model>/artifacts/`, and the mlflow-artifacts proxy reads and writes
//! any path below the root, as MLflow's does. Uploads are streamed into `temp_file_for` and renamed.

use super::{Result, Store, StoreError};
use crate::api::FileInfo;
use crate::api::ext::RunDetail;
use crate::api::limits::MAX_ARTIFACT_BYTES;
use std::path::{Path, PathBuf};

/// A checked artifact location: the folder it belongs to (a run's, or the root) and a relative
/// path of plain segments inside it, both below the store's `artifacts/`.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactPath {
    pub base: Vec<String>,
    pub rel: Vec<String>,
}

impl ArtifactPath {
    pub fn rel_string(&self) -> String {
        self.rel.join("/")
    }
}

/// Splits a relative path into segments, refusing anything that could name a place outside.
pub fn safe_segments(path: &str) -> Result<Vec<String>> {
    crate::paths::safe_segments(path).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// Refuses a path if any existing part of it below `base` is a symbolic link.
fn no_symlinks(base: &Path, rel: &[String]) -> Result<PathBuf> {
    let mut p = base.to_path_buf();
    if std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(StoreError::Invalid(
            "Invalid artifact path: the artifact folder is a symbolic link".into(),
        ));
    }
    for seg in rel {
        p.push(seg);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(StoreError::Invalid(format!(
                    "Invalid artifact path: '{seg}' is a symbolic link"
                )));
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(base.join(rel.iter().collect::<PathBuf>()))
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, u64)>) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut entries = entries.collect::<std::io::Result<Vec<_>>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with(".upload-") {
            continue;
        }
        let ft = e.file_type()?;
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if ft.is_dir() {
            walk(&e.path(), &rel, out)?;
        } else if ft.is_file() {
            out.push((rel, e.metadata()?.len()));
        }
    }
    Ok(())
}

impl Store {
    /// A path as the mlflow-artifacts proxy names it (`<experiment>/<run>/artifacts/<path>` for a
    /// run's files, or any other path below the root, as MLflow's proxy takes it).
    pub fn artifact_path(&self, full: &str) -> Result<ArtifactPath> {
        Ok(ArtifactPath {
            base: Vec::new(),
            rel: safe_segments(full)?,
        })
    }

    /// A run's artifact location from its id and a relative path.
    pub fn run_artifact_path(&self, run_id: &str, rel: &str) -> Result<ArtifactPath> {
        Self::artifact_path_in_run(&self.get_run(run_id)?, rel)
    }

    /// A relative path inside a loaded run's artifacts.
    pub fn artifact_path_in_run(run: &RunDetail, rel: &str) -> Result<ArtifactPath> {
        Ok(ArtifactPath {
            base: vec![run.experiment_id.clone(), run.run_id.clone(), "artifacts".into()],
            rel: safe_segments(rel)?,
        })
    }

    /// A path inside a folder named by an artifact URI of ours (`mlflow-artifacts:/<path>`), such
    /// as a logged model's artifact location.
    pub fn uri_artifact_path(&self, uri: &str, rel: &str) -> Result<ArtifactPath> {
        let folder = uri
            .strip_prefix("mlflow-artifacts:")
            .ok_or_else(|| StoreError::Invalid(format!("'{uri}' is not an artifact location of this server")))?;
        Ok(ArtifactPath {
            base: safe_segments(folder.trim_start_matches('/'))?,
            rel: safe_segments(rel)?,
        })
    }

    /// Where the file lives on disk (it may not exist yet); never outside the artifact root, or
    /// outside the external folder that stands for the run or model it is in.
    pub fn artifact_file(&self, p: &ArtifactPath) -> Result<PathBuf> {
        let mut all = p.base.clone();
        all.extend(p.rel.iter().cloned());
        if let Some((folder, inside)) = self.external_folder(&all) {
            return no_symlinks(&folder, &all[inside..]);
        }
        no_symlinks(&self.root().join("artifacts"), &all)
    }

    /// `artifact_file` for a write: a folder read in place is never written through.
    fn writable_file(&self, p: &ArtifactPath) -> Result<PathBuf> {
        let mut all = p.base.clone();
        all.extend(p.rel.iter().cloned());
        if self.external_folder(&all).is_some() {
            return Err(StoreError::Invalid(format!(
                "'{}' is read in place, where it was logged: it cannot be changed",
                all.join("/")
            )));
        }
        self.artifact_file(p)
    }

    /// Serves `folder` (outside the root, only read) as the artifacts of a run (`prefix` is
    /// `[experiment, run, "artifacts"]`) or of a logged model
    /// (`[experiment, "models", model, "artifacts"]`): how a store read in place shows its files
    /// where they are. A folder that is itself a link is followed here, once.
    pub fn set_external_artifacts(&self, prefix: Vec<String>, folder: &Path) {
        let folder = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf());
        if let Ok(mut map) = self.external_artifacts.write() {
            map.insert(prefix, folder);
        }
    }

    /// The external folder standing for the start of `all`, and where the rest of `all` begins.
    fn external_folder(&self, all: &[String]) -> Option<(PathBuf, usize)> {
        let map = self.external_artifacts.read().ok()?;
        if map.is_empty() {
            return None;
        }
        [3, 4]
            .into_iter()
            .filter(|&n| all.len() >= n)
            .find_map(|n| map.get(&all[..n]).map(|folder| (folder.clone(), n)))
    }

    /// A fresh temporary file beside the destination, for streaming an upload into before a rename.
    pub fn temp_file_for(&self, p: &ArtifactPath) -> Result<(PathBuf, PathBuf)> {
        if p.rel.is_empty() {
            return Err(StoreError::Invalid("An artifact upload needs a file name".into()));
        }
        let dest = self.writable_file(p)?;
        let parent = dest
            .parent()
            .ok_or_else(|| StoreError::Internal("artifact has no parent folder".into()))?;
        std::fs::create_dir_all(parent)?;
        // Re-check after creating folders: a racing symlink must not slip in.
        let dest = self.writable_file(p)?;
        if dest.is_dir() {
            return Err(StoreError::Invalid(format!("'{}' is a folder", p.rel_string())));
        }
        let temp = parent.join(format!(".upload-{:016x}", rand::random::<u64>()));
        Ok((temp, dest))
    }

    /// Writes a small artifact in one go (uploads from our own code paths).
    pub fn put_artifact(&self, p: &ArtifactPath, bytes: &[u8]) -> Result<()> {
        if bytes.len() as u64 > MAX_ARTIFACT_BYTES {
            return Err(StoreError::TooLarge(format!(
                "Artifact larger than {MAX_ARTIFACT_BYTES} bytes"
            )));
        }
        let (temp, dest) = self.temp_file_for(p)?;
        std::fs::write(&temp, bytes).inspect_err(|_| {
            let _ = std::fs::remove_file(&temp);
        })?;
        std::fs::rename(&temp, &dest)?;
        Ok(())
    }

    /// Appends to an artifact, creating it if needed: how a live log grows without re-uploading.
    pub fn append_artifact(&self, p: &ArtifactPath, bytes: &[u8]) -> Result<u64> {
        use std::io::Write;
        let (_, dest) = self.temp_file_for(p)?;
        let before = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
        if before + bytes.len() as u64 > MAX_ARTIFACT_BYTES {
            return Err(StoreError::TooLarge(format!(
                "Artifact '{}' would pass the limit of {MAX_ARTIFACT_BYTES} bytes (512 MB)",
                p.rel_string()
            )));
        }
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&dest)?;
        f.write_all(bytes)?;
        f.sync_data()?;
        Ok(before + bytes.len() as u64)
    }

    /// The direct children of a folder by name (MLflow's client prefixes the folder itself), or
    /// nothing for a file or a missing path.
    pub fn list_artifacts(&self, p: &ArtifactPath) -> Result<Vec<FileInfo>> {
        let dir = self.artifact_file(p)?;
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        let mut entries = std::fs::read_dir(&dir)?.collect::<std::io::Result<Vec<_>>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().to_string();
            let ft = e.file_type()?;
            if name.starts_with(".upload-") || ft.is_symlink() {
                continue;
            }
            let path = name;
            if ft.is_dir() {
                out.push(FileInfo {
                    path,
                    is_dir: true,
                    file_size: None,
                });
            } else {
                out.push(FileInfo {
                    path,
                    is_dir: false,
                    file_size: Some(e.metadata()?.len() as i64),
                });
            }
        }
        Ok(out)
    }

    /// Every file of a run, recursively, with its size, sorted by path.
    pub fn all_artifacts(&self, run_id: &str) -> Result<Vec<(String, u64)>> {
        let run = self.get_run(run_id)?;
        let mut out = Vec::new();
        walk(
            &self.artifact_file(&Self::artifact_path_in_run(&run, "")?)?,
            "",
            &mut out,
        )?;
        Ok(out)
    }

    /// Deletes a file or folder. Below an experiment's folder only what is inside a run's or a
    /// logged model's `artifacts/` can go: never the run, the model or the experiment itself.
    pub fn delete_artifact(&self, p: &ArtifactPath) -> Result<()> {
        let all: Vec<&str> = p.base.iter().chain(&p.rel).map(String::as_str).collect();
        let inside_artifacts = match all.as_slice() {
            [] => return Err(StoreError::Invalid("Refusing to delete the whole artifact root".into())),
            [_, "models", _, "artifacts", _, ..] => true,
            [_, run, "artifacts", _, ..] => *run != "models",
            _ => false,
        };
        if !inside_artifacts && self.get_experiment(all[0]).is_ok() {
            return Err(StoreError::Invalid(format!(
                "Refusing to delete '{}': only files inside a run's or a logged model's artifacts can be deleted",
                all.join("/")
            )));
        }
        let path = self.writable_file(p)?;
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path)?,
            Ok(_) => std::fs::remove_file(&path)?,
            Err(_) => {
                return Err(StoreError::NotFound(format!("No such artifact: '{}'", p.rel_string())));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_refused() {
        for bad in [
            "../x",
            "a/../b",
            "/etc/passwd",
            "a/./b",
            "a\\b",
            "a\0b",
            "..",
            "C:/x",
            "a/C:x",
        ] {
            assert!(safe_segments(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(safe_segments(&"a".repeat(300)).is_err());
        assert!(safe_segments("a//b/c.txt").is_err());
        assert_eq!(safe_segments("a/b/c.txt/").unwrap(), vec!["a", "b", "c.txt"]);
        assert_eq!(safe_segments("").unwrap(), Vec::<String>::new());
        assert_eq!(safe_segments("..a/b..").unwrap(), vec!["..a", "b.."]);
    }

    #[test]
    fn an_external_folder_stands_for_a_run_and_nothing_escapes_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("store")).unwrap();
        let outside = dir.path().join("mlruns/1/r1/artifacts");
        std::fs::create_dir_all(outside.join("notes")).unwrap();
        std::fs::write(outside.join("notes/a.txt"), "hello").unwrap();
        std::fs::write(dir.path().join("secret"), "no").unwrap();
        let prefix = |run: &str| vec!["1".to_string(), run.to_string(), "artifacts".to_string()];
        store.set_external_artifacts(prefix("r1"), &outside);
        let place = |full: &str| store.artifact_file(&store.artifact_path(full).unwrap()).unwrap();
        assert_eq!(
            std::fs::read_to_string(place("1/r1/artifacts/notes/a.txt")).unwrap(),
            "hello"
        );
        let listed = store
            .list_artifacts(&ArtifactPath {
                base: prefix("r1"),
                rel: vec!["notes".into()],
            })
            .unwrap();
        assert_eq!(
            listed.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
            vec!["a.txt"]
        );
        // Another run is still under the store's own root, and a path cannot climb out.
        assert!(place("1/r2/artifacts/x").starts_with(dir.path().join("store")));
        assert!(store.artifact_path("1/r1/artifacts/../../../../secret").is_err());
        // Nothing is written or deleted through it.
        assert!(
            store
                .put_artifact(&store.artifact_path("1/r1/artifacts/new.txt").unwrap(), b"x")
                .is_err()
        );
        assert!(
            store
                .delete_artifact(&store.artifact_path("1/r1/artifacts/notes").unwrap())
                .is_err()
        );
        assert!(outside.join("notes/a.txt").is_file() && !outside.join("new.txt").exists());
        // A link inside the external folder is not followed.
        std::os::unix::fs::symlink(dir.path().join("secret"), outside.join("link")).unwrap();
        assert!(
            store
                .artifact_file(&store.artifact_path("1/r1/artifacts/link").unwrap())
                .is_err()
        );
    }
}
