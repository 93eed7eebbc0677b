//! Snapshot endpoints: which contents are missing, content upload (hash checked while streaming),
//! content download, and snapshot create / get.

use super::AppState;
use super::artifacts::{io_error, stream_body_to};
use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, Params};
use crate::api::snapshot::{BlobQuery, CreateSnapshot, MissingBlobs, Snapshot};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

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
    let (temp, dest) = s.run(move |st| st.blob_temp(&claimed)).await?;
    let result: ApiResult<()> = async {
        let mut hasher = Sha256::new();
        stream_body_to(req, &temp, "Content", |chunk| hasher.update(chunk)).await?;
        let actual = format!("{:x}", hasher.finalize());
        if actual != hash {
            return Err(ApiError::invalid(format!(
                "Content does not match its address: it hashes to {actual}, not {hash}"
            )));
        }
        tokio::fs::rename(&temp, &dest).await.map_err(io_error)?;
        Ok(())
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&temp).await;
    }
    result.map(|_| Json(json!({})))
}

pub async fn get_blob(State(s): State<AppState>, Path(hash): Path<String>) -> ApiResult<Response> {
    let file = s.run(move |st| st.blob_file(&hash)).await?;
    let f = tokio::fs::File::open(&file)
        .await
        .map_err(|_| ApiError::not_found("No such content in the store"))?;
    let len = f.metadata().await.map(|m| m.len()).unwrap_or(0);
    let mut resp = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(f, 256 * 1024)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    Ok(resp)
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
