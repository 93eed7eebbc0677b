//! Wire types of MLflow 3's logged models and of a run's inputs (datasets, models) and outputs
//! (models), as the official client sends and reads them.

use super::serde_num::de_i64;
use super::{KeyValue, Metric};
use serde::{Deserialize, Serialize};

/// A dataset as a run's input names it: what it is, where it came from, its schema and profile.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub digest: String,
    #[serde(default)]
    pub source_type: String,
    #[serde(default)]
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetInput {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<KeyValue>,
    #[serde(default)]
    pub dataset: Dataset,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelInput {
    #[serde(default)]
    pub model_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelOutput {
    #[serde(default)]
    pub model_id: String,
    #[serde(default, deserialize_with = "de_i64")]
    pub step: i64,
}

/// `run.inputs` as MLflow returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunInputs {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dataset_inputs: Vec<DatasetInput>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub model_inputs: Vec<ModelInput>,
}

impl RunInputs {
    pub fn is_empty(&self) -> bool {
        self.dataset_inputs.is_empty() && self.model_inputs.is_empty()
    }
}

/// `run.outputs` as MLflow returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunOutputs {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub model_outputs: Vec<ModelOutput>,
}

impl RunOutputs {
    pub fn is_empty(&self) -> bool {
        self.model_outputs.is_empty()
    }
}

/// `runs/log-inputs`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct LogInputs {
    pub run_id: Option<String>,
    #[serde(default)]
    pub datasets: Vec<DatasetInput>,
    #[serde(default)]
    pub models: Vec<ModelInput>,
}

/// `experiments/search-datasets` (MLflow's UI): the experiments whose datasets to list.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SearchDatasets {
    #[serde(default)]
    pub experiment_ids: Vec<String>,
}

/// One dataset of an experiment and the context a run used it in (training, eval...).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
pub struct DatasetSummary {
    pub experiment_id: String,
    pub name: String,
    pub digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

/// `runs/outputs`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct LogOutputs {
    pub run_id: Option<String>,
    #[serde(default)]
    pub models: Vec<ModelOutput>,
}

/// Where a logged model stands: being written, ready to load, or failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoggedModelStatus {
    #[serde(rename = "LOGGED_MODEL_STATUS_UNSPECIFIED")]
    Unspecified,
    #[default]
    #[serde(rename = "LOGGED_MODEL_PENDING")]
    Pending,
    #[serde(rename = "LOGGED_MODEL_READY")]
    Ready,
    #[serde(rename = "LOGGED_MODEL_UPLOAD_FAILED")]
    Failed,
}

impl LoggedModelStatus {
    pub fn db_name(self) -> &'static str {
        match self {
            LoggedModelStatus::Unspecified => "UNSPECIFIED",
            LoggedModelStatus::Pending => "PENDING",
            LoggedModelStatus::Ready => "READY",
            LoggedModelStatus::Failed => "FAILED",
        }
    }

    pub fn from_db(s: &str) -> LoggedModelStatus {
        match s {
            "READY" => LoggedModelStatus::Ready,
            "FAILED" => LoggedModelStatus::Failed,
            "PENDING" => LoggedModelStatus::Pending,
            _ => LoggedModelStatus::Unspecified,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoggedModelInfo {
    pub model_id: String,
    pub experiment_id: String,
    pub name: String,
    pub artifact_uri: String,
    #[serde(default, deserialize_with = "de_i64")]
    pub creation_timestamp_ms: i64,
    #[serde(default, deserialize_with = "de_i64")]
    pub last_updated_timestamp_ms: i64,
    #[serde(default)]
    pub status: LoggedModelStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<KeyValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoggedModelData {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<KeyValue>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoggedModel {
    pub info: LoggedModelInfo,
    #[serde(default)]
    pub data: LoggedModelData,
}

/// `POST logged-models`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CreateLoggedModel {
    pub experiment_id: Option<String>,
    pub name: Option<String>,
    pub model_type: Option<String>,
    pub source_run_id: Option<String>,
    #[serde(default)]
    pub params: Vec<KeyValue>,
    #[serde(default)]
    pub tags: Vec<KeyValue>,
}

/// `PATCH logged-models/{id}`: the model's final status.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct FinalizeLoggedModel {
    pub model_id: Option<String>,
    pub status: Option<LoggedModelStatus>,
}

/// `PATCH logged-models/{id}/tags` and `POST logged-models/{id}/params`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct LoggedModelKeyValues {
    #[serde(default)]
    pub tags: Vec<KeyValue>,
    #[serde(default)]
    pub params: Vec<KeyValue>,
}

/// A dataset a logged-model search narrows its metrics to.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct DatasetFilter {
    pub dataset_name: String,
    pub dataset_digest: Option<String>,
}

/// One key of a logged-model search's order.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ModelOrderBy {
    pub field_name: String,
    #[serde(default = "yes")]
    pub ascending: bool,
    pub dataset_name: Option<String>,
    pub dataset_digest: Option<String>,
}

fn yes() -> bool {
    true
}

/// `POST logged-models/search`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SearchLoggedModels {
    #[serde(default)]
    pub experiment_ids: Vec<String>,
    pub filter: Option<String>,
    #[serde(default)]
    pub datasets: Vec<DatasetFilter>,
    pub max_results: Option<i64>,
    #[serde(default)]
    pub order_by: Vec<ModelOrderBy>,
    pub page_token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SearchLoggedModelsResponse {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<LoggedModel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logged_model_reads_as_the_client_sends_it() {
        let m: LoggedModel = serde_json::from_str(
            r#"{"info": {"model_id": "m-1", "experiment_id": "1", "name": "n", "artifact_uri": "a",
                "creation_timestamp_ms": "5", "status": "LOGGED_MODEL_READY",
                "tags": [{"key": "k", "value": "v"}]}, "data": {}}"#,
        )
        .unwrap();
        assert_eq!(m.info.status, LoggedModelStatus::Ready);
        assert_eq!(m.info.creation_timestamp_ms, 5);
        let back = serde_json::to_value(&m).unwrap();
        assert_eq!(back["info"]["status"], "LOGGED_MODEL_READY");
        assert!(back["info"].get("source_run_id").is_none(), "absent fields stay absent");
        for s in [
            LoggedModelStatus::Pending,
            LoggedModelStatus::Ready,
            LoggedModelStatus::Failed,
        ] {
            assert_eq!(LoggedModelStatus::from_db(s.db_name()), s);
        }
    }
}
