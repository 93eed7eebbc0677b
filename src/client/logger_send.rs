//! The Rust logger's batching and delivery: values gathered into bulk batches, batches and files
//! sent in the order they were logged, the acknowledgements noted for `wait()`, and what is left
//! at the end spooled (values) or named (files).

use super::logger::{LogError, LogValue, Msg, Shared};
use crate::api::ext::{IngestBatch, LoggedValue, Num, SeriesChunk, SpoolRecord};
use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

pub(super) struct Pending {
    pub(super) batch: IngestBatch,
    pub(super) last_seq: u64,
}

/// What waits to be delivered, in the order it was logged.
pub(super) enum Item {
    Batch(Pending),
    Upload {
        seq: u64,
        rel: String,
        content: Vec<u8>,
        image: Option<String>,
    },
}

pub(super) struct Sender {
    pub(super) http: reqwest::blocking::Client,
    pub(super) url: String,
    /// Where a file of the run goes: this, then its path.
    pub(super) files_url: String,
    pub(super) token: Option<String>,
    pub(super) spool_dir: Option<PathBuf>,
    pub(super) shared: Arc<Shared>,
}

impl Sender {
    pub(super) fn send(&self, batch: &IngestBatch) -> Result<(), LogError> {
        self.deliver(self.http.post(&self.url).json(batch))
    }

    /// Sends a request with the token, if any: unreachable, refused with the server's words, or done.
    fn deliver(&self, mut rb: reqwest::blocking::RequestBuilder) -> Result<(), LogError> {
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        let resp = rb.send().map_err(|e| LogError::Unreachable(e.to_string()))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(LogError::Refused {
                status: resp.status().as_u16(),
                message: resp.text().unwrap_or_default(),
            })
        }
    }

    /// Records an uploaded image under `key` (after its file is in, so it never names a file
    /// that is not there). A value is set, not added: a retry records the same image again.
    pub(super) fn record_image(&self, run_id: &str, key: &str, rel: &str) -> Result<(), LogError> {
        let batch = IngestBatch {
            run_id: run_id.to_string(),
            batch_id: Some(crate::api::ids::new_batch_id()),
            values: vec![crate::api::ext::LoggedValue {
                key: key.to_string(),
                kind: "image".into(),
                value: rel.into(),
            }],
            ..Default::default()
        };
        self.send(&batch)
    }

    /// Puts one file of the run in place, with time for its size (a megabyte a second at worst).
    pub(super) fn upload(&self, rel: &str, content: &[u8]) -> Result<(), LogError> {
        let allowed = std::time::Duration::from_secs(30 + content.len() as u64 / 1_000_000);
        self.deliver(
            self.http
                .put(format!("{}/{}", self.files_url, super::logger_files::quoted(rel)))
                .timeout(allowed)
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(content.to_vec()),
        )
    }

    /// A file the server will never take (a 4xx other than a timeout or a rate limit): it is
    /// dropped with a line, and its `wait()` says why, so it does not hold up what follows.
    pub(super) fn drop_refused(&self, seq: u64, rel: &str, e: LogError) {
        eprintln!("runhistory logger: the upload of {rel} was refused: {e}");
        let mut p = self.shared.progress.lock().unwrap_or_else(|e| e.into_inner());
        p.refused.insert(seq, e);
        p.acked = p.acked.max(seq);
        self.shared.changed.notify_all();
    }

    pub(super) fn note(&self, acked: Option<u64>, error: Option<LogError>) {
        let mut p = self.shared.progress.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = acked {
            p.acked = p.acked.max(a);
            p.last_error = None;
        }
        if let Some(e) = error {
            if !p.reported {
                eprintln!("runhistory logger: {e} (values are kept and retried)");
                p.reported = true;
            }
            p.last_error = Some(e);
        }
        self.shared.changed.notify_all();
    }

    pub(super) fn spool(&self, queue: &VecDeque<Item>) {
        // Files are not spooled (the spool holds values): each undelivered one is named.
        for item in queue {
            if let Item::Upload { rel, .. } = item {
                eprintln!("runhistory logger: the upload of {rel} could not be delivered");
            }
        }
        let queue: Vec<&Pending> = queue
            .iter()
            .filter_map(|i| match i {
                Item::Batch(p) => Some(p),
                Item::Upload { .. } => None,
            })
            .collect();
        if queue.is_empty() {
            return;
        }
        let Some(dir) = &self.spool_dir else {
            eprintln!(
                "runhistory logger: {} undelivered batches dropped (no spool folder)",
                queue.len()
            );
            return;
        };
        let write = || -> std::io::Result<PathBuf> {
            std::fs::create_dir_all(dir)?;
            let name = format!(
                "{}-{:08x}",
                chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f"),
                rand::random::<u32>()
            );
            let temp = dir.join(format!("{name}.tmp"));
            let mut f = std::fs::File::create(&temp)?;
            for p in &queue {
                let line =
                    serde_json::to_string(&SpoolRecord::Ingest(p.batch.clone())).map_err(std::io::Error::other)?;
                writeln!(f, "{line}")?;
            }
            f.sync_all()?;
            let done = dir.join(format!("{name}.jsonl"));
            std::fs::rename(&temp, &done)?;
            Ok(done)
        };
        match write() {
            Ok(p) => eprintln!(
                "runhistory logger: server unreachable; {} batches spooled to {}",
                queue.len(),
                p.display()
            ),
            Err(e) => eprintln!("runhistory logger: could not spool undelivered values: {e}"),
        }
    }
}

pub(super) fn add_to(batch: &mut IngestBatch, msg: Msg) {
    match msg {
        Msg::Log { key, value, step, .. } => match value {
            LogValue::Number(v) => push_point(batch, key, v, step),
            LogValue::List(vs) => batch.series.push(SeriesChunk {
                key,
                values: vs.into_iter().map(Num).collect(),
                ..Default::default()
            }),
            LogValue::Text(t) => batch.values.push(LoggedValue {
                key: key.clone(),
                kind: "string".into(),
                value: t.into(),
            }),
        },
        Msg::Param { param, .. } => batch.params.push(param),
        Msg::Upload { .. } | Msg::Stop => {}
    }
}

fn push_point(batch: &mut IngestBatch, key: String, v: f64, step: Option<i64>) {
    let now = crate::api::ids::now_ms();
    // Points of one key with explicit steps share a chunk; auto-stepped points go in their own.
    if let Some(c) = batch
        .series
        .iter_mut()
        .rev()
        .find(|c| c.key == key && c.steps.is_some() == step.is_some())
    {
        c.values.push(Num(v));
        if let (Some(steps), Some(s)) = (c.steps.as_mut(), step) {
            steps.push(s);
        }
        c.timestamps.push(now);
        return;
    }
    batch.series.push(SeriesChunk {
        key,
        values: vec![Num(v)],
        steps: step.map(|s| vec![s]),
        timestamps: vec![now],
    });
}

pub(super) fn points_in(batch: &IngestBatch) -> usize {
    batch.series.iter().map(|c| c.values.len()).sum::<usize>() + batch.values.len() + batch.params.len()
}
