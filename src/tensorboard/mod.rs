//! TensorBoard logdirs read in place, with no TensorFlow: the event files' framing and messages
//! decoded by hand, runs found and followed as they grow, and mirrored into a store that the
//! server then serves read-only.

mod crc32c;
mod event;
mod logdir;
mod mirror;
mod records;
mod wire;

/// Event files written as TensorBoard's writers write them, for tests and tools that make them
/// (the reader's own tests; the real writers from PyPI are used in the end-to-end tests).
pub mod write {
    pub use super::records::frame;
    pub use super::wire::Writer;

    /// One framed record: an event of one scalar at `step` and `wall_time` (seconds).
    pub fn scalar_record(step: i64, wall_time: f64, tag: &str, value: f32) -> Vec<u8> {
        let value = Writer::default().bytes(1, tag.as_bytes()).float(2, value);
        let summary = Writer::default().message(1, value);
        frame(
            &Writer::default()
                .double(1, wall_time)
                .varint(2, step as u64)
                .message(5, summary)
                .0,
        )
    }
}

pub use logdir::{Flow, Image, Logdir, RunUpdate, Scalars, Text};
pub use mirror::{Mirror, Synced, TAG_TENSORBOARD_RUN};

use crate::follow::Follower;
use crate::store::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How often a followed logdir is looked at again for new files and records.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// A logdir opened for reading: its store (in a temporary folder, gone when this is dropped),
/// filled with what the logdir held when opened and kept up to date while this lives.
pub struct OpenLogdir {
    pub store: Arc<Store>,
    pub experiment: String,
    /// What was read when it was opened.
    pub first: Synced,
    _follower: Follower,
    _dir: tempfile::TempDir,
}

#[derive(Debug, thiserror::Error)]
pub enum LogdirError {
    #[error("{} is not a folder", .0.display())]
    NotAFolder(PathBuf),
    #[error("cannot make a place for the logdir's index: {0}")]
    Temp(std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Follow(#[from] std::io::Error),
}

impl OpenLogdir {
    /// Reads `root` whole, then follows it every `interval`.
    pub fn open(root: &Path, interval: Duration) -> Result<OpenLogdir, LogdirError> {
        if !root.is_dir() {
            return Err(LogdirError::NotAFolder(root.to_path_buf()));
        }
        let dir = tempfile::Builder::new()
            .prefix("runhistory-logdir-")
            .tempdir()
            .map_err(LogdirError::Temp)?;
        let store = Arc::new(Store::open_scratch(dir.path())?);
        let mut mirror = Mirror::new(root);
        // The index's one experiment is the logdir: its default experiment takes the logdir's name.
        store.rename_experiment("0", mirror.experiment())?;
        let first = mirror.sync(&store)?;
        first.warnings.iter().for_each(|w| eprintln!("runhistory: {w}"));
        let experiment = mirror.experiment().to_string();
        let following = store.clone();
        let what = format!("the logdir {}", root.display());
        let follower = Follower::start("logdir-follower", what, interval, move |stopping| {
            mirror
                .sync_with(&following, |_, _, _| !stopping())
                .map(|s| s.warnings)
                .map_err(|e| e.to_string())
        })?;
        Ok(OpenLogdir {
            store,
            experiment,
            first,
            _follower: follower,
            _dir: dir,
        })
    }

    /// Why writes are refused, as the server says it.
    pub fn read_only_reason(root: &Path) -> String {
        format!("it is the TensorBoard logdir {}, read in place", root.display())
    }
}
