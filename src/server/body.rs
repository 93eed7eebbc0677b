//! Request bodies read against a limit. A refused body's rest is read and dropped in the
//! background: a socket closed with unread data resets, and a client still sending would see the
//! reset instead of our 413.

use super::error::ApiError;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};
use futures_util::StreamExt;
use std::time::Duration;

/// How long the rest of a refused body is read before the connection is let go (nginx's
/// `lingering_time` is 30 s too).
const LINGER: Duration = Duration::from_secs(30);

/// The body whole if it is at most `limit` bytes; `too_large()` once it passes the limit (its rest
/// then drained in the background), a 400 if the client broke off.
pub async fn bytes_up_to(body: Body, limit: usize, too_large: impl FnOnce() -> ApiError) -> Result<Bytes, ApiError> {
    let mut stream = body.into_data_stream();
    let mut whole = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::invalid(format!("Request body interrupted: {e}")))?;
        if whole.len() + chunk.len() > limit {
            discard(stream);
            return Err(too_large());
        }
        whole.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(whole))
}

/// Reads and drops what is left of a refused body for up to [`LINGER`], so that the answer is read
/// before the connection closes.
pub fn discard(mut stream: axum::body::BodyDataStream) {
    tokio::spawn(async move {
        let _ = tokio::time::timeout(LINGER, async { while let Some(Ok(_)) = stream.next().await {} }).await;
    });
}

/// Lets go of a body refused before any of it was read: a client that waits for `100 Continue`
/// sends nothing more and needs no draining; any other is sending it already.
pub fn refuse_unread(headers: &HeaderMap, body: Body) {
    let waits_to_send = headers
        .get(header::EXPECT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    if !waits_to_send {
        discard(body.into_data_stream());
    }
}
