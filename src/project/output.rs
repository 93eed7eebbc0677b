//! A tracked run's output: read from the script's pipes, echoed to the terminal if asked, kept as a
//! tail of lines for the jobs panel, and appended live to the run's `driver_log.txt`.

use crate::client::HistoryClient;
use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::Notify;

/// The artifact the output goes to.
pub const DRIVER_LOG: &str = "driver_log.txt";
/// How often the output is appended to the log artifact.
const FLUSH_EVERY: Duration = Duration::from_millis(500);
/// Lines kept for the jobs panel.
const TAIL_LINES: usize = 200;

#[derive(Default)]
struct Buffers {
    /// Bytes not yet appended to the log artifact.
    pending: Vec<u8>,
    lines: VecDeque<String>,
    partial: String,
}

pub struct LogSink {
    echo: bool,
    buf: Mutex<Buffers>,
    /// One append at a time, in order.
    sending: tokio::sync::Mutex<()>,
}

impl LogSink {
    pub fn new(echo: bool) -> LogSink {
        LogSink {
            echo,
            buf: Mutex::new(Buffers::default()),
            sending: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Buffers> {
        self.buf.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a chunk of the script's output.
    pub fn push(&self, bytes: &[u8], is_stderr: bool) {
        if self.echo {
            let _ = if is_stderr {
                std::io::stderr().write_all(bytes)
            } else {
                std::io::stdout()
                    .write_all(bytes)
                    .and_then(|_| std::io::stdout().flush())
            };
        }
        let mut b = self.lock();
        b.pending.extend_from_slice(bytes);
        let text = String::from_utf8_lossy(bytes);
        for ch in text.chars() {
            if ch == '\n' {
                let line = std::mem::take(&mut b.partial);
                b.lines.push_back(line);
                if b.lines.len() > TAIL_LINES {
                    b.lines.pop_front();
                }
            } else if ch != '\r' {
                b.partial.push(ch);
            }
        }
    }

    /// A line of the launcher's own, marked as such, in the log and on stderr.
    pub fn note(&self, message: &str) {
        self.push(format!("[runhistory] {message}\n").as_bytes(), true);
    }

    /// The last lines, the unfinished one included.
    pub fn tail(&self) -> Vec<String> {
        let b = self.lock();
        let mut out: Vec<String> = b.lines.iter().cloned().collect();
        if !b.partial.is_empty() {
            out.push(b.partial.clone());
        }
        out
    }

    /// Appends what is pending to the log artifact; on failure keeps it for the next try.
    pub async fn flush(&self, client: &HistoryClient, run_id: &str) {
        let _turn = self.sending.lock().await;
        let bytes = std::mem::take(&mut self.lock().pending);
        if bytes.is_empty() {
            return;
        }
        if client.append_artifact(run_id, DRIVER_LOG, bytes.clone()).await.is_err() {
            let mut b = self.lock();
            let newer = std::mem::take(&mut b.pending);
            b.pending = bytes;
            b.pending.extend(newer);
        }
    }

    /// Flushes every half second until `Flusher::finish`.
    pub fn spawn_flusher(self: &Arc<Self>, client: HistoryClient, run_id: String) -> Flusher {
        let stop = Arc::new(Notify::new());
        let (sink, stop2) = (self.clone(), stop.clone());
        let handle = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(FLUSH_EVERY) => sink.flush(&client, &run_id).await,
                    _ = stop2.notified() => break,
                }
            }
        });
        Flusher { handle, stop }
    }
}

/// The periodic flusher; `finish` stops it between two appends, never in the middle of one.
pub struct Flusher {
    handle: tokio::task::JoinHandle<()>,
    stop: Arc<Notify>,
}

impl Flusher {
    pub async fn finish(self) {
        self.stop.notify_one();
        let _ = self.handle.await;
    }
}

/// Copies a pipe into the sink until it closes.
pub async fn pump(mut pipe: impl AsyncRead + Unpin, sink: Arc<LogSink>, is_stderr: bool) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => sink.push(&buf[..n], is_stderr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_lines_and_the_unfinished_one() {
        let sink = LogSink::new(false);
        for i in 0..(TAIL_LINES + 5) {
            sink.push(format!("line {i}\n").as_bytes(), false);
        }
        sink.push(b"partial", false);
        let tail = sink.tail();
        assert_eq!(tail.len(), TAIL_LINES + 1);
        assert_eq!(tail[0], "line 5");
        assert_eq!(tail.last().map(String::as_str), Some("partial"));
    }
}
