//! Project folders and tracked runs, over the client: launching scripts, snapshots and restore,
//! snapshot diffs, and the seed's demo. The CLI and the workbench both drive these.

pub mod demo;
pub mod diff;
pub mod launch;
pub mod outbox;
pub mod output;
pub mod process;
pub mod python;
pub mod snapshot;
pub mod walk;
pub mod workcopy;

/// Why a tracked-run step (launch, snapshot, restore) did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The history server refused, or could not be reached.
    #[error(transparent)]
    Client(#[from] crate::client::ClientError),
    /// A file or folder of the project could not be read or written.
    #[error("{path}: {source}")]
    File { path: String, source: std::io::Error },
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A path that would leave the project folder.
    #[error(transparent)]
    Path(#[from] crate::paths::PathError),
    /// What was asked cannot be done, and why (no such script, a content that does not match its hash).
    #[error("{0}")]
    Refused(String),
    #[error("a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl ProjectError {
    /// An I/O error about one path (relative to the project, or as given).
    pub fn file(path: impl std::fmt::Display, source: std::io::Error) -> ProjectError {
        ProjectError::File {
            path: path.to_string(),
            source,
        }
    }
}

pub use launch::{DEFAULT_HEARTBEAT, Job, JobStatus, JobView, LaunchSpec, heartbeat_from_env, start};
pub use process::command_for;

/// The scripts of a project folder a tracked run can start: Python and shell scripts, and
/// executables, at the top level or one folder down (outputs/, VCS and store folders left out).
pub fn runnable_scripts(project: &std::path::Path) -> Vec<String> {
    let Ok(w) = walk::walk(project, u64::MAX) else {
        return Vec::new();
    };
    w.files
        .into_iter()
        .filter(|f| f.rel.matches('/').count() <= 1)
        .filter(|f| f.rel.ends_with(".py") || f.rel.ends_with(".sh") || f.executable)
        .map(|f| f.rel)
        .collect()
}

/// The experiment a project's runs go to: the folder's name (as Azure ML Workbench had it).
pub fn experiment_of(project: &std::path::Path) -> String {
    std::fs::canonicalize(project)
        .unwrap_or_else(|_| project.to_path_buf())
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Default".into())
}
