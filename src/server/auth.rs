//! Who may call: with a token configured, a call without it gets a 401 JSON error; a read-only
//! server (a history read in place) refuses every write with a 403 that says why.

use super::AppState;
use super::error::ApiError;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

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
