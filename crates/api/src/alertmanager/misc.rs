//! Health, readiness, reload, metrics, the removed API v1, the root redirect and the spec.

use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Api;

/// The text of upstream's `/api/v1/*` answer.
pub const V1_REMOVED: &str = "The Alertmanager v1 API was deprecated in version 0.16.0 and is \
    removed as of version 0.27.0 - please use the equivalent route in the v2 API";

/// A plain-text response as Go's `http.Error` and `fmt.Fprint` produce it.
pub fn text(status: StatusCode, body: impl Into<String>) -> Response {
    let mut resp = (status, body.into()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    resp
}

/// `GET/HEAD /-/healthy`: always `OK`.
pub(crate) async fn ok(method: Method) -> Response {
    if method == Method::HEAD { StatusCode::OK.into_response() } else { text(StatusCode::OK, "OK") }
}

/// `GET/HEAD /-/ready`: `OK`, except 503 while an HA peer is still settling (it does not
/// notify yet), so that a rolling update waits for each replica to catch up with the cluster
/// before restarting the next. Upstream is always ready.
pub(crate) async fn ready(State(api): State<Api>, method: Method) -> Response {
    if api.backend.cluster().status != "settling" {
        return ok(method).await;
    }
    if method == Method::HEAD {
        StatusCode::SERVICE_UNAVAILABLE.into_response()
    } else {
        text(StatusCode::SERVICE_UNAVAILABLE, "cluster settling")
    }
}

/// `POST /-/reload`.
pub(crate) async fn reload(State(api): State<Api>) -> Response {
    match api.backend.reload().await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => {
            text(StatusCode::INTERNAL_SERVER_ERROR, format!("failed to reload config: {e}\n"))
        }
    }
}

/// `GET /metrics`.
pub(crate) async fn metrics(State(api): State<Api>) -> Response {
    let body = api.backend.metrics_text();
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(alertmanager::metrics::CONTENT_TYPE),
    );
    resp
}

/// Every `/api/v1/*` route upstream still answers: 410 with a JSON explanation.
pub(crate) async fn v1_removed(uri: axum::http::Uri, method: Method) -> Response {
    tracing::warn!(path = %uri.path(), method = %method, "v1 API received a request on a removed endpoint");
    // Go's json.Encoder ends the document with a newline.
    let body = serde_json::json!({"status": "deprecated", "error": V1_REMOVED}).to_string() + "\n";
    let mut resp = (StatusCode::GONE, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// `GET /`: upstream serves its web UI here; klaxon has none yet, so a page pointing at the API
/// (relative links, so it works under any route prefix).
pub(crate) async fn landing(
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
) -> Response {
    // Under a prefix the page is served at `/prefix` (no slash): links must include it.
    let base = match uri.path() {
        p if p.ends_with('/') => String::new(),
        p => format!("{}/", p.rsplit('/').next().unwrap_or_default()),
    };
    let body = format!(
        "<!DOCTYPE html>\n<html><head><title>Alertmanager (klaxon)</title></head><body>\n\
         <h1>Alertmanager (klaxon)</h1>\n<ul>\n\
         <li><a href=\"{base}api/v2/alerts\">alerts</a></li>\n\
         <li><a href=\"{base}api/v2/alerts/groups\">alert groups</a></li>\n\
         <li><a href=\"{base}api/v2/silences\">silences</a></li>\n\
         <li><a href=\"{base}api/v2/status\">status</a></li>\n\
         <li><a href=\"{base}api/v2/swagger.json\">API description</a></li>\n\
         <li><a href=\"{base}metrics\">metrics</a></li>\n</ul>\n</body></html>\n"
    );
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    resp
}

/// `GET /api/v2/swagger.json`: the OpenAPI 2.0 description of the API.
pub(crate) async fn swagger() -> Response {
    let mut resp = (StatusCode::OK, super::SWAGGER_JSON).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}
