//! Promoted assets: a name and a version pointing at a run's artifacts under a prefix.

use super::{Result, Store, StoreError};
use crate::api::ext::Asset;
use crate::api::ids::now_ms;
use rusqlite::params;

impl Store {
    /// Makes the next version of asset `name` from the run's artifacts whose path starts with `prefix`.
    pub fn promote(&self, run_id: &str, prefix: &str, name: &str) -> Result<Asset> {
        if name.trim().is_empty() || name.len() > 250 {
            return Err(StoreError::Invalid(
                "An asset name must be 1 to 250 characters long".into(),
            ));
        }
        let prefix = prefix.trim_matches('/');
        let artifacts: Vec<String> = self
            .all_artifacts(run_id)?
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| prefix.is_empty() || p == prefix || p.starts_with(&format!("{prefix}/")))
            .collect();
        if artifacts.is_empty() {
            return Err(StoreError::NotFound(format!(
                "Run {run_id} has no artifacts under '{prefix}'"
            )));
        }
        let list = serde_json::to_string(&artifacts).map_err(|e| StoreError::Internal(e.to_string()))?;
        let created = now_ms();
        let version = self.write(|tx| {
            let version: i64 =
                tx.query_row("SELECT COALESCE(MAX(version), 0) + 1 FROM assets WHERE name = ?1", [name], |r| r.get(0))?;
            tx.execute(
                "INSERT INTO assets (name, version, run_id, prefix, artifacts, created_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![name, version, run_id, prefix, list, created],
            )?;
            Ok(version)
        })?;
        Ok(Asset {
            name: name.into(),
            version,
            run_id: run_id.into(),
            prefix: prefix.into(),
            created_time: created,
            artifacts,
        })
    }

    pub fn list_assets(&self) -> Result<Vec<Asset>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT name, version, run_id, prefix, artifacts, created_time FROM assets ORDER BY name, version",
            )?;
            let rows = stmt.query_map([], |r| {
                let list: String = r.get(4)?;
                Ok(Asset {
                    name: r.get(0)?,
                    version: r.get(1)?,
                    run_id: r.get(2)?,
                    prefix: r.get(3)?,
                    artifacts: serde_json::from_str(&list).unwrap_or_default(),
                    created_time: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}
