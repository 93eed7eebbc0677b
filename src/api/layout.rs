//! Names in a store folder that clients know of: where the embedded default lives and where a
//! logger spools what it could not deliver (the server replays that folder when it opens the store).

/// The default store folder, relative to the current directory.
pub const DEFAULT_STORE_DIR: &str = ".runhistory";
/// The folder under a store where undelivered batches wait, one `*.jsonl` file each.
pub const SPOOL_DIR: &str = "spool";
/// The database file of an embedded store.
pub const DATABASE_FILE: &str = "runhistory.db";

/// The complete spool files of a folder, oldest first (their names sort by time); the `failed-*`
/// files a replay set aside, and files still being written (`*.tmp`), are left out.
pub fn spool_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<std::path::PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "jsonl")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("failed-"))
        })
        .collect();
    files.sort();
    files
}
