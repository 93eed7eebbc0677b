//! Experiments: create, read, rename, tag, delete and restore, and search.

use super::search::{Page, ViewType, paginate};
use super::{Result, Store, StoreError};
use crate::api::ids::now_ms;
use crate::api::{Experiment, KeyValue};
use crate::query::{self, Field, FieldValue, Subject};
use rusqlite::{Connection, OptionalExtension, params};

/// MLflow's limit on experiment names and tag values.
const MAX_NAME_LEN: usize = 500;
const MAX_TAG_VALUE_LEN: usize = 5000;

fn experiment_from_row(conn: &Connection, row: &rusqlite::Row) -> rusqlite::Result<Experiment> {
    let id: i64 = row.get(0)?;
    let mut tags_stmt =
        conn.prepare_cached("SELECT key, value FROM experiment_tags WHERE experiment_id = ?1 ORDER BY key")?;
    let tags = tags_stmt
        .query_map([id], |r| {
            Ok(KeyValue {
                key: r.get(0)?,
                value: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Experiment {
        experiment_id: id.to_string(),
        name: row.get(1)?,
        artifact_location: row.get(2)?,
        lifecycle_stage: row.get(3)?,
        creation_time: row.get(4)?,
        last_update_time: row.get(5)?,
        tags,
    })
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

pub(super) fn get_in(conn: &Connection, id: i64) -> Result<Experiment> {
    conn.query_row(&format!("{SELECT} WHERE experiment_id = ?1"), [id], |r| {
        experiment_from_row(conn, r)
    })
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("No Experiment with id={id} exists")))
}

pub(super) fn create_in(
    conn: &Connection,
    name: &str,
    artifact_location: Option<&str>,
    tags: &[KeyValue],
) -> Result<i64> {
    validate_name(name)?;
    let exists: Option<i64> = conn
        .query_row("SELECT experiment_id FROM experiments WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?;
    if exists.is_some() {
        return Err(StoreError::AlreadyExists(format!(
            "Experiment(name={name}) already exists."
        )));
    }
    for t in tags {
        validate_tag(t)?;
    }
    let now = now_ms();
    conn.execute(
        "INSERT INTO experiments (name, artifact_location, creation_time, last_update_time) VALUES (?1, '', ?2, ?2)",
        params![name, now],
    )?;
    let id = conn.last_insert_rowid();
    let location = match artifact_location.filter(|l| !l.is_empty()) {
        Some(l) => l.to_string(),
        None => format!("mlflow-artifacts:/{id}"),
    };
    conn.execute(
        "UPDATE experiments SET artifact_location = ?1 WHERE experiment_id = ?2",
        params![location, id],
    )?;
    for t in tags {
        conn.execute(
            "INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?1, ?2, ?3)",
            params![id, t.key, t.value],
        )?;
    }
    Ok(id)
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
        self.write(|tx| create_in(tx, name, artifact_location, tags))
            .map(|id| id.to_string())
    }

    pub fn get_experiment(&self, id: &str) -> Result<Experiment> {
        let id = parse_experiment_id(id)?;
        self.read(|c| get_in(c, id))
    }

    pub fn get_experiment_by_name(&self, name: &str) -> Result<Experiment> {
        self.read(|c| {
            c.query_row(&format!("{SELECT} WHERE name = ?1"), [name], |r| {
                experiment_from_row(c, r)
            })
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("Could not find experiment with name '{name}'")))
        })
    }

    /// The experiment with this name, created when there is none.
    pub fn ensure_experiment(&self, name: &str) -> Result<String> {
        self.write(|tx| {
            let found: Option<i64> = tx
                .query_row("SELECT experiment_id FROM experiments WHERE name = ?1", [name], |r| {
                    r.get(0)
                })
                .optional()?;
            match found {
                Some(id) => Ok(id),
                None => create_in(tx, name, None, &[]),
            }
        })
        .map(|id| id.to_string())
    }

    fn set_experiment_stage(&self, id: &str, stage: &str) -> Result<()> {
        let id = parse_experiment_id(id)?;
        self.write(|tx| {
            get_in(tx, id)?;
            tx.execute(
                "UPDATE experiments SET lifecycle_stage = ?1, last_update_time = ?2 WHERE experiment_id = ?3",
                params![stage, now_ms(), id],
            )?;
            tx.execute(
                "UPDATE runs SET lifecycle_stage = ?1 WHERE experiment_id = ?2",
                params![stage, id],
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
        self.write(|tx| {
            get_in(tx, id)?;
            let taken: Option<i64> = tx
                .query_row(
                    "SELECT experiment_id FROM experiments WHERE name = ?1",
                    [new_name],
                    |r| r.get(0),
                )
                .optional()?;
            if taken.is_some_and(|t| t != id) {
                return Err(StoreError::AlreadyExists(format!(
                    "Experiment(name={new_name}) already exists."
                )));
            }
            tx.execute(
                "UPDATE experiments SET name = ?1, last_update_time = ?2 WHERE experiment_id = ?3",
                params![new_name, now_ms(), id],
            )?;
            Ok(())
        })
    }

    pub fn set_experiment_tag(&self, id: &str, tag: &KeyValue) -> Result<()> {
        let id = parse_experiment_id(id)?;
        validate_tag(tag)?;
        self.write(|tx| {
            get_in(tx, id)?;
            tx.execute(
                "INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?1, ?2, ?3)",
                params![id, tag.key, tag.value],
            )?;
            Ok(())
        })
    }

    /// Removes a tag; a tag that is not there is a 404, as MLflow has it.
    pub fn delete_experiment_tag(&self, id: &str, key: &str) -> Result<()> {
        let id = parse_experiment_id(id)?;
        self.write(|tx| {
            get_in(tx, id)?;
            let n = tx.execute(
                "DELETE FROM experiment_tags WHERE experiment_id = ?1 AND key = ?2",
                params![id, key],
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
        let mut all = self.read(|c| {
            let mut stmt = c.prepare(&format!("{SELECT} ORDER BY experiment_id"))?;
            let rows = stmt
                .query_map([], |r| experiment_from_row(c, r))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })?;
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
