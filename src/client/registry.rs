//! The model registry through MLflow's own endpoints, so it works on a stock MLflow server too:
//! registered models and their versions, and `promote`, which registers a run's artifacts.

use super::{ClientError, HistoryClient, Result, all_pages};
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
        all_pages(|token| async move {
            let mut query = vec![("max_results", "1000".to_string())];
            query.extend(token.map(|t| ("page_token", t)));
            let page: SearchRegisteredModelsResponse = self.get_json(r::REGISTERED_MODELS_SEARCH, &query).await?;
            Ok((page.registered_models, page.next_page_token))
        })
        .await
    }

    /// The versions of one registered model, newest first.
    pub async fn model_versions(&self, name: &str) -> Result<Vec<ModelVersion>> {
        let mut out = self
            .search_versions(format!("name = '{}'", name.replace('\'', "\\'")))
            .await?;
        out.sort_by_key(|v| std::cmp::Reverse(v.version.parse::<i64>().unwrap_or(0)));
        Ok(out)
    }

    /// The registered versions made from a run.
    pub async fn versions_of_run(&self, run_id: &str) -> Result<Vec<ModelVersion>> {
        self.search_versions(format!("run_id = '{run_id}'")).await
    }

    async fn search_versions(&self, filter: String) -> Result<Vec<ModelVersion>> {
        all_pages(|token| {
            let filter = filter.clone();
            async move {
                let mut query = vec![("filter", filter), ("max_results", "1000".to_string())];
                query.extend(token.map(|t| ("page_token", t)));
                let page: SearchModelVersionsResponse = self.get_json(r::MODEL_VERSIONS_SEARCH, &query).await?;
                Ok((page.model_versions, page.next_page_token))
            }
        })
        .await
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
