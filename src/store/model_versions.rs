//! MLflow's model registry, versions side: a version is a numbered pointer from a registered model
//! to a model's files (its source), with a stage, tags and aliases, and the run or logged model it
//! came from.

use super::model_source::{self, ModelUri};
use super::model_version_rows::{check_version, load_version, load_versions, storage_location, version_number};
use super::registry::{check_model, checked_name, touch};
use super::registry_search::{order_clause, page_size, sort_and_page};
use super::sql::{Db, args};
use super::{ArtifactPath, Result, Store, StoreError};
use crate::api::KeyValue;
use crate::api::ids::now_ms;
use crate::api::models::LoggedModel;
use crate::api::registry::{CreateModelVersion, ModelVersion, RegistrySearch, canonical_stage};
use crate::query;

const DEFAULT_VERSIONS_PAGE: i64 = 10_000;
const MAX_VERSIONS_PAGE: i64 = 200_000;

impl Store {
    /// Registers the next version of a model from a source, checked as MLflow checks it. A
    /// `models:/` source is stored as given and its files located (a logged model's, or another
    /// version's); a logged model it came from records the version in its `mlflow.modelVersions` tag.
    pub fn create_model_version(&self, req: &CreateModelVersion) -> Result<ModelVersion> {
        let name = checked_name(req.name.as_deref(), "name")?;
        let source = checked_name(req.source.as_deref(), "source")?;
        let model_id = req.model_id.as_deref().filter(|m| !m.is_empty());
        // The logged model the version comes from, read once for every use below.
        let model = model_id.map(|id| self.get_logged_model(id)).transpose()?;
        let mut run_id = req.run_id.clone().filter(|r| !r.is_empty());
        self.check_source(source, run_id.as_deref(), model.as_ref())?;
        let mut storage = source.to_string();
        if let Some(uri) = model_source::parse_model_uri(source) {
            let fetched = uri.and_then(|uri| match uri {
                ModelUri::LoggedModel(id) => {
                    let m = match &model {
                        Some(m) if m.info.model_id == id => m.clone(),
                        _ => self.get_logged_model(&id)?,
                    };
                    run_id = run_id.take().or(m.info.source_run_id);
                    Ok(m.info.artifact_uri)
                }
                other => self.read_db(|c| {
                    let (n, v) = resolve_version(c, &other)?;
                    storage_location(c, &n, v)
                }),
            });
            storage = fetched.map_err(|e| {
                StoreError::Invalid(format!(
                    "Unable to fetch model from model URI source artifact location '{source}'. Error: {e}"
                ))
            })?;
        }
        if let Some(m) = &model {
            run_id = run_id.or(m.info.source_run_id.clone());
        }
        let now = now_ms();
        self.write_db(|tx| {
            check_model(tx, name)?;
            let version: i64 = tx
                .value(
                    "UPDATE registered_models SET next_version = next_version + 1, last_updated_time = ?2
                     WHERE name = ?1 RETURNING next_version - 1",
                    args![name, now],
                )?
                .ok_or_else(|| super::registry::model_not_found(name))?;
            tx.exec(
                "INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, source,
                     storage_location, run_id, run_link, model_id)
                 VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                args![
                    name,
                    version,
                    now,
                    req.description,
                    source,
                    storage,
                    run_id,
                    req.run_link,
                    model_id
                ],
            )?;
            for t in &req.tags {
                set_version_tag(tx, name, version, t)?;
            }
            if let Some(id) = model_id {
                super::logged_models::note_registered_version(tx, id, name, version)?;
            }
            load_version(tx, name, version)
        })
    }

    /// MLflow's source rules: a local path only inside the artifacts of the run (or logged model)
    /// named with it, any other URI only without relative path references.
    fn check_source(&self, source: &str, run_id: Option<&str>, model: Option<&LoggedModel>) -> Result<()> {
        if !model_source::is_local(source) {
            return model_source::check_no_relative_references(source);
        }
        let folder = match (model, run_id) {
            (Some(m), _) => Some(self.uri_artifact_path(&m.info.artifact_uri, "")?),
            (None, Some(r)) => Some(self.run_artifact_path(r, "")?),
            (None, None) => None,
        };
        let resolve = |p: std::path::PathBuf| std::fs::canonicalize(&p).unwrap_or(p);
        let inside = match folder {
            Some(f) => match self.local_artifact_file(&f)? {
                Some(dir) => resolve(model_source::local_path(source)).starts_with(resolve(dir)),
                // Files in object storage: no local path is inside them.
                None => false,
            },
            None => false,
        };
        if inside {
            return Ok(());
        }
        let owner = if model.is_some() { "model_id" } else { "run_id" };
        Err(StoreError::Invalid(format!(
            "Invalid model version source: '{source}'. To use a local path as a model version source, the {owner} \
             request parameter has to be specified and the local path has to be contained within the artifact \
             directory of the {} specified by the {owner}.",
            if model.is_some() { "logged model" } else { "run" }
        )))
    }

    pub fn get_model_version(&self, name: &str, version: &str) -> Result<ModelVersion> {
        let version = version_number(version)?;
        self.read_db(|c| load_version(c, name, version))
    }

    pub fn update_model_version(&self, name: &str, version: &str, description: Option<&str>) -> Result<ModelVersion> {
        let version = version_number(version)?;
        self.change_version(name, version, |tx, now| {
            tx.exec(
                "UPDATE model_versions SET description = ?3, last_updated_time = ?4 WHERE name = ?1 AND version = ?2",
                args![name, version, description, now],
            )?;
            Ok(())
        })
    }

    /// Moves a version to a stage; with `archive_existing`, the others in that stage (Staging or
    /// Production) go to Archived.
    pub fn transition_model_version_stage(
        &self,
        name: &str,
        version: &str,
        stage: &str,
        archive_existing: bool,
    ) -> Result<ModelVersion> {
        let version = version_number(version)?;
        let stage = canonical_stage(stage).ok_or_else(|| {
            StoreError::Invalid(format!(
                "Invalid Model Version stage: {stage}. Value must be one of None, Staging, Production, Archived."
            ))
        })?;
        self.change_version(name, version, |tx, now| {
            if archive_existing && matches!(stage, "Staging" | "Production") {
                tx.exec(
                    "UPDATE model_versions SET current_stage = 'Archived', last_updated_time = ?3
                     WHERE name = ?1 AND current_stage = ?2 AND version != ?4",
                    args![name, stage, now, version],
                )?;
            }
            tx.exec(
                "UPDATE model_versions SET current_stage = ?3, last_updated_time = ?4 WHERE name = ?1 AND version = ?2",
                args![name, version, stage, now],
            )?;
            Ok(())
        })
    }

    /// Deletes a version with its tags and the aliases pointing at it; its number is not reused.
    pub fn delete_model_version(&self, name: &str, version: &str) -> Result<()> {
        let version = version_number(version)?;
        self.write_db(|tx| {
            check_version(tx, name, version)?;
            for table in ["model_version_tags", "registered_model_aliases", "model_versions"] {
                tx.exec(
                    &format!("DELETE FROM {table} WHERE name = ?1 AND version = ?2"),
                    args![name, version],
                )?;
            }
            touch(tx, name, now_ms())
        })
    }

    pub fn set_model_version_tag(&self, name: &str, version: &str, tag: &KeyValue) -> Result<()> {
        let version = version_number(version)?;
        self.change_version(name, version, |tx, _| set_version_tag(tx, name, version, tag))
            .map(|_| ())
    }

    pub fn delete_model_version_tag(&self, name: &str, version: &str, key: &str) -> Result<()> {
        let version = version_number(version)?;
        self.change_version(name, version, |tx, _| {
            tx.exec(
                "DELETE FROM model_version_tags WHERE name = ?1 AND version = ?2 AND key = ?3",
                args![name, version, key],
            )?;
            Ok(())
        })
        .map(|_| ())
    }

    /// Where a client downloads the version's files from.
    pub fn model_version_download_uri(&self, name: &str, version: &str) -> Result<String> {
        let version = version_number(version)?;
        self.read_db(|c| storage_location(c, name, version))
    }

    /// A file of a version's, when this server holds its files.
    pub fn model_version_artifact_path(&self, name: &str, version: &str, rel: &str) -> Result<ArtifactPath> {
        let location = self.model_version_download_uri(name, version)?;
        let below_root = match model_source::proxied_path(&location) {
            Some(p) => p,
            None if model_source::is_local(&location) => {
                let root = self.root().join("artifacts");
                let path = model_source::local_path(&location);
                match path.strip_prefix(&root) {
                    Ok(p) => p.to_string_lossy().into_owned(),
                    Err(_) => return Err(not_here(name, version, &location)),
                }
            }
            None => return Err(not_here(name, version, &location)),
        };
        Ok(ArtifactPath {
            base: super::safe_artifact_segments(&below_root)?,
            rel: super::safe_artifact_segments(rel)?,
        })
    }

    /// Versions matching the filter, newest change first unless ordered otherwise, a page at a time.
    pub fn search_model_versions(&self, q: &RegistrySearch) -> Result<(Vec<ModelVersion>, Option<String>)> {
        let expr = query::parse_filter(&q.filter)
            .map_err(|e| StoreError::Invalid(e.to_string()))?
            .missing_tags_differ();
        let limit = page_size(q.max_results, DEFAULT_VERSIONS_PAGE, MAX_VERSIONS_PAGE)?;
        let valid = ["name", "version_number", "creation_timestamp", "last_updated_timestamp"];
        let given: Vec<String> = if q.order_by.is_empty() {
            ["last_updated_timestamp DESC", "name ASC", "version_number DESC"]
                .map(String::from)
                .to_vec()
        } else {
            q.order_by.clone()
        };
        let mut order = given
            .iter()
            .map(|o| order_clause(o, &valid))
            .collect::<Result<Vec<_>>>()?;
        for (field, descending) in [("name", false), ("version_number", true)] {
            if !order.iter().any(|(f, _)| f == field) {
                order.push((field.into(), descending));
            }
        }
        let mut versions = self.read_db(|c| load_versions(c, "1 = 1", args![]))?;
        versions.retain(|v| expr.matches(v));
        sort_and_page(versions, &order, limit, q.page_token.as_deref())
    }

    /// Runs a change of one version in a transaction, marks it and its model changed, returns it.
    fn change_version(
        &self,
        name: &str,
        version: i64,
        change: impl FnOnce(&Db<'_>, i64) -> Result<()>,
    ) -> Result<ModelVersion> {
        let now = now_ms();
        self.write_db(|tx| {
            check_version(tx, name, version)?;
            change(tx, now)?;
            tx.exec(
                "UPDATE model_versions SET last_updated_time = ?3 WHERE name = ?1 AND version = ?2",
                args![name, version, now],
            )?;
            touch(tx, name, now)?;
            load_version(tx, name, version)
        })
    }
}

fn not_here(name: &str, version: &str, location: &str) -> StoreError {
    StoreError::Invalid(format!(
        "The files of model version {version} of '{name}' are at '{location}', which this server does not hold"
    ))
}

/// The version a `models:/name/...` URI names.
fn resolve_version(conn: &Db<'_>, uri: &ModelUri) -> Result<(String, i64)> {
    let (name, version) = match uri {
        ModelUri::Version(n, v) => (n.clone(), Some(*v)),
        ModelUri::Alias(n, a) => (
            n.clone(),
            conn.value(
                "SELECT version FROM registered_model_aliases WHERE name = ?1 AND alias = ?2",
                args![n, a],
            )?,
        ),
        ModelUri::Latest(n, stage) => (
            n.clone(),
            conn.value::<Option<i64>>(
                "SELECT MAX(version) FROM model_versions WHERE name = ?1 AND (CAST(?2 AS TEXT) IS NULL OR current_stage = ?2)",
                args![n, stage],
            )?
            .flatten(),
        ),
        ModelUri::LoggedModel(id) => return Err(StoreError::Invalid(format!("'{id}' is a logged model"))),
    };
    check_model(conn, &name)?;
    let version =
        version.ok_or_else(|| StoreError::NotFound(format!("No such version of registered model '{name}'")))?;
    Ok((name, version))
}

fn set_version_tag(tx: &Db<'_>, name: &str, version: i64, tag: &KeyValue) -> Result<()> {
    checked_name(Some(&tag.key), "key")?;
    tx.exec(
        "INSERT INTO model_version_tags (name, version, key, value) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value",
        args![name, version, tag.key, tag.value],
    )?;
    Ok(())
}
