//! The set of remote write queues, as the configuration says, kept across reloads.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use config::RemoteWriteConfig;
use model::labels::Labels;
use parking_lot::RwLock;
use prometheus_client::registry::Registry;

use crate::client::Transport;
use crate::metrics::Metrics;
use crate::queue::{
    DEFAULT_FLUSH_DEADLINE, MetadataSource, QueueError, QueueManager, RemoteSample,
};

/// Builds the transport of a queue; the default speaks HTTP as the entry's `http_config`
/// says. Tests plug in in-process transports.
pub type TransportFactory =
    Arc<dyn Fn(&RemoteWriteConfig) -> Result<Arc<dyn Transport>, String> + Send + Sync>;

/// All remote write queues of the process and their metrics.
pub struct RemoteStorage {
    metrics: Metrics,
    queues: RwLock<Arc<Vec<Arc<QueueManager>>>>,
    /// Serialises reloads and stop.
    reload: tokio::sync::Mutex<()>,
    transport: Option<TransportFactory>,
    flush_deadline: Duration,
    /// Milliseconds, for `highest_timestamp_in_seconds`.
    highest_in: std::sync::atomic::AtomicI64,
    metadata_source: RwLock<Option<MetadataSource>>,
}

impl fmt::Debug for RemoteStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> =
            self.queues.read().iter().map(|q| q.config().name.clone()).collect();
        f.debug_struct("RemoteStorage").field("queues", &names).finish_non_exhaustive()
    }
}

impl Default for RemoteStorage {
    fn default() -> Self {
        RemoteStorage::new()
    }
}

impl RemoteStorage {
    /// No queues until [`RemoteStorage::apply_config`].
    pub fn new() -> Self {
        RemoteStorage {
            metrics: Metrics::default(),
            queues: RwLock::new(Arc::new(Vec::new())),
            reload: tokio::sync::Mutex::new(()),
            transport: None,
            flush_deadline: DEFAULT_FLUSH_DEADLINE,
            highest_in: std::sync::atomic::AtomicI64::new(i64::MIN),
            metadata_source: RwLock::new(None),
        }
    }

    /// No queues yet; its queues report in `self`'s `prometheus_remote_storage_*` families
    /// (register only `self`'s), so a process with a second set of queues (`klaxon run`'s
    /// `--rules.remote-write.url`) exposes each family once.
    pub fn sharing_metrics(&self) -> Self {
        RemoteStorage { metrics: self.metrics.clone(), ..RemoteStorage::new() }
    }

    /// Queues send through transports made by `factory` instead of HTTP.
    pub fn with_transport_factory(mut self, factory: TransportFactory) -> Self {
        self.transport = Some(factory);
        self
    }

    /// How long [`RemoteStorage::stop`] and reloads wait for removed queues to flush
    /// (default 1m, upstream's).
    pub fn with_flush_deadline(mut self, deadline: Duration) -> Self {
        self.flush_deadline = deadline;
        self
    }

    /// Where queues with `metadata_config.send` (the default) get the metadata they send
    /// every `send_interval`; applies to running queues and those started by later reloads.
    /// Without a source no metadata is sent.
    pub fn set_metadata_source(&self, source: MetadataSource) {
        *self.metadata_source.write() = Some(source.clone());
        for q in self.queues.read().iter() {
            q.start_metadata(source.clone());
        }
    }

    /// Registers `prometheus_remote_storage_*`.
    pub fn register_metrics(&self, registry: &mut Registry) {
        self.metrics.register(registry);
    }

    /// Whether any queue is configured (the fanout buffers nothing otherwise).
    pub fn has_queues(&self) -> bool {
        !self.queues.read().is_empty()
    }

    /// The running queues, in configuration order.
    pub fn queues(&self) -> Arc<Vec<Arc<QueueManager>>> {
        self.queues.read().clone()
    }

    /// Makes the queues match `configs`: a queue whose entry (by name, or URL when unnamed)
    /// and external labels are unchanged keeps running with its backlog; new entries start;
    /// changed and removed ones are replaced and flushed. Must run inside a tokio runtime.
    /// On error nothing changes.
    pub async fn apply_config(
        &self,
        configs: &[RemoteWriteConfig],
        external_labels: &Labels,
    ) -> Result<(), QueueError> {
        let _reload = self.reload.lock().await;
        let current = self.queues.read().clone();
        let mut by_key: HashMap<String, Arc<QueueManager>> =
            current.iter().map(|q| (queue_key(q.config()), q.clone())).collect();
        let mut next = Vec::with_capacity(configs.len());
        let mut seen = std::collections::HashSet::new();
        let mut started = Vec::new();
        for cfg in configs {
            let key = queue_key(cfg);
            if !seen.insert(key.clone()) {
                stop_all(&started, Duration::ZERO).await;
                return Err(QueueError::Config {
                    name: cfg.name.clone(),
                    message: "duplicate remote write configs are not allowed".into(),
                });
            }
            if let Some(q) = by_key.get(&key)
                && q.config() == cfg
                && q.external_labels() == external_labels
            {
                next.push(q.clone());
                by_key.remove(&key);
                continue;
            }
            let made = match &self.transport {
                Some(factory) => factory(cfg)
                    .map_err(|message| QueueError::Config { name: cfg.name.clone(), message })
                    .and_then(|t| {
                        QueueManager::with_transport(
                            cfg.clone(),
                            external_labels.clone(),
                            &self.metrics,
                            t,
                        )
                    }),
                None => QueueManager::new(cfg.clone(), external_labels.clone(), &self.metrics),
            };
            match made {
                Ok(q) => {
                    if let Some(source) = self.metadata_source.read().clone() {
                        q.start_metadata(source);
                    }
                    started.push(q.clone());
                    next.push(q);
                }
                Err(e) => {
                    stop_all(&started, Duration::ZERO).await;
                    return Err(e);
                }
            }
        }
        *self.queues.write() = Arc::new(next.clone());
        // What is left in `by_key` was changed or removed: flush it and forget its metrics
        // (unless a new queue reports under the same labels).
        let retired: Vec<Arc<QueueManager>> = by_key.into_values().collect();
        stop_all(&retired, self.flush_deadline).await;
        for q in &retired {
            if !next.iter().any(|n| n.metric_labels() == q.metric_labels()) {
                self.metrics.remove_queue(q.metric_labels());
            }
        }
        Ok(())
    }

    /// Hands committed samples to every queue.
    pub fn append(&self, samples: &[RemoteSample]) {
        if let Some(max) = samples.iter().map(|s| s.t).max() {
            let prev = self.highest_in.fetch_max(max, std::sync::atomic::Ordering::Relaxed);
            if max > prev {
                self.metrics.highest_in.set(max as f64 / 1000.0);
            }
        }
        let queues = self.queues.read().clone();
        for q in queues.iter() {
            q.append(samples);
        }
    }

    /// Stops every queue, flushing for up to the flush deadline. Appends afterwards are
    /// ignored.
    pub async fn stop(&self) {
        let _reload = self.reload.lock().await;
        let queues = std::mem::take(&mut *self.queues.write());
        stop_all(&queues, self.flush_deadline).await;
    }
}

/// Queues are matched across reloads by name; upstream names unnamed entries by a hash of
/// their config, which the config loader fills in, so the URL is only a fallback.
fn queue_key(cfg: &RemoteWriteConfig) -> String {
    if cfg.name.is_empty() { format!("url:{}", cfg.url) } else { format!("name:{}", cfg.name) }
}

async fn stop_all(queues: &[Arc<QueueManager>], deadline: Duration) {
    futures::future::join_all(queues.iter().map(|q| q.stop(deadline))).await;
}
