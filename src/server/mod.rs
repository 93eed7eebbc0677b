//! The history server: the MLflow REST API 2.0 and our extensions over one store, on axum.

mod artifacts;
mod auth;
mod convert;
pub mod error;
mod experiments;
mod ext;
mod extract;
mod runs;
mod snapshots;

use crate::api::ext::PREFIX;
use crate::store::Store;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use error::ApiError;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

pub use convert::to_mlflow_run;

/// The version the server reports on /version and server-info.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// How often running runs are checked for stopped heartbeats.
const LOST_SWEEP_INTERVAL: Duration = Duration::from_millis(500);

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    /// When set, every call must carry `Authorization: Bearer <token>`.
    pub token: Option<Arc<str>>,
}

impl AppState {
    /// Runs a store call off the async threads and maps its error.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> crate::store::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || f(&store)).await {
            Ok(r) => r.map_err(ApiError::from),
            Err(e) => {
                eprintln!("runhistory server: a store task failed: {e}");
                Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL_ERROR",
                    "A store task failed",
                ))
            }
        }
    }
}

/// The whole route table.
pub fn router(state: AppState) -> Router {
    let m = "/api/2.0/mlflow";
    let mlflow = Router::new()
        .route(&format!("{m}/experiments/create"), post(experiments::create))
        .route(&format!("{m}/experiments/get"), get(experiments::get))
        .route(&format!("{m}/experiments/get-by-name"), get(experiments::get_by_name))
        .route(
            &format!("{m}/experiments/search"),
            post(experiments::search).get(experiments::search_get),
        )
        .route(&format!("{m}/experiments/delete"), post(experiments::delete))
        .route(&format!("{m}/experiments/restore"), post(experiments::restore))
        .route(&format!("{m}/experiments/update"), post(experiments::update))
        .route(
            &format!("{m}/experiments/set-experiment-tag"),
            post(experiments::set_tag),
        )
        .route(&format!("{m}/runs/create"), post(runs::create))
        .route(&format!("{m}/runs/get"), get(runs::get))
        .route(&format!("{m}/runs/update"), post(runs::update))
        .route(&format!("{m}/runs/delete"), post(runs::delete))
        .route(&format!("{m}/runs/restore"), post(runs::restore))
        .route(&format!("{m}/runs/search"), post(runs::search))
        .route(&format!("{m}/runs/log-metric"), post(runs::log_metric))
        .route(&format!("{m}/runs/log-parameter"), post(runs::log_param))
        .route(&format!("{m}/runs/set-tag"), post(runs::set_tag))
        .route(&format!("{m}/runs/delete-tag"), post(runs::delete_tag))
        .route(&format!("{m}/runs/log-batch"), post(runs::log_batch))
        .route(&format!("{m}/runs/log-inputs"), post(runs::accept_and_ignore))
        .route(&format!("{m}/runs/log-outputs"), post(runs::accept_and_ignore))
        .route(&format!("{m}/metrics/get-history"), get(runs::metric_history))
        .route(
            &format!("{m}/metrics/get-history-bulk-interval"),
            get(runs::metric_history_bulk_interval),
        )
        .route(&format!("{m}/logged-models/search"), post(runs::search_logged_models))
        .route("/api/2.0/mlflow-artifacts/artifacts", get(artifacts::list))
        .route(
            "/api/2.0/mlflow-artifacts/artifacts/{*path}",
            get(artifacts::download)
                .put(artifacts::upload)
                .delete(artifacts::delete),
        )
        .route("/api/3.0/mlflow/server-info", get(ext::mlflow_server_info))
        .route("/health", get(|| async { "OK" }))
        .route("/version", get(|| async { VERSION }));
    let ours = Router::new()
        .route(&format!("{PREFIX}/server-info"), get(ext::server_info))
        .route(&format!("{PREFIX}/runs/create"), post(ext::create_run))
        .route(&format!("{PREFIX}/runs/get"), get(ext::get_run))
        .route(&format!("{PREFIX}/runs/by-number"), get(ext::get_run_by_number))
        .route(&format!("{PREFIX}/runs/update"), post(ext::update_run))
        .route(&format!("{PREFIX}/runs/ingest"), post(ext::ingest))
        .route(&format!("{PREFIX}/runs/heartbeat"), post(ext::heartbeat))
        .route(&format!("{PREFIX}/runs/artifacts"), get(ext::all_artifacts))
        .route(
            &format!("{PREFIX}/runs/artifacts/{{run_id}}/{{*path}}"),
            axum::routing::put(artifacts::upload_by_run).post(artifacts::append_by_run),
        )
        .route(&format!("{PREFIX}/blobs/missing"), post(snapshots::missing_blobs))
        .route(
            &format!("{PREFIX}/blobs/{{hash}}"),
            get(snapshots::get_blob).put(snapshots::put_blob),
        )
        .route(&format!("{PREFIX}/snapshots/create"), post(snapshots::create_snapshot))
        .route(&format!("{PREFIX}/snapshots/get"), get(snapshots::get_snapshot))
        .route(&format!("{PREFIX}/metrics/downsample"), get(ext::downsample))
        .route(&format!("{PREFIX}/experiments/summary"), get(ext::experiment_summary))
        .route(&format!("{PREFIX}/assets/promote"), post(ext::promote))
        .route(&format!("{PREFIX}/assets/list"), get(ext::list_assets));
    mlflow
        .merge(ours)
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "ENDPOINT_NOT_FOUND", "No such endpoint") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "ENDPOINT_NOT_FOUND",
                "This endpoint does not take that method",
            )
        })
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_token))
        .layer(axum::middleware::map_response(error::json_errors_only))
        .with_state(state)
}

/// Marks runs Lost when their heartbeats stop, until the process ends.
fn spawn_lost_run_sweeper(store: Arc<Store>) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(LOST_SWEEP_INTERVAL).await;
            let s = store.clone();
            let swept = tokio::task::spawn_blocking(move || s.sweep_lost_runs(crate::store::now_ms())).await;
            if let Ok(Err(e)) = swept {
                eprintln!("runhistory server: could not check heartbeats: {e}");
            }
        }
    });
}

/// Serves on an already bound listener until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    spawn_lost_run_sweeper(state.store.clone());
    let listener = listener.tap_io(|tcp| {
        // Without it a response split into two segments waits ~40 ms for a delayed ACK.
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// A server running on its own threads, for the CLI, the workbench and tests; stops when dropped.
pub struct EmbeddedServer {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EmbeddedServer {
    /// Starts a server over `store` on 127.0.0.1 with a free port.
    pub fn start(store: Arc<Store>, token: Option<String>) -> std::io::Result<EmbeddedServer> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("history-server")
            .enable_all()
            .build()?;
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = AppState {
            store,
            token: token.map(Arc::from),
        };
        let thread = std::thread::Builder::new()
            .name("history-server".into())
            .spawn(move || {
                let shutdown = async move {
                    let _ = stopped.await;
                };
                if let Err(e) = runtime.block_on(serve(listener, state, shutdown)) {
                    eprintln!("runhistory: embedded server stopped: {e}");
                }
            })?;
        Ok(EmbeddedServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
