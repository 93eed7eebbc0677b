//! Reads that use our extensions on our server and fall back to plain MLflow calls on a stock
//! MLflow tracking server, so the CLI and the workbench can open either.

use super::{ClientError, HistoryClient, Result, all_pages, encode_segment};
use crate::api::ext::{DownsampledSeries, ExperimentSummary, LatestMetric, Num, RunDetail, RunStatus};
use crate::api::routes as r;
use crate::api::{Experiment, ListArtifactsResponse, Run, SearchRunsResponse};
use crate::series::bucket_points;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Which kind of server answers: ours (extensions available) or a stock MLflow server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    RunHistory,
    Mlflow,
}

impl Flavor {
    pub fn label(self) -> &'static str {
        match self {
            Flavor::RunHistory => "Run History server",
            Flavor::Mlflow => "MLflow server (extensions unavailable)",
        }
    }
}

/// Our view of a run as a stock MLflow server reports it; `run_number` is filled in by the caller.
pub fn run_from_mlflow(run: Run) -> RunDetail {
    let tags: BTreeMap<String, String> = run.data.tags.into_iter().map(|kv| (kv.key, kv.value)).collect();
    let params = run.data.params.into_iter().map(|kv| (kv.key, kv.value)).collect();
    let metrics = run
        .data
        .metrics
        .into_iter()
        .map(|m| {
            let latest = LatestMetric {
                value: Num(m.value),
                step: m.step,
                timestamp: m.timestamp,
                // MLflow does not say how many points a key holds: 0 means unknown.
                count: 0,
                min: None,
                max: None,
            };
            (m.key, latest)
        })
        .collect();
    let info = run.info;
    let run_id = if info.run_id.is_empty() {
        info.run_uuid
    } else {
        info.run_id
    };
    let name = if info.run_name.is_empty() {
        tags.get(crate::api::TAG_RUN_NAME).cloned().unwrap_or_default()
    } else {
        info.run_name
    };
    let script_name = tags
        .get(crate::api::TAG_SOURCE)
        .map(|s| s.rsplit(['/', '\\']).next().unwrap_or(s).to_string());
    RunDetail {
        run_id,
        experiment_id: info.experiment_id,
        run_number: 0,
        name,
        script_name,
        arguments: Vec::new(),
        user_id: info.user_id,
        status: RunStatus::parse(&info.status).unwrap_or(RunStatus::Failed),
        created_time: info.start_time.unwrap_or(0),
        start_time: info.start_time,
        end_time: info.end_time,
        description: tags.get(crate::api::TAG_NOTE).cloned(),
        hidden: false,
        parent_run_id: tags.get("mlflow.parentRunId").cloned(),
        exit_code: None,
        target: "local".into(),
        heartbeat_time: None,
        lifecycle_stage: info.lifecycle_stage,
        artifact_uri: info.artifact_uri,
        properties: BTreeMap::new(),
        params,
        tags,
        metrics,
        values: BTreeMap::new(),
        inputs: run.inputs,
        outputs: run.outputs,
    }
}

/// The proxy path (under `/api/2.0/mlflow-artifacts/artifacts/`) of a run's artifact folder.
fn proxy_root(run: &RunDetail) -> String {
    match run.artifact_uri.strip_prefix("mlflow-artifacts:") {
        Some(rest) => rest.trim_start_matches('/').trim_end_matches('/').to_string(),
        None => format!("{}/{}/artifacts", run.experiment_id, run.run_id),
    }
}

impl HistoryClient {
    /// Asks the server once which kind it is; an unreachable server is an error, not a guess.
    pub async fn flavor(&self) -> Result<Flavor> {
        if let Some(f) = self.flavor.get() {
            return Ok(*f);
        }
        let f = match self.server_info().await {
            Ok(info) => {
                let _ = self.read_only.set(info.read_only);
                let _ = self.signed_in.set(info.user);
                Flavor::RunHistory
            }
            Err(e) if e.is_not_found() => Flavor::Mlflow,
            Err(e) => return Err(e),
        };
        Ok(*self.flavor.get_or_init(|| f))
    }

    /// Every run of an experiment matching a filter, numbered by start (oldest is 1).
    pub async fn experiment_runs(&self, experiment_id: &str, filter: &str) -> Result<ExperimentSummary> {
        if self.flavor().await? == Flavor::RunHistory {
            return self.experiment_summary(experiment_id, filter).await;
        }
        let experiment: Experiment = serde_json::from_value(
            self.get_json::<Value>(r::EXPERIMENTS_GET, &[("experiment_id", experiment_id.to_string())])
                .await?
                .get("experiment")
                .cloned()
                .unwrap_or(Value::Null),
        )
        .map_err(|e| ClientError::Decode(e.to_string()))?;
        let mut all = self.search_mlflow_runs(experiment_id, "").await?;
        all.sort_by(|a, b| a.start_time.cmp(&b.start_time).then(a.run_id.cmp(&b.run_id)));
        for (i, r) in all.iter_mut().enumerate() {
            r.run_number = i as i64 + 1;
        }
        let runs = if filter.trim().is_empty() {
            all
        } else {
            let numbers: BTreeMap<String, i64> = all.iter().map(|r| (r.run_id.clone(), r.run_number)).collect();
            let mut matched = self.search_mlflow_runs(experiment_id, filter).await?;
            for r in &mut matched {
                r.run_number = numbers.get(&r.run_id).copied().unwrap_or(0);
            }
            matched
        };
        Ok(ExperimentSummary { experiment, runs })
    }

    async fn search_mlflow_runs(&self, experiment_id: &str, filter: &str) -> Result<Vec<RunDetail>> {
        all_pages(|token| async move {
            let mut body = json!({ "experiment_ids": [experiment_id], "filter": filter, "max_results": 1000 });
            if let Some(t) = token {
                body["page_token"] = Value::String(t);
            }
            let page: SearchRunsResponse = self.post_json(r::RUNS_SEARCH, &body).await?;
            Ok((
                page.runs.into_iter().map(run_from_mlflow).collect(),
                page.next_page_token,
            ))
        })
        .await
    }

    /// One run with everything known about it.
    pub async fn get_run(&self, run_id: &str) -> Result<RunDetail> {
        if self.flavor().await? == Flavor::RunHistory {
            return Self::run_of(
                self.get_json(r::EXT_RUNS_GET, &[("run_id", run_id.to_string())])
                    .await?,
            );
        }
        let v: Value = self.get_json(r::RUNS_GET, &[("run_id", run_id.to_string())]).await?;
        let run: Run = serde_json::from_value(v["run"].clone()).map_err(|e| ClientError::Decode(e.to_string()))?;
        let mut detail = run_from_mlflow(run);
        let numbered = self.experiment_runs(&detail.experiment_id, "").await?;
        detail.run_number = numbered
            .runs
            .iter()
            .find(|r| r.run_id == detail.run_id)
            .map_or(0, |r| r.run_number);
        Ok(detail)
    }

    /// Every artifact file of a run with its size, walking folders where the server has no bulk call.
    pub async fn run_artifacts(&self, run: &RunDetail) -> Result<Vec<(String, u64)>> {
        if self.flavor().await? == Flavor::RunHistory {
            return self.all_artifacts(&run.run_id).await;
        }
        let root = proxy_root(run);
        let mut out = Vec::new();
        let mut folders = vec![String::new()];
        while let Some(rel) = folders.pop() {
            let path = if rel.is_empty() {
                root.clone()
            } else {
                format!("{root}/{rel}")
            };
            let page: ListArtifactsResponse = self.get_json(r::ARTIFACTS, &[("path", path)]).await?;
            for f in page.files {
                let name = f.path.rsplit('/').next().unwrap_or(&f.path).to_string();
                let child = if rel.is_empty() { name } else { format!("{rel}/{name}") };
                if f.is_dir {
                    folders.push(child);
                } else {
                    out.push((child, f.file_size.unwrap_or(0).max(0) as u64));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// A series in at most `buckets` min/max buckets: the server's downsampled read, or the
    /// whole MLflow history bucketed here.
    pub async fn series(
        &self,
        run_id: &str,
        key: &str,
        x: &str,
        buckets: usize,
        range: Option<(i64, i64)>,
    ) -> Result<DownsampledSeries> {
        if self.flavor().await? == Flavor::RunHistory {
            return self.downsample(run_id, key, x, buckets, range).await;
        }
        let history = self.metric_history(run_id, key).await?;
        let points: Vec<(f64, f64)> = history
            .iter()
            .map(|m| (if x == "time" { m.timestamp } else { m.step } as f64, m.value))
            .collect();
        let range = range.map(|(lo, hi)| (lo as f64, hi as f64));
        let in_range = points
            .iter()
            .filter(|p| range.is_none_or(|(lo, hi)| p.0 >= lo && p.0 <= hi))
            .count();
        Ok(DownsampledSeries {
            run_id: run_id.into(),
            key: key.into(),
            x: if x == "time" { "timestamp".into() } else { "step".into() },
            total_points: in_range as u64,
            buckets: bucket_points(&points, buckets, range),
        })
    }

    /// The URL path of one artifact of a run, on either kind of server.
    pub fn artifact_path_of(run: &RunDetail, rel: &str) -> String {
        let rel: Vec<String> = rel.split('/').filter(|s| !s.is_empty()).map(encode_segment).collect();
        let root: Vec<String> = proxy_root(run).split('/').map(encode_segment).collect();
        let mut p = format!("{}/{}", r::ARTIFACTS, root.join("/"));
        if !rel.is_empty() {
            p.push('/');
            p.push_str(&rel.join("/"));
        }
        p
    }
}
