//! A history read in place (a TensorBoard logdir, an MLflow store) kept up to date on its own
//! thread: looked at again every interval until dropped, with a lasting failure said once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A thread calling a look every interval until this is dropped.
pub struct Follower {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Follower {
    /// Calls `look(stopping)` every `interval`; `stopping()` turns true when this is dropped, so
    /// that a long look can stop early. The look's warnings go to stderr; an error that repeats
    /// (the source removed, the database down) is said once, with `what` naming the source.
    pub fn start<F>(name: &str, what: String, interval: Duration, mut look: F) -> std::io::Result<Follower>
    where
        F: FnMut(&dyn Fn() -> bool) -> Result<Vec<String>, String> + Send + 'static,
    {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new().name(name.into()).spawn(move || {
            let mut failing: Option<String> = None;
            let is_stopping = || stopping.load(Ordering::Relaxed);
            while !is_stopping() {
                match look(&is_stopping) {
                    Ok(warnings) => {
                        failing = None;
                        warnings.iter().for_each(|w| eprintln!("runhistory: {w}"));
                    }
                    Err(e) => {
                        if failing.as_ref() != Some(&e) {
                            eprintln!("runhistory: cannot read {what}: {e}");
                            failing = Some(e);
                        }
                    }
                }
                let mut slept = Duration::ZERO;
                while slept < interval && !is_stopping() {
                    let step = Duration::from_millis(50);
                    std::thread::sleep(step);
                    slept += step;
                }
            }
        })?;
        Ok(Follower {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
