//! Project snapshots: file lists in the database, each content stored once under `blobs/` by its
//! SHA-256, so the same file in a thousand runs' snapshots takes its space once.

use super::artifacts::safe_segments;
use super::sql::{self, args};
use super::{Result, Store, StoreError};
use crate::api::ids::now_ms;
use crate::api::limits::MAX_SNAPSHOT_FILES;
use crate::api::snapshot::{CreateSnapshot, Snapshot, SnapshotFile, is_content_hash};
use std::collections::HashSet;
use std::path::PathBuf;

fn check_hash(hash: &str) -> Result<()> {
    if is_content_hash(hash) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "Invalid content hash '{}': expected 64 lowercase hex digits (SHA-256)",
            hash.escape_debug()
        )))
    }
}

impl Store {
    /// Where the content with this hash lives (it may not exist yet).
    pub fn blob_file(&self, hash: &str) -> Result<PathBuf> {
        check_hash(hash)?;
        Ok(self.root.join("blobs").join(&hash[..2]).join(hash))
    }

    /// A temporary file to stream a blob into, and where it goes once its hash is checked.
    pub fn blob_temp(&self, hash: &str) -> Result<(PathBuf, PathBuf)> {
        let dest = self.blob_file(hash)?;
        let parent = dest
            .parent()
            .ok_or_else(|| StoreError::Internal("blob has no parent folder".into()))?;
        std::fs::create_dir_all(parent)?;
        Ok((parent.join(format!(".upload-{:016x}", rand::random::<u64>())), dest))
    }

    /// The hashes among these whose content the store does not hold.
    pub fn missing_blobs(&self, hashes: &[String]) -> Result<Vec<String>> {
        let mut missing = Vec::new();
        let mut seen = HashSet::new();
        for h in hashes {
            if seen.insert(h.as_str()) && !self.blob_file(h)?.is_file() {
                missing.push(h.clone());
            }
        }
        Ok(missing)
    }

    /// Records a snapshot whose contents are all stored already.
    pub fn create_snapshot(&self, req: &CreateSnapshot) -> Result<Snapshot> {
        if !matches!(req.label.as_str(), "run" | "backup") {
            return Err(StoreError::Invalid(format!(
                "Invalid snapshot label '{}': expected 'run' or 'backup'",
                req.label
            )));
        }
        if req.files.len() > MAX_SNAPSHOT_FILES {
            return Err(StoreError::Invalid(format!(
                "A snapshot lists at most {MAX_SNAPSHOT_FILES} files"
            )));
        }
        let mut paths = HashSet::new();
        for f in &req.files {
            if safe_segments(&f.path)?.is_empty() {
                return Err(StoreError::Invalid("A snapshot file needs a path".into()));
            }
            if !paths.insert(f.path.as_str()) {
                return Err(StoreError::Invalid(format!("'{}' is listed twice", f.path)));
            }
            let blob = self.blob_file(&f.hash)?;
            if !blob.is_file() {
                return Err(StoreError::Invalid(format!(
                    "The content of '{}' ({}) was not uploaded",
                    f.path, f.hash
                )));
            }
        }
        if let Some(run_id) = &req.run_id {
            self.get_run(run_id)?;
        }
        let created = now_ms();
        let id = self.write_db(|tx| {
            let id: i64 = tx
                .value(
                    "INSERT INTO snapshots (created_time, label, run_id) VALUES (?1, ?2, ?3) RETURNING snapshot_id",
                    args![created, req.label, req.run_id],
                )?
                .ok_or_else(|| StoreError::Internal("the new snapshot has no id".into()))?;
            tx.exec_rows(
                "INSERT INTO snapshot_files (snapshot_id, path, hash, size, executable)",
                "",
                5,
                req.files.len(),
                |i, row| {
                    let f = &req.files[i];
                    row.extend([
                        sql::Value::Int(id),
                        sql::Value::Text(f.path.clone()),
                        sql::Value::Text(f.hash.clone()),
                        sql::Value::Int(f.size as i64),
                        sql::Value::Int(i64::from(f.executable)),
                    ]);
                },
            )?;
            if let Some(run_id) = &req.run_id {
                tx.exec(
                    "INSERT INTO run_properties (run_id, key, value) VALUES (?1, 'SnapshotId', ?2)
                     ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
                    args![run_id, id.to_string()],
                )?;
            }
            Ok(id)
        })?;
        self.get_snapshot(id)
    }

    pub fn get_snapshot(&self, snapshot_id: i64) -> Result<Snapshot> {
        self.read_db(|db| {
            let head = db
                .row(
                    "SELECT created_time, label, run_id FROM snapshots WHERE snapshot_id = ?1",
                    args![snapshot_id],
                    |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?, r.get::<Option<String>>(2)?)),
                )?
                .ok_or_else(|| StoreError::NotFound(format!("Snapshot {snapshot_id} not found")))?;
            let files = db.rows(
                "SELECT path, hash, size, executable FROM snapshot_files WHERE snapshot_id = ?1 ORDER BY path",
                args![snapshot_id],
                |r| {
                    Ok(SnapshotFile {
                        path: r.get(0)?,
                        hash: r.get(1)?,
                        size: r.get::<i64>(2)? as u64,
                        executable: r.get(3)?,
                    })
                },
            )?;
            Ok(Snapshot {
                snapshot_id,
                created_time: head.0,
                label: head.1,
                run_id: head.2,
                files,
            })
        })
    }

    /// The snapshot taken when this run started.
    pub fn run_snapshot(&self, run_id: &str) -> Result<Snapshot> {
        let id: Option<i64> = self.read_db(|db| {
            db.value(
                "SELECT snapshot_id FROM snapshots WHERE run_id = ?1 AND label = 'run' ORDER BY snapshot_id DESC LIMIT 1",
                args![run_id],
            )
        })?;
        match id {
            Some(id) => self.get_snapshot(id),
            None => {
                self.get_run(run_id)?;
                Err(StoreError::NotFound(format!("Run {run_id} has no snapshot")))
            }
        }
    }
}
