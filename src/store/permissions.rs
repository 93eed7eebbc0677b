//! Users' permissions on experiments (MLflow's model: READ, EDIT, MANAGE, NO_PERMISSIONS), kept
//! beside their roles, and the light lookups a server makes per request to find which experiment
//! a call touches.

use super::experiments::parse_experiment_id;
use super::sql::args;
use super::{Result, Store, StoreError};
use crate::api::users::{ExperimentPermission, Permission};

fn permission_of(name: &str) -> Result<Permission> {
    Permission::parse(name)
        .ok_or_else(|| StoreError::Internal(format!("unknown permission '{name}' in experiment_permissions")))
}

impl Store {
    /// Grants `user` `permission` on an experiment, in place of any earlier grant.
    pub fn set_permission(&self, experiment_id: &str, user: &str, permission: Permission) -> Result<()> {
        let id = parse_experiment_id(experiment_id)?;
        self.get_experiment(experiment_id)?;
        self.write_db(|db| {
            let known: Option<String> = db.value("SELECT name FROM users WHERE name = ?1", args![user])?;
            if known.is_none() {
                return Err(StoreError::NotFound(format!("No user '{user}'")));
            }
            db.exec(
                "INSERT INTO experiment_permissions (experiment_id, user_name, permission) VALUES (?1, ?2, ?3)
                 ON CONFLICT (experiment_id, user_name) DO UPDATE SET permission = excluded.permission",
                args![id, user, permission.name()],
            )?;
            Ok(())
        })
    }

    /// Grants `permission` unless the user holds a grant there already: what the maker of an
    /// experiment gets (MANAGE), never lowering a grant made before.
    pub fn grant_if_none(&self, experiment_id: &str, user: &str, permission: Permission) -> Result<()> {
        let id = parse_experiment_id(experiment_id)?;
        self.write_db(|db| {
            db.exec(
                "INSERT INTO experiment_permissions (experiment_id, user_name, permission)
                 SELECT CAST(?1 AS BIGINT), name, CAST(?3 AS TEXT) FROM users WHERE name = ?2
                 ON CONFLICT (experiment_id, user_name) DO NOTHING",
                args![id, user, permission.name()],
            )?;
            Ok(())
        })
    }

    /// Takes back a user's grant on an experiment; the server's default applies again.
    pub fn remove_permission(&self, experiment_id: &str, user: &str) -> Result<()> {
        let id = parse_experiment_id(experiment_id)?;
        let removed = self.write_db(|db| {
            db.exec(
                "DELETE FROM experiment_permissions WHERE experiment_id = ?1 AND user_name = ?2",
                args![id, user],
            )
        })?;
        if removed == 0 {
            return Err(StoreError::NotFound(format!(
                "User '{user}' has no permission granted on experiment {experiment_id}"
            )));
        }
        Ok(())
    }

    /// What was granted to `user` on an experiment, if anything.
    pub fn permission(&self, experiment_id: &str, user: &str) -> Result<Option<Permission>> {
        let Ok(id) = parse_experiment_id(experiment_id) else {
            return Ok(None);
        };
        let name: Option<String> = self.read_db(|db| {
            db.value(
                "SELECT permission FROM experiment_permissions WHERE experiment_id = ?1 AND user_name = ?2",
                args![id, user],
            )
        })?;
        name.as_deref().map(permission_of).transpose()
    }

    /// Every grant, of one experiment or of all, by experiment and user.
    pub fn permissions(&self, experiment_id: Option<&str>) -> Result<Vec<ExperimentPermission>> {
        let id = experiment_id.map(parse_experiment_id).transpose()?;
        self.read_db(|db| {
            db.rows(
                "SELECT experiment_id, user_name, permission FROM experiment_permissions
                 WHERE CAST(?1 AS BIGINT) IS NULL OR experiment_id = ?1 ORDER BY experiment_id, user_name",
                args![id],
                |r| {
                    Ok(ExperimentPermission {
                        experiment_id: r.get::<i64>(0)?.to_string(),
                        user: r.get(1)?,
                        permission: permission_of(&r.get::<String>(2)?)?,
                    })
                },
            )
        })
    }

    /// Every grant of one user, by experiment: what a request checks against, read once.
    pub fn grants_of(&self, user: &str) -> Result<std::collections::HashMap<String, Permission>> {
        self.read_db(|db| {
            let mut out = std::collections::HashMap::new();
            db.each(
                "SELECT experiment_id, permission FROM experiment_permissions WHERE user_name = ?1",
                args![user],
                |r| {
                    out.insert(r.get::<i64>(0)?.to_string(), permission_of(&r.get::<String>(1)?)?);
                    Ok(())
                },
            )?;
            Ok(out)
        })
    }

    /// The experiments some runs are in, in one query (a chart's read names a thousand runs);
    /// runs that do not exist add nothing.
    pub fn experiments_of_runs(&self, run_ids: &[String]) -> Result<Vec<String>> {
        if run_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(run_ids).map_err(|e| StoreError::Internal(e.to_string()))?;
        self.read_db(|db| {
            let sql = format!(
                "SELECT DISTINCT experiment_id FROM runs WHERE run_id IN ({})",
                db.json_strings(1)
            );
            db.rows(&sql, args![ids], |r| Ok(r.get::<i64>(0)?.to_string()))
        })
    }

    /// The experiment a logged model is in.
    pub fn model_experiment_id(&self, model_id: &str) -> Result<Option<String>> {
        let id: Option<i64> = self.read_db(|db| {
            db.value(
                "SELECT experiment_id FROM logged_models WHERE model_id = ?1",
                args![model_id],
            )
        })?;
        Ok(id.map(|i| i.to_string()))
    }

    /// The experiment with this name, if there is one.
    pub fn experiment_id_by_name(&self, name: &str) -> Result<Option<String>> {
        let id: Option<i64> =
            self.read_db(|db| db.value("SELECT experiment_id FROM experiments WHERE name = ?1", args![name]))?;
        Ok(id.map(|i| i.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::users::Role;

    #[test]
    fn grants_are_set_replaced_kept_for_the_maker_and_removed_on_both_databases() {
        for (_db, s, _dir, _pg) in super::super::both_databases_tests::stores() {
            s.add_user("ana", Role::Writer).unwrap();
            let exp = s.create_experiment("shared", None, &[]).unwrap();
            assert_eq!(s.permission(&exp, "ana").unwrap(), None);
            s.set_permission(&exp, "ana", Permission::Edit).unwrap();
            s.grant_if_none(&exp, "ana", Permission::Manage).unwrap();
            assert_eq!(
                s.permission(&exp, "ana").unwrap(),
                Some(Permission::Edit),
                "an earlier grant is kept"
            );
            s.set_permission(&exp, "ana", Permission::NoPermissions).unwrap();
            assert_eq!(s.permission(&exp, "ana").unwrap(), Some(Permission::NoPermissions));
            assert!(matches!(
                s.set_permission(&exp, "nobody", Permission::Read),
                Err(StoreError::NotFound(_))
            ));
            assert!(matches!(
                s.set_permission("424242", "ana", Permission::Read),
                Err(StoreError::NotFound(_))
            ));
            assert_eq!(
                s.permissions(Some(&exp)).unwrap(),
                vec![ExperimentPermission {
                    experiment_id: exp.clone(),
                    user: "ana".into(),
                    permission: Permission::NoPermissions,
                }]
            );
            s.remove_permission(&exp, "ana").unwrap();
            assert!(matches!(s.remove_permission(&exp, "ana"), Err(StoreError::NotFound(_))));
            s.grant_if_none(&exp, "ana", Permission::Manage).unwrap();
            s.remove_user("ana").unwrap();
            assert!(
                s.permissions(None).unwrap().is_empty(),
                "a removed user's grants go with them"
            );
        }
    }
}
