//! Per-experiment permissions on a server with users, in MLflow's model: each call is traced to
//! the experiments it touches (by id, name, run or logged model, in its path, query or JSON body)
//! and refused with 403 PERMISSION_DENIED unless the caller's permission there allows it: READ to
//! read, EDIT to write, MANAGE to delete, restore or grant. The maker of an experiment manages it;
//! where nothing was granted the server's default applies (READ unless set). A search of
//! experiments lists only those the caller may read. The registry and snapshot contents go by
//! role alone.

use super::AppState;
use super::auth::{Caller, only_reads};
pub use super::call_targets::Targets;
use super::call_targets::{decoded, grants_call, in_registry, logged_model_in, reads_body};
use super::error::ApiError;
use crate::api::routes as r;
use crate::api::users::{Permission, Role, User};
use crate::store::Store;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;
use std::collections::HashSet;

/// What a call needs in each experiment it touches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Need {
    Read,
    Update,
    Manage,
}

impl Need {
    fn met_by(self, p: Permission) -> bool {
        match self {
            Need::Read => p.can_read(),
            Need::Update => p.can_update(),
            Need::Manage => p.can_manage(),
        }
    }

    fn least(self) -> Permission {
        match self {
            Need::Read => Permission::Read,
            Need::Update => Permission::Edit,
            Need::Manage => Permission::Manage,
        }
    }
}

/// The need of a call by its method and path.
pub fn need_of(method: &Method, path: &str) -> Need {
    if only_reads(method, path) {
        return Need::Read;
    }
    let deletes_a_model = method == Method::DELETE && logged_model_in(path).is_some_and(|rest| !rest.contains('/'));
    // As MLflow's: deleting through the artifact proxy is the manager's.
    let deletes_a_file = method == Method::DELETE && path.starts_with(r::ARTIFACTS);
    if [
        r::EXPERIMENTS_DELETE,
        r::EXPERIMENTS_RESTORE,
        r::RUNS_DELETE,
        r::RUNS_RESTORE,
    ]
    .contains(&path)
        || deletes_a_model
        || deletes_a_file
    {
        Need::Manage
    } else {
        Need::Update
    }
}

/// The permission a user has in an experiment on this server.
pub fn permission_in(
    st: &Store,
    user: &User,
    experiment_id: &str,
    default: Permission,
) -> crate::store::Result<Permission> {
    Ok(Permission::effective(
        user.role,
        st.permission(experiment_id, &user.name)?,
        default,
    ))
}

/// Whether `user` may do what `need` says in every experiment `targets` names; the names of
/// experiments the call itself makes (`experiments/create`) are handed back. An experiment a
/// write names that does not exist yet is made here, its maker its manager: made by another call
/// meanwhile, it is checked as any other.
fn decide(
    st: &Store,
    user: &User,
    targets: &Targets,
    need: Need,
    default: Permission,
) -> crate::store::Result<Result<Vec<String>, String>> {
    let mut experiments: Vec<String> = targets.experiments.clone();
    for name in &targets.names {
        match st.experiment_id_by_name(name)? {
            Some(id) => experiments.push(id),
            None if need == Need::Read => {}
            None => match st.create_experiment(name, None, &[]) {
                Ok(id) => st.grant_if_none(&id, &user.name, Permission::Manage)?,
                Err(crate::store::StoreError::AlreadyExists(_)) => {
                    experiments.extend(st.experiment_id_by_name(name)?);
                }
                Err(e) => return Err(e),
            },
        }
    }
    experiments.extend(st.experiments_of_runs(&targets.runs)?);
    for model in &targets.models {
        experiments.extend(st.model_experiment_id(model)?);
    }
    let snapshot_runs: Vec<String> = targets
        .snapshots
        .iter()
        .filter_map(|id| st.get_snapshot(*id).ok()?.run_id)
        .collect();
    experiments.extend(st.experiments_of_runs(&snapshot_runs)?);
    if targets.proxied && experiments.is_empty() {
        return Ok(Err(format!(
            "Permission denied: user '{}' may only reach files kept in an experiment's runs or models",
            user.name
        )));
    }
    let grants = st.grants_of(&user.name)?;
    let mut seen = HashSet::new();
    for id in experiments.into_iter().filter(|e| !e.is_empty()) {
        if !seen.insert(id.clone()) {
            continue;
        }
        let has = Permission::effective(user.role, grants.get(&id).copied(), default);
        if !need.met_by(has) {
            return Ok(Err(format!(
                "Permission denied: user '{}' has {} on experiment {id}, and this call needs {}",
                user.name,
                has.name(),
                need.least().name()
            )));
        }
    }
    Ok(Ok(targets.new_names.clone()))
}

fn denied(message: String) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "PERMISSION_DENIED", message)
}

/// Checks a call that names `targets` for `caller`; the handler of a bulk call uses it itself.
pub async fn require(state: &AppState, caller: &Option<Caller>, targets: Targets, need: Need) -> Result<(), ApiError> {
    let Some(Caller(user)) = caller.clone() else {
        return Ok(());
    };
    let default = state.default_permission;
    state
        .run(move |st| decide(st, &user, &targets, need, default))
        .await?
        .map(|_| ())
        .map_err(denied)
}

/// The middleware: on a server with users, a call is let through only where the caller's
/// permissions allow it; a call that makes an experiment makes its caller its manager.
pub async fn check(State(state): State<AppState>, req: Request, next: Next) -> Result<Response, ApiError> {
    let Some(Caller(user)) = req.extensions().get::<Caller>().cloned() else {
        return Ok(next.run(req).await);
    };
    let path = decoded(req.uri().path());
    if user.role == Role::Admin || grants_call(&path) {
        return Ok(next.run(req).await);
    }
    let method = req.method().clone();
    // The registry goes by role; what it reads of runs needs READ there.
    let need = if in_registry(&path) {
        Need::Read
    } else {
        need_of(&method, &path)
    };
    let mut targets = Targets::default();
    targets.add_path(&path);
    targets.add_query(&path, req.uri().query().unwrap_or(""));
    let req = if reads_body(&method, &path) {
        let (parts, body) = req.into_parts();
        let bytes = super::body::bytes_up_to(body, super::extract::MAX_JSON_BODY, || {
            ApiError::too_large(format!(
                "Request body larger than {} bytes",
                super::extract::MAX_JSON_BODY
            ))
        })
        .await?;
        targets.add_json(&path, &bytes);
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };
    let default = state.default_permission;
    let who = user.clone();
    let made = state
        .run(move |st| decide(st, &who, &targets, need, default))
        .await?
        .map_err(denied)?;
    let searches_experiments = path == r::EXPERIMENTS_SEARCH;
    let resp = next.run(req).await;
    if !resp.status().is_success() {
        return Ok(resp);
    }
    if !made.is_empty() && need != Need::Read {
        let who = user.name.clone();
        state
            .run(move |st| {
                for name in &made {
                    if let Some(id) = st.experiment_id_by_name(name)? {
                        st.grant_if_none(&id, &who, Permission::Manage)?;
                    }
                }
                Ok(())
            })
            .await?;
    }
    if searches_experiments {
        return only_readable(&state, user, resp).await;
    }
    Ok(resp)
}

/// A search's page of experiments with those the caller may not read left out.
async fn only_readable(state: &AppState, user: User, resp: Response) -> Result<Response, ApiError> {
    let (parts, body) = resp.into_parts();
    let bytes = super::body::bytes_up_to(body, usize::MAX, || ApiError::too_large("")).await?;
    let Ok(mut page) = serde_json::from_slice::<Value>(&bytes) else {
        return Ok(Response::from_parts(parts, Body::from(bytes)));
    };
    let Some(Value::Array(found)) = page.get_mut("experiments").map(Value::take) else {
        return Ok(Response::from_parts(parts, Body::from(bytes)));
    };
    let default = state.default_permission;
    let grants = state.run(move |st| st.grants_of(&user.name).map(|g| (user, g))).await?;
    let (user, grants) = grants;
    let kept: Vec<Value> = found
        .into_iter()
        .filter(|e| {
            let id = e.get("experiment_id").and_then(Value::as_str).unwrap_or("");
            Permission::effective(user.role, grants.get(id).copied(), default).can_read()
        })
        .collect();
    page["experiments"] = Value::Array(kept);
    let mut resp = Response::from_parts(parts, Body::from(page.to_string()));
    resp.headers_mut().remove(axum::http::header::CONTENT_LENGTH);
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deleting_and_restoring_need_manage_writing_edit_and_reading_read() {
        assert_eq!(need_of(&Method::POST, r::RUNS_DELETE), Need::Manage);
        assert_eq!(need_of(&Method::POST, r::EXPERIMENTS_RESTORE), Need::Manage);
        assert_eq!(
            need_of(&Method::DELETE, &format!("{}/m-1", r::LOGGED_MODELS)),
            Need::Manage
        );
        assert_eq!(
            need_of(&Method::DELETE, &format!("{}/m-1/tags/k", r::LOGGED_MODELS)),
            Need::Update
        );
        assert_eq!(need_of(&Method::POST, r::RUNS_LOG_BATCH), Need::Update);
        assert_eq!(need_of(&Method::POST, r::RUNS_SEARCH), Need::Read);
        assert_eq!(need_of(&Method::GET, r::RUNS_GET), Need::Read);
        assert_eq!(
            need_of(&Method::DELETE, &format!("{}/1/r/artifacts/x", r::ARTIFACTS)),
            Need::Manage
        );
        assert!(Need::Update.met_by(Permission::Edit) && !Need::Manage.met_by(Permission::Edit));
        assert!(!Need::Read.met_by(Permission::NoPermissions));
    }
}
