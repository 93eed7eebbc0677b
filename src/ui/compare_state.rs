//! The runs being compared: their records, artifact lists, overlaid series and shared images.

use super::feed::SeriesFeed;
use super::fetch::{Fetch, Spawner};
use super::model::compare::{shared_images, shared_series};
use super::preview::{self, Preview};
use crate::api::ext::RunDetail;
use crate::api::snapshot::Snapshot;
use crate::client::HistoryClient;
use crate::project::diff::{FileDiff, unified_diff};
use std::collections::BTreeMap;

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
    /// Previews by (image path, run index), with the texture the view made of each.
    pub images: BTreeMap<(String, usize), (Fetch<Preview>, Option<egui::TextureHandle>)>,
    pub only_differences: bool,
    /// The project snapshot each run started from (runs logged without one have none).
    pub snapshots: Vec<Fetch<Snapshot>>,
    pub file_diff: Option<FileDiffView>,
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

    /// The runs that have arrived, in order.
    pub fn loaded(&self) -> Vec<&RunDetail> {
        self.runs.iter().filter_map(|f| f.value()).collect()
    }

    pub fn poll(&mut self, spawner: &Spawner, client: &HistoryClient) {
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
        for (f, _) in self.images.values_mut() {
            f.poll();
        }
        for f in &mut self.snapshots {
            f.poll();
        }
        if let Some(d) = &mut self.file_diff {
            d.text.poll();
        }
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
                    (f, None)
                });
            }
        }
    }
}
