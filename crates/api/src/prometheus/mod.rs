//! Prometheus' HTTP query API v1: what Grafana's Prometheus data source and `promtool query`
//! talk to.
//!
//! [`router`] serves, under `/api/v1`: `query`, `query_range`, `series`, `labels`,
//! `label/<name>/values`, `metadata`, `query_exemplars`, `format_query`, `parse_query`,
//! `status/{buildinfo,config,flags,runtimeinfo,tsdb}`, `targets`, `targets/metadata`,
//! `targets/relabel_steps`, `scrape_pools`, `rules`, `alerts` ([`rules`]), `alertmanagers`
//! ([`alertmanagers`]), plus `/-/healthy`
//! and `/-/ready`; and the remote write receiver `POST /api/v1/write` when enabled
//! ([`write`]).
//! GET and form POST are accepted alike; the envelope, error types, status codes and the
//! encoding of floats and timestamps are upstream's to the byte ([`json`]).
//!
//! A [`PromBackend`] holds what the endpoints read: the store (`Arc<dyn Storage>`), the
//! [`promql::Engine`], and the texts and providers of the status pages.
//!
//! ```no_run
//! # async fn demo() {
//! use std::sync::Arc;
//! use api::prometheus::{PromBackend, router};
//!
//! let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
//! let backend = PromBackend::new(head, promql::Engine::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9090").await.unwrap();
//! axum::serve(listener, router(backend)).await.unwrap();
//! # }
//! ```

pub mod alertmanagers;
pub mod encode;
pub mod json;
pub mod lifecycle;
pub mod params;
mod query;
pub mod response;
pub mod rules;
mod series;
pub mod status;
pub mod targets;
pub mod write;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use model::storage::{Appendable, Storage};
use model::time::{Clock, SystemClock};
use promql::{Engine, ParseOptions};
use tokio::sync::Semaphore;

use params::Form;
use response::{ApiResult, respond, set_cors};
pub use status::{
    BuildInfo, MetadataSource, MetricMetadata, RuntimeInfo, Stat, StorageStats, TsdbStatsSource,
    TsdbStatus,
};

/// Prometheus' `--query.max-concurrency` default.
pub const DEFAULT_MAX_CONCURRENCY: usize = 20;

/// Largest form body accepted (Go's `ParseForm` limit).
const MAX_BODY: usize = 10 << 20;

/// Everything the query API reads.
#[derive(Clone)]
pub struct PromBackend {
    pub storage: Arc<dyn Storage>,
    pub engine: Engine,
    /// What the parser accepts (`promql-experimental-functions`).
    pub parse_options: ParseOptions,
    /// `--query.max-concurrency`: queries evaluated at once; the rest wait their turn.
    pub max_concurrency: usize,
    /// The configuration file's text (`/api/v1/status/config`).
    pub config_yaml: String,
    /// Command-line flags by name (`/api/v1/status/flags`).
    pub flags: BTreeMap<String, String>,
    pub build_info: BuildInfo,
    pub runtime_info: RuntimeInfo,
    /// `/api/v1/metadata`; empty when `None`.
    pub metadata: Option<Arc<dyn MetadataSource>>,
    /// `/api/v1/status/tsdb`; computed from the store's label index when `None`.
    pub tsdb_stats: Option<Arc<dyn TsdbStatsSource>>,
    /// `/api/v1/targets` and `/api/v1/targets/metadata` (the scrape manager); empty lists
    /// when `None`.
    pub targets: Option<Arc<dyn scrape::status::TargetsView>>,
    /// Until set, the API and `/-/ready` answer 503 (startup, shutdown).
    pub ready: Arc<AtomicBool>,
    /// Where "now" comes from (the default `time` of instant queries).
    pub clock: Arc<dyn Clock>,
    /// `--web.enable-remote-write-receiver`: where `POST /api/v1/write` appends; the
    /// endpoint is a 404 when `None` ([`write`]).
    pub appendable: Option<Arc<dyn Appendable>>,
    /// The running server: `/-/reload`, `/-/quit`, `/metrics`, and the live config text and
    /// reload state of `/api/v1/status/*` (which otherwise come from the fields above).
    pub server: Option<Arc<dyn lifecycle::ServerControl>>,
    /// `/api/v1/rules` and `/api/v1/alerts` (the rule manager); empty lists when `None`.
    pub rules: Option<Arc<dyn ::rules::manager::RulesView>>,
    /// `/api/v1/alertmanagers` (the notifier); empty lists when `None`.
    pub alertmanagers: Option<Arc<dyn ::rules::notifier::AlertmanagersView>>,
}

impl fmt::Debug for PromBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromBackend")
            .field("engine", &self.engine)
            .field("parse_options", &self.parse_options)
            .field("max_concurrency", &self.max_concurrency)
            .field("build_info", &self.build_info)
            .finish_non_exhaustive()
    }
}

impl PromBackend {
    /// A backend over `storage` with defaults elsewhere: ready, no config text, no flags.
    pub fn new(storage: Arc<dyn Storage>, engine: Engine) -> Self {
        PromBackend {
            storage,
            engine,
            parse_options: ParseOptions::default(),
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            config_yaml: String::new(),
            flags: BTreeMap::new(),
            build_info: BuildInfo::default(),
            runtime_info: RuntimeInfo::default(),
            metadata: None,
            tsdb_stats: None,
            targets: None,
            ready: Arc::new(AtomicBool::new(true)),
            clock: Arc::new(SystemClock),
            appendable: None,
            server: None,
            rules: None,
            alertmanagers: None,
        }
    }
}

/// The router's state: the backend and the query slots.
struct Shared {
    backend: PromBackend,
    slots: Arc<Semaphore>,
}

/// Which endpoint a request is for.
#[derive(Debug, Clone, Copy)]
enum Endpoint {
    Query,
    QueryRange,
    Series,
    Labels,
    Metadata,
    Exemplars,
    FormatQuery,
    ParseQuery,
    BuildInfo,
    Config,
    Flags,
    RuntimeInfo,
    Tsdb,
    Targets,
    TargetsMetadata,
    TargetsRelabelSteps,
    ScrapePools,
    Rules,
    Alerts,
    Alertmanagers,
}

async fn dispatch(shared: Arc<Shared>, endpoint: Endpoint, form: Form) -> ApiResult {
    let b = &shared.backend;
    match endpoint {
        Endpoint::Query => query::instant(shared.clone(), form).await,
        Endpoint::QueryRange => query::range(shared.clone(), form).await,
        Endpoint::Series => series::series(shared.clone(), form).await,
        Endpoint::Labels => series::label_names(shared.clone(), form).await,
        Endpoint::Metadata => status::metadata(&form, b.metadata.as_deref()),
        Endpoint::Exemplars => query::exemplars(&shared, &form),
        Endpoint::FormatQuery => query::format(&shared, &form),
        Endpoint::ParseQuery => query::parse_tree(&shared, &form),
        Endpoint::BuildInfo => status::buildinfo(&b.build_info),
        Endpoint::Config => match &b.server {
            Some(server) => status::config(&server.config_yaml()),
            None => status::config(&b.config_yaml),
        },
        Endpoint::Flags => status::flags(&b.flags),
        Endpoint::RuntimeInfo => match &b.server {
            Some(server) => {
                let (reload_config_success, last_config_time) = server.reload_state();
                status::runtimeinfo(&RuntimeInfo {
                    reload_config_success,
                    last_config_time,
                    ..b.runtime_info.clone()
                })
            }
            None => status::runtimeinfo(&b.runtime_info),
        },
        Endpoint::Targets => targets::targets(&form, b.targets.as_deref()),
        Endpoint::TargetsMetadata => {
            targets::metadata(&form, b.targets.as_deref(), b.parse_options)
        }
        Endpoint::TargetsRelabelSteps => targets::relabel_steps(&form, b.targets.as_deref()),
        Endpoint::ScrapePools => targets::scrape_pools(b.targets.as_deref()),
        Endpoint::Rules => rules::rules(&form, b.rules.as_deref(), b.parse_options),
        Endpoint::Alerts => rules::alerts(b.rules.as_deref()),
        Endpoint::Alertmanagers => alertmanagers::alertmanagers(b.alertmanagers.as_deref()),
        Endpoint::Tsdb => match &b.tsdb_stats {
            Some(source) => status::tsdb(&form, source.as_ref()),
            None => status::tsdb(&form, &StorageStats(b.storage.clone())),
        },
    }
}

fn not_ready() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, [("X-Prometheus-Stopping", "false")], "Service Unavailable")
        .into_response()
}

fn endpoint(ep: Endpoint, post: bool) -> MethodRouter<Arc<Shared>> {
    let handler = move |State(shared): State<Arc<Shared>>,
                        method: Method,
                        uri: Uri,
                        headers: HeaderMap,
                        body: Bytes| async move {
        if !shared.backend.ready.load(Ordering::Relaxed) {
            return not_ready();
        }
        let form = Form::from_request(&method, &uri, &headers, &body);
        respond(dispatch(shared, ep, form).await, &headers)
    };
    let r = get(handler).options(options);
    if post { r.post(handler) } else { r }
}

/// `OPTIONS` on any API path: 204 with the CORS headers.
async fn options(headers: HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    set_cors(response.headers_mut(), &headers);
    response
}

async fn label_values(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !shared.backend.ready.load(Ordering::Relaxed) {
        return not_ready();
    }
    let form = Form::from_request(&method, &uri, &headers, &body);
    respond(series::label_values(shared, name, form).await, &headers)
}

async fn healthy() -> &'static str {
    "Prometheus Server is Healthy.\n"
}

async fn ready(State(shared): State<Arc<Shared>>) -> Response {
    if shared.backend.ready.load(Ordering::Relaxed) {
        "Prometheus Server is Ready.\n".into_response()
    } else {
        not_ready()
    }
}

async fn api_not_found(headers: HeaderMap) -> Response {
    let mut response = StatusCode::NOT_FOUND.into_response();
    set_cors(response.headers_mut(), &headers);
    response
}

/// The query API and health endpoints, at their upstream paths, and `POST /api/v1/write`
/// when [`PromBackend::appendable`] is set.
pub fn router(backend: PromBackend) -> Router {
    let slots = Arc::new(Semaphore::new(backend.max_concurrency.max(1)));
    let remote_write = backend.appendable.is_some();
    let shared = Arc::new(Shared { backend, slots });
    let router = Router::new();
    let router = if remote_write { router.route("/api/v1/write", write::route()) } else { router };
    router
        .route("/api/v1/query", endpoint(Endpoint::Query, true))
        .route("/api/v1/query_range", endpoint(Endpoint::QueryRange, true))
        .route("/api/v1/query_exemplars", endpoint(Endpoint::Exemplars, true))
        .route("/api/v1/format_query", endpoint(Endpoint::FormatQuery, true))
        .route("/api/v1/parse_query", endpoint(Endpoint::ParseQuery, true))
        .route("/api/v1/series", endpoint(Endpoint::Series, true))
        .route("/api/v1/labels", endpoint(Endpoint::Labels, true))
        .route("/api/v1/label/{name}/values", get(label_values).options(options))
        .route("/api/v1/metadata", endpoint(Endpoint::Metadata, false))
        .route("/api/v1/status/buildinfo", endpoint(Endpoint::BuildInfo, false))
        .route("/api/v1/status/config", endpoint(Endpoint::Config, false))
        .route("/api/v1/status/flags", endpoint(Endpoint::Flags, false))
        .route("/api/v1/status/runtimeinfo", endpoint(Endpoint::RuntimeInfo, false))
        .route("/api/v1/status/tsdb", endpoint(Endpoint::Tsdb, false))
        .route("/api/v1/targets", endpoint(Endpoint::Targets, false))
        .route("/api/v1/targets/metadata", endpoint(Endpoint::TargetsMetadata, false))
        .route("/api/v1/targets/relabel_steps", endpoint(Endpoint::TargetsRelabelSteps, false))
        .route("/api/v1/scrape_pools", endpoint(Endpoint::ScrapePools, false))
        .route("/api/v1/rules", endpoint(Endpoint::Rules, false))
        .route("/api/v1/alerts", endpoint(Endpoint::Alerts, false))
        .route("/api/v1/alertmanagers", endpoint(Endpoint::Alertmanagers, false))
        .route("/api/v1/{*rest}", get(api_not_found).post(api_not_found).options(options))
        .route("/-/healthy", get(healthy))
        .route("/-/reload", post(lifecycle::reload).put(lifecycle::reload))
        .route("/-/quit", post(lifecycle::quit).put(lifecycle::quit))
        .route("/metrics", get(lifecycle::metrics))
        .route("/-/ready", get(ready))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared)
}
