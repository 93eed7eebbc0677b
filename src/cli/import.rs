//! `runhistory import --logdir DIR`: a TensorBoard logdir copied into a store for good, with a
//! progress line; run again, it reads only what was written since (each file's position is kept
//! with its points), so nothing is doubled.

use super::CliError;
use super::commands::Rows;
use crate::connect::ConnectError;
use crate::format::count;
use crate::tensorboard::{LogdirError, Mirror};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

pub fn import(logdir: &Path, rows: &Rows) -> Result<i32, CliError> {
    if !logdir.is_dir() {
        return Err(ConnectError::from(LogdirError::NotAFolder(logdir.to_path_buf())).into());
    }
    let store = rows.open()?;
    let started = Instant::now();
    let mut mirror = Mirror::for_import(logdir, &store)?;
    store.ensure_experiment(mirror.experiment())?;
    let terminal = std::io::stderr().is_terminal();
    let mut drawn: Option<Instant> = None;
    let synced = mirror.sync_with(&store, |done, total, so_far| {
        let due = drawn.is_none_or(|t| t.elapsed() >= Duration::from_millis(100)) || done == total;
        if terminal && due && total > 0 {
            drawn = Some(Instant::now());
            let width = 30;
            let filled = width * done / total;
            eprint!(
                "\r[{}{}] {done}/{total} runs, {} points",
                "#".repeat(filled),
                " ".repeat(width - filled),
                count(so_far.points as u64)
            );
            let _ = std::io::stderr().flush();
        }
        true
    })?;
    if terminal && drawn.is_some() {
        eprintln!();
    }
    for w in &synced.warnings {
        eprintln!("runhistory: {w}");
    }
    println!(
        "Imported {} points, {} images and {} texts ({} new runs) from the TensorBoard logdir {} into \
         the experiment '{}' of {} in {:.1} s.",
        count(synced.points as u64),
        count(synced.images as u64),
        count(synced.texts as u64),
        count(synced.new_runs as u64),
        logdir.display(),
        mirror.experiment(),
        rows.describe(),
        started.elapsed().as_secs_f64()
    );
    Ok(0)
}
