//! Where the CLI finds a store to open directly (to serve it, import into it or manage its
//! users): the store folder, or a team database with the folder its files are kept in.

use super::CliError;
use crate::store::Store;
use std::path::{Path, PathBuf};

/// Where a server keeps its rows: the store folder's SQLite, or a team database with its files in
/// a folder every server over it sees, or in object storage.
pub enum Rows {
    Folder(PathBuf),
    Postgres {
        url: String,
        /// The folder of the files, or with `objects` the folder where uploads are staged.
        files: PathBuf,
        /// The object storage the files are kept in (`s3://`, `az://`, `gs://`).
        objects: Option<String>,
        connections: usize,
    },
}

impl Rows {
    /// From `--database` and `--artifacts` (or their environment variables) and `--store`.
    pub fn of(database: Option<&str>, artifacts: Option<&str>, store: &Path) -> Result<Rows, CliError> {
        let mut objects = None;
        let files = match artifacts.map(str::trim).filter(|a| !a.is_empty()) {
            None => store.to_path_buf(),
            Some(a) if crate::store::object_space::is_object_url(a) => {
                objects = Some(a.to_string());
                store.to_path_buf()
            }
            Some(a) => match a.strip_prefix("file://") {
                Some(path) if path.starts_with('/') => PathBuf::from(path),
                _ => {
                    return Err(CliError::Usage(format!(
                        "--artifacts takes file:///absolute/folder (a folder every server sees), \
                         s3://BUCKET/PREFIX, az://CONTAINER/PREFIX or gs://BUCKET/PREFIX; got '{a}'"
                    )));
                }
            },
        };
        match database.map(str::trim).filter(|d| !d.is_empty()) {
            None if artifacts.is_some_and(|a| !a.trim().is_empty()) => Err(CliError::Usage(
                "--artifacts goes with --database: a store folder keeps its own files (use --store)".into(),
            )),
            None => Ok(Rows::Folder(files)),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Ok(Rows::Postgres {
                url: url.to_string(),
                files,
                objects,
                connections: usize::from(crate::store::pg_pool::DEFAULT_MAX_CONNECTIONS),
            }),
            Some(other) => Err(CliError::Usage(format!(
                "--database takes a PostgreSQL URL (postgres://USER@HOST:PORT/DB); got '{}'",
                other.split('@').next_back().unwrap_or(other)
            ))),
        }
    }

    /// A team database opened with at most `n` connections.
    pub fn with_connections(self, n: usize) -> Rows {
        match self {
            Rows::Postgres {
                url, files, objects, ..
            } => Rows::Postgres {
                url,
                files,
                objects,
                connections: n,
            },
            folder => folder,
        }
    }

    pub fn open(&self) -> Result<Store, CliError> {
        match self {
            Rows::Folder(dir) => Store::open(dir).map_err(|source| {
                CliError::from(crate::connect::ConnectError::Store {
                    dir: dir.clone(),
                    source,
                })
            }),
            Rows::Postgres {
                url,
                files,
                objects,
                connections,
            } => {
                let store = Store::open_postgres_with(url, files, *connections).map_err(|e| {
                    CliError::Usage(format!(
                        "cannot open the database {}: {e}",
                        crate::format::without_password(url)
                    ))
                })?;
                match objects {
                    None => Ok(store),
                    Some(o) => store.keep_files_in(o).map_err(|e| CliError::Usage(e.to_string())),
                }
            }
        }
    }

    /// What the server says it serves, with no password in it.
    pub fn describe(&self) -> String {
        match self {
            Rows::Folder(dir) => format!("the store {}", dir.display()),
            Rows::Postgres {
                url, files, objects, ..
            } => {
                format!(
                    "the database {} with files in {}",
                    crate::format::without_password(url),
                    objects.clone().unwrap_or_else(|| files.display().to_string())
                )
            }
        }
    }
}
