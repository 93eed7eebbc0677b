//! Our extension endpoints: richer runs, bulk ingest, heartbeats, downsampled series, summaries, assets.

use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, MAX_INGEST_BODY, Params, read_json};
use super::{AppState, VERSION};
use crate::api::curves::{AtStep, AtStepRequest, Curves, CurvesRequest};
use crate::api::curves_binary;
use crate::api::ext::{
    CreateRunExt, DownsampledSeries, ExperimentSummary, Heartbeat, IngestBatch, IngestResponse, ServerInfo,
    UpdateRunExt,
};
use crate::store::XAxis;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub async fn mlflow_server_info() -> Json<Value> {
    Json(json!({
        "store_type": "SqlStore",
        "workspaces_enabled": false,
        "multipart_uploads_enabled": false,
        "multipart_downloads_enabled": false,
    }))
}

pub async fn server_info(
    State(s): State<AppState>,
    caller: Option<axum::Extension<super::auth::Caller>>,
) -> Json<ServerInfo> {
    Json(ServerInfo {
        server: "runhistory".into(),
        version: VERSION.into(),
        store: s.store.root().display().to_string(),
        read_only: s.read_only.as_deref().map(str::to_string),
        user: caller.map(|axum::Extension(super::auth::Caller(u))| u),
    })
}

pub async fn create_run(
    State(s): State<AppState>,
    caller: Option<axum::Extension<super::auth::Caller>>,
    JsonBody(mut req): JsonBody<CreateRunExt>,
) -> ApiResult<Json<Value>> {
    super::auth::owned_by(caller, &mut req.user_id, &mut req.tags);
    let run = s.run(move |st| st.create_run(&req)).await?;
    Ok(Json(json!({ "run": run })))
}

pub async fn get_run(State(s): State<AppState>, q: Params) -> ApiResult<Json<Value>> {
    let id = q.require("run_id")?.to_string();
    let run = s.run(move |st| st.get_run(&id)).await?;
    Ok(Json(json!({ "run": run })))
}

pub async fn get_run_by_number(State(s): State<AppState>, q: Params) -> ApiResult<Json<Value>> {
    let exp = q.require("experiment_id")?.to_string();
    let n = q.int("run_number")?.ok_or_else(|| ApiError::missing("run_number"))?;
    let run = s.run(move |st| st.get_run_by_number(&exp, n)).await?;
    Ok(Json(json!({ "run": run })))
}

pub async fn update_run(State(s): State<AppState>, JsonBody(req): JsonBody<UpdateRunExt>) -> ApiResult<Json<Value>> {
    if req.run_id.is_empty() {
        return Err(ApiError::missing("run_id"));
    }
    let run = s.run(move |st| st.update_run(&req)).await?;
    Ok(Json(json!({ "run": run })))
}

pub async fn ingest(State(s): State<AppState>, req: Request) -> ApiResult<Json<IngestResponse>> {
    let caller = req
        .extensions()
        .get::<super::auth::Caller>()
        .cloned()
        .map(axum::Extension);
    let batch: IngestBatch = read_json(req, MAX_INGEST_BODY).await?;
    super::auth::no_other_user(&caller, &batch.tags)?;
    if batch.run_id.is_empty() {
        return Err(ApiError::missing("run_id"));
    }
    // The middleware does not read a bulk body: its run is checked here.
    let targets = super::permissions::Targets {
        runs: vec![batch.run_id.clone()],
        ..Default::default()
    };
    super::permissions::require(
        &s,
        &caller.map(|axum::Extension(c)| c),
        targets,
        super::permissions::Need::Update,
    )
    .await?;
    Ok(Json(s.run(move |st| st.ingest(&batch)).await?))
}

pub async fn heartbeat(State(s): State<AppState>, JsonBody(req): JsonBody<Heartbeat>) -> ApiResult<Json<Value>> {
    s.run(move |st| st.heartbeat(&req.run_id, req.interval_secs)).await?;
    Ok(Json(json!({})))
}

pub async fn all_artifacts(State(s): State<AppState>, q: Params) -> ApiResult<Json<Value>> {
    let id = q.require("run_id")?.to_string();
    let files = s.run(move |st| st.all_artifacts(&id)).await?;
    let files: Vec<Value> = files
        .into_iter()
        .map(|(path, size)| json!({"path": path, "file_size": size}))
        .collect();
    Ok(Json(json!({ "files": files })))
}

pub async fn downsample(State(s): State<AppState>, q: Params) -> ApiResult<Json<DownsampledSeries>> {
    let id = q.require("run_id")?.to_string();
    let key = q.require("key")?.to_string();
    let x = XAxis::parse(q.get("x").unwrap_or("step"))?;
    let buckets = q.int("buckets")?.unwrap_or(1000);
    let buckets = usize::try_from(buckets).map_err(|_| ApiError::invalid("buckets must be positive"))?;
    let (lo, hi) = (q.int("min")?, q.int("max")?);
    Ok(Json(
        s.run(move |st| st.downsample(&id, &key, x, buckets, lo, hi)).await?,
    ))
}

/// One key's buckets for many runs (the learning-curve charts): a POST, since a thousand run ids
/// do not fit a query string. JSON, or binary columns for a client that accepts them.
pub async fn downsample_runs(
    State(s): State<AppState>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<CurvesRequest>,
) -> ApiResult<Response> {
    if req.key.is_empty() {
        return Err(ApiError::missing("key"));
    }
    let binary = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',').any(|t| {
                t.split(';')
                    .next()
                    .is_some_and(|t| t.trim() == curves_binary::MEDIA_TYPE)
            })
        });
    enum Answer {
        Json(Curves),
        Binary(Vec<u8>),
    }
    // The binary form is encoded in the store's task; JSON as every answer is.
    let answer = s
        .run(move |st| {
            let curves = st.downsample_runs(&req)?;
            Ok(if binary {
                Answer::Binary(curves_binary::encode(&curves))
            } else {
                Answer::Json(curves)
            })
        })
        .await?;
    Ok(match answer {
        Answer::Json(curves) => Json(curves).into_response(),
        Answer::Binary(body) => ([(header::CONTENT_TYPE, curves_binary::MEDIA_TYPE)], body).into_response(),
    })
}

/// Every metric of some runs at one step (compare at a chosen step).
pub async fn values_at_step(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<AtStepRequest>,
) -> ApiResult<Json<AtStep>> {
    Ok(Json(s.run(move |st| st.values_at_step(&req)).await?))
}

pub async fn experiment_summary(State(s): State<AppState>, q: Params) -> ApiResult<Json<ExperimentSummary>> {
    let id = q.require("experiment_id")?.to_string();
    let filter = q.get("filter").unwrap_or("").to_string();
    Ok(Json(s.run(move |st| st.experiment_summary(&id, &filter)).await?))
}
