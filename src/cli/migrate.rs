//! `runhistory migrate`: a store copied into another (a local folder into a team database, or
//! back), with a progress bar; run again, it brings the copy up to date and doubles nothing.

use super::CliError;
use super::rows::Rows;
use crate::format::count;
use crate::store::{CopyProgress, Store};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// One side of a copy: a store folder, or a PostgreSQL URL with its files in `artifacts`.
fn side(given: &str, artifacts: Option<&str>, must_exist: bool) -> Result<Rows, CliError> {
    if given.contains("://") {
        return Rows::of(Some(given), artifacts, Path::new(crate::api::layout::DEFAULT_STORE_DIR));
    }
    let dir = Path::new(given);
    if must_exist && !dir.join(crate::api::layout::DATABASE_FILE).is_file() {
        return Err(CliError::Usage(format!("there is no store at {given} to copy from")));
    }
    Rows::of(None, None, dir)
}

pub fn migrate(from: &str, to: &str, artifacts: Option<&str>) -> Result<i32, CliError> {
    let (source, target) = (side(from, artifacts, true)?, side(to, artifacts, false)?);
    let database_side = matches!(source, Rows::Postgres { .. }) || matches!(target, Rows::Postgres { .. });
    if database_side && artifacts.is_none_or(|a| a.trim().is_empty()) {
        return Err(CliError::Usage(
            "a database side needs --artifacts (file:///folder, s3://, az:// or gs://), where its servers keep their files".into(),
        ));
    }
    let (from_store, to_store): (Store, Store) = (source.open()?, target.open()?);
    let started = Instant::now();
    let mut bar = Bar::new();
    let report = to_store.copy_from(&from_store, |p| bar.show(p))?;
    bar.finish();
    let rows: u64 = report.rows.iter().map(|(_, n)| n).sum();
    println!(
        "Copied {} rows of {} tables and {} files ({:.1} MB) from {} to {} in {:.1} s.",
        count(rows),
        report.rows.len(),
        count(report.files),
        report.bytes as f64 / 1e6,
        source.describe(),
        target.describe(),
        started.elapsed().as_secs_f64()
    );
    Ok(0)
}

/// The progress bar on stderr: redrawn in place on a terminal (at most ten times a second), a
/// line per table otherwise.
struct Bar {
    terminal: bool,
    drawn: Option<Instant>,
    current: &'static str,
}

impl Bar {
    fn new() -> Bar {
        Bar {
            terminal: std::io::stderr().is_terminal(),
            drawn: None,
            current: "",
        }
    }

    fn show(&mut self, p: &CopyProgress) {
        let mut err = std::io::stderr();
        let finished = p.done == p.total;
        if !self.terminal {
            if finished && p.what != self.current {
                let _ = writeln!(err, "  {:<26} {}", p.what, count(p.total));
                self.current = p.what;
            }
            return;
        }
        if !finished && self.drawn.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
            return;
        }
        self.drawn = Some(Instant::now());
        let width = 30usize;
        let filled = if p.total == 0 {
            width
        } else {
            (p.done.min(p.total) as f64 / p.total as f64 * width as f64) as usize
        };
        let _ = write!(
            err,
            "\r  {:<26} [{}{}] {} / {}\x1b[K",
            p.what,
            "#".repeat(filled),
            "-".repeat(width - filled),
            count(p.done),
            count(p.total)
        );
        if finished && p.what != self.current {
            let _ = writeln!(err);
            self.current = p.what;
        }
        let _ = err.flush();
    }

    fn finish(&mut self) {
        if self.terminal {
            let _ = writeln!(std::io::stderr());
        }
    }
}
