//! The Alertmanager metrics, under upstream's names, in one `prometheus-client` registry.
//!
//! Every module records into the public fields of the shared [`Metrics`] (one per process; it
//! survives reloads). Families whose value is a snapshot of some state (`alertmanager_alerts`,
//! `alertmanager_silences`) are refreshed at scrape time by hooks their owners install with
//! [`Metrics::set_scrape_hook`]. Modules with metrics of their own can add them with
//! [`Metrics::register`].
//!
//! Differences from upstream, forced by `prometheus-client`:
//! - there are no summaries: `alertmanager_dispatcher_alert_processing_duration_seconds` and the
//!   `*_gc_duration_seconds` / `*_snapshot_duration_seconds` metrics are histograms;
//! - [`Metrics::encode`] writes the OpenMetrics text format ([`CONTENT_TYPE`]), which Prometheus
//!   scrapes natively (counters appear as `<name>_total`, as upstream's do).

use parking_lot::Mutex;
use prometheus_client::encoding::{EncodeLabelSet, text};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Metric, Registry};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// The `Content-Type` of [`Metrics::encode`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Every integration type, for pre-creating the per-integration series as upstream does (so a
/// dashboard sees zeros, not gaps).
pub const INTEGRATIONS: [&str; 18] = [
    "email",
    "pagerduty",
    "wechat",
    "pushover",
    "slack",
    "opsgenie",
    "webhook",
    "victorops",
    "sns",
    "telegram",
    "discord",
    "webex",
    "msteams",
    "msteamsv2",
    "incidentio",
    "jira",
    "rocketchat",
    "mattermost",
];

/// Every `reason` of `alertmanager_notifications_failed_total`.
pub const FAILURE_REASONS: [&str; 7] = [
    "clientError",
    "serverError",
    "authError",
    "rateLimited",
    "contextCanceled",
    "contextDeadlineExceeded",
    "other",
];

/// `{integration="webhook"}`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct IntegrationLabels {
    /// The integration type name.
    pub integration: String,
}

/// `{integration="webhook", reason="serverError"}`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FailureLabels {
    /// The integration type name.
    pub integration: String,
    /// A [`crate::integrations::FailureReason`] string.
    pub reason: String,
}

/// `{reason="silence"}`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    /// Why.
    pub reason: String,
}

/// `{state="active"}`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabels {
    /// The state.
    pub state: String,
}

/// `{status="firing"}`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    /// `firing` or `resolved`.
    pub status: String,
}

/// The labels of `alertmanager_build_info`.
#[derive(Clone, Debug, Default, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BuildInfo {
    /// Release version.
    pub version: String,
    /// VCS revision.
    pub revision: String,
    /// VCS branch.
    pub branch: String,
    /// Upstream reports the Go version; klaxon the Rust version it was built with.
    pub goversion: String,
    /// Operating system.
    pub goos: String,
    /// CPU architecture.
    pub goarch: String,
    /// Build tags (empty).
    pub tags: String,
}

/// A float gauge.
pub type FloatGauge = Gauge<f64, AtomicU64>;

/// A histogram family keyed by integration.
pub type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn notification_latency() -> Histogram {
    Histogram::new([1.0, 5.0, 10.0, 15.0, 20.0])
}

fn duration_histogram() -> Histogram {
    // 100µs .. ~26s: enough range for per-alert processing and for GC/snapshot runs.
    Histogram::new(exponential_buckets(0.0001, 4.0, 10))
}

/// The notification log's metrics (upstream's `alertmanager_nflog_*` basics).
#[derive(Debug)]
pub struct NflogMetrics {
    /// `alertmanager_nflog_gc_duration_seconds`.
    pub gc_duration_seconds: Histogram,
    /// `alertmanager_nflog_snapshot_duration_seconds`.
    pub snapshot_duration_seconds: Histogram,
    /// `alertmanager_nflog_snapshot_size_bytes`.
    pub snapshot_size_bytes: Gauge,
    /// `alertmanager_nflog_maintenance_total`.
    pub maintenance_total: Counter,
    /// `alertmanager_nflog_maintenance_errors_total`.
    pub maintenance_errors_total: Counter,
    /// `alertmanager_nflog_queries_total`.
    pub queries_total: Counter,
    /// `alertmanager_nflog_query_errors_total`.
    pub query_errors_total: Counter,
    /// `alertmanager_nflog_query_duration_seconds`.
    pub query_duration_seconds: Histogram,
    /// `alertmanager_nflog_gossip_messages_propagated_total`.
    pub gossip_messages_propagated_total: Counter,
}

/// The silences' operational metrics (`alertmanager_silences_*`).
#[derive(Debug)]
pub struct SilenceMetrics {
    /// `alertmanager_silences_gc_duration_seconds`.
    pub gc_duration_seconds: Histogram,
    /// `alertmanager_silences_snapshot_duration_seconds`.
    pub snapshot_duration_seconds: Histogram,
    /// `alertmanager_silences_snapshot_size_bytes`.
    pub snapshot_size_bytes: Gauge,
    /// `alertmanager_silences_maintenance_total`.
    pub maintenance_total: Counter,
    /// `alertmanager_silences_maintenance_errors_total`.
    pub maintenance_errors_total: Counter,
    /// `alertmanager_silences_queries_total`.
    pub queries_total: Counter,
    /// `alertmanager_silences_query_errors_total`.
    pub query_errors_total: Counter,
    /// `alertmanager_silences_query_duration_seconds`.
    pub query_duration_seconds: Histogram,
}

type ScrapeHook = Arc<dyn Fn(&Metrics) + Send + Sync>;

/// The registry and every upstream metric family. Share it as `Arc<Metrics>`.
pub struct Metrics {
    registry: Mutex<Registry>,
    /// Registries filled elsewhere (the cluster peer's), exposed after ours.
    extra: Mutex<Vec<Registry>>,
    hooks: Mutex<Vec<(&'static str, ScrapeHook)>>,

    /// `alertmanager_notifications_total{integration}`: notifications attempted (one per
    /// flush and integration that passed dedup).
    pub notifications_total: Family<IntegrationLabels, Counter>,
    /// `alertmanager_notifications_failed_total{integration,reason}`.
    pub notifications_failed_total: Family<FailureLabels, Counter>,
    /// `alertmanager_notification_requests_total{integration}`: send attempts, retries included.
    pub notification_requests_total: Family<IntegrationLabels, Counter>,
    /// `alertmanager_notification_requests_failed_total{integration}`.
    pub notification_requests_failed_total: Family<IntegrationLabels, Counter>,
    /// `alertmanager_notification_latency_seconds{integration}` (buckets 1, 5, 10, 15, 20 s).
    pub notification_latency_seconds: HistogramFamily<IntegrationLabels>,
    /// `alertmanager_notifications_suppressed_total{reason}`: `silence`, `inhibition`,
    /// `mute_time_interval`, `active_time_interval`.
    pub notifications_suppressed_total: Family<ReasonLabels, Counter>,
    /// `alertmanager_dispatcher_aggregation_groups`.
    pub dispatcher_aggregation_groups: Gauge,
    /// `alertmanager_dispatcher_alert_processing_duration_seconds` (a histogram; upstream's is a
    /// summary).
    pub dispatcher_alert_processing_duration_seconds: Histogram,
    /// `alertmanager_alerts{state}`: `active`, `suppressed`, `unprocessed`.
    pub alerts: Family<StateLabels, Gauge>,
    /// `alertmanager_alerts_received_total{status}`: `firing`, `resolved`.
    pub alerts_received_total: Family<StatusLabels, Counter>,
    /// `alertmanager_alerts_invalid_total`.
    pub alerts_invalid_total: Counter,
    /// `alertmanager_silences{state}`: `active`, `pending`, `expired`.
    pub silences: Family<StateLabels, Gauge>,
    /// `alertmanager_config_last_reload_successful` (0 or 1).
    pub config_last_reload_successful: Gauge,
    /// `alertmanager_config_last_reload_success_timestamp_seconds`.
    pub config_last_reload_success_timestamp_seconds: FloatGauge,
    /// `alertmanager_config_hash`: the config's hash as a float (upstream: the first 8 bytes of
    /// its MD5 sum).
    pub config_hash: FloatGauge,
    /// `alertmanager_build_info{version,revision,branch,goversion,goos,goarch,tags}` = 1.
    pub build_info: Family<BuildInfo, Gauge>,
    /// `alertmanager_cluster_enabled` (0 or 1).
    pub cluster_enabled: Gauge,
    /// `alertmanager_nflog_*`.
    pub nflog: NflogMetrics,
    /// `alertmanager_silences_*` (the operational ones; the state gauge is [`Metrics::silences`]).
    pub silence: SilenceMetrics,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new(BuildInfo::default())
    }
}

impl Metrics {
    /// Creates every family and registers it; per-integration series start at zero.
    pub fn new(build: BuildInfo) -> Metrics {
        let m = Metrics {
            registry: Mutex::new(Registry::default()),
            extra: Mutex::new(Vec::new()),
            hooks: Mutex::new(Vec::new()),
            notifications_total: Family::default(),
            notifications_failed_total: Family::default(),
            notification_requests_total: Family::default(),
            notification_requests_failed_total: Family::default(),
            notification_latency_seconds: Family::new_with_constructor(notification_latency),
            notifications_suppressed_total: Family::default(),
            dispatcher_aggregation_groups: Gauge::default(),
            dispatcher_alert_processing_duration_seconds: duration_histogram(),
            alerts: Family::default(),
            alerts_received_total: Family::default(),
            alerts_invalid_total: Counter::default(),
            silences: Family::default(),
            config_last_reload_successful: Gauge::default(),
            config_last_reload_success_timestamp_seconds: FloatGauge::default(),
            config_hash: FloatGauge::default(),
            build_info: Family::default(),
            cluster_enabled: Gauge::default(),
            nflog: NflogMetrics {
                gc_duration_seconds: duration_histogram(),
                snapshot_duration_seconds: duration_histogram(),
                snapshot_size_bytes: Gauge::default(),
                maintenance_total: Counter::default(),
                maintenance_errors_total: Counter::default(),
                queries_total: Counter::default(),
                query_errors_total: Counter::default(),
                query_duration_seconds: duration_histogram(),
                gossip_messages_propagated_total: Counter::default(),
            },
            silence: SilenceMetrics {
                gc_duration_seconds: duration_histogram(),
                snapshot_duration_seconds: duration_histogram(),
                snapshot_size_bytes: Gauge::default(),
                maintenance_total: Counter::default(),
                maintenance_errors_total: Counter::default(),
                queries_total: Counter::default(),
                query_errors_total: Counter::default(),
                query_duration_seconds: duration_histogram(),
            },
        };
        m.build_info.get_or_create(&build).set(1);
        for integration in INTEGRATIONS {
            let l = IntegrationLabels { integration: integration.to_string() };
            let _ = m.notifications_total.get_or_create(&l);
            let _ = m.notification_requests_total.get_or_create(&l);
            let _ = m.notification_requests_failed_total.get_or_create(&l);
            let _ = m.notification_latency_seconds.get_or_create(&l);
            for reason in FAILURE_REASONS {
                let l = FailureLabels {
                    integration: integration.to_string(),
                    reason: reason.to_string(),
                };
                let _ = m.notifications_failed_total.get_or_create(&l);
            }
        }
        for reason in ["silence", "inhibition", "mute_time_interval", "active_time_interval"] {
            let _ = m
                .notifications_suppressed_total
                .get_or_create(&ReasonLabels { reason: reason.to_string() });
        }
        for state in ["active", "suppressed", "unprocessed"] {
            let _ = m.alerts.get_or_create(&StateLabels { state: state.to_string() });
        }
        for state in ["active", "pending", "expired"] {
            let _ = m.silences.get_or_create(&StateLabels { state: state.to_string() });
        }
        for status in ["firing", "resolved"] {
            let _ =
                m.alerts_received_total.get_or_create(&StatusLabels { status: status.to_string() });
        }
        m.register_all();
        m
    }

    fn register_all(&self) {
        let mut r = self.registry.lock();
        let reg = &mut *r;
        reg.register(
            "alertmanager_notifications",
            "The total number of attempted notifications",
            self.notifications_total.clone(),
        );
        reg.register(
            "alertmanager_notifications_failed",
            "The total number of failed notifications",
            self.notifications_failed_total.clone(),
        );
        reg.register(
            "alertmanager_notification_requests",
            "The total number of attempted notification requests",
            self.notification_requests_total.clone(),
        );
        reg.register(
            "alertmanager_notification_requests_failed",
            "The total number of failed notification requests",
            self.notification_requests_failed_total.clone(),
        );
        reg.register(
            "alertmanager_notification_latency_seconds",
            "The latency of notifications in seconds",
            self.notification_latency_seconds.clone(),
        );
        reg.register(
            "alertmanager_notifications_suppressed",
            "The total number of notifications suppressed for being silenced, inhibited, outside of active time intervals or within muted time intervals",
            self.notifications_suppressed_total.clone(),
        );
        reg.register(
            "alertmanager_dispatcher_aggregation_groups",
            "Number of active aggregation groups",
            self.dispatcher_aggregation_groups.clone(),
        );
        reg.register(
            "alertmanager_dispatcher_alert_processing_duration_seconds",
            "Latencies for the processing of alerts",
            self.dispatcher_alert_processing_duration_seconds.clone(),
        );
        reg.register("alertmanager_alerts", "How many alerts by state", self.alerts.clone());
        reg.register(
            "alertmanager_alerts_received",
            "The total number of received alerts",
            self.alerts_received_total.clone(),
        );
        reg.register(
            "alertmanager_alerts_invalid",
            "The total number of received alerts that were invalid",
            self.alerts_invalid_total.clone(),
        );
        reg.register("alertmanager_silences", "How many silences by state", self.silences.clone());
        reg.register(
            "alertmanager_config_last_reload_successful",
            "Whether the last configuration reload attempt was successful",
            self.config_last_reload_successful.clone(),
        );
        reg.register(
            "alertmanager_config_last_reload_success_timestamp_seconds",
            "Timestamp of the last successful configuration reload",
            self.config_last_reload_success_timestamp_seconds.clone(),
        );
        reg.register(
            "alertmanager_config_hash",
            "Hash of the currently loaded alertmanager configuration",
            self.config_hash.clone(),
        );
        reg.register(
            "alertmanager_build_info",
            "A metric with a constant '1' value labeled by version, revision, branch, goversion from which alertmanager was built, and the goos and goarch for the build",
            self.build_info.clone(),
        );
        reg.register(
            "alertmanager_cluster_enabled",
            "Indicates whether the clustering is enabled or not",
            self.cluster_enabled.clone(),
        );
        let n = &self.nflog;
        reg.register(
            "alertmanager_nflog_gc_duration_seconds",
            "Duration of the last notification log garbage collection cycle",
            n.gc_duration_seconds.clone(),
        );
        reg.register(
            "alertmanager_nflog_snapshot_duration_seconds",
            "Duration of the last notification log snapshot",
            n.snapshot_duration_seconds.clone(),
        );
        reg.register(
            "alertmanager_nflog_snapshot_size_bytes",
            "Size of the last notification log snapshot in bytes",
            n.snapshot_size_bytes.clone(),
        );
        reg.register(
            "alertmanager_nflog_maintenance",
            "How many maintenances were executed for the notification log",
            n.maintenance_total.clone(),
        );
        reg.register(
            "alertmanager_nflog_maintenance_errors",
            "How many maintenances were executed for the notification log that failed",
            n.maintenance_errors_total.clone(),
        );
        reg.register(
            "alertmanager_nflog_queries",
            "Number of notification log queries were received",
            n.queries_total.clone(),
        );
        reg.register(
            "alertmanager_nflog_query_errors",
            "Number notification log received queries that failed",
            n.query_errors_total.clone(),
        );
        reg.register(
            "alertmanager_nflog_query_duration_seconds",
            "Duration of notification log query evaluation",
            n.query_duration_seconds.clone(),
        );
        reg.register(
            "alertmanager_nflog_gossip_messages_propagated",
            "Number of received gossip messages that have been further gossiped",
            n.gossip_messages_propagated_total.clone(),
        );
        let s = &self.silence;
        reg.register(
            "alertmanager_silences_gc_duration_seconds",
            "Duration of the last silence garbage collection cycle",
            s.gc_duration_seconds.clone(),
        );
        reg.register(
            "alertmanager_silences_snapshot_duration_seconds",
            "Duration of the last silence snapshot",
            s.snapshot_duration_seconds.clone(),
        );
        reg.register(
            "alertmanager_silences_snapshot_size_bytes",
            "Size of the last silence snapshot in bytes",
            s.snapshot_size_bytes.clone(),
        );
        reg.register(
            "alertmanager_silences_maintenance",
            "How many maintenances were executed for silences",
            s.maintenance_total.clone(),
        );
        reg.register(
            "alertmanager_silences_maintenance_errors",
            "How many maintenances were executed for silences that failed",
            s.maintenance_errors_total.clone(),
        );
        reg.register(
            "alertmanager_silences_queries",
            "How many silence queries were received",
            s.queries_total.clone(),
        );
        reg.register(
            "alertmanager_silences_query_errors",
            "How many silence received queries did not succeed",
            s.query_errors_total.clone(),
        );
        reg.register(
            "alertmanager_silences_query_duration_seconds",
            "Duration of silence query evaluation",
            s.query_duration_seconds.clone(),
        );
    }

    /// Registers a further metric (`name` without the `_total` suffix for counters; `help`
    /// without a final full stop: the encoder adds both).
    pub fn register(&self, name: &str, help: &str, metric: impl Metric) {
        self.registry.lock().register(name, help, metric);
    }

    /// Adds a registry another component filled (the cluster peer's metrics), exposed with
    /// ours.
    pub fn add_registry(&self, registry: Registry) {
        self.extra.lock().push(registry);
    }

    /// Installs (or replaces, by `name`) a function run before every [`Metrics::encode`], to
    /// refresh gauges that mirror some state. It must not call `encode`.
    pub fn set_scrape_hook(
        &self,
        name: &'static str,
        hook: impl Fn(&Metrics) + Send + Sync + 'static,
    ) {
        let mut hooks = self.hooks.lock();
        hooks.retain(|(n, _)| *n != name);
        hooks.push((name, Arc::new(hook)));
    }

    /// Removes the hook installed under `name`.
    pub fn remove_scrape_hook(&self, name: &'static str) {
        self.hooks.lock().retain(|(n, _)| *n != name);
    }

    /// The exposition for `/metrics` (OpenMetrics text, see [`CONTENT_TYPE`]).
    pub fn encode(&self) -> String {
        // Clone the hooks out so that a hook may install hooks without deadlocking.
        let hooks: Vec<ScrapeHook> = self.hooks.lock().iter().map(|(_, h)| h.clone()).collect();
        for hook in hooks {
            hook(self);
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = text::encode_registry(&mut out, &self.registry.lock());
        for r in self.extra.lock().iter() {
            let _ = text::encode_registry(&mut out, r);
        }
        let _ = text::encode_eof(&mut out);
        out
    }

    /// The label set `{integration="..."}`.
    pub fn integration(&self, integration: &str) -> IntegrationLabels {
        IntegrationLabels { integration: integration.to_string() }
    }

    /// Adds `n` suppressed notifications for `reason`.
    pub fn suppressed(&self, reason: &str, n: usize) {
        self.notifications_suppressed_total
            .get_or_create(&ReasonLabels { reason: reason.to_string() })
            .inc_by(n as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_has_upstream_names_and_zeroed_series() {
        let m = Metrics::new(BuildInfo { version: "0.1.0".into(), ..BuildInfo::default() });
        m.notifications_total.get_or_create(&m.integration("webhook")).inc();
        m.suppressed("silence", 3);
        m.dispatcher_aggregation_groups.set(7);
        let text = m.encode();
        assert!(
            text.contains("alertmanager_notifications_total{integration=\"webhook\"} 1"),
            "{text}"
        );
        assert!(text.contains("alertmanager_notifications_total{integration=\"slack\"} 0"));
        assert!(text.contains(
            "alertmanager_notifications_failed_total{integration=\"email\",reason=\"rateLimited\"} 0"
        ));
        assert!(text.contains("alertmanager_notifications_suppressed_total{reason=\"silence\"} 3"));
        assert!(text.contains("alertmanager_dispatcher_aggregation_groups 7"));
        assert!(text.contains(
            "alertmanager_notification_latency_seconds_bucket{le=\"5.0\",integration=\"webhook\"}"
        ));
        assert!(text.contains("alertmanager_build_info{version=\"0.1.0\""));
        assert!(text.contains("alertmanager_nflog_queries_total 0"));
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn scrape_hooks_refresh_gauges_and_replace_by_name() {
        let m = Metrics::default();
        m.set_scrape_hook("alerts", |m| {
            m.alerts.get_or_create(&StateLabels { state: "active".into() }).set(5);
        });
        assert!(m.encode().contains("alertmanager_alerts{state=\"active\"} 5"));
        m.set_scrape_hook("alerts", |m| {
            m.alerts.get_or_create(&StateLabels { state: "active".into() }).set(2);
        });
        assert!(m.encode().contains("alertmanager_alerts{state=\"active\"} 2"));
        m.remove_scrape_hook("alerts");
        m.alerts.get_or_create(&StateLabels { state: "active".into() }).set(9);
        assert!(m.encode().contains("alertmanager_alerts{state=\"active\"} 9"));
    }
}
