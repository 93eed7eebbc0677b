//! The history server: the MLflow REST API 2.0 and our extensions over one store, on axum.

mod artifacts;
mod auth;
mod body;
mod call_targets;
mod convert;
pub mod error;
mod experiments;
mod ext;
mod extract;
mod grants;
mod models;
mod permissions;
mod registry;
mod runs;
mod snapshots;

use crate::api::routes as r;
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
    /// Every call must carry a user's token (`serve --auth`): see `auth::require_user`.
    pub auth: bool,
    /// With users, what a user may do in an experiment where nothing was granted them.
    pub default_permission: crate::api::users::Permission,
    /// When set, the history is read in place from files that are not ours, and every write is
    /// refused with this reason.
    pub read_only: Option<Arc<str>>,
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

/// The whole route table, also under `/ajax-api/`, the prefix MLflow's UI and some of its
/// client's calls use for the same endpoints.
pub fn router(state: AppState) -> Router {
    let api = api_router(state);
    let inner = api.clone();
    api.route(
        "/ajax-api/{*rest}",
        axum::routing::any(move |req: axum::extract::Request| {
            let inner = inner.clone();
            async move {
                use tower::ServiceExt;
                let req = ajax_to_api(req);
                match inner.oneshot(req).await {
                    Ok(resp) => resp,
                    Err(never) => match never {},
                }
            }
        }),
    )
}

/// The same request with `/ajax-api/` turned into `/api/` (and without the outer route's
/// matched parameters, which the inner route's extractors must not see).
fn ajax_to_api(mut req: axum::extract::Request) -> axum::extract::Request {
    *req.extensions_mut() = Default::default();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().replacen("/ajax-api/", "/api/", 1));
    if let Some(pq) = path_and_query {
        let mut parts = req.uri().clone().into_parts();
        if let Ok(pq) = pq.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = axum::http::Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    req
}

fn api_router(state: AppState) -> Router {
    let mlflow = Router::new()
        .route(r::EXPERIMENTS_CREATE, post(experiments::create))
        .route(r::EXPERIMENTS_GET, get(experiments::get))
        .route(r::EXPERIMENTS_GET_BY_NAME, get(experiments::get_by_name))
        .route(
            r::EXPERIMENTS_SEARCH,
            post(experiments::search).get(experiments::search_get),
        )
        .route(r::EXPERIMENTS_DELETE, post(experiments::delete))
        .route(r::EXPERIMENTS_RESTORE, post(experiments::restore))
        .route(r::EXPERIMENTS_UPDATE, post(experiments::update))
        .route(r::EXPERIMENTS_SET_TAG, post(experiments::set_tag))
        .route(r::EXPERIMENTS_DELETE_TAG, post(experiments::delete_tag))
        .route(r::EXPERIMENTS_SEARCH_DATASETS, post(models::search_datasets))
        .route(r::RUNS_CREATE, post(runs::create))
        .route(r::RUNS_GET, get(runs::get))
        .route(r::RUNS_UPDATE, post(runs::update))
        .route(r::RUNS_DELETE, post(runs::delete))
        .route(r::RUNS_RESTORE, post(runs::restore))
        .route(r::RUNS_SEARCH, post(runs::search))
        .route(r::RUNS_LOG_METRIC, post(runs::log_metric))
        .route(r::RUNS_LOG_PARAMETER, post(runs::log_param))
        .route(r::RUNS_SET_TAG, post(runs::set_tag))
        .route(r::RUNS_DELETE_TAG, post(runs::delete_tag))
        .route(r::RUNS_LOG_BATCH, post(runs::log_batch))
        .route(r::RUNS_LOG_INPUTS, post(models::log_inputs))
        .route(r::RUNS_OUTPUTS, post(models::log_outputs))
        .route(r::METRICS_GET_HISTORY, get(runs::metric_history))
        .route(r::METRICS_GET_HISTORY_BULK, get(runs::metric_history_bulk))
        .route(
            r::METRICS_GET_HISTORY_BULK_INTERVAL,
            get(runs::metric_history_bulk_interval),
        )
        .route(r::LOGGED_MODELS, post(models::create))
        .route(r::LOGGED_MODELS_SEARCH, post(models::search))
        .route(
            r::LOGGED_MODEL_ROUTE,
            get(models::get).patch(models::finalize).delete(models::delete),
        )
        .route(r::LOGGED_MODEL_TAGS_ROUTE, axum::routing::patch(models::set_tags))
        .route(r::LOGGED_MODEL_TAG_ROUTE, axum::routing::delete(models::delete_tag))
        .route(r::LOGGED_MODEL_PARAMS_ROUTE, post(models::log_params))
        .route(r::LOGGED_MODEL_DIRECTORIES_ROUTE, get(models::list_artifacts))
        .route(r::LOGGED_MODEL_FILES_ROUTE, get(models::artifact_file))
        .route(r::ARTIFACTS, get(artifacts::list))
        .route(r::RUN_ARTIFACTS_LIST, get(artifacts::list_run))
        .route(r::GET_ARTIFACT, get(artifacts::get_run_artifact))
        .route(r::UPLOAD_ARTIFACT, post(artifacts::upload_run_artifact))
        .route(
            r::ARTIFACTS_FILE_ROUTE,
            get(artifacts::download)
                .put(artifacts::upload)
                .delete(artifacts::delete),
        )
        .route(r::MLFLOW_SERVER_INFO, get(ext::mlflow_server_info))
        .route(r::HEALTH, get(|| async { "OK" }))
        .route(r::VERSION, get(|| async { VERSION }));
    let ours = Router::new()
        .route(r::SERVER_INFO, get(ext::server_info))
        .route(r::USER_PERMISSION_GRANT, post(grants::grant))
        .route(r::USER_PERMISSION_REVOKE, post(grants::revoke))
        .route(r::USER_PERMISSION_GET, get(grants::get))
        .route(r::EXPERIMENT_PERMISSION_CREATE, post(grants::grant))
        .route(r::EXPERIMENT_PERMISSION_UPDATE, axum::routing::patch(grants::grant))
        .route(r::EXPERIMENT_PERMISSION_DELETE, axum::routing::delete(grants::revoke))
        .route(r::EXPERIMENT_PERMISSION_GET, get(grants::get))
        .route(r::EXT_RUNS_CREATE, post(ext::create_run))
        .route(r::EXT_RUNS_GET, get(ext::get_run))
        .route(r::EXT_RUNS_BY_NUMBER, get(ext::get_run_by_number))
        .route(r::EXT_RUNS_UPDATE, post(ext::update_run))
        .route(r::EXT_RUNS_INGEST, post(ext::ingest))
        .route(r::EXT_RUNS_HEARTBEAT, post(ext::heartbeat))
        .route(r::EXT_RUN_ARTIFACTS, get(ext::all_artifacts))
        .route(
            r::EXT_RUN_ARTIFACT_ROUTE,
            axum::routing::put(artifacts::upload_by_run).post(artifacts::append_by_run),
        )
        .route(r::BLOBS_MISSING, post(snapshots::missing_blobs))
        .route(r::BLOB_ROUTE, get(snapshots::get_blob).put(snapshots::put_blob))
        .route(r::SNAPSHOTS_CREATE, post(snapshots::create_snapshot))
        .route(r::SNAPSHOTS_GET, get(snapshots::get_snapshot))
        .route(r::METRICS_DOWNSAMPLE, get(ext::downsample))
        .route(r::METRICS_DOWNSAMPLE_RUNS, post(ext::downsample_runs))
        .route(r::METRICS_AT_STEP, post(ext::values_at_step))
        .route(r::EXPERIMENTS_SUMMARY, get(ext::experiment_summary));
    mlflow
        .merge(registry::routes())
        .merge(ours)
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "ENDPOINT_NOT_FOUND", "No such endpoint") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "ENDPOINT_NOT_FOUND",
                "This endpoint does not take that method",
            )
        })
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::refuse_writes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), permissions::check))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_user))
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
            let swept = tokio::task::spawn_blocking(move || s.sweep_lost_runs(crate::api::ids::now_ms())).await;
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
        EmbeddedServer::start_with(AppState {
            store,
            token: token.map(Arc::from),
            auth: false,
            default_permission: crate::api::users::Permission::Read,
            read_only: None,
        })
    }

    /// Starts a server in the given state (a read-only one, say) on 127.0.0.1 with a free port.
    pub fn start_with(state: AppState) -> std::io::Result<EmbeddedServer> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("history-server")
            .enable_all()
            .build()?;
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
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
