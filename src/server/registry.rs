//! MLflow's model registry endpoints: registered models, versions, tags, aliases, searches, the
//! download URI and a version's files, with MLflow's paths, methods and response shapes.

use super::AppState;
use super::artifacts::{safe_rel, send_file};
use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, Params};
use crate::api::KeyValue;
use crate::api::registry::{
    CreateModelVersion, CreateRegisteredModel, RegistryRequest, RegistrySearch, SearchModelVersionsResponse,
    SearchRegisteredModelsResponse,
};
use crate::api::routes as r;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use serde_json::{Value, json};

/// The registry's routes, merged into the API's.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(r::REGISTERED_MODELS_CREATE, post(create_model))
        .route(r::REGISTERED_MODELS_GET, get(get_model))
        .route(r::REGISTERED_MODELS_UPDATE, patch(update_model))
        .route(r::REGISTERED_MODELS_RENAME, post(rename_model))
        .route(r::REGISTERED_MODELS_DELETE, delete(delete_model))
        .route(r::REGISTERED_MODELS_SEARCH, get(search_models))
        .route(
            r::REGISTERED_MODELS_GET_LATEST_VERSIONS,
            post(latest_versions).get(latest_versions_get),
        )
        .route(r::REGISTERED_MODELS_SET_TAG, post(set_model_tag))
        .route(r::REGISTERED_MODELS_DELETE_TAG, delete(delete_model_tag))
        .route(
            r::REGISTERED_MODELS_ALIAS,
            post(set_alias).delete(delete_alias).get(version_by_alias),
        )
        .route(r::MODEL_VERSIONS_CREATE, post(create_version))
        .route(r::MODEL_VERSIONS_GET, get(get_version))
        .route(r::MODEL_VERSIONS_UPDATE, patch(update_version))
        .route(r::MODEL_VERSIONS_TRANSITION_STAGE, post(transition_stage))
        .route(r::MODEL_VERSIONS_DELETE, delete(delete_version))
        .route(r::MODEL_VERSIONS_SEARCH, get(search_versions))
        .route(r::MODEL_VERSIONS_DOWNLOAD_URI, get(download_uri))
        .route(r::MODEL_VERSIONS_SET_TAG, post(set_version_tag))
        .route(r::MODEL_VERSIONS_DELETE_TAG, delete(delete_version_tag))
        .route(r::MODEL_VERSION_GET_ARTIFACT, get(version_artifact))
}

/// A request read from the query string, as GET calls send it.
fn from_query(q: &Params) -> RegistryRequest {
    let text = |k: &str| q.get(k).map(String::from);
    RegistryRequest {
        name: text("name"),
        version: text("version"),
        alias: text("alias"),
        stages: q.all("stages"),
        ..Default::default()
    }
}

fn need(value: Option<String>, field: &str) -> ApiResult<String> {
    value.filter(|v| !v.is_empty()).ok_or_else(|| ApiError::missing(field))
}

fn search_of(q: &Params) -> ApiResult<RegistrySearch> {
    Ok(RegistrySearch {
        filter: q.get("filter").unwrap_or("").to_string(),
        order_by: q.all("order_by"),
        max_results: q.int("max_results")?,
        page_token: q.get("page_token").filter(|t| !t.is_empty()).map(String::from),
    })
}

async fn create_model(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<CreateRegisteredModel>,
) -> ApiResult<Json<Value>> {
    let m = s
        .run(move |st| st.create_registered_model(req.name.as_deref(), &req.tags, req.description.as_deref()))
        .await?;
    Ok(Json(json!({ "registered_model": m })))
}

async fn get_model(State(s): State<AppState>, q: Params) -> ApiResult<Json<Value>> {
    let name = need(from_query(&q).name, "name")?;
    let m = s.run(move |st| st.get_registered_model(&name)).await?;
    Ok(Json(json!({ "registered_model": m })))
}

async fn update_model(State(s): State<AppState>, JsonBody(req): JsonBody<RegistryRequest>) -> ApiResult<Json<Value>> {
    let name = need(req.name, "name")?;
    let m = s
        .run(move |st| st.update_registered_model(&name, req.description.as_deref()))
        .await?;
    Ok(Json(json!({ "registered_model": m })))
}

async fn rename_model(State(s): State<AppState>, JsonBody(req): JsonBody<RegistryRequest>) -> ApiResult<Json<Value>> {
    let name = need(req.name, "name")?;
    let m = s
        .run(move |st| st.rename_registered_model(&name, req.new_name.as_deref()))
        .await?;
    Ok(Json(json!({ "registered_model": m })))
}

async fn delete_model(State(s): State<AppState>, JsonBody(req): JsonBody<RegistryRequest>) -> ApiResult<Json<Value>> {
    let name = need(req.name, "name")?;
    s.run(move |st| st.delete_registered_model(&name)).await?;
    Ok(Json(json!({})))
}

async fn search_models(State(s): State<AppState>, q: Params) -> ApiResult<Json<SearchRegisteredModelsResponse>> {
    let search = search_of(&q)?;
    let (registered_models, next_page_token) = s.run(move |st| st.search_registered_models(&search)).await?;
    Ok(Json(SearchRegisteredModelsResponse {
        registered_models,
        next_page_token,
    }))
}

async fn latest_versions(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<RegistryRequest>,
) -> ApiResult<Json<Value>> {
    let name = need(req.name, "name")?;
    let versions = s.run(move |st| st.latest_model_versions(&name, &req.stages)).await?;
    Ok(Json(json!({ "model_versions": versions })))
}

async fn latest_versions_get(State(s): State<AppState>, q: Params) -> ApiResult<Json<Value>> {
    let req = from_query(&q);
    let name = need(req.name, "name")?;
    let versions = s.run(move |st| st.latest_model_versions(&name, &req.stages)).await?;
    Ok(Json(json!({ "model_versions": versions })))
}

/// A tag from a request: its key is required, its value may be empty.
fn tag_of(req: &RegistryRequest) -> ApiResult<KeyValue> {
    Ok(KeyValue {
        key: need(req.key.clone(), "key")?,
        value: req.value.clone().ok_or_else(|| ApiError::missing("value"))?,
    })
}

async fn set_model_tag(State(s): State<AppState>, JsonBody(req): JsonBody<RegistryRequest>) -> ApiResult<Json<Value>> {
    let tag = tag_of(&req)?;
    let name = need(req.name, "name")?;
    s.run(move |st| st.set_registered_model_tag(&name, &tag)).await?;
    Ok(Json(json!({})))
}

async fn delete_model_tag(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<RegistryRequest>,
) -> ApiResult<Json<Value>> {
    let (name, key) = (need(req.name, "name")?, need(req.key, "key")?);
    s.run(move |st| st.delete_registered_model_tag(&name, &key)).await?;
    Ok(Json(json!({})))
}

async fn set_alias(State(s): State<AppState>, JsonBody(req): JsonBody<RegistryRequest>) -> ApiResult<Json<Value>> {
    let (name, version) = (need(req.name, "name")?, need(req.version, "version")?);
    let alias = req.alias.ok_or_else(|| ApiError::missing("alias"))?;
    s.run(move |st| st.set_registered_model_alias(&name, &alias, &version))
        .await?;
    Ok(Json(json!({})))
}

async fn delete_alias(State(s): State<AppState>, JsonBody(req): JsonBody<RegistryRequest>) -> ApiResult<Json<Value>> {
    let (name, alias) = (need(req.name, "name")?, need(req.alias, "alias")?);
    s.run(move |st| st.delete_registered_model_alias(&name, &alias)).await?;
    Ok(Json(json!({})))
}

async fn version_by_alias(State(s): State<AppState>, q: Params) -> ApiResult<Json<Value>> {
    let req = from_query(&q);
    let (name, alias) = (need(req.name, "name")?, need(req.alias, "alias")?);
    let v = s.run(move |st| st.model_version_by_alias(&name, &alias)).await?;
    Ok(Json(json!({ "model_version": v })))
}

async fn create_version(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<CreateModelVersion>,
) -> ApiResult<Json<Value>> {
    let v = s.run(move |st| st.create_model_version(&req)).await?;
    Ok(Json(json!({ "model_version": v })))
}

async fn get_version(State(s): State<AppState>, q: Params) -> ApiResult<Json<Value>> {
    let req = from_query(&q);
    let (name, version) = (need(req.name, "name")?, need(req.version, "version")?);
    let v = s.run(move |st| st.get_model_version(&name, &version)).await?;
    Ok(Json(json!({ "model_version": v })))
}

async fn update_version(State(s): State<AppState>, JsonBody(req): JsonBody<RegistryRequest>) -> ApiResult<Json<Value>> {
    let (name, version) = (need(req.name, "name")?, need(req.version, "version")?);
    let v = s
        .run(move |st| st.update_model_version(&name, &version, req.description.as_deref()))
        .await?;
    Ok(Json(json!({ "model_version": v })))
}

async fn transition_stage(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<RegistryRequest>,
) -> ApiResult<Json<Value>> {
    let (name, version) = (need(req.name, "name")?, need(req.version, "version")?);
    let stage = need(req.stage, "stage")?;
    let archive = req.archive_existing_versions;
    let v = s
        .run(move |st| st.transition_model_version_stage(&name, &version, &stage, archive))
        .await?;
    Ok(Json(json!({ "model_version": v })))
}

async fn delete_version(State(s): State<AppState>, JsonBody(req): JsonBody<RegistryRequest>) -> ApiResult<Json<Value>> {
    let (name, version) = (need(req.name, "name")?, need(req.version, "version")?);
    s.run(move |st| st.delete_model_version(&name, &version)).await?;
    Ok(Json(json!({})))
}

async fn search_versions(State(s): State<AppState>, q: Params) -> ApiResult<Json<SearchModelVersionsResponse>> {
    let search = search_of(&q)?;
    let (model_versions, next_page_token) = s.run(move |st| st.search_model_versions(&search)).await?;
    Ok(Json(SearchModelVersionsResponse {
        model_versions,
        next_page_token,
    }))
}

async fn download_uri(State(s): State<AppState>, q: Params) -> ApiResult<Json<Value>> {
    let req = from_query(&q);
    let (name, version) = (need(req.name, "name")?, need(req.version, "version")?);
    let uri = s.run(move |st| st.model_version_download_uri(&name, &version)).await?;
    Ok(Json(json!({ "artifact_uri": uri })))
}

async fn set_version_tag(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<RegistryRequest>,
) -> ApiResult<Json<Value>> {
    let tag = tag_of(&req)?;
    let (name, version) = (need(req.name, "name")?, need(req.version, "version")?);
    s.run(move |st| st.set_model_version_tag(&name, &version, &tag)).await?;
    Ok(Json(json!({})))
}

async fn delete_version_tag(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<RegistryRequest>,
) -> ApiResult<Json<Value>> {
    let (name, version) = (need(req.name, "name")?, need(req.version, "version")?);
    let key = need(req.key, "key")?;
    s.run(move |st| st.delete_model_version_tag(&name, &version, &key))
        .await?;
    Ok(Json(json!({})))
}

/// `GET /model-versions/get-artifact?name=&version=&path=`: one file of a version, as MLflow's UI
/// fetches it.
async fn version_artifact(
    State(s): State<AppState>,
    caller: Option<axum::Extension<super::auth::Caller>>,
    q: Params,
) -> ApiResult<Response> {
    let rel = safe_rel(q.require("path")?)?;
    let req = from_query(&q);
    let (name, version) = (need(req.name, "name")?, need(req.version, "version")?);
    let (n, v) = (name.clone(), version.clone());
    let place = s.run(move |st| st.model_version_artifact_path(&n, &v, "")).await?;
    // The files are a run's or a logged model's: reading them needs READ in its experiment.
    let mut targets = super::permissions::Targets::default();
    targets.add_path(&format!("{}/{}", crate::api::routes::ARTIFACTS, place.base.join("/")));
    super::permissions::require(
        &s,
        &caller.map(|axum::Extension(c)| c),
        targets,
        super::permissions::Need::Read,
    )
    .await?;
    let (content, rel) = s
        .run(move |st| {
            let p = st.model_version_artifact_path(&name, &version, &rel)?;
            Ok((st.open_artifact(&p)?, rel))
        })
        .await?;
    send_file(content, &rel).await
}
