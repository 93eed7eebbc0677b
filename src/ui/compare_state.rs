//! The runs being compared: their records, artifact lists, overlaid series and shared images.

use super::command::{ChartView, FeedId};
use super::feed::SeriesFeed;
use super::fetch::{Fetch, Spawner};
use super::model::compare::{shared_images, shared_series};
use super::model::compare_page::{
    CompareInputs, CompareModel, ProjectChanges, SnapshotOf, compare_model_with, project_files,
};
use super::model::series::{SeriesOptions, XMode};
use super::preview::{self, Preview};
use crate::api::curves::AtStep;
use crate::api::ext::RunDetail;
use crate::api::snapshot::Snapshot;
use crate::client::HistoryClient;
use crate::project::diff::{FileDiff, unified_diff};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The text diff of one file between the first run's snapshot and another's.
pub struct FileDiffView {
    pub path: String,
    pub other: usize,
    pub text: Fetch<String>,
}

pub struct CompareState {
    pub run_ids: Vec<String>,
    pub runs: Vec<Fetch<RunDetail>>,
    pub artifacts: Vec<Fetch<Vec<(String, u64)>>>,
    /// Feeds by (series key, run index).
    pub series: BTreeMap<(String, usize), SeriesFeed>,
    /// Previews by (image path, run index).
    pub images: BTreeMap<(String, usize), Fetch<Preview>>,
    pub only_differences: bool,
    /// The project snapshot each run started from (runs logged without one have none).
    pub snapshots: Vec<Fetch<Snapshot>>,
    pub file_diff: Option<FileDiffView>,
    /// The step every metric is shown at (None: not asked), and the values read for it (the
    /// previous step's kept while the next is read).
    pub at_step: Option<i64>,
    pub values_at: Fetch<AtStep>,
    model: Option<(CompareInputs, Arc<CompareModel>)>,
    /// The project differences by the snapshots' generations: diffed again only when one changes.
    project: Option<(Vec<u64>, Option<ProjectChanges>)>,
}

impl CompareState {
    pub fn open(run_ids: &[String], spawner: &Spawner, client: &HistoryClient) -> CompareState {
        let mut s = CompareState {
            run_ids: run_ids.to_vec(),
            runs: run_ids.iter().map(|_| Fetch::default()).collect(),
            artifacts: run_ids.iter().map(|_| Fetch::default()).collect(),
            series: BTreeMap::new(),
            images: BTreeMap::new(),
            only_differences: false,
            snapshots: run_ids.iter().map(|_| Fetch::default()).collect(),
            file_diff: None,
            at_step: None,
            values_at: Fetch::default(),
            model: None,
            project: None,
        };
        for (i, id) in run_ids.iter().enumerate() {
            let (c, id) = (client.clone(), id.clone());
            s.runs[i].request(spawner, async move { c.get_run(&id).await });
            let (c, id) = (client.clone(), run_ids[i].clone());
            s.snapshots[i].request(spawner, async move { c.run_snapshot(&id).await });
        }
        s
    }

    /// Fetches both sides of a changed file and diffs them.
    pub fn show_file_diff(&mut self, change: &FileDiff, other: usize, spawner: &Spawner, client: &HistoryClient) {
        let mut text = Fetch::default();
        let (c, d) = (client.clone(), change.clone());
        text.request(spawner, async move {
            let read = |f: Option<crate::api::snapshot::SnapshotFile>| {
                let c = c.clone();
                async move {
                    match f {
                        Some(f) => c.get_blob(&f.hash).await,
                        None => Ok(Vec::new()),
                    }
                }
            };
            let (old, new) = (read(d.old.clone()).await?, read(d.new.clone()).await?);
            Ok::<_, crate::client::ClientError>(
                unified_diff(&d.path, &old, &new).unwrap_or_else(|| "Binary files differ.".to_string()),
            )
        });
        self.file_diff = Some(FileDiffView {
            path: change.path.clone(),
            other,
            text,
        });
    }

    /// Shows every metric at `step` (None: stops), reading the runs' values there.
    pub fn show_at_step(&mut self, step: Option<i64>, spawner: &Spawner, client: &HistoryClient) {
        self.at_step = step;
        if let Some(step) = step {
            let (c, ids) = (client.clone(), self.run_ids.clone());
            self.values_at
                .request(spawner, async move { c.values_at_step(&ids, step).await });
        }
    }

    /// The runs that have arrived, in order.
    pub fn loaded(&self) -> Vec<&RunDetail> {
        self.runs.iter().filter_map(|f| f.value()).collect()
    }

    /// The model of what the view shows (None until every run has arrived).
    pub fn model(&self) -> Option<Arc<CompareModel>> {
        self.model.as_ref().map(|(_, m)| m.clone())
    }

    pub fn is_loading(&self) -> bool {
        self.runs.iter().any(Fetch::is_loading)
            || self.artifacts.iter().any(Fetch::is_loading)
            || self.series.values().any(SeriesFeed::is_loading)
            || self.values_at.is_loading()
    }

    /// Reads a series for the view its chart reported.
    pub fn view_series(&mut self, id: &FeedId, x: XMode, view: ChartView, spawner: &Spawner, client: &HistoryClient) {
        if let FeedId::Compare { key, run } = id
            && let Some(feed) = self.series.get_mut(&(key.clone(), *run))
        {
            feed.read(spawner, client, x, view);
        }
    }

    fn rebuild_model(&mut self, now_ms: i64) {
        let runs = self.loaded();
        if runs.len() < self.runs.len() {
            return;
        }
        let live = runs.iter().any(|r| !r.status.is_terminal());
        let inputs = CompareInputs {
            runs: self.runs.iter().map(Fetch::generation).collect(),
            artifacts: self.artifacts.iter().map(Fetch::generation).collect(),
            snapshots: self.snapshots.iter().map(Fetch::generation).collect(),
            live_second: if live { now_ms / 1000 } else { 0 },
        };
        if self.model.as_ref().is_some_and(|(i, _)| *i == inputs) {
            return;
        }
        let files: Vec<Vec<String>> = self
            .artifacts
            .iter()
            .map(|a| {
                a.value()
                    .map(|v| v.iter().map(|(p, _)| p.clone()).collect())
                    .unwrap_or_default()
            })
            .collect();
        if self.project.as_ref().is_none_or(|(g, _)| *g != inputs.snapshots) {
            let snaps: Vec<SnapshotOf<'_>> = self
                .snapshots
                .iter()
                .map(|f| match (f.value(), f.error()) {
                    (Some(s), _) => SnapshotOf::Loaded(s),
                    (None, Some(_)) => SnapshotOf::Missing,
                    (None, None) => SnapshotOf::Loading,
                })
                .collect();
            self.project = Some((inputs.snapshots.clone(), project_files(&snaps)));
        }
        let project = self.project.as_ref().and_then(|(_, p)| p.clone());
        let model = compare_model_with(&self.loaded(), &files, project, now_ms);
        self.model = Some((inputs, Arc::new(model)));
    }

    pub fn poll(&mut self, spawner: &Spawner, client: &HistoryClient, opts: &SeriesOptions, now_ms: i64) {
        for i in 0..self.runs.len() {
            if self.runs[i].poll()
                && let Some(run) = self.runs[i].value().cloned()
            {
                let c = client.clone();
                let r = run.clone();
                self.artifacts[i].request(spawner, async move { c.run_artifacts(&r).await });
                let start = run.start_time.unwrap_or(run.created_time);
                for key in shared_series(&[&run]) {
                    self.series
                        .entry((key.clone(), i))
                        .or_insert_with(|| SeriesFeed::new(&run.run_id, &key, start));
                }
            }
            if self.artifacts[i].poll() {
                self.request_images(spawner, client);
            }
        }
        for f in self.images.values_mut() {
            f.poll();
        }
        for feed in self.series.values_mut() {
            feed.poll(opts);
        }
        for f in &mut self.snapshots {
            f.poll();
        }
        if let Some(d) = &mut self.file_diff {
            d.text.poll();
        }
        self.values_at.poll();
        self.rebuild_model(now_ms);
    }

    /// Reads run `run`'s image at `path` (one logged at a step), unless it was read already.
    pub fn load_image(&mut self, path: &str, run: usize, spawner: &Spawner, client: &HistoryClient) {
        let size = self
            .artifacts
            .get(run)
            .and_then(Fetch::value)
            .and_then(|a| a.iter().find(|(p, _)| p == path).map(|(_, s)| *s));
        let (Some(size), Some(detail)) = (size, self.runs.get(run).and_then(Fetch::value).cloned()) else {
            return;
        };
        self.images.entry((path.to_string(), run)).or_insert_with(|| {
            let mut f = Fetch::default();
            f.request(spawner, preview::load(client.clone(), detail, path.to_string(), size));
            f
        });
    }

    /// The image paths at least two runs share.
    pub fn image_paths(&self) -> Vec<String> {
        let lists: Vec<Vec<String>> = self
            .artifacts
            .iter()
            .map(|a| {
                a.value()
                    .map(|v| v.iter().map(|(p, _)| p.clone()).collect())
                    .unwrap_or_default()
            })
            .collect();
        shared_images(&lists)
    }

    fn request_images(&mut self, spawner: &Spawner, client: &HistoryClient) {
        for path in self.image_paths() {
            for i in 0..self.runs.len() {
                let size = self.artifacts[i]
                    .value()
                    .and_then(|a| a.iter().find(|(p, _)| *p == path).map(|(_, s)| *s));
                let (Some(size), Some(run)) = (size, self.runs[i].value().cloned()) else {
                    continue;
                };
                self.images.entry((path.clone(), i)).or_insert_with(|| {
                    let mut f = Fetch::default();
                    f.request(spawner, preview::load(client.clone(), run, path.clone(), size));
                    f
                });
            }
        }
    }
}
