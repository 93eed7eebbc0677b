//! MLflow run and metric endpoints.

use super::AppState;
use super::convert::{to_mlflow_run, to_run_info};
use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, Params, run_id};
use crate::api::ext::{CreateRunExt, UpdateRunExt};
use crate::api::{
    CreateRun, KeyValue, LogBatch, LogKeyValue, LogMetric, Metric, MetricHistoryResponse, RunIdBody, SearchRuns,
    SearchRunsResponse, UpdateRun,
};
use crate::store::{Page, RunQuery, ViewType};
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// Largest (and default) sample of get-history-bulk-interval, most runs of one bulk read, and
/// most points of get-history-bulk (MLflow's numbers).
const BULK_INTERVAL_MAX: usize = 2500;
const BULK_MAX_RUNS: usize = 100;
const BULK_HISTORY_MAX: usize = 25_000;

fn key(k: &Option<String>) -> ApiResult<String> {
    k.clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing("key"))
}

/// The run id and the key/value pair of a log-parameter or set-tag request.
fn run_and_pair(req: LogKeyValue) -> ApiResult<(String, KeyValue)> {
    let id = run_id(req.run_id.as_deref(), req.run_uuid.as_deref())?;
    let pair = KeyValue {
        key: key(&req.key)?,
        value: req.value.ok_or_else(|| ApiError::missing("value"))?,
    };
    Ok((id, pair))
}

pub async fn create(
    State(s): State<AppState>,
    caller: Option<axum::Extension<super::auth::Caller>>,
    JsonBody(req): JsonBody<CreateRun>,
) -> ApiResult<Json<Value>> {
    let mut ext = CreateRunExt {
        experiment_id: Some(req.experiment_id.unwrap_or_else(|| "0".into())),
        run_name: req.run_name,
        user_id: req.user_id,
        start_time: req.start_time,
        tags: req.tags,
        ..Default::default()
    };
    super::auth::owned_by(caller, &mut ext.user_id, &mut ext.tags);
    let run = s.run(move |st| st.create_run(&ext)).await?;
    let mut body = json!({ "run": to_mlflow_run(&run) });
    // create_run answers without "outputs", as MLflow does.
    if let Some(r) = body.get_mut("run").and_then(Value::as_object_mut) {
        r.remove("outputs");
    }
    Ok(Json(body))
}

pub async fn get(State(s): State<AppState>, q: Params) -> ApiResult<Json<Value>> {
    let id = q
        .get("run_id")
        .or(q.get("run_uuid"))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing("run_id"))?;
    let id = id.to_string();
    let run = s.run(move |st| st.get_run(&id)).await?;
    Ok(Json(json!({ "run": to_mlflow_run(&run) })))
}

pub async fn update(State(s): State<AppState>, JsonBody(req): JsonBody<UpdateRun>) -> ApiResult<Json<Value>> {
    let ext = UpdateRunExt {
        run_id: run_id(req.run_id.as_deref(), req.run_uuid.as_deref())?,
        status: req.status,
        end_time: req.end_time,
        name: req.run_name,
        ..Default::default()
    };
    let run = s.run(move |st| st.update_run(&ext)).await?;
    Ok(Json(json!({ "run_info": to_run_info(&run) })))
}

pub async fn delete(State(s): State<AppState>, JsonBody(req): JsonBody<RunIdBody>) -> ApiResult<Json<Value>> {
    let id = run_id(req.run_id.as_deref(), req.run_uuid.as_deref())?;
    s.run(move |st| st.delete_run(&id)).await?;
    Ok(Json(json!({})))
}

pub async fn restore(State(s): State<AppState>, JsonBody(req): JsonBody<RunIdBody>) -> ApiResult<Json<Value>> {
    let id = run_id(req.run_id.as_deref(), req.run_uuid.as_deref())?;
    s.run(move |st| st.restore_run(&id)).await?;
    Ok(Json(json!({})))
}

pub async fn search(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<SearchRuns>,
) -> ApiResult<Json<SearchRunsResponse>> {
    let q = RunQuery {
        experiment_ids: req.experiment_ids,
        filter: req.filter.unwrap_or_default(),
        view: ViewType::parse(req.run_view_type.as_deref())?,
        order_by: req.order_by,
        page: Page {
            max_results: req.max_results,
            token: req.page_token,
        },
    };
    let (runs, next_page_token) = s.run(move |st| st.search_runs(&q)).await?;
    Ok(Json(SearchRunsResponse {
        runs: runs.iter().map(to_mlflow_run).collect(),
        next_page_token,
    }))
}

/// The single-item calls are log-batch with one entry, so they share its checks.
async fn apply_batch(s: AppState, id: String, batch: LogBatch) -> ApiResult<Json<Value>> {
    s.run(move |st| st.log_batch(&batch, &id)).await?;
    Ok(Json(json!({})))
}

pub async fn log_metric(State(s): State<AppState>, JsonBody(req): JsonBody<LogMetric>) -> ApiResult<Json<Value>> {
    let id = run_id(req.run_id.as_deref(), req.run_uuid.as_deref())?;
    let metric = Metric {
        key: key(&req.key)?,
        value: req.value.ok_or_else(|| ApiError::missing("value"))?,
        timestamp: req.timestamp.ok_or_else(|| ApiError::missing("timestamp"))?,
        step: req.step.unwrap_or(0),
        model_id: req.model_id,
        dataset_name: req.dataset_name,
        dataset_digest: req.dataset_digest,
        run_id: None,
    };
    apply_batch(
        s,
        id,
        LogBatch {
            metrics: vec![metric],
            ..Default::default()
        },
    )
    .await
}

pub async fn log_param(State(s): State<AppState>, JsonBody(req): JsonBody<LogKeyValue>) -> ApiResult<Json<Value>> {
    let (id, p) = run_and_pair(req)?;
    apply_batch(
        s,
        id,
        LogBatch {
            params: vec![p],
            ..Default::default()
        },
    )
    .await
}

pub async fn set_tag(
    State(s): State<AppState>,
    caller: Option<axum::Extension<super::auth::Caller>>,
    JsonBody(req): JsonBody<LogKeyValue>,
) -> ApiResult<Json<Value>> {
    let (id, t) = run_and_pair(req)?;
    super::auth::no_other_user(&caller, std::slice::from_ref(&t))?;
    s.run(move |st| st.set_tag(&id, &t)).await?;
    Ok(Json(json!({})))
}

pub async fn delete_tag(State(s): State<AppState>, JsonBody(req): JsonBody<LogKeyValue>) -> ApiResult<Json<Value>> {
    let id = run_id(req.run_id.as_deref(), req.run_uuid.as_deref())?;
    let k = key(&req.key)?;
    s.run(move |st| st.delete_tag(&id, &k)).await?;
    Ok(Json(json!({})))
}

pub async fn log_batch(
    State(s): State<AppState>,
    caller: Option<axum::Extension<super::auth::Caller>>,
    JsonBody(req): JsonBody<LogBatch>,
) -> ApiResult<Json<Value>> {
    let id = run_id(req.run_id.as_deref(), None)?;
    super::auth::no_other_user(&caller, &req.tags)?;
    s.run(move |st| st.log_batch(&req, &id)).await?;
    Ok(Json(json!({})))
}

pub async fn metric_history(State(s): State<AppState>, q: Params) -> ApiResult<Json<MetricHistoryResponse>> {
    let id = q
        .get("run_id")
        .or(q.get("run_uuid"))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing("run_id"))?;
    let id = id.to_string();
    let k = q.require("metric_key")?.to_string();
    let max = q.int("max_results")?;
    let token = q.get("page_token").map(String::from);
    let (metrics, next_page_token) = s
        .run(move |st| st.metric_history(&id, &k, max, token.as_deref()))
        .await?;
    Ok(Json(MetricHistoryResponse {
        metrics,
        next_page_token,
    }))
}

pub async fn metric_history_bulk_interval(State(s): State<AppState>, q: Params) -> ApiResult<Json<Value>> {
    let run_ids = q.all("run_ids");
    if run_ids.is_empty() {
        return Err(ApiError::missing("run_ids"));
    }
    if run_ids.len() > BULK_MAX_RUNS {
        return Err(ApiError::invalid(format!(
            "GetMetricHistoryBulkInterval request must specify at most {BULK_MAX_RUNS} run_ids. Received {} run_ids.",
            run_ids.len()
        )));
    }
    let k = q
        .get("metric_key")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::missing("metric_key"))?
        .to_string();
    let max = match q.int("max_results")? {
        None => BULK_INTERVAL_MAX,
        Some(m) if (1..=BULK_INTERVAL_MAX as i64).contains(&m) => m as usize,
        Some(_) => {
            return Err(ApiError::invalid(format!(
                "max_results must be between 1 and {BULK_INTERVAL_MAX}."
            )));
        }
    };
    let (start, end) = match (q.int("start_step")?, q.int("end_step")?) {
        (Some(a), Some(b)) if a > b => {
            return Err(ApiError::invalid(format!(
                "end_step must be greater than start_step. Found start_step={a} and end_step={b}."
            )));
        }
        (Some(a), Some(b)) => (Some(a), Some(b)),
        (None, None) => (None, None),
        _ => {
            return Err(ApiError::invalid(
                "If either start step or end step are specified, both must be specified.",
            ));
        }
    };
    let points = s
        .run(move |st| st.metric_history_bulk_interval(&run_ids, &k, start, end, max))
        .await?;
    let metrics = with_run_ids(points);
    Ok(Json(if metrics.is_empty() {
        json!({})
    } else {
        json!({ "metrics": metrics })
    }))
}

/// The points of a run list as MLflow's bulk reads return them: each with its run id.
fn with_run_ids(points: Vec<(String, Metric)>) -> Vec<Value> {
    points
        .into_iter()
        .map(|(run_id, m)| {
            let mut v = serde_json::to_value(&m).unwrap_or(Value::Null);
            v["run_id"] = Value::String(run_id);
            v
        })
        .collect()
}

/// `metrics/get-history-bulk` (MLflow's UI): every point of a key for up to 100 runs.
pub async fn metric_history_bulk(State(s): State<AppState>, q: Params) -> ApiResult<Json<Value>> {
    let run_ids = q.all("run_id");
    if run_ids.is_empty() {
        return Err(ApiError::invalid(
            "GetMetricHistoryBulk request must specify at least one run_id.",
        ));
    }
    if run_ids.len() > BULK_MAX_RUNS {
        return Err(ApiError::invalid(format!(
            "GetMetricHistoryBulk request cannot specify more than {BULK_MAX_RUNS} run_ids. Received {} run_ids.",
            run_ids.len()
        )));
    }
    let k = q
        .get("metric_key")
        .ok_or_else(|| ApiError::invalid("GetMetricHistoryBulk request must specify a metric_key."))?
        .to_string();
    let max = match q.int("max_results")? {
        Some(m) if m >= 1 => (m as usize).min(BULK_HISTORY_MAX),
        Some(m) => {
            return Err(ApiError::invalid(format!(
                "Invalid value {m} for parameter 'max_results' supplied."
            )));
        }
        None => BULK_HISTORY_MAX,
    };
    let points = s.run(move |st| st.metric_history_bulk(&run_ids, &k, max)).await?;
    Ok(Json(json!({ "metrics": with_run_ids(points) })))
}
