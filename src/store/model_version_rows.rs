//! Model versions read from their tables: one or many with their tags and aliases in three
//! queries, the checks that a version exists, where its files are, and how a search reads one.

use super::registry::check_model;
use super::registry_search::tag_field;
use super::sql::{Arg, Db, args};
use super::{Result, StoreError};
use crate::api::KeyValue;
use crate::api::registry::ModelVersion;
use crate::query::{Field, FieldValue, Subject};

/// A version as sent (a string), as a number.
pub(super) fn version_number(text: &str) -> Result<i64> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| StoreError::Invalid(format!("Parameter 'version' must be an integer, got '{text}'.")))
}

fn version_not_found(name: &str, version: i64) -> StoreError {
    StoreError::NotFound(format!("Model Version (name={name}, version={version}) not found"))
}

/// Fails unless the registered model and its version exist (saying which is missing).
pub(super) fn check_version(conn: &Db<'_>, name: &str, version: i64) -> Result<()> {
    check_model(conn, name)?;
    conn.value::<i64>(
        "SELECT 1 FROM model_versions WHERE name = ?1 AND version = ?2",
        args![name, version],
    )?
    .map(|_| ())
    .ok_or_else(|| version_not_found(name, version))
}

/// Versions with their tags and aliases (`clause` on `v`), by name and version.
pub(super) fn load_versions(conn: &Db<'_>, clause: &str, args: &[&dyn Arg]) -> Result<Vec<ModelVersion>> {
    let mut versions = conn.rows(
        &format!(
            "SELECT v.name, v.version, v.creation_time, v.last_updated_time, v.description, v.current_stage, v.source,
                    v.run_id, v.run_link, v.model_id
             FROM model_versions v WHERE {clause} ORDER BY v.name, v.version"
        ),
        args,
        |r| {
            Ok(ModelVersion {
                name: r.get(0)?,
                version: r.get::<i64>(1)?.to_string(),
                creation_timestamp: r.get(2)?,
                last_updated_timestamp: r.get(3)?,
                description: r.get(4)?,
                current_stage: r.get(5)?,
                source: r.get(6)?,
                run_id: r.get(7)?,
                run_link: r.get(8)?,
                model_id: r.get(9)?,
                status: "READY".into(),
                ..Default::default()
            })
        },
    )?;
    let index: std::collections::HashMap<(String, String), usize> = versions
        .iter()
        .enumerate()
        .map(|(i, v)| ((v.name.clone(), v.version.clone()), i))
        .collect();
    conn.each(
        &format!(
            "SELECT t.name, t.version, t.key, t.value FROM model_version_tags t
             JOIN model_versions v ON v.name = t.name AND v.version = t.version WHERE {clause} ORDER BY t.key"
        ),
        args,
        |r| {
            let (name, version): (String, i64) = (r.get(0)?, r.get(1)?);
            if let Some(&i) = index.get(&(name, version.to_string())) {
                versions[i].tags.push(KeyValue {
                    key: r.get(2)?,
                    value: r.get(3)?,
                });
            }
            Ok(())
        },
    )?;
    conn.each(
        &format!(
            "SELECT a.name, a.version, a.alias FROM registered_model_aliases a
             JOIN model_versions v ON v.name = a.name AND v.version = a.version WHERE {clause} ORDER BY a.alias"
        ),
        args,
        |r| {
            let (name, version): (String, i64) = (r.get(0)?, r.get(1)?);
            if let Some(&i) = index.get(&(name, version.to_string())) {
                versions[i].aliases.push(r.get(2)?);
            }
            Ok(())
        },
    )?;
    Ok(versions)
}

pub(super) fn load_version(conn: &Db<'_>, name: &str, version: i64) -> Result<ModelVersion> {
    check_model(conn, name)?;
    load_versions(conn, "v.name = ?1 AND v.version = ?2", args![name, version])?
        .pop()
        .ok_or_else(|| version_not_found(name, version))
}

pub(super) fn storage_location(conn: &Db<'_>, name: &str, version: i64) -> Result<String> {
    check_version(conn, name, version)?;
    conn.value(
        "SELECT storage_location FROM model_versions WHERE name = ?1 AND version = ?2",
        args![name, version],
    )?
    .ok_or_else(|| version_not_found(name, version))
}

impl Subject for ModelVersion {
    fn field(&self, f: &Field) -> Option<FieldValue> {
        let s = |v: &str| Some(FieldValue::Str(v.to_string()));
        match f {
            Field::Attr(a) => match a.as_str() {
                "name" => s(&self.name),
                "run_id" => self.run_id.as_deref().and_then(s),
                "source_path" | "source" => s(&self.source),
                "version_number" | "version" => self.version.parse::<f64>().ok().map(FieldValue::Num),
                "current_stage" => s(&self.current_stage),
                "model_id" => self.model_id.as_deref().and_then(s),
                "creation_timestamp" => Some(FieldValue::Num(self.creation_timestamp as f64)),
                "last_updated_timestamp" => Some(FieldValue::Num(self.last_updated_timestamp as f64)),
                _ => None,
            },
            Field::Tag(k) => tag_field(&self.tags, k),
            Field::Metric(_) | Field::Param(_) => None,
        }
    }
}
