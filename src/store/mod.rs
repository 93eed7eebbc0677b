//! The run-history store: SQLite (WAL) for runs and values, files for artifacts, in one store folder.

mod artifacts;
mod backend;
mod copy;
mod curves;
mod experiments;
pub mod file_space;
mod ingest;
mod inputs;
mod load;
mod local_files;
mod logged_model_search;
mod logged_models;
mod metrics;
mod model_source;
mod model_version_rows;
mod model_versions;
pub mod object_space;
mod permissions;
pub mod pg_pool;
#[doc(hidden)]
pub mod pg_testing;
mod point_blocks;
mod points;
mod prefilter;
mod pyramid;
mod registry;
mod registry_search;
mod runs;
mod schema;
mod schema_pg;
mod search;
mod snapshots;
pub mod spool;
pub mod sql;
mod sql_pg;
mod users;

pub use artifacts::{ArtifactPath, safe_segments as safe_artifact_segments};
pub use copy::{CopyProgress, CopyReport};
pub use metrics::XAxis;
pub use search::{Page, RunQuery, ViewType};

use std::path::{Path, PathBuf};

/// Why a store call failed; each kind maps to one HTTP status and MLflow error code.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    TooLarge(String),
    /// The store cannot take writes now (disk full, locked for too long); trying later may work.
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::Unavailable(
                "The store's disk is full: nothing was written. Free some space and retry.".into(),
            ),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                StoreError::Unavailable("The store is busy: nothing was written. Retry.".into())
            }
            _ => StoreError::Internal(format!("store error: {e}")),
        }
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::StorageFull {
            StoreError::Unavailable("The store's disk is full: nothing was written. Free some space and retry.".into())
        } else {
            StoreError::Internal(format!("file error: {e}"))
        }
    }
}

pub struct Store {
    root: PathBuf,
    backend: backend::Backend,
    /// Where artifacts, snapshot contents and models live: the root folder, or object storage.
    files: file_space::FileSpace,
    /// Artifact folders kept outside the root (a store read in place), by the path prefix they
    /// stand for: `[experiment, run, "artifacts"]` or `[experiment, "models", model, "artifacts"]`.
    external_artifacts: std::sync::RwLock<std::collections::HashMap<Vec<String>, PathBuf>>,
}

impl Store {
    /// Opens (creating if needed) the store in `root`, migrates it and replays any spooled batches.
    pub fn open(root: impl AsRef<Path>) -> Result<Store> {
        let root = root.as_ref().to_path_buf();
        std::fs::create_dir_all(root.join("artifacts"))?;
        let store = Store {
            backend: backend::Backend::sqlite(&root.join(crate::api::layout::DATABASE_FILE))?,
            files: file_space::FileSpace::Folder(root.clone()),
            root,
            external_artifacts: Default::default(),
        };
        spool::replay(&store)?;
        Ok(store)
    }

    /// A new store in `root` that only indexes files kept elsewhere (a logdir read in place): it
    /// is thrown away with its folder, so its writes skip syncing to disk and checkpoint seldom.
    /// A crash loses nothing that is not read again from those files.
    pub fn open_scratch(root: impl AsRef<Path>) -> Result<Store> {
        let store = Store::open(root)?;
        store.set_on_writer("PRAGMA synchronous=OFF; PRAGMA wal_autocheckpoint=100000;")?;
        Ok(store)
    }

    /// Opens a team store: rows in the PostgreSQL database at `url` (migrated if needed), files
    /// under `root`; replays any batches spooled under `root`, as `open` does.
    pub fn open_postgres(url: &str, root: impl AsRef<Path>) -> Result<Store> {
        Self::open_postgres_with(url, root, usize::from(pg_pool::DEFAULT_MAX_CONNECTIONS))
    }

    /// `open_postgres` with at most `max_connections` database connections open at once.
    pub fn open_postgres_with(url: &str, root: impl AsRef<Path>, max_connections: usize) -> Result<Store> {
        let root = root.as_ref().to_path_buf();
        std::fs::create_dir_all(root.join("artifacts"))?;
        let store = Store {
            backend: backend::Backend::postgres(url, max_connections)?,
            files: file_space::FileSpace::Folder(root.clone()),
            root,
            external_artifacts: Default::default(),
        };
        spool::replay(&store)?;
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Keeps the store's files (artifacts, snapshot contents, models) in object storage at `url`
    /// (`s3://`, `az://`, `gs://`) instead of its folder, which then holds only uploads under way.
    /// Refused at once, in one line, when the bucket or container cannot be listed.
    pub fn keep_files_in(mut self, url: &str) -> Result<Store> {
        self.files =
            file_space::FileSpace::Objects(object_space::ObjectSpace::connect(url, &self.root.join("staging"))?);
        Ok(self)
    }

    /// Where the store's files are: its folder, or an object-storage URL.
    pub fn files_location(&self) -> String {
        self.files.describe()
    }
}

#[cfg(test)]
mod both_databases_curves_tests;
#[cfg(test)]
mod both_databases_models_tests;
#[cfg(test)]
mod both_databases_points_tests;
#[cfg(test)]
mod both_databases_search_tests;
#[cfg(test)]
mod both_databases_tests;
#[cfg(test)]
mod copy_tests;
#[cfg(test)]
mod inputs_tests;
#[cfg(test)]
mod pg_pool_tests;
#[cfg(test)]
mod point_blocks_tests;
#[cfg(test)]
mod pyramid_tests;
#[cfg(test)]
mod registry_tests;
#[cfg(test)]
mod search_tests;
#[cfg(test)]
mod sql_tests;
#[cfg(test)]
mod tests;
