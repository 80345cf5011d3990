//! One target's scrape loop: wait for the target's offset, then every interval fetch, ingest,
//! report the synthetic series and commit once; when stopped (target gone, job changed), write
//! staleness markers at the time of the first missed scrape, unless the server is shutting down
//! or a successor took the cache over.
//!
//! Time: timers use `tokio::time` and timestamps come from a [`model::time::Clock`], so tests
//! with paused tokio time and a `TokioClock` are exact.

pub mod cache;
pub mod ingest;
pub mod schedule;
mod texts;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use config::ScrapeProtocol;
use model::labels::{Labels, LabelsBuilder};
use model::storage::{Appendable, stale_nan};
use model::time::SharedClock;
use parking_lot::Mutex;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

pub use cache::{Metadata, ScrapeCache};
pub use ingest::{AppendStats, SampleRules};

use crate::fetch::{Fetcher, ScrapeError, format_for};
use crate::manager::metrics::ScrapeMetrics;
use crate::status::Health;

/// The state `/api/v1/targets` shows for a target.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetHealth {
    pub health: Health,
    pub last_error: String,
    pub last_scrape: Option<SystemTime>,
    pub last_scrape_duration: Duration,
    /// Scrapes done by this target's loops (tests count them; reloads keep the count).
    pub scrapes: u64,
}

/// Everything a loop needs; built by the scrape pool per target.
pub struct LoopSpec {
    pub appendable: Arc<dyn Appendable>,
    pub fetcher: Fetcher,
    pub rules: SampleRules,
    pub fallback_protocol: Option<ScrapeProtocol>,
    pub interval: Duration,
    pub timeout: Duration,
    /// [`schedule::target_hash`] of the target, and the server's seed.
    pub hash: u64,
    pub offset_seed: u64,
    pub clock: SharedClock,
    /// `extra_scrape_metrics`: also `scrape_timeout_seconds`, `scrape_sample_limit`,
    /// `scrape_body_size_bytes`.
    pub extra_metrics: bool,
    pub metrics: ScrapeMetrics,
    /// Shared with a predecessor or successor when the job's change leaves labels alone.
    pub cache: Arc<Mutex<ScrapeCache>>,
    /// Kept across reloads of the same target.
    pub health: Arc<Mutex<TargetHealth>>,
}

impl std::fmt::Debug for LoopSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopSpec")
            .field("url", &self.fetcher.url())
            .field("interval", &self.interval)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// What the manager tells a loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    Run,
    /// Stop scraping; write end-of-run stale markers later unless disabled.
    Stop,
    /// The server stops: no more writes at all.
    Shutdown,
}

/// The manager's handle on a running (or lingering) loop.
#[derive(Debug)]
pub struct LoopHandle {
    signal: watch::Sender<Signal>,
    stopped: watch::Receiver<bool>,
    stale_disabled: Arc<AtomicBool>,
    forced_error: Arc<Mutex<Option<String>>>,
    task: JoinHandle<()>,
    pub cache: Arc<Mutex<ScrapeCache>>,
    pub health: Arc<Mutex<TargetHealth>>,
}

impl LoopHandle {
    /// Starts a loop. With a `predecessor`, the loop waits until that one has stopped
    /// scraping, so two loops never write the same target at once.
    pub fn spawn(spec: LoopSpec, predecessor: Option<&LoopHandle>) -> LoopHandle {
        let (signal_tx, signal_rx) = watch::channel(Signal::Run);
        let (stopped_tx, stopped_rx) = watch::channel(false);
        let stale_disabled = Arc::new(AtomicBool::new(false));
        let forced_error = Arc::new(Mutex::new(None));
        let cache = spec.cache.clone();
        let health = spec.health.clone();
        let report = ReportSeries::new(&spec.rules.target_labels, spec.extra_metrics);
        let interval_ns = i64::try_from(spec.interval.as_nanos()).unwrap_or(i64::MAX);
        let interval_label =
            model::duration::GoDuration::from(model::duration::Duration::from_nanos(interval_ns))
                .to_string();
        let running = Running {
            interval_label,
            spec,
            report,
            stale_disabled: stale_disabled.clone(),
            forced_error: forced_error.clone(),
            builder: LabelsBuilder::default(),
            body: Vec::new(),
        };
        let before = predecessor.map(|p| p.stopped.clone());
        let task = tokio::spawn(running.run(signal_rx, stopped_tx, before));
        LoopHandle {
            signal: signal_tx,
            stopped: stopped_rx,
            stale_disabled,
            forced_error,
            task,
            cache,
            health,
        }
    }

    /// Stops scraping; stale markers follow after about two intervals unless
    /// [`LoopHandle::disable_end_of_run_staleness`] or [`LoopHandle::shutdown`] comes first.
    pub fn stop(&self) {
        self.signal.send_if_modified(|s| {
            let run = *s == Signal::Run;
            if run {
                *s = Signal::Stop;
            }
            run
        });
    }

    /// Stops without any further write.
    pub fn shutdown(&self) {
        let _ = self.signal.send(Signal::Shutdown);
    }

    /// A successor took over the cache: its first scrape marks what disappeared.
    pub fn disable_end_of_run_staleness(&self) {
        self.stale_disabled.store(true, Ordering::Release);
    }

    /// Makes every scrape fail with `err` without fetching (`target_limit` exceeded), or
    /// clears that.
    pub fn set_forced_error(&self, err: Option<String>) {
        *self.forced_error.lock() = err;
    }

    /// Whether the task has ended (stale markers written or skipped).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Waits for the task to end.
    pub async fn join(self) {
        let _ = self.task.await;
    }
}

/// The synthetic series of a target, label sets built once.
#[derive(Debug)]
struct ReportSeries {
    up: Labels,
    duration: Labels,
    scraped: Labels,
    post_relabel: Labels,
    series_added: Labels,
    extra: Option<[Labels; 3]>,
}

impl ReportSeries {
    fn new(target: &Labels, extra: bool) -> Self {
        let named = |name: &str| {
            let mut b = target.builder();
            b.set("__name__", name);
            b.labels()
        };
        ReportSeries {
            up: named("up"),
            duration: named("scrape_duration_seconds"),
            scraped: named("scrape_samples_scraped"),
            post_relabel: named("scrape_samples_post_metric_relabeling"),
            series_added: named("scrape_series_added"),
            extra: extra.then(|| {
                [
                    named("scrape_timeout_seconds"),
                    named("scrape_sample_limit"),
                    named("scrape_body_size_bytes"),
                ]
            }),
        }
    }

    fn all(&self) -> impl Iterator<Item = &Labels> {
        [&self.up, &self.duration, &self.scraped, &self.post_relabel, &self.series_added]
            .into_iter()
            .chain(self.extra.iter().flatten())
    }
}

/// The task's own state.
struct Running {
    spec: LoopSpec,
    report: ReportSeries,
    stale_disabled: Arc<AtomicBool>,
    forced_error: Arc<Mutex<Option<String>>>,
    builder: LabelsBuilder,
    body: Vec<u8>,
    /// The interval as Go prints it (`15s`, `1m0s`), the label of the interval summary.
    interval_label: String,
}

/// Waits until the signal satisfies `pred`; a dropped manager counts as shutdown.
async fn until(signal: &mut watch::Receiver<Signal>, pred: impl Fn(Signal) -> bool) -> Signal {
    match signal.wait_for(|s| pred(*s)).await {
        Ok(s) => *s,
        Err(_) => Signal::Shutdown,
    }
}

impl Running {
    async fn run(
        mut self,
        mut signal: watch::Receiver<Signal>,
        stopped: watch::Sender<bool>,
        predecessor: Option<watch::Receiver<bool>>,
    ) {
        if let Some(mut before) = predecessor {
            // Even when stopped meanwhile, report "stopped" only once the predecessor has, so
            // a chain of quick reloads never has two loops scraping one target.
            tokio::select! {
                _ = before.wait_for(|s| *s) => {}
                _ = until(&mut signal, |s| s == Signal::Shutdown) => {
                    let _ = stopped.send(true);
                    return;
                }
            }
            if *signal.borrow() != Signal::Run {
                let _ = stopped.send(true);
                return;
            }
        }
        let interval = self.spec.interval;
        let now_ns = self
            .spec
            .clock
            .now_system()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let delay =
            schedule::initial_delay(now_ns, interval, self.spec.hash, self.spec.offset_seed);
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = until(&mut signal, |s| s != Signal::Run) => {
                let _ = stopped.send(true);
                return;
            }
        }
        let mut ticker = tokio::time::interval(interval.max(Duration::from_millis(1)));
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut aligner = schedule::Aligner::new(self.spec.clock.now().as_millis(), interval);
        let mut last: Option<Instant> = None;
        loop {
            tokio::select! {
                biased;
                _ = until(&mut signal, |s| s != Signal::Run) => break,
                _ = ticker.tick() => {}
            }
            let ts = aligner.timestamp(self.spec.clock.now().as_millis());
            match self.scrape_once(ts, last, &mut signal).await {
                Some(start) => last = Some(start),
                None => break,
            }
        }
        let _ = stopped.send(true);
        if *signal.borrow() == Signal::Stop && last.is_some() {
            self.end_of_run(&mut ticker, &mut signal).await;
        }
    }

    /// One scrape; `None` when a shutdown interrupted it (nothing written).
    async fn scrape_once(
        &mut self,
        ts: i64,
        last: Option<Instant>,
        signal: &mut watch::Receiver<Signal>,
    ) -> Option<Instant> {
        let start = Instant::now();
        let started_wall = self.spec.clock.now_system();
        if let Some(last) = last {
            let seconds = start.duration_since(last).as_secs_f64();
            self.spec.metrics.interval_length.observe(&self.interval_label, seconds);
        }
        let forced = self.forced_error.lock().clone();
        let mut body = std::mem::take(&mut self.body);
        let fetched = match forced {
            Some(err) => Err(ScrapeError::Forced(err)),
            None => {
                tokio::select! {
                    r = self.spec.fetcher.fetch(&mut body) => r,
                    _ = until(signal, |s| s == Signal::Shutdown) => return None,
                }
            }
        };
        self.ingest(fetched, &body, ts, start, started_wall);
        // Keep the buffer (and its capacity) for the next scrape, unless one huge body
        // would pin memory.
        if body.capacity() <= 64 << 20 {
            self.body = body;
        }
        Some(start)
    }

    /// Appends the body (or the stale markers of a failed scrape) and the synthetic series in
    /// one commit, and records the target's health.
    fn ingest(
        &mut self,
        fetched: Result<String, ScrapeError>,
        body: &[u8],
        ts: i64,
        start: Instant,
        started_wall: SystemTime,
    ) {
        let spec = &self.spec;
        let now_ms = spec.clock.now().as_millis();
        let mut stats = AppendStats::default();
        let mut body_bytes: i64 = 0;
        let mut cache = spec.cache.lock();
        let mut app = spec.appendable.appender();
        let result = match fetched {
            Ok(content_type) => {
                body_bytes = i64::try_from(body.len()).unwrap_or(i64::MAX);
                let format = if body.is_empty() {
                    Ok(crate::exposition::Format::PrometheusText)
                } else {
                    format_for(&content_type, spec.fallback_protocol)
                };
                format.and_then(|format| {
                    ingest::append_body(
                        &mut cache,
                        &spec.rules,
                        &mut self.builder,
                        &mut *app,
                        body,
                        format,
                        ts,
                        now_ms,
                        &mut stats,
                    )
                })
            }
            Err(e) => {
                if e == ScrapeError::BodySizeLimit {
                    body_bytes = -1;
                    spec.metrics.exceeded_body_size_limit.inc();
                }
                Err(e)
            }
        };
        if result.is_err() {
            app.rollback();
            app = spec.appendable.appender();
            ingest::append_failed(&mut cache, &mut *app, ts);
        }
        drop(cache);
        if stats.sample_limit_exceeded {
            spec.metrics.exceeded_sample_limit.inc();
        }
        if stats.label_limit_exceeded {
            spec.metrics.exceeded_label_limits.inc();
        }
        spec.metrics.out_of_order.inc_by(stats.out_of_order);
        spec.metrics.duplicate_timestamp.inc_by(stats.duplicates);
        spec.metrics.out_of_bounds.inc_by(stats.out_of_bounds);
        if stats.out_of_order + stats.duplicates + stats.out_of_bounds > 0 {
            tracing::warn!(
                target = spec.fetcher.url(),
                out_of_order = stats.out_of_order,
                duplicates = stats.duplicates,
                out_of_bounds = stats.out_of_bounds,
                "samples rejected by storage"
            );
        }

        let duration = start.elapsed();
        let up = if result.is_ok() { 1.0 } else { 0.0 };
        let r = &self.report;
        let mut series = vec![
            (r.up.clone(), up),
            (r.duration.clone(), duration.as_secs_f64()),
            (r.scraped.clone(), stats.total as f64),
            (r.post_relabel.clone(), stats.added as f64),
            (r.series_added.clone(), stats.series_added as f64),
        ];
        if let Some([timeout, limit, bytes]) = &r.extra {
            series.push((timeout.clone(), spec.timeout.as_secs_f64()));
            series.push((limit.clone(), spec.rules.limits.sample_limit as f64));
            series.push((bytes.clone(), body_bytes as f64));
        }
        ingest::append_report(&mut *app, &series, ts);
        if let Err(e) = app.commit() {
            tracing::error!(target = spec.fetcher.url(), err = %e, "scrape commit failed");
        }

        let mut health = spec.health.lock();
        health.scrapes += 1;
        health.last_scrape = Some(started_wall);
        health.last_scrape_duration = duration;
        match result {
            Ok(()) => {
                health.health = Health::Up;
                health.last_error.clear();
            }
            Err(e) => {
                tracing::debug!(target = spec.fetcher.url(), err = %e, "scrape failed");
                health.health = Health::Down;
                health.last_error = e.to_string();
            }
        }
    }

    /// After a stop: wait for the next scrape time (the stale markers' timestamp), one more
    /// interval and a tenth, so a target that reappeared in another loop has written by then
    /// (its newer samples make these markers out of order, hence ignored). Nothing on shutdown.
    async fn end_of_run(
        &mut self,
        ticker: &mut tokio::time::Interval,
        signal: &mut watch::Receiver<Signal>,
    ) {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = until(signal, |s| s == Signal::Shutdown) => return,
        }
        let stale_ts = self.spec.clock.now().as_millis();
        tokio::select! {
            _ = ticker.tick() => {}
            _ = until(signal, |s| s == Signal::Shutdown) => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(self.spec.interval / 10) => {}
            _ = until(signal, |s| s == Signal::Shutdown) => return,
        }
        if self.stale_disabled.load(Ordering::Acquire) {
            return;
        }
        let spec = &self.spec;
        let mut cache = spec.cache.lock();
        let mut app = spec.appendable.appender();
        ingest::append_failed(&mut cache, &mut *app, stale_ts);
        drop(cache);
        let stale: Vec<(Labels, f64)> =
            self.report.all().map(|l| (l.clone(), stale_nan())).collect();
        ingest::append_report(&mut *app, &stale, stale_ts);
        if let Err(e) = app.commit() {
            tracing::warn!(target = spec.fetcher.url(), err = %e, "stale marker commit failed");
        }
    }
}
