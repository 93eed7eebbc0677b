//! The model registry through MLflow's own endpoints, so it works on a stock MLflow server too:
//! registered models and their versions, and `promote`, which registers a run's artifacts.

use super::{ClientError, HistoryClient, Result};
use crate::api::ext::RunDetail;
use crate::api::registry::{
    CreateModelVersion, CreateRegisteredModel, ModelVersion, RegisteredModel, SearchModelVersionsResponse,
    SearchRegisteredModelsResponse,
};
use crate::api::routes as r;
use serde::{Deserialize, Serialize};

/// What `promote` made: the new version, and the run's files it points at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Promotion {
    pub model_version: ModelVersion,
    pub artifacts: Vec<String>,
}

impl HistoryClient {
    /// Every registered model, by name.
    pub async fn registered_models(&self) -> Result<Vec<RegisteredModel>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![("max_results", "1000".to_string())];
            query.extend(token.take().map(|t| ("page_token", t)));
            let page: SearchRegisteredModelsResponse = self.get_json(r::REGISTERED_MODELS_SEARCH, &query).await?;
            out.extend(page.registered_models);
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(t) => token = Some(t),
                None => return Ok(out),
            }
        }
    }

    /// The versions of one registered model, newest first.
    pub async fn model_versions(&self, name: &str) -> Result<Vec<ModelVersion>> {
        let filter = format!("name = '{}'", name.replace('\'', "\\'"));
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![("filter", filter.clone()), ("max_results", "1000".to_string())];
            query.extend(token.take().map(|t| ("page_token", t)));
            let page: SearchModelVersionsResponse = self.get_json(r::MODEL_VERSIONS_SEARCH, &query).await?;
            out.extend(page.model_versions);
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        out.sort_by_key(|v| std::cmp::Reverse(v.version.parse::<i64>().unwrap_or(0)));
        Ok(out)
    }

    /// The registered versions made from a run.
    pub async fn versions_of_run(&self, run_id: &str) -> Result<Vec<ModelVersion>> {
        let query = [
            ("filter", format!("run_id = '{run_id}'")),
            ("max_results", "1000".to_string()),
        ];
        let page: SearchModelVersionsResponse = self.get_json(r::MODEL_VERSIONS_SEARCH, &query).await?;
        Ok(page.model_versions)
    }

    /// Registers the run's artifacts under `prefix` as the next version of model `name` (made if
    /// new), with the run as its source, as `mlflow.register_model` would.
    pub async fn promote(&self, run: &RunDetail, prefix: &str, name: &str) -> Result<Promotion> {
        let prefix = prefix.trim_matches('/');
        let artifacts: Vec<String> = self
            .run_artifacts(run)
            .await?
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| prefix.is_empty() || p == prefix || p.starts_with(&format!("{prefix}/")))
            .collect();
        if artifacts.is_empty() {
            return Err(ClientError::NotFound(format!(
                "run {} has no artifacts under '{prefix}'",
                run.run_number
            )));
        }
        let create = CreateRegisteredModel {
            name: Some(name.into()),
            ..Default::default()
        };
        match self
            .post_json::<serde_json::Value, _>(r::REGISTERED_MODELS_CREATE, &create)
            .await
        {
            Err(ClientError::Api { code, .. }) if code == "RESOURCE_ALREADY_EXISTS" => {}
            other => {
                other?;
            }
        }
        let source = if prefix.is_empty() {
            run.artifact_uri.clone()
        } else {
            format!("{}/{prefix}", run.artifact_uri.trim_end_matches('/'))
        };
        let req = CreateModelVersion {
            name: Some(name.into()),
            source: Some(source),
            run_id: Some(run.run_id.clone()),
            ..Default::default()
        };
        #[derive(Deserialize)]
        struct Created {
            model_version: ModelVersion,
        }
        let created: Created = self.post_json(r::MODEL_VERSIONS_CREATE, &req).await?;
        Ok(Promotion {
            model_version: created.model_version,
            artifacts,
        })
    }
}
