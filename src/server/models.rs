//! MLflow 3's logged-model endpoints, and a run's inputs and outputs.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, Params};
use crate::api::ListArtifactsResponse;
use crate::api::models::{
    CreateLoggedModel, FinalizeLoggedModel, LogInputs, LogOutputs, LoggedModelKeyValues, SearchLoggedModels,
    SearchLoggedModelsResponse,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};

fn required_run(run_id: &Option<String>) -> ApiResult<String> {
    run_id
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing("run_id"))
}

pub async fn log_inputs(State(s): State<AppState>, JsonBody(req): JsonBody<LogInputs>) -> ApiResult<Json<Value>> {
    let id = required_run(&req.run_id)?;
    s.run(move |st| st.log_inputs(&id, &req.datasets, &req.models)).await?;
    Ok(Json(json!({})))
}

pub async fn log_outputs(State(s): State<AppState>, JsonBody(req): JsonBody<LogOutputs>) -> ApiResult<Json<Value>> {
    let id = required_run(&req.run_id)?;
    s.run(move |st| st.log_outputs(&id, &req.models)).await?;
    Ok(Json(json!({})))
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
    let (files, root_uri) = s
        .run(move |st| {
            let model = st.get_logged_model(&id)?;
            let p = st.uri_artifact_path(&model.info.artifact_uri, &rel)?;
            let prefix = if rel.is_empty() {
                String::new()
            } else {
                format!("{}/", rel.trim_end_matches('/'))
            };
            let files = st
                .list_artifacts(&p)?
                .into_iter()
                .map(|mut f| {
                    f.path = format!("{prefix}{}", f.path);
                    f
                })
                .collect();
            Ok((files, model.info.artifact_uri))
        })
        .await?;
    let mut body = serde_json::to_value(ListArtifactsResponse { files }).unwrap_or_else(|_| json!({}));
    body["root_uri"] = Value::String(root_uri);
    Ok(Json(body))
}

/// One file of the model's artifacts (`artifact_file_path`), streamed.
pub async fn artifact_file(State(s): State<AppState>, Path(id): Path<String>, q: Params) -> ApiResult<Response> {
    let rel = q.require("artifact_file_path")?.to_string();
    let (file, name) = s
        .run(move |st| {
            let model = st.get_logged_model(&id)?;
            let p = st.uri_artifact_path(&model.info.artifact_uri, &rel)?;
            Ok((st.artifact_file(&p)?, rel))
        })
        .await?;
    super::artifacts::send_file(&file, &name).await
}
