//! A logdir's files: the folders holding event files (the runs, named as TensorBoard names them)
//! and their bytes read a chunk at a time from a position.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The run's name: its folder relative to the logdir, or "." for event files right in it (as
/// TensorBoard names them: a folder of the logdir's own name below it stays apart).
pub(super) fn run_name(root: &Path, dir: &Path) -> String {
    match dir.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        _ => ".".into(),
    }
}

/// Every folder below `dir` (itself included) holding event files, with those files' names in
/// order (their names begin with the time they were made). Symbolic links to folders are not
/// followed, so a link cannot make the walk go round forever.
pub(super) fn find_event_files(
    root: &Path,
    dir: &Path,
    found: &mut BTreeMap<PathBuf, Vec<OsString>>,
) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        // A folder removed while the walk went on is no run any more.
        Err(_) if dir != root => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else { continue };
        let name = entry.file_name();
        if kind.is_dir() {
            dirs.push(entry.path());
        } else if name.to_string_lossy().contains("tfevents") {
            files.push(name);
        }
    }
    if !files.is_empty() {
        files.sort();
        found.insert(dir.to_path_buf(), files);
    }
    for d in dirs {
        find_event_files(root, &d, found)?;
    }
    Ok(())
}

/// At most `limit` bytes of `path` past `offset`; None when the file is now shorter than that
/// (rewritten).
pub(super) fn read_from(path: &Path, offset: u64, limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    if len < offset {
        return Ok(None);
    }
    if len == offset {
        return Ok(Some(Vec::new()));
    }
    f.seek(SeekFrom::Start(offset))?;
    let want = usize::try_from(len - offset).unwrap_or(usize::MAX).min(limit);
    let mut bytes = Vec::with_capacity(want);
    f.take(want as u64).read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}
