//! A store's logged models (MLflow 3's `log_model`) followed into ours: kept with their ids, names,
//! source runs, params, tags and status, their files served where they are or copied.

use super::{Mirror, Synced, usable};
use crate::api::limits::{MAX_PARAM_VALUE_LEN, MAX_TAG_VALUE_LEN};
use crate::api::models::{CreateLoggedModel, LoggedModelStatus};
use crate::mlflow_store::source::SourceModel;
use crate::store::{Store, StoreError};

impl Mirror {
    pub(super) fn sync_models(&mut self, store: &Store, synced: &mut Synced) -> Result<(), StoreError> {
        for m in self.source.models()? {
            if self.models.get(&m.id) == Some(&(m.status, m.lifecycle_stage.clone())) {
                continue;
            }
            let Some(experiment) = self.experiments.get(&m.experiment_id).map(|e| e.ours.clone()) else {
                continue;
            };
            match self.sync_model(store, &m, &experiment, synced) {
                Ok(warnings) => {
                    for w in warnings {
                        self.say(synced, format!("logged model {}: {w}", m.name));
                    }
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
    ) -> Result<Vec<String>, StoreError> {
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
        // Where the store has it (an import run again may find it moved since).
        let prefix = vec![
            store.get_logged_model(&m.id)?.info.experiment_id,
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
        Ok(warnings)
    }
}
