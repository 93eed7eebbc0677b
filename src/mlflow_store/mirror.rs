//! An MLflow store followed into ours: its experiments (with their ids), runs (with their ids),
//! params, tags, every metric point and logged models, and its artifact folders served where they
//! are (or, for an import, copied). Only what changed is read again: a run whose row changed or
//! that is still running, and of its metrics only the points after those already kept.

use super::artifact_roots::{ArtifactRoots, collect_files, copy_in};
use super::source::{Source, SourceRun};
use crate::api::KeyValue;
use crate::api::ext::{CreateRunExt, IngestBatch, Num, SeriesChunk, UpdateRunExt};
use crate::api::limits::{MAX_KEY_LEN, MAX_PARAM_VALUE_LEN, MAX_TAG_VALUE_LEN};
use crate::store::{ArtifactPath, Store, StoreError};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// What one sync brought in.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Synced {
    pub new_runs: usize,
    pub points: usize,
    pub models: usize,
    /// Artifact files copied (an import) or artifact folders served in place.
    pub files: usize,
    /// What could not be kept, one line each, each said once.
    pub warnings: Vec<String>,
}

/// Whether the store followed into is a temporary index (artifacts served where they are) or a
/// store kept for good (artifacts copied in, experiments matched by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    InPlace,
    Import,
}

/// What the store has of a run.
struct RunState {
    row: SourceRun,
    /// Our experiment it is in (an import's run may have been moved since).
    experiment: String,
    /// Looks in a row that found nothing new: a run left RUNNING by a crash is looked at seldom.
    quiet: u32,
    /// Points kept per metric key: the source's points after these are new.
    handed: HashMap<String, u64>,
    params: HashSet<String>,
    tags: HashMap<String, String>,
}

/// An MLflow store and what of it is in ours.
pub struct Mirror {
    source: Box<dyn Source>,
    roots: ArtifactRoots,
    mode: Mode,
    /// By MLflow's experiment id.
    experiments: HashMap<String, KnownExperiment>,
    /// Syncs so far: a quiet live run is looked at on every `QUIET_EVERY`th.
    looks: u64,
    runs: HashMap<String, RunState>,
    /// Logged models kept, with the status and stage they were kept with.
    models: HashMap<String, (i64, String)>,
    said: HashSet<String>,
}

impl Mirror {
    pub fn new(source: Box<dyn Source>, roots: ArtifactRoots, mode: Mode) -> Mirror {
        Mirror {
            source,
            roots,
            mode,
            experiments: HashMap::new(),
            looks: 0,
            runs: HashMap::new(),
            models: HashMap::new(),
            said: HashSet::new(),
        }
    }

    /// Reads from `source` from now on (the same store, opened again), going on from what was read.
    pub fn replace_source(&mut self, source: Box<dyn Source>) {
        self.source = source;
    }

    /// Reads what is new in the source into `store`.
    pub fn sync(&mut self, store: &Store) -> Result<Synced, StoreError> {
        self.sync_with(store, |_, _| true)
    }

    /// `sync`, calling `progress(runs looked at, runs)` as it goes; it stops (to go on at the next
    /// sync) when `progress` says false.
    pub fn sync_with(
        &mut self,
        store: &Store,
        mut progress: impl FnMut(usize, usize) -> bool,
    ) -> Result<Synced, StoreError> {
        let mut synced = Synced::default();
        self.looks += 1;
        self.sync_experiments(store, &mut synced)?;
        // Stamps (what may change in a run that has ended) are taken at the first look and then
        // every `STAMP_EVERY`th: they cost a look at every run's data.
        let runs = self
            .source
            .runs(self.looks == 1 || self.looks.is_multiple_of(STAMP_EVERY))?;
        let total = runs.len();
        for (place, row) in runs.into_iter().enumerate() {
            if !progress(place, total) {
                return Ok(synced);
            }
            let skip = match self.runs.get(&row.id) {
                Some(s) if row.same_as(&s.row) && !row.is_live() => true,
                // Still running but nothing new for a while (perhaps crashed): looked at seldom.
                Some(s) if row.same_as(&s.row) => s.quiet >= QUIET_AFTER && !self.looks.is_multiple_of(QUIET_EVERY),
                _ => !self.experiments.contains_key(&row.experiment_id),
            };
            if skip {
                continue;
            }
            let name = if row.name.is_empty() {
                row.id.clone()
            } else {
                row.name.clone()
            };
            match self.sync_run(store, row, &mut synced) {
                Ok(()) => {}
                Err(StoreError::Invalid(why)) => self.say(&mut synced, format!("run {name}: not kept: {why}")),
                // Read again at the next look.
                Err(e) => self.say(&mut synced, format!("run {name}: not kept yet: {e}")),
            }
        }
        self.sync_models(store, &mut synced)?;
        self.settle_experiments(store, &mut synced);
        progress(total, total);
        Ok(synced)
    }

    fn say(&mut self, synced: &mut Synced, warning: String) {
        if self.said.insert(warning.clone()) {
            synced.warnings.push(warning);
        }
    }

    /// Writes a run's news into the store. An error leaves the run to be read again.
    fn sync_run(&mut self, store: &Store, row: SourceRun, synced: &mut Synced) -> Result<(), StoreError> {
        let Some(experiment) = self.experiments.get(&row.experiment_id).map(|e| e.ours.clone()) else {
            return Ok(());
        };
        let data = self.source.run_data(&row)?;
        let mut state = match self.runs.remove(&row.id) {
            Some(state) => state,
            None => {
                // Its tags go in with it: they name its parent, script and note.
                store.insert_run(&CreateRunExt {
                    run_id: Some(row.id.clone()),
                    experiment_id: Some(experiment),
                    run_name: Some(row.name.clone()).filter(|n| !n.is_empty()),
                    user_id: Some(row.user_id.clone()).filter(|u| !u.is_empty()),
                    start_time: row.start_time,
                    tags: data
                        .tags
                        .iter()
                        .filter(|t| usable(t, MAX_TAG_VALUE_LEN))
                        .cloned()
                        .collect(),
                    ..CreateRunExt::default()
                })?;
                // What the store holds of it: all of it for a run just made; for an import run
                // again, what it kept before, wherever the run is now.
                let ours = store.get_run(&row.id)?;
                synced.new_runs += usize::from(ours.metrics.is_empty() && ours.params.is_empty());
                RunState {
                    experiment: ours.experiment_id.clone(),
                    handed: ours
                        .metrics
                        .iter()
                        .map(|(k, m)| (k.clone(), m.count.max(0) as u64))
                        .collect(),
                    params: ours.params.keys().cloned().collect(),
                    tags: ours.tags.clone().into_iter().collect(),
                    quiet: 0,
                    row: SourceRun {
                        status: String::new(),
                        lifecycle_stage: ours.lifecycle_stage.clone(),
                        ..row.clone()
                    },
                }
            }
        };
        let first = state.row.status.is_empty();
        let mut warnings = Vec::new();
        // Restored first, so that its news can go in; deleted after they are in.
        if row.lifecycle_stage != "deleted" && state.row.lifecycle_stage == "deleted" {
            store.restore_run(&row.id)?;
            state.row.lifecycle_stage = row.lifecycle_stage.clone();
        }
        let params: Vec<KeyValue> = data
            .params
            .into_iter()
            .filter(|p| !state.params.contains(&p.key))
            .filter(|p| kept(p, MAX_PARAM_VALUE_LEN, "param", &mut warnings))
            .collect();
        let tags: Vec<KeyValue> = data
            .tags
            .into_iter()
            .filter(|t| state.tags.get(&t.key) != Some(&t.value))
            .filter(|t| kept(t, MAX_TAG_VALUE_LEN, "tag", &mut warnings))
            .collect();
        let news = !params.is_empty() || !tags.is_empty();
        if news {
            // Params and tags are set, not added: sent again they change nothing, so no batch id.
            store.ingest(&IngestBatch {
                run_id: row.id.clone(),
                params: params.clone(),
                tags: tags.clone(),
                ..IngestBatch::default()
            })?;
            state.params.extend(params.into_iter().map(|p| p.key));
            state.tags.extend(tags.into_iter().map(|t| (t.key, t.value)));
        }
        let points = self.sync_points(store, &row, &mut state, &mut warnings)?;
        synced.points += points;
        state.quiet = if news || points > 0 {
            0
        } else {
            state.quiet.saturating_add(1)
        };
        if first || state.row.status != row.status || state.row.end_time != row.end_time || state.row.name != row.name {
            let updated = store.apply_run_update(&UpdateRunExt {
                run_id: row.id.clone(),
                status: Some(row.status.clone()),
                end_time: row.end_time,
                name: Some(row.name.clone()).filter(|n| !n.is_empty()),
                ..UpdateRunExt::default()
            });
            if let Err(e) = updated {
                warnings.push(format!("its status not kept: {e}"));
            }
        }
        if row.lifecycle_stage == "deleted"
            && state.row.lifecycle_stage != "deleted"
            && let Err(e) = store.delete_run(&row.id)
        {
            warnings.push(format!("not moved to the trash: {e}"));
        }
        if first || row.is_live() || state.row.artifact_uri != row.artifact_uri {
            let prefix = vec![state.experiment.clone(), row.id.clone(), "artifacts".to_string()];
            match self.roots.folder(&row.artifact_uri) {
                Ok(folder) => synced.files += self.artifacts(store, prefix, &folder, &mut warnings),
                Err(why) if first => warnings.push(why),
                Err(_) => {}
            }
        }
        let name = if row.name.is_empty() {
            row.id.clone()
        } else {
            row.name.clone()
        };
        for w in warnings {
            self.say(synced, format!("run {name}: {w}"));
        }
        // A stamp not taken this time keeps the last one taken.
        let stamp = if row.stamp.is_empty() {
            std::mem::take(&mut state.row.stamp)
        } else {
            row.stamp.clone()
        };
        state.row = SourceRun { stamp, ..row };
        self.runs.insert(state.row.id.clone(), state);
        Ok(())
    }

    /// Reads the points of `row` after those the store holds, into the store a batch of at most
    /// `BATCH_POINTS` at a time (memory stays flat for a long run); how many went in.
    fn sync_points(
        &mut self,
        store: &Store,
        row: &SourceRun,
        state: &mut RunState,
        warnings: &mut Vec<String>,
    ) -> Result<usize, StoreError> {
        let mut series = Vec::new();
        let mut positions = Vec::new();
        let mut pending = 0;
        let mut points = 0;
        let counts = self.source.metric_counts(row)?;
        let last = counts.len();
        for (i, (key, count)) in counts.into_iter().enumerate() {
            let have = state.handed.get(&key).copied().unwrap_or(0);
            if count > have && (key.is_empty() || key.len() > MAX_KEY_LEN) {
                warnings.push(format!("metric '{key}' cannot be a metric name here; not kept"));
            } else if count > have {
                let read = self.source.metric_points(row, &key, have)?;
                pending += read.len();
                positions.push((key.clone(), have, have + read.len() as u64));
                series.push(SeriesChunk {
                    key,
                    values: read.iter().map(|p| Num(p.value)).collect(),
                    steps: Some(read.iter().map(|p| p.step).collect()),
                    timestamps: read.iter().map(|p| p.timestamp).collect(),
                });
            }
            if pending > 0 && (pending >= BATCH_POINTS || i + 1 == last) {
                // The batch's id is what it holds: sent again (two imports at once, a retry),
                // it is applied once.
                store.ingest(&IngestBatch {
                    run_id: row.id.clone(),
                    batch_id: Some(batch_id(&row.id, &positions)),
                    series: std::mem::take(&mut series),
                    ..IngestBatch::default()
                })?;
                for (key, _, to) in positions.drain(..) {
                    state.handed.insert(key, to);
                }
                points += pending;
                pending = 0;
            }
        }
        Ok(points)
    }

    /// Serves `folder` as the artifacts under `prefix` (in place), or copies in what of it the
    /// store does not hold yet (an import); how many folders or files that was.
    fn artifacts(&self, store: &Store, prefix: Vec<String>, folder: &Path, warnings: &mut Vec<String>) -> usize {
        // Only a folder laid out as MLflow lays a run's or model's out (`.../<run id>/artifacts`,
        // `.../models/<model id>/artifacts`) is read: a row naming any other folder (`/`, a home)
        // must not have it served or copied.
        if !folder.ends_with(prefix[1..].iter().collect::<PathBuf>()) {
            warnings.push(format!(
                "its artifact location {} does not end in {}, as MLflow lays them out; not read",
                folder.display(),
                prefix[1..].join("/")
            ));
            return 0;
        }
        if self.mode == Mode::InPlace {
            if !folder.is_dir() {
                return 0;
            }
            store.set_external_artifacts(prefix, folder);
            return 1;
        }
        let mut files = Vec::new();
        collect_files(folder, "", &mut files);
        let mut copied = 0;
        for (rel, source) in files {
            let place = ArtifactPath {
                base: prefix.clone(),
                rel: rel.split('/').map(str::to_string).collect(),
            };
            match copy_in(store, &place, &source) {
                Ok(true) => copied += 1,
                Ok(false) => {}
                Err(e) => warnings.push(format!("artifact {rel} not copied: {e}")),
            }
        }
        copied
    }
}

/// Whether the store takes this key and value; else why not, in `warnings`.
fn kept(kv: &KeyValue, max_value: usize, what: &str, warnings: &mut Vec<String>) -> bool {
    let ok = usable(kv, max_value);
    if !ok {
        warnings.push(format!("{what} '{}' is longer than this store takes; not kept", kv.key));
    }
    ok
}

fn usable(kv: &KeyValue, max_value: usize) -> bool {
    !kv.key.is_empty() && kv.key.len() <= MAX_KEY_LEN && kv.value.len() <= max_value
}

/// Points are sent at most this many to a batch.
const BATCH_POINTS: usize = 1_000_000;

/// The same points make the same batch id.
fn batch_id(run: &str, positions: &[(String, u64, u64)]) -> String {
    let mut h = Sha256::new();
    h.update(run.as_bytes());
    for (key, from, to) in positions {
        h.update(format!("\0{key}\0{from}\0{to}").as_bytes());
    }
    let digest = h.finalize();
    format!(
        "mlflow-{}",
        digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// Experiments: kept with their ids (in place) or matched by name (an import), renamed, deleted
/// and restored as they are there.
#[path = "mirror_experiments.rs"]
mod experiments;
use experiments::KnownExperiment;

/// A live run that found nothing new this many looks in a row is looked at only every
/// `QUIET_EVERY`th look (every 30 s at the 2 s interval).
const QUIET_AFTER: u32 = 5;
const QUIET_EVERY: u64 = 15;
/// A run that has ended is looked at again when its stamp changed, stamps taken every this
/// many looks (every 10 s at the 2 s interval).
const STAMP_EVERY: u64 = 5;

/// Logged models: kept with their ids, their files served or copied as a run's are.
#[path = "mirror_models.rs"]
mod models;

#[cfg(test)]
#[path = "mirror_tests.rs"]
mod tests;
