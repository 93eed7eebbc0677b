//! Request decoding with our error shape: JSON bodies (Content-Type checked, size capped) and
//! query strings (repeated keys kept), so a malformed request is always a 400 JSON error.

use super::error::ApiError;
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Largest JSON body of an ordinary call.
pub const MAX_JSON_BODY: usize = 32 * 1024 * 1024;
/// Largest bulk ingest body.
pub const MAX_INGEST_BODY: usize = 64 * 1024 * 1024;

pub async fn read_json<T: DeserializeOwned>(req: Request, limit: usize) -> Result<T, ApiError> {
    let has_json_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
    if !has_json_type {
        return Err(ApiError::invalid(
            "Bad Request. Content-Type header is missing or is not application/json.",
        ));
    }
    let bytes = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| ApiError::too_large(format!("Request body larger than {limit} bytes")))?;
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        axum::body::Bytes::from_static(b"{}")
    } else {
        bytes
    };
    serde_json::from_slice(&bytes).map_err(|e| ApiError::invalid(format!("Malformed JSON request: {e}")))
}

/// A JSON request body of at most `MAX_JSON_BODY` bytes.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request<Body>, _state: &S) -> Result<Self, ApiError> {
        read_json(req, MAX_JSON_BODY).await.map(JsonBody)
    }
}

/// The query string as name/value pairs.
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn require(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::missing(name))
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| ApiError::invalid(format!("Parameter '{name}' must be an integer, got '{v}'")))
            })
            .transpose()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or("");
        Ok(Params(form_urlencoded::parse(q.as_bytes()).into_owned().collect()))
    }
}
