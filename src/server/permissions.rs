//! Per-experiment permissions on a server with users, in MLflow's model: each call is traced to
//! the experiments it touches (by id, name, run or logged model, in its path, query or JSON body)
//! and refused with 403 PERMISSION_DENIED unless the caller's permission there allows it: READ to
//! read, EDIT to write, MANAGE to delete, restore or grant. The maker of an experiment manages it;
//! where nothing was granted the server's default applies (READ unless set). A search of
//! experiments lists only those the caller may read. The registry and snapshot contents go by
//! role alone.

use super::AppState;
use super::auth::{Caller, only_reads};
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

/// What a call names: experiments by id or name, runs, logged models; `new_names` are names of
/// experiments the call makes (`experiments/create`), which exist only after it.
#[derive(Debug, Default, PartialEq)]
pub struct Targets {
    pub experiments: Vec<String>,
    pub names: Vec<String>,
    pub new_names: Vec<String>,
    pub runs: Vec<String>,
    pub models: Vec<String>,
    pub snapshots: Vec<i64>,
    /// A path of the artifact proxy: a call there must land in an experiment it can name.
    pub proxied: bool,
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

/// The rest of a logged model's path (`<id>`, `<id>/tags`, ...), not the search.
fn logged_model_in(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(r::LOGGED_MODELS)?.strip_prefix('/')?;
    (!rest.is_empty() && rest != "search").then_some(rest)
}

/// The registry's calls: they go by role, except that what they read of a run (a version's
/// source) needs READ in its experiment.
fn in_registry(path: &str) -> bool {
    ["/registered-models/", "/model-versions/"]
        .iter()
        .any(|part| path.strip_prefix(r::MLFLOW).is_some_and(|rest| rest.starts_with(part)))
        || path == r::MODEL_VERSION_GET_ARTIFACT
}

/// The calls that grant and read permissions: their handlers check the caller themselves.
fn grants_call(path: &str) -> bool {
    [
        r::USER_PERMISSION_GRANT,
        r::USER_PERMISSION_REVOKE,
        r::USER_PERMISSION_GET,
        r::EXPERIMENT_PERMISSION_CREATE,
        r::EXPERIMENT_PERMISSION_GET,
        r::EXPERIMENT_PERMISSION_UPDATE,
        r::EXPERIMENT_PERMISSION_DELETE,
    ]
    .contains(&path)
}

/// A path with its `%XX` escapes decoded, as the router hands its parts to the handlers: what is
/// traced must be what the handler will act on.
fn decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Targets {
    /// What the path itself names: a logged model, an artifact below an experiment, a run's file.
    pub fn add_path(&mut self, path: &str) {
        if let Some(rest) = logged_model_in(path) {
            self.models.push(rest.split('/').next().unwrap_or(rest).to_string());
        } else if let Some(rest) = path.strip_prefix(r::ARTIFACTS).and_then(|p| p.strip_prefix('/')) {
            self.artifact_path(rest);
        } else if let Some(rest) = path
            .strip_prefix(r::EXT_RUN_ARTIFACTS)
            .and_then(|p| p.strip_prefix('/'))
        {
            self.runs.push(rest.split('/').next().unwrap_or(rest).to_string());
        }
    }

    /// An artifact path of the proxy names its experiment first (`<experiment>/<run>/...`, or
    /// `<experiment>/models/<model>/...`); a folder named otherwise (an experiment made with an
    /// artifact location of its own) is known by its run or model.
    fn artifact_path(&mut self, path: &str) {
        self.proxied = true;
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match parts.as_slice() {
            [first, ..] if first.bytes().all(|b| b.is_ascii_digit()) => self.experiments.push(first.to_string()),
            [_, "models", model, ..] => self.models.push(model.to_string()),
            [_, run, ..] => self.runs.push(run.to_string()),
            _ => {}
        }
    }

    pub fn add_query(&mut self, path: &str, query: &str) {
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let v = v.into_owned();
            match k.as_ref() {
                "experiment_id" | "experiment_ids" => self.experiments.push(v),
                "experiment_name" => self.names.push(v),
                "run_id" | "run_uuid" | "run_ids" => self.runs.push(v),
                "model_id" => self.models.push(v),
                "snapshot_id" => self.snapshots.extend(v.parse::<i64>().ok()),
                "path" if path == r::ARTIFACTS => self.artifact_path(&v),
                _ => {}
            }
        }
    }

    /// The top-level fields of a JSON body that name what the call touches.
    pub fn add_json(&mut self, path: &str, body: &[u8]) {
        let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        let text = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let all = |v: &Value| -> Vec<String> {
            match v {
                Value::Array(items) => items.iter().filter_map(text).collect(),
                other => text(other).into_iter().collect(),
            }
        };
        for (k, v) in &fields {
            match k.as_str() {
                "experiment_id" | "experiment_ids" => self.experiments.extend(all(v)),
                "experiment_name" => self.names.extend(all(v)),
                "name" if path == r::EXPERIMENTS_CREATE => self.new_names.extend(all(v)),
                "run_id" | "run_uuid" | "run_ids" => self.runs.extend(all(v)),
                "model_id" | "model_ids" => self.models.extend(all(v)),
                // A registered version's files: a run's (`runs:/<run>/...`), a logged model's
                // (`models:/<id>`), or a path of the proxy.
                "source" if in_registry(path) => {
                    for s in all(v) {
                        if let Some(rest) = s.strip_prefix("runs:/") {
                            self.runs
                                .extend(rest.split('/').find(|p| !p.is_empty()).map(str::to_string));
                        } else if let Some(rest) = s.strip_prefix("models:/") {
                            self.models
                                .extend(rest.split('/').find(|p| !p.is_empty()).map(str::to_string));
                        } else if let Some(rest) = s.strip_prefix("mlflow-artifacts:") {
                            self.artifact_path(rest);
                        }
                    }
                }
                _ => {}
            }
        }
        // A run made without an experiment goes in the Default one (0).
        let names_one = ["experiment_id", "experiment_name"]
            .iter()
            .any(|k| fields.contains_key(*k));
        if (path == r::RUNS_CREATE || path == r::EXT_RUNS_CREATE) && !names_one {
            self.experiments.push("0".into());
        }
    }
}

/// Whether the middleware reads the body for names: JSON calls of MLflow's API and ours, never
/// an upload (streamed) nor a bulk ingest (its handler checks its run itself).
fn reads_body(method: &Method, path: &str) -> bool {
    let below = |prefix: &str| path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'));
    method != Method::GET
        && method != Method::HEAD
        && (below(r::MLFLOW) || below(r::PREFIX))
        && !path.starts_with(r::EXT_RUN_ARTIFACTS)
        && !path.starts_with(r::BLOBS)
        && path != r::EXT_RUNS_INGEST
}

/// The permission a user has in an experiment on this server.
pub fn permission_in(
    st: &Store,
    user: &User,
    experiment_id: &str,
    default: Permission,
) -> crate::store::Result<Permission> {
    if user.role == Role::Admin {
        return Ok(Permission::Manage);
    }
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
    for run in &targets.runs {
        experiments.extend(st.run_experiment_id(run)?);
    }
    for model in &targets.models {
        experiments.extend(st.model_experiment_id(model)?);
    }
    for snapshot in &targets.snapshots {
        if let Ok(s) = st.get_snapshot(*snapshot)
            && let Some(run) = s.run_id
        {
            experiments.extend(st.run_experiment_id(&run)?);
        }
    }
    if targets.proxied && experiments.is_empty() {
        return Ok(Err(format!(
            "Permission denied: user '{}' may only reach files kept in an experiment's runs or models",
            user.name
        )));
    }
    let mut seen = HashSet::new();
    for id in experiments.into_iter().filter(|e| !e.is_empty()) {
        if !seen.insert(id.clone()) {
            continue;
        }
        let has = permission_in(st, user, &id, default)?;
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
    let Some(Value::Array(found)) = page.get("experiments").cloned() else {
        return Ok(Response::from_parts(parts, Body::from(bytes)));
    };
    let default = state.default_permission;
    let kept = state
        .run(move |st| {
            let mut kept = Vec::with_capacity(found.len());
            for e in found {
                let id = e.get("experiment_id").and_then(Value::as_str).unwrap_or("").to_string();
                if permission_in(st, &user, &id, default)?.can_read() {
                    kept.push(e);
                }
            }
            Ok(kept)
        })
        .await?;
    page["experiments"] = Value::Array(kept);
    let mut resp = Response::from_parts(parts, Body::from(page.to_string()));
    resp.headers_mut().remove(axum::http::header::CONTENT_LENGTH);
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_traced_to_what_it_names() {
        let mut t = Targets::default();
        t.add_path(&format!("{}/m-1/tags", r::LOGGED_MODELS));
        t.add_path(&format!("{}/7/r1/artifacts/a.txt", r::ARTIFACTS));
        t.add_path(&format!("{}/r2/log.txt", r::EXT_RUN_ARTIFACTS));
        t.add_query(
            r::ARTIFACTS,
            "path=8%2Fr3%2Fartifacts&run_id=r4&run_ids=r5&experiment_name=a%20b",
        );
        t.add_json(
            r::RUNS_SEARCH,
            br#"{"experiment_ids": ["1", 2], "run_ids": ["r6"], "other": "x"}"#,
        );
        t.add_json(r::EXPERIMENTS_CREATE, br#"{"name": "new one"}"#);
        assert_eq!(
            t,
            Targets {
                experiments: vec!["7".into(), "8".into(), "1".into(), "2".into()],
                names: vec!["a b".into()],
                new_names: vec!["new one".into()],
                runs: vec!["r2".into(), "r4".into(), "r5".into(), "r6".into()],
                models: vec!["m-1".into()],
                snapshots: vec![],
                proxied: true,
            }
        );
        let mut search = Targets::default();
        search.add_path(r::LOGGED_MODELS_SEARCH);
        assert_eq!(search, Targets::default());
        // A folder not named by its experiment is known by its run or model.
        let mut own = Targets::default();
        own.add_path(&format!("{}/team-a/r9/artifacts/x", r::ARTIFACTS));
        own.add_path(&format!("{}/team-a/models/m-2/artifacts/x", r::ARTIFACTS));
        assert_eq!(
            (own.runs, own.models, own.proxied),
            (vec!["r9".to_string()], vec!["m-2".to_string()], true)
        );
        // A run made without an experiment is made in the Default one; a version's source is read.
        let mut bare = Targets::default();
        bare.add_json(r::RUNS_CREATE, br#"{"run_name": "x"}"#);
        bare.add_json(
            r::MODEL_VERSIONS_CREATE,
            br#"{"name": "m", "source": "runs:/r7/model"}"#,
        );
        assert_eq!(
            (bare.experiments, bare.runs),
            (vec!["0".to_string()], vec!["r7".to_string()])
        );
        assert_eq!(decoded("/a/%37/m%2D1/%zz"), "/a/7/m-1/%zz");
        assert!(
            in_registry(r::MODEL_VERSIONS_CREATE)
                && !in_registry(&format!("{}/1/r/artifacts/model-versions/x", r::ARTIFACTS))
        );
    }

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
