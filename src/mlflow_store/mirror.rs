//! An MLflow store followed into ours: its experiments (with their ids), runs (with their ids),
//! params, tags, every metric point and logged models, and its artifact folders served where they
//! are (or, for an import, copied). Only what changed is read again: a run whose row changed or
//! that is still running, and of its metrics only the points after those already kept.

use super::source::{Source, SourceModel, SourceRun};
use crate::api::KeyValue;
use crate::api::ext::{CreateRunExt, IngestBatch, Num, SeriesChunk, UpdateRunExt};
use crate::api::limits::{MAX_KEY_LEN, MAX_PARAM_VALUE_LEN, MAX_TAG_VALUE_LEN};
use crate::api::models::{CreateLoggedModel, LoggedModelStatus};
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

/// Where artifact URIs that are not absolute resolve: relative paths against the store's
/// folder, and `mlflow-artifacts:` (an MLflow server's proxy) against its `mlartifacts` folder.
#[derive(Debug, Clone)]
pub struct ArtifactRoots {
    pub relative_to: PathBuf,
    pub proxied: PathBuf,
}

impl ArtifactRoots {
    /// The local folder an artifact URI names, or why it is not read.
    pub fn folder(&self, uri: &str) -> Result<PathBuf, String> {
        if let Some(rest) = uri.strip_prefix("file://") {
            let path = rest.strip_prefix("localhost").unwrap_or(rest);
            return Ok(PathBuf::from(percent_decode(path)));
        }
        if let Some(rest) = uri.strip_prefix("mlflow-artifacts:") {
            // `mlflow-artifacts://host:port/path` or `mlflow-artifacts:/path`.
            let path = match rest.strip_prefix("//") {
                Some(authority_and_path) => authority_and_path.split_once('/').map_or("", |(_, p)| p),
                None => rest,
            };
            return Ok(self.proxied.join(path.trim_start_matches('/')));
        }
        let scheme = uri
            .split_once(':')
            .map(|(s, _)| s)
            .filter(|s| s.len() > 1 && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)));
        if scheme.is_some() {
            return Err(format!(
                "its artifacts are at {uri}, which is not read (only files on this machine are)"
            ));
        }
        if uri.is_empty() {
            return Err("it names no artifact location".into());
        }
        Ok(self.relative_to.join(uri))
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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

    fn sync_models(&mut self, store: &Store, synced: &mut Synced) -> Result<(), StoreError> {
        for m in self.source.models()? {
            if self.models.get(&m.id) == Some(&(m.status, m.lifecycle_stage.clone())) {
                continue;
            }
            let Some((experiment, _)) = self.experiments.get(&m.experiment_id).cloned() else {
                continue;
            };
            match self.sync_model(store, &m, &experiment, synced) {
                Ok(()) => {
                    self.models.insert(m.id.clone(), (m.status, m.lifecycle_stage.clone()));
                }
                Err(StoreError::Invalid(why)) => {
                    self.say(synced, format!("logged model {}: not kept: {why}", m.name));
                    self.models.insert(m.id.clone(), (m.status, m.lifecycle_stage.clone()));
                }
                Err(e) => self.say(synced, format!("logged model {}: not kept yet: {e}", m.name)),
            }
        }
        Ok(())
    }

    fn sync_model(
        &self,
        store: &Store,
        m: &SourceModel,
        experiment: &str,
        synced: &mut Synced,
    ) -> Result<(), StoreError> {
        let known = self.models.contains_key(&m.id);
        if !known && matches!(store.get_logged_model(&m.id), Err(StoreError::NotFound(_))) {
            store.create_logged_model_as(
                &CreateLoggedModel {
                    experiment_id: Some(experiment.to_string()),
                    name: Some(m.name.clone()),
                    model_type: m.model_type.clone(),
                    source_run_id: m.source_run_id.clone().filter(|r| store.run_exists(r).unwrap_or(false)),
                    params: m
                        .params
                        .iter()
                        .filter(|p| usable(p, MAX_PARAM_VALUE_LEN))
                        .cloned()
                        .collect(),
                    tags: m
                        .tags
                        .iter()
                        .filter(|t| usable(t, MAX_TAG_VALUE_LEN))
                        .cloned()
                        .collect(),
                },
                &m.id,
            )?;
            synced.models += 1;
        }
        let status = match m.status {
            2 => Some(LoggedModelStatus::Ready),
            3 => Some(LoggedModelStatus::Failed),
            _ => None,
        };
        if let Some(status) = status {
            store.finalize_logged_model(&m.id, status)?;
        }
        let mut warnings = Vec::new();
        let prefix = vec![
            experiment.to_string(),
            "models".into(),
            m.id.clone(),
            "artifacts".into(),
        ];
        match self.roots.folder(&m.artifact_location) {
            Ok(folder) => synced.files += self.artifacts(store, prefix, &folder, &mut warnings),
            Err(why) => warnings.push(why),
        }
        if m.lifecycle_stage == "deleted" {
            store.delete_logged_model(&m.id)?;
        }
        for w in warnings {
            if !self.said.contains(&w) {
                synced.warnings.push(format!("logged model {}: {w}", m.name));
            }
        }
        Ok(())
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

/// Every regular file below `dir` as (relative path, file); links are not followed.
fn collect_files(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        match e.file_type() {
            Ok(t) if t.is_dir() => collect_files(&e.path(), &rel, out),
            Ok(t) if t.is_file() => out.push((rel, e.path())),
            _ => {}
        }
    }
}

/// Copies `source` to `place` unless a file of its size is there; whether it copied.
fn copy_in(store: &Store, place: &ArtifactPath, source: &Path) -> Result<bool, StoreError> {
    let size = std::fs::metadata(source)?.len();
    if size > crate::api::limits::MAX_ARTIFACT_BYTES {
        return Err(StoreError::TooLarge(format!("{size} bytes, over the 512 MB limit")));
    }
    if std::fs::metadata(store.artifact_file(place)?).is_ok_and(|m| m.len() == size) {
        return Ok(false);
    }
    let (temp, dest) = store.temp_file_for(place)?;
    std::fs::copy(source, &temp).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })?;
    std::fs::rename(&temp, &dest)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris_resolve_to_local_folders_or_say_why_not() {
        let roots = ArtifactRoots {
            relative_to: PathBuf::from("/data"),
            proxied: PathBuf::from("/data/mlartifacts"),
        };
        assert_eq!(
            roots.folder("/abs/1/r/artifacts"),
            Ok(PathBuf::from("/abs/1/r/artifacts"))
        );
        assert_eq!(
            roots.folder("file:///abs/my%20runs/a"),
            Ok(PathBuf::from("/abs/my runs/a"))
        );
        assert_eq!(
            roots.folder("./mlruns/1/r/artifacts"),
            Ok(PathBuf::from("/data/./mlruns/1/r/artifacts"))
        );
        assert_eq!(
            roots.folder("mlflow-artifacts:/1/r/artifacts"),
            Ok(PathBuf::from("/data/mlartifacts/1/r/artifacts"))
        );
        assert_eq!(
            roots.folder("mlflow-artifacts://host:5000/1/r/artifacts"),
            Ok(PathBuf::from("/data/mlartifacts/1/r/artifacts"))
        );
        assert!(
            roots
                .folder("s3://bucket/1/r/artifacts")
                .unwrap_err()
                .contains("s3://bucket")
        );
        assert!(roots.folder("").is_err());
    }

    #[test]
    fn the_same_news_make_the_same_batch_id() {
        let p = [("loss".to_string(), 0, 10)];
        let a = batch_id("r", &p, &[], &[]);
        assert_eq!(a, batch_id("r", &p, &[], &[]));
        assert_ne!(a, batch_id("r", &[("loss".to_string(), 10, 20)], &[], &[]));
        assert_ne!(a, batch_id("s", &p, &[], &[]));
    }
}
