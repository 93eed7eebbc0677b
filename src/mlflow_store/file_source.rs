//! An MLflow folder store (`./mlruns`) read in place: each experiment's `meta.yaml` and tags, each
//! run's `meta.yaml`, `params/`, `tags/` and `metrics/` files, and MLflow 3's logged models under
//! `<experiment>/models/`. Metric files are only ever read forward: a growing file is read from
//! where the last read ended.

use super::source::{Result, RunData, Source, SourceExperiment, SourceModel, SourcePoint, SourceRun};
use super::yaml::flat_mapping;
use crate::api::KeyValue;
use crate::store::StoreError;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

pub struct FileSource {
    root: PathBuf,
    /// Where each run's folder is, from the last listing.
    run_dirs: HashMap<String, PathBuf>,
    /// Per metric file: the byte after its last whole line counted, and the points before it.
    counted: HashMap<PathBuf, (u64, u64)>,
    /// Per metric file: the byte after the last point handed on, and the points before it.
    handed: HashMap<PathBuf, (u64, u64)>,
}

/// MLflow's run status numbers, as its folder store writes them.
fn status_name(n: &str) -> String {
    match n {
        "1" => "RUNNING",
        "2" => "SCHEDULED",
        "4" => "FAILED",
        "5" => "KILLED",
        "3" => "FINISHED",
        other => return other.to_string(),
    }
    .to_string()
}

fn read_meta(path: &Path) -> Result<Option<HashMap<String, Option<String>>>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(flat_mapping(&text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn text(meta: &HashMap<String, Option<String>>, key: &str) -> Option<String> {
    meta.get(key).cloned().flatten()
}

fn number(meta: &HashMap<String, Option<String>>, key: &str) -> Option<i64> {
    text(meta, key).and_then(|v| v.parse().ok())
}

/// The folders directly in `dir`, sorted by name (none if `dir` is missing).
fn folders(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for e in entries {
        let e = e?;
        if e.file_type()?.is_dir() {
            out.push((e.file_name().to_string_lossy().into_owned(), e.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Every file below `dir` as `(key with '/' between folders, path)`: params, tags and metrics,
/// whose keys may hold slashes.
fn keyed_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        for e in entries {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            let key = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let ft = e.file_type()?;
            if ft.is_dir() {
                walk(&e.path(), &key, out)?;
            } else if ft.is_file() {
                out.push((key, e.path()));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    out.sort();
    Ok(out)
}

fn key_values(dir: &Path) -> Result<Vec<KeyValue>> {
    keyed_files(dir)?
        .into_iter()
        .map(|(key, path)| {
            Ok(KeyValue {
                key,
                value: String::from_utf8_lossy(&std::fs::read(path)?).into_owned(),
            })
        })
        .collect()
}

/// A run folder's stamp: how many metric, tag and param files it has and their sizes (a point
/// appended, a tag added or edited changes it).
fn stamp_of(run_dir: &Path) -> Result<String> {
    let mut parts = Vec::with_capacity(3);
    for kind in ["metrics", "tags", "params"] {
        let files = keyed_files(&run_dir.join(kind))?;
        let bytes: u64 = files
            .iter()
            .map(|(_, p)| std::fs::metadata(p).map_or(0, |m| m.len()))
            .sum();
        parts.push(format!("{}/{bytes}", files.len()));
    }
    Ok(parts.join(":"))
}

/// The bytes of `path` from `from` to its end (none if it is gone).
fn tail(path: &Path, from: u64) -> Result<Vec<u8>> {
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    f.seek(SeekFrom::Start(from))?;
    let mut out = Vec::new();
    f.read_to_end(&mut out)?;
    Ok(out)
}

/// The whole lines of `bytes` (a last line with no newline is still being written).
fn whole_lines(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    &bytes[..end]
}

/// The points of whole lines; a line that is no point (blank, damaged) is passed over, so counts
/// and positions agree on what a point is.
fn points_of(whole: &[u8]) -> impl Iterator<Item = SourcePoint> + '_ {
    whole
        .split(|&b| b == b'\n')
        .filter_map(|line| point(String::from_utf8_lossy(line).trim()))
}

/// One metric line: `timestamp value [step]`.
fn point(line: &str) -> Option<SourcePoint> {
    let mut parts = line.split_whitespace();
    let timestamp = parts.next()?.parse().ok()?;
    let value = parts.next()?.parse().ok()?;
    let step = parts.next().map_or(Some(0), |s| s.parse().ok())?;
    Some(SourcePoint { timestamp, step, value })
}

impl FileSource {
    pub fn open(root: &Path) -> Result<FileSource> {
        if !root.is_dir() {
            return Err(StoreError::NotFound(format!(
                "no MLflow store folder at {}",
                root.display()
            )));
        }
        if !root.join("0").join("meta.yaml").is_file()
            && folders(root)?.iter().all(|(_, p)| !p.join("meta.yaml").is_file())
        {
            return Err(StoreError::Invalid(format!(
                "{} is not an MLflow store folder (no experiment folder with a meta.yaml in it)",
                root.display()
            )));
        }
        Ok(FileSource {
            root: root.to_path_buf(),
            run_dirs: HashMap::new(),
            counted: HashMap::new(),
            handed: HashMap::new(),
        })
    }

    /// Every experiment folder, deleted ones (in `.trash`) too.
    fn experiment_dirs(&self) -> Result<Vec<PathBuf>> {
        let mut out: Vec<PathBuf> = folders(&self.root)?
            .into_iter()
            .chain(folders(&self.root.join(".trash"))?)
            .filter(|(name, p)| !name.starts_with('.') && p.join("meta.yaml").is_file())
            .map(|(_, p)| p)
            .collect();
        out.sort();
        Ok(out)
    }

    fn run_dir(&self, run: &SourceRun) -> Result<&PathBuf> {
        self.run_dirs
            .get(&run.id)
            .ok_or_else(|| StoreError::NotFound(format!("run {} is not in the store folder", run.id)))
    }
}

impl Source for FileSource {
    fn experiments(&mut self) -> Result<Vec<SourceExperiment>> {
        let mut out = Vec::new();
        for dir in self.experiment_dirs()? {
            let Some(meta) = read_meta(&dir.join("meta.yaml"))? else {
                continue;
            };
            let (Some(id), Some(name)) = (text(&meta, "experiment_id"), text(&meta, "name")) else {
                continue;
            };
            out.push(SourceExperiment {
                id,
                name,
                lifecycle_stage: text(&meta, "lifecycle_stage").unwrap_or_else(|| "active".into()),
                tags: key_values(&dir.join("tags"))?,
            });
        }
        Ok(out)
    }

    fn runs(&mut self, stamps: bool) -> Result<Vec<SourceRun>> {
        let mut out = Vec::new();
        self.run_dirs.clear();
        for dir in self.experiment_dirs()? {
            for (name, run_dir) in folders(&dir)? {
                if name == "models" || name == "tags" || name == "datasets" || name == "traces" {
                    continue;
                }
                let Some(meta) = read_meta(&run_dir.join("meta.yaml"))? else {
                    continue;
                };
                let Some(id) = text(&meta, "run_id").or_else(|| text(&meta, "run_uuid")) else {
                    continue;
                };
                let name = match text(&meta, "run_name").filter(|n| !n.is_empty()) {
                    Some(n) => n,
                    None => std::fs::read_to_string(run_dir.join("tags").join("mlflow.runName")).unwrap_or_default(),
                };
                out.push(SourceRun {
                    experiment_id: text(&meta, "experiment_id").unwrap_or_default(),
                    name,
                    user_id: text(&meta, "user_id").unwrap_or_default(),
                    status: status_name(&text(&meta, "status").unwrap_or_else(|| "3".into())),
                    start_time: number(&meta, "start_time"),
                    end_time: number(&meta, "end_time"),
                    lifecycle_stage: text(&meta, "lifecycle_stage").unwrap_or_else(|| "active".into()),
                    artifact_uri: text(&meta, "artifact_uri").unwrap_or_default(),
                    stamp: if stamps { stamp_of(&run_dir)? } else { String::new() },
                    id: id.clone(),
                });
                self.run_dirs.insert(id, run_dir);
            }
        }
        out.sort_by(|a, b| (a.start_time, &a.id).cmp(&(b.start_time, &b.id)));
        Ok(out)
    }

    fn run_data(&mut self, run: &SourceRun) -> Result<RunData> {
        let dir = self.run_dir(run)?;
        Ok(RunData {
            params: key_values(&dir.join("params"))?,
            tags: key_values(&dir.join("tags"))?,
        })
    }

    fn metric_counts(&mut self, run: &SourceRun) -> Result<Vec<(String, u64)>> {
        let files = keyed_files(&self.run_dir(run)?.join("metrics"))?;
        let mut out = Vec::with_capacity(files.len());
        for (key, path) in files {
            let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            let (mut at, mut lines) = self.counted.get(&path).copied().unwrap_or((0, 0));
            if len < at {
                // Rewritten shorter: count it again from the start.
                (at, lines) = (0, 0);
            }
            if len > at {
                let bytes = tail(&path, at)?;
                let whole = whole_lines(&bytes);
                at += whole.len() as u64;
                lines += points_of(whole).count() as u64;
            }
            self.counted.insert(path, (at, lines));
            out.push((key, lines));
        }
        Ok(out)
    }

    fn metric_points(&mut self, run: &SourceRun, key: &str, skip: u64) -> Result<Vec<SourcePoint>> {
        let path = self.run_dir(run)?.join("metrics").join(key);
        let (from, before) = match self.handed.get(&path) {
            Some(&(at, n)) if n == skip => (at, 0),
            _ => (0, skip),
        };
        let bytes = tail(&path, from)?;
        let whole = whole_lines(&bytes);
        let mut out = Vec::new();
        let mut seen = 0u64;
        for p in points_of(whole) {
            seen += 1;
            if seen > before {
                out.push(p);
            }
        }
        // Whole lines read to their end: the next read of this file goes on from there.
        self.handed
            .insert(path, (from + whole.len() as u64, skip + seen.saturating_sub(before)));
        Ok(out)
    }

    fn models(&mut self) -> Result<Vec<SourceModel>> {
        let mut out = Vec::new();
        for dir in self.experiment_dirs()? {
            for (_, model_dir) in folders(&dir.join("models"))? {
                let Some(meta) = read_meta(&model_dir.join("meta.yaml"))? else {
                    continue;
                };
                let (Some(id), Some(experiment_id)) = (text(&meta, "model_id"), text(&meta, "experiment_id")) else {
                    continue;
                };
                out.push(SourceModel {
                    id,
                    experiment_id,
                    name: text(&meta, "name").unwrap_or_default(),
                    artifact_location: text(&meta, "artifact_location").unwrap_or_default(),
                    source_run_id: text(&meta, "source_run_id"),
                    model_type: text(&meta, "model_type"),
                    status: number(&meta, "status").unwrap_or(0),
                    lifecycle_stage: text(&meta, "lifecycle_stage").unwrap_or_else(|| "active".into()),
                    params: key_values(&model_dir.join("params"))?,
                    tags: key_values(&model_dir.join("tags"))?,
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_lines_parse_with_and_without_a_step() {
        assert_eq!(
            point("1700000000000 0.5 3"),
            Some(SourcePoint {
                timestamp: 1_700_000_000_000,
                step: 3,
                value: 0.5
            })
        );
        assert_eq!(point("17 2").map(|p| p.step), Some(0));
        assert!(point("17 nan 1").is_some_and(|p| p.value.is_nan()));
        assert_eq!(point("17 -inf 1").map(|p| p.value), Some(f64::NEG_INFINITY));
        assert_eq!(point("garbage"), None);
    }

    #[test]
    fn a_growing_metric_file_is_read_forward_and_a_half_line_waits() {
        let dir = tempfile::tempdir().unwrap();
        let run_dir = dir.path().join("0").join("r1");
        std::fs::create_dir_all(run_dir.join("metrics/train")).unwrap();
        let file = run_dir.join("metrics/train/loss");
        std::fs::write(&file, "10 1.0 0\n11 0.5 1\n12 0.2").unwrap();
        let mut s = FileSource {
            root: dir.path().to_path_buf(),
            run_dirs: HashMap::from([("r1".to_string(), run_dir.clone())]),
            counted: HashMap::new(),
            handed: HashMap::new(),
        };
        let run = SourceRun {
            id: "r1".into(),
            experiment_id: "0".into(),
            name: String::new(),
            user_id: String::new(),
            status: "RUNNING".into(),
            start_time: None,
            end_time: None,
            lifecycle_stage: "active".into(),
            artifact_uri: String::new(),
            stamp: String::new(),
        };
        assert_eq!(s.metric_counts(&run).unwrap(), vec![("train/loss".to_string(), 2)]);
        let first = s.metric_points(&run, "train/loss", 0).unwrap();
        assert_eq!(first.iter().map(|p| p.step).collect::<Vec<_>>(), vec![0, 1]);
        // A damaged line is no point, for the count as for the read.
        std::fs::write(&file, "10 1.0 0\n11 0.5 1\n12 0.2 2\ngarbage\n13 0.1 3\n").unwrap();
        assert_eq!(s.metric_counts(&run).unwrap()[0].1, 4);
        let next = s.metric_points(&run, "train/loss", 2).unwrap();
        assert_eq!(next.iter().map(|p| p.step).collect::<Vec<_>>(), vec![2, 3]);
        // A reader that starts over (a resumed import) skips by counting.
        s.handed.clear();
        assert_eq!(s.metric_points(&run, "train/loss", 3).unwrap().len(), 1);
    }
}
