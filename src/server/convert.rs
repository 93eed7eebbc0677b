//! Our run record seen through MLflow's shapes.

use crate::api::ext::RunDetail;
use crate::api::{KeyValue, Metric, Run, RunData, RunInfo};

pub fn to_run_info(r: &RunDetail) -> RunInfo {
    RunInfo {
        run_uuid: r.run_id.clone(),
        run_id: r.run_id.clone(),
        experiment_id: r.experiment_id.clone(),
        run_name: r.name.clone(),
        user_id: r.user_id.clone(),
        status: r.status.mlflow_name().to_string(),
        start_time: r.start_time,
        end_time: r.end_time,
        artifact_uri: r.artifact_uri.clone(),
        lifecycle_stage: r.lifecycle_stage.clone(),
    }
}

pub fn to_mlflow_run(r: &RunDetail) -> Run {
    let kv = |m: &std::collections::BTreeMap<String, String>| {
        m.iter()
            .map(|(k, v)| KeyValue {
                key: k.clone(),
                value: v.clone(),
            })
            .collect()
    };
    Run {
        info: to_run_info(r),
        data: RunData {
            metrics: r
                .metrics
                .iter()
                .map(|(k, m)| Metric {
                    key: k.clone(),
                    value: m.value.0,
                    timestamp: m.timestamp,
                    step: m.step,
                    ..Default::default()
                })
                .collect(),
            params: kv(&r.params),
            tags: kv(&r.tags),
        },
        inputs: r.inputs.clone(),
        outputs: r.outputs.clone(),
    }
}
