//! The logger for Rust training code: `log()` only queues; a named thread batches values into bulk
//! ingest requests, retries while the server is away, and spools what it cannot deliver at the end.
//! Files (`upload`, `log_image`) go in the same queue, in order, and are retried the same way.

use super::logger_send::{Item, Pending, Sender, add_to, points_in};
use crate::api::KeyValue;
use crate::api::ext::IngestBatch;
use crate::api::routes as r;
use std::collections::VecDeque;
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

pub(super) enum Msg {
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
    Upload {
        seq: u64,
        rel: String,
        content: Vec<u8>,
        /// `log_image`'s name: once the file is in, the image is recorded under it.
        image: Option<String>,
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
pub(super) struct Progress {
    pub(super) acked: u64,
    pub(super) last_error: Option<LogError>,
    pub(super) reported: bool,
    /// Uploads the server refused for good (a bad path, too large), by their number.
    pub(super) refused: std::collections::HashMap<u64, LogError>,
}

pub(super) struct Shared {
    pub(super) progress: Mutex<Progress>,
    pub(super) changed: Condvar,
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
        if let Some(e) = p.refused.get(&self.seq) {
            return Err(e.clone());
        }
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
        match p.refused.get(&self.seq) {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
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

fn worker(rx: mpsc::Receiver<Msg>, sender: Sender, run_id: String) {
    let mut queue: VecDeque<Item> = VecDeque::new();
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
            Ok(Msg::Upload {
                seq,
                rel,
                content,
                image,
            }) => {
                // After the values logged before it, and before those logged after.
                if let Some(p) = current.take() {
                    queue.push_back(Item::Batch(p));
                }
                queue.push_back(Item::Upload {
                    seq,
                    rel,
                    content,
                    image,
                });
            }
            Ok(msg) => {
                let seq = match &msg {
                    Msg::Log { seq, .. } | Msg::Param { seq, .. } | Msg::Upload { seq, .. } => *seq,
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
            queue.push_back(Item::Batch(p));
        }
        while let Some(front) = queue.front() {
            if Instant::now() < retry_at {
                break;
            }
            let (sent, seq) = match front {
                Item::Batch(p) => (sender.send(&p.batch), p.last_seq),
                Item::Upload {
                    seq,
                    rel,
                    content,
                    image,
                } => (
                    sender.upload(rel, content).and_then(|()| {
                        image
                            .as_ref()
                            .map_or(Ok(()), |key| sender.record_image(&run_id, key, rel))
                    }),
                    *seq,
                ),
            };
            match sent {
                Ok(()) => {
                    sender.note(Some(seq), None);
                    queue.pop_front();
                    backoff = Duration::from_millis(50);
                }
                Err(LogError::Refused { status, message })
                    if matches!(front, Item::Upload { .. })
                        && (400..500).contains(&status)
                        && status != 408
                        && status != 429 =>
                {
                    if let Some(Item::Upload { seq, rel, .. }) = queue.pop_front() {
                        sender.drop_refused(seq, &rel, LogError::Refused { status, message });
                    }
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
            files_url: format!(
                "{}{}/{}",
                base_url.trim_end_matches('/'),
                r::EXT_RUN_ARTIFACTS,
                super::logger_files::quoted(run_id)
            ),
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

    /// Stores `content` as the artifact `path` of the run (in order with the values logged around
    /// it). A path that could leave the run's artifacts is refused here and said through `wait()`.
    pub fn upload(&mut self, path: &str, content: impl Into<Vec<u8>>) -> Handle {
        let content = content.into();
        match super::logger_files::artifact_path(path) {
            Ok(rel) => self.enqueue(|seq| Msg::Upload {
                seq,
                rel,
                content,
                image: None,
            }),
            Err(why) => self.refuse_now(why),
        }
    }

    /// Uploads an image file and records it under `name`, shown as an image in the workbench. With
    /// a `step` the image is one of a series over steps (a slider), its file named as MLflow's
    /// `log_image(key=, step=)` names its files, so either tool shows the other's.
    pub fn log_image(&mut self, name: &str, file: &std::path::Path, step: Option<i64>) -> Handle {
        let content = match std::fs::read(file) {
            Ok(c) => c,
            Err(e) => return self.refuse_now(format!("log_image({name:?}): {}: {e}", file.display())),
        };
        let artifact = super::logger_files::image_artifact(name, file, step, crate::api::ids::now_ms());
        // One item: the image is recorded once its file is in, and `wait()` answers for both.
        match super::logger_files::artifact_path(&artifact) {
            Ok(rel) => self.enqueue(|seq| Msg::Upload {
                seq,
                rel,
                content,
                image: Some(name.to_string()),
            }),
            Err(why) => self.refuse_now(why),
        }
    }

    /// A call refused before anything was queued: said once on stderr, and by its `wait()`.
    fn refuse_now(&mut self, why: String) -> Handle {
        eprintln!("runhistory logger: {why}");
        self.next_seq += 1;
        let mut p = self.shared.progress.lock().unwrap_or_else(|e| e.into_inner());
        p.refused.insert(
            self.next_seq,
            LogError::Refused {
                status: 400,
                message: why,
            },
        );
        drop(p);
        Handle {
            seq: self.next_seq,
            shared: self.shared.clone(),
        }
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
