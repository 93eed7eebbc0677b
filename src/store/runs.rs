//! Runs: creation (with run numbers), reads, status changes, tags, deletion, heartbeats and Lost runs.

use super::experiments::{get_in as get_experiment_in, parse_experiment_id};
use super::load::load_runs;
use super::sql::{Db, Dialect, args};
use super::{Result, Store, StoreError};
use crate::api::KeyValue;
use crate::api::ext::{CreateRunExt, RunDetail, RunStatus, UpdateRunExt};
use crate::api::ids::{new_run_id, now_ms};
use crate::api::limits::DEFAULT_HEARTBEAT_SECS;

use crate::api::{TAG_NOTE, TAG_PARENT, TAG_RUN_NAME, TAG_SOURCE, TAG_USER};

const ADJECTIVES: &[&str] = &[
    "amber", "bold", "brave", "calm", "clever", "crisp", "eager", "fancy", "gentle", "happy", "keen", "lively",
    "lucid", "merry", "nimble", "polite", "quiet", "rare", "swift", "tidy", "vivid", "wise", "zesty", "sunny",
];
const ANIMALS: &[&str] = &[
    "ant", "bat", "bee", "cat", "crab", "deer", "dove", "eel", "fox", "frog", "goat", "hare", "hawk", "lynx", "mole",
    "moth", "owl", "panda", "quail", "seal", "shrew", "slug", "toad", "wolf",
];

pub(super) fn random_name() -> String {
    let a = ADJECTIVES[rand::random_range(0..ADJECTIVES.len())];
    let b = ANIMALS[rand::random_range(0..ANIMALS.len())];
    format!("{a}-{b}-{}", rand::random_range(100..1000))
}

/// Fails unless the run exists and is active (MLflow refuses writes to deleted runs).
pub(super) fn check_active(db: &Db<'_>, run_id: &str) -> Result<()> {
    let stage: Option<String> = db.value("SELECT lifecycle_stage FROM runs WHERE run_id = ?1", args![run_id])?;
    match stage.as_deref() {
        None => Err(not_found(run_id)),
        Some("active") => Ok(()),
        Some(other) => Err(StoreError::Invalid(format!(
            "The run {run_id} must be in the 'active' state. Current state is {other}."
        ))),
    }
}

pub(super) fn not_found(run_id: &str) -> StoreError {
    StoreError::NotFound(format!("Run with id={run_id} not found"))
}

pub(super) fn get_in(db: &Db<'_>, run_id: &str) -> Result<RunDetail> {
    load_runs(db, "r.run_id = ?1", args![run_id])?
        .pop()
        .ok_or_else(|| not_found(run_id))
}

/// Applies a tag, mirroring MLflow's special tags into the run's attributes.
pub(super) fn set_tag_in(db: &Db<'_>, run_id: &str, tag: &KeyValue) -> Result<()> {
    db.exec(
        "INSERT INTO tags (run_id, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value",
        args![run_id, tag.key, tag.value],
    )?;
    let column = match tag.key.as_str() {
        TAG_RUN_NAME => "name",
        TAG_NOTE => "description",
        TAG_PARENT => "parent_run_id",
        _ => return Ok(()),
    };
    db.exec(
        &format!("UPDATE runs SET {column} = ?1 WHERE run_id = ?2"),
        args![tag.value, run_id],
    )?;
    Ok(())
}

fn put_property(db: &Db<'_>, run_id: &str, p: &KeyValue) -> Result<()> {
    db.exec(
        "INSERT INTO run_properties (run_id, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
        args![run_id, p.key, p.value],
    )?;
    Ok(())
}

fn file_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_string()
}

impl Store {
    pub fn create_run(&self, req: &CreateRunExt) -> Result<RunDetail> {
        // Read back once committed, so the experiment's row is held no longer than the writes.
        self.insert_run(req).and_then(|run_id| self.get_run(&run_id))
    }

    /// `create_run` without reading the run back: its id (an existing run's, for a known id).
    pub fn insert_run(&self, req: &CreateRunExt) -> Result<String> {
        let tag = |k: &str| req.tags.iter().find(|t| t.key == k).map(|t| t.value.clone());
        self.write_db(|tx| {
            let exp_id = match (&req.experiment_id, &req.experiment_name) {
                (Some(id), _) => parse_experiment_id(id)?,
                (None, Some(name)) => super::experiments::ensure_in(tx, name)?,
                (None, None) => 0,
            };
            // A known id is that run, wherever it is now (an experiment deleted since included).
            if let Some(id) = &req.run_id {
                if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
                    return Err(StoreError::Invalid(format!(
                        "Invalid run id '{id}': expected 32 lowercase hex characters"
                    )));
                }
                let exists: Option<i64> = tx.value("SELECT 1 FROM runs WHERE run_id = ?1", args![id])?;
                if exists.is_some() {
                    return Ok(id.clone());
                }
            }
            let experiment = get_experiment_in(tx, exp_id)?;
            if tx.dialect() == Dialect::Postgres {
                // Servers over one database number runs one at a time per experiment, gapless:
                // the experiment's row is held until this run is in.
                tx.exec(
                    "SELECT 1 FROM experiments WHERE experiment_id = ?1 FOR UPDATE",
                    args![exp_id],
                )?;
            }
            if experiment.lifecycle_stage != "active" {
                return Err(StoreError::Invalid(format!(
                    "The experiment {exp_id} must be in the 'active' state. Current state is {}.",
                    experiment.lifecycle_stage
                )));
            }
            let run_id = req.run_id.clone().unwrap_or_else(new_run_id);
            let number: i64 = tx
                .value(
                    "SELECT COALESCE(MAX(run_number), 0) + 1 FROM runs WHERE experiment_id = ?1",
                    args![exp_id],
                )?
                .unwrap_or(1);
            let name = req
                .run_name
                .clone()
                .filter(|n| !n.is_empty())
                .or_else(|| tag(TAG_RUN_NAME))
                .unwrap_or_else(random_name);
            let user = req
                .user_id
                .clone()
                .or_else(|| tag(TAG_USER))
                .unwrap_or_else(|| "unknown".into());
            let script = req
                .script_name
                .clone()
                .or_else(|| tag(TAG_SOURCE).map(|s| file_name(&s)));
            let now = now_ms();
            let artifact_uri = format!(
                "{}/{run_id}/artifacts",
                experiment.artifact_location.trim_end_matches('/')
            );
            let arguments = serde_json::to_string(&req.arguments).map_err(|e| StoreError::Internal(e.to_string()))?;
            tx.exec(
                "INSERT INTO runs (run_id, experiment_id, run_number, name, user_id, status, created_time, start_time,
                    artifact_uri, script_name, arguments, description, parent_run_id, target)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'RUNNING', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                args![
                    run_id,
                    exp_id,
                    number,
                    name,
                    user,
                    now,
                    req.start_time.unwrap_or(now),
                    artifact_uri,
                    script,
                    arguments,
                    req.description.clone().or_else(|| tag(TAG_NOTE)),
                    req.parent_run_id.clone().or_else(|| tag(TAG_PARENT)),
                    req.target.clone().unwrap_or_else(|| "local".to_string()),
                ],
            )?;
            for t in &req.tags {
                super::ingest::validate_tag(t)?;
                set_tag_in(tx, &run_id, t)?;
            }
            set_tag_in(
                tx,
                &run_id,
                &KeyValue {
                    key: TAG_RUN_NAME.into(),
                    value: name,
                },
            )?;
            for p in &req.properties {
                put_property(tx, &run_id, p)?;
            }
            tx.exec(
                "UPDATE experiments SET last_update_time = ?1 WHERE experiment_id = ?2",
                args![now, exp_id],
            )?;
            Ok(run_id)
        })
    }

    pub fn get_run(&self, run_id: &str) -> Result<RunDetail> {
        self.read_db(|db| get_in(db, run_id))
    }

    /// The run with this number in the experiment.
    pub fn get_run_by_number(&self, experiment_id: &str, number: i64) -> Result<RunDetail> {
        let exp = parse_experiment_id(experiment_id)?;
        self.read_db(|db| {
            load_runs(db, "r.experiment_id = ?1 AND r.run_number = ?2", args![exp, number])?
                .pop()
                .ok_or_else(|| StoreError::NotFound(format!("No run number {number} in experiment {exp}")))
        })
    }

    /// Changes status, end time, name and our own attributes; a terminal status sets the end time.
    pub fn update_run(&self, req: &UpdateRunExt) -> Result<RunDetail> {
        self.change_run(req, |tx| get_in(tx, &req.run_id))
    }

    /// `update_run` without reading the run back.
    pub fn apply_run_update(&self, req: &UpdateRunExt) -> Result<()> {
        self.change_run(req, |_| Ok(()))
    }

    /// The writes of an update, then `then` in the same transaction.
    fn change_run<T>(&self, req: &UpdateRunExt, then: impl FnOnce(&Db<'_>) -> Result<T>) -> Result<T> {
        let status = match req.status.as_deref() {
            Some(s) => Some(RunStatus::parse(s).ok_or_else(|| {
                StoreError::Invalid(format!(
                    "Invalid status '{s}': expected RUNNING, SCHEDULED, FINISHED, FAILED or KILLED"
                ))
            })?),
            None => None,
        };
        self.write_db(|tx| {
            check_active(tx, &req.run_id)?;
            if let Some(status) = status {
                let end = if status.is_terminal() {
                    Some(req.end_time.unwrap_or_else(now_ms))
                } else {
                    None
                };
                tx.exec(
                    "UPDATE runs SET status = ?1, end_time = ?2 WHERE run_id = ?3",
                    args![status.db_name(), end, req.run_id],
                )?;
            } else if let Some(end) = req.end_time {
                tx.exec(
                    "UPDATE runs SET end_time = ?1 WHERE run_id = ?2",
                    args![end, req.run_id],
                )?;
            }
            if let Some(code) = req.exit_code {
                tx.exec(
                    "UPDATE runs SET exit_code = ?1 WHERE run_id = ?2",
                    args![code, req.run_id],
                )?;
            }
            if let Some(hidden) = req.hidden {
                tx.exec(
                    "UPDATE runs SET hidden = ?1 WHERE run_id = ?2",
                    args![hidden, req.run_id],
                )?;
            }
            if let Some(d) = &req.description {
                set_tag_in(
                    tx,
                    &req.run_id,
                    &KeyValue {
                        key: TAG_NOTE.into(),
                        value: d.clone(),
                    },
                )?;
            }
            if let Some(n) = req.name.as_ref().filter(|n| !n.is_empty()) {
                set_tag_in(
                    tx,
                    &req.run_id,
                    &KeyValue {
                        key: TAG_RUN_NAME.into(),
                        value: n.clone(),
                    },
                )?;
            }
            for p in &req.properties {
                put_property(tx, &req.run_id, p)?;
            }
            then(tx)
        })
    }

    fn set_run_stage(&self, run_id: &str, stage: &str) -> Result<()> {
        self.write_db(|tx| {
            let n = tx.exec(
                "UPDATE runs SET lifecycle_stage = ?1 WHERE run_id = ?2",
                args![stage, run_id],
            )?;
            if n == 0 { Err(not_found(run_id)) } else { Ok(()) }
        })
    }

    pub fn delete_run(&self, run_id: &str) -> Result<()> {
        self.set_run_stage(run_id, "deleted")
    }

    pub fn restore_run(&self, run_id: &str) -> Result<()> {
        self.set_run_stage(run_id, "active")
    }

    pub fn set_tag(&self, run_id: &str, tag: &KeyValue) -> Result<()> {
        super::ingest::validate_tag(tag)?;
        self.write_db(|tx| {
            check_active(tx, run_id)?;
            set_tag_in(tx, run_id, tag)
        })
    }

    pub fn delete_tag(&self, run_id: &str, key: &str) -> Result<()> {
        self.write_db(|tx| {
            check_active(tx, run_id)?;
            let n = tx.exec("DELETE FROM tags WHERE run_id = ?1 AND key = ?2", args![run_id, key])?;
            if n == 0 {
                return Err(StoreError::NotFound(format!(
                    "No tag with name: {key} in run with id {run_id}"
                )));
            }
            Ok(())
        })
    }

    /// Records that a run's process is alive; it becomes Lost after two intervals of silence.
    pub fn heartbeat(&self, run_id: &str, interval_secs: Option<f64>) -> Result<()> {
        let interval_ms = (interval_secs.unwrap_or(DEFAULT_HEARTBEAT_SECS).clamp(0.05, 3600.0) * 1000.0) as i64;
        self.write_db(|tx| {
            let n = tx.exec(
                "UPDATE runs SET heartbeat_time = ?1, heartbeat_interval_ms = ?2 WHERE run_id = ?3",
                args![now_ms(), interval_ms, run_id],
            )?;
            if n == 0 { Err(not_found(run_id)) } else { Ok(()) }
        })
    }

    /// Marks Lost every running run whose heartbeats stopped two intervals ago; returns their ids.
    pub fn sweep_lost_runs(&self, now: i64) -> Result<Vec<String>> {
        self.write_db(|tx| {
            // Servers over one database sweep in turn: one that finds another sweeping leaves it.
            if tx.dialect() == Dialect::Postgres
                && tx.value::<bool>("SELECT pg_try_advisory_xact_lock(7470002)", args![])? != Some(true)
            {
                return Ok(Vec::new());
            }
            let ids: Vec<String> = tx.rows(
                "SELECT run_id FROM runs WHERE status = 'RUNNING' AND heartbeat_time IS NOT NULL
                 AND heartbeat_time + 2 * heartbeat_interval_ms < ?1",
                args![now],
                |r| r.get(0),
            )?;
            for id in &ids {
                tx.exec(
                    "UPDATE runs SET status = 'LOST', end_time = heartbeat_time WHERE run_id = ?1",
                    args![id],
                )?;
            }
            Ok(ids)
        })
    }
}
