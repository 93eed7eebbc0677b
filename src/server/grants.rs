//! Granting, revoking and reading a user's permission on an experiment over HTTP, as MLflow's auth
//! client calls it (`grant_user_permission` with resource type "experiment", and MLflow 2's
//! per-experiment calls). Allowed to an admin, or to a user who manages the experiment; a user may
//! always read their own. A server without users has none of these calls.

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, Params};
use super::permissions::permission_in;
use crate::api::users::Permission;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GrantRequest {
    username: Option<String>,
    resource_type: Option<String>,
    resource_id: Option<Value>,
    experiment_id: Option<Value>,
    permission: Option<String>,
}

fn text(v: &Option<Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

impl GrantRequest {
    /// The experiment and user it is about; only experiments have permissions here.
    fn target(&self) -> ApiResult<(String, String)> {
        if let Some(kind) = self.resource_type.as_deref()
            && kind != "experiment"
        {
            return Err(ApiError::invalid(format!(
                "Only experiment permissions are kept on this server, not '{kind}' ones: \
                 registered models go by the user's role"
            )));
        }
        let experiment = text(&self.resource_id)
            .or_else(|| text(&self.experiment_id))
            .ok_or_else(|| ApiError::missing("resource_id"))?;
        let user = self
            .username
            .clone()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| ApiError::missing("username"))?;
        Ok((experiment, user))
    }

    fn permission(&self) -> ApiResult<Permission> {
        let given = self
            .permission
            .as_deref()
            .ok_or_else(|| ApiError::missing("permission"))?;
        Permission::parse(given).ok_or_else(|| {
            ApiError::invalid(format!(
                "Invalid permission '{given}': one of READ, EDIT, MANAGE, NO_PERMISSIONS"
            ))
        })
    }
}

fn caller_of(caller: Option<Extension<Caller>>) -> ApiResult<crate::api::users::User> {
    caller.map(|Extension(Caller(u))| u).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "ENDPOINT_NOT_FOUND",
            "This server has no users, so no permissions: start it with --auth",
        )
    })
}

/// Refused unless the caller is an admin or manages the experiment (which must exist).
async fn may_manage(s: &AppState, caller: &crate::api::users::User, experiment: &str) -> ApiResult<()> {
    let (who, exp, default) = (caller.clone(), experiment.to_string(), s.default_permission);
    let has = s
        .run(move |st| {
            st.get_experiment(&exp)?;
            permission_in(st, &who, &exp, default)
        })
        .await?;
    if has.can_manage() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            format!(
                "Permission denied: user '{}' has {} on experiment {experiment}; granting needs MANAGE",
                caller.name,
                has.name()
            ),
        ))
    }
}

/// Grants (or changes) a user's permission: MLflow 3's grant, and MLflow 2's create and update.
pub async fn grant(
    State(s): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(req): JsonBody<GrantRequest>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller)?;
    let (experiment, user) = req.target()?;
    let permission = req.permission()?;
    may_manage(&s, &caller, &experiment).await?;
    let exp = experiment.clone();
    s.run(move |st| st.set_permission(&exp, &user, permission)).await?;
    Ok(Json(json!({})))
}

/// Takes a grant back: MLflow 3's revoke and MLflow 2's delete.
pub async fn revoke(
    State(s): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(req): JsonBody<GrantRequest>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller)?;
    let (experiment, user) = req.target()?;
    may_manage(&s, &caller, &experiment).await?;
    s.run(move |st| st.remove_permission(&experiment, &user)).await?;
    Ok(Json(json!({})))
}

/// The effective permission of a user on an experiment, as MLflow 3 answers it (`allowed` is
/// whether it goes past reading) and MLflow 2 (`experiment_permission`, only a grant).
pub async fn get(State(s): State<AppState>, caller: Option<Extension<Caller>>, q: Params) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller)?;
    let req = GrantRequest {
        username: q.get("username").map(str::to_string),
        resource_type: q.get("resource_type").map(str::to_string),
        resource_id: q.get("resource_id").map(|v| Value::String(v.to_string())),
        experiment_id: q.get("experiment_id").map(|v| Value::String(v.to_string())),
        permission: None,
    };
    let (experiment, user) = req.target()?;
    if user != caller.name {
        may_manage(&s, &caller, &experiment).await?;
    }
    let default = s.default_permission;
    let legacy = q.get("resource_id").is_none();
    let (exp, name) = (experiment.clone(), user.clone());
    let (granted, effective) = s
        .run(move |st| {
            st.get_experiment(&exp)?;
            let who = st
                .users()?
                .into_iter()
                .find(|u| u.name == name)
                .ok_or_else(|| crate::store::StoreError::NotFound(format!("No user '{name}'")))?;
            Ok((st.permission(&exp, &name)?, permission_in(st, &who, &exp, default)?))
        })
        .await?;
    if legacy {
        let granted = granted.ok_or_else(|| {
            ApiError::not_found(format!(
                "Experiment permission with experiment_id={experiment} and username={user} not found"
            ))
        })?;
        return Ok(Json(json!({
            "experiment_permission": {"experiment_id": experiment, "user_id": user, "permission": granted.name()}
        })));
    }
    Ok(Json(
        json!({ "allowed": effective.can_update(), "permission": effective.name() }),
    ))
}
