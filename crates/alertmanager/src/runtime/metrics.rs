//! The runtime's own metrics (`alertmanager_http_*`, configured receivers and rules) and the
//! gauges that mirror state at scrape time.

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;

use super::Alertmanager;
use crate::metrics::{Metrics, StateLabels};

/// `{handler,method,code}` of `alertmanager_http_request_duration_seconds`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    handler: String,
    method: String,
    code: String,
}

/// `{method}` of the HTTP gauges and counters.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabel {
    method: &'static str,
}

fn http_duration_histogram() -> Histogram {
    // Prometheus' client default buckets, as upstream uses.
    Histogram::new([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
}

/// Metrics the runtime owns.
#[derive(Debug)]
pub(super) struct RuntimeMetrics {
    pub(super) receivers: Gauge,
    pub(super) integrations: Gauge,
    pub(super) inhibition_rules: Gauge,
    http_concurrency_limit_exceeded: Family<MethodLabel, Counter>,
    http_requests_in_flight: Family<MethodLabel, Gauge>,
    http_request_duration: Family<HttpLabels, Histogram, fn() -> Histogram>,
}

impl Default for RuntimeMetrics {
    fn default() -> Self {
        RuntimeMetrics {
            receivers: Gauge::default(),
            integrations: Gauge::default(),
            inhibition_rules: Gauge::default(),
            http_concurrency_limit_exceeded: Family::default(),
            http_requests_in_flight: Family::default(),
            http_request_duration: Family::new_with_constructor(http_duration_histogram),
        }
    }
}

const GET: MethodLabel = MethodLabel { method: "get" };

impl Alertmanager {
    /// Counts a GET refused by `--web.get-concurrency`.
    pub fn count_concurrency_limit_exceeded(&self) {
        self.own_metrics.http_concurrency_limit_exceeded.get_or_create(&GET).inc();
    }

    /// Records a served HTTP request (`handler` = the route without the prefix).
    pub fn observe_http_request(&self, handler: &str, method: &str, code: u16, seconds: f64) {
        let labels = HttpLabels {
            handler: handler.to_owned(),
            method: method.to_owned(),
            code: code.to_string(),
        };
        self.own_metrics.http_request_duration.get_or_create(&labels).observe(seconds);
    }

    /// GET requests in flight changed by `delta`.
    pub fn http_get_in_flight(&self, delta: i64) {
        self.own_metrics.http_requests_in_flight.get_or_create(&GET).inc_by(delta);
    }

    pub(super) fn reload_succeeded(&self) {
        let config = self.config();
        self.metrics.config_last_reload_successful.set(1);
        let secs = self.now().as_millisecond() as f64 / 1000.0;
        self.metrics.config_last_reload_success_timestamp_seconds.set(secs);
        self.metrics.config_hash.set(config_hash(config.original.as_bytes()));
    }

    /// Gauges that mirror state are computed when scraped.
    pub(super) fn install_scrape_hooks(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        self.metrics.set_scrape_hook("runtime_state", move |m| {
            let Some(am) = weak.upgrade() else { return };
            let now = am.now();
            let (mut active, mut suppressed, mut unprocessed) = (0i64, 0i64, 0i64);
            am.store.for_each(|a| {
                if a.resolved_at(now) {
                    return;
                }
                let (s, i) = am.mutes(&a.labels, now);
                if !s.is_empty() || !i.is_empty() {
                    suppressed += 1;
                } else if am.marker.is_unprocessed(a.fingerprint()) {
                    unprocessed += 1;
                } else {
                    active += 1;
                }
            });
            for (state, n) in
                [("active", active), ("suppressed", suppressed), ("unprocessed", unprocessed)]
            {
                m.alerts.get_or_create(&StateLabels { state: state.to_owned() }).set(n);
            }
            let mut counts = [("active", 0i64), ("pending", 0), ("expired", 0)];
            for s in am.silences.list() {
                let state = s.state(now).as_str();
                if let Some(c) = counts.iter_mut().find(|(n, _)| *n == state) {
                    c.1 += 1;
                }
            }
            for (state, n) in counts {
                m.silences.get_or_create(&StateLabels { state: state.to_owned() }).set(n);
            }
        });
    }
}

impl RuntimeMetrics {
    pub(super) fn register(&self, m: &Metrics) {
        m.register(
            "alertmanager_receivers",
            "Number of configured receivers",
            self.receivers.clone(),
        );
        m.register(
            "alertmanager_integrations",
            "Number of configured integrations",
            self.integrations.clone(),
        );
        m.register(
            "alertmanager_inhibition_rules",
            "Number of configured inhibition rules",
            self.inhibition_rules.clone(),
        );
        // Upstream's series exist from the start.
        let _ = self.http_concurrency_limit_exceeded.get_or_create(&GET);
        let _ = self.http_requests_in_flight.get_or_create(&GET);
        m.register(
            "alertmanager_http_concurrency_limit_exceeded",
            "Total number of times an HTTP request failed because the concurrency limit was reached",
            self.http_concurrency_limit_exceeded.clone(),
        );
        m.register(
            "alertmanager_http_requests_in_flight",
            "Current number of HTTP requests being processed",
            self.http_requests_in_flight.clone(),
        );
        m.register(
            "alertmanager_http_request_duration_seconds",
            "Histogram of latencies for HTTP requests",
            self.http_request_duration.clone(),
        );
    }
}

/// Upstream's `alertmanager_config_hash`: the first 6 bytes of the MD5 sum, little-endian.
fn config_hash(text: &[u8]) -> f64 {
    use md5::Digest;
    let sum = md5::Md5::digest(text);
    let mut bytes = [0u8; 8];
    bytes[..6].copy_from_slice(&sum[..6]);
    u64::from_le_bytes(bytes) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_hash_is_stable() {
        assert_eq!(config_hash(b"route: {}"), config_hash(b"route: {}"));
        assert_ne!(config_hash(b"a"), config_hash(b"b"));
    }
}
