//! The runs being compared: their records, artifact lists, overlaid series and shared images.

use super::feed::SeriesFeed;
use super::fetch::{Fetch, Spawner};
use super::model::compare::{shared_images, shared_series};
use super::preview::{self, Preview};
use crate::api::ext::RunDetail;
use crate::client::HistoryClient;
use std::collections::BTreeMap;

pub struct CompareState {
    pub run_ids: Vec<String>,
    pub runs: Vec<Fetch<RunDetail>>,
    pub artifacts: Vec<Fetch<Vec<(String, u64)>>>,
    /// Feeds by (series key, run index).
    pub series: BTreeMap<(String, usize), SeriesFeed>,
    /// Previews by (image path, run index), with the texture the view made of each.
    pub images: BTreeMap<(String, usize), (Fetch<Preview>, Option<egui::TextureHandle>)>,
    pub only_differences: bool,
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
        };
        for (i, id) in run_ids.iter().enumerate() {
            let (c, id) = (client.clone(), id.clone());
            s.runs[i].request(spawner, async move { c.get_run(&id).await });
        }
        s
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
