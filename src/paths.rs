//! Relative paths from the wire (artifact paths, snapshot files) and where they land on disk: pure
//! checks shared by the store, downloads and restores, so that none can leave its folder.

use std::path::{Path, PathBuf};

const MAX_SEGMENT_LEN: usize = 255;

/// A relative path refused: it could name a place outside its folder.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct PathError(String);
const MAX_PATH_LEN: usize = 4096;

/// Splits a relative path into segments, refusing anything that could name a place outside.
pub fn safe_segments(path: &str) -> Result<Vec<String>, PathError> {
    let bad = |why: &str| PathError(format!("Invalid artifact path '{}': {why}", path.escape_debug()));
    if path.len() > MAX_PATH_LEN {
        return Err(bad("too long"));
    }
    if path.starts_with('/') || path.starts_with('\\') {
        return Err(bad("absolute paths are not allowed"));
    }
    if path.contains('\0') {
        return Err(bad("NUL characters are not allowed"));
    }
    if path.contains('\\') {
        return Err(bad("backslashes are not allowed"));
    }
    let mut out = Vec::new();
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    for seg in trimmed.split('/') {
        match seg {
            "" if trimmed.is_empty() => continue,
            "" => return Err(bad("empty segments ('//') are not allowed")),
            "." | ".." => return Err(bad("'.' and '..' are not allowed")),
            s if s.len() > MAX_SEGMENT_LEN => {
                return Err(bad("a path segment is longer than 255 bytes"));
            }
            s if s.len() >= 2 && s.as_bytes()[1] == b':' => {
                return Err(bad("drive letters are not allowed"));
            }
            s => out.push(s.to_string()),
        }
    }
    Ok(out)
}

/// Where `rel` lands inside `root`; refused if it could lead anywhere else: `..`, absolute paths,
/// or a symbolic link on the way (an existing part of the path below `root` that is a link).
pub fn target_in(root: &Path, rel: &str) -> Result<PathBuf, PathError> {
    let segments = safe_segments(rel)?;
    if segments.is_empty() {
        return Err(PathError("an empty path".into()));
    }
    let mut p = root.to_path_buf();
    for seg in &segments {
        p.push(seg);
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(PathError(format!("'{rel}' goes through a symbolic link")));
        }
    }
    Ok(p)
}
