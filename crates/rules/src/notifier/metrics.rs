//! The `prometheus_notifications_*` self-metrics, with upstream's names and the
//! `alertmanager=<url>` label, so existing dashboards and alerts on them keep working.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The label of the per-Alertmanager metrics.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct AmLabels {
    pub alertmanager: String,
}

impl AmLabels {
    pub(crate) fn new(url: &str) -> Self {
        AmLabels { alertmanager: url.to_owned() }
    }
}

/// Upstream's latency histogram buckets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LatencyBuckets;

impl MetricConstructor<Histogram> for LatencyBuckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new([0.01, 0.1, 1.0, 10.0])
    }
}

/// Every notifier metric; a bundle of `Arc`s, cheap to clone into send loops.
#[derive(Debug, Clone)]
pub(crate) struct NotifierMetrics {
    pub sent: Family<AmLabels, Counter>,
    pub errors: Family<AmLabels, Counter>,
    pub dropped: Family<AmLabels, Counter>,
    pub queue_length: Family<AmLabels, Gauge>,
    pub latency: Family<AmLabels, Histogram, LatencyBuckets>,
    pub queue_capacity: Gauge,
    pub alertmanagers_discovered: Gauge,
}

impl Default for NotifierMetrics {
    fn default() -> Self {
        NotifierMetrics {
            sent: Family::default(),
            errors: Family::default(),
            dropped: Family::default(),
            queue_length: Family::default(),
            latency: Family::new_with_constructor(LatencyBuckets),
            queue_capacity: Gauge::default(),
            alertmanagers_discovered: Gauge::default(),
        }
    }
}

impl NotifierMetrics {
    /// Creates the series of a new send loop at zero, as upstream does, so rates work from
    /// the first scrape.
    pub fn init(&self, url: &str) {
        let l = AmLabels::new(url);
        let _ = self.sent.get_or_create(&l);
        let _ = self.errors.get_or_create(&l);
        let _ = self.dropped.get_or_create(&l);
        let _ = self.queue_length.get_or_create(&l);
    }

    /// Removes the series of a stopped send loop.
    pub fn remove(&self, url: &str) {
        let l = AmLabels::new(url);
        self.sent.remove(&l);
        self.errors.remove(&l);
        self.dropped.remove(&l);
        self.queue_length.remove(&l);
        self.latency.remove(&l);
    }

    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "prometheus_notifications_sent",
            "Total number of alerts sent.",
            self.sent.clone(),
        );
        registry.register(
            "prometheus_notifications_errors",
            "Total number of sent alerts affected by errors.",
            self.errors.clone(),
        );
        registry.register(
            "prometheus_notifications_dropped",
            "Total number of alerts dropped due to errors when sending to Alertmanager.",
            self.dropped.clone(),
        );
        registry.register(
            "prometheus_notifications_queue_length",
            "The number of alert notifications in the queue.",
            self.queue_length.clone(),
        );
        registry.register(
            "prometheus_notifications_queue_capacity",
            "The capacity of the alert notifications queue.",
            self.queue_capacity.clone(),
        );
        // Upstream's `latency_seconds` is a summary; a histogram keeps its `_sum`/`_count`.
        registry.register(
            "prometheus_notifications_latency_seconds",
            "Latency for sending alert notifications.",
            self.latency.clone(),
        );
        registry.register(
            "prometheus_notifications_latency_histogram_seconds",
            "Latency histogram for sending alert notifications.",
            self.latency.clone(),
        );
        registry.register(
            "prometheus_notifications_alertmanagers_discovered",
            "The number of alertmanagers discovered and active.",
            self.alertmanagers_discovered.clone(),
        );
    }
}
