//! Experiments: create, read, rename, tag, delete and restore, and search.

use super::search::{Page, ViewType, paginate};
use super::sql::{Db, args};
use super::{Result, Store, StoreError};
use crate::api::ids::now_ms;
use crate::api::{Experiment, KeyValue};
use crate::query::{self, Field, FieldValue, Subject};

/// MLflow's limit on experiment names and tag values.
const MAX_NAME_LEN: usize = 500;
const MAX_TAG_VALUE_LEN: usize = 5000;

/// The experiments `condition` selects (over `experiments`), by id, with their tags: one query
/// for the experiments and one for all their tags.
fn experiments_where(db: &Db<'_>, condition: &str, a: &[&dyn super::sql::Arg]) -> Result<Vec<Experiment>> {
    let mut experiments = db.rows(&format!("{SELECT} WHERE {condition} ORDER BY experiment_id"), a, |r| {
        Ok(Experiment {
            experiment_id: r.get::<i64>(0)?.to_string(),
            name: r.get(1)?,
            artifact_location: r.get(2)?,
            lifecycle_stage: r.get(3)?,
            creation_time: r.get(4)?,
            last_update_time: r.get(5)?,
            tags: Vec::new(),
        })
    })?;
    let index: std::collections::HashMap<String, usize> = experiments
        .iter()
        .enumerate()
        .map(|(i, e)| (e.experiment_id.clone(), i))
        .collect();
    db.each(
        &format!(
            "SELECT experiment_id, key, value FROM experiment_tags
             WHERE experiment_id IN (SELECT experiment_id FROM experiments WHERE {condition}) ORDER BY key"
        ),
        a,
        |r| {
            if let Some(&i) = index.get(&r.get::<i64>(0)?.to_string()) {
                experiments[i].tags.push(KeyValue {
                    key: r.get(1)?,
                    value: r.get(2)?,
                });
            }
            Ok(())
        },
    )?;
    Ok(experiments)
}

const SELECT: &str =
    "SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time FROM experiments";

/// Parses an experiment id as MLflow sends it (a decimal string).
pub fn parse_experiment_id(id: &str) -> Result<i64> {
    id.trim()
        .parse::<i64>()
        .map_err(|_| StoreError::Invalid(format!("Invalid experiment id '{id}': expected a number")))
}

fn validate_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(StoreError::Invalid(
            "Invalid experiment name: it must not be empty".into(),
        ));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(StoreError::Invalid(format!(
            "Experiment name longer than {MAX_NAME_LEN} characters"
        )));
    }
    Ok(())
}

pub(super) fn get_in(db: &Db<'_>, id: i64) -> Result<Experiment> {
    experiments_where(db, "experiment_id = ?1", args![id])?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("No Experiment with id={id} exists")))
}

pub(super) fn create_in(db: &Db<'_>, name: &str, artifact_location: Option<&str>, tags: &[KeyValue]) -> Result<i64> {
    validate_name(name)?;
    let exists: Option<i64> = db.value("SELECT experiment_id FROM experiments WHERE name = ?1", args![name])?;
    if exists.is_some() {
        return Err(StoreError::AlreadyExists(format!(
            "Experiment(name={name}) already exists."
        )));
    }
    for t in tags {
        validate_tag(t)?;
    }
    let now = now_ms();
    let id: i64 = db
        .value(
            "INSERT INTO experiments (name, artifact_location, creation_time, last_update_time)
             VALUES (?1, '', ?2, ?2) RETURNING experiment_id",
            args![name, now],
        )?
        .ok_or_else(|| StoreError::Internal("the new experiment has no id".into()))?;
    place(db, id, artifact_location)?;
    for t in tags {
        put_tag(db, id, t)?;
    }
    Ok(id)
}

/// Where an experiment's artifacts go: as given, or under the server's own root.
fn place(db: &Db<'_>, id: i64, artifact_location: Option<&str>) -> Result<()> {
    let location = match artifact_location.filter(|l| !l.is_empty()) {
        Some(l) => l.to_string(),
        None => format!("mlflow-artifacts:/{id}"),
    };
    db.exec(
        "UPDATE experiments SET artifact_location = ?1 WHERE experiment_id = ?2",
        args![location, id],
    )?;
    Ok(())
}

/// The experiment with this name, made when there is none. Safe when servers over one database
/// make the same one at once: the one that loses finds the winner's.
pub(super) fn ensure_in(db: &Db<'_>, name: &str) -> Result<i64> {
    validate_name(name)?;
    let made: Option<i64> = db.value(
        "INSERT INTO experiments (name, artifact_location, creation_time, last_update_time)
         VALUES (?1, '', ?2, ?2) ON CONFLICT (name) DO NOTHING RETURNING experiment_id",
        args![name, now_ms()],
    )?;
    match made {
        Some(id) => {
            place(db, id, None)?;
            Ok(id)
        }
        None => db
            .value("SELECT experiment_id FROM experiments WHERE name = ?1", args![name])?
            .ok_or_else(|| StoreError::Internal(format!("experiment '{name}' was neither made nor found"))),
    }
}

fn put_tag(db: &Db<'_>, id: i64, t: &KeyValue) -> Result<()> {
    db.exec(
        "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value",
        args![id, t.key, t.value],
    )?;
    Ok(())
}

fn validate_tag(t: &KeyValue) -> Result<()> {
    if t.key.is_empty() || t.key.len() > 250 {
        return Err(StoreError::Invalid("Tag keys must be 1 to 250 characters long".into()));
    }
    if t.value.len() > MAX_TAG_VALUE_LEN {
        return Err(StoreError::Invalid(format!(
            "Tag value longer than {MAX_TAG_VALUE_LEN} characters"
        )));
    }
    Ok(())
}

impl Subject for Experiment {
    fn field(&self, f: &Field) -> Option<FieldValue> {
        match f {
            Field::Tag(k) => self
                .tags
                .iter()
                .find(|t| &t.key == k)
                .map(|t| FieldValue::Str(t.value.clone())),
            Field::Attr(a) => match a.as_str() {
                "name" => Some(FieldValue::Str(self.name.clone())),
                "experiment_id" => Some(FieldValue::Str(self.experiment_id.clone())),
                "creation_time" => Some(FieldValue::Num(self.creation_time as f64)),
                "last_update_time" => Some(FieldValue::Num(self.last_update_time as f64)),
                "lifecycle_stage" => Some(FieldValue::Str(self.lifecycle_stage.clone())),
                _ => None,
            },
            _ => None,
        }
    }
}

impl Store {
    pub fn create_experiment(&self, name: &str, artifact_location: Option<&str>, tags: &[KeyValue]) -> Result<String> {
        self.write_db(|db| create_in(db, name, artifact_location, tags))
            .map(|id| id.to_string())
    }

    /// An experiment made with the id it has elsewhere (a store read in place keeps its ids, so
    /// that they mean what they meant there); the same id and name again is no change.
    pub fn create_experiment_with_id(&self, id: &str, name: &str, tags: &[KeyValue]) -> Result<()> {
        let id = parse_experiment_id(id)?;
        validate_name(name)?;
        for t in tags {
            validate_tag(t)?;
        }
        self.write_db(|db| {
            let existing: Option<String> =
                db.value("SELECT name FROM experiments WHERE experiment_id = ?1", args![id])?;
            match existing {
                Some(n) if n == name => return Ok(()),
                Some(n) => {
                    return Err(StoreError::AlreadyExists(format!(
                        "Experiment {id} already exists, named '{n}'."
                    )));
                }
                None => {}
            }
            let taken: Option<i64> = db.value("SELECT experiment_id FROM experiments WHERE name = ?1", args![name])?;
            if taken.is_some() {
                return Err(StoreError::AlreadyExists(format!(
                    "Experiment(name={name}) already exists."
                )));
            }
            let now = now_ms();
            db.exec(
                "INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time)
                 VALUES (?1, ?2, '', ?3, ?3)",
                args![id, name, now],
            )?;
            place(db, id, None)?;
            for t in tags {
                put_tag(db, id, t)?;
            }
            Ok(())
        })
    }

    pub fn get_experiment(&self, id: &str) -> Result<Experiment> {
        let id = parse_experiment_id(id)?;
        self.read_db(|db| get_in(db, id))
    }

    pub fn get_experiment_by_name(&self, name: &str) -> Result<Experiment> {
        self.read_db(|db| {
            experiments_where(db, "name = ?1", args![name])?
                .pop()
                .ok_or_else(|| StoreError::NotFound(format!("Could not find experiment with name '{name}'")))
        })
    }

    /// The experiment with this name, created when there is none.
    pub fn ensure_experiment(&self, name: &str) -> Result<String> {
        self.write_db(|db| ensure_in(db, name)).map(|id| id.to_string())
    }

    fn set_experiment_stage(&self, id: &str, stage: &str) -> Result<()> {
        let id = parse_experiment_id(id)?;
        self.write_db(|db| {
            get_in(db, id)?;
            db.exec(
                "UPDATE experiments SET lifecycle_stage = ?1, last_update_time = ?2 WHERE experiment_id = ?3",
                args![stage, now_ms(), id],
            )?;
            db.exec(
                "UPDATE runs SET lifecycle_stage = ?1 WHERE experiment_id = ?2",
                args![stage, id],
            )?;
            Ok(())
        })
    }

    pub fn delete_experiment(&self, id: &str) -> Result<()> {
        if parse_experiment_id(id)? == 0 {
            return Err(StoreError::Invalid("Cannot delete the default experiment '0'.".into()));
        }
        self.set_experiment_stage(id, "deleted")
    }

    pub fn restore_experiment(&self, id: &str) -> Result<()> {
        self.set_experiment_stage(id, "active")
    }

    pub fn rename_experiment(&self, id: &str, new_name: &str) -> Result<()> {
        let id = parse_experiment_id(id)?;
        validate_name(new_name)?;
        self.write_db(|db| {
            get_in(db, id)?;
            let taken: Option<i64> =
                db.value("SELECT experiment_id FROM experiments WHERE name = ?1", args![new_name])?;
            if taken.is_some_and(|t| t != id) {
                return Err(StoreError::AlreadyExists(format!(
                    "Experiment(name={new_name}) already exists."
                )));
            }
            db.exec(
                "UPDATE experiments SET name = ?1, last_update_time = ?2 WHERE experiment_id = ?3",
                args![new_name, now_ms(), id],
            )?;
            Ok(())
        })
    }

    pub fn set_experiment_tag(&self, id: &str, tag: &KeyValue) -> Result<()> {
        let id = parse_experiment_id(id)?;
        validate_tag(tag)?;
        self.write_db(|db| {
            get_in(db, id)?;
            put_tag(db, id, tag)
        })
    }

    /// Removes a tag; a tag that is not there is a 404, as MLflow has it.
    pub fn delete_experiment_tag(&self, id: &str, key: &str) -> Result<()> {
        let id = parse_experiment_id(id)?;
        self.write_db(|db| {
            get_in(db, id)?;
            let n = db.exec(
                "DELETE FROM experiment_tags WHERE experiment_id = ?1 AND key = ?2",
                args![id, key],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(format!(
                    "No tag with name: {key} in experiment with id {id}"
                )));
            }
            Ok(())
        })
    }

    pub fn search_experiments(
        &self,
        view: ViewType,
        filter: &str,
        order_by: &[String],
        page: &Page,
    ) -> Result<(Vec<Experiment>, Option<String>)> {
        let expr = query::parse_filter(filter).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let orders = order_by
            .iter()
            .map(|o| query::parse_order_by(o))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut all = self.read_db(|db| experiments_where(db, "1 = 1", args![]))?;
        all.retain(|e| view.keeps(&e.lifecycle_stage) && expr.matches(e));
        if orders.is_empty() {
            // MLflow's default: newest first, then by id.
            let id = |e: &Experiment| e.experiment_id.parse::<i64>().unwrap_or(i64::MAX);
            all.sort_by(|a, b| b.creation_time.cmp(&a.creation_time).then(id(a).cmp(&id(b))));
        } else {
            all.sort_by(|a, b| {
                orders
                    .iter()
                    .map(|o| query::order_values(&a.field(&o.field), &b.field(&o.field), o.descending))
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        }
        paginate(all, page)
    }
}
