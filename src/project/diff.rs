//! Differences between two snapshots: which files were added, removed or changed, and a unified
//! text diff of a changed file. Plain data, for the compare view and the CLI.

use crate::api::snapshot::{Snapshot, SnapshotFile};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
    Modified,
}

impl Change {
    pub fn label(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Modified => "changed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileDiff {
    pub path: String,
    pub change: Change,
    pub old: Option<SnapshotFile>,
    pub new: Option<SnapshotFile>,
}

/// The files that differ from `old` to `new`, by path.
pub fn diff_snapshots(old: &Snapshot, new: &Snapshot) -> Vec<FileDiff> {
    let mut by_path: BTreeMap<&str, (Option<&SnapshotFile>, Option<&SnapshotFile>)> = BTreeMap::new();
    for f in &old.files {
        by_path.entry(&f.path).or_default().0 = Some(f);
    }
    for f in &new.files {
        by_path.entry(&f.path).or_default().1 = Some(f);
    }
    by_path
        .into_iter()
        .filter_map(|(path, (a, b))| {
            let change = match (a, b) {
                (Some(a), Some(b)) if a.hash == b.hash => return None,
                (Some(_), Some(_)) => Change::Modified,
                (None, Some(_)) => Change::Added,
                (Some(_), None) => Change::Removed,
                (None, None) => return None,
            };
            Some(FileDiff {
                path: path.to_string(),
                change,
                old: a.cloned(),
                new: b.cloned(),
            })
        })
        .collect()
}

/// Text, if these bytes look like it (UTF-8 without NUL).
pub fn as_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    (!text.contains('\0')).then_some(text)
}

/// A unified diff with three lines of context; None when either side is not text.
pub fn unified_diff(path: &str, old: &[u8], new: &[u8]) -> Option<String> {
    let (old, new) = (as_text(old)?, as_text(new)?);
    let diff = similar::TextDiff::from_lines(old, new);
    Some(
        diff.unified_diff()
            .context_radius(3)
            .header(&format!("a/{path}"), &format!("b/{path}"))
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, hash: &str) -> SnapshotFile {
        SnapshotFile {
            path: path.into(),
            hash: hash.repeat(64),
            size: 1,
            executable: false,
        }
    }

    fn snap(files: Vec<SnapshotFile>) -> Snapshot {
        Snapshot {
            snapshot_id: 1,
            created_time: 0,
            label: "run".into(),
            run_id: None,
            files,
        }
    }

    #[test]
    fn finds_added_removed_and_changed_files() {
        let a = snap(vec![file("same.py", "a"), file("gone.py", "b"), file("train.py", "c")]);
        let b = snap(vec![file("same.py", "a"), file("new.py", "d"), file("train.py", "e")]);
        let d: Vec<(String, Change)> = diff_snapshots(&a, &b).into_iter().map(|d| (d.path, d.change)).collect();
        assert_eq!(
            d,
            [
                ("gone.py".to_string(), Change::Removed),
                ("new.py".to_string(), Change::Added),
                ("train.py".to_string(), Change::Modified)
            ]
        );
    }

    #[test]
    fn text_diff_shows_changed_lines_and_refuses_binary() {
        let d = unified_diff("train.py", b"reg = 0.01\nepochs = 5\n", b"reg = 0.5\nepochs = 5\n").unwrap();
        assert!(d.contains("-reg = 0.01"), "{d}");
        assert!(d.contains("+reg = 0.5"), "{d}");
        assert!(d.contains("a/train.py"));
        assert!(unified_diff("x.bin", b"\0\x01", b"text").is_none());
    }
}
