//! MLflow's model registry, registered models side: create, read, describe, rename, delete, tags,
//! aliases and search. Their versions are in `model_versions`.

use super::model_version_rows::{check_version, load_version, load_versions, version_number};
use super::registry_search::{order_clause, page_size, sort_and_page, tag_field};
use super::sql::{Arg, Db, args};
use super::{Result, Store, StoreError};
use crate::api::KeyValue;
use crate::api::ids::now_ms;
use crate::api::registry::{ModelVersion, RegisteredModel, RegisteredModelAlias, RegistrySearch};
use crate::query::{self, Field, FieldValue, Subject};

/// Search pages: MLflow's default and largest.
const DEFAULT_MODELS_PAGE: i64 = 100;
const MAX_MODELS_PAGE: i64 = 1000;

pub(super) fn model_not_found(name: &str) -> StoreError {
    StoreError::NotFound(format!("Registered Model with name={name} not found"))
}

/// A name the registry takes: not empty, and short enough to index.
pub(super) fn checked_name<'a>(name: Option<&'a str>, field: &str) -> Result<&'a str> {
    match name {
        Some(n) if !n.trim().is_empty() && n.len() <= 256 => Ok(n),
        Some(n) if n.len() > 256 => Err(StoreError::Invalid(format!(
            "'{field}' exceeds the maximum length of 256 characters"
        ))),
        _ => Err(StoreError::Invalid(format!(
            "Missing value for required parameter '{field}'. See the API docs for more information about request parameters."
        ))),
    }
}

/// Fails unless the registered model exists.
pub(super) fn check_model(conn: &Db<'_>, name: &str) -> Result<()> {
    conn.value::<i64>("SELECT 1 FROM registered_models WHERE name = ?1", args![name])?
        .map(|_| ())
        .ok_or_else(|| model_not_found(name))
}

/// Marks the registered model as changed now.
pub(super) fn touch(tx: &Db<'_>, name: &str, now: i64) -> Result<()> {
    tx.exec(
        "UPDATE registered_models SET last_updated_time = ?2 WHERE name = ?1",
        args![name, now],
    )?;
    Ok(())
}

/// Registered models with their tags, aliases and latest version per stage (`clause` on `m`).
fn load_models(conn: &Db<'_>, clause: &str, args: &[&dyn Arg]) -> Result<Vec<RegisteredModel>> {
    let mut models = conn.rows(
        &format!(
            "SELECT m.name, m.creation_time, m.last_updated_time, m.description FROM registered_models m WHERE {clause}"
        ),
        args,
        |r| {
            Ok(RegisteredModel {
                name: r.get(0)?,
                creation_timestamp: r.get(1)?,
                last_updated_timestamp: r.get(2)?,
                description: r.get::<Option<String>>(3)?.filter(|d| !d.is_empty()),
                ..Default::default()
            })
        },
    )?;
    let index: std::collections::HashMap<String, usize> =
        models.iter().enumerate().map(|(i, m)| (m.name.clone(), i)).collect();
    conn.each(
        &format!(
            "SELECT t.name, t.key, t.value FROM registered_model_tags t JOIN registered_models m ON m.name = t.name
             WHERE {clause} ORDER BY t.name, t.key"
        ),
        args,
        |r| {
            let name: String = r.get(0)?;
            if let Some(&i) = index.get(&name) {
                models[i].tags.push(KeyValue {
                    key: r.get(1)?,
                    value: r.get(2)?,
                });
            }
            Ok(())
        },
    )?;
    conn.each(
        &format!(
            "SELECT a.name, a.alias, a.version FROM registered_model_aliases a JOIN registered_models m ON m.name = a.name
             WHERE {clause} ORDER BY a.name, a.alias"
        ),
        args,
        |r| {
            let name: String = r.get(0)?;
            if let Some(&i) = index.get(&name) {
                models[i].aliases.push(RegisteredModelAlias {
                    alias: r.get(1)?,
                    version: r.get::<i64>(2)?.to_string(),
                });
            }
            Ok(())
        },
    )?;
    let latest = load_versions(
        conn,
        &format!(
            "v.version = (SELECT MAX(l.version) FROM model_versions l WHERE l.name = v.name AND l.current_stage = v.current_stage)
             AND v.name IN (SELECT m.name FROM registered_models m WHERE {clause})"
        ),
        args,
    )?;
    for v in latest {
        if let Some(&i) = index.get(&v.name) {
            models[i].latest_versions.push(v);
        }
    }
    Ok(models)
}

fn load_model(conn: &Db<'_>, name: &str) -> Result<RegisteredModel> {
    load_models(conn, "m.name = ?1", args![name])?
        .pop()
        .ok_or_else(|| model_not_found(name))
}

impl Subject for RegisteredModel {
    fn field(&self, f: &Field) -> Option<FieldValue> {
        match f {
            Field::Attr(a) => match a.as_str() {
                "name" => Some(FieldValue::Str(self.name.clone())),
                "creation_timestamp" => Some(FieldValue::Num(self.creation_timestamp as f64)),
                "last_updated_timestamp" => Some(FieldValue::Num(self.last_updated_timestamp as f64)),
                _ => None,
            },
            Field::Tag(k) => tag_field(&self.tags, k),
            Field::Metric(_) | Field::Param(_) => None,
        }
    }
}

impl Store {
    pub fn create_registered_model(
        &self,
        name: Option<&str>,
        tags: &[KeyValue],
        description: Option<&str>,
    ) -> Result<RegisteredModel> {
        let name = checked_name(name, "name")?;
        let now = now_ms();
        self.write_db(|tx| {
            let added = tx.exec(
                "INSERT INTO registered_models (name, creation_time, last_updated_time, description)
                 VALUES (?1, ?2, ?2, ?3) ON CONFLICT (name) DO NOTHING",
                args![name, now, description],
            )?;
            if added == 0 {
                return Err(StoreError::AlreadyExists(format!(
                    "Registered Model (name={name}) already exists."
                )));
            }
            for t in tags {
                set_tag(tx, name, t)?;
            }
            load_model(tx, name)
        })
    }

    pub fn get_registered_model(&self, name: &str) -> Result<RegisteredModel> {
        let name = checked_name(Some(name), "name")?;
        self.read_db(|c| load_model(c, name))
    }

    pub fn update_registered_model(&self, name: &str, description: Option<&str>) -> Result<RegisteredModel> {
        self.write_db(|tx| {
            check_model(tx, name)?;
            tx.exec(
                "UPDATE registered_models SET description = ?2, last_updated_time = ?3 WHERE name = ?1",
                args![name, description, now_ms()],
            )?;
            load_model(tx, name)
        })
    }

    /// Renames the model with its versions, tags and aliases.
    pub fn rename_registered_model(&self, name: &str, new_name: Option<&str>) -> Result<RegisteredModel> {
        let new_name = checked_name(new_name, "new_name")?;
        self.write_db(|tx| {
            check_model(tx, name)?;
            if name != new_name && check_model(tx, new_name).is_ok() {
                return Err(StoreError::AlreadyExists(format!(
                    "Registered Model (name={new_name}) already exists."
                )));
            }
            for table in [
                "registered_models",
                "registered_model_tags",
                "registered_model_aliases",
                "model_versions",
                "model_version_tags",
            ] {
                tx.exec(
                    &format!("UPDATE {table} SET name = ?2 WHERE name = ?1"),
                    args![name, new_name],
                )?;
            }
            touch(tx, new_name, now_ms())?;
            load_model(tx, new_name)
        })
    }

    /// Deletes the model and everything of it: versions, tags, aliases.
    pub fn delete_registered_model(&self, name: &str) -> Result<()> {
        self.write_db(|tx| {
            check_model(tx, name)?;
            for table in [
                "model_version_tags",
                "model_versions",
                "registered_model_aliases",
                "registered_model_tags",
                "registered_models",
            ] {
                tx.exec(&format!("DELETE FROM {table} WHERE name = ?1"), args![name])?;
            }
            Ok(())
        })
    }

    pub fn set_registered_model_tag(&self, name: &str, tag: &KeyValue) -> Result<()> {
        self.write_db(|tx| {
            check_model(tx, name)?;
            set_tag(tx, name, tag)?;
            touch(tx, name, now_ms())
        })
    }

    pub fn delete_registered_model_tag(&self, name: &str, key: &str) -> Result<()> {
        self.write_db(|tx| {
            check_model(tx, name)?;
            tx.exec(
                "DELETE FROM registered_model_tags WHERE name = ?1 AND key = ?2",
                args![name, key],
            )?;
            touch(tx, name, now_ms())
        })
    }

    /// Points `alias` at a version (moving it if it pointed elsewhere).
    pub fn set_registered_model_alias(&self, name: &str, alias: &str, version: &str) -> Result<()> {
        check_alias(alias)?;
        let version = version_number(version)?;
        self.write_db(|tx| {
            check_version(tx, name, version)?;
            tx.exec(
                "INSERT INTO registered_model_aliases (name, alias, version) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version",
                args![name, alias, version],
            )?;
            touch(tx, name, now_ms())
        })
    }

    pub fn delete_registered_model_alias(&self, name: &str, alias: &str) -> Result<()> {
        self.write_db(|tx| {
            check_model(tx, name)?;
            tx.exec(
                "DELETE FROM registered_model_aliases WHERE name = ?1 AND alias = ?2",
                args![name, alias],
            )?;
            touch(tx, name, now_ms())
        })
    }

    pub fn model_version_by_alias(&self, name: &str, alias: &str) -> Result<ModelVersion> {
        self.read_db(|c| {
            check_model(c, name)?;
            let version: i64 = c
                .value(
                    "SELECT version FROM registered_model_aliases WHERE name = ?1 AND alias = ?2",
                    args![name, alias],
                )?
                .ok_or_else(|| StoreError::NotFound(format!("Registered model alias {alias} not found.")))?;
            load_version(c, name, version)
        })
    }

    /// The newest version in each of the stages given (in every stage when none are).
    pub fn latest_model_versions(&self, name: &str, stages: &[String]) -> Result<Vec<ModelVersion>> {
        let wanted = stages
            .iter()
            .map(|s| {
                crate::api::registry::canonical_stage(s)
                    .ok_or_else(|| StoreError::Invalid(format!("Invalid Model Version stage: {s}.")))
            })
            .collect::<Result<Vec<_>>>()?;
        let model = self.get_registered_model(name)?;
        Ok(model
            .latest_versions
            .into_iter()
            .filter(|v| wanted.is_empty() || wanted.contains(&v.current_stage.as_str()))
            .collect())
    }

    /// Registered models matching the filter, by name unless ordered otherwise, a page at a time.
    pub fn search_registered_models(&self, q: &RegistrySearch) -> Result<(Vec<RegisteredModel>, Option<String>)> {
        let expr = query::parse_filter(&q.filter)
            .map_err(|e| StoreError::Invalid(e.to_string()))?
            .missing_tags_differ();
        let limit = page_size(q.max_results, DEFAULT_MODELS_PAGE, MAX_MODELS_PAGE)?;
        let valid = ["name", "creation_timestamp", "last_updated_timestamp"];
        let mut order = q
            .order_by
            .iter()
            .map(|o| order_clause(o, &valid))
            .collect::<Result<Vec<_>>>()?;
        if !order.iter().any(|(f, _)| f == "name") {
            order.push(("name".into(), false));
        }
        let mut models = self.read_db(|c| load_models(c, "1 = 1", args![]))?;
        models.retain(|m| expr.matches(m));
        sort_and_page(models, &order, limit, q.page_token.as_deref())
    }
}

fn set_tag(tx: &Db<'_>, name: &str, tag: &KeyValue) -> Result<()> {
    checked_name(Some(&tag.key), "key")?;
    tx.exec(
        "INSERT INTO registered_model_tags (name, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (name, key) DO UPDATE SET value = excluded.value",
        args![name, tag.key, tag.value],
    )?;
    Ok(())
}

/// MLflow's alias rules: letters, digits, `_` and `-`; not `latest`, not a version like `v3`.
fn check_alias(alias: &str) -> Result<()> {
    let refuse = |why: String| Err(StoreError::Invalid(why));
    if alias.is_empty() {
        return refuse("Registered model alias name cannot be empty.".into());
    }
    if !alias.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') || alias.len() > 255 {
        return refuse(format!(
            "Invalid alias name: '{alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-), at most 255."
        ));
    }
    if alias.eq_ignore_ascii_case("latest") {
        return refuse("'latest' alias name (case insensitive) is reserved.".into());
    }
    let mut chars = alias.chars();
    if matches!(chars.next(), Some('v' | 'V')) && chars.as_str().parse::<u64>().is_ok() {
        return refuse(format!("Version alias name '{alias}' is reserved."));
    }
    Ok(())
}
