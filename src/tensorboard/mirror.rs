//! A logdir followed into a store: each poll's news become runs, points, params and image and text
//! artifacts, so that every view and command reads a TensorBoard logdir as it reads our history.
//! The logdir itself is only ever read.

use super::logdir::{Flow, Logdir, RunUpdate};
use crate::api::KeyValue;
use crate::api::ext::{CreateRunExt, IngestBatch, Num, RunStatus, SeriesChunk, UpdateRunExt};
use crate::store::{Store, StoreError};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The tag that names where a run was read from.
pub const TAG_TENSORBOARD_RUN: &str = "runhistory.tensorboard.run";
/// An imported run's tags `<this><hash of an event file's name>` = `<position> <file name>`: how
/// far that file has been imported, kept with the points in one transaction, so that an import
/// run again goes on from there. (The file's name is hashed to keep the key short.)
pub const TAG_IMPORTED_TO: &str = "runhistory.tensorboard.imported.";
/// An imported run's tags `<this><hash of a tag>` = `<plugin> <tag>`: what a tag holds, kept with
/// the positions, since a tag names its plugin only on its first value.
pub const TAG_PLUGIN: &str = "runhistory.tensorboard.plugin.";

/// What one sync brought in.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Synced {
    pub new_runs: usize,
    pub points: usize,
    pub images: usize,
    pub texts: usize,
    /// Damaged records skipped and values that could not be kept, one line each.
    pub warnings: Vec<String>,
}

/// A logdir and what of it is in the store.
pub struct Mirror {
    logdir: Logdir,
    index: Index,
}

/// What of a logdir is in the store, and how its news are written there.
struct Index {
    experiment: String,
    root_key: String,
    /// The runs in the store, by name.
    runs: HashMap<String, RunState>,
    /// An import: each file's position is kept in the store with what was read from it.
    keep_positions: bool,
    /// Warnings given, so that a lasting failure is said once, not at every sync.
    said: HashSet<String>,
}

/// What the store has of a run.
#[derive(Default)]
struct RunState {
    /// Its hparams, so that a later file's differing value is said, not refused.
    params: HashMap<String, String>,
    /// The last wall time read (ms).
    end: Option<i64>,
}

impl Mirror {
    /// Follows `root` into an experiment named after it.
    pub fn new(root: &Path) -> Mirror {
        let canonical = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let experiment = canonical
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "logdir".into());
        Mirror {
            index: Index {
                root_key: canonical.display().to_string(),
                experiment,
                runs: HashMap::new(),
                keep_positions: false,
                said: HashSet::new(),
            },
            logdir: Logdir::new(canonical),
        }
    }

    /// Follows `root` for an import into a store kept for good: what was imported before (as its
    /// runs' tags say) is not read again, and each file's position is kept with its points.
    pub fn for_import(root: &Path, store: &Store) -> Result<Mirror, StoreError> {
        let mut mirror = Mirror::new(root);
        mirror.index.keep_positions = true;
        for name in mirror.logdir.run_names()? {
            let run = match store.get_run(&mirror.run_id(&name)) {
                Ok(run) => run,
                Err(StoreError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            for (key, value) in &run.tags {
                let position = value
                    .split_once(' ')
                    .and_then(|(at, file)| Some((at.parse().ok()?, file)));
                if let (true, Some((offset, file))) = (key.starts_with(TAG_IMPORTED_TO), position) {
                    mirror.logdir.resume(&name, file, offset);
                }
                if let (true, Some((plugin, tag))) = (key.starts_with(TAG_PLUGIN), value.split_once(' ')) {
                    mirror.logdir.resume_plugin(&name, tag, plugin);
                }
            }
            mirror.index.runs.insert(
                name,
                RunState {
                    params: run.params.clone().into_iter().collect(),
                    end: run.end_time,
                },
            );
        }
        Ok(mirror)
    }

    pub fn experiment(&self) -> &str {
        &self.index.experiment
    }

    /// The id a run of this logdir has in any store: the same for the same folder every time.
    pub fn run_id(&self, name: &str) -> String {
        self.index.run_id(name)
    }

    /// Reads what is new in the logdir into `store`.
    pub fn sync(&mut self, store: &Store) -> Result<Synced, StoreError> {
        self.sync_with(store, |_, _, _| true)
    }

    /// `sync`, calling `progress(run's place, runs in the logdir, so far)` as it goes; it stops
    /// (to go on at the next sync) when `progress` says false.
    pub fn sync_with(
        &mut self,
        store: &Store,
        mut progress: impl FnMut(usize, usize, &Synced) -> bool,
    ) -> Result<Synced, StoreError> {
        let Mirror { logdir, index } = self;
        let mut synced = Synced::default();
        let mut runs = 0;
        logdir.poll_each(|update, place, total| {
            runs = total;
            synced.warnings.extend(update.warnings.iter().cloned());
            let positions_only = index.keep_positions && !update.read_to.is_empty();
            let mut flow = Flow::Kept;
            if !update.is_empty() || (positions_only && index.runs.contains_key(&update.name)) {
                // A store that fails (a full disk, a lost database) has the run read again at the
                // next sync; the other runs go on.
                let name = update.name.clone();
                match index.apply(store, update, &mut synced) {
                    Ok(()) => {}
                    // Refused for what it is (the run was deleted from an import's store, say):
                    // reading it again would be refused again.
                    Err(StoreError::Invalid(why)) => {
                        let warning = format!("run {name}: not kept: {why}");
                        if index.said.insert(warning.clone()) {
                            synced.warnings.push(warning);
                        }
                    }
                    Err(e) => {
                        let warning = format!("run {name}: not kept yet, read again at the next look: {e}");
                        if index.said.insert(warning.clone()) {
                            synced.warnings.push(warning);
                        }
                        flow = Flow::Failed;
                    }
                }
            }
            if flow == Flow::Kept && !progress(place, total, &synced) {
                return Flow::Stop;
            }
            flow
        })?;
        progress(runs, runs, &synced);
        Ok(synced)
    }
}

impl Index {
    fn run_id(&self, name: &str) -> String {
        let digest = Sha256::digest(format!("tensorboard\0{}\0{name}", self.root_key).as_bytes());
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Writes one update into the store. An error means the points were not stored, and the update
    /// is read again: nothing after the points' transaction may fail it.
    fn apply(&mut self, store: &Store, update: RunUpdate, synced: &mut Synced) -> Result<(), StoreError> {
        let run_id = self.run_id(&update.name);
        if !self.runs.contains_key(&update.name) {
            store.insert_run(&CreateRunExt {
                run_id: Some(run_id.clone()),
                experiment_name: Some(self.experiment.clone()),
                run_name: Some(update.name.clone()),
                user_id: Some("tensorboard".into()),
                start_time: update.first_time,
                tags: vec![KeyValue {
                    key: TAG_TENSORBOARD_RUN.into(),
                    value: update.name.clone(),
                }],
                ..CreateRunExt::default()
            })?;
            synced.new_runs += 1;
            self.runs.insert(update.name.clone(), RunState::default());
        }
        let mut warnings = Vec::new();
        let known = self.runs.get(&update.name).map(|s| &s.params);
        let mut params = Vec::new();
        for (key, value) in &update.hparams {
            match known.and_then(|k| k.get(key)) {
                Some(v) if v == value => {}
                Some(v) => warnings.push(format!(
                    "run {}: hparam {key} is {value} in a later file, kept as {v}",
                    update.name
                )),
                None if !usable_key(key) => {
                    warnings.push(format!("run {}: hparam '{key}' cannot be a param name", update.name))
                }
                None if value.len() > crate::api::limits::MAX_PARAM_VALUE_LEN => warnings.push(format!(
                    "run {}: hparam '{key}' is longer than a param may be; not kept",
                    update.name
                )),
                None => params.push(KeyValue {
                    key: key.clone(),
                    value: value.clone(),
                }),
            }
        }
        let points = update.points();
        let mut series = Vec::new();
        for (key, s) in update.scalars {
            if usable_key(&key) {
                series.push(SeriesChunk {
                    key,
                    values: s.values.into_iter().map(Num).collect(),
                    steps: Some(s.steps),
                    timestamps: s.times,
                });
            } else {
                warnings.push(format!(
                    "run {}: scalar tag '{key}' cannot be a metric name",
                    update.name
                ));
            }
        }
        // Files first: an update read again writes them again, the same.
        let (mut images, mut texts) = (0, 0);
        if !update.images.is_empty() || !update.texts.is_empty() {
            let run = store.get_run(&run_id)?;
            let files = update
                .images
                .iter()
                .map(|i| {
                    let name = format!(
                        "images/{}%step%{}%timestamp%{}%{}.png",
                        file_segment(&i.tag),
                        i.step,
                        i.time,
                        i.index
                    );
                    (name, &i.png[..], true)
                })
                .chain(update.texts.iter().map(|t| {
                    let name = format!("text/{}/step_{}.txt", file_segment(&t.tag), t.step);
                    (name, t.text.as_bytes(), false)
                }));
            for (name, bytes, image) in files {
                match Store::artifact_path_in_run(&run, &name).and_then(|p| store.put_artifact(&p, bytes)) {
                    Ok(()) if image => images += 1,
                    Ok(()) => texts += 1,
                    Err(StoreError::Invalid(why)) => {
                        warnings.push(format!("run {}: {name} not kept: {why}", update.name))
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        // Kept with the points in one transaction: an import stopped midway goes on from here.
        let tags = if self.keep_positions {
            update
                .read_to
                .iter()
                .map(|(file, offset)| KeyValue {
                    key: format!("{TAG_IMPORTED_TO}{}", short_hash(file)),
                    value: format!("{offset} {file}"),
                })
                .chain(update.plugins.iter().map(|(tag, plugin)| KeyValue {
                    key: format!("{TAG_PLUGIN}{}", short_hash(tag)),
                    value: format!("{plugin} {tag}"),
                }))
                .collect()
        } else {
            Vec::new()
        };
        store.ingest(&IngestBatch {
            run_id: run_id.clone(),
            batch_id: None,
            series,
            params: params.clone(),
            tags,
            ..IngestBatch::default()
        })?;
        synced.points += points;
        synced.images += images;
        synced.texts += texts;
        let state = self.runs.entry(update.name.clone()).or_default();
        state.params.extend(params.into_iter().map(|p| (p.key, p.value)));
        if let Some(last) = update.last_time
            && state.end.is_none_or(|end| last > end)
        {
            // The points are in: a failure here must not have them read again.
            let ended = store.apply_run_update(&UpdateRunExt {
                run_id,
                status: Some(RunStatus::Completed.db_name().into()),
                end_time: Some(last),
                ..UpdateRunExt::default()
            });
            match ended {
                Ok(()) => state.end = Some(last),
                Err(e) => warnings.push(format!("run {}: its end time not kept: {e}", update.name)),
            }
        }
        for w in warnings {
            if self.said.insert(w.clone()) {
                synced.warnings.push(w);
            }
        }
        Ok(())
    }
}

/// Whether the store takes `key` as a metric or param name.
fn usable_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= crate::api::limits::MAX_KEY_LEN && !key.contains('\0')
}

/// A tag as one segment of an artifact's path: `/` becomes `#` (as MLflow names its images),
/// what a path could misread is %-escaped, and a very long tag is cut and told apart by a hash.
fn file_segment(tag: &str) -> String {
    let mut out = String::with_capacity(tag.len());
    for (i, b) in tag.bytes().enumerate() {
        match b {
            b'/' => out.push('#'),
            b'#' => out.push_str("%23"),
            b'.' if i == 0 => out.push_str("%2E"),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'.' | b' ' | b'+' | b'=' | b',' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if out.len() > 150 {
        let cut = (0..=150).rev().find(|&i| out.is_char_boundary(i)).unwrap_or(0);
        out = format!("{}~{}", &out[..cut], short_hash(tag));
    }
    if out.is_empty() { "_".into() } else { out }
}

/// 16 hex characters of SHA-256: a short, stable name for a longer one.
fn short_hash(s: &str) -> String {
    Sha256::digest(s.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
#[path = "mirror_tests.rs"]
mod tests;
