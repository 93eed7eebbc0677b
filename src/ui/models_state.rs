//! The registered models page: the models, the one opened and its versions, read through the
//! registry's endpoints (MLflow's, so a stock MLflow server shows its registry too), and the
//! page's model built once per change.

use super::fetch::{Fetch, Spawner};
use super::model::registry::{ModelsPage, models_page};
use crate::api::registry::{ModelVersion, RegisteredModel};
use crate::client::HistoryClient;
use std::sync::Arc;

#[derive(Default)]
pub struct ModelsState {
    pub models: Fetch<Vec<RegisteredModel>>,
    /// The model whose versions are shown.
    pub open: Option<String>,
    pub versions: Fetch<Vec<ModelVersion>>,
    /// The page as last built, and the generations it was built from.
    page: Option<((u64, u64), Arc<ModelsPage>)>,
}

impl ModelsState {
    pub fn open(spawner: &Spawner, client: &HistoryClient) -> ModelsState {
        let mut s = ModelsState::default();
        s.refresh(spawner, client);
        s
    }

    /// Reads the models again, and the opened model's versions.
    pub fn refresh(&mut self, spawner: &Spawner, client: &HistoryClient) {
        let c = client.clone();
        self.models.request(spawner, async move { c.registered_models().await });
        if let Some(name) = self.open.clone() {
            self.request_versions(name, spawner, client);
        }
    }

    /// Shows a model's versions (again on the open one closes it).
    pub fn toggle_model(&mut self, name: &str, spawner: &Spawner, client: &HistoryClient) {
        if self.open.as_deref() == Some(name) {
            self.open = None;
            self.versions.clear();
            return;
        }
        self.open = Some(name.to_string());
        self.versions.clear();
        self.request_versions(name.to_string(), spawner, client);
    }

    fn request_versions(&mut self, name: String, spawner: &Spawner, client: &HistoryClient) {
        let c = client.clone();
        self.versions
            .request(spawner, async move { c.model_versions(&name).await });
    }

    pub fn is_loading(&self) -> bool {
        self.models.is_loading() || self.versions.is_loading()
    }

    /// Takes finished reads and rebuilds the page when one changed.
    pub fn poll(&mut self) {
        self.models.poll();
        self.versions.poll();
        let inputs = (self.models.generation(), self.versions.generation());
        if self.page.as_ref().is_some_and(|(i, _)| *i == inputs) {
            return;
        }
        let Some(models) = self.models.value() else { return };
        let open = match (&self.open, self.versions.value()) {
            (Some(name), Some(v)) => Some((name.as_str(), v.as_slice())),
            _ => None,
        };
        self.page = Some((inputs, Arc::new(models_page(models, open))));
    }

    pub fn page(&self) -> Option<Arc<ModelsPage>> {
        self.page.as_ref().map(|(_, p)| p.clone())
    }
}
