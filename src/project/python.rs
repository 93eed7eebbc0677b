//! The Python client, carried inside the binary: a tracked run's script can
//! `from runhistory import get_logger` without installing anything.

use super::walk::hash_bytes;
use std::path::PathBuf;

const FILES: &[(&str, &str)] = &[
    ("__init__.py", include_str!("../../python/runhistory/__init__.py")),
    ("_transport.py", include_str!("../../python/runhistory/_transport.py")),
    ("_worker.py", include_str!("../../python/runhistory/_worker.py")),
];

/// A folder to put on PYTHONPATH that holds the `runhistory` package, written once per version.
pub fn python_path() -> std::io::Result<PathBuf> {
    let all: String = FILES.iter().map(|(_, text)| *text).collect();
    let tag = &hash_bytes(all.as_bytes())[..12];
    let base = std::env::temp_dir().join("runhistory-python");
    let dir = base.join(tag);
    if FILES
        .iter()
        .all(|(name, text)| std::fs::read_to_string(dir.join("runhistory").join(name)).is_ok_and(|t| t == *text))
    {
        return Ok(dir);
    }
    // Written beside, then renamed into place: a reader never sees half a package.
    let staging = base.join(format!(".staging-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(staging.join("runhistory"))?;
    for (name, text) in FILES {
        std::fs::write(staging.join("runhistory").join(name), text)?;
    }
    if std::fs::rename(&staging, &dir).is_err() {
        // Another launcher got there first, or a stale copy is in the way: replace it.
        let _ = std::fs::remove_dir_all(&dir);
        if let Err(e) = std::fs::rename(&staging, &dir) {
            let _ = std::fs::remove_dir_all(&staging);
            if !dir.join("runhistory").join("__init__.py").is_file() {
                return Err(e);
            }
        }
    }
    Ok(dir)
}
