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
    let bytes = super::body::bytes_up_to(req.into_body(), limit, || {
        ApiError::too_large(format!("Request body larger than {limit} bytes"))
    })
    .await?;
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        axum::body::Bytes::from_static(b"{}")
    } else {
        bytes
    };
    serde_json::from_slice(&bytes).map_err(|e| refusal::<T>(&bytes, e))
}

/// Why a body was refused, in MLflow's words when it is JSON with a field of the wrong type:
/// "Invalid value 123 for parameter 'name' supplied."
fn refusal<T: DeserializeOwned>(bytes: &[u8], e: serde_json::Error) -> ApiError {
    let Ok(serde_json::Value::Object(body)) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return ApiError::invalid(format!("Malformed JSON request: {e}"));
    };
    let value = serde_json::Value::Object(body);
    let Err(err) = serde_path_to_error::deserialize::<_, T>(&value) else {
        return ApiError::invalid(format!("Malformed JSON request: {e}"));
    };
    let inner = err.inner().to_string();
    let (path, leaf) = walk(&value, err.path());
    if let Some(missing) = inner.strip_prefix("missing field `").and_then(|m| m.split('`').next()) {
        let full = if path.is_empty() {
            missing.to_string()
        } else {
            format!("{path}.{missing}")
        };
        return ApiError::invalid(format!(
            "Missing value for required parameter '{full}'. See the API docs for more information about request parameters."
        ));
    }
    match leaf {
        Some(v) if !path.is_empty() => ApiError::invalid(format!(
            "Invalid value {} for parameter '{path}' supplied: {}",
            shortened(v),
            err.inner()
        )),
        _ => ApiError::invalid(format!("Malformed JSON request: {e}")),
    }
}

/// The path serde stopped at, written `a.b[2].c`, and the value found there (the deepest one the
/// body has when the path goes on past it).
fn walk<'v>(value: &'v serde_json::Value, at: &serde_path_to_error::Path) -> (String, Option<&'v serde_json::Value>) {
    use serde_path_to_error::Segment;
    let (mut path, mut here) = (String::new(), Some(value));
    for seg in at.iter() {
        match seg {
            Segment::Map { key } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                here = here.and_then(|v| v.get(key.as_str())).or(here);
            }
            Segment::Seq { index } => {
                path.push_str(&format!("[{index}]"));
                here = here.and_then(|v| v.get(*index)).or(here);
            }
            _ => {}
        }
    }
    let here = here.filter(|_| !path.is_empty());
    (path, here)
}

/// A value as JSON, cut short so a refusal never echoes a whole large body.
fn shortened(v: &serde_json::Value) -> String {
    const MAX: usize = 200;
    let text = v.to_string();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The run a request names: `run_id`, or `run_uuid` as older MLflow clients send it.
pub fn run_id(run_id: Option<&str>, run_uuid: Option<&str>) -> Result<String, ApiError> {
    run_id
        .or(run_uuid)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .ok_or_else(|| ApiError::missing("run_id"))
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
