//! A store's experiments followed into ours: made with their ids in a temporary index, or matched
//! by name in an import; renamed, deleted and restored as they are there, and their tags set.
//! An import never renames, deletes or restores an experiment of ours it did not make.

use super::{Mirror, Mode, Synced, usable};
use crate::api::limits::MAX_TAG_VALUE_LEN;
use crate::store::{Store, StoreError};
use std::collections::HashMap;

/// An experiment of the source and what of it is in the store.
pub(super) struct KnownExperiment {
    /// Its id in the store.
    pub(super) ours: String,
    name: String,
    tags: HashMap<String, String>,
    /// The mirror made it (so it may follow renames, deletes and restores).
    made: bool,
    /// Its stage in the source, and in the store.
    stage: String,
    stage_kept: String,
}

impl Mirror {
    pub(super) fn sync_experiments(&mut self, store: &Store, synced: &mut Synced) -> Result<(), StoreError> {
        for e in self.source.experiments()? {
            let known = match self.experiments.get_mut(&e.id) {
                Some(known) => known,
                None => {
                    let existed = self.mode == Mode::Import && store.get_experiment_by_name(&e.name).is_ok();
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
                    let stage_kept = store.get_experiment(&ours)?.lifecycle_stage;
                    self.experiments.entry(e.id.clone()).or_insert(KnownExperiment {
                        ours,
                        name: e.name.clone(),
                        tags: HashMap::new(),
                        made: !existed,
                        stage: e.lifecycle_stage.clone(),
                        stage_kept,
                    })
                }
            };
            known.stage = e.lifecycle_stage.clone();
            let mut warnings = Vec::new();
            if known.name != e.name && known.made {
                match store.rename_experiment(&known.ours, &e.name) {
                    Ok(()) => known.name = e.name.clone(),
                    Err(err) => warnings.push(format!("experiment {}: not renamed {}: {err}", known.name, e.name)),
                }
            }
            for tag in &e.tags {
                if known.tags.get(&tag.key) == Some(&tag.value) {
                    continue;
                }
                let kept = if usable(tag, MAX_TAG_VALUE_LEN) {
                    store.set_experiment_tag(&known.ours, tag)
                } else {
                    Err(StoreError::Invalid("too long".into()))
                };
                match kept {
                    Ok(()) => {
                        known.tags.insert(tag.key.clone(), tag.value.clone());
                    }
                    Err(err) => warnings.push(format!("experiment {}: tag {} not kept: {err}", e.name, tag.key)),
                }
            }
            for w in warnings {
                self.say(synced, w);
            }
        }
        Ok(())
    }

    /// Deletes and restores experiments as the source has them, once their runs are in (a
    /// deleted experiment takes no new run).
    pub(super) fn settle_experiments(&mut self, store: &Store, synced: &mut Synced) {
        let mut warnings = Vec::new();
        for known in self
            .experiments
            .values_mut()
            .filter(|k| k.made && k.stage != k.stage_kept)
        {
            let done = match known.stage.as_str() {
                "deleted" => store.delete_experiment(&known.ours),
                _ => store.restore_experiment(&known.ours),
            };
            match done {
                Ok(()) => known.stage_kept = known.stage.clone(),
                Err(e) => warnings.push(format!("experiment {}: not marked {}: {e}", known.name, known.stage)),
            }
        }
        for w in warnings {
            self.say(synced, w);
        }
    }
}
