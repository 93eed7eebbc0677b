//! The HTTP client of the history API, used by the CLI and the workbench; plus the Rust logger.

mod curves;
mod download;
mod files;
pub mod logger;
mod logger_files;
mod logger_send;
mod manage;
mod reads;
mod registry;

pub use download::Progress;
pub use reads::{Flavor, run_from_mlflow};
pub use registry::Promotion;

use crate::api::ext::{
    CreateRunExt, DownsampledSeries, ExperimentSummary, Heartbeat, IngestBatch, IngestResponse, RunDetail, ServerInfo,
    UpdateRunExt,
};
use crate::api::routes as r;
use crate::api::{ErrorBody, Experiment, Metric, MetricHistoryResponse, SearchExperimentsResponse};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error.
    #[error("{message} ({code})")]
    Api { status: u16, code: String, message: String },
    #[error("cannot reach the history server at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("unexpected answer from the history server: {0}")]
    Decode(String),
    /// A path from the server that would land outside the destination folder.
    #[error("refused: {0}")]
    Path(#[from] crate::paths::PathError),
    /// A local file to send could not be read.
    #[error("cannot read {path}: {reason}")]
    File { path: String, reason: String },
    /// What was asked for is not there (found out by the client, not answered by the server).
    #[error("{0}")]
    NotFound(String),
}

impl ClientError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ClientError::Api { status: 404, .. } | ClientError::NotFound(_))
    }

    /// The server looked at the request and will never take it as it is (a 4xx on its content).
    /// Not a refusal: the server failing or busy (5xx, 429, 408) or the caller not being let in
    /// (401, 403), all of which a later try may get past.
    pub fn is_refusal(&self) -> bool {
        matches!(self, ClientError::Api { status, .. }
            if (400..500).contains(status) && !matches!(status, 401 | 403 | 408 | 429))
    }
}

pub type Result<T> = std::result::Result<T, ClientError>;

/// Every item of a paged listing: `page` reads the page a token names (None: the first) and
/// returns its items and the next token; an empty or missing token ends the listing.
pub(crate) async fn all_pages<T, F, Fut>(mut page: F) -> Result<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>)>>,
{
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let (items, next) = page(token).await?;
        out.extend(items);
        match next.filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t),
            None => return Ok(out),
        }
    }
}

/// Percent-encodes one path segment (everything but unreserved characters).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Clone)]
pub struct HistoryClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    flavor: std::sync::Arc<std::sync::OnceLock<Flavor>>,
    /// Why the server refuses writes, once `flavor` has asked it (None: it takes them).
    read_only: std::sync::Arc<std::sync::OnceLock<Option<String>>>,
    /// Who the server says we are (a server with users), from its server-info.
    signed_in: std::sync::Arc<std::sync::OnceLock<Option<crate::api::users::User>>>,
}

impl HistoryClient {
    pub fn new(base: &str, token: Option<String>) -> Result<HistoryClient> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| ClientError::Decode(format!("HTTP client: {e}")))?;
        Ok(HistoryClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
            flavor: Default::default(),
            read_only: Default::default(),
            signed_in: Default::default(),
        })
    }

    /// A client that takes the server to be of this kind without asking (the fallback tests use it).
    pub fn assume_flavor(self, flavor: Flavor) -> HistoryClient {
        let cell = std::sync::OnceLock::new();
        let _ = cell.set(flavor);
        HistoryClient {
            flavor: std::sync::Arc::new(cell),
            ..self
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Why the server refuses every write (a history read in place), once its kind is known.
    pub fn read_only(&self) -> Option<&str> {
        self.read_only.get().and_then(|r| r.as_deref())
    }

    /// The user this client's token is, on a server with users (known once the server was asked).
    pub fn signed_in(&self) -> Option<&crate::api::users::User> {
        self.signed_in.get().and_then(Option::as_ref)
    }

    /// The bearer token this client sends, for handing on to a tracked run.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let rb = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    fn unreachable(&self, e: reqwest::Error) -> ClientError {
        ClientError::Unreachable {
            url: self.base.clone(),
            reason: e.to_string(),
        }
    }

    async fn check(&self, resp: reqwest::Response) -> Result<reqwest::Response> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let text = resp.text().await.unwrap_or_default();
        let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
            Ok(e) => (e.error_code, e.message),
            Err(_) => (status.as_u16().to_string(), text.chars().take(300).collect()),
        };
        Err(ClientError::Api {
            status: status.as_u16(),
            code,
            message,
        })
    }

    async fn decode<T: DeserializeOwned>(&self, resp: reqwest::Response) -> Result<T> {
        let resp = self.check(resp).await?;
        let bytes = resp.bytes().await.map_err(|e| self.unreachable(e))?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    pub async fn get_json<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<T> {
        let resp = self
            .request(reqwest::Method::GET, path)
            .query(query)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.decode(resp).await
    }

    pub async fn post_json<T: DeserializeOwned, B: Serialize + ?Sized>(&self, path: &str, body: &B) -> Result<T> {
        let resp = self
            .request(reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.decode(resp).await
    }

    /// Our server-info; a stock MLflow server answers 404 here.
    pub async fn server_info(&self) -> Result<ServerInfo> {
        self.get_json(r::SERVER_INFO, &[]).await
    }

    pub async fn search_experiments(&self) -> Result<Vec<Experiment>> {
        all_pages(|token| async move {
            let mut body = json!({ "max_results": 1000, "view_type": "ACTIVE_ONLY" });
            if let Some(t) = token {
                body["page_token"] = Value::String(t);
            }
            let page: SearchExperimentsResponse = self.post_json(r::EXPERIMENTS_SEARCH, &body).await?;
            Ok((page.experiments, page.next_page_token))
        })
        .await
    }

    pub async fn get_experiment_by_name(&self, name: &str) -> Result<Option<Experiment>> {
        let r: Result<Value> = self
            .get_json(r::EXPERIMENTS_GET_BY_NAME, &[("experiment_name", name.to_string())])
            .await;
        match r {
            Ok(v) => serde_json::from_value(v["experiment"].clone())
                .map(Some)
                .map_err(|e| ClientError::Decode(e.to_string())),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn run_of(v: Value) -> Result<RunDetail> {
        serde_json::from_value(v["run"].clone()).map_err(|e| ClientError::Decode(e.to_string()))
    }

    pub async fn create_run(&self, req: &CreateRunExt) -> Result<RunDetail> {
        Self::run_of(self.post_json(r::EXT_RUNS_CREATE, req).await?)
    }

    pub async fn get_run_by_number(&self, experiment_id: &str, number: i64) -> Result<RunDetail> {
        let q = [
            ("experiment_id", experiment_id.to_string()),
            ("run_number", number.to_string()),
        ];
        Self::run_of(self.get_json(r::EXT_RUNS_BY_NUMBER, &q).await?)
    }

    pub async fn update_run(&self, req: &UpdateRunExt) -> Result<RunDetail> {
        Self::run_of(self.post_json(r::EXT_RUNS_UPDATE, req).await?)
    }

    pub async fn ingest(&self, batch: &IngestBatch) -> Result<IngestResponse> {
        self.post_json(r::EXT_RUNS_INGEST, batch).await
    }

    pub async fn heartbeat(&self, run_id: &str, interval_secs: f64) -> Result<()> {
        let _: Value = self
            .post_json(
                r::EXT_RUNS_HEARTBEAT,
                &Heartbeat {
                    run_id: run_id.into(),
                    interval_secs: Some(interval_secs),
                },
            )
            .await?;
        Ok(())
    }

    pub async fn experiment_summary(&self, experiment_id: &str, filter: &str) -> Result<ExperimentSummary> {
        let q = [
            ("experiment_id", experiment_id.to_string()),
            ("filter", filter.to_string()),
        ];
        self.get_json(r::EXPERIMENTS_SUMMARY, &q).await
    }

    /// Every point of a metric, following MLflow's pages.
    pub async fn metric_history(&self, run_id: &str, key: &str) -> Result<Vec<Metric>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut q = vec![
                ("run_id", run_id.to_string()),
                ("metric_key", key.to_string()),
                ("max_results", "100000".into()),
            ];
            if let Some(t) = &token {
                q.push(("page_token", t.clone()));
            }
            let page: MetricHistoryResponse = self.get_json(r::METRICS_GET_HISTORY, &q).await?;
            out.extend(page.metrics);
            match page.next_page_token {
                Some(t) => token = Some(t),
                None => return Ok(out),
            }
        }
    }

    pub async fn downsample(
        &self,
        run_id: &str,
        key: &str,
        x: &str,
        buckets: usize,
        range: Option<(i64, i64)>,
    ) -> Result<DownsampledSeries> {
        let mut q = vec![
            ("run_id", run_id.to_string()),
            ("key", key.to_string()),
            ("x", x.to_string()),
            ("buckets", buckets.to_string()),
        ];
        if let Some((lo, hi)) = range {
            q.push(("min", lo.to_string()));
            q.push(("max", hi.to_string()));
        }
        self.get_json(r::METRICS_DOWNSAMPLE, &q).await
    }

    /// Every artifact of a run with its size.
    pub async fn all_artifacts(&self, run_id: &str) -> Result<Vec<(String, u64)>> {
        let v: Value = self
            .get_json(r::EXT_RUN_ARTIFACTS, &[("run_id", run_id.to_string())])
            .await?;
        let files = v["files"].as_array().cloned().unwrap_or_default();
        Ok(files
            .iter()
            .filter_map(|f| Some((f["path"].as_str()?.to_string(), f["file_size"].as_u64().unwrap_or(0))))
            .collect())
    }

    /// Starts a download; the caller streams the body (for progress) with `chunk()`.
    pub async fn open_artifact(&self, run: &RunDetail, rel: &str) -> Result<reqwest::Response> {
        let resp = self
            .request(reqwest::Method::GET, &Self::artifact_path_of(run, rel))
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.check(resp).await
    }

    pub async fn read_artifact(&self, run: &RunDetail, rel: &str) -> Result<Vec<u8>> {
        let resp = self.open_artifact(run, rel).await?;
        resp.bytes().await.map(|b| b.to_vec()).map_err(|e| self.unreachable(e))
    }

    pub async fn upload_artifact(&self, run: &RunDetail, rel: &str, bytes: Vec<u8>) -> Result<()> {
        let resp = self
            .request(reqwest::Method::PUT, &Self::artifact_path_of(run, rel))
            .body(bytes)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.check(resp).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("a b/c%"), "a%20b%2Fc%25");
        assert_eq!(encode_segment("model-1.pkl"), "model-1.pkl");
    }
}
