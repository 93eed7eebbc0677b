//! The open run: its record, artifacts, series feeds, the artifact being previewed and downloads.

use super::command::{ChartView, FeedId};
use super::feed::SeriesFeed;
use super::fetch::{Fetch, Spawner};
use super::folder_pick::FolderPick;
use super::model::details::series_keys;
use super::model::registry::registered_labels;
use super::model::run_page::{DetailsInputs, DetailsModel, details_model};
use super::model::series::SeriesOptions;
use super::preview::{self, Preview};
use crate::api::ext::RunDetail;
use crate::api::registry::ModelVersion;
use crate::client::{HistoryClient, Progress};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A download in progress or finished.
pub struct Download {
    pub dest: PathBuf,
    pub progress: Arc<Mutex<Progress>>,
    pub result: Fetch<Vec<PathBuf>>,
}

/// Images over steps kept decoded per run page.
const KEPT_STEP_IMAGES: usize = 48;

pub struct DetailsState {
    pub run_id: String,
    pub run: Fetch<RunDetail>,
    pub artifacts: Fetch<Vec<(String, u64)>>,
    pub series: BTreeMap<String, SeriesFeed>,
    pub preview_path: Option<String>,
    pub preview: Fetch<Preview>,
    /// Images over steps read so far, by path (the last few kept: a slider walks through many).
    pub step_images: BTreeMap<String, Fetch<Preview>>,
    step_image_order: std::collections::VecDeque<String>,
    pub download: Option<Download>,
    pub folder_pick: FolderPick,
    /// The registered model versions made from this run.
    pub registered: Fetch<Vec<ModelVersion>>,
    /// When the run was last asked for (a running run is asked again every couple of seconds).
    pub refreshed: Option<std::time::Instant>,
    /// Point counts of the series as last seen: a changed count means new points to read.
    counts: BTreeMap<String, i64>,
    model: Option<(DetailsInputs, Arc<DetailsModel>)>,
}

impl DetailsState {
    pub fn open(run_id: &str, spawner: &Spawner, client: &HistoryClient) -> DetailsState {
        let mut d = DetailsState {
            run_id: run_id.into(),
            run: Fetch::default(),
            artifacts: Fetch::default(),
            series: BTreeMap::new(),
            preview_path: None,
            preview: Fetch::default(),
            step_images: BTreeMap::new(),
            step_image_order: std::collections::VecDeque::new(),
            download: None,
            folder_pick: FolderPick::default(),
            registered: Fetch::default(),
            refreshed: None,
            counts: BTreeMap::new(),
            model: None,
        };
        d.refresh(spawner, client);
        let (c, id) = (client.clone(), run_id.to_string());
        d.registered
            .request(spawner, async move { c.versions_of_run(&id).await });
        d
    }

    pub fn refresh(&mut self, spawner: &Spawner, client: &HistoryClient) {
        self.refreshed = Some(std::time::Instant::now());
        let (c, id) = (client.clone(), self.run_id.clone());
        self.run.request(spawner, async move { c.get_run(&id).await });
    }

    /// Takes finished fetches; once the run is known, asks for its artifacts and makes its feeds;
    /// rebuilds the model when what it shows changed.
    pub fn poll(&mut self, spawner: &Spawner, client: &HistoryClient, opts: &SeriesOptions, now_ms: i64) {
        let fresh = self.run.poll();
        self.artifacts.poll();
        self.registered.poll();
        self.preview.poll();
        for f in self.step_images.values_mut() {
            f.poll();
        }
        if let Some(dest) = self.folder_pick.poll() {
            self.start_download(dest, spawner, client);
        }
        if let Some(d) = &mut self.download {
            d.result.poll();
        }
        for feed in self.series.values_mut() {
            feed.poll(opts);
        }
        if fresh {
            self.take_run(spawner, client);
        }
        self.rebuild_model(now_ms);
    }

    /// The model of what the view shows (None until the run has arrived).
    pub fn model(&self) -> Option<Arc<DetailsModel>> {
        self.model.as_ref().map(|(_, m)| m.clone())
    }

    fn rebuild_model(&mut self, now_ms: i64) {
        let Some(run) = self.run.value() else { return };
        let inputs = DetailsInputs {
            run_generation: self.run.generation(),
            artifacts_generation: self.artifacts.generation(),
            registered_generation: self.registered.generation(),
            live_second: if run.status.is_terminal() { 0 } else { now_ms / 1000 },
        };
        if self.model.as_ref().is_some_and(|(i, _)| *i == inputs) {
            return;
        }
        let artifacts = self.artifacts.value().map(Vec::as_slice);
        let mut model = details_model(run, artifacts, now_ms);
        model.registered = self
            .registered
            .value()
            .map(|v| registered_labels(v))
            .unwrap_or_default();
        self.model = Some((inputs, Arc::new(model)));
    }

    /// Reads a series for the view its chart reported.
    pub fn view_series(
        &mut self,
        id: &FeedId,
        x: super::model::series::XMode,
        view: ChartView,
        spawner: &Spawner,
        client: &HistoryClient,
    ) {
        if let FeedId::Details(key) = id
            && let Some(feed) = self.series.get_mut(key)
        {
            feed.read(spawner, client, x, view);
        }
    }

    fn take_run(&mut self, spawner: &Spawner, client: &HistoryClient) {
        let Some(run) = self.run.value().cloned() else { return };
        if !self.artifacts.is_loading() {
            let c = client.clone();
            let r = run.clone();
            self.artifacts
                .request(spawner, async move { c.run_artifacts(&r).await });
        }
        let start = run.start_time.unwrap_or(run.created_time);
        for key in series_keys(&run) {
            let feed = self
                .series
                .entry(key.clone())
                .or_insert_with(|| SeriesFeed::new(&run.run_id, &key, start));
            let count = run.metrics.get(&key).map_or(0, |m| m.count);
            if self.counts.insert(key, count).is_some_and(|before| before != count) {
                feed.invalidate();
            }
        }
    }

    pub fn is_loading(&self) -> bool {
        self.run.is_loading()
            || self.artifacts.is_loading()
            || self.preview.is_loading()
            || self.series.values().any(SeriesFeed::is_loading)
            || self.download.as_ref().is_some_and(|x| x.result.is_loading())
    }

    pub fn show_preview(&mut self, path: &str, spawner: &Spawner, client: &HistoryClient) {
        let Some(run) = self.run.value().cloned() else { return };
        let size = self
            .artifacts
            .value()
            .and_then(|a| a.iter().find(|(p, _)| p == path).map(|(_, s)| *s))
            .unwrap_or(0);
        self.preview_path = Some(path.into());
        self.preview.clear();
        let (c, p) = (client.clone(), path.to_string());
        self.preview.request(spawner, preview::load(c, run, p, size));
    }

    /// Reads an image logged at a step, unless it was read already; the oldest of more than
    /// `KEPT_STEP_IMAGES` is let go.
    pub fn load_step_image(&mut self, path: &str, spawner: &Spawner, client: &HistoryClient) {
        let Some(run) = self.run.value().cloned() else { return };
        if self.step_images.contains_key(path) {
            return;
        }
        let size = self
            .artifacts
            .value()
            .and_then(|a| a.iter().find(|(p, _)| p == path).map(|(_, s)| *s))
            .unwrap_or(0);
        let mut f = Fetch::default();
        f.request(spawner, preview::load(client.clone(), run, path.to_string(), size));
        self.step_images.insert(path.to_string(), f);
        self.step_image_order.push_back(path.to_string());
        while self.step_image_order.len() > KEPT_STEP_IMAGES {
            if let Some(old) = self.step_image_order.pop_front() {
                self.step_images.remove(&old);
            }
        }
    }

    /// Opens the folder picker without blocking the window.
    pub fn pick_folder(&mut self, spawner: &Spawner) {
        self.folder_pick.open(spawner, "Download artifacts to");
    }

    pub fn start_download(&mut self, dest: PathBuf, spawner: &Spawner, client: &HistoryClient) {
        let Some(run) = self.run.value().cloned() else { return };
        let progress = Arc::new(Mutex::new(Progress::default()));
        let mut result = Fetch::default();
        let (c, p, d) = (client.clone(), progress.clone(), dest.clone());
        let repaint = spawner.repaint.clone();
        result.request(spawner, async move {
            c.download_all(&run, &d, |now| {
                if let Ok(mut slot) = p.lock() {
                    *slot = now.clone();
                }
                if let Some(ctx) = &repaint {
                    ctx.request_repaint();
                }
            })
            .await
        });
        self.download = Some(Download { dest, progress, result });
    }
}
