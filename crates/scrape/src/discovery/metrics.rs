//! The `prometheus_sd_*` self-metrics, with upstream's names so existing dashboards work.
//!
//! One [`SdMetrics`] is shared (it is a bundle of `Arc`s) by the scrape and the notifier's
//! discovery managers, which tell themselves apart by the `name` label as upstream does
//! (`scrape`, `notify`); register it once.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Labels of the per-manager metrics.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct ManagerLabels {
    pub name: String,
}

/// Labels of `prometheus_sd_discovered_targets`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct SetLabels {
    pub name: String,
    pub config: String,
}

#[derive(Debug, Clone)]
pub struct SdMetrics {
    pub(crate) file_read_errors: Counter,
    pub(crate) file_scan_duration: Histogram,
    pub(crate) http_failures: Counter,
    pub(crate) dns_lookups: Counter,
    pub(crate) dns_lookup_failures: Counter,
    pub(crate) received_updates: Family<ManagerLabels, Counter>,
    pub(crate) updates: Family<ManagerLabels, Counter>,
    pub(crate) discovered_targets: Family<SetLabels, Gauge>,
}

impl Default for SdMetrics {
    fn default() -> Self {
        SdMetrics {
            file_read_errors: Counter::default(),
            file_scan_duration: Histogram::new([0.001, 0.01, 0.1, 1.0, 10.0]),
            http_failures: Counter::default(),
            dns_lookups: Counter::default(),
            dns_lookup_failures: Counter::default(),
            received_updates: Family::default(),
            updates: Family::default(),
            discovered_targets: Family::default(),
        }
    }
}

impl SdMetrics {
    /// Registers every metric (counters get their `_total` suffix from the registry).
    pub fn register_metrics(&self, registry: &mut Registry) {
        registry.register(
            "prometheus_sd_file_read_errors",
            "The number of File-SD read errors.",
            self.file_read_errors.clone(),
        );
        registry.register(
            "prometheus_sd_file_scan_duration_seconds",
            "The duration of the File-SD scan in seconds.",
            self.file_scan_duration.clone(),
        );
        registry.register(
            "prometheus_sd_http_failures",
            "Number of HTTP service discovery refresh failures.",
            self.http_failures.clone(),
        );
        registry.register(
            "prometheus_sd_dns_lookups",
            "The number of DNS-SD lookups.",
            self.dns_lookups.clone(),
        );
        registry.register(
            "prometheus_sd_dns_lookup_failures",
            "The number of DNS-SD lookup failures.",
            self.dns_lookup_failures.clone(),
        );
        registry.register(
            "prometheus_sd_received_updates",
            "Total number of update events received from the SD providers.",
            self.received_updates.clone(),
        );
        registry.register(
            "prometheus_sd_updates",
            "Total number of update events sent to the SD consumers.",
            self.updates.clone(),
        );
        registry.register(
            "prometheus_sd_discovered_targets",
            "Current number of discovered targets.",
            self.discovered_targets.clone(),
        );
    }
}
