//! MLflow 3's logged models: a model's record (status, params, tags), the metrics runs logged
//! against it, its own artifact folder, and the registry versions made from it.

use super::experiments::parse_experiment_id;
use super::runs::random_name;
use super::sql::{Db, args};
use super::{Result, Store, StoreError};
use crate::api::ids::{new_run_id, now_ms};
use crate::api::models::{CreateLoggedModel, LoggedModel, LoggedModelData, LoggedModelInfo, LoggedModelStatus};
use crate::api::{KeyValue, Metric};

fn not_found(model_id: &str) -> StoreError {
    StoreError::NotFound(format!("Logged model with ID '{model_id}' not found."))
}

/// Fails unless the model exists and is not deleted.
pub(super) fn check_model(db: &Db<'_>, model_id: &str) -> Result<()> {
    let stage: Option<String> = db.value(
        "SELECT lifecycle_stage FROM logged_models WHERE model_id = ?1",
        args![model_id],
    )?;
    match stage.as_deref() {
        Some("active") => Ok(()),
        _ => Err(not_found(model_id)),
    }
}

fn touch(tx: &Db<'_>, model_id: &str) -> Result<()> {
    tx.exec(
        "UPDATE logged_models SET last_updated_time = ?2 WHERE model_id = ?1",
        args![model_id, now_ms()],
    )?;
    Ok(())
}

fn key_values(db: &Db<'_>, table: &str, model_id: &str) -> Result<Vec<KeyValue>> {
    db.rows(
        &format!("SELECT key, value FROM {table} WHERE model_id = ?1 ORDER BY key"),
        args![model_id],
        |r| {
            Ok(KeyValue {
                key: r.get(0)?,
                value: r.get(1)?,
            })
        },
    )
}

/// One live logged model with its tags, params and metrics.
pub(super) fn load(conn: &Db<'_>, model_id: &str) -> Result<LoggedModel> {
    let info = conn
        .row(
            "SELECT model_id, experiment_id, name, artifact_location, creation_time, last_updated_time, status,
                    status_message, model_type, source_run_id
             FROM logged_models WHERE model_id = ?1 AND lifecycle_stage = 'active'",
            args![model_id],
            |r| {
                let exp: i64 = r.get(1)?;
                let status: String = r.get(6)?;
                Ok(LoggedModelInfo {
                    model_id: r.get(0)?,
                    experiment_id: exp.to_string(),
                    name: r.get(2)?,
                    artifact_uri: r.get(3)?,
                    creation_timestamp_ms: r.get(4)?,
                    last_updated_timestamp_ms: r.get(5)?,
                    status: LoggedModelStatus::from_db(&status),
                    status_message: r.get(7)?,
                    tags: Vec::new(),
                    source_run_id: r.get(9)?,
                    model_type: r.get(8)?,
                })
            },
        )?
        .ok_or_else(|| not_found(model_id))?;
    let metrics = conn.rows(
        "SELECT key, value, timestamp, step, run_id, dataset_name, dataset_digest
         FROM logged_model_metrics WHERE model_id = ?1 ORDER BY key, step, timestamp",
        args![model_id],
        |r| {
            Ok(Metric {
                key: r.get(0)?,
                value: super::load::value_from_db(r.get(1)?),
                timestamp: r.get(2)?,
                step: r.get(3)?,
                run_id: r.get(4)?,
                dataset_name: r.get(5)?,
                dataset_digest: r.get(6)?,
                model_id: Some(model_id.to_string()),
            })
        },
    )?;
    Ok(LoggedModel {
        info: LoggedModelInfo {
            tags: key_values(conn, "logged_model_tags", model_id)?,
            ..info
        },
        data: LoggedModelData {
            params: key_values(conn, "logged_model_params", model_id)?,
            metrics,
        },
    })
}

/// Records metrics a run logged against a logged model (inside the run's log transaction).
pub(super) fn record_model_metrics(tx: &Db<'_>, run_id: &str, metrics: &[Metric]) -> Result<()> {
    for m in metrics {
        let Some(model_id) = m.model_id.as_deref().filter(|id| !id.is_empty()) else {
            continue;
        };
        check_model(tx, model_id)?;
        tx.exec(
            "INSERT INTO logged_model_metrics (model_id, key, value, timestamp, step, run_id, dataset_name, dataset_digest)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            args![
                model_id,
                m.key,
                (!m.value.is_nan()).then_some(m.value),
                m.timestamp,
                m.step,
                run_id,
                m.dataset_name,
                m.dataset_digest
            ],
        )?;
    }
    Ok(())
}

/// Records on a logged model that a registered model version was made from it, in the
/// `mlflow.modelVersions` tag MLflow keeps: a JSON list of `{"name": ..., "version": ...}`.
pub(super) fn note_registered_version(tx: &Db<'_>, model_id: &str, name: &str, version: i64) -> Result<()> {
    check_model(tx, model_id)?;
    const KEY: &str = "mlflow.modelVersions";
    let old: Option<String> = tx.value(
        "SELECT value FROM logged_model_tags WHERE model_id = ?1 AND key = ?2",
        args![model_id, KEY],
    )?;
    // Entries a client wrote itself (MLflow's writes the version as a string) are kept as written.
    let mut entries: Vec<serde_json::Value> = old
        .and_then(|o| serde_json::from_str::<Vec<serde_json::Value>>(&o).ok())
        .unwrap_or_default();
    let entry = serde_json::json!({"name": name, "version": version});
    if entries.contains(&entry) {
        return Ok(());
    }
    entries.push(entry);
    // Written as Python's json.dumps writes it (", " and ": ", name first), which is how
    // MLflow's clients compare it.
    let field = |e: &serde_json::Value, k: &str| e.get(k).map_or_else(|| "null".to_string(), |v| v.to_string());
    let text = format!(
        "[{}]",
        entries
            .iter()
            .map(|e| format!(
                "{{\"name\": {}, \"version\": {}}}",
                field(e, "name"),
                field(e, "version")
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    upsert(
        tx,
        "logged_model_tags",
        model_id,
        &KeyValue {
            key: KEY.into(),
            value: text,
        },
    )?;
    touch(tx, model_id)
}

impl Store {
    pub fn create_logged_model(&self, req: &CreateLoggedModel) -> Result<LoggedModel> {
        self.create_logged_model_as(req, &format!("m-{}", new_run_id()))
    }

    /// `create_logged_model` with the id the model has elsewhere (a store read in place).
    pub fn create_logged_model_as(&self, req: &CreateLoggedModel, model_id: &str) -> Result<LoggedModel> {
        let exp_text = req
            .experiment_id
            .as_deref()
            .filter(|e| !e.is_empty())
            .ok_or_else(|| StoreError::Invalid("Missing value for required parameter 'experiment_id'.".into()))?;
        let exp = parse_experiment_id(exp_text)?;
        let now = now_ms();
        self.write_db(|tx| {
            let location: Option<(String, String)> = tx.row(
                "SELECT artifact_location, lifecycle_stage FROM experiments WHERE experiment_id = ?1",
                args![exp],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let (location, stage) =
                location.ok_or_else(|| StoreError::NotFound(format!("No Experiment with id={exp} exists")))?;
            if stage != "active" {
                return Err(StoreError::Invalid(format!(
                    "The experiment {exp} must be in the 'active' state. Current state is {stage}."
                )));
            }
            let name = req.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(random_name);
            tx.exec(
                "INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_time,
                    last_updated_time, status, model_type, source_run_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8)",
                args![
                    model_id,
                    exp,
                    name,
                    format!("{}/models/{model_id}/artifacts", location.trim_end_matches('/')),
                    now,
                    LoggedModelStatus::Pending.db_name(),
                    req.model_type.as_deref().filter(|t| !t.is_empty()),
                    req.source_run_id.as_deref().filter(|r| !r.is_empty()),
                ],
            )?;
            for p in &req.params {
                upsert(tx, "logged_model_params", model_id, p)?;
            }
            for t in &req.tags {
                upsert(tx, "logged_model_tags", model_id, t)?;
            }
            load(tx, model_id)
        })
    }

    pub fn get_logged_model(&self, model_id: &str) -> Result<LoggedModel> {
        self.read_db(|db| load(db, model_id))
    }

    pub fn finalize_logged_model(&self, model_id: &str, status: LoggedModelStatus) -> Result<LoggedModel> {
        self.write_db(|tx| {
            check_model(tx, model_id)?;
            tx.exec(
                "UPDATE logged_models SET status = ?2, last_updated_time = ?3 WHERE model_id = ?1",
                args![model_id, status.db_name(), now_ms()],
            )?;
            load(tx, model_id)
        })
    }

    /// Marks the model deleted: it is no longer found or listed.
    pub fn delete_logged_model(&self, model_id: &str) -> Result<()> {
        self.write_db(|tx| {
            check_model(tx, model_id)?;
            tx.exec(
                "UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_time = ?2 WHERE model_id = ?1",
                args![model_id, now_ms()],
            )?;
            Ok(())
        })
    }

    pub fn set_logged_model_tags(&self, model_id: &str, tags: &[KeyValue]) -> Result<()> {
        self.write_db(|tx| {
            check_model(tx, model_id)?;
            for t in tags {
                upsert(tx, "logged_model_tags", model_id, t)?;
            }
            touch(tx, model_id)
        })
    }

    pub fn delete_logged_model_tag(&self, model_id: &str, key: &str) -> Result<()> {
        self.write_db(|tx| {
            check_model(tx, model_id)?;
            let n = tx.exec(
                "DELETE FROM logged_model_tags WHERE model_id = ?1 AND key = ?2",
                args![model_id, key],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(format!(
                    "No tag with key '{key}' found for model with ID '{model_id}'."
                )));
            }
            touch(tx, model_id)
        })
    }

    pub fn log_logged_model_params(&self, model_id: &str, params: &[KeyValue]) -> Result<()> {
        self.write_db(|tx| {
            check_model(tx, model_id)?;
            for p in params {
                upsert(tx, "logged_model_params", model_id, p)?;
            }
            touch(tx, model_id)
        })
    }
}

fn upsert(tx: &Db<'_>, table: &str, model_id: &str, kv: &KeyValue) -> Result<()> {
    tx.exec(
        &format!(
            "INSERT INTO {table} (model_id, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value"
        ),
        args![model_id, kv.key, kv.value],
    )?;
    Ok(())
}
