//! Sizes the server enforces and clients respect: one home so both sides agree.

/// MLflow's limits (mlflow/utils/validation.py).
pub const MAX_KEY_LEN: usize = 250;
pub const MAX_PARAM_VALUE_LEN: usize = 6000;
pub const MAX_TAG_VALUE_LEN: usize = 8000;
pub const MAX_BATCH_METRICS: usize = 1000;
pub const MAX_BATCH_PARAMS_TAGS: usize = 100;
pub const MAX_BATCH_ENTITIES: usize = 1000;
/// Our limit on one logged string, table or image reference (JSON text).
pub const MAX_VALUE_JSON_LEN: usize = 16 * 1024 * 1024;
/// The largest artifact the server takes (a tracked run skips bigger outputs with a note).
pub const MAX_ARTIFACT_BYTES: u64 = 512 * 1024 * 1024;
/// Most points one history page holds (MLflow's client asks for 25,000).
pub const MAX_HISTORY_PAGE: i64 = 1_000_000;
/// Most buckets a downsampled read returns.
pub const MAX_BUCKETS: usize = 100_000;
/// Most runs one search page holds.
pub const MAX_RUNS_PAGE: i64 = 50_000;
/// Most files one project snapshot lists.
pub const MAX_SNAPSHOT_FILES: usize = 100_000;
/// A run's heartbeat interval when its client names none.
pub const DEFAULT_HEARTBEAT_SECS: f64 = 10.0;
/// Most runs one bulk curve read takes.
pub const MAX_CURVE_RUNS: usize = 10_000;
/// Most buckets one bulk curve read returns over all its runs (runs x buckets per run).
pub const MAX_CURVE_BUCKETS: usize = 4_000_000;
/// Most buckets per run a bulk curve read returns (a chart's width in pixels).
pub const MAX_CURVE_BUCKETS_PER_RUN: usize = 4_000;
