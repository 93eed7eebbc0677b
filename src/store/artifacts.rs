//! Artifact files under the file space's `artifacts/`: path validation that nothing escapes it,
//! listing and deletion. A run's files live under `<experiment>/<run>/artifacts/`, a logged model's
//! under `<experiment>/models/<model>/artifacts/`, and the mlflow-artifacts proxy reads and writes
//! any path below the root, as MLflow's does. Uploads are streamed into `begin_artifact`'s file
//! and put in place by `finish_upload`.

use super::file_space::{FileSpace, Opened, Upload};
use super::{Result, Store, StoreError};
use crate::api::FileInfo;
use crate::api::ext::RunDetail;
use crate::api::limits::MAX_ARTIFACT_BYTES;
use std::borrow::Cow;
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

    /// The file space holding an artifact and its key there: the store's own, or the external
    /// folder (only read) that stands for the run or model it is in.
    fn locate(&self, p: &ArtifactPath) -> Result<(Cow<'_, FileSpace>, Vec<String>, bool)> {
        let mut all = p.base.clone();
        all.extend(p.rel.iter().cloned());
        if let Some((folder, inside)) = self.external_folder(&all) {
            let (Some(parent), Some(name)) = (folder.parent(), folder.file_name()) else {
                return Err(StoreError::Internal(format!(
                    "{} has no parent folder",
                    folder.display()
                )));
            };
            let mut key = vec![name.to_string_lossy().into_owned()];
            key.extend(all.drain(inside..));
            return Ok((Cow::Owned(FileSpace::Folder(parent.to_path_buf())), key, true));
        }
        let mut key = vec!["artifacts".to_string()];
        key.extend(all);
        Ok((Cow::Borrowed(&self.files), key, false))
    }

    /// `locate` for a write: a folder read in place is never written through.
    fn writable(&self, p: &ArtifactPath) -> Result<Vec<String>> {
        let (_, key, external) = self.locate(p)?;
        if external {
            return Err(StoreError::Invalid(format!(
                "'{}' is read in place, where it was logged: it cannot be changed",
                key[1..].join("/")
            )));
        }
        Ok(key)
    }

    /// Where an artifact is on this machine (it may not exist yet), when its files are in a folder
    /// here and not in object storage.
    pub fn local_artifact_file(&self, p: &ArtifactPath) -> Result<Option<std::path::PathBuf>> {
        let (space, key, _) = self.locate(p)?;
        space.local_path(&key)
    }

    /// `local_artifact_file`, refused when the files are in object storage.
    pub fn artifact_file(&self, p: &ArtifactPath) -> Result<std::path::PathBuf> {
        self.local_artifact_file(p)?.ok_or_else(|| {
            StoreError::Invalid(format!(
                "'{}' is kept in object storage, not on this machine",
                p.rel_string()
            ))
        })
    }

    /// The artifact's content to send, refused for a folder.
    pub fn open_artifact(&self, p: &ArtifactPath) -> Result<super::file_space::Content> {
        let (space, key, _) = self.locate(p)?;
        match space.open(&key)? {
            Opened::File(content) => Ok(content),
            Opened::Folder => Err(StoreError::Invalid(format!(
                "'{}' is a folder: list it instead",
                p.rel_string()
            ))),
            Opened::Missing => Err(StoreError::NotFound(format!("No such artifact: '{}'", p.rel_string()))),
        }
    }

    /// The size of an artifact file, or None when no file is there.
    pub fn artifact_size(&self, p: &ArtifactPath) -> Result<Option<u64>> {
        let (space, key, _) = self.locate(p)?;
        Ok(match space.stat(&key)? {
            Some(super::file_space::Entry::File(size)) => Some(size),
            _ => None,
        })
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

    /// Starts an upload to an artifact: its body goes into the upload's file of this machine,
    /// then `finish_upload` puts it in place (or `abandon_upload` drops it).
    pub fn begin_artifact(&self, p: &ArtifactPath) -> Result<Upload> {
        if p.rel.is_empty() {
            return Err(StoreError::Invalid("An artifact upload needs a file name".into()));
        }
        self.files.begin(&self.writable(p)?)
    }

    /// Puts a finished upload (an artifact's or a blob's) at its place.
    pub fn finish_upload(&self, upload: Upload) -> Result<()> {
        self.files.finish(upload)
    }

    /// Drops a refused upload; nothing at its place changes.
    pub fn abandon_upload(&self, upload: Upload) {
        self.files.abandon(upload)
    }

    /// Writes a small artifact in one go (uploads from our own code paths).
    pub fn put_artifact(&self, p: &ArtifactPath, bytes: &[u8]) -> Result<()> {
        if bytes.len() as u64 > MAX_ARTIFACT_BYTES {
            return Err(StoreError::TooLarge(format!(
                "Artifact larger than {MAX_ARTIFACT_BYTES} bytes"
            )));
        }
        if p.rel.is_empty() {
            return Err(StoreError::Invalid("An artifact upload needs a file name".into()));
        }
        self.files.put(&self.writable(p)?, bytes)
    }

    /// Copies a file of this machine in as an artifact (an import's), leaving the file where it is.
    pub fn put_artifact_file(&self, p: &ArtifactPath, src: &Path) -> Result<()> {
        if p.rel.is_empty() {
            return Err(StoreError::Invalid("An artifact upload needs a file name".into()));
        }
        self.files.put_local_file(&self.writable(p)?, src)
    }

    /// Appends to an artifact, creating it if needed: how a live log grows without re-uploading.
    pub fn append_artifact(&self, p: &ArtifactPath, bytes: &[u8]) -> Result<u64> {
        if p.rel.is_empty() {
            return Err(StoreError::Invalid("An append needs a file name".into()));
        }
        self.files
            .append(&self.writable(p)?, bytes, MAX_ARTIFACT_BYTES)
            .map_err(|e| match e {
                StoreError::TooLarge(_) => StoreError::TooLarge(format!(
                    "Artifact '{}' would pass the limit of {MAX_ARTIFACT_BYTES} bytes (512 MB)",
                    p.rel_string()
                )),
                other => other,
            })
    }

    /// The direct children of a folder by name (MLflow's client prefixes the folder itself), or
    /// nothing for a file or a missing path.
    pub fn list_artifacts(&self, p: &ArtifactPath) -> Result<Vec<FileInfo>> {
        let (space, key, _) = self.locate(p)?;
        space.children(&key)
    }

    /// Every file of a run, recursively, with its size, sorted by path.
    pub fn all_artifacts(&self, run_id: &str) -> Result<Vec<(String, u64)>> {
        let run = self.get_run(run_id)?;
        let (space, key, _) = self.locate(&Self::artifact_path_in_run(&run, "")?)?;
        space.walk(&key)
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
        if !self.files.delete(&self.writable(p)?)? {
            return Err(StoreError::NotFound(format!("No such artifact: '{}'", p.rel_string())));
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
        let place = |full: &str| {
            store
                .local_artifact_file(&store.artifact_path(full).unwrap())
                .unwrap()
                .unwrap()
        };
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
                .open_artifact(&store.artifact_path("1/r1/artifacts/link").unwrap())
                .is_err()
        );
    }
}
