//! MLflow tracking stores read in place: a database of MLflow's schema (SQLite, PostgreSQL) or a
//! `./mlruns` folder, with its artifact folders, mirrored into a store that the server then serves
//! read-only, and followed as MLflow writes to it. Or copied into a store of ours for good.

mod artifact_roots;
mod file_source;
mod mirror;
mod source;
mod sql_source;
mod yaml;

pub use artifact_roots::ArtifactRoots;
pub use mirror::{Mirror, Mode, Synced};
pub use source::Source;

use crate::follow::Follower;
use crate::store::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How often a followed store is looked at again.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// An MLflow tracking store, named as MLflow names it.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// `sqlite:///relative.db`, `sqlite:////absolute.db`, or a path to the file.
    Sqlite(PathBuf),
    /// `postgresql://...` (MLflow's `postgresql+psycopg2://` too).
    Postgres(String),
    /// A folder store: a path, or `file:///...`.
    Folder(PathBuf),
}

impl Location {
    pub fn parse(uri: &str) -> Result<Location, String> {
        if let Some(rest) = uri.strip_prefix("sqlite:///") {
            if rest.is_empty() || rest == ":memory:" {
                return Err("an in-memory SQLite store holds nothing to read".into());
            }
            return Ok(Location::Sqlite(PathBuf::from(rest)));
        }
        if let Some((scheme, rest)) = uri.split_once("://") {
            let dialect = scheme.split('+').next().unwrap_or(scheme);
            return match dialect {
                "postgresql" | "postgres" => Ok(Location::Postgres(format!("postgresql://{rest}"))),
                "file" => Ok(Location::Folder(PathBuf::from(
                    rest.strip_prefix("localhost").unwrap_or(rest),
                ))),
                "sqlite" => Err(format!("'{uri}': a SQLite store is named sqlite:///path/to/mlflow.db")),
                other => Err(format!(
                    "'{uri}': {other} stores are not read; give sqlite:///..., postgresql://... or an mlruns folder"
                )),
            };
        }
        let path = PathBuf::from(uri);
        if path.is_file() {
            Ok(Location::Sqlite(path))
        } else {
            Ok(Location::Folder(path))
        }
    }

    /// The store as a person reads it (a database's password left out).
    pub fn label(&self) -> String {
        match self {
            Location::Sqlite(p) => format!("MLflow store sqlite:///{}", p.display()),
            Location::Folder(p) => format!("MLflow store {}", p.display()),
            Location::Postgres(url) => format!("MLflow store {}", crate::format::without_password(url)),
        }
    }

    /// Opens the store for reading, with where its artifact URIs resolve.
    pub fn open(&self) -> Result<(Box<dyn Source>, ArtifactRoots), StoreError> {
        let (source, folder): (Box<dyn Source>, PathBuf) = match self {
            Location::Sqlite(path) => (
                Box::new(sql_source::SqlSource::sqlite(path)?),
                absolute(path).parent().map(Path::to_path_buf).unwrap_or_default(),
            ),
            Location::Postgres(url) => (
                Box::new(sql_source::SqlSource::postgres(url)?),
                std::env::current_dir().unwrap_or_default(),
            ),
            Location::Folder(path) => (
                Box::new(file_source::FileSource::open(path)?),
                absolute(path).parent().map(Path::to_path_buf).unwrap_or_default(),
            ),
        };
        let roots = ArtifactRoots {
            proxied: folder.join("mlartifacts"),
            relative_to: folder,
        };
        Ok((source, roots))
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// An MLflow store opened for reading: its index (in a temporary folder, gone when this is
/// dropped), filled with what the store held when opened and kept up to date while this lives.
pub struct OpenMlflowStore {
    pub store: Arc<Store>,
    /// The store as a person reads it (`Location::label`).
    pub label: String,
    /// What was read when it was opened.
    pub first: Synced,
    _follower: Follower,
    _dir: tempfile::TempDir,
}

#[derive(Debug, thiserror::Error)]
pub enum MlflowStoreError {
    #[error("{0}")]
    Location(String),
    #[error("cannot make a place for the store's index: {0}")]
    Temp(std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Follow(#[from] std::io::Error),
}

impl OpenMlflowStore {
    /// Reads the store at `uri` whole, then follows it every `interval`.
    pub fn open(uri: &str, interval: Duration) -> Result<OpenMlflowStore, MlflowStoreError> {
        let location = Location::parse(uri).map_err(MlflowStoreError::Location)?;
        let (source, roots) = location.open()?;
        let dir = tempfile::Builder::new()
            .prefix("runhistory-mlflow-")
            .tempdir()
            .map_err(MlflowStoreError::Temp)?;
        let store = Arc::new(Store::open_scratch(dir.path())?);
        let mut mirror = Mirror::new(source, roots, Mode::InPlace);
        let first = mirror.sync(&store)?;
        first.warnings.iter().for_each(|w| eprintln!("runhistory: {w}"));
        let following = store.clone();
        let label = location.label();
        let follower = Follower::start("mlflow-follower", label.clone(), interval, move |stopping| {
            match mirror.sync_with(&following, |_, _| !stopping()) {
                Ok(synced) => Ok(synced.warnings),
                Err(e) => {
                    // A connection lost (the database restarted) is made again for the next look.
                    if let Ok((source, _)) = location.open() {
                        mirror.replace_source(source);
                    }
                    Err(e.to_string())
                }
            }
        })?;
        Ok(OpenMlflowStore {
            store,
            label,
            first,
            _follower: follower,
            _dir: dir,
        })
    }

    /// Why writes are refused, as the server says it.
    pub fn read_only_reason(&self) -> String {
        format!("it is the {}, read in place", self.label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_named_as_mlflow_names_them() {
        assert_eq!(
            Location::parse("sqlite:////data/mlflow.db"),
            Ok(Location::Sqlite(PathBuf::from("/data/mlflow.db")))
        );
        assert_eq!(
            Location::parse("sqlite:///mlflow.db"),
            Ok(Location::Sqlite(PathBuf::from("mlflow.db")))
        );
        assert_eq!(
            Location::parse("postgresql+psycopg2://u:pw@h:5432/db"),
            Ok(Location::Postgres("postgresql://u:pw@h:5432/db".into()))
        );
        assert_eq!(
            Location::parse("file:///data/mlruns"),
            Ok(Location::Folder(PathBuf::from("/data/mlruns")))
        );
        assert_eq!(
            Location::parse("./mlruns"),
            Ok(Location::Folder(PathBuf::from("./mlruns")))
        );
        assert!(Location::parse("mysql://h/db").unwrap_err().contains("not read"));
        assert!(Location::parse("sqlite:///:memory:").is_err());
        assert_eq!(
            Location::Postgres("postgresql://u:pw@h:5432/db".into()).label(),
            "MLflow store postgresql://u@h:5432/db"
        );
    }
}
