//! A file space in a folder of this machine: every key is a path of checked segments below the
//! folder, and no existing part of it may be a symbolic link, so nothing outside is ever named.

use super::file_space::{Content, Entry, Opened};
use super::{Result, StoreError};
use crate::api::FileInfo;
use std::path::{Path, PathBuf};

/// Marks temporary upload files, which listings leave out.
pub(super) const UPLOAD_PREFIX: &str = ".upload-";

/// Where `key` is below `root` (it may not exist yet); refused if any existing part of it is a
/// symbolic link.
pub(super) fn below(root: &Path, key: &[String]) -> Result<PathBuf> {
    let mut p = root.to_path_buf();
    for seg in key {
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
    Ok(root.join(key.iter().collect::<PathBuf>()))
}

pub(super) fn stat(root: &Path, key: &[String]) -> Result<Option<Entry>> {
    Ok(match std::fs::metadata(below(root, key)?) {
        Ok(m) if m.is_dir() => Some(Entry::Folder),
        Ok(m) if m.is_file() => Some(Entry::File(m.len())),
        _ => None,
    })
}

pub(super) fn children(root: &Path, key: &[String]) -> Result<Vec<FileInfo>> {
    let dir = below(root, key)?;
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut entries = std::fs::read_dir(&dir)?.collect::<std::io::Result<Vec<_>>>()?;
    entries.sort_by_key(|e| e.file_name());
    let mut out = Vec::new();
    for e in entries {
        let path = e.file_name().to_string_lossy().to_string();
        let ft = e.file_type()?;
        if path.starts_with(UPLOAD_PREFIX) || ft.is_symlink() {
            continue;
        }
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

pub(super) fn walk(root: &Path, key: &[String]) -> Result<Vec<(String, u64)>> {
    let mut out = Vec::new();
    walk_into(&below(root, key)?, "", &mut out)?;
    Ok(out)
}

fn walk_into(dir: &Path, prefix: &str, out: &mut Vec<(String, u64)>) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut entries = entries.collect::<std::io::Result<Vec<_>>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with(UPLOAD_PREFIX) {
            continue;
        }
        let ft = e.file_type()?;
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if ft.is_dir() {
            walk_into(&e.path(), &rel, out)?;
        } else if ft.is_file() {
            out.push((rel, e.metadata()?.len()));
        }
    }
    Ok(())
}

/// A fresh temporary file beside the file at `key`, so that the finished upload is a rename.
pub(super) fn temp_beside(root: &Path, key: &[String]) -> Result<PathBuf> {
    let dest = below(root, key)?;
    let parent = dest
        .parent()
        .ok_or_else(|| StoreError::Internal("a file has no parent folder".into()))?;
    std::fs::create_dir_all(parent)?;
    // Checked again after making folders: a link that raced in must not be followed.
    let dest = below(root, key)?;
    if dest.is_dir() {
        return Err(StoreError::Invalid(format!("'{}' is a folder", key[1..].join("/"))));
    }
    Ok(parent.join(format!("{UPLOAD_PREFIX}{:016x}", rand::random::<u64>())))
}

pub(super) fn append(root: &Path, key: &[String], bytes: &[u8], limit: u64) -> Result<u64> {
    use std::io::Write;
    // Makes the folders and refuses a folder at the key, as an upload would.
    let temp = temp_beside(root, key)?;
    let _ = std::fs::remove_file(temp);
    let dest = below(root, key)?;
    let before = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
    if before + bytes.len() as u64 > limit {
        return Err(StoreError::TooLarge(format!(
            "Artifact '{}' would pass the limit of {limit} bytes",
            key[1..].join("/")
        )));
    }
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&dest)?;
    f.write_all(bytes)?;
    f.sync_data()?;
    Ok(before + bytes.len() as u64)
}

/// Deletes a file or a folder with all below it; false when nothing was there.
pub(super) fn delete(root: &Path, key: &[String]) -> Result<bool> {
    let path = below(root, key)?;
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path)?,
        Ok(_) => std::fs::remove_file(&path)?,
        Err(_) => return Ok(false),
    }
    Ok(true)
}

pub(super) fn open(root: &Path, key: &[String]) -> Result<Opened> {
    let path = below(root, key)?;
    Ok(if path.is_dir() {
        Opened::Folder
    } else if path.is_file() {
        Opened::File(Content::Path(path))
    } else {
        Opened::Missing
    })
}
