//! The run-history store: SQLite (WAL) for runs and values, files for artifacts, in one store folder.

mod artifacts;
mod experiments;
mod ingest;
mod inputs;
mod load;
mod logged_model_search;
mod logged_models;
mod metrics;
mod model_source;
mod model_version_rows;
mod model_versions;
#[doc(hidden)]
pub mod pg_testing;
mod prefilter;
mod pyramid;
mod registry;
mod registry_search;
mod runs;
mod schema;
mod search;
mod snapshots;
pub mod spool;
pub mod sql;

pub use artifacts::{ArtifactPath, safe_segments as safe_artifact_segments};
pub use metrics::XAxis;
pub use search::{Page, RunQuery, ViewType};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

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

/// How many idle read connections are kept open.
const MAX_IDLE_READERS: usize = 8;

pub struct Store {
    root: PathBuf,
    db_path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // WAL + NORMAL: a committed transaction survives a crash of this process.
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;
         PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;",
    )?;
    Ok(conn)
}

impl Store {
    /// Opens (creating if needed) the store in `root`, migrates it and replays any spooled batches.
    pub fn open(root: impl AsRef<Path>) -> Result<Store> {
        let root = root.as_ref().to_path_buf();
        std::fs::create_dir_all(root.join("artifacts"))?;
        let db_path = root.join(crate::api::layout::DATABASE_FILE);
        let mut writer = open_connection(&db_path)?;
        schema::migrate(&mut writer)?;
        let store = Store {
            root,
            db_path,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        };
        spool::replay(&store)?;
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Runs `f` on a read connection from the pool.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => open_connection(&self.db_path)?,
        };
        let out = f(&conn);
        let mut idle = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        out
    }

    /// Runs `f` in one immediate transaction: all of it is stored, or none of it.
    fn write<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

#[cfg(test)]
mod inputs_tests;
#[cfg(test)]
mod pyramid_tests;
#[cfg(test)]
mod registry_tests;
#[cfg(test)]
mod search_tests;
#[cfg(test)]
mod tests;
