//! One way to get a client, for the CLI and the workbench alike: a running server by URL, or our
//! server started in-process over a store folder, a TensorBoard logdir or an MLflow store (so even
//! then every read goes through HTTP).

use crate::api::layout::DATABASE_FILE;
use crate::client::{ClientError, HistoryClient};
use crate::mlflow_store::OpenMlflowStore;
use crate::server::{AppState, EmbeddedServer};
use crate::store::{Store, StoreError};
use crate::tensorboard::OpenLogdir;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the history comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// Our server, started in-process over this store folder.
    Embedded {
        store: PathBuf,
        /// Create the store if the folder holds none yet (else that is an error).
        create: bool,
    },
    /// A running server: ours, or a stock MLflow server.
    Remote { url: String, token: Option<String> },
    /// A TensorBoard logdir, read in place and followed as it grows; read-only.
    Logdir(PathBuf),
    /// An MLflow tracking store (as MLflow names it), read in place and followed; read-only.
    MlflowStore(String),
}

impl Source {
    /// A running server if a URL is given, else the store folder (created when `create`).
    pub fn of(server: Option<&str>, token: Option<String>, store: &Path, create: bool) -> Source {
        match server {
            Some(url) => Source::Remote {
                url: url.to_string(),
                token: token_or_env(token),
            },
            None => Source::Embedded {
                store: store.to_path_buf(),
                create,
            },
        }
    }
}

/// The token given, else MLflow's `MLFLOW_TRACKING_TOKEN`.
pub fn token_or_env(token: Option<String>) -> Option<String> {
    token.or_else(|| std::env::var("MLFLOW_TRACKING_TOKEN").ok())
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("no run history in {} yet: log a run first, or pass --store DIR or --server URL", .0.display())]
    NoHistory(PathBuf),
    #[error("cannot open the store {}: {source}", dir.display())]
    Store { dir: PathBuf, source: StoreError },
    #[error("cannot start the embedded server: {0}")]
    Start(#[from] std::io::Error),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("cannot read the logdir: {0}")]
    Logdir(#[from] crate::tensorboard::LogdirError),
    #[error("cannot read the MLflow store: {0}")]
    MlflowStore(#[from] crate::mlflow_store::MlflowStoreError),
}

/// What a history read in place keeps alive: its index and the thread that follows it.
#[allow(dead_code, reason = "held only to be dropped with the connection")]
enum InPlace {
    Logdir(OpenLogdir),
    MlflowStore(OpenMlflowStore),
}

/// A client, and the in-process server behind it when there is one (stopped when this is dropped).
pub struct Connection {
    pub client: HistoryClient,
    /// Where the data comes from, as a person reads it.
    pub label: String,
    /// The same, stable across runs of the program (a store's full path, a server's URL): what
    /// per-experiment settings are kept under, so two stores never share them.
    pub identity: String,
    /// Declared before what is read in place so that the server stops before its index goes.
    _embedded: Option<EmbeddedServer>,
    _in_place: Option<InPlace>,
}

/// Connects to the source: for a store folder, opens it and serves it on a free loopback port.
pub fn connect(source: Source) -> Result<Connection, ConnectError> {
    match source {
        Source::Remote { url, token } => Ok(Connection {
            client: HistoryClient::new(&url, token)?,
            identity: url.trim_end_matches('/').to_string(),
            label: url,
            _embedded: None,
            _in_place: None,
        }),
        Source::Logdir(dir) => {
            let logdir = OpenLogdir::open(&dir, crate::tensorboard::POLL_INTERVAL)?;
            let reason = OpenLogdir::read_only_reason(&dir);
            let identity = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
            serve_in_place(
                logdir.store.clone(),
                reason,
                format!("TensorBoard logdir {}", dir.display()),
                format!("tensorboard:{}", identity.display()),
                InPlace::Logdir(logdir),
            )
        }
        Source::MlflowStore(uri) => {
            let opened = OpenMlflowStore::open(&uri, crate::mlflow_store::POLL_INTERVAL)?;
            let (reason, label) = (opened.read_only_reason(), opened.label.clone());
            let identity = format!("mlflow:{}", in_place_identity(&uri));
            serve_in_place(
                opened.store.clone(),
                reason,
                label,
                identity,
                InPlace::MlflowStore(opened),
            )
        }
        Source::Embedded { store: dir, create } => {
            if !create && !dir.join(DATABASE_FILE).exists() {
                return Err(ConnectError::NoHistory(dir));
            }
            let store = Store::open(&dir).map_err(|source| ConnectError::Store {
                dir: dir.clone(),
                source,
            })?;
            let server = EmbeddedServer::start(Arc::new(store), None)?;
            Ok(Connection {
                client: HistoryClient::new(&server.url(), None)?,
                label: format!("Store {}", dir.display()),
                identity: std::fs::canonicalize(&dir)
                    .unwrap_or_else(|_| dir.clone())
                    .display()
                    .to_string(),
                _embedded: Some(server),
                _in_place: None,
            })
        }
    }
}

/// Our server over the index of a history read in place, every write refused for `reason`.
fn serve_in_place(
    store: Arc<Store>,
    reason: String,
    label: String,
    identity: String,
    kept: InPlace,
) -> Result<Connection, ConnectError> {
    let server = EmbeddedServer::start_with(AppState {
        store,
        token: None,
        auth: false,
        default_permission: crate::api::users::Permission::Read,
        read_only: Some(Arc::from(reason)),
    })?;
    Ok(Connection {
        client: HistoryClient::new(&server.url(), None)?,
        label,
        identity,
        _embedded: Some(server),
        _in_place: Some(kept),
    })
}

/// An MLflow store's URI with a path in it made absolute, so that settings kept under it hold
/// wherever the program is started.
fn in_place_identity(uri: &str) -> String {
    use crate::mlflow_store::Location;
    match Location::parse(uri) {
        Ok(Location::Sqlite(p)) => format!("sqlite:///{}", std::fs::canonicalize(&p).unwrap_or(p).display()),
        Ok(Location::Folder(p)) => std::fs::canonicalize(&p).unwrap_or(p).display().to_string(),
        _ => crate::format::without_password(uri),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_store_is_refused_unless_created_and_a_created_one_serves() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("s");
        let refused = connect(Source::of(None, None, &store, false));
        assert!(matches!(refused, Err(ConnectError::NoHistory(_))));
        let conn = connect(Source::of(None, None, &store, true)).unwrap();
        assert!(conn.client.base_url().starts_with("http://127.0.0.1:"));
        assert!(store.join(DATABASE_FILE).is_file());
        let rt = tokio::runtime::Runtime::new().unwrap();
        let info = rt.block_on(conn.client.server_info()).unwrap();
        assert_eq!(Path::new(&info.store), store);
    }

    #[test]
    fn a_url_is_used_as_given() {
        let s = Source::of(Some("http://h:1"), Some("t".into()), Path::new("x"), false);
        assert_eq!(
            s,
            Source::Remote {
                url: "http://h:1".into(),
                token: Some("t".into())
            }
        );
        let conn = connect(s).unwrap();
        assert_eq!(conn.client.base_url(), "http://h:1");
        assert_eq!(conn.label, "http://h:1");
    }
}
