//! `prometheus_remote_storage_*`: upstream's names and help texts, labelled by `remote_name`
//! and `url` per queue. Each queue takes handles to its own children once (`QueueMetrics`),
//! so the hot path touches atomics only, never the families' maps.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The labels of every per-queue metric.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueueLabels {
    pub remote_name: String,
    pub url: String,
}

/// The labels of `samples_dropped_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DroppedLabels {
    pub remote_name: String,
    pub url: String,
    pub reason: String,
}

/// Why samples were dropped before sending (the `reason` label).
pub const REASON_DROPPED_SERIES: &str = "dropped_series";
pub const REASON_TOO_OLD: &str = "too_old";
/// klaxon's own reason: the shard's queue was full when the sample was committed.
pub const REASON_QUEUE_FULL: &str = "queue_full";

type FloatGauge = Gauge<f64, AtomicU64>;

fn batch_duration_histogram() -> Histogram {
    // Prometheus' default buckets plus the long tail upstream adds for slow remotes.
    Histogram::new([
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 60.0, 120.0, 300.0,
    ])
}

/// All remote-write metrics; one per process, shared by every queue (clones share them).
#[derive(Debug, Clone)]
pub struct Metrics {
    samples: Family<QueueLabels, Counter>,
    failed: Family<QueueLabels, Counter>,
    retried: Family<QueueLabels, Counter>,
    dropped: Family<DroppedLabels, Counter>,
    bytes: Family<QueueLabels, Counter>,
    metadata: Family<QueueLabels, Counter>,
    metadata_failed: Family<QueueLabels, Counter>,
    metadata_retried: Family<QueueLabels, Counter>,
    metadata_bytes: Family<QueueLabels, Counter>,
    shards: Family<QueueLabels, Gauge>,
    shards_min: Family<QueueLabels, Gauge>,
    shards_max: Family<QueueLabels, Gauge>,
    shard_capacity: Family<QueueLabels, Gauge>,
    max_samples_per_send: Family<QueueLabels, Gauge>,
    pending: Family<QueueLabels, Gauge>,
    batch_duration: Family<QueueLabels, Histogram, fn() -> Histogram>,
    highest_sent: Family<QueueLabels, FloatGauge>,
    /// Highest timestamp committed through the fanout, in seconds.
    pub(crate) highest_in: FloatGauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            samples: Family::default(),
            failed: Family::default(),
            retried: Family::default(),
            dropped: Family::default(),
            bytes: Family::default(),
            metadata: Family::default(),
            metadata_failed: Family::default(),
            metadata_retried: Family::default(),
            metadata_bytes: Family::default(),
            shards: Family::default(),
            shards_min: Family::default(),
            shards_max: Family::default(),
            shard_capacity: Family::default(),
            max_samples_per_send: Family::default(),
            pending: Family::default(),
            batch_duration: Family::new_with_constructor(batch_duration_histogram),
            highest_sent: Family::default(),
            highest_in: FloatGauge::default(),
        }
    }
}

/// The counters of one kind of payload (samples or metadata) of one queue.
#[derive(Debug, Clone)]
pub(crate) struct SendCounters {
    pub sent: Counter,
    pub failed: Counter,
    pub retried: Counter,
    pub bytes: Counter,
}

/// One queue's children of the families.
#[derive(Debug, Clone)]
pub(crate) struct QueueMetrics {
    pub samples: SendCounters,
    pub metadata: SendCounters,
    pub dropped_series: Counter,
    pub dropped_too_old: Counter,
    pub dropped_queue_full: Counter,
    pub shards: Gauge,
    pub pending: Gauge,
    pub batch_duration: Histogram,
    pub highest_sent: FloatGauge,
}

impl Metrics {
    /// Registers every family under its upstream name.
    pub fn register(&self, registry: &mut Registry) {
        let p = "prometheus_remote_storage_";
        let name = |n: &str| format!("{p}{n}");
        registry.register(
            name("samples"),
            "Total number of samples sent to remote storage.",
            self.samples.clone(),
        );
        registry.register(
            name("samples_failed"),
            "Total number of samples which failed on send to remote storage, non-recoverable errors.",
            self.failed.clone(),
        );
        registry.register(
            name("samples_retried"),
            "Total number of samples which failed on send to remote storage but were retried because the send error was recoverable.",
            self.retried.clone(),
        );
        registry.register(
            name("samples_dropped"),
            "Total number of samples which were dropped before being sent via remote write, either via relabelling, due to being too old or because the queue was full.",
            self.dropped.clone(),
        );
        registry.register(
            name("bytes"),
            "The total number of bytes of data (not metadata) sent by the queue after compression.",
            self.bytes.clone(),
        );
        registry.register(
            name("metadata"),
            "Total number of metadata entries sent to remote storage.",
            self.metadata.clone(),
        );
        registry.register(
            name("metadata_failed"),
            "Total number of metadata entries which failed on send to remote storage, non-recoverable errors.",
            self.metadata_failed.clone(),
        );
        registry.register(
            name("metadata_retried"),
            "Total number of metadata entries which failed on send to remote storage but were retried because the send error was recoverable.",
            self.metadata_retried.clone(),
        );
        registry.register(
            name("metadata_bytes"),
            "The total number of bytes of metadata sent by the queue after compression.",
            self.metadata_bytes.clone(),
        );
        registry.register(
            name("shards"),
            "The number of shards used for parallel sending to the remote storage.",
            self.shards.clone(),
        );
        registry.register(
            name("shards_min"),
            "The minimum number of shards that the queue is allowed to run.",
            self.shards_min.clone(),
        );
        registry.register(
            name("shards_max"),
            "The maximum number of shards that the queue is allowed to run.",
            self.shards_max.clone(),
        );
        registry.register(
            name("shard_capacity"),
            "The capacity of each shard of the queue used for parallel sending to the remote storage.",
            self.shard_capacity.clone(),
        );
        registry.register(
            name("max_samples_per_send"),
            "The maximum number of samples to be sent, in a single request, to the remote storage.",
            self.max_samples_per_send.clone(),
        );
        registry.register(
            name("samples_pending"),
            "The number of samples pending in the queues shards to be sent to the remote storage.",
            self.pending.clone(),
        );
        registry.register(
            name("sent_batch_duration_seconds"),
            "Duration of send calls to the remote storage.",
            self.batch_duration.clone(),
        );
        registry.register(
            name("queue_highest_sent_timestamp_seconds"),
            "Highest timestamp successfully sent by this queue, in seconds since epoch. Initialized to 0 when no data has been sent yet.",
            self.highest_sent.clone(),
        );
        registry.register(
            name("highest_timestamp_in_seconds"),
            "Highest timestamp that has come into the remote storage via the Appender interface, in seconds since epoch. Initialized to 0 when no data has been received yet.",
            self.highest_in.clone(),
        );
    }

    /// The children for one queue; static gauges are set here.
    pub(crate) fn queue(
        &self,
        labels: &QueueLabels,
        min_shards: usize,
        max_shards: usize,
        capacity: usize,
        max_per_send: usize,
    ) -> QueueMetrics {
        let dropped = |reason: &str| {
            self.dropped
                .get_or_create(&DroppedLabels {
                    remote_name: labels.remote_name.clone(),
                    url: labels.url.clone(),
                    reason: reason.to_owned(),
                })
                .clone()
        };
        let to_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.shards_min.get_or_create(labels).set(to_i64(min_shards));
        self.shards_max.get_or_create(labels).set(to_i64(max_shards));
        self.shard_capacity.get_or_create(labels).set(to_i64(capacity));
        self.max_samples_per_send.get_or_create(labels).set(to_i64(max_per_send));
        let child = |f: &Family<QueueLabels, Counter>| f.get_or_create(labels).clone();
        QueueMetrics {
            samples: SendCounters {
                sent: child(&self.samples),
                failed: child(&self.failed),
                retried: child(&self.retried),
                bytes: child(&self.bytes),
            },
            metadata: SendCounters {
                sent: child(&self.metadata),
                failed: child(&self.metadata_failed),
                retried: child(&self.metadata_retried),
                bytes: child(&self.metadata_bytes),
            },
            dropped_series: dropped(REASON_DROPPED_SERIES),
            dropped_too_old: dropped(REASON_TOO_OLD),
            dropped_queue_full: dropped(REASON_QUEUE_FULL),
            shards: self.shards.get_or_create(labels).clone(),
            pending: self.pending.get_or_create(labels).clone(),
            batch_duration: self.batch_duration.get_or_create(labels).clone(),
            highest_sent: self.highest_sent.get_or_create(labels).clone(),
        }
    }

    /// Forgets a queue's series (it was removed by a reload).
    pub(crate) fn remove_queue(&self, labels: &QueueLabels) {
        for family in [
            &self.samples,
            &self.failed,
            &self.retried,
            &self.bytes,
            &self.metadata,
            &self.metadata_failed,
            &self.metadata_retried,
            &self.metadata_bytes,
        ] {
            family.remove(labels);
        }
        for family in [
            &self.shards,
            &self.shards_min,
            &self.shards_max,
            &self.shard_capacity,
            &self.max_samples_per_send,
            &self.pending,
        ] {
            family.remove(labels);
        }
        self.batch_duration.remove(labels);
        self.highest_sent.remove(labels);
        for reason in [REASON_DROPPED_SERIES, REASON_TOO_OLD, REASON_QUEUE_FULL] {
            self.dropped.remove(&DroppedLabels {
                remote_name: labels.remote_name.clone(),
                url: labels.url.clone(),
                reason: reason.to_owned(),
            });
        }
    }
}
