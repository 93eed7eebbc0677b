//! The mlflow-artifacts proxy: uploads streamed to disk with a size cap, downloads streamed back.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::Params;
use crate::api::ListArtifactsResponse;
use crate::api::limits::MAX_ARTIFACT_BYTES;
use crate::store::StoreError;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// A content type from the file name, as MLflow guesses it.
pub fn content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "log" | "py" | "md" | "yaml" | "yml" | "cfg" | "ini" | "toml" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        "html" | "htm" => "text/html",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

pub async fn list(State(s): State<AppState>, q: Params) -> ApiResult<Json<ListArtifactsResponse>> {
    let path = q.get("path").unwrap_or("").to_string();
    let files = s
        .run(move |st| {
            let p = st.artifact_path(&path)?;
            st.list_artifacts(&p)
        })
        .await?;
    Ok(Json(ListArtifactsResponse { files }))
}

pub async fn download(State(s): State<AppState>, Path(path): Path<String>) -> ApiResult<Response> {
    let (file, name) = s
        .run(move |st| {
            let p = st.artifact_path(&path)?;
            let file = st.artifact_file(&p)?;
            if file.is_dir() {
                return Err(StoreError::Invalid(format!(
                    "'{}' is a folder: list it instead",
                    p.rel_string()
                )));
            }
            if !file.is_file() {
                return Err(StoreError::NotFound(format!("No such artifact: '{}'", p.rel_string())));
            }
            Ok((file, p.rel.last().cloned().unwrap_or_default()))
        })
        .await?;
    let mut resp = file_response(&file, content_type(&name), || format!("No such artifact: '{name}'")).await?;
    let h = resp.headers_mut();
    let safe_name: String = name
        .chars()
        .filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\')
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// A file streamed back with its type and length; `missing` words the 404.
pub(super) async fn file_response(
    file: &std::path::Path,
    content_type: &'static str,
    missing: impl FnOnce() -> String,
) -> ApiResult<Response> {
    let f = tokio::fs::File::open(file)
        .await
        .map_err(|_| ApiError::not_found(missing()))?;
    let len = f.metadata().await.map(|m| m.len()).unwrap_or(0);
    let mut resp = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(f, 256 * 1024)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    Ok(resp)
}

/// The proxy's PUT: `<experiment>/<run>/artifacts/<path>`.
pub async fn upload(State(s): State<AppState>, Path(path): Path<String>, req: Request) -> ApiResult<Json<Value>> {
    stream_upload(s, move |st| st.artifact_path(&path), req).await
}

/// Our PUT by run id alone: `<run>/<path>`, for clients that do not know the experiment yet.
pub async fn upload_by_run(
    State(s): State<AppState>,
    Path((run_id, path)): Path<(String, String)>,
    req: Request,
) -> ApiResult<Json<Value>> {
    stream_upload(s, move |st| st.run_artifact_path(&run_id, &path), req).await
}

/// Streams the body into a temporary file beside the artifact, then puts it in place.
async fn stream_upload(
    s: AppState,
    resolve: impl FnOnce(&crate::store::Store) -> crate::store::Result<crate::store::ArtifactPath> + Send + 'static,
    req: Request,
) -> ApiResult<Json<Value>> {
    let (temp, dest) = s.run(move |st| st.temp_file_for(&resolve(st)?)).await?;
    place_streamed(req, &temp, &dest, "Artifact", None).await?;
    Ok(Json(json!({})))
}

/// Streams a body into `temp` (refused past 512 MB), checks its SHA-256 when one is expected,
/// then renames it to `dest`. On any refusal the temporary file is removed and `dest` untouched.
pub(super) async fn place_streamed(
    req: Request,
    temp: &std::path::Path,
    dest: &std::path::Path,
    what: &str,
    expect_sha256: Option<&str>,
) -> ApiResult<()> {
    let result = async {
        let mut hasher = expect_sha256.map(|_| Sha256::new());
        stream_body_to(req, temp, what, |chunk| {
            if let Some(h) = hasher.as_mut() {
                h.update(chunk);
            }
        })
        .await?;
        if let (Some(h), Some(want)) = (hasher, expect_sha256) {
            let actual = format!("{:x}", h.finalize());
            if actual != want {
                return Err(ApiError::invalid(format!(
                    "Content does not match its address: it hashes to {actual}, not {want}"
                )));
            }
        }
        tokio::fs::rename(temp, dest).await.map_err(io_error)
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(temp).await;
    }
    result
}

fn io_error(e: std::io::Error) -> ApiError {
    ApiError::from(StoreError::from(e))
}

/// Writes a request body to `temp` and syncs it, passing each chunk to `inspect`; refuses a body
/// over 512 MB as soon as it is declared or streamed past the limit.
async fn stream_body_to(
    req: Request,
    temp: &std::path::Path,
    what: &str,
    mut inspect: impl FnMut(&[u8]),
) -> ApiResult<u64> {
    let too_big = || {
        ApiError::too_large(format!(
            "{what} refused: larger than the limit of {MAX_ARTIFACT_BYTES} bytes (512 MB)"
        ))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_ARTIFACT_BYTES) {
        return Err(too_big());
    }
    let mut file = tokio::fs::File::create(temp).await.map_err(io_error)?;
    let mut stream = req.into_body().into_data_stream();
    let mut written: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::invalid(format!("Upload interrupted: {e}")))?;
        written += chunk.len() as u64;
        if written > MAX_ARTIFACT_BYTES {
            return Err(too_big());
        }
        inspect(&chunk);
        file.write_all(&chunk).await.map_err(io_error)?;
    }
    file.flush().await.map_err(io_error)?;
    file.sync_all().await.map_err(io_error)?;
    Ok(written)
}

/// Our POST by run id: appends the body to the artifact (a live log grows this way).
pub async fn append_by_run(
    State(s): State<AppState>,
    Path((run_id, path)): Path<(String, String)>,
    req: Request,
) -> ApiResult<Json<Value>> {
    let bytes = axum::body::to_bytes(req.into_body(), MAX_APPEND_BYTES)
        .await
        .map_err(|_| ApiError::too_large(format!("An append takes at most {MAX_APPEND_BYTES} bytes")))?;
    let size = s
        .run(move |st| {
            let p = st.run_artifact_path(&run_id, &path)?;
            st.append_artifact(&p, &bytes)
        })
        .await?;
    Ok(Json(json!({ "size": size })))
}

/// Largest body of one append.
pub const MAX_APPEND_BYTES: usize = 8 * 1024 * 1024;

pub async fn delete(State(s): State<AppState>, Path(path): Path<String>) -> ApiResult<Json<Value>> {
    s.run(move |st| {
        let p = st.artifact_path(&path)?;
        st.delete_artifact(&p)
    })
    .await?;
    Ok(Json(json!({})))
}
