//! Wire types of our extensions (under `/api/2.0/runhistory/`): what MLflow's API has no room for.

use super::serde_num::{de_f64, ser_f64};
use super::{Experiment, KeyValue, Metric};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// A metric value on the wire: a JSON number, or "NaN" / "Infinity" / "-Infinity".
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ser_f64(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de_f64(d).map(Num)
    }
}

/// Run states as a data scientist reads them (the seed's words), with their MLflow names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum RunStatus {
    #[default]
    Running,
    Scheduled,
    Completed,
    Failed,
    Canceled,
    Lost,
}

impl RunStatus {
    /// The status as stored and as MLflow names it (Lost is our own word; MLflow clients see FAILED).
    pub fn db_name(self) -> &'static str {
        match self {
            RunStatus::Running => "RUNNING",
            RunStatus::Scheduled => "SCHEDULED",
            RunStatus::Completed => "FINISHED",
            RunStatus::Failed => "FAILED",
            RunStatus::Canceled => "KILLED",
            RunStatus::Lost => "LOST",
        }
    }

    pub fn mlflow_name(self) -> &'static str {
        match self {
            RunStatus::Lost => "FAILED",
            other => other.db_name(),
        }
    }

    /// Accepts MLflow names and ours, any case.
    pub fn parse(s: &str) -> Option<RunStatus> {
        Some(match s.to_ascii_uppercase().as_str() {
            "RUNNING" => RunStatus::Running,
            "SCHEDULED" => RunStatus::Scheduled,
            "FINISHED" | "COMPLETED" => RunStatus::Completed,
            "FAILED" => RunStatus::Failed,
            "KILLED" | "CANCELED" | "CANCELLED" => RunStatus::Canceled,
            "LOST" => RunStatus::Lost,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            RunStatus::Running => "Running",
            RunStatus::Scheduled => "Scheduled",
            RunStatus::Completed => "Completed",
            RunStatus::Failed => "Failed",
            RunStatus::Canceled => "Canceled",
            RunStatus::Lost => "Lost",
        }
    }

    pub fn is_terminal(self) -> bool {
        !matches!(self, RunStatus::Running | RunStatus::Scheduled)
    }
}

/// The latest point of one metric key, with how many points the series holds and the least and
/// greatest of its values (NaN left out; absent where the server does not keep them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatestMetric {
    pub value: Num,
    pub step: i64,
    pub timestamp: i64,
    pub count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Num>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Num>,
}

/// A logged value that is not a number series: the seed's strings, tables and images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedValue {
    pub key: String,
    /// "string", "table" (columns: {name: [cells]}) or "image" (value: artifact path).
    pub kind: String,
    pub value: serde_json::Value,
}

/// Everything known about one run, in one object: the workbench's and CLI's view of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    pub run_id: String,
    pub experiment_id: String,
    pub run_number: i64,
    pub name: String,
    pub script_name: Option<String>,
    #[serde(default)]
    pub arguments: Vec<String>,
    pub user_id: String,
    pub status: RunStatus,
    pub created_time: i64,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub description: Option<String>,
    pub hidden: bool,
    pub parent_run_id: Option<String>,
    pub exit_code: Option<i64>,
    pub target: String,
    pub heartbeat_time: Option<i64>,
    pub lifecycle_stage: String,
    pub artifact_uri: String,
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub metrics: BTreeMap<String, LatestMetric>,
    #[serde(default)]
    pub values: BTreeMap<String, LoggedValue>,
    /// Datasets and logged models the run read (MLflow's `run.inputs`).
    #[serde(default, skip_serializing_if = "super::models::RunInputs::is_empty")]
    pub inputs: super::models::RunInputs,
    /// Logged models the run produced (MLflow's `run.outputs`).
    #[serde(default, skip_serializing_if = "super::models::RunOutputs::is_empty")]
    pub outputs: super::models::RunOutputs,
}

impl RunDetail {
    /// Milliseconds from start to end (or to now while the run works).
    pub fn duration_ms(&self, now_ms: i64) -> Option<i64> {
        let start = self.start_time?;
        Some(self.end_time.unwrap_or(now_ms).saturating_sub(start).max(0))
    }
}

/// Our run creation: MLflow's fields plus what a tracked run records.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateRunExt {
    /// A client-chosen id (32 hex characters): creating it again returns the same run, so a
    /// client can log before the server answers and replay safely.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// An experiment id; or give `experiment_name` (created when missing).
    pub experiment_id: Option<String>,
    pub experiment_name: Option<String>,
    pub run_name: Option<String>,
    pub user_id: Option<String>,
    pub start_time: Option<i64>,
    pub script_name: Option<String>,
    #[serde(default)]
    pub arguments: Vec<String>,
    pub description: Option<String>,
    pub parent_run_id: Option<String>,
    pub target: Option<String>,
    #[serde(default)]
    pub properties: Vec<KeyValue>,
    #[serde(default)]
    pub tags: Vec<KeyValue>,
}

/// Changes to a run's own attributes that MLflow's update does not carry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateRunExt {
    pub run_id: String,
    pub status: Option<String>,
    pub end_time: Option<i64>,
    pub exit_code: Option<i64>,
    pub description: Option<String>,
    pub hidden: Option<bool>,
    pub name: Option<String>,
    #[serde(default)]
    pub properties: Vec<KeyValue>,
}

/// Points of one series in columns: far cheaper to send and parse than one object per point.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesChunk {
    pub key: String,
    pub values: Vec<Num>,
    /// One step per value; absent: the points continue the series (last step + 1, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<i64>>,
    /// One timestamp (ms) per value, or a single one for all; absent: the server's clock.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timestamps: Vec<i64>,
}

/// One row appended to a logged table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    pub key: String,
    pub row: serde_json::Map<String, serde_json::Value>,
}

/// The bulk ingest request: any number of points, values and params for one run, applied at once.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IngestBatch {
    pub run_id: String,
    /// Client-chosen id that makes a re-sent batch (retry, spool replay) a no-op.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<SeriesChunk>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<KeyValue>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<KeyValue>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<LoggedValue>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub table_rows: Vec<TableRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestResponse {
    pub points: u64,
    /// True when this batch id had been applied before and nothing was written again.
    pub duplicate: bool,
}

/// One bucket of a downsampled series: the range of x it covers and the values in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub x_first: f64,
    pub x_last: f64,
    pub min: Num,
    pub max: Num,
    pub last: Num,
    pub count: u64,
    /// Where the min and the max lie (absent from servers before these: then the bucket's ends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_max: Option<f64>,
    /// The smallest value above zero, for a log axis (absent when there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_positive: Option<f64>,
    /// How many values are zero or negative: what a log axis cannot show.
    #[serde(default)]
    pub non_positive: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DownsampledSeries {
    pub run_id: String,
    pub key: String,
    /// "step" or "time" (ms since the epoch).
    pub x: String,
    pub total_points: u64,
    pub buckets: Vec<Bucket>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentSummary {
    pub experiment: Experiment,
    pub runs: Vec<RunDetail>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub run_id: String,
    /// How often the sender beats; the run becomes Lost after two intervals of silence.
    #[serde(default)]
    pub interval_secs: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerInfo {
    pub server: String,
    pub version: String,
    pub store: String,
    /// Set when the history is read in place (a TensorBoard logdir): why every write is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<String>,
    /// On a server with users: who is asking, and the role it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<crate::api::users::User>,
}

/// One line of a spool file: what a client could not deliver, replayed by the server at start.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum SpoolRecord {
    CreateRun(CreateRunExt),
    Ingest(IngestBatch),
    UpdateRun(UpdateRunExt),
}
