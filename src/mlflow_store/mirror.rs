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
use std::path::Path;

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
    /// MLflow's experiment id -> ours, and whether it is deleted there.
    experiments: HashMap<String, (String, bool)>,
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
            runs: HashMap::new(),
            models: HashMap::new(),
            said: HashSet::new(),
        }
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
        self.sync_experiments(store, &mut synced)?;
        let runs = self.source.runs()?;
        let total = runs.len();
        for (place, row) in runs.into_iter().enumerate() {
            if !progress(place, total) {
                return Ok(synced);
            }
            let unchanged = self.runs.get(&row.id).is_some_and(|s| s.row == row && !row.is_live());
            if unchanged || !self.experiments.contains_key(&row.experiment_id) {
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
        // Deleted last, once their runs are in (a deleted experiment takes no new run).
        for (source_id, (ours, deleted)) in &mut self.experiments {
            if *deleted
                && store.get_experiment(ours).is_ok_and(|e| e.lifecycle_stage == "active")
                && let Err(e) = store.delete_experiment(ours)
            {
                synced
                    .warnings
                    .push(format!("experiment {source_id}: not marked deleted: {e}"));
            }
            *deleted = false;
        }
        progress(total, total);
        Ok(synced)
    }

    fn say(&mut self, synced: &mut Synced, warning: String) {
        if self.said.insert(warning.clone()) {
            synced.warnings.push(warning);
        }
    }

    fn sync_experiments(&mut self, store: &Store, synced: &mut Synced) -> Result<(), StoreError> {
        for e in self.source.experiments()? {
            if self.experiments.contains_key(&e.id) {
                continue;
            }
            let made = match self.mode {
                // MLflow's default experiment is ours; the others keep their ids.
                Mode::InPlace if e.id == "0" => store.rename_experiment("0", &e.name).map(|()| "0".to_string()),
                Mode::InPlace => store
                    .create_experiment_with_id(&e.id, &e.name, &[])
                    .map(|()| e.id.clone()),
                Mode::Import => store.ensure_experiment(&e.name),
            };
            let ours = match made {
                Ok(ours) => ours,
                Err(StoreError::Invalid(why) | StoreError::AlreadyExists(why)) => {
                    self.say(synced, format!("experiment {} ({}): not kept: {why}", e.name, e.id));
                    continue;
                }
                Err(err) => return Err(err),
            };
            for tag in e.tags.iter().filter(|t| usable(t, MAX_TAG_VALUE_LEN)) {
                if let Err(err) = store.set_experiment_tag(&ours, tag) {
                    self.say(
                        synced,
                        format!("experiment {}: tag {} not kept: {err}", e.name, tag.key),
                    );
                }
            }
            self.experiments.insert(e.id, (ours, e.lifecycle_stage == "deleted"));
        }
        Ok(())
    }

    /// Writes a run's news into the store. An error leaves the run to be read again.
    fn sync_run(&mut self, store: &Store, row: SourceRun, synced: &mut Synced) -> Result<(), StoreError> {
        let experiment = self.experiments[&row.experiment_id].0.clone();
        let data = self.source.run_data(&row)?;
        let mut state = match self.runs.remove(&row.id) {
            Some(state) => state,
            None => {
                // Its tags go in with it: they name its parent, script and note.
                store.insert_run(&CreateRunExt {
                    run_id: Some(row.id.clone()),
                    experiment_id: Some(experiment.clone()),
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
                // An import run again finds what it kept before.
                let ours = store.get_run(&row.id)?;
                synced.new_runs += usize::from(ours.metrics.is_empty() && ours.params.is_empty());
                RunState {
                    handed: ours
                        .metrics
                        .iter()
                        .map(|(k, m)| (k.clone(), m.count.max(0) as u64))
                        .collect(),
                    params: ours.params.keys().cloned().collect(),
                    tags: ours.tags.clone().into_iter().collect(),
                    row: SourceRun {
                        status: String::new(),
                        ..row.clone()
                    },
                }
            }
        };
        let first = state.row.status.is_empty();
        let mut warnings = Vec::new();
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
        let mut series = Vec::new();
        let mut positions = Vec::new();
        for (key, count) in self.source.metric_counts(&row)? {
            let have = state.handed.get(&key).copied().unwrap_or(0);
            if count <= have {
                continue;
            }
            if key.is_empty() || key.len() > MAX_KEY_LEN {
                warnings.push(format!("metric '{key}' cannot be a metric name here; not kept"));
                continue;
            }
            let points = self.source.metric_points(&row, &key, have)?;
            positions.push((key.clone(), have, have + points.len() as u64));
            series.push(SeriesChunk {
                key,
                values: points.iter().map(|p| Num(p.value)).collect(),
                steps: Some(points.iter().map(|p| p.step).collect()),
                timestamps: points.iter().map(|p| p.timestamp).collect(),
            });
        }
        let points: usize = series.iter().map(|s| s.values.len()).sum();
        if !params.is_empty() || !tags.is_empty() || !series.is_empty() {
            store.ingest(&IngestBatch {
                run_id: row.id.clone(),
                batch_id: Some(batch_id(&row.id, &positions, &params, &tags)),
                series,
                params: params.clone(),
                tags: tags.clone(),
                ..IngestBatch::default()
            })?;
        }
        // The points are in: nothing below may have them read again.
        synced.points += points;
        for (key, _, to) in positions {
            state.handed.insert(key, to);
        }
        state.params.extend(params.into_iter().map(|p| p.key));
        state.tags.extend(tags.into_iter().map(|t| (t.key, t.value)));
        let name = if row.name.is_empty() {
            row.id.clone()
        } else {
            row.name.clone()
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
        if first || state.row.lifecycle_stage != row.lifecycle_stage {
            let staged = match row.lifecycle_stage.as_str() {
                "deleted" => store.delete_run(&row.id),
                _ if !first => store.restore_run(&row.id),
                _ => Ok(()),
            };
            if let Err(e) = staged {
                warnings.push(format!("not marked {}: {e}", row.lifecycle_stage));
            }
        }
        if first || row.is_live() || state.row.artifact_uri != row.artifact_uri {
            let prefix = vec![experiment, row.id.clone(), "artifacts".to_string()];
            match self.roots.folder(&row.artifact_uri) {
                Ok(folder) => synced.files += self.artifacts(store, prefix, &folder, &mut warnings),
                Err(why) if first => warnings.push(why),
                Err(_) => {}
            }
        }
        for w in warnings {
            self.say(synced, format!("run {name}: {w}"));
        }
        state.row = row;
        self.runs.insert(state.row.id.clone(), state);
        Ok(())
    }

    /// Serves `folder` as the artifacts under `prefix` (in place), or copies in what of it the
    /// store does not hold yet (an import); how many folders or files that was.
    fn artifacts(&self, store: &Store, prefix: Vec<String>, folder: &Path, warnings: &mut Vec<String>) -> usize {
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

/// The same news make the same batch id: a batch sent again (an import run twice at once, or
/// after a failure past the points) is applied once.
fn batch_id(run: &str, positions: &[(String, u64, u64)], params: &[KeyValue], tags: &[KeyValue]) -> String {
    let mut h = Sha256::new();
    h.update(run.as_bytes());
    for (key, from, to) in positions {
        h.update(format!("\0m{key}\0{from}\0{to}").as_bytes());
    }
    for kv in params.iter().chain(tags) {
        h.update(format!("\0k{}\0{}", kv.key, kv.value).as_bytes());
    }
    let digest = h.finalize();
    format!(
        "mlflow-{}",
        digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// Logged models: kept with their ids, their files served or copied as a run's are.
#[path = "mirror_models.rs"]
mod models;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_news_make_the_same_batch_id() {
        let p = [("loss".to_string(), 0, 10)];
        let a = batch_id("r", &p, &[], &[]);
        assert_eq!(a, batch_id("r", &p, &[], &[]));
        assert_ne!(a, batch_id("r", &[("loss".to_string(), 10, 20)], &[], &[]));
        assert_ne!(a, batch_id("s", &p, &[], &[]));
    }
}
