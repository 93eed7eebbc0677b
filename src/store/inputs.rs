//! What a run read and produced, as MLflow records it: datasets (once per experiment, by name and
//! digest) and logged models as inputs, logged models as outputs at a step.

use super::experiments::parse_experiment_id;
use super::logged_models::check_model;
use super::runs::check_active;
use super::sql::{self, Arg, Db, args};
use super::{Result, Store, StoreError};
use crate::api::ext::RunDetail;
use crate::api::models::{Dataset, DatasetInput, DatasetSummary, ModelInput, ModelOutput};
use std::collections::HashMap;

impl Store {
    /// Records datasets and models as the run's inputs; one already recorded is left as it is.
    pub fn log_inputs(&self, run_id: &str, datasets: &[DatasetInput], models: &[ModelInput]) -> Result<()> {
        for d in datasets {
            if d.dataset.name.is_empty() || d.dataset.digest.is_empty() {
                return Err(StoreError::Invalid(
                    "A dataset input needs a name and a digest (and a source type and source).".into(),
                ));
            }
        }
        self.write_db(|tx| {
            check_active(tx, run_id)?;
            let exp: i64 = tx
                .value("SELECT experiment_id FROM runs WHERE run_id = ?1", args![run_id])?
                .ok_or_else(|| super::runs::not_found(run_id))?;
            let mut position: i64 = tx
                .value(
                    "SELECT COALESCE(MAX(position) + 1, 0) FROM run_dataset_inputs WHERE run_id = ?1",
                    args![run_id],
                )?
                .unwrap_or(0);
            for d in datasets {
                let ds = &d.dataset;
                tx.exec(
                    "INSERT INTO datasets (experiment_id, name, digest, source_type, source, schema, profile)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (experiment_id, name, digest) DO NOTHING",
                    args![exp, ds.name, ds.digest, ds.source_type, ds.source, ds.schema, ds.profile],
                )?;
                let id: i64 = tx
                    .value(
                        "SELECT dataset_id FROM datasets WHERE experiment_id = ?1 AND name = ?2 AND digest = ?3",
                        args![exp, ds.name, ds.digest],
                    )?
                    .ok_or_else(|| StoreError::Internal("the dataset was not recorded".into()))?;
                let tags = serde_json::to_string(&d.tags).map_err(|e| StoreError::Internal(e.to_string()))?;
                let added = tx.exec(
                    "INSERT INTO run_dataset_inputs (run_id, dataset_id, position, tags) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (run_id, dataset_id) DO NOTHING",
                    args![run_id, id, position, tags],
                )?;
                position += added as i64;
            }
            for m in models {
                check_model(tx, &m.model_id)?;
                tx.exec(
                    "INSERT INTO run_model_inputs (run_id, model_id) VALUES (?1, ?2) ON CONFLICT (run_id, model_id) DO NOTHING",
                    args![run_id, m.model_id],
                )?;
            }
            Ok(())
        })
    }

    /// Records logged models as the run's outputs.
    pub fn log_outputs(&self, run_id: &str, models: &[ModelOutput]) -> Result<()> {
        self.write_db(|tx| {
            check_active(tx, run_id)?;
            for m in models {
                check_model(tx, &m.model_id)?;
                tx.exec(
                    "INSERT INTO run_model_outputs (run_id, model_id, step) VALUES (?1, ?2, ?3)
                     ON CONFLICT (run_id, model_id, step) DO NOTHING",
                    args![run_id, m.model_id, m.step],
                )?;
            }
            Ok(())
        })
    }
}

/// The tag a dataset input says how it was used with.
const CONTEXT_TAG: &str = "mlflow.data.context";
/// Most summaries one search returns (MLflow's bound).
const MAX_DATASET_SUMMARIES: usize = 1000;
/// Most experiments one search names (MLflow's bound).
const MAX_DATASET_EXPERIMENTS: usize = 20;

impl Store {
    /// The datasets runs of these experiments used, once per context they were used in.
    pub fn search_datasets(&self, experiment_ids: &[String]) -> Result<Vec<DatasetSummary>> {
        if experiment_ids.is_empty() {
            return Err(StoreError::Invalid(
                "SearchDatasets request must specify at least one experiment_id.".into(),
            ));
        }
        if experiment_ids.len() > MAX_DATASET_EXPERIMENTS {
            return Err(StoreError::Invalid(format!(
                "SearchDatasets request cannot specify more than {MAX_DATASET_EXPERIMENTS} experiment_ids. Received {} experiment_ids.",
                experiment_ids.len()
            )));
        }
        let ids = experiment_ids
            .iter()
            .map(|e| parse_experiment_id(e))
            .collect::<Result<Vec<i64>>>()?;
        let marks = vec!["?"; ids.len()].join(",");
        let values: Vec<sql::Value> = ids.iter().copied().map(sql::Value::Int).collect();
        let a: Vec<&dyn Arg> = values.iter().map(|v| v as &dyn Arg).collect();
        self.read_db(|db| {
            let rows: Vec<(i64, String, String, String)> = db.rows(
                &format!(
                    "SELECT DISTINCT d.experiment_id, d.name, d.digest, i.tags FROM datasets d
                     JOIN run_dataset_inputs i ON i.dataset_id = d.dataset_id WHERE d.experiment_id IN ({marks})"
                ),
                &a,
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
            let mut out = std::collections::BTreeSet::new();
            for (exp, name, digest, tags) in rows {
                let tags: Vec<crate::api::KeyValue> = serde_json::from_str(&tags).unwrap_or_default();
                out.insert(DatasetSummary {
                    experiment_id: exp.to_string(),
                    name,
                    digest,
                    context: tags.into_iter().find(|t| t.key == CONTEXT_TAG).map(|t| t.value),
                });
            }
            Ok(out.into_iter().take(MAX_DATASET_SUMMARIES).collect())
        })
    }
}

/// Fills the inputs and outputs of loaded runs (`subset` selects their ids, with `args`).
pub(super) fn load_inputs_outputs(
    db: &Db<'_>,
    runs: &mut [RunDetail],
    index: &HashMap<String, usize>,
    subset: &str,
    args: &[&dyn Arg],
) -> Result<()> {
    db.each(
        &format!(
            "SELECT i.run_id, i.tags, d.name, d.digest, d.source_type, d.source, d.schema, d.profile
             FROM run_dataset_inputs i JOIN datasets d ON d.dataset_id = i.dataset_id
             WHERE i.run_id IN ({subset}) ORDER BY i.run_id, i.position"
        ),
        args,
        |row| {
            let id: String = row.get(0)?;
            let Some(&i) = index.get(&id) else { return Ok(()) };
            let tags: String = row.get(1)?;
            runs[i].inputs.dataset_inputs.push(DatasetInput {
                tags: serde_json::from_str(&tags).unwrap_or_default(),
                dataset: Dataset {
                    name: row.get(2)?,
                    digest: row.get(3)?,
                    source_type: row.get(4)?,
                    source: row.get(5)?,
                    schema: row.get(6)?,
                    profile: row.get(7)?,
                },
            });
            Ok(())
        },
    )?;
    db.each(
        &format!("SELECT run_id, model_id FROM run_model_inputs WHERE run_id IN ({subset}) ORDER BY run_id, model_id"),
        args,
        |row| {
            let id: String = row.get(0)?;
            if let Some(&i) = index.get(&id) {
                runs[i].inputs.model_inputs.push(ModelInput { model_id: row.get(1)? });
            }
            Ok(())
        },
    )?;
    db.each(
        &format!(
            "SELECT run_id, model_id, step FROM run_model_outputs WHERE run_id IN ({subset}) ORDER BY run_id, step, model_id"
        ),
        args,
        |row| {
            let id: String = row.get(0)?;
            if let Some(&i) = index.get(&id) {
                runs[i].outputs.model_outputs.push(ModelOutput {
                    model_id: row.get(1)?,
                    step: row.get(2)?,
                });
            }
            Ok(())
        },
    )
}
