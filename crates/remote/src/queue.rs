//! One `remote_write` entry's sending machinery: shards, batching, retries, resharding.
//!
//! # Flow
//!
//! Committed samples arrive through [`QueueManager::append`], which never waits: each sample
//! goes to the shard chosen by its series' hash (so one series always uses one shard and its
//! samples leave in the order they came), into that shard's bounded channel of `capacity`
//! samples. **A full channel drops the sample** and counts it in
//! `prometheus_remote_storage_samples_dropped_total{reason="queue_full"}`: the appender is on
//! the scrape and rule-evaluation path, and a slow remote must never stall them. (Upstream
//! reads the WAL instead and can afford to block; klaxon trades that durability for a
//! simpler, bounded design.)
//!
//! Each shard task collects up to `max_samples_per_send` samples, or what arrived within
//! `batch_send_deadline` of the first one, adds the external labels (where the series lacks
//! them), applies `write_relabel_configs`, encodes and sends. A send that fails with a network
//! error, a timeout (`remote_timeout`), a 5xx, or a 429 when `retry_on_http_429` is set, is
//! retried after `min_backoff`, doubling up to `max_backoff`, or after the server's
//! `Retry-After`; other statuses drop the batch (`samples_failed_total`). The shard does not
//! read more samples while it retries, so a down remote fills the channel and later samples
//! are dropped rather than memory growing.
//!
//! # Resharding
//!
//! Every [`RESHARD_INTERVAL`] the queue looks at its backlog: if samples were dropped for a
//! full queue, or more than half the total capacity is pending, it doubles the shards (up to
//! `max_shards`); after [`IDLE_INTERVALS_BEFORE_DOWNSHARD`] intervals with nothing pending it
//! halves them (down to `min_shards`). It never reshards while sends are being retried: more
//! connections do not help a remote that is failing or rate-limiting. A reshard starts the
//! new shards, routes new samples to them, and lets them send only once the old shards have
//! flushed, which keeps each series in time order across the change.
//!
//! # Stop
//!
//! [`QueueManager::stop`] closes the channels; the shards send what they hold and exit. Sends
//! still retrying at the flush deadline are abandoned.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use config::RemoteWriteConfig;
use model::labels::Labels;
use parking_lot::RwLock;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::client::{OutgoingRequest, SendError, Transport, classify, request_headers};
use crate::codec;
use crate::metrics::{Metrics, QueueLabels, QueueMetrics, SendCounters};
use crate::proto::{MetricMetadata, Sample, TimeSeries, WriteRequest};
use crate::relabel::WriteRelabeller;

/// How often the shard count is reconsidered.
pub const RESHARD_INTERVAL: Duration = Duration::from_secs(10);
/// Quiet intervals before the shard count is halved.
pub const IDLE_INTERVALS_BEFORE_DOWNSHARD: u32 = 6;
/// How long [`QueueManager::stop`] waits by default for the shards to flush (upstream's
/// `flushDeadline`).
pub const DEFAULT_FLUSH_DEADLINE: Duration = Duration::from_secs(60);

/// Where a queue's metadata comes from: the scrape manager's per-target metadata, converted
/// (see [`MetricType::from_name`](crate::proto::MetricType::from_name)); duplicates are fine.
pub type MetadataSource = Arc<dyn Fn() -> Vec<MetricMetadata> + Send + Sync>;

/// One committed sample on its way out; `v` may be the staleness marker.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteSample {
    pub labels: Labels,
    pub t: i64,
    pub v: f64,
}

/// Errors building a queue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("remote_write {name:?}: {message}")]
    Config { name: String, message: String },
    #[error("remote write queues must be started inside a tokio runtime")]
    NoRuntime,
}

/// The settings the shards read, resolved once from the config.
#[derive(Debug)]
struct Inner {
    cfg: RemoteWriteConfig,
    external_labels: Labels,
    transport: Arc<dyn Transport>,
    metrics: QueueMetrics,
    capacity: usize,
    max_per_send: usize,
    batch_deadline: Duration,
    min_backoff: Duration,
    max_backoff: Duration,
    remote_timeout: Duration,
    /// Set by a shard while it is retrying; resharding waits for calm.
    retrying: AtomicI64,
    /// This queue's share of the `samples_pending` gauge (a replaced queue with the same
    /// labels may still be flushing into the same gauge).
    pending: AtomicI64,
    /// Milliseconds; `i64::MIN` before anything was sent.
    highest_sent: AtomicI64,
}

/// The live shards: their channels and tasks.
#[derive(Debug)]
struct ShardSet {
    senders: Vec<mpsc::Sender<RemoteSample>>,
    handles: Vec<JoinHandle<()>>,
    /// Shards replaced by resharding that may still be flushing.
    predecessors: Vec<tokio::task::AbortHandle>,
}

/// The sender for one `remote_write` entry. Cheap to share; all methods take `&self`.
#[derive(Debug)]
pub struct QueueManager {
    inner: Arc<Inner>,
    labels: QueueLabels,
    shards: RwLock<Option<ShardSet>>,
    reshard_task: parking_lot::Mutex<Option<JoinHandle<()>>>,
    metadata_task: parking_lot::Mutex<Option<JoinHandle<()>>>,
    runtime: tokio::runtime::Handle,
}

fn std_duration(d: model::duration::Duration, fallback: Duration) -> Duration {
    d.to_std().filter(|d| !d.is_zero()).unwrap_or(fallback)
}

impl QueueManager {
    /// A queue sending over HTTP as `cfg.http_client` says. Must be called inside a tokio
    /// runtime: the shards start at once.
    pub fn new(
        cfg: RemoteWriteConfig,
        external_labels: Labels,
        metrics: &Metrics,
    ) -> Result<Arc<Self>, QueueError> {
        let transport = crate::client::HttpTransport::new(&cfg.http_client)
            .map_err(|message| QueueError::Config { name: cfg.name.clone(), message })?;
        Self::with_transport(cfg, external_labels, metrics, Arc::new(transport))
    }

    /// A queue sending through `transport` (tests answer in-process).
    pub fn with_transport(
        cfg: RemoteWriteConfig,
        external_labels: Labels,
        metrics: &Metrics,
        transport: Arc<dyn Transport>,
    ) -> Result<Arc<Self>, QueueError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| QueueError::NoRuntime)?;
        let q = &cfg.queue_config;
        let capacity = q.capacity.max(1);
        let max_per_send = q.max_samples_per_send.max(1);
        let min_shards = q.min_shards.max(1);
        let max_shards = q.max_shards.max(min_shards);
        let labels = QueueLabels { remote_name: cfg.name.clone(), url: redact_url(&cfg.url) };
        let qm = metrics.queue(&labels, min_shards, max_shards, capacity, max_per_send);
        let inner = Arc::new(Inner {
            capacity,
            max_per_send,
            batch_deadline: std_duration(q.batch_send_deadline, Duration::from_secs(5)),
            min_backoff: std_duration(q.min_backoff, Duration::from_millis(30)),
            max_backoff: std_duration(q.max_backoff, Duration::from_secs(5)),
            remote_timeout: std_duration(cfg.remote_timeout, Duration::from_secs(30)),
            cfg,
            external_labels,
            transport,
            metrics: qm,
            retrying: AtomicI64::new(0),
            pending: AtomicI64::new(0),
            highest_sent: AtomicI64::new(i64::MIN),
        });
        let _guard = runtime.enter();
        let set = start_shards(&inner, min_shards, None);
        let manager = Arc::new(QueueManager {
            inner,
            labels,
            shards: RwLock::new(Some(set)),
            reshard_task: parking_lot::Mutex::new(None),
            metadata_task: parking_lot::Mutex::new(None),
            runtime: runtime.clone(),
        });
        if max_shards > min_shards {
            let weak = Arc::downgrade(&manager);
            let task = runtime.spawn(reshard_loop(weak, min_shards, max_shards));
            *manager.reshard_task.lock() = Some(task);
        }
        Ok(manager)
    }

    /// The configuration this queue runs with (reloads keep queues whose config is equal).
    pub fn config(&self) -> &RemoteWriteConfig {
        &self.inner.cfg
    }

    /// The external labels this queue adds.
    pub fn external_labels(&self) -> &Labels {
        &self.inner.external_labels
    }

    /// The current number of shards (0 once stopped).
    pub fn num_shards(&self) -> usize {
        self.shards.read().as_ref().map_or(0, |s| s.senders.len())
    }

    /// Hands committed samples to the shards without waiting; see the module docs for what
    /// happens when a shard is full. Samples appended after [`QueueManager::stop`] are ignored.
    pub fn append(&self, samples: &[RemoteSample]) {
        let guard = self.shards.read();
        let Some(set) = guard.as_ref() else { return };
        let n = set.senders.len() as u64;
        for s in samples {
            let shard = (s.labels.hash() % n) as usize;
            match set.senders[shard].try_send(s.clone()) {
                Ok(()) => {
                    self.inner.pending.fetch_add(1, Ordering::Relaxed);
                    self.inner.metrics.pending.inc();
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    self.inner.metrics.dropped_queue_full.inc();
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }

    /// Replaces the shards with `n` new ones (see the module docs). The reshard loop calls
    /// it on its own; exposed for tests and operators.
    pub fn reshard(&self, n: usize) {
        let n = n.max(1);
        let mut guard = self.shards.write();
        let Some(old) = guard.as_mut() else { return };
        if old.senders.len() == n {
            return;
        }
        let (gate_tx, gate_rx) = watch::channel(false);
        let _enter = self.runtime.enter();
        let mut new = start_shards(&self.inner, n, Some(gate_rx));
        let old = std::mem::replace(
            old,
            ShardSet { senders: Vec::new(), handles: Vec::new(), predecessors: Vec::new() },
        );
        // Whoever stops the queue must be able to abandon the old shards too.
        new.predecessors = old.predecessors;
        new.predecessors.extend(old.handles.iter().map(JoinHandle::abort_handle));
        *guard = Some(new);
        drop(guard);
        // Dropping the senders closes the old channels; the old shards flush and end, then
        // the new ones may send.
        drop(old.senders);
        let handles = old.handles;
        self.runtime.spawn(async move {
            for h in handles {
                let _ = h.await;
            }
            let _ = gate_tx.send(true);
        });
        tracing::info!(remote_name = %self.labels.remote_name, shards = n, "remote write resharding");
    }

    /// Stops the queue: the shards send what they hold and exit; sends still going after
    /// `flush_deadline` are abandoned.
    pub async fn stop(&self, flush_deadline: Duration) {
        for task in [&self.reshard_task, &self.metadata_task] {
            if let Some(t) = task.lock().take() {
                t.abort();
            }
        }
        let Some(set) = self.shards.write().take() else { return };
        drop(set.senders);
        let mut handles = set.handles;
        let all = async {
            for h in handles.iter_mut() {
                let _ = h.await;
            }
        };
        if tokio::time::timeout(flush_deadline, all).await.is_err() {
            tracing::warn!(
                remote_name = %self.labels.remote_name,
                "remote write queue did not flush before the deadline; abandoning unsent samples"
            );
            for h in &handles {
                h.abort();
            }
            for h in &set.predecessors {
                h.abort();
            }
        }
        // Samples still queued in abandoned shards will never be sent.
        let residual = self.inner.pending.swap(0, Ordering::Relaxed);
        self.inner.metrics.pending.dec_by(residual);
    }

    /// Sends metric metadata (`metadata_config`): duplicates removed, in requests of at most
    /// `metadata_config.max_samples_per_send` entries, one after the other, with the same
    /// retry rules as samples. Does nothing when `metadata_config.send` is false.
    pub async fn send_metadata(&self, metadata: &[MetricMetadata]) {
        let md = &self.inner.cfg.metadata_config;
        if !md.send {
            return;
        }
        let mut seen = std::collections::HashSet::new();
        let unique: Vec<MetricMetadata> = metadata
            .iter()
            .filter(|m| seen.insert((m.r#type, &m.metric_family_name, &m.help, &m.unit)))
            .cloned()
            .collect();
        for chunk in unique.chunks(md.max_samples_per_send.max(1)) {
            let req = WriteRequest { timeseries: Vec::new(), metadata: chunk.to_vec() };
            let body = Bytes::from(codec::encode(&req));
            let counters = &self.inner.metrics.metadata;
            send_with_retries(&self.inner, body, chunk.len() as u64, counters, "metadata").await;
        }
    }

    /// Starts sending what `source` returns every `metadata_config.send_interval` (first
    /// after one interval), unless `metadata_config.send` is false or it already runs.
    pub fn start_metadata(self: &Arc<Self>, source: MetadataSource) {
        if !self.inner.cfg.metadata_config.send || self.shards.read().is_none() {
            return;
        }
        let mut slot = self.metadata_task.lock();
        if slot.is_some() {
            return;
        }
        let interval =
            std_duration(self.inner.cfg.metadata_config.send_interval, Duration::from_secs(60));
        let queue = Arc::downgrade(self);
        *slot = Some(self.runtime.spawn(async move {
            let mut ticker = tokio::time::interval_at(Instant::now() + interval, interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let Some(q) = queue.upgrade() else { return };
                let metadata = source();
                if !metadata.is_empty() {
                    q.send_metadata(&metadata).await;
                }
            }
        }));
    }

    /// The labels of this queue's metrics (to remove them when the queue goes away).
    pub(crate) fn metric_labels(&self) -> &QueueLabels {
        &self.labels
    }
}

/// The URL as shown in metric labels: without user info.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let host_start = at + 1;
            let path_start = url[scheme_end + 3..].find('/').map(|i| i + scheme_end + 3);
            if path_start.is_none_or(|p| at < p) {
                return format!("{}{}", &url[..scheme_end + 3], &url[host_start..]);
            }
            url.to_owned()
        }
        _ => url.to_owned(),
    }
}

fn start_shards(inner: &Arc<Inner>, n: usize, gate: Option<watch::Receiver<bool>>) -> ShardSet {
    let mut senders = Vec::with_capacity(n);
    let mut handles = Vec::with_capacity(n);
    for _ in 0..n {
        let (tx, rx) = mpsc::channel(inner.capacity);
        senders.push(tx);
        handles.push(tokio::spawn(run_shard(inner.clone(), rx, gate.clone())));
    }
    inner.metrics.shards.set(i64::try_from(n).unwrap_or(i64::MAX));
    ShardSet { senders, handles, predecessors: Vec::new() }
}

async fn reshard_loop(queue: std::sync::Weak<QueueManager>, min: usize, max: usize) {
    let mut ticker = tokio::time::interval_at(Instant::now() + RESHARD_INTERVAL, RESHARD_INTERVAL);
    let (mut last_full_drops, mut last_retried) = match queue.upgrade() {
        Some(q) => {
            (q.inner.metrics.dropped_queue_full.get(), q.inner.metrics.samples.retried.get())
        }
        None => return,
    };
    let mut idle = 0u32;
    loop {
        ticker.tick().await;
        let Some(q) = queue.upgrade() else { return };
        let m = &q.inner.metrics;
        let full_drops = m.dropped_queue_full.get();
        let retried = m.samples.retried.get();
        let dropped_now = full_drops > last_full_drops;
        let retried_now = retried > last_retried || q.inner.retrying.load(Ordering::Relaxed) > 0;
        last_full_drops = full_drops;
        last_retried = retried;
        let shards = q.num_shards();
        if shards == 0 {
            return;
        }
        if retried_now {
            idle = 0;
            continue;
        }
        let pending = u64::try_from(m.pending.get()).unwrap_or(0);
        let total_capacity = (q.inner.capacity * shards) as u64;
        let desired = if dropped_now || pending > total_capacity / 2 {
            idle = 0;
            (shards * 2).min(max)
        } else if pending == 0 {
            idle += 1;
            if idle >= IDLE_INTERVALS_BEFORE_DOWNSHARD {
                idle = 0;
                (shards / 2).max(min)
            } else {
                shards
            }
        } else {
            idle = 0;
            shards
        };
        if desired != shards {
            q.reshard(desired);
        }
    }
}

/// One shard: batches what its channel delivers and sends it.
async fn run_shard(
    inner: Arc<Inner>,
    mut rx: mpsc::Receiver<RemoteSample>,
    gate: Option<watch::Receiver<bool>>,
) {
    if let Some(mut gate) = gate {
        // Wait for the shards this one replaces to flush; an error means the resharder is
        // gone, and then there is nobody left to wait for.
        let _ = gate.wait_for(|open| *open).await;
    }
    let mut relabeller =
        WriteRelabeller::new(&inner.external_labels, &inner.cfg.write_relabel_configs);
    let mut batch: Vec<RemoteSample> = Vec::with_capacity(inner.max_per_send);
    let mut deadline: Option<Instant> = None;
    loop {
        let timer = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            msg = rx.recv() => match msg {
                Some(s) => {
                    if batch.is_empty() {
                        deadline = Some(Instant::now() + inner.batch_deadline);
                    }
                    batch.push(s);
                    if batch.len() >= inner.max_per_send {
                        send_batch(&inner, &mut relabeller, &mut batch).await;
                        deadline = None;
                    }
                }
                None => {
                    if !batch.is_empty() {
                        send_batch(&inner, &mut relabeller, &mut batch).await;
                    }
                    return;
                }
            },
            () = timer => {
                send_batch(&inner, &mut relabeller, &mut batch).await;
                deadline = None;
            }
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Labels, encodes and sends one batch, retrying as the module docs say; empties `batch`.
async fn send_batch(
    inner: &Inner,
    relabeller: &mut WriteRelabeller,
    batch: &mut Vec<RemoteSample>,
) {
    let m = &inner.metrics;
    let taken = i64::try_from(batch.len()).unwrap_or(i64::MAX);
    let age_limit = inner.cfg.queue_config.sample_age_limit.as_millis();
    let oldest_allowed = if age_limit > 0 { now_ms().saturating_sub(age_limit) } else { i64::MIN };

    // Group by outgoing series, keeping each series' samples in arrival (= time) order.
    let mut index: HashMap<Labels, usize> = HashMap::new();
    let mut req = WriteRequest::default();
    let mut kept = 0u64;
    let mut highest = i64::MIN;
    for s in batch.drain(..) {
        if s.t < oldest_allowed {
            m.dropped_too_old.inc();
            continue;
        }
        let Some(out) = relabeller.process(&s.labels) else {
            m.dropped_series.inc();
            continue;
        };
        let i = *index.entry(out.clone()).or_insert_with(|| {
            req.timeseries
                .push(TimeSeries { labels: codec::to_proto_labels(&out), ..Default::default() });
            req.timeseries.len() - 1
        });
        req.timeseries[i].samples.push(Sample { value: s.v, timestamp: s.t });
        kept += 1;
        highest = highest.max(s.t);
    }
    if kept > 0 {
        let body = Bytes::from(codec::encode(&req));
        if send_with_retries(inner, body, kept, &m.samples, "samples").await {
            let prev = inner.highest_sent.fetch_max(highest, Ordering::Relaxed);
            if highest > prev {
                m.highest_sent.set(highest as f64 / 1000.0);
            }
        }
    }
    inner.pending.fetch_sub(taken, Ordering::Relaxed);
    m.pending.dec_by(taken);
}

/// Sends one encoded body until it succeeds or fails for good; counts `count` entries in
/// `counters`. Returns whether it was delivered.
async fn send_with_retries(
    inner: &Inner,
    body: Bytes,
    count: u64,
    counters: &SendCounters,
    what: &str,
) -> bool {
    let mut backoff = inner.min_backoff;
    let mut attempt: u32 = 0;
    let delivered = loop {
        let req = OutgoingRequest {
            url: inner.cfg.url.clone(),
            headers: request_headers(&inner.cfg.headers, attempt),
            body: body.clone(),
        };
        let start = Instant::now();
        let result =
            match tokio::time::timeout(inner.remote_timeout, inner.transport.post(req)).await {
                Ok(Ok(reply)) => classify(&reply, inner.cfg.queue_config.retry_on_http_429),
                Ok(Err(e)) => Err(SendError::Recoverable { message: e, retry_after: None }),
                Err(_) => Err(SendError::Recoverable {
                    message: format!("request timed out after {:?}", inner.remote_timeout),
                    retry_after: None,
                }),
            };
        inner.metrics.batch_duration.observe(start.elapsed().as_secs_f64());
        match result {
            Ok(()) => {
                counters.sent.inc_by(count);
                counters.bytes.inc_by(body.len() as u64);
                break true;
            }
            Err(SendError::Fatal(message)) => {
                tracing::error!(remote_name = %inner.cfg.name, url = %inner.cfg.url, %message, count, "non-recoverable error sending remote write {what}; dropped");
                counters.failed.inc_by(count);
                break false;
            }
            Err(SendError::Recoverable { message, retry_after }) => {
                tracing::warn!(remote_name = %inner.cfg.name, url = %inner.cfg.url, %message, attempt, "failed to send remote write {what}, retrying");
                counters.retried.inc_by(count);
                if attempt == 0 {
                    inner.retrying.fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep(retry_after.unwrap_or(backoff)).await;
                backoff = (backoff * 2).min(inner.max_backoff);
                attempt = attempt.saturating_add(1);
            }
        }
    };
    if attempt > 0 {
        inner.retrying.fetch_sub(1, Ordering::Relaxed);
    }
    delivered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_redaction() {
        assert_eq!(redact_url("https://u:p@host:9/api/v1/write"), "https://host:9/api/v1/write");
        assert_eq!(redact_url("http://host/a@b"), "http://host/a@b");
        assert_eq!(redact_url("http://host/write"), "http://host/write");
    }
}
