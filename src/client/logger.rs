//! The logger for Rust training code: `log()` only queues; a named thread batches values into bulk
//! ingest requests, retries while the server is away, and spools what it cannot deliver at the end.

use crate::api::KeyValue;
use crate::api::ext::{IngestBatch, LoggedValue, Num, SeriesChunk, SpoolRecord};
use crate::api::routes as r;
use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long values wait to be batched, and how many points make a batch full.
const BATCH_WINDOW: Duration = Duration::from_millis(30);
const BATCH_POINTS: usize = 50_000;
/// How long `close` keeps trying before it spools what is left.
const CLOSE_DEADLINE: Duration = Duration::from_secs(5);

/// What can be logged under a name.
#[derive(Debug, Clone)]
pub enum LogValue {
    Number(f64),
    Text(String),
    List(Vec<f64>),
}

impl From<f64> for LogValue {
    fn from(v: f64) -> Self {
        LogValue::Number(v)
    }
}
impl From<i64> for LogValue {
    fn from(v: i64) -> Self {
        LogValue::Number(v as f64)
    }
}
impl From<&str> for LogValue {
    fn from(v: &str) -> Self {
        LogValue::Text(v.to_string())
    }
}
impl From<Vec<f64>> for LogValue {
    fn from(v: Vec<f64>) -> Self {
        LogValue::List(v)
    }
}

enum Msg {
    Log {
        seq: u64,
        key: String,
        value: LogValue,
        step: Option<i64>,
    },
    Param {
        seq: u64,
        param: KeyValue,
    },
    Stop,
}

/// Why a value has not been acknowledged (it stays queued and is retried, or spooled at the end).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LogError {
    #[error("history server unreachable: {0}")]
    Unreachable(String),
    #[error("history server refused a batch: {status} {message}")]
    Refused { status: u16, message: String },
    #[error("not acknowledged yet")]
    NotYet,
}

#[derive(Default)]
struct Progress {
    acked: u64,
    last_error: Option<LogError>,
    reported: bool,
}

struct Shared {
    progress: Mutex<Progress>,
    changed: Condvar,
}

/// Returned by `log`: `wait()` blocks until the server has acknowledged the value.
pub struct Handle {
    seq: u64,
    shared: Arc<Shared>,
}

impl Handle {
    /// Waits for the acknowledgement; an error names why it has not come (the value stays queued).
    pub fn wait_timeout(&self, timeout: Duration) -> Result<(), LogError> {
        let deadline = Instant::now() + timeout;
        let mut p = self.shared.progress.lock().unwrap_or_else(|e| e.into_inner());
        while p.acked < self.seq {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(p.last_error.clone().unwrap_or(LogError::NotYet));
            }
            p = self
                .shared
                .changed
                .wait_timeout(p, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        Ok(())
    }

    pub fn wait(&self) -> Result<(), LogError> {
        self.wait_timeout(Duration::from_secs(60))
    }
}

pub struct Logger {
    run_id: String,
    tx: mpsc::Sender<Msg>,
    next_seq: u64,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct Pending {
    batch: IngestBatch,
    last_seq: u64,
}

struct Sender {
    http: reqwest::blocking::Client,
    url: String,
    token: Option<String>,
    spool_dir: Option<PathBuf>,
    shared: Arc<Shared>,
}

impl Sender {
    fn send(&self, batch: &IngestBatch) -> Result<(), LogError> {
        let mut rb = self.http.post(&self.url).json(batch);
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

    fn note(&self, acked: Option<u64>, error: Option<LogError>) {
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

    fn spool(&self, queue: &VecDeque<Pending>) {
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
            for p in queue {
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

fn add_to(batch: &mut IngestBatch, msg: Msg) {
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
        Msg::Stop => {}
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

fn points_in(batch: &IngestBatch) -> usize {
    batch.series.iter().map(|c| c.values.len()).sum::<usize>() + batch.values.len() + batch.params.len()
}

fn worker(rx: mpsc::Receiver<Msg>, sender: Sender, run_id: String) {
    let mut queue: VecDeque<Pending> = VecDeque::new();
    let mut current: Option<Pending> = None;
    let mut opened = Instant::now();
    let mut backoff = Duration::from_millis(50);
    let mut retry_at = Instant::now();
    let mut stopping: Option<Instant> = None;
    loop {
        match rx.recv_timeout(BATCH_WINDOW) {
            Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => {
                stopping.get_or_insert_with(|| Instant::now() + CLOSE_DEADLINE);
            }
            Ok(msg) => {
                let seq = match &msg {
                    Msg::Log { seq, .. } | Msg::Param { seq, .. } => *seq,
                    Msg::Stop => 0,
                };
                let p = current.get_or_insert_with(|| {
                    opened = Instant::now();
                    let batch = IngestBatch {
                        run_id: run_id.clone(),
                        batch_id: Some(crate::api::ids::new_batch_id()),
                        ..Default::default()
                    };
                    Pending { batch, last_seq: 0 }
                });
                p.last_seq = seq;
                add_to(&mut p.batch, msg);
                if points_in(&p.batch) < BATCH_POINTS && opened.elapsed() < BATCH_WINDOW {
                    continue;
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        if let Some(p) = current.take() {
            queue.push_back(p);
        }
        while let Some(front) = queue.front() {
            if Instant::now() < retry_at {
                break;
            }
            match sender.send(&front.batch) {
                Ok(()) => {
                    sender.note(Some(front.last_seq), None);
                    queue.pop_front();
                    backoff = Duration::from_millis(50);
                }
                Err(e) => {
                    sender.note(None, Some(e));
                    retry_at = Instant::now() + backoff;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    break;
                }
            }
        }
        if let Some(deadline) = stopping {
            if queue.is_empty() {
                return;
            }
            if Instant::now() >= deadline {
                sender.spool(&queue);
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Logger {
    /// Starts logging into `run_id` on the server at `base_url`; undelivered values go to `spool_dir`.
    pub fn start(
        base_url: &str,
        token: Option<String>,
        run_id: &str,
        spool_dir: Option<PathBuf>,
    ) -> std::io::Result<Logger> {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .tcp_nodelay(true)
            .build()
            .map_err(std::io::Error::other)?;
        let shared = Arc::new(Shared {
            progress: Mutex::new(Progress::default()),
            changed: Condvar::new(),
        });
        let sender = Sender {
            http,
            url: format!("{}{}", base_url.trim_end_matches('/'), r::EXT_RUNS_INGEST),
            token,
            spool_dir,
            shared: shared.clone(),
        };
        let (tx, rx) = mpsc::channel();
        let id = run_id.to_string();
        let thread = std::thread::Builder::new()
            .name("runhistory-logger".into())
            .spawn(move || worker(rx, sender, id))?;
        Ok(Logger {
            run_id: run_id.into(),
            tx,
            next_seq: 0,
            shared,
            thread: Some(thread),
        })
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    fn enqueue(&mut self, make: impl FnOnce(u64) -> Msg) -> Handle {
        self.next_seq += 1;
        // A send fails only after close; the value is then reported lost through wait().
        let _ = self.tx.send(make(self.next_seq));
        Handle {
            seq: self.next_seq,
            shared: self.shared.clone(),
        }
    }

    /// Logs a number (one more point of a series), a string, or a list (a series of its own).
    pub fn log(&mut self, name: &str, value: impl Into<LogValue>) -> Handle {
        let value = value.into();
        self.enqueue(|seq| Msg::Log {
            seq,
            key: name.into(),
            value,
            step: None,
        })
    }

    /// Logs a number at an explicit step.
    pub fn log_at(&mut self, name: &str, value: f64, step: i64) -> Handle {
        self.enqueue(|seq| Msg::Log {
            seq,
            key: name.into(),
            value: LogValue::Number(value),
            step: Some(step),
        })
    }

    pub fn log_param(&mut self, key: &str, value: &str) -> Handle {
        let param = KeyValue {
            key: key.into(),
            value: value.into(),
        };
        self.enqueue(|seq| Msg::Param { seq, param })
    }

    /// Delivers what is queued (or spools it after a few seconds) and stops the thread.
    pub fn close(&mut self) {
        let _ = self.tx.send(Msg::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Logger {
    fn drop(&mut self) {
        self.close();
    }
}
