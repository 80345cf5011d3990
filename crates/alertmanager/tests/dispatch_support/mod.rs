//! A paused-time harness for the dispatcher and pipeline, modelled on upstream's acceptance
//! harness: `t = 0` is the harness start, alerts are posted at `t = x` through the real store,
//! fake receivers record every batch with its arrival time, and checks compare batches in
//! time windows and the total count ("no extra notification").

#![allow(dead_code)]
// Test scaffolding: a failed setup step should stop the test loudly.
#![allow(clippy::unwrap_used)]

use alertmanager::alert::{Alert, Time, ZERO_TIME};
use alertmanager::config;
use alertmanager::dispatch::{DispatchOptions, Dispatcher, RouteTable};
use alertmanager::inhibit::Inhibitor;
use alertmanager::integrations::{
    FailureReason, Integration, Notifier, NotifyContext, NotifyError, Sent,
};
use alertmanager::metrics::Metrics;
use alertmanager::notify::seams::{
    InhibitCheck, IntervalCheck, MemoryLog, Nothing, SilenceCheck, StatusRecorder,
};
use alertmanager::notify::{Pipeline, PipelineDeps};
use alertmanager::route::Route;
use alertmanager::store::{AlertStore, StoreOptions};
use futures::future::BoxFuture;
use model::labels::Labels;
use model::matcher::MatcherParseMode;
use model::time::{SharedClock, TokioClock};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use template::alertmanager::Templates;
use tokio::time::Instant;

/// The wall time at `t = 0`.
pub const WALL0: u64 = 1_800_000_000;

/// Wall time at `t = secs`.
pub fn wall(secs: f64) -> Time {
    let d = jiff::SignedDuration::from_secs_f64(WALL0 as f64 + secs);
    Time::from_duration(d).unwrap()
}

/// One received alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Got {
    /// `labels` rendered `{a="b"}`.
    pub labels: String,
    /// Seconds after `t = 0`, or `None` for Go's zero time.
    pub starts: Option<f64>,
    pub ends: Option<f64>,
}

/// One received notification.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Arrival, seconds after `t = 0`.
    pub at: f64,
    pub alerts: Vec<Got>,
    pub reason: String,
    pub group_key: String,
}

/// What a fake receiver does with an attempt made at `t` (seconds).
pub type Behaviour = Arc<dyn Fn(f64) -> BoxFuture<'static, Option<NotifyError>> + Send + Sync>;

/// Records every batch it accepts.
#[derive(Clone)]
pub struct Receiver {
    t0: Instant,
    pub batches: Arc<Mutex<Vec<Batch>>>,
    /// `Some(true)`: answer OK without recording (upstream's "drop"); errors fail the attempt.
    behaviour: Option<Behaviour>,
    drop_before: Option<f64>,
    pub attempts: Arc<Mutex<Vec<f64>>>,
    in_flight: Arc<Mutex<(usize, usize)>>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Receiver")
    }
}

impl Receiver {
    pub fn new(t0: Instant) -> Receiver {
        Receiver {
            t0,
            batches: Default::default(),
            behaviour: None,
            drop_before: None,
            attempts: Default::default(),
            in_flight: Default::default(),
        }
    }

    /// Answers OK without recording before `t`.
    pub fn dropping_before(mut self, t: f64) -> Receiver {
        self.drop_before = Some(t);
        self
    }

    /// Runs `b` first on each attempt; an error it returns fails the attempt.
    pub fn with(mut self, b: Behaviour) -> Receiver {
        self.behaviour = Some(b);
        self
    }

    pub fn batches(&self) -> Vec<Batch> {
        self.batches.lock().clone()
    }

    /// The most attempts ever in flight at once.
    pub fn max_concurrency(&self) -> usize {
        self.in_flight.lock().1
    }

    pub fn integration(
        &self,
        name: &'static str,
        index: usize,
        send_resolved: bool,
    ) -> Integration {
        Integration { name, index, send_resolved, notifier: Arc::new(self.clone()) }
    }
}

impl Notifier for Receiver {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(async move {
            let t = self.t0.elapsed().as_secs_f64();
            self.attempts.lock().push(t);
            {
                let mut f = self.in_flight.lock();
                f.0 += 1;
                f.1 = f.1.max(f.0);
            }
            let outcome = match &self.behaviour {
                Some(b) => b(t).await,
                None => None,
            };
            self.in_flight.lock().0 -= 1;
            if let Some(e) = outcome {
                return Err(e);
            }
            if self.drop_before.is_some_and(|d| t < d) {
                return Ok(Sent::default());
            }
            let at = self.t0.elapsed().as_secs_f64();
            let got = alerts
                .iter()
                .map(|a| Got {
                    labels: a.labels.to_string(),
                    starts: rel(a.starts_at),
                    ends: rel(a.ends_at),
                })
                .collect();
            self.batches.lock().push(Batch {
                at,
                alerts: got,
                reason: cx.notification_reason.to_string(),
                group_key: cx.group_key.to_string(),
            });
            Ok(Sent::default())
        })
    }
}

fn rel(t: Time) -> Option<f64> {
    if t == ZERO_TIME {
        return None;
    }
    let d = t.duration_since(wall(0.0));
    Some(d.as_secs_f64())
}

/// A posted alert: labels, and start/end in seconds after `t = 0` (`None`: unset).
pub fn alert(labels: &[(&str, &str)], start: Option<f64>, end: Option<f64>) -> Alert {
    Alert {
        labels: Labels::from_pairs(labels.iter().copied()),
        annotations: Labels::default(),
        starts_at: start.map_or(ZERO_TIME, wall),
        ends_at: end.map_or(ZERO_TIME, wall),
        updated_at: ZERO_TIME,
        generator_url: String::new(),
        timeout: false,
    }
}

/// Settings a scenario may change.
pub struct Setup {
    pub yaml: String,
    pub resolve_timeout: Duration,
    pub receivers: HashMap<String, Vec<Integration>>,
    pub start_delay_from_t0: Option<f64>,
    pub notify_timeout: Option<Duration>,
    pub silences: Arc<dyn SilenceCheck>,
    pub inhibitor: Arc<dyn InhibitCheck>,
    pub intervals: Arc<dyn IntervalCheck>,
    pub marker: Arc<dyn StatusRecorder>,
    pub maintenance: Duration,
}

impl Setup {
    /// A config whose root route has the given YAML fields (receiver `default`).
    pub fn route(fields: &str) -> Setup {
        Setup {
            yaml: format!(
                "route: {{receiver: default, {fields}}}\nreceivers: [{{name: default}}]\n"
            ),
            resolve_timeout: Duration::from_secs(300),
            receivers: HashMap::new(),
            start_delay_from_t0: None,
            notify_timeout: None,
            silences: Arc::new(Nothing),
            inhibitor: Arc::new(Nothing),
            intervals: Arc::new(Nothing),
            marker: Arc::new(Nothing),
            maintenance: Duration::from_secs(30),
        }
    }

    /// A whole config (receivers other than those given with [`Setup::receiver`] have no
    /// integrations).
    pub fn config(yaml: &str) -> Setup {
        let mut s = Setup::route("");
        s.yaml = yaml.to_string();
        s
    }

    pub fn receiver(mut self, name: &str, integrations: Vec<Integration>) -> Setup {
        self.receivers.insert(name.to_string(), integrations);
        self
    }
}

/// A running scenario.
pub struct Harness {
    pub t0: Instant,
    pub clock: SharedClock,
    pub store: Arc<AlertStore>,
    pub nflog: Arc<MemoryLog>,
    pub metrics: Arc<Metrics>,
    pub dispatcher: Mutex<Option<Dispatcher>>,
    setup: Setup,
    start_at: Instant,
}

impl Harness {
    /// Starts the dispatcher at `t = 0` (call first thing in a paused-time test).
    pub fn start(setup: Setup) -> Harness {
        let t0 = Instant::now();
        let clock: SharedClock =
            Arc::new(TokioClock::starting_at(SystemTime::UNIX_EPOCH + Duration::from_secs(WALL0)));
        let start_at = match setup.start_delay_from_t0 {
            Some(s) => t0 + Duration::from_secs_f64(s),
            None => t0,
        };
        let store = AlertStore::in_memory(StoreOptions::default());
        let mut setup = setup;
        let cfg = config::load_str(&setup.yaml, Path::new("alertmanager.yml")).unwrap();
        if !cfg.inhibit_rules.is_empty() {
            setup.inhibitor = Inhibitor::new(&cfg.inhibit_rules, &store);
        }
        let h = Harness {
            t0,
            clock,
            store,
            nflog: Arc::new(MemoryLog::default()),
            metrics: Arc::new(Metrics::default()),
            dispatcher: Mutex::new(None),
            setup,
            start_at,
        };
        h.reload();
        h
    }

    /// Builds a new dispatcher (and pipeline) from the setup and stops the old one, as a
    /// config reload does.
    pub fn reload(&self) {
        let cfg = config::load_str(&self.setup.yaml, Path::new("alertmanager.yml")).unwrap();
        let table = Arc::new(RouteTable::new(Route::new(&cfg.route)));
        let deps = PipelineDeps {
            inhibitor: self.setup.inhibitor.clone(),
            silences: self.setup.silences.clone(),
            time_intervals: self.setup.intervals.clone(),
            nflog: self.nflog.clone(),
            marker: self.setup.marker.clone(),
            metrics: self.metrics.clone(),
            templates: Arc::new(Templates::with_defaults()),
            external_url: "http://localhost:9093".into(),
            user_agent: "Alertmanager/test".into(),
            cluster: None,
            retention: Duration::from_secs(120 * 3600),
            clock: self.clock.clone(),
        };
        let pipeline = Arc::new(Pipeline::new(self.setup.receivers.clone(), deps));
        let mut opts = DispatchOptions::new(self.clock.clone(), self.metrics.clone());
        opts.start_at = self.start_at;
        opts.notify_timeout = self.setup.notify_timeout;
        opts.maintenance_interval = self.setup.maintenance;
        let new = Dispatcher::start(table, self.store.subscribe(), pipeline, opts);
        if let Some(old) = self.dispatcher.lock().replace(new) {
            old.stop();
        }
    }

    /// Sleeps until `t = secs`.
    pub async fn at(&self, secs: f64) {
        tokio::time::sleep_until(self.t0 + Duration::from_secs_f64(secs)).await;
    }

    /// Posts alerts now, normalised as the API does.
    pub fn post(&self, alerts: Vec<Alert>) {
        let now = alertmanager::alert::from_system_time(self.clock.now_system());
        let alerts = alerts
            .into_iter()
            .map(|a| {
                alertmanager::store::validate_and_normalise(
                    a,
                    now,
                    self.setup.resolve_timeout,
                    MatcherParseMode::Fallback,
                )
                .unwrap()
            })
            .collect();
        self.store.put(alerts).unwrap();
    }

    pub fn with_dispatcher<R>(&self, f: impl FnOnce(&Dispatcher) -> R) -> R {
        f(self.dispatcher.lock().as_ref().unwrap())
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(d) = self.dispatcher.lock().take() {
            d.stop();
        }
    }
}

/// `(labels, starts, ends)` shorthand for expectations; `None` end = firing (zero endsAt).
pub fn exp(name: &str, start: f64, end: Option<f64>) -> (String, f64, Option<f64>) {
    (format!("{{alertname=\"{name}\"}}"), start, end)
}

const TOLERANCE: f64 = 0.15;

/// Asserts that some batch arrived within `[from, to]` with exactly `want` (any order, times
/// within tolerance).
pub fn assert_batch(batches: &[Batch], from: f64, to: f64, want: &[(String, f64, Option<f64>)]) {
    let ok = batches.iter().any(|b| {
        b.at >= from - 1e-9
            && b.at <= to + 1e-9
            && b.alerts.len() == want.len()
            && want.iter().all(|(l, s, e)| {
                b.alerts.iter().any(|g| {
                    &g.labels == l
                        && g.starts.is_some_and(|gs| (gs - s).abs() <= TOLERANCE)
                        && match (g.ends, e) {
                            (None, None) => true,
                            (Some(ge), Some(e)) => (ge - e).abs() <= TOLERANCE,
                            _ => false,
                        }
                })
            })
    });
    assert!(ok, "no batch in [{from}, {to}] equal to {want:?}; got {batches:#?}");
}

/// Asserts the total number of alerts received (upstream's "no extra notification" check).
pub fn assert_total(batches: &[Batch], want: usize) {
    let got: usize = batches.iter().map(|b| b.alerts.len()).sum();
    assert_eq!(got, want, "total alerts received; got {batches:#?}");
}

/// An attempt that fails with a retryable error after `after`.
pub fn failing(after: Duration, until: f64, text: &'static str) -> Behaviour {
    Arc::new(move |t| {
        Box::pin(async move {
            if t < until {
                tokio::time::sleep(after).await;
                Some(NotifyError::retryable(FailureReason::Other, text))
            } else {
                None
            }
        })
    })
}

/// An attempt that takes `d` before answering OK.
pub fn slow(d: Duration) -> Behaviour {
    Arc::new(move |_| {
        Box::pin(async move {
            tokio::time::sleep(d).await;
            None
        })
    })
}
