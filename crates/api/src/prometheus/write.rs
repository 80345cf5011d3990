//! `POST /api/v1/write`: the remote write 1.0 receiver (upstream's
//! `--web.enable-remote-write-receiver`). Served only when [`PromBackend::appendable`] is set;
//! otherwise the path is a 404 like any unknown API path.
//!
//! Statuses as upstream: 204 once the samples are committed; 400 when the body cannot be
//! decoded (`snappy: ...`, `proto: ...`), a series' labels are invalid, or a sample is out of
//! order, duplicate, out of bounds or too old (so the sender does not retry it); 415 for a
//! compression or protobuf message other than snappy and `prometheus.WriteRequest` (remote
//! write 2.0 is not served); 500 when the store fails (the sender retries). The rules of the
//! append itself are in [`remote::receive`].
//!
//! [`PromBackend::appendable`]: super::PromBackend::appendable

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use remote::receive::{DEFAULT_MAX_DECODED_BYTES, ReceiveError};

use super::{Shared, not_ready};

/// Largest compressed body accepted (the decompressed size has its own cap of the same size).
pub const MAX_WRITE_BODY: usize = DEFAULT_MAX_DECODED_BYTES;

/// The route, with its own body limit.
pub(super) fn route() -> MethodRouter<Arc<Shared>> {
    post(write).layer(DefaultBodyLimit::max(MAX_WRITE_BODY))
}

fn plain(status: StatusCode, message: impl Into<String>) -> Response {
    let mut text = message.into();
    text.push('\n');
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// Refuses bodies this receiver cannot read, as upstream's handler does: an absent
/// `Content-Encoding` or `Content-Type` means remote write 1.0 defaults.
fn check_headers(headers: &HeaderMap) -> Result<(), String> {
    if let Some(enc) = headers.get(header::CONTENT_ENCODING) {
        let enc = enc.to_str().unwrap_or("").trim();
        if !enc.is_empty() && !enc.eq_ignore_ascii_case("snappy") {
            return Err(format!("unsupported compression: {enc}. Only snappy is supported"));
        }
    }
    let Some(ct) = headers.get(header::CONTENT_TYPE) else { return Ok(()) };
    let ct = ct.to_str().unwrap_or("");
    let mut parts = ct.split(';').map(str::trim);
    let media = parts.next().unwrap_or("");
    if !media.is_empty() && !media.eq_ignore_ascii_case(remote::codec::CONTENT_TYPE) {
        return Err(format!(
            "expected {} as the content-type, got {ct:?}",
            remote::codec::CONTENT_TYPE
        ));
    }
    for param in parts {
        if let Some((key, value)) = param.split_once('=')
            && key.trim().eq_ignore_ascii_case("proto")
        {
            let proto = value.trim().trim_matches('"');
            if proto != "prometheus.WriteRequest" {
                return Err(format!(
                    "unsupported proto message {proto:?}: only prometheus.WriteRequest (remote write 1.0) is accepted"
                ));
            }
        }
    }
    Ok(())
}

async fn write(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let backend = &shared.backend;
    if !backend.ready.load(Ordering::Relaxed) {
        return not_ready();
    }
    let Some(appendable) = backend.appendable.clone() else {
        return plain(
            StatusCode::NOT_FOUND,
            "remote write receiver needs to be enabled with --web.enable-remote-write-receiver",
        );
    };
    if let Err(message) = check_headers(&headers) {
        return plain(StatusCode::UNSUPPORTED_MEDIA_TYPE, message);
    }
    let now = backend.clock.now().as_millis();
    // Appending takes locks and may fsync: off the async workers.
    let result = tokio::task::spawn_blocking(move || {
        remote::receive::receive(appendable.as_ref(), &body, DEFAULT_MAX_DECODED_BYTES, now)
    })
    .await;
    match result {
        Ok(Ok(_stats)) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(ReceiveError::BadRequest(message))) => {
            tracing::debug!(%message, "refused remote write request");
            plain(StatusCode::BAD_REQUEST, message)
        }
        Ok(Err(ReceiveError::Internal(message))) => {
            tracing::error!(%message, "remote write request failed");
            plain(StatusCode::INTERNAL_SERVER_ERROR, message)
        }
        Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, format!("remote write: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn header_checks() {
        assert!(check_headers(&headers(&[])).is_ok());
        assert!(
            check_headers(&headers(&[
                ("content-encoding", "snappy"),
                ("content-type", "application/x-protobuf")
            ]))
            .is_ok()
        );
        assert!(
            check_headers(&headers(&[(
                "content-type",
                "application/x-protobuf;proto=prometheus.WriteRequest"
            )]))
            .is_ok()
        );
        assert!(check_headers(&headers(&[("content-encoding", "zstd")])).is_err());
        assert!(check_headers(&headers(&[("content-type", "application/json")])).is_err());
        assert!(
            check_headers(&headers(&[(
                "content-type",
                "application/x-protobuf;proto=io.prometheus.write.v2.Request"
            )]))
            .is_err()
        );
    }
}
