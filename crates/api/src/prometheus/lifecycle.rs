//! The running server behind `/-/reload`, `/-/quit`, `/metrics` and the parts of
//! `/api/v1/status/*` that change at runtime (`klaxon run` implements [`ServerControl`]).
//!
//! Texts and codes are upstream's: with `--web.enable-lifecycle` off, `/-/reload` and `/-/quit`
//! answer 403 "Lifecycle API is not enabled."; a failed reload is a 500 naming the error.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Shared;

/// A reload in progress; resolves to the error text on failure.
pub type ReloadFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// What the lifecycle and self-observation endpoints ask of the server.
pub trait ServerControl: Send + Sync {
    /// The configuration as last loaded successfully, secrets masked.
    fn config_yaml(&self) -> String;
    /// Whether the last reload succeeded, and when the configuration was last loaded.
    fn reload_state(&self) -> (bool, SystemTime);
    /// `--web.enable-lifecycle`.
    fn lifecycle_enabled(&self) -> bool;
    /// Reloads every configuration file (the same as SIGHUP).
    fn reload(&self) -> ReloadFuture;
    /// Starts a graceful shutdown (the same as SIGTERM).
    fn quit(&self);
    /// The self-metrics in the OpenMetrics text format.
    fn metrics_text(&self) -> String;
}

/// `/metrics` content type (the OpenMetrics text `prometheus-client` writes).
const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

fn text(code: StatusCode, body: impl Into<String>) -> Response {
    let mut r = (code, body.into()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

fn control(shared: &Shared) -> Option<&Arc<dyn ServerControl>> {
    shared.backend.server.as_ref()
}

/// `POST|PUT /-/reload`.
pub(super) async fn reload(State(shared): State<Arc<Shared>>) -> Response {
    let Some(server) = control(&shared) else {
        return text(StatusCode::FORBIDDEN, "Lifecycle API is not enabled.");
    };
    if !server.lifecycle_enabled() {
        return text(StatusCode::FORBIDDEN, "Lifecycle API is not enabled.");
    }
    match server.reload().await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => {
            text(StatusCode::INTERNAL_SERVER_ERROR, format!("failed to reload config: {e}\n"))
        }
    }
}

/// `POST|PUT /-/quit`.
pub(super) async fn quit(State(shared): State<Arc<Shared>>) -> Response {
    let Some(server) = control(&shared) else {
        return text(StatusCode::FORBIDDEN, "Lifecycle API is not enabled.");
    };
    if !server.lifecycle_enabled() {
        return text(StatusCode::FORBIDDEN, "Lifecycle API is not enabled.");
    }
    server.quit();
    text(StatusCode::OK, "Requesting termination... Goodbye!")
}

/// `GET /metrics`.
pub(super) async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    let body = control(&shared).map(|s| s.metrics_text()).unwrap_or_default();
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(METRICS_CONTENT_TYPE));
    r
}
