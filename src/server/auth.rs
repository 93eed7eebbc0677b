//! Who may call: on a server with users (`--auth`), a call must carry a user's token (bearer, or
//! basic auth with the user's name) or gets a 401 JSON error, and a reader's write gets a 403;
//! with a single token configured, a call without it gets a 401; a read-only server (a history
//! read in place) refuses every write with a 403 that says why.

use super::AppState;
use super::error::ApiError;
use crate::api::{KeyValue, TAG_USER};
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;

/// The user a request was made by, on a server with users.
#[derive(Debug, Clone)]
pub struct Caller(pub crate::api::users::User);

/// A run made by `caller` is its: the user it is logged under (`user_id` and the `mlflow.user`
/// tag), whatever the client said (MLflow's client sends the machine's login name).
pub fn owned_by(caller: Option<axum::Extension<Caller>>, user_id: &mut Option<String>, tags: &mut Vec<KeyValue>) {
    let Some(axum::Extension(Caller(user))) = caller else {
        return;
    };
    *user_id = Some(user.name.clone());
    tags.retain(|t| t.key != TAG_USER);
    tags.push(KeyValue {
        key: TAG_USER.into(),
        value: user.name,
    });
}

/// On a server with users, who made a run is the server's to say: a tag claiming another user is
/// refused, nothing of its request stored.
pub fn no_other_user(caller: &Option<axum::Extension<Caller>>, tags: &[KeyValue]) -> Result<(), ApiError> {
    let Some(axum::Extension(Caller(user))) = caller else {
        return Ok(());
    };
    match tags.iter().find(|t| t.key == TAG_USER && t.value != user.name) {
        Some(t) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            format!(
                "'{TAG_USER}' is who made the run, set by the server: {} cannot set it to '{}'",
                user.name, t.value
            ),
        )),
        None => Ok(()),
    }
}

/// The token a request carries, and the user name that came with it (basic auth).
fn credentials(headers: &axum::http::HeaderMap) -> Option<(Option<String>, String)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some((None, rest.trim().to_string()));
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(rest.trim()).ok()?;
    let (user, token) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    // `-u :TOKEN` names no user: the token alone says who.
    let user = Some(user.to_string()).filter(|u| !u.is_empty());
    Some((user, token.to_string()))
}

/// On a server with users: the caller, found by its token, put in the request for the handlers
/// (runs record it as their user); a reader's write is refused before it reaches them.
pub async fn require_user(State(state): State<AppState>, mut req: Request, next: Next) -> Result<Response, ApiError> {
    // A load balancer's health check carries no user.
    if !state.auth || req.uri().path() == crate::api::routes::HEALTH {
        return Ok(next.run(req).await);
    }
    let user = match credentials(req.headers()) {
        Some((name, token)) => state
            .run(move |s| s.user_by_token(&token))
            .await?
            .filter(|u| name.is_none_or(|n| n == u.name)),
        None => None,
    };
    let Some(user) = user else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "This server requires a user: 'Authorization: Bearer <token>', or basic auth with the user's name \
             and token (MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD)",
        ));
    };
    if !user.role.may_write() && !only_reads(req.method(), req.uri().path()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            format!("User '{}' may only read (role reader): nothing was written", user.name),
        ));
    }
    req.extensions_mut().insert(Caller(user));
    Ok(next.run(req).await)
}

/// Compares without stopping at the first differing byte.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub async fn require_token(State(state): State<AppState>, req: Request, next: Next) -> Result<Response, ApiError> {
    if let Some(token) = &state.token {
        let given = req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if !given.is_some_and(|g| same(g.as_bytes(), token.as_bytes())) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "This server requires 'Authorization: Bearer <token>' (set MLFLOW_TRACKING_TOKEN or RUNHISTORY_TOKEN)",
            ));
        }
    }
    Ok(next.run(req).await)
}

/// Whether the call only reads: any GET or HEAD, and the searches MLflow sends by POST. (A call
/// under `/ajax-api/` reaches this already turned into its `/api/` path.)
pub fn only_reads(method: &Method, path: &str) -> bool {
    method == Method::GET
        || method == Method::HEAD
        || (method == Method::POST && crate::api::routes::READS_BY_POST.contains(&path))
}

pub async fn refuse_writes(State(state): State<AppState>, req: Request, next: Next) -> Result<Response, ApiError> {
    if let Some(why) = &state.read_only
        && !only_reads(req.method(), req.uri().path())
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            format!("This history is read-only ({why}): nothing can be written to it"),
        ));
    }
    Ok(next.run(req).await)
}
