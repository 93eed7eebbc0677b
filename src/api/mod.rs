//! Wire types of the history API (MLflow REST 2.0 shapes plus our extensions), shared by server and client.

pub mod curves;
pub mod curves_binary;
pub mod ext;
pub mod ids;
pub mod layout;
pub mod limits;
pub mod models;
pub mod registry;
pub mod routes;
pub mod serde_num;
pub mod snapshot;
pub mod users;

use serde::{Deserialize, Serialize};
use serde_num::{de_f64, de_i64, de_opt_i64, ser_f64};

/// Tags MLflow gives meaning to: the store mirrors them into run attributes, the client reads
/// them from a stock server's runs and writes them to manage runs.
pub const TAG_RUN_NAME: &str = "mlflow.runName";
/// A run's description (markdown).
pub const TAG_NOTE: &str = "mlflow.note.content";
pub const TAG_PARENT: &str = "mlflow.parentRunId";
pub const TAG_USER: &str = "mlflow.user";
pub const TAG_SOURCE: &str = "mlflow.source.name";

/// A key/value pair: MLflow tags and params have this shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// One metric point as MLflow sends and returns it; MLflow 3 may tie it to a logged model and the
/// dataset it was measured on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub key: String,
    #[serde(serialize_with = "ser_f64", deserialize_with = "de_f64")]
    pub value: f64,
    #[serde(deserialize_with = "de_i64")]
    pub timestamp: i64,
    #[serde(default, deserialize_with = "de_i64")]
    pub step: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_digest: Option<String>,
    /// The run it was logged in (MLflow returns it on a logged model's metrics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    pub experiment_id: String,
    pub name: String,
    pub artifact_location: String,
    pub lifecycle_stage: String,
    pub last_update_time: i64,
    pub creation_time: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<KeyValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub run_uuid: String,
    pub run_id: String,
    pub experiment_id: String,
    #[serde(default)]
    pub run_name: String,
    #[serde(default)]
    pub user_id: String,
    pub status: String,
    #[serde(default, deserialize_with = "de_opt_i64", skip_serializing_if = "Option::is_none")]
    pub start_time: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64", skip_serializing_if = "Option::is_none")]
    pub end_time: Option<i64>,
    #[serde(default)]
    pub artifact_uri: String,
    #[serde(default)]
    pub lifecycle_stage: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunData {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<KeyValue>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<KeyValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub info: RunInfo,
    #[serde(default)]
    pub data: RunData,
    #[serde(default)]
    pub inputs: models::RunInputs,
    #[serde(default)]
    pub outputs: models::RunOutputs,
}

/// The error body every failing call answers with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error_code: String,
    pub message: String,
}

// ---- requests (MLflow) ----

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct CreateExperiment {
    pub name: Option<String>,
    pub artifact_location: Option<String>,
    #[serde(default)]
    pub tags: Vec<KeyValue>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ExperimentIdBody {
    pub experiment_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct UpdateExperiment {
    pub experiment_id: Option<String>,
    pub new_name: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SetExperimentTag {
    pub experiment_id: Option<String>,
    pub key: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SearchExperiments {
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub max_results: Option<i64>,
    pub page_token: Option<String>,
    pub filter: Option<String>,
    #[serde(default)]
    pub order_by: Vec<String>,
    pub view_type: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct CreateRun {
    pub experiment_id: Option<String>,
    pub user_id: Option<String>,
    pub run_name: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub start_time: Option<i64>,
    #[serde(default)]
    pub tags: Vec<KeyValue>,
}

/// Any request that names a run: MLflow sends `run_id` and the deprecated `run_uuid`.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct RunIdBody {
    pub run_id: Option<String>,
    pub run_uuid: Option<String>,
}

impl RunIdBody {
    pub fn id(&self) -> Option<&str> {
        self.run_id.as_deref().or(self.run_uuid.as_deref())
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct UpdateRun {
    pub run_id: Option<String>,
    pub run_uuid: Option<String>,
    pub status: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub end_time: Option<i64>,
    pub run_name: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct LogMetric {
    pub run_id: Option<String>,
    pub run_uuid: Option<String>,
    pub key: Option<String>,
    #[serde(default, deserialize_with = "serde_num::de_opt_f64")]
    pub value: Option<f64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub timestamp: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub step: Option<i64>,
    pub model_id: Option<String>,
    pub dataset_name: Option<String>,
    pub dataset_digest: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct LogKeyValue {
    pub run_id: Option<String>,
    pub run_uuid: Option<String>,
    pub key: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct LogBatch {
    pub run_id: Option<String>,
    #[serde(default)]
    pub metrics: Vec<Metric>,
    #[serde(default)]
    pub params: Vec<KeyValue>,
    #[serde(default)]
    pub tags: Vec<KeyValue>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SearchRuns {
    #[serde(default)]
    pub experiment_ids: Vec<String>,
    pub filter: Option<String>,
    pub run_view_type: Option<String>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    pub max_results: Option<i64>,
    #[serde(default)]
    pub order_by: Vec<String>,
    pub page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SearchRunsResponse {
    #[serde(default)]
    pub runs: Vec<Run>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct MetricHistoryResponse {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SearchExperimentsResponse {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub experiments: Vec<Experiment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// One entry of an artifact listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileInfo {
    pub path: String,
    pub is_dir: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size: Option<i64>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ListArtifactsResponse {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileInfo>,
}
