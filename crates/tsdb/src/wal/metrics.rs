//! The log's own metrics, under Prometheus' names.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Shared handles: cloning one shares the values.
#[derive(Debug, Clone)]
pub struct WalMetrics {
    pub fsync_duration: Histogram,
    pub corruptions: Counter,
    pub truncations: Counter,
    pub truncations_failed: Counter,
    pub writes_failed: Counter,
    pub segment_current: Gauge,
    pub checkpoint_creations: Counter,
    pub checkpoint_creations_failed: Counter,
}

impl Default for WalMetrics {
    fn default() -> Self {
        WalMetrics {
            // Upstream's summary has no buckets to copy; these span a page-cache fsync to a
            // slow disk.
            fsync_duration: Histogram::new([
                0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0,
            ]),
            corruptions: Counter::default(),
            truncations: Counter::default(),
            truncations_failed: Counter::default(),
            writes_failed: Counter::default(),
            segment_current: Gauge::default(),
            checkpoint_creations: Counter::default(),
            checkpoint_creations_failed: Counter::default(),
        }
    }
}

impl WalMetrics {
    /// Adds the families to `registry` (counters get their `_total` suffix there).
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "prometheus_tsdb_wal_fsync_duration_seconds",
            "Duration of write log fsync.",
            self.fsync_duration.clone(),
        );
        registry.register(
            "prometheus_tsdb_wal_corruptions",
            "Total number of write log corruptions.",
            self.corruptions.clone(),
        );
        registry.register(
            "prometheus_tsdb_wal_truncations",
            "Total number of write log truncations attempted.",
            self.truncations.clone(),
        );
        registry.register(
            "prometheus_tsdb_wal_truncations_failed",
            "Total number of write log truncations that failed.",
            self.truncations_failed.clone(),
        );
        registry.register(
            "prometheus_tsdb_wal_writes_failed",
            "Total number of write log writes that failed.",
            self.writes_failed.clone(),
        );
        registry.register(
            "prometheus_tsdb_wal_segment_current",
            "Write log segment index that TSDB is currently writing to.",
            self.segment_current.clone(),
        );
        registry.register(
            "prometheus_tsdb_checkpoint_creations",
            "Total number of checkpoint creations attempted.",
            self.checkpoint_creations.clone(),
        );
        registry.register(
            "prometheus_tsdb_checkpoint_creations_failed",
            "Total number of checkpoint creations that failed.",
            self.checkpoint_creations_failed.clone(),
        );
    }
}
