//! Spool files: batches a client could not deliver, written into `<store>/spool/*.jsonl` and
//! replayed when the server opens the store (either database; replicas over one folder may race
//! for a file). Batch ids make a replay never store anything twice.

use super::{Result, Store};
use crate::api::ext::SpoolRecord;
use std::io::BufRead;

use crate::api::layout::SPOOL_DIR;

/// Figures of one replay.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ReplayReport {
    pub files: usize,
    pub records: usize,
    pub points: u64,
    pub failed: usize,
}

fn apply(store: &Store, record: &SpoolRecord) -> Result<u64> {
    match record {
        SpoolRecord::CreateRun(c) => store.create_run(c).map(|_| 0),
        SpoolRecord::Ingest(b) => store.ingest(b).map(|r| r.points),
        SpoolRecord::UpdateRun(u) => store.update_run(u).map(|_| 0),
    }
}

/// Applies every complete spool file, oldest first, then removes it. A record that fails is
/// reported on stderr and kept in `failed-*.jsonl` so nothing is thrown away.
pub fn replay(store: &Store) -> Result<ReplayReport> {
    let dir = store.root().join(SPOOL_DIR);
    let mut report = ReplayReport::default();
    for path in crate::api::layout::spool_files(&dir) {
        // Replicas over one folder replay at start alike: a file another has taken is skipped.
        let file = match std::fs::File::open(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            opened => opened?,
        };
        let mut failed_lines = Vec::new();
        for line in std::io::BufReader::new(file).lines() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            report.records += 1;
            let outcome = serde_json::from_str::<SpoolRecord>(&line)
                .map_err(|e| e.to_string())
                .and_then(|r| apply(store, &r).map_err(|e| e.to_string()));
            match outcome {
                Ok(points) => report.points += points,
                Err(e) => {
                    eprintln!("runhistory: spooled record in {} not applied: {e}", path.display());
                    report.failed += 1;
                    failed_lines.push(line);
                }
            }
        }
        if !failed_lines.is_empty() {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            std::fs::write(dir.join(format!("failed-{name}")), failed_lines.join("\n") + "\n")?;
        }
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            removed => removed?,
        }
        report.files += 1;
    }
    Ok(report)
}
