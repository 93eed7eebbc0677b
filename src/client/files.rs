//! Files over the API: streamed uploads by run id, appends to a live log, snapshot contents and
//! snapshot records. Used by tracked runs (launch, outputs, restore) and the compare view.

use super::{HistoryClient, Result, encode_segment};
use crate::api::routes as r;
use crate::api::snapshot::{BlobQuery, CreateSnapshot, MissingBlobs, Snapshot};
use serde_json::Value;
use std::path::Path;

fn rel_url(rel: &str) -> String {
    rel.split('/').map(encode_segment).collect::<Vec<_>>().join("/")
}

/// A request body that streams a file from disk instead of reading it whole.
async fn file_body(path: &Path) -> std::io::Result<(reqwest::Body, u64)> {
    let file = tokio::fs::File::open(path).await?;
    let len = file.metadata().await?.len();
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024);
    Ok((reqwest::Body::wrap_stream(stream), len))
}

impl HistoryClient {
    async fn put_file(&self, url: &str, path: &Path) -> Result<()> {
        let (body, len) = file_body(path).await.map_err(|e| super::ClientError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let resp = self
            .request(reqwest::Method::PUT, url)
            .header(reqwest::header::CONTENT_LENGTH, len)
            .body(body)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.check(resp).await.map(|_| ())
    }

    /// Uploads a file from disk as the artifact `rel` of a run, streamed.
    pub async fn upload_file(&self, run_id: &str, rel: &str, path: &Path) -> Result<()> {
        let url = format!("{}/{}/{}", r::EXT_RUN_ARTIFACTS, encode_segment(run_id), rel_url(rel));
        self.put_file(&url, path).await
    }

    /// Appends bytes to the artifact `rel` of a run (created if missing).
    pub async fn append_artifact(&self, run_id: &str, rel: &str, bytes: Vec<u8>) -> Result<()> {
        let url = format!("{}/{}/{}", r::EXT_RUN_ARTIFACTS, encode_segment(run_id), rel_url(rel));
        let resp = self
            .request(reqwest::Method::POST, &url)
            .body(bytes)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.check(resp).await.map(|_| ())
    }

    /// The hashes among these whose content the store lacks.
    pub async fn missing_blobs(&self, hashes: Vec<String>) -> Result<Vec<String>> {
        let r: MissingBlobs = self.post_json(r::BLOBS_MISSING, &BlobQuery { hashes }).await?;
        Ok(r.missing)
    }

    /// Uploads one file's content under its hash (the server checks that it matches).
    pub async fn put_blob(&self, hash: &str, path: &Path) -> Result<()> {
        self.put_file(&format!("{}/{}", r::BLOBS, encode_segment(hash)), path)
            .await
    }

    pub async fn get_blob(&self, hash: &str) -> Result<Vec<u8>> {
        let resp = self
            .request(reqwest::Method::GET, &format!("{}/{}", r::BLOBS, encode_segment(hash)))
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let resp = self.check(resp).await?;
        resp.bytes().await.map(|b| b.to_vec()).map_err(|e| self.unreachable(e))
    }

    pub async fn create_snapshot(&self, req: &CreateSnapshot) -> Result<Snapshot> {
        let v: Value = self.post_json(r::SNAPSHOTS_CREATE, req).await?;
        serde_json::from_value(v["snapshot"].clone()).map_err(|e| super::ClientError::Decode(e.to_string()))
    }

    pub async fn get_snapshot(&self, snapshot_id: i64) -> Result<Snapshot> {
        self.snapshot_by(("snapshot_id", snapshot_id.to_string())).await
    }

    /// The snapshot a run was started from.
    pub async fn run_snapshot(&self, run_id: &str) -> Result<Snapshot> {
        self.snapshot_by(("run_id", run_id.to_string())).await
    }

    async fn snapshot_by(&self, q: (&str, String)) -> Result<Snapshot> {
        let v: Value = self.get_json(r::SNAPSHOTS_GET, &[q]).await?;
        serde_json::from_value(v["snapshot"].clone()).map_err(|e| super::ClientError::Decode(e.to_string()))
    }
}
