//! Every path of the history API, in one place: the server's route table and the client's calls
//! name the same constants, so neither can drift from the other.

macro_rules! paths {
    ($base:literal { $($(#[$doc:meta])* $name:ident = $path:literal;)* }) => {
        $($(#[$doc])* pub const $name: &str = concat!($base, $path);)*
    };
}

/// The prefix of MLflow's REST API 2.0.
pub const MLFLOW: &str = "/api/2.0/mlflow";
/// The prefix every extension of ours lives under.
pub const PREFIX: &str = "/api/2.0/runhistory";

paths!("/api/2.0/mlflow" {
    EXPERIMENTS_CREATE = "/experiments/create";
    EXPERIMENTS_GET = "/experiments/get";
    EXPERIMENTS_GET_BY_NAME = "/experiments/get-by-name";
    EXPERIMENTS_SEARCH = "/experiments/search";
    EXPERIMENTS_DELETE = "/experiments/delete";
    EXPERIMENTS_RESTORE = "/experiments/restore";
    EXPERIMENTS_UPDATE = "/experiments/update";
    EXPERIMENTS_SET_TAG = "/experiments/set-experiment-tag";
    EXPERIMENTS_DELETE_TAG = "/experiments/delete-experiment-tag";
    /// The datasets an experiment's runs used (MLflow's UI).
    EXPERIMENTS_SEARCH_DATASETS = "/experiments/search-datasets";
    RUNS_CREATE = "/runs/create";
    RUNS_GET = "/runs/get";
    RUNS_UPDATE = "/runs/update";
    RUNS_DELETE = "/runs/delete";
    RUNS_RESTORE = "/runs/restore";
    RUNS_SEARCH = "/runs/search";
    RUNS_LOG_METRIC = "/runs/log-metric";
    RUNS_LOG_PARAMETER = "/runs/log-parameter";
    RUNS_SET_TAG = "/runs/set-tag";
    RUNS_DELETE_TAG = "/runs/delete-tag";
    RUNS_LOG_BATCH = "/runs/log-batch";
    RUNS_LOG_INPUTS = "/runs/log-inputs";
    /// MLflow names log-outputs so.
    RUNS_OUTPUTS = "/runs/outputs";
    METRICS_GET_HISTORY = "/metrics/get-history";
    METRICS_GET_HISTORY_BULK = "/metrics/get-history-bulk";
    METRICS_GET_HISTORY_BULK_INTERVAL = "/metrics/get-history-bulk-interval";
    /// A folder of a run's artifacts by run id.
    RUN_ARTIFACTS_LIST = "/artifacts/list";
    LOGGED_MODELS = "/logged-models";
    LOGGED_MODELS_SEARCH = "/logged-models/search";
    LOGGED_MODEL_ROUTE = "/logged-models/{model_id}";
    LOGGED_MODEL_TAGS_ROUTE = "/logged-models/{model_id}/tags";
    LOGGED_MODEL_TAG_ROUTE = "/logged-models/{model_id}/tags/{key}";
    LOGGED_MODEL_PARAMS_ROUTE = "/logged-models/{model_id}/params";
    LOGGED_MODEL_DIRECTORIES_ROUTE = "/logged-models/{model_id}/artifacts/directories";
    LOGGED_MODEL_FILES_ROUTE = "/logged-models/{model_id}/artifacts/files";
    REGISTERED_MODELS_CREATE = "/registered-models/create";
    REGISTERED_MODELS_GET = "/registered-models/get";
    REGISTERED_MODELS_UPDATE = "/registered-models/update";
    REGISTERED_MODELS_RENAME = "/registered-models/rename";
    REGISTERED_MODELS_DELETE = "/registered-models/delete";
    REGISTERED_MODELS_SEARCH = "/registered-models/search";
    REGISTERED_MODELS_GET_LATEST_VERSIONS = "/registered-models/get-latest-versions";
    REGISTERED_MODELS_SET_TAG = "/registered-models/set-tag";
    REGISTERED_MODELS_DELETE_TAG = "/registered-models/delete-tag";
    /// Set (POST), delete (DELETE) and read (GET) an alias.
    REGISTERED_MODELS_ALIAS = "/registered-models/alias";
    MODEL_VERSIONS_CREATE = "/model-versions/create";
    MODEL_VERSIONS_GET = "/model-versions/get";
    MODEL_VERSIONS_UPDATE = "/model-versions/update";
    MODEL_VERSIONS_TRANSITION_STAGE = "/model-versions/transition-stage";
    MODEL_VERSIONS_DELETE = "/model-versions/delete";
    MODEL_VERSIONS_SEARCH = "/model-versions/search";
    MODEL_VERSIONS_DOWNLOAD_URI = "/model-versions/get-download-uri";
    MODEL_VERSIONS_SET_TAG = "/model-versions/set-tag";
    MODEL_VERSIONS_DELETE_TAG = "/model-versions/delete-tag";
});

/// One file of a registered model version by name, version and path (MLflow's UI).
pub const MODEL_VERSION_GET_ARTIFACT: &str = "/model-versions/get-artifact";

/// The mlflow-artifacts proxy: a listing, and files below it by path.
pub const ARTIFACTS: &str = "/api/2.0/mlflow-artifacts/artifacts";
/// The proxy's file route, as the server's router matches it.
pub const ARTIFACTS_FILE_ROUTE: &str = "/api/2.0/mlflow-artifacts/artifacts/{*path}";
/// One of a run's artifacts by run id and path (MLflow's UI).
pub const GET_ARTIFACT: &str = "/get-artifact";
/// A small upload from MLflow's UI (it only exists under `/ajax-api/`).
pub const UPLOAD_ARTIFACT: &str = "/ajax-api/2.0/mlflow/upload-artifact";
/// MLflow 3's server-info.
pub const MLFLOW_SERVER_INFO: &str = "/api/3.0/mlflow/server-info";

// A user's permission on an experiment, as MLflow's auth client grants, revokes and reads it
// (`resource_type` "experiment"), and the per-experiment calls of MLflow 2's.
paths!("/api/3.0/mlflow" {
    USER_PERMISSION_GRANT = "/users/permissions/grant";
    USER_PERMISSION_REVOKE = "/users/permissions/revoke";
    USER_PERMISSION_GET = "/users/permissions/get";
});
paths!("/api/2.0/mlflow" {
    EXPERIMENT_PERMISSION_CREATE = "/experiments/permissions/create";
    EXPERIMENT_PERMISSION_GET = "/experiments/permissions/get";
    EXPERIMENT_PERMISSION_UPDATE = "/experiments/permissions/update";
    EXPERIMENT_PERMISSION_DELETE = "/experiments/permissions/delete";
});
pub const HEALTH: &str = "/health";
pub const VERSION: &str = "/version";

paths!("/api/2.0/runhistory" {
    /// Ours: a stock MLflow server answers 404 here.
    SERVER_INFO = "/server-info";
    EXT_RUNS_CREATE = "/runs/create";
    EXT_RUNS_GET = "/runs/get";
    EXT_RUNS_BY_NUMBER = "/runs/by-number";
    EXT_RUNS_UPDATE = "/runs/update";
    EXT_RUNS_INGEST = "/runs/ingest";
    EXT_RUNS_HEARTBEAT = "/runs/heartbeat";
    /// Every artifact of a run (GET), and the base of upload/append by run id (`/{run_id}/{path}`).
    EXT_RUN_ARTIFACTS = "/runs/artifacts";
    EXT_RUN_ARTIFACT_ROUTE = "/runs/artifacts/{run_id}/{*path}";
    BLOBS_MISSING = "/blobs/missing";
    /// A content blob by hash (`/{hash}`).
    BLOBS = "/blobs";
    BLOB_ROUTE = "/blobs/{hash}";
    SNAPSHOTS_CREATE = "/snapshots/create";
    SNAPSHOTS_GET = "/snapshots/get";
    METRICS_DOWNSAMPLE = "/metrics/downsample";
    /// One key's buckets for many runs at once (POST).
    METRICS_DOWNSAMPLE_RUNS = "/metrics/downsample-runs";
    /// Every metric of some runs at one step (POST).
    METRICS_AT_STEP = "/metrics/at-step";
    EXPERIMENTS_SUMMARY = "/experiments/summary";
});

/// The calls that read although MLflow (or we) send them by POST: the only POSTs a read-only
/// server answers. Every GET and HEAD reads; every other method writes.
pub const READS_BY_POST: &[&str] = &[
    EXPERIMENTS_SEARCH,
    EXPERIMENTS_SEARCH_DATASETS,
    RUNS_SEARCH,
    LOGGED_MODELS_SEARCH,
    REGISTERED_MODELS_GET_LATEST_VERSIONS,
    BLOBS_MISSING,
    METRICS_DOWNSAMPLE_RUNS,
    METRICS_AT_STEP,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_their_prefix() {
        for (path, want) in [
            (RUNS_LOG_BATCH, "/api/2.0/mlflow/runs/log-batch"),
            (EXT_RUNS_INGEST, "/api/2.0/runhistory/runs/ingest"),
            (BLOB_ROUTE, "/api/2.0/runhistory/blobs/{hash}"),
        ] {
            assert_eq!(path, want);
        }
        assert!(EXPERIMENTS_SEARCH.starts_with(MLFLOW));
        assert!(SNAPSHOTS_GET.starts_with(PREFIX));
    }
}
