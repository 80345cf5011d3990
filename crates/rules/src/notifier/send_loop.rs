//! One Alertmanager's queue and the task that empties it (Prometheus v3.10+: a slow or dead
//! Alertmanager only delays its own alerts).
//!
//! The queue holds at most `capacity` alerts; when full, the oldest are dropped for the newest
//! (counted in `prometheus_notifications_dropped_total`). The task POSTs batches of up to
//! `batch_size` from the head, one request at a time, without retry: a failed batch is
//! dropped and counted, since rule groups re-send active alerts every resend delay anyway.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use model::time::SharedClock;
use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::body::encode_alerts;
use super::metrics::{AmLabels, NotifierMetrics};
use crate::seams::Alert;

/// How a stopped loop treats what is still queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopMode {
    /// Send everything still queued, then end.
    Drain,
    /// Drop what is queued (counted as dropped), then end.
    Discard,
}

const RUNNING: u8 = 0;
const STOPPING: u8 = 1;
/// Stopping, and the URL is gone: remove its series once the queue is empty.
const STOPPING_FORGET: u8 = 2;
/// Stopped after its queue moved to a successor for the same URL, which owns the series now.
const MOVED: u8 = 3;

/// What a loop needs to POST a batch.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    pub client: httpclient::Client,
    pub timeout: Duration,
    pub metrics: NotifierMetrics,
    pub clock: SharedClock,
}

#[derive(Debug)]
struct Shared {
    url: String,
    labels: AmLabels,
    capacity: usize,
    batch_size: usize,
    queue: Mutex<VecDeque<Alert>>,
    work: Notify,
    state: AtomicU8,
    transport: Transport,
}

/// Handle to a running send loop; the task ends only through [`SendLoop::stop`] (or when
/// the runtime goes away).
#[derive(Debug)]
pub(crate) struct SendLoop {
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl SendLoop {
    /// Starts the loop for `url` (call inside a tokio runtime).
    pub fn start(url: &str, capacity: usize, batch_size: usize, transport: Transport) -> Self {
        transport.metrics.init(url);
        let shared = Arc::new(Shared {
            url: url.to_owned(),
            labels: AmLabels::new(url),
            capacity: capacity.max(1),
            batch_size: batch_size.max(1),
            queue: Mutex::new(VecDeque::new()),
            work: Notify::new(),
            state: AtomicU8::new(RUNNING),
            transport,
        });
        let task = tokio::spawn(run(shared.clone()));
        SendLoop { shared, task }
    }

    /// Queues `alerts` (oldest first); never waits. Ignored once the loop is stopping.
    pub fn add(&self, alerts: &[Alert]) {
        if self.shared.state.load(Ordering::Acquire) != RUNNING {
            return;
        }
        let s = &self.shared;
        let mut dropped = 0;
        let alerts = match alerts.len().checked_sub(s.capacity) {
            Some(extra) if extra > 0 => {
                dropped += extra;
                &alerts[extra..]
            }
            _ => alerts,
        };
        let len = {
            let mut q = s.queue.lock();
            let over = (q.len() + alerts.len()).saturating_sub(s.capacity);
            if over > 0 {
                dropped += over;
                q.drain(..over);
            }
            q.extend(alerts.iter().cloned());
            q.len()
        };
        s.set_queue_length(len);
        if dropped > 0 {
            tracing::warn!(alertmanager = %s.url, count = dropped, "Alert notification queue full, dropping alerts");
            s.count(&s.transport.metrics.dropped, dropped);
        }
        s.work.notify_one();
    }

    /// Puts `alerts` (taken from a retired loop for the same URL) in front of this queue,
    /// keeping the capacity by dropping the oldest.
    pub fn prepend(&self, alerts: VecDeque<Alert>) {
        if alerts.is_empty() {
            return;
        }
        let s = &self.shared;
        let (len, dropped) = {
            let mut q = s.queue.lock();
            let mut merged = alerts;
            merged.append(&mut q);
            let over = merged.len().saturating_sub(s.capacity);
            merged.drain(..over);
            *q = merged;
            (q.len(), over)
        };
        s.set_queue_length(len);
        if dropped > 0 {
            s.count(&s.transport.metrics.dropped, dropped);
        }
        s.work.notify_one();
    }

    /// Stops taking alerts and takes what is queued (the in-flight batch still completes).
    pub fn take_queue(&self) -> VecDeque<Alert> {
        let s = &self.shared;
        s.state.store(MOVED, Ordering::Release);
        let taken = std::mem::take(&mut *s.queue.lock());
        s.work.notify_one();
        taken
    }

    /// Stops the loop; the returned handle completes once it has ended (after sending what
    /// was queued, with [`StopMode::Drain`]). With `forget` (the URL is no longer
    /// configured) its series are removed at the end, as upstream removes them.
    pub fn stop(self, mode: StopMode, forget: bool) -> JoinHandle<()> {
        let s = &self.shared;
        s.state.store(if forget { STOPPING_FORGET } else { STOPPING }, Ordering::Release);
        if mode == StopMode::Discard {
            let n = std::mem::take(&mut *s.queue.lock()).len();
            s.set_queue_length(0);
            if n > 0 {
                tracing::warn!(alertmanager = %s.url, count = n, "Alert notification queue not drained on shutdown, dropping alerts");
                s.count(&s.transport.metrics.dropped, n);
            }
        }
        s.work.notify_one();
        self.task
    }
}

impl Shared {
    fn set_queue_length(&self, len: usize) {
        self.transport
            .metrics
            .queue_length
            .get_or_create(&self.labels)
            .set(i64::try_from(len).unwrap_or(i64::MAX));
    }

    fn count(
        &self,
        family: &prometheus_client::metrics::family::Family<
            AmLabels,
            prometheus_client::metrics::counter::Counter,
        >,
        n: usize,
    ) {
        family.get_or_create(&self.labels).inc_by(u64::try_from(n).unwrap_or(u64::MAX));
    }

    fn next_batch(&self) -> Vec<Alert> {
        let (batch, len) = {
            let mut q = self.queue.lock();
            let n = q.len().min(self.batch_size);
            let batch: Vec<Alert> = q.drain(..n).collect();
            (batch, q.len())
        };
        if self.state.load(Ordering::Acquire) != MOVED {
            self.set_queue_length(len);
        }
        batch
    }

    /// POSTs one batch; `false` (and counted) when it failed.
    async fn send(&self, alerts: &[Alert]) -> bool {
        let t = &self.transport;
        let begin = t.clock.now_system();
        let body = encode_alerts(alerts);
        let result = match tokio::time::timeout(t.timeout, self.post(body)).await {
            Ok(r) => r,
            Err(_) => Err(format!("context deadline exceeded after {:?}", t.timeout)),
        };
        match result {
            Ok(()) => {
                let took = t.clock.now_system().duration_since(begin).unwrap_or_default();
                t.metrics.latency.get_or_create(&self.labels).observe(took.as_secs_f64());
                self.count(&t.metrics.sent, alerts.len());
                true
            }
            Err(err) => {
                tracing::error!(alertmanager = %self.url, count = alerts.len(), err = %err, "Error sending alerts");
                self.count(&t.metrics.errors, alerts.len());
                false
            }
        }
    }

    async fn post(&self, body: String) -> Result<(), String> {
        let req = self
            .transport
            .client
            .request(reqwest::Method::POST, &self.url)
            .await
            .map_err(|e| e.to_string())?;
        let resp = req
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        // Read the body so the connection can be reused.
        let _ = resp.bytes().await;
        if status.is_success() { Ok(()) } else { Err(format!("bad response status {status}")) }
    }
}

async fn run(shared: Arc<Shared>) {
    loop {
        let batch = shared.next_batch();
        if batch.is_empty() {
            match shared.state.load(Ordering::Acquire) {
                RUNNING => {}
                STOPPING_FORGET => {
                    shared.transport.metrics.remove(&shared.url);
                    return;
                }
                _ => return,
            }
            shared.work.notified().await;
            continue;
        }
        if !shared.send(&batch).await {
            shared.count(&shared.transport.metrics.dropped, batch.len());
        }
    }
}
