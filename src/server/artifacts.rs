//! The mlflow-artifacts proxy: uploads streamed to disk with a size cap and put in place (in the
//! store's folder or object storage), downloads streamed back.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{Params, run_id};
use crate::api::ListArtifactsResponse;
use crate::api::limits::MAX_ARTIFACT_BYTES;
use crate::store::file_space::{Content, Upload};
use crate::store::{ArtifactPath, Store, StoreError};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// Text files MLflow serves as `text/plain` (an extensionless name counts as its extension).
const TEXT_EXTENSIONS: &[&str] = &[
    "txt",
    "log",
    "err",
    "cfg",
    "conf",
    "cnf",
    "cf",
    "ini",
    "properties",
    "prop",
    "hocon",
    "toml",
    "yaml",
    "yml",
    "xml",
    "json",
    "js",
    "py",
    "py3",
    "csv",
    "tsv",
    "md",
    "rst",
    "MLmodel",
    "mlproject",
];

/// A content type from the file name, as MLflow's server picks it: known text files are
/// `text/plain`, common types by extension, anything else `application/octet-stream`.
pub fn content_type(name: &str) -> &'static str {
    let name = name.rsplit('/').next().unwrap_or(name);
    let ext = match name.rsplit_once('.') {
        Some((_, e)) if !e.is_empty() => e,
        _ => name,
    };
    if TEXT_EXTENSIONS.contains(&ext) {
        return "text/plain";
    }
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "bmp" => "image/bmp",
        "webp" => "image/webp",
        "tif" | "tiff" => "image/tiff",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "tar" => "application/x-tar",
        "mp4" => "video/mp4",
        "wav" => "audio/x-wav",
        "mp3" => "audio/mpeg",
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
    let (content, name) = s
        .run(move |st| {
            let p = st.artifact_path(&path)?;
            Ok((st.open_artifact(&p)?, p.rel.last().cloned().unwrap_or_default()))
        })
        .await?;
    send_file(content, &name).await
}

/// A file sent as MLflow sends artifacts: as an attachment, its type from its name, never sniffed.
pub(super) async fn send_file(content: Content, name: &str) -> ApiResult<Response> {
    let base = name.rsplit('/').next().unwrap_or(name);
    let mut resp = file_response(content, content_type(base), || format!("No such artifact: '{name}'")).await?;
    let h = resp.headers_mut();
    let safe_name: String = base
        .chars()
        .filter(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\\' | ';' | ','))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename={safe_name}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    Ok(resp)
}

/// A file streamed back with its type and length, from this machine or from object storage;
/// `missing` words the 404.
pub(super) async fn file_response(
    content: Content,
    content_type: &'static str,
    missing: impl FnOnce() -> String,
) -> ApiResult<Response> {
    let (body, len) = match content {
        Content::Path(file) => {
            let f = tokio::fs::File::open(&file)
                .await
                .map_err(|_| ApiError::not_found(missing()))?;
            let len = f.metadata().await.map(|m| m.len()).unwrap_or(0);
            (
                Body::from_stream(tokio_util::io::ReaderStream::with_capacity(f, 256 * 1024)),
                len,
            )
        }
        Content::Stream { size, body } => (Body::from_stream(body), size),
    };
    let mut resp = body.into_response();
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

/// Streams the body into the upload's file, then puts it in place.
async fn stream_upload(
    s: AppState,
    resolve: impl FnOnce(&crate::store::Store) -> crate::store::Result<crate::store::ArtifactPath> + Send + 'static,
    req: Request,
) -> ApiResult<Json<Value>> {
    let upload = s.run(move |st| st.begin_artifact(&resolve(st)?)).await?;
    place_streamed(&s, req, upload, "Artifact", None).await?;
    Ok(Json(json!({})))
}

/// Streams a body into the upload's file (refused past 512 MB), checks its SHA-256 when one is
/// expected, then puts it in place. On any refusal the upload is dropped and its place untouched.
pub(super) async fn place_streamed(
    s: &AppState,
    req: Request,
    upload: Upload,
    what: &str,
    expect_sha256: Option<&str>,
) -> ApiResult<()> {
    let streamed = async {
        let mut hasher = expect_sha256.map(|_| Sha256::new());
        stream_body_to(req, &upload.temp, what, |chunk| {
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
        Ok(())
    }
    .await;
    match streamed {
        Ok(()) => s.run(move |st| st.finish_upload(upload)).await,
        Err(e) => {
            let _ = tokio::fs::remove_file(&upload.temp).await;
            Err(e)
        }
    }
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
        let (parts, body) = req.into_parts();
        super::body::refuse_unread(&parts.headers, body);
        return Err(too_big());
    }
    let mut file = tokio::fs::File::create(temp).await.map_err(io_error)?;
    let mut stream = req.into_body().into_data_stream();
    let mut written: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::invalid(format!("Upload interrupted: {e}")))?;
        written += chunk.len() as u64;
        if written > MAX_ARTIFACT_BYTES {
            super::body::discard(stream);
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
    let bytes = super::body::bytes_up_to(req.into_body(), MAX_APPEND_BYTES, || {
        ApiError::too_large(format!("An append takes at most {MAX_APPEND_BYTES} bytes"))
    })
    .await?;
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

/// A path of MLflow's run-artifact endpoints: refused as MLflow words it when it could leave the run.
pub(super) fn safe_rel(path: &str) -> ApiResult<String> {
    crate::paths::safe_segments(path).map_err(|_| ApiError::invalid("Invalid path"))?;
    Ok(path.to_string())
}

/// `GET artifacts/list?run_id=&path=`: a folder of a run's artifacts, paths relative to its root.
pub async fn list_run(State(s): State<AppState>, q: Params) -> ApiResult<Json<Value>> {
    let run_id = run_id(q.get("run_id"), q.get("run_uuid"))?;
    let rel = safe_rel(q.get("path").unwrap_or("").trim_end_matches('/'))?;
    let body = s
        .run(move |st| {
            let run = st.get_run(&run_id)?;
            let p = Store::artifact_path_in_run(&run, &rel)?;
            listing(st, &p, &rel, run.artifact_uri)
        })
        .await?;
    Ok(Json(body))
}

/// A folder's listing as MLflow gives it for a run or a logged model: each path from the artifact
/// root (so `rel` leads it), and the root's URI.
pub(super) fn listing(st: &Store, p: &ArtifactPath, rel: &str, root_uri: String) -> Result<Value, StoreError> {
    let rel = rel.trim_end_matches('/');
    let prefix = if rel.is_empty() {
        String::new()
    } else {
        format!("{rel}/")
    };
    let files: Vec<_> = st
        .list_artifacts(p)?
        .into_iter()
        .map(|mut f| {
            f.path = format!("{prefix}{}", f.path);
            f
        })
        .collect();
    let mut body =
        serde_json::to_value(ListArtifactsResponse { files }).map_err(|e| StoreError::Internal(e.to_string()))?;
    body["root_uri"] = Value::String(root_uri);
    Ok(body)
}

/// `GET /get-artifact?run_id=&path=`: one of a run's artifacts, as MLflow's UI fetches it.
pub async fn get_run_artifact(State(s): State<AppState>, q: Params) -> ApiResult<Response> {
    let run_id = run_id(q.get("run_id"), q.get("run_uuid"))?;
    let rel = safe_rel(q.require("path")?)?;
    let (content, name) = s
        .run(move |st| {
            let p = st.run_artifact_path(&run_id, &rel)?;
            Ok((st.open_artifact(&p)?, rel))
        })
        .await?;
    send_file(content, &name).await
}

/// Largest body the UI's upload-artifact takes (MLflow's limit).
pub(super) const MAX_UI_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// `POST /ajax-api/2.0/mlflow/upload-artifact?run_uuid=&path=`: a small file from MLflow's UI.
pub async fn upload_run_artifact(State(s): State<AppState>, q: Params, req: Request) -> ApiResult<Json<Value>> {
    let run_id = q
        .get("run_uuid")
        .filter(|r| !r.is_empty())
        .ok_or_else(|| ApiError::invalid("Request must specify run_uuid."))?
        .to_string();
    let rel = q
        .get("path")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::invalid("Request must specify path."))?;
    let rel = safe_rel(rel)?;
    let body = super::body::bytes_up_to(req.into_body(), MAX_UI_UPLOAD_BYTES, || {
        ApiError::too_large("Artifact size is too large. Max size is 10MB.")
    })
    .await?;
    if body.is_empty() {
        return Err(ApiError::invalid("Request must specify data."));
    }
    s.run(move |st| {
        let p = st.run_artifact_path(&run_id, &rel)?;
        st.put_artifact(&p, &body)
    })
    .await?;
    Ok(Json(json!({})))
}
