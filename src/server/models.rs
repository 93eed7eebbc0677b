//! MLflow 3's logged-model endpoints, and a run's inputs and outputs.

use super::AppState;
use super::artifacts::listing;
use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, Params, run_id};
use crate::api::models::{
    CreateLoggedModel, FinalizeLoggedModel, LogInputs, LogOutputs, LoggedModelKeyValues, SearchDatasets,
    SearchLoggedModels, SearchLoggedModelsResponse,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};

pub async fn log_inputs(State(s): State<AppState>, JsonBody(req): JsonBody<LogInputs>) -> ApiResult<Json<Value>> {
    let id = run_id(req.run_id.as_deref(), None)?;
    s.run(move |st| st.log_inputs(&id, &req.datasets, &req.models)).await?;
    Ok(Json(json!({})))
}

pub async fn log_outputs(State(s): State<AppState>, JsonBody(req): JsonBody<LogOutputs>) -> ApiResult<Json<Value>> {
    let id = run_id(req.run_id.as_deref(), None)?;
    s.run(move |st| st.log_outputs(&id, &req.models)).await?;
    Ok(Json(json!({})))
}

pub async fn search_datasets(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<SearchDatasets>,
) -> ApiResult<Json<Value>> {
    let summaries = s.run(move |st| st.search_datasets(&req.experiment_ids)).await?;
    Ok(Json(json!({ "dataset_summaries": summaries })))
}

pub async fn create(State(s): State<AppState>, JsonBody(req): JsonBody<CreateLoggedModel>) -> ApiResult<Json<Value>> {
    let model = s.run(move |st| st.create_logged_model(&req)).await?;
    Ok(Json(json!({ "model": model })))
}

pub async fn get(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let model = s.run(move |st| st.get_logged_model(&id)).await?;
    Ok(Json(json!({ "model": model })))
}

pub async fn finalize(
    State(s): State<AppState>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<FinalizeLoggedModel>,
) -> ApiResult<Json<Value>> {
    let status = req.status.ok_or_else(|| ApiError::missing("status"))?;
    let model = s.run(move |st| st.finalize_logged_model(&id, status)).await?;
    Ok(Json(json!({ "model": model })))
}

pub async fn delete(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    s.run(move |st| st.delete_logged_model(&id)).await?;
    Ok(Json(json!({})))
}

pub async fn set_tags(
    State(s): State<AppState>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<LoggedModelKeyValues>,
) -> ApiResult<Json<Value>> {
    s.run(move |st| st.set_logged_model_tags(&id, &req.tags)).await?;
    Ok(Json(json!({})))
}

pub async fn delete_tag(State(s): State<AppState>, Path((id, key)): Path<(String, String)>) -> ApiResult<Json<Value>> {
    s.run(move |st| st.delete_logged_model_tag(&id, &key)).await?;
    Ok(Json(json!({})))
}

pub async fn log_params(
    State(s): State<AppState>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<LoggedModelKeyValues>,
) -> ApiResult<Json<Value>> {
    s.run(move |st| st.log_logged_model_params(&id, &req.params)).await?;
    Ok(Json(json!({})))
}

pub async fn search(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<SearchLoggedModels>,
) -> ApiResult<Json<SearchLoggedModelsResponse>> {
    let (models, next_page_token) = s.run(move |st| st.search_logged_models(&req)).await?;
    Ok(Json(SearchLoggedModelsResponse {
        models,
        next_page_token,
    }))
}

/// The files of a folder of the model's artifacts (`artifact_directory_path`, default its root).
pub async fn list_artifacts(State(s): State<AppState>, Path(id): Path<String>, q: Params) -> ApiResult<Json<Value>> {
    let rel = q.get("artifact_directory_path").unwrap_or("").to_string();
    let body = s
        .run(move |st| {
            let model = st.get_logged_model(&id)?;
            let p = st.uri_artifact_path(&model.info.artifact_uri, &rel)?;
            listing(st, &p, &rel, model.info.artifact_uri)
        })
        .await?;
    Ok(Json(body))
}

/// One file of the model's artifacts (`artifact_file_path`), streamed.
pub async fn artifact_file(State(s): State<AppState>, Path(id): Path<String>, q: Params) -> ApiResult<Response> {
    let rel = q.require("artifact_file_path")?.to_string();
    let (content, name) = s
        .run(move |st| {
            let model = st.get_logged_model(&id)?;
            let p = st.uri_artifact_path(&model.info.artifact_uri, &rel)?;
            Ok((st.open_artifact(&p)?, rel))
        })
        .await?;
    super::artifacts::send_file(content, &name).await
}
