//! Alertmanager's HTTP surface: API v2 (what `amtool`, Grafana and Prometheus use), the removed
//! API v1 (410), health, readiness, reload and `/metrics`, all under `--web.route-prefix`.
//!
//! [`router`] builds the whole thing for a running [`Alertmanager`]; [`serve`] runs it. The
//! handlers talk to the runtime through [`Backend`], so the HTTP layer can be tested on its own.
//!
//! ```no_run
//! # async fn run(am: std::sync::Arc<alertmanager::runtime::Alertmanager>) -> std::io::Result<()> {
//! let app = api::alertmanager::router(am, "/");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9093").await?;
//! api::alertmanager::serve(listener, app, std::future::pending()).await
//! # }
//! ```

mod alerts;
pub mod backend;
pub mod filters;
mod groups;
pub mod json;
mod misc;
mod runtime_backend;
mod silences;
mod status;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use alertmanager::runtime::Alertmanager;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, OriginalUri, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get, post};
use tokio::sync::Semaphore;
use tower_http::cors::{Any, CorsLayer};

pub use backend::Backend;
pub use groups::cmp_alerts;
pub use misc::V1_REMOVED;
pub use silences::silence_state;

use json::json_response;

/// Our OpenAPI 2.0 description of API v2, served at `/api/v2/swagger.json`.
pub const SWAGGER_JSON: &str = include_str!("openapi.json");

/// The web flags that shape the router.
#[derive(Debug, Clone)]
pub struct WebOptions {
    /// `--web.route-prefix` (normalised by [`normalize_prefix`]).
    pub route_prefix: String,
    /// `--web.get-concurrency`; 0 means max(CPUs, 8).
    pub get_concurrency: usize,
    /// `--web.timeout`; `None` or zero means no timeout.
    pub timeout: Option<Duration>,
}

impl Default for WebOptions {
    fn default() -> Self {
        WebOptions { route_prefix: "/".to_owned(), get_concurrency: 0, timeout: None }
    }
}

/// Normalises a route prefix as upstream does: `"/" + trim("/")`.
pub fn normalize_prefix(prefix: &str) -> String {
    format!("/{}", prefix.trim_matches('/'))
}

/// Handler state.
#[derive(Clone)]
pub(crate) struct Api {
    pub(crate) backend: Arc<dyn Backend>,
    /// The route prefix ("" for `/`), cut from the `handler` label of the request metrics.
    prefix: Arc<str>,
}

/// The router for a running Alertmanager with default web options and `route_prefix`.
pub fn router(am: Arc<Alertmanager>, route_prefix: &str) -> Router {
    let opts = WebOptions { route_prefix: route_prefix.to_owned(), ..WebOptions::default() };
    router_with(am, &opts)
}

/// The router for any [`Backend`] with explicit web options.
pub fn router_with(backend: Arc<dyn Backend>, opts: &WebOptions) -> Router {
    let prefix = normalize_prefix(&opts.route_prefix);
    let api = Api {
        backend,
        prefix: if prefix == "/" { Arc::from("") } else { Arc::from(prefix.as_str()) },
    };

    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::HEAD])
        .allow_headers(Any);
    let v2 = Router::new()
        .route("/alerts", get(alerts::get_alerts).post(alerts::post_alerts))
        .route("/alerts/groups", get(groups::get_groups))
        .route("/silences", get(silences::get_silences).post(silences::post_silences))
        .route("/silence/{silenceID}", get(silences::get_silence).delete(silences::delete_silence))
        .route("/status", get(status::get_status))
        .route("/receivers", get(status::get_receivers))
        .route("/swagger.json", get(misc::swagger))
        .fallback(v2_not_found)
        .method_not_allowed_fallback(v2_method_not_allowed)
        .layer(middleware::map_response(no_store))
        .layer(cors);

    let v1 = Router::new()
        .route("/status", get(misc::v1_removed))
        .route("/receivers", get(misc::v1_removed))
        .route("/alerts", get(misc::v1_removed).post(misc::v1_removed))
        .route("/silences", get(misc::v1_removed).post(misc::v1_removed))
        .route("/silence/{sid}", get(misc::v1_removed).delete(misc::v1_removed));

    let inner = Router::new()
        .nest("/api/v2", v2)
        .nest("/api/v1", v1)
        .route("/", get(misc::landing))
        .route("/-/healthy", get(misc::ok))
        .route("/-/ready", get(misc::ready))
        .route("/-/reload", post(misc::reload))
        .route("/metrics", get(misc::metrics))
        .route_layer(middleware::from_fn_with_state(api.clone(), instrument))
        // Upstream reads bodies without a limit; axum's default (2 MiB) would refuse large
        // alert batches.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(api.clone());

    let app = if prefix == "/" {
        inner
    } else {
        let target = prefix.clone();
        Router::new()
            // Go's http.Redirect: 302 Found.
            .route(
                "/",
                get(move || async move { (StatusCode::FOUND, [(header::LOCATION, target)]) }),
            )
            .nest(&prefix, inner)
    };
    let app = app.fallback(any(go_not_found));

    let limit = Limits::new(api.backend.clone(), opts);
    app.layer(middleware::from_fn_with_state(Arc::new(limit), limit_requests))
}

/// The largest request body accepted.
const MAX_BODY_BYTES: usize = 256 << 20;

/// `alertmanager_http_request_duration_seconds{handler,method,code}`: the handler is the
/// route's path without the prefix.
async fn instrument(State(api): State<Api>, req: Request, next: Next) -> Response {
    let path = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let handler = path.as_deref().unwrap_or_default();
    let handler = handler.strip_prefix(&*api.prefix).unwrap_or(handler).to_owned();
    let method = req.method().as_str().to_ascii_lowercase();
    let start = std::time::Instant::now();
    let resp = next.run(req).await;
    let elapsed = start.elapsed().as_secs_f64();
    api.backend.observe_http(&handler, &method, resp.status().as_u16(), elapsed);
    resp
}

/// Serves `router` on `listener` until `shutdown` completes, then drains open requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}

async fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

async fn v2_not_found(OriginalUri(uri): OriginalUri) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &serde_json::json!({"code": 404, "message": format!("path {} was not found", uri.path())}),
    )
}

async fn v2_method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> Response {
    let path = uri.path();
    let allowed = if path.ends_with("/alerts") || path.ends_with("/silences") {
        "GET,POST"
    } else if path.contains("/silence/") {
        "DELETE,GET"
    } else {
        "GET"
    };
    let mut resp = json_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &serde_json::json!({
            "code": 405,
            "message": format!("method {method} is not allowed, but [{allowed}] are"),
        }),
    );
    if let Ok(v) = HeaderValue::from_str(allowed) {
        resp.headers_mut().insert(header::ALLOW, v);
    }
    resp
}

async fn go_not_found() -> Response {
    misc::text(StatusCode::NOT_FOUND, "404 page not found\n")
}

/// A GET slot; counted in `alertmanager_http_requests_in_flight` while held.
struct InFlight {
    _permit: tokio::sync::OwnedSemaphorePermit,
    backend: Arc<dyn Backend>,
}

impl InFlight {
    fn new(permit: tokio::sync::OwnedSemaphorePermit, backend: Arc<dyn Backend>) -> Self {
        backend.http_in_flight(1);
        InFlight { _permit: permit, backend }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.backend.http_in_flight(-1);
    }
}

/// The GET concurrency limit and the request timeout, applied to every route as upstream does.
struct Limits {
    backend: Arc<dyn Backend>,
    get_slots: Arc<Semaphore>,
    capacity: usize,
    timeout: Option<Duration>,
}

impl Limits {
    fn new(backend: Arc<dyn Backend>, opts: &WebOptions) -> Self {
        let capacity = if opts.get_concurrency == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get()).max(8)
        } else {
            opts.get_concurrency
        };
        Limits {
            backend,
            get_slots: Arc::new(Semaphore::new(capacity)),
            capacity,
            timeout: opts.timeout.filter(|t| !t.is_zero()),
        }
    }
}

async fn limit_requests(State(limits): State<Arc<Limits>>, req: Request, next: Next) -> Response {
    let _permit = if req.method() == Method::GET {
        match Arc::clone(&limits.get_slots).try_acquire_owned() {
            Ok(p) => Some(InFlight::new(p, limits.backend.clone())),
            Err(_) => {
                limits.backend.count_concurrency_limit_exceeded();
                return misc::text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!(
                        "Limit of concurrent GET requests reached ({}), try again later.\n",
                        limits.capacity
                    ),
                );
            }
        }
    } else {
        None
    };
    match limits.timeout {
        None => next.run(req).await,
        Some(t) => match tokio::time::timeout(t, next.run(req)).await {
            Ok(resp) => resp,
            Err(_) => misc::text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "Exceeded configured timeout of {}.\n",
                    model::duration::GoDuration::from_nanos(
                        i64::try_from(t.as_nanos()).unwrap_or(i64::MAX)
                    )
                ),
            ),
        },
    }
}
