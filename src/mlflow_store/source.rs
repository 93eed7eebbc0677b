//! What is read from an MLflow tracking store, whichever kind it is (a database of MLflow's schema
//! or a `./mlruns` folder): experiments, runs, their params, tags and metric points, and logged
//! models, as plain rows.

use crate::api::KeyValue;
use crate::store::StoreError;

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, Clone, PartialEq)]
pub struct SourceExperiment {
    pub id: String,
    pub name: String,
    pub lifecycle_stage: String,
    pub tags: Vec<KeyValue>,
}

/// A run's own row: what changes when it is renamed, ends or is deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRun {
    pub id: String,
    pub experiment_id: String,
    pub name: String,
    pub user_id: String,
    /// MLflow's status name: RUNNING, SCHEDULED, FINISHED, FAILED or KILLED.
    pub status: String,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub lifecycle_stage: String,
    /// As MLflow keeps it: a path, a `file://` URI or another scheme's URI.
    pub artifact_uri: String,
    /// A digest of what may change after a run ends (its metrics, tags, params: a point or a note
    /// added later), when it was asked for; empty when not. A changed stamp has it read again.
    pub stamp: String,
}

impl SourceRun {
    pub fn is_live(&self) -> bool {
        matches!(self.status.as_str(), "RUNNING" | "SCHEDULED")
    }

    /// The same run as `before`, as far as can be told (a stamp not taken this time is no change).
    pub fn same_as(&self, before: &SourceRun) -> bool {
        // Every field named: a field added later must be weighed here.
        let SourceRun {
            id,
            experiment_id,
            name,
            user_id,
            status,
            start_time,
            end_time,
            lifecycle_stage,
            artifact_uri,
            stamp,
        } = self;
        (stamp.is_empty() || *stamp == before.stamp)
            && *id == before.id
            && *experiment_id == before.experiment_id
            && *name == before.name
            && *user_id == before.user_id
            && *status == before.status
            && *start_time == before.start_time
            && *end_time == before.end_time
            && *lifecycle_stage == before.lifecycle_stage
            && *artifact_uri == before.artifact_uri
    }
}

/// A logged model (MLflow 3's `log_model`), its params and tags.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceModel {
    pub id: String,
    pub experiment_id: String,
    pub name: String,
    pub artifact_location: String,
    pub source_run_id: Option<String>,
    pub model_type: Option<String>,
    /// MLflow's status: 1 pending, 2 ready, 3 failed.
    pub status: i64,
    pub lifecycle_stage: String,
    pub params: Vec<KeyValue>,
    pub tags: Vec<KeyValue>,
}

/// One metric point. NaN is NaN.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourcePoint {
    pub timestamp: i64,
    pub step: i64,
    pub value: f64,
}

/// A run's params and tags.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunData {
    pub params: Vec<KeyValue>,
    pub tags: Vec<KeyValue>,
}

/// An MLflow store, read only. Points of a metric are read in the order they were written, so
/// that "the points after the first n" are the new ones.
pub trait Source: Send {
    fn experiments(&mut self) -> Result<Vec<SourceExperiment>>;
    /// Every run; with `stamps`, each with its stamp (which costs a look at every run's data).
    fn runs(&mut self, stamps: bool) -> Result<Vec<SourceRun>>;
    fn run_data(&mut self, run: &SourceRun) -> Result<RunData>;
    /// Each metric key of the run and how many points it has.
    fn metric_counts(&mut self, run: &SourceRun) -> Result<Vec<(String, u64)>>;
    /// The points of `key` after the first `skip`.
    fn metric_points(&mut self, run: &SourceRun, key: &str, skip: u64) -> Result<Vec<SourcePoint>>;
    fn models(&mut self) -> Result<Vec<SourceModel>>;
}
