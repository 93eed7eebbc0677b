//! Wire types of project snapshots: content-addressed file lists taken when a tracked run starts.

use serde::{Deserialize, Serialize};

/// One file of a snapshot: its path inside the project (with `/`), the SHA-256 of its content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotFile {
    pub path: String,
    pub hash: String,
    pub size: u64,
    #[serde(default)]
    pub executable: bool,
}

/// A stored snapshot: a run's project folder at its start, or a backup taken before a restore.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub snapshot_id: i64,
    pub created_time: i64,
    /// What it is: "run" for a run's start, "backup" for the folder before a restore.
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    pub files: Vec<SnapshotFile>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateSnapshot {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    pub files: Vec<SnapshotFile>,
}

/// Which of these contents the store lacks: the client uploads only those.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BlobQuery {
    pub hashes: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MissingBlobs {
    pub missing: Vec<String>,
}

/// True for a SHA-256 in lowercase hex, the only form a content address takes.
pub fn is_content_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
