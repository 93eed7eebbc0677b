//! Reads across many runs: one key's learning curves for every run of a chart (one bulk read on
//! our server, in binary columns) and every metric at one step; from histories on stock MLflow.

use super::reads::Flavor;
use super::{ClientError, HistoryClient, Result};
use crate::api::curves::{AtStep, AtStepRequest, Curves, CurvesRequest, ValueAtStep};
use crate::api::curves_binary;
use crate::api::ext::{DownsampledSeries, Num};
use crate::api::routes as r;
use std::collections::BTreeMap;

impl HistoryClient {
    /// One key's series for many runs, each in at most `buckets` buckets: one bulk read on our
    /// server; on a stock MLflow server each run's whole history, a few runs at a time, bucketed
    /// here. Runs that no longer exist are left out.
    pub async fn curves(
        &self,
        key: &str,
        run_ids: &[String],
        x: &str,
        buckets: usize,
        range: Option<(i64, i64)>,
    ) -> Result<Vec<DownsampledSeries>> {
        if self.flavor().await? == Flavor::RunHistory {
            let req = CurvesRequest {
                key: key.into(),
                run_ids: run_ids.to_vec(),
                x: x.into(),
                buckets,
                min: range.map(|r| r.0),
                max: range.map(|r| r.1),
                ..Default::default()
            };
            return self.bulk_curves(&req).await;
        }
        let mut out = Vec::with_capacity(run_ids.len());
        for chunk in run_ids.chunks(8) {
            let mut set = tokio::task::JoinSet::new();
            for (i, run) in chunk.iter().enumerate() {
                let (client, run, key, x) = (self.clone(), run.clone(), key.to_string(), x.to_string());
                set.spawn(async move { (i, client.series(&run, &key, &x, buckets, range).await) });
            }
            let mut got: Vec<(usize, DownsampledSeries)> = Vec::with_capacity(chunk.len());
            while let Some(done) = set.join_next().await {
                let (i, series) = done.map_err(|e| ClientError::Decode(e.to_string()))?;
                match series {
                    Ok(s) => got.push((i, s)),
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e),
                }
            }
            got.sort_by_key(|(i, _)| *i);
            out.extend(got.into_iter().map(|(_, s)| s));
        }
        Ok(out)
    }

    /// The bulk curve read, asked for in binary columns and read straight into each run's
    /// buckets (a thousand runs' decode in milliseconds); a server that answers JSON is read as
    /// JSON, its columns turned back into series.
    async fn bulk_curves(&self, req: &CurvesRequest) -> Result<Vec<DownsampledSeries>> {
        let resp = self
            .request(reqwest::Method::POST, r::METRICS_DOWNSAMPLE_RUNS)
            .header(
                reqwest::header::ACCEPT,
                format!("{}, application/json", curves_binary::MEDIA_TYPE),
            )
            .json(req)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let resp = self.check(resp).await?;
        let binary = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(curves_binary::MEDIA_TYPE));
        let bytes = resp.bytes().await.map_err(|e| self.unreachable(e))?;
        if binary {
            return curves_binary::decode_series(&bytes)
                .map(|(_, _, series)| series)
                .map_err(ClientError::Decode);
        }
        let got: Curves = serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))?;
        got.series
            .into_iter()
            .map(|c| c.into_series(&got.key, &got.x))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ClientError::Decode("a curve's columns differ in length".into()))
    }

    /// One key's curves for many runs with x the value of metric `x_key` at the same step, over
    /// `x_range` (None: each run's extent); on a stock MLflow server, from both histories.
    pub async fn curves_over_metric(
        &self,
        key: &str,
        x_key: &str,
        run_ids: &[String],
        buckets: usize,
        x_range: Option<[f64; 2]>,
    ) -> Result<Vec<DownsampledSeries>> {
        if self.flavor().await? == Flavor::RunHistory {
            let req = CurvesRequest {
                key: key.into(),
                run_ids: run_ids.to_vec(),
                x: "metric".into(),
                buckets,
                x_key: Some(x_key.into()),
                x_range,
                ..Default::default()
            };
            return self.bulk_curves(&req).await;
        }
        let mut out = Vec::with_capacity(run_ids.len());
        for run_id in run_ids {
            let (ys, xs) = match (
                self.metric_history(run_id, key).await,
                self.metric_history(run_id, x_key).await,
            ) {
                (Err(e), _) | (_, Err(e)) if e.is_not_found() => continue,
                (ys, xs) => (ys?, xs?),
            };
            // The last point at each step of each series, paired by step.
            let by_step =
                |ms: &[crate::api::Metric]| -> BTreeMap<i64, f64> { ms.iter().map(|m| (m.step, m.value)).collect() };
            let xs = by_step(&xs);
            let pairs: Vec<(f64, f64)> = by_step(&ys)
                .into_iter()
                .filter_map(|(step, y)| Some((*xs.get(&step)?, y)))
                .collect();
            let (total, buckets) = crate::series::bucket_over(&pairs, buckets, x_range);
            out.push(DownsampledSeries {
                run_id: run_id.clone(),
                key: key.into(),
                x: "metric".into(),
                total_points: total as u64,
                buckets,
            });
        }
        Ok(out)
    }

    /// Every metric of these runs at `step` (each series' point at the greatest step at or before
    /// it); on a stock MLflow server, from each run's histories.
    pub async fn values_at_step(&self, run_ids: &[String], step: i64) -> Result<AtStep> {
        if self.flavor().await? == Flavor::RunHistory {
            let req = AtStepRequest {
                run_ids: run_ids.to_vec(),
                step,
            };
            return self.post_json(r::METRICS_AT_STEP, &req).await;
        }
        let mut values = Vec::new();
        for run_id in run_ids {
            let run = self.get_run(run_id).await?;
            for key in run.metrics.keys() {
                let history = self.metric_history(run_id, key).await?;
                // The last point logged at the greatest step at or before the one asked.
                let at = history
                    .iter()
                    .filter(|m| m.step <= step)
                    .fold(None::<&crate::api::Metric>, |best, m| match best {
                        Some(b) if b.step > m.step => Some(b),
                        _ => Some(m),
                    });
                if let Some(m) = at {
                    values.push(ValueAtStep {
                        run_id: run_id.clone(),
                        key: key.clone(),
                        step: m.step,
                        value: Num(m.value),
                    });
                }
            }
        }
        Ok(AtStep { step, values })
    }
}
