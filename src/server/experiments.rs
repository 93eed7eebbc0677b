//! MLflow experiment endpoints.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, Params};
use crate::api::{
    CreateExperiment, ExperimentIdBody, KeyValue, SearchExperiments, SearchExperimentsResponse, SetExperimentTag,
    UpdateExperiment,
};
use crate::store::{Page, ViewType};
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

fn required<'a>(v: &'a Option<String>, name: &str) -> ApiResult<&'a str> {
    v.as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing(name))
}

/// An artifact location as MLflow's server keeps it: a URI as given, a local path made absolute
/// against the server's working folder.
fn resolve_location(location: Option<&str>) -> Option<String> {
    let loc = location.filter(|l| !l.is_empty())?;
    if loc.contains(':') {
        return Some(loc.to_string());
    }
    Some(std::path::absolute(loc).map_or_else(|_| loc.to_string(), |p| p.display().to_string()))
}

pub async fn create(State(s): State<AppState>, JsonBody(req): JsonBody<CreateExperiment>) -> ApiResult<Json<Value>> {
    let name = required(&req.name, "name")?.to_string();
    let location = resolve_location(req.artifact_location.as_deref());
    let id = s
        .run(move |st| st.create_experiment(&name, location.as_deref(), &req.tags))
        .await?;
    Ok(Json(json!({ "experiment_id": id })))
}

pub async fn get(State(s): State<AppState>, q: Params) -> ApiResult<Json<Value>> {
    let id = q.require("experiment_id")?.to_string();
    let e = s.run(move |st| st.get_experiment(&id)).await?;
    Ok(Json(json!({ "experiment": e })))
}

pub async fn get_by_name(State(s): State<AppState>, q: Params) -> ApiResult<Json<Value>> {
    let name = q.require("experiment_name")?.to_string();
    let e = s.run(move |st| st.get_experiment_by_name(&name)).await?;
    Ok(Json(json!({ "experiment": e })))
}

async fn run_search(s: AppState, req: SearchExperiments) -> ApiResult<Json<SearchExperimentsResponse>> {
    let view = ViewType::parse(req.view_type.as_deref())?;
    let page = Page {
        max_results: req.max_results,
        token: req.page_token,
    };
    let filter = req.filter.unwrap_or_default();
    let (experiments, next_page_token) = s
        .run(move |st| st.search_experiments(view, &filter, &req.order_by, &page))
        .await?;
    Ok(Json(SearchExperimentsResponse {
        experiments,
        next_page_token,
    }))
}

pub async fn search(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<SearchExperiments>,
) -> ApiResult<Json<SearchExperimentsResponse>> {
    run_search(s, req).await
}

pub async fn search_get(State(s): State<AppState>, q: Params) -> ApiResult<Json<SearchExperimentsResponse>> {
    let req = SearchExperiments {
        max_results: q.int("max_results")?,
        page_token: q.get("page_token").map(String::from),
        filter: q.get("filter").map(String::from),
        order_by: q.all("order_by"),
        view_type: q.get("view_type").map(String::from),
    };
    run_search(s, req).await
}

pub async fn delete(State(s): State<AppState>, JsonBody(req): JsonBody<ExperimentIdBody>) -> ApiResult<Json<Value>> {
    let id = required(&req.experiment_id, "experiment_id")?.to_string();
    s.run(move |st| st.delete_experiment(&id)).await?;
    Ok(Json(json!({})))
}

pub async fn restore(State(s): State<AppState>, JsonBody(req): JsonBody<ExperimentIdBody>) -> ApiResult<Json<Value>> {
    let id = required(&req.experiment_id, "experiment_id")?.to_string();
    s.run(move |st| st.restore_experiment(&id)).await?;
    Ok(Json(json!({})))
}

pub async fn update(State(s): State<AppState>, JsonBody(req): JsonBody<UpdateExperiment>) -> ApiResult<Json<Value>> {
    let id = required(&req.experiment_id, "experiment_id")?.to_string();
    let name = required(&req.new_name, "new_name")?.to_string();
    s.run(move |st| st.rename_experiment(&id, &name)).await?;
    Ok(Json(json!({})))
}

pub async fn delete_tag(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<SetExperimentTag>,
) -> ApiResult<Json<Value>> {
    let id = required(&req.experiment_id, "experiment_id")?.to_string();
    let key = required(&req.key, "key")?.to_string();
    s.run(move |st| st.delete_experiment_tag(&id, &key)).await?;
    Ok(Json(json!({})))
}

pub async fn set_tag(State(s): State<AppState>, JsonBody(req): JsonBody<SetExperimentTag>) -> ApiResult<Json<Value>> {
    let id = required(&req.experiment_id, "experiment_id")?.to_string();
    let tag = KeyValue {
        key: required(&req.key, "key")?.to_string(),
        value: req.value.clone().unwrap_or_default(),
    };
    s.run(move |st| st.set_experiment_tag(&id, &tag)).await?;
    Ok(Json(json!({})))
}
