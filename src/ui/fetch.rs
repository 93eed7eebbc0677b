//! Request cells: a fetch runs on the async runtime, never on the UI thread, and the cell keeps
//! its previous value on screen while the next one loads.

use crate::client::ClientError;
use std::future::Future;
use std::sync::mpsc;

/// Why a fetch failed, kept as plain data for the views.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchError {
    pub message: String,
    /// The server could not be reached at all (the banner's case), as opposed to an answer that was an error.
    pub unreachable: bool,
}

impl FetchError {
    /// An error that is not about reaching the server (a local file, a refused plan).
    pub fn failed(message: impl std::fmt::Display) -> FetchError {
        FetchError {
            message: message.to_string(),
            unreachable: false,
        }
    }
}

impl From<crate::project::ProjectError> for FetchError {
    fn from(e: crate::project::ProjectError) -> FetchError {
        match e {
            crate::project::ProjectError::Client(c) => c.into(),
            other => FetchError::failed(other),
        }
    }
}

impl From<ClientError> for FetchError {
    fn from(e: ClientError) -> FetchError {
        FetchError {
            unreachable: matches!(e, ClientError::Unreachable { .. }),
            message: e.to_string(),
        }
    }
}

/// Where fetches run and whom they wake when they finish.
#[derive(Clone)]
pub struct Spawner {
    pub rt: tokio::runtime::Handle,
    pub repaint: Option<egui::Context>,
}

impl Spawner {
    /// Runs a future on the runtime and returns the receiving end of its one result.
    pub fn spawn<T, F>(&self, fut: F) -> mpsc::Receiver<T>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        let repaint = self.repaint.clone();
        self.rt.spawn(async move {
            let _ = tx.send(fut.await);
            if let Some(ctx) = repaint {
                ctx.request_repaint();
            }
        });
        rx
    }
}

/// One value fetched in the background. A newer request supersedes an older one still in flight.
pub struct Fetch<T> {
    value: Option<T>,
    error: Option<FetchError>,
    pending: Option<mpsc::Receiver<Result<T, FetchError>>>,
    /// Counts the values that have arrived, so a view can tell a new one from the one it has seen.
    generation: u64,
}

impl<T> Default for Fetch<T> {
    fn default() -> Self {
        Fetch {
            value: None,
            error: None,
            pending: None,
            generation: 0,
        }
    }
}

impl<T: Send + 'static> Fetch<T> {
    pub fn request<F, E>(&mut self, spawner: &Spawner, fut: F)
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        E: Into<FetchError> + 'static,
    {
        self.pending = Some(spawner.spawn(async move { fut.await.map_err(Into::into) }));
    }

    /// Takes a finished result, if any; true when the value or the error changed.
    pub fn poll(&mut self) -> bool {
        let Some(rx) = &self.pending else { return false };
        match rx.try_recv() {
            Ok(Ok(v)) => {
                self.value = Some(v);
                self.error = None;
                self.generation += 1;
                self.pending = None;
                true
            }
            Ok(Err(e)) => {
                self.error = Some(e);
                self.pending = None;
                true
            }
            Err(mpsc::TryRecvError::Empty) => false,
            Err(mpsc::TryRecvError::Disconnected) => {
                self.error = Some(FetchError {
                    message: "the request was dropped before it finished".into(),
                    unreachable: false,
                });
                self.pending = None;
                true
            }
        }
    }
}

impl<T> Fetch<T> {
    pub fn value(&self) -> Option<&T> {
        self.value.as_ref()
    }

    pub fn error(&self) -> Option<&FetchError> {
        self.error.as_ref()
    }

    /// Takes the value out, for a caller that merges each read into what it holds.
    pub fn take_value(&mut self) -> Option<T> {
        self.value.take()
    }

    pub fn is_loading(&self) -> bool {
        self.pending.is_some()
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Forgets the value (another experiment or run was chosen) and any request in flight.
    pub fn clear(&mut self) {
        *self = Fetch {
            generation: self.generation + 1,
            ..Fetch::default()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_previous_value_while_loading_and_after_an_error() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let sp = Spawner {
            rt: rt.handle().clone(),
            repaint: None,
        };
        let mut f: Fetch<i32> = Fetch::default();
        f.request(&sp, async { Ok::<_, FetchError>(1) });
        while !f.poll() {
            std::thread::yield_now();
        }
        assert_eq!(f.value(), Some(&1));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        f.request(&sp, async move {
            let _ = rx.await;
            Err::<i32, _>(FetchError {
                message: "down".into(),
                unreachable: true,
            })
        });
        assert!(f.is_loading());
        assert_eq!(f.value(), Some(&1), "the old value stays while the new one loads");
        tx.send(()).unwrap();
        while !f.poll() {
            std::thread::yield_now();
        }
        assert_eq!(f.value(), Some(&1), "and after the new one failed");
        assert!(f.error().unwrap().unreachable);
        assert_eq!(f.generation(), 1);
    }
}
