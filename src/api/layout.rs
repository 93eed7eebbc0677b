//! Names in a store folder that clients know of: where the embedded default lives and where a
//! logger spools what it could not deliver (the server replays that folder when it opens the store).

/// The default store folder, relative to the current directory.
pub const DEFAULT_STORE_DIR: &str = ".runhistory";
/// The folder under a store where undelivered batches wait, one `*.jsonl` file each.
pub const SPOOL_DIR: &str = "spool";
/// The database file of an embedded store.
pub const DATABASE_FILE: &str = "runhistory.db";
