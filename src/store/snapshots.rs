//! Project snapshots: file lists in the database, each content stored once under `blobs/` by its
//! SHA-256, so the same file in a thousand runs' snapshots takes its space once.

use super::artifacts::safe_segments;
use super::file_space::{Content, Entry, FileSpace, Opened, Upload};
use super::sql::{self, args};
use super::{Result, Store, StoreError};
use crate::api::ids::now_ms;
use crate::api::limits::MAX_SNAPSHOT_FILES;
use crate::api::snapshot::{CreateSnapshot, Snapshot, SnapshotFile, is_content_hash};
use std::collections::HashSet;

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
    /// The key of the content with this hash in the file space.
    fn blob_key(hash: &str) -> Result<Vec<String>> {
        check_hash(hash)?;
        Ok(vec!["blobs".into(), hash[..2].to_string(), hash.to_string()])
    }

    /// Starts the upload of a content; `finish_upload` puts it in place once its hash is checked.
    pub fn begin_blob(&self, hash: &str) -> Result<Upload> {
        self.files.begin(&Self::blob_key(hash)?)
    }

    /// The content with this hash, to send.
    pub fn open_blob(&self, hash: &str) -> Result<Content> {
        match self.files.open(&Self::blob_key(hash)?)? {
            Opened::File(content) => Ok(content),
            Opened::Folder | Opened::Missing => Err(StoreError::NotFound("No such content in the store".into())),
        }
    }

    /// Stores a content given whole (tests and our own code paths), checking its hash.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<String> {
        use sha2::Digest;
        let hash = format!("{:x}", sha2::Sha256::digest(bytes));
        self.files.put(&Self::blob_key(&hash)?, bytes)?;
        Ok(hash)
    }

    /// The hashes among these whose content the store does not hold.
    pub fn missing_blobs(&self, hashes: &[String]) -> Result<Vec<String>> {
        let mut seen = HashSet::new();
        let mut unique = Vec::new();
        for h in hashes {
            check_hash(h)?;
            if seen.insert(h.as_str()) {
                unique.push(h.clone());
            }
        }
        match &self.files {
            FileSpace::Objects(o) => {
                let keys = unique.iter().map(|h| Self::blob_key(h)).collect::<Result<Vec<_>>>()?;
                Ok(o.missing(keys)?.into_iter().map(|i| unique[i].clone()).collect())
            }
            FileSpace::Folder(_) => {
                let mut missing = Vec::new();
                for h in unique {
                    if !matches!(self.files.stat(&Self::blob_key(&h)?)?, Some(Entry::File(_))) {
                        missing.push(h);
                    }
                }
                Ok(missing)
            }
        }
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
            check_hash(&f.hash)?;
        }
        let hashes: Vec<String> = req.files.iter().map(|f| f.hash.clone()).collect();
        if let Some(hash) = self.missing_blobs(&hashes)?.first() {
            let f = req
                .files
                .iter()
                .find(|f| &f.hash == hash)
                .map_or("", |f| f.path.as_str());
            return Err(StoreError::Invalid(format!(
                "The content of '{f}' ({hash}) was not uploaded"
            )));
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
