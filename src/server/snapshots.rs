//! Snapshot endpoints: which contents are missing, content upload (hash checked while streaming),
//! content download, and snapshot create / get.

use super::AppState;
use super::artifacts::{file_response, place_streamed};
use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, Params};
use crate::api::snapshot::{BlobQuery, CreateSnapshot, MissingBlobs, Snapshot};
use axum::Json;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use serde_json::{Value, json};

/// Most hashes asked about in one request.
const MAX_HASHES_PER_QUERY: usize = 100_000;

pub async fn missing_blobs(
    State(s): State<AppState>,
    JsonBody(q): JsonBody<BlobQuery>,
) -> ApiResult<Json<MissingBlobs>> {
    if q.hashes.len() > MAX_HASHES_PER_QUERY {
        return Err(ApiError::invalid(format!(
            "Ask about at most {MAX_HASHES_PER_QUERY} hashes at a time"
        )));
    }
    let missing = s.run(move |st| st.missing_blobs(&q.hashes)).await?;
    Ok(Json(MissingBlobs { missing }))
}

/// Stores a content under its hash; refused (and nothing kept) if the bytes do not hash to it.
pub async fn put_blob(State(s): State<AppState>, Path(hash): Path<String>, req: Request) -> ApiResult<Json<Value>> {
    let claimed = hash.clone();
    let upload = s.run(move |st| st.begin_blob(&claimed)).await?;
    place_streamed(&s, req, upload, "Content", Some(&hash)).await?;
    Ok(Json(json!({})))
}

pub async fn get_blob(State(s): State<AppState>, Path(hash): Path<String>) -> ApiResult<Response> {
    let content = s.run(move |st| st.open_blob(&hash)).await?;
    file_response(content, "application/octet-stream", || {
        "No such content in the store".into()
    })
    .await
}

pub async fn create_snapshot(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<CreateSnapshot>,
) -> ApiResult<Json<Value>> {
    let snapshot = s.run(move |st| st.create_snapshot(&req)).await?;
    Ok(Json(json!({ "snapshot": snapshot })))
}

/// By `snapshot_id`, or the snapshot of `run_id`.
pub async fn get_snapshot(State(s): State<AppState>, q: Params) -> ApiResult<Json<Value>> {
    let snapshot: Snapshot = match (q.int("snapshot_id")?, q.get("run_id")) {
        (Some(id), _) => s.run(move |st| st.get_snapshot(id)).await?,
        (None, Some(run)) => {
            let run = run.to_string();
            s.run(move |st| st.run_snapshot(&run)).await?
        }
        (None, None) => return Err(ApiError::missing("snapshot_id")),
    };
    Ok(Json(json!({ "snapshot": snapshot })))
}
