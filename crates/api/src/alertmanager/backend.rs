//! What the API needs from an Alertmanager: the seam between the HTTP layer and the runtime.
//!
//! [`alertmanager::runtime::Alertmanager`] implements it (see `runtime_backend.rs`); tests may
//! put a small fake behind the same router. Everything here is a plain snapshot: the handlers do
//! the filtering, sorting and JSON, the backend owns state and the §3.2/§5.2 rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use alertmanager::alert::{Alert, Time};
use futures::future::BoxFuture;
use model::labels::Labels;
use model::matcher::{Matcher, MatcherParseMode};

use super::json::PostableSilence;

/// A silence as the API shows it.
#[derive(Debug, Clone)]
pub struct SilenceView {
    /// UUID.
    pub id: String,
    /// Its matchers (one set; see [`SilenceView::extra_matcher_sets`]).
    pub matchers: Vec<Matcher>,
    /// Whether the silence has more than one matcher set, which API v2 cannot show (500, as
    /// upstream).
    pub extra_matcher_sets: bool,
    /// Start.
    pub starts_at: Time,
    /// End.
    pub ends_at: Time,
    /// Last change.
    pub updated_at: Time,
    /// Who.
    pub created_by: String,
    /// Why.
    pub comment: String,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
}

/// A configured receiver.
#[derive(Debug, Clone)]
pub struct ReceiverView {
    /// Name.
    pub name: String,
    /// Labels (`labels:` of the receiver).
    pub labels: BTreeMap<String, String>,
}

/// An aggregation group as `/api/v2/alerts/groups` shows it.
#[derive(Debug, Clone)]
pub struct GroupView {
    /// Group labels.
    pub labels: Labels,
    /// The route's `labels:`.
    pub route_labels: BTreeMap<String, String>,
    /// The route's receiver.
    pub receiver: String,
    /// The route's id (for the muted-by lookup).
    pub route_id: String,
    /// The group key.
    pub group_key: String,
    /// Its alerts (resolved ones included; the handler filters).
    pub alerts: Vec<Arc<Alert>>,
}

/// Cluster state for `/api/v2/status`.
#[derive(Debug, Clone)]
pub struct ClusterView {
    /// Own peer name; empty when disabled.
    pub name: String,
    /// `ready`, `settling` or `disabled`.
    pub status: String,
    /// (name, address) of every member, self included.
    pub peers: Vec<(String, String)>,
}

/// Build information.
#[derive(Debug, Clone, Default)]
pub struct VersionView {
    /// e.g. `0.1.0`.
    pub version: String,
    /// VCS revision.
    pub revision: String,
    /// VCS branch.
    pub branch: String,
    /// Who built it.
    pub build_user: String,
    /// When.
    pub build_date: String,
    /// Compiler version (upstream's `goVersion`).
    pub toolchain: String,
}

/// Why a silence could not be set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetSilenceError {
    /// Update of an unknown id: 404 with the message.
    NotFound(String),
    /// Anything else (validation, limits): 400 with the message.
    Invalid(String),
}

/// Why a silence could not be expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpireSilenceError {
    /// Unknown id: 404.
    NotFound,
    /// Anything else: 500 with the message.
    Other(String),
}

/// The outcome of posting alerts: the valid ones are stored even when others are invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostAlertsError {
    /// Some alerts were invalid (the rest stored): 400 with the errors joined by newlines.
    Invalid(Vec<String>),
    /// The store failed: 500 with the message.
    Store(String),
}

/// The Alertmanager behind the API.
pub trait Backend: Send + Sync + 'static {
    /// "Now" (the runtime's clock).
    fn now(&self) -> Time;
    /// How `filter` parameters are parsed and which label names are valid.
    fn matcher_mode(&self) -> MatcherParseMode;
    /// Cluster state.
    fn cluster(&self) -> ClusterView;
    /// Build information.
    fn version(&self) -> VersionView;
    /// The running config as YAML with secrets masked.
    fn config_yaml(&self) -> String;
    /// Process start time.
    fn start_time(&self) -> Time;
    /// All configured receivers, in config order.
    fn receivers(&self) -> Vec<ReceiverView>;
    /// Ingests alerts (§3.2: defaults, validation, store).
    fn post_alerts(&self, alerts: Vec<Alert>) -> Result<(), PostAlertsError>;
    /// Every stored alert (shared with the store, not copied).
    fn alerts(&self) -> Vec<Arc<Alert>>;
    /// What mutes `labels` at `now`: (silence ids, inhibiting alert fingerprints), computed
    /// live.
    fn mutes(&self, labels: &Labels, now: Time) -> (Vec<String>, Vec<String>);
    /// The receivers of the routes `labels` match, in route order.
    fn alert_receivers(&self, labels: &Labels) -> Vec<String>;
    /// The dispatcher's aggregation groups, sorted as the API lists them: by labels (fewer
    /// first, then lexically), then by receiver.
    fn groups(&self) -> Vec<GroupView>;
    /// The time intervals that muted a group at its last flush.
    fn group_muted_by(&self, route_id: &str, group_key: &str) -> Vec<String>;
    /// Every silence.
    fn silences(&self) -> Vec<SilenceView>;
    /// One silence.
    fn silence(&self, id: &str) -> Option<SilenceView>;
    /// Creates or updates a silence (§5.2); returns the resulting id.
    fn set_silence(&self, silence: PostableSilence) -> Result<String, SetSilenceError>;
    /// Expires a silence.
    fn expire_silence(&self, id: &str) -> Result<(), ExpireSilenceError>;
    /// Reloads the config file.
    fn reload(&self) -> BoxFuture<'_, Result<(), String>>;
    /// The Prometheus text exposition of the metrics.
    fn metrics_text(&self) -> String;
    /// Counts a GET refused by the concurrency limit
    /// (`alertmanager_http_concurrency_limit_exceeded_total`).
    fn count_concurrency_limit_exceeded(&self) {}
    /// Records one served request (`alertmanager_http_request_duration_seconds`).
    fn observe_http(&self, _handler: &str, _method: &str, _code: u16, _seconds: f64) {}
    /// GET requests in flight changed by `delta` (`alertmanager_http_requests_in_flight`).
    fn http_in_flight(&self, _delta: i64) {}
}
