//! `runhistory import`: a TensorBoard logdir or an MLflow store copied into a store for good, with
//! a progress line; run again, it reads only what was written since (each file's position, or
//! each metric's count of points, is kept with its points), so nothing is doubled.

use super::CliError;
use super::rows::Rows;
use crate::connect::ConnectError;
use crate::format::count;
use crate::mlflow_store::{Location, Mirror as MlflowMirror, MlflowStoreError, Mode};
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
    let mut bar = Bar::new();
    let synced = mirror.sync_with(&store, |done, total, so_far| {
        bar.draw_with(
            done,
            total,
            "runs",
            &format!(", {} points", count(so_far.points as u64)),
        );
        true
    })?;
    bar.end(&synced.warnings);
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

/// `runhistory --mlflow-store URI import`: an MLflow store copied into a store for good, artifacts
/// included. Experiments are matched by name and runs and logged models keep their ids; run again,
/// only the points after those already copied are read, and a batch sent twice is applied once.
pub fn import_mlflow(uri: &str, rows: &Rows) -> Result<i32, CliError> {
    let location = Location::parse(uri).map_err(CliError::Usage)?;
    let (source, roots) = location
        .open()
        .map_err(|e| ConnectError::from(MlflowStoreError::Store(e)))?;
    let store = rows.open()?;
    let started = Instant::now();
    let mut mirror = MlflowMirror::new(source, roots, Mode::Import);
    let mut bar = Bar::new();
    let synced = mirror.sync_with(&store, |done, total| {
        bar.draw(done, total, "runs");
        true
    })?;
    bar.end(&synced.warnings);
    println!(
        "Imported {} points, {} logged models and {} artifact files ({} new runs) from the {} into {} in {:.1} s.",
        count(synced.points as u64),
        count(synced.models as u64),
        count(synced.files as u64),
        count(synced.new_runs as u64),
        location.label(),
        rows.describe(),
        started.elapsed().as_secs_f64()
    );
    Ok(0)
}

/// A progress line on a terminal, redrawn at most every 100 ms.
struct Bar {
    terminal: bool,
    drawn: Option<Instant>,
}

impl Bar {
    fn new() -> Bar {
        Bar {
            terminal: std::io::stderr().is_terminal(),
            drawn: None,
        }
    }

    fn draw(&mut self, done: usize, total: usize, what: &str) {
        self.draw_with(done, total, what, "");
    }

    fn draw_with(&mut self, done: usize, total: usize, what: &str, more: &str) {
        let due = self.drawn.is_none_or(|t| t.elapsed() >= Duration::from_millis(100)) || done == total;
        if self.terminal && due && total > 0 {
            self.drawn = Some(Instant::now());
            let width = 30;
            let filled = width * done / total;
            eprint!(
                "\r[{}{}] {done}/{total} {what}{more}",
                "#".repeat(filled),
                " ".repeat(width - filled)
            );
            let _ = std::io::stderr().flush();
        }
    }

    /// Ends the line, then says what could not be kept, a line each.
    fn end(&self, warnings: &[String]) {
        if self.terminal && self.drawn.is_some() {
            eprintln!();
        }
        for w in warnings {
            eprintln!("runhistory: {w}");
        }
    }
}
