//! Which files of a project folder belong in its snapshot: `.gitignore` (and `.runhistoryignore`)
//! honoured; `outputs/`, store folders and VCS folders skipped; files over a size cap left out.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The default size cap of one snapshotted file.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;

/// The default per-file cap of snapshots, overridable with RUNHISTORY_SNAPSHOT_MAX_FILE_BYTES.
pub fn snapshot_cap_from_env() -> u64 {
    std::env::var("RUNHISTORY_SNAPSHOT_MAX_FILE_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MAX_FILE_BYTES)
}

/// Folders never snapshotted, at any depth.
const SKIPPED_DIRS: &[&str] = &[".git", ".hg", ".svn", ".runhistory", "__pycache__"];

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectFile {
    /// Path inside the project, with `/`.
    pub rel: String,
    pub abs: PathBuf,
    pub size: u64,
    pub executable: bool,
}

/// A file the walk left out, and why (shown in the run's log).
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub rel: String,
    pub abs: PathBuf,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<ProjectFile>,
    /// Files over the size cap, and symbolic links (never followed).
    pub skipped: Vec<Skipped>,
}

fn is_store_dir(path: &Path) -> bool {
    path.join("runhistory.db").is_file()
}

fn rel_of(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Lists the project's files, sorted by path.
pub fn walk(root: &Path, max_file_bytes: u64) -> std::io::Result<Walk> {
    let root_for_filter = root.to_path_buf();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .parents(false)
        .follow_links(false)
        .add_custom_ignore_filename(".runhistoryignore")
        .filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            if !is_dir {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            let top_outputs = e.depth() == 1 && name == "outputs";
            !(top_outputs
                || SKIPPED_DIRS.contains(&name.as_ref())
                || (e.path() != root_for_filter && is_store_dir(e.path())))
        })
        .build();
    let mut out = Walk::default();
    for entry in walker {
        let entry = entry.map_err(std::io::Error::other)?;
        if entry.depth() == 0 {
            continue;
        }
        let Some(kind) = entry.file_type() else { continue };
        let Some(rel) = rel_of(root, entry.path()) else {
            continue; // a name that is not UTF-8 cannot be stored as a path
        };
        if kind.is_symlink() {
            out.skipped.push(Skipped {
                rel,
                abs: entry.path().to_path_buf(),
                reason: "symbolic link (not followed)".into(),
            });
            continue;
        }
        if !kind.is_file() {
            continue;
        }
        let meta = entry.metadata().map_err(std::io::Error::other)?;
        if meta.len() > max_file_bytes {
            out.skipped.push(Skipped {
                rel,
                abs: entry.path().to_path_buf(),
                reason: format!("{} bytes, over the snapshot cap of {max_file_bytes}", meta.len()),
            });
            continue;
        }
        out.files.push(ProjectFile {
            rel,
            abs: entry.path().to_path_buf(),
            size: meta.len(),
            executable: is_executable(&meta),
        });
    }
    out.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    out.skipped.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// The SHA-256 of a file's content, in lowercase hex.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

pub fn hash_bytes(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, content: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    #[test]
    fn honours_gitignore_and_skips_outputs_vcs_stores_and_big_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "train.py", "print(1)");
        write(root, "lib/util.py", "x = 1");
        write(root, ".gitignore", "data/\n*.tmp\n");
        write(root, "data/big.csv", "1,2");
        write(root, "scratch.tmp", "junk");
        write(root, "outputs/model.pkl", "m");
        write(root, "lib/outputs/kept.txt", "only the top outputs/ is skipped");
        write(root, ".git/HEAD", "ref");
        write(root, "mystore/runhistory.db", "db");
        write(root, "huge.bin", &"x".repeat(2000));
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "secret.txt", "not yours");
        std::os::unix::fs::symlink(outside.path(), root.join("linked")).unwrap();
        let w = walk(root, 1000).unwrap();
        let rels: Vec<&str> = w.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, [".gitignore", "lib/outputs/kept.txt", "lib/util.py", "train.py"]);
        let skipped: Vec<(&str, &str)> = w.skipped.iter().map(|s| (s.rel.as_str(), s.reason.as_str())).collect();
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(skipped[0].0 == "huge.bin" && skipped[0].1.contains("over the snapshot cap"));
        assert!(
            skipped[1].0 == "linked" && skipped[1].1.contains("symbolic link"),
            "links are never followed"
        );
    }

    #[test]
    fn hashes_match_for_same_content() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a", "same");
        write(dir.path(), "b", "same");
        let a = hash_file(&dir.path().join("a")).unwrap();
        assert_eq!(a, hash_file(&dir.path().join("b")).unwrap());
        assert_eq!(a, hash_bytes(b"same"));
        assert!(crate::api::snapshot::is_content_hash(&a));
    }
}
