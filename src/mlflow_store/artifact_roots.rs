//! Where an MLflow store's artifact URIs point on this machine, and its files copied into a store
//! of ours by an import (streamed, and only the files it lacks).

use crate::store::{ArtifactPath, Store, StoreError};
use std::path::{Path, PathBuf};

/// Where artifact URIs that are not absolute resolve: relative paths against the store's
/// folder, and `mlflow-artifacts:` (an MLflow server's proxy) against its `mlartifacts` folder.
#[derive(Debug, Clone)]
pub struct ArtifactRoots {
    pub relative_to: PathBuf,
    pub proxied: PathBuf,
}

impl ArtifactRoots {
    /// The local folder an artifact URI names, or why it is not read.
    pub fn folder(&self, uri: &str) -> Result<PathBuf, String> {
        if let Some(rest) = uri.strip_prefix("file://") {
            let path = rest.strip_prefix("localhost").unwrap_or(rest);
            return Ok(PathBuf::from(percent_decode(path)));
        }
        if let Some(rest) = uri.strip_prefix("mlflow-artifacts:") {
            // `mlflow-artifacts://host:port/path` or `mlflow-artifacts:/path`.
            let path = match rest.strip_prefix("//") {
                Some(authority_and_path) => authority_and_path.split_once('/').map_or("", |(_, p)| p),
                None => rest,
            };
            return Ok(self.proxied.join(path.trim_start_matches('/')));
        }
        let scheme = uri
            .split_once(':')
            .map(|(s, _)| s)
            .filter(|s| s.len() > 1 && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)));
        if scheme.is_some() {
            return Err(format!(
                "its artifacts are at {uri}, which is not read (only files on this machine are)"
            ));
        }
        if uri.is_empty() {
            return Err("it names no artifact location".into());
        }
        Ok(self.relative_to.join(uri))
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every regular file below `dir` as (relative path, file); links are not followed.
pub fn collect_files(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        match e.file_type() {
            Ok(t) if t.is_dir() => collect_files(&e.path(), &rel, out),
            Ok(t) if t.is_file() => out.push((rel, e.path())),
            _ => {}
        }
    }
}

/// Copies `source` to `place` unless a file of its size is there; whether it copied.
pub fn copy_in(store: &Store, place: &ArtifactPath, source: &Path) -> Result<bool, StoreError> {
    let size = std::fs::metadata(source)?.len();
    if size > crate::api::limits::MAX_ARTIFACT_BYTES {
        return Err(StoreError::TooLarge(format!("{size} bytes, over the 512 MB limit")));
    }
    if store.artifact_size(place)? == Some(size) {
        return Ok(false);
    }
    store.put_artifact_file(place, source)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris_resolve_to_local_folders_or_say_why_not() {
        let roots = ArtifactRoots {
            relative_to: PathBuf::from("/data"),
            proxied: PathBuf::from("/data/mlartifacts"),
        };
        assert_eq!(
            roots.folder("/abs/1/r/artifacts"),
            Ok(PathBuf::from("/abs/1/r/artifacts"))
        );
        assert_eq!(
            roots.folder("file:///abs/my%20runs/a"),
            Ok(PathBuf::from("/abs/my runs/a"))
        );
        assert_eq!(
            roots.folder("./mlruns/1/r/artifacts"),
            Ok(PathBuf::from("/data/./mlruns/1/r/artifacts"))
        );
        assert_eq!(
            roots.folder("mlflow-artifacts:/1/r/artifacts"),
            Ok(PathBuf::from("/data/mlartifacts/1/r/artifacts"))
        );
        assert_eq!(
            roots.folder("mlflow-artifacts://host:5000/1/r/artifacts"),
            Ok(PathBuf::from("/data/mlartifacts/1/r/artifacts"))
        );
        assert!(
            roots
                .folder("s3://bucket/1/r/artifacts")
                .unwrap_err()
                .contains("s3://bucket")
        );
        assert!(roots.folder("").is_err());
    }
}
