//! The notifier: sends rule alerts to Alertmanagers as Prometheus does (API v2 JSON, one
//! queue and send loop per Alertmanager URL as in v3.10+, no retry, `prometheus_notifications_*`
//! metrics).
//!
//! Beyond upstream, a reload loses no alerts. Prometheus rebuilds changed Alertmanager sets
//! empty and fills them when discovery next reports (up to 5 s later); alerts sent in that
//! gap go nowhere. Here the previous sets keep their queues and keep receiving alerts until
//! discovery has reported the new sets; then each old loop hands its queue to the new loop
//! for the same URL, or sends what it holds and ends. A set nothing serves yet (start-up, a
//! set added by a reload) holds its alerts until its Alertmanagers are discovered.
//!
//! ```no_run
//! # async fn demo(cfg: config::Config) -> Result<(), String> {
//! use rules::notifier::{Notifier, NotifierOptions};
//! use rules::seams::AlertSink;
//!
//! let notifier = Notifier::new(NotifierOptions::default());
//! let external = model::labels::Labels::from_pairs(cfg.global.external_labels.iter());
//! notifier.apply_config(&cfg.alerting, &external).await?; // again on every reload
//! notifier.send(Vec::new()); // what rule groups do, through `Arc<dyn AlertSink>`
//! notifier.stop().await; // on shutdown: drains the queues
//! # Ok(())
//! # }
//! ```

mod body;
mod metrics;
mod send_loop;
mod set;
mod targets;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Weak};

use config::AlertingConfig;
use model::labels::Labels;
use model::relabel::{RelabelConfig, relabel_builder};
use model::time::{SharedClock, SystemClock};
use parking_lot::Mutex;
use prometheus_client::registry::Registry;
use scrape::discovery::{DiscoveryManager, DiscoveryOptions, TargetSets, alertmanager_sets};
use tokio::task::JoinHandle;

pub use body::{encode_alerts, format_rfc3339_millis};

use metrics::NotifierMetrics;
use send_loop::{StopMode, Transport};
use set::{AmSet, QueueSettings};

use crate::seams::{Alert, AlertSink};

/// The `User-Agent` of notifications unless the options say otherwise.
pub const DEFAULT_USER_AGENT: &str =
    concat!("Prometheus/3.14.0 klaxon/", env!("CARGO_PKG_VERSION"));

/// Settings from the command line (`--alertmanager.notification-*`), not `prometheus.yml`.
#[derive(Clone)]
pub struct NotifierOptions {
    /// Per Alertmanager (`--alertmanager.notification-queue-capacity`, 10000).
    pub queue_capacity: usize,
    /// Alerts per request (`--alertmanager.notification-batch-size`, 256).
    pub batch_size: usize,
    /// Send what is queued on [`Notifier::stop`]
    /// (`--alertmanager.drain-notification-queue-on-shutdown`, true).
    pub drain_on_shutdown: bool,
    /// Measures request latency (tokio's paused time in tests through `TokioClock`).
    pub clock: SharedClock,
    pub user_agent: String,
    /// The discovery of Alertmanagers (name `notify` in `prometheus_sd_*`).
    pub discovery: DiscoveryOptions,
}

impl Default for NotifierOptions {
    fn default() -> Self {
        NotifierOptions {
            queue_capacity: 10_000,
            batch_size: 256,
            drain_on_shutdown: true,
            clock: Arc::new(SystemClock),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            discovery: DiscoveryOptions::default(),
        }
    }
}

impl fmt::Debug for NotifierOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifierOptions")
            .field("queue_capacity", &self.queue_capacity)
            .field("batch_size", &self.batch_size)
            .field("drain_on_shutdown", &self.drain_on_shutdown)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

/// The alert notifier. Cheap to clone (shared state); implements [`AlertSink`].
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    options: NotifierOptions,
    metrics: NotifierMetrics,
    state: Mutex<State>,
    /// The discovery manager; also held while a config is applied or a discovery update is
    /// processed, so the two never interleave.
    discovery: tokio::sync::Mutex<Option<Discovery>>,
}

struct Discovery {
    manager: DiscoveryManager,
    watcher: JoinHandle<()>,
}

#[derive(Default)]
struct State {
    external_labels: Labels,
    relabel: Vec<RelabelConfig>,
    /// The current sets by discovery set name (`config-<index>`).
    sets: BTreeMap<String, AmSet>,
    /// Sets of earlier configs that keep serving until every current set is synced.
    retiring: Vec<AmSet>,
    /// The discovery state published before the last config was applied: it describes the
    /// old config, so it must not sync the new sets.
    stale: Option<Arc<TargetSets>>,
    /// Loops ended by a reload or a vanished target that are still sending what they held.
    draining: Vec<JoinHandle<()>>,
    stopped: bool,
}

impl fmt::Debug for Notifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notifier").field("options", &self.inner.options).finish_non_exhaustive()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(d) = self.discovery.get_mut().take() {
            d.watcher.abort();
        }
    }
}

impl Notifier {
    pub fn new(options: NotifierOptions) -> Self {
        let metrics = NotifierMetrics::default();
        metrics.queue_capacity.set(i64::try_from(options.queue_capacity).unwrap_or(i64::MAX));
        Notifier {
            inner: Arc::new(Inner {
                options,
                metrics,
                state: Mutex::new(State::default()),
                discovery: tokio::sync::Mutex::new(None),
            }),
        }
    }

    /// Registers the `prometheus_notifications_*` metrics. (The `prometheus_sd_*` metrics
    /// of its discovery are in [`NotifierOptions::discovery`]'s `SdMetrics`, usually shared
    /// with the scrape side and registered once there.)
    pub fn register_metrics(&self, registry: &mut Registry) {
        self.inner.metrics.register(registry);
    }

    /// Applies the `alerting` section and the global external labels (call inside a tokio
    /// runtime). Sets whose config is unchanged keep their targets and queues; changed sets
    /// are served by the old ones until discovery reports them. Errors (an unusable
    /// `http_config`) name the set; nothing is changed then.
    pub async fn apply_config(
        &self,
        cfg: &AlertingConfig,
        external_labels: &Labels,
    ) -> Result<(), String> {
        let inner = &self.inner;
        let mut new_sets = BTreeMap::new();
        for (i, am) in cfg.alertmanagers.iter().enumerate() {
            let client = httpclient::Client::new(&am.http_client, &inner.options.user_agent)
                .map_err(|e| format!("alerting.alertmanagers[{i}]: {e}"))?;
            let transport = Transport {
                client,
                timeout: am.timeout.to_std().unwrap_or_default(),
                metrics: inner.metrics.clone(),
                clock: inner.options.clock.clone(),
            };
            let name = format!("config-{i}");
            new_sets.insert(name.clone(), AmSet::new(name, am.clone(), transport));
        }

        let mut discovery = inner.discovery.lock().await;
        {
            let mut state = inner.state.lock();
            if state.stopped {
                return Ok(());
            }
            state.external_labels = external_labels.clone();
            state.relabel = cfg.alert_relabel_configs.clone();
            let mut old: Vec<AmSet> = std::mem::take(&mut state.sets).into_values().collect();
            for set in new_sets.values_mut() {
                if let Some(prev) = old.iter_mut().find(|o| o.cfg == set.cfg && o.synced) {
                    set.take_over(prev);
                }
            }
            // Old sets whose loops were not taken over serve until the new ones are synced.
            state.retiring.extend(old.into_iter().filter(|o| !o.loops.is_empty()));
            state.sets = new_sets;
        }
        if discovery.is_none() {
            let manager = DiscoveryManager::new("notify", inner.options.discovery.clone());
            let watcher = tokio::spawn(watch(Arc::downgrade(inner), manager.subscribe()));
            *discovery = Some(Discovery { manager, watcher });
        }
        if let Some(d) = discovery.as_ref() {
            let before = d.manager.subscribe().borrow().clone();
            d.manager.apply(alertmanager_sets(&cfg.alertmanagers)).await;
            // Every publish after `apply` returned describes the new config. If nothing was
            // published meanwhile, the current value is the old config's: ignore it. (If
            // something was, it may be either; syncing from it is harmless, since a publish
            // of the new config follows anyway.)
            let after = d.manager.subscribe().borrow().clone();
            let mut state = inner.state.lock();
            state.stale = Arc::ptr_eq(&before, &after).then_some(after);
            inner.retire_if_synced(&mut state);
        }
        Ok(())
    }

    /// Stops accepting alerts, stops discovery and ends every send loop, sending what is
    /// queued first when `drain_on_shutdown` is set. Returns when all loops have ended.
    pub async fn stop(&self) {
        let inner = &self.inner;
        if let Some(d) = inner.discovery.lock().await.take() {
            d.watcher.abort();
        }
        let mode =
            if inner.options.drain_on_shutdown { StopMode::Drain } else { StopMode::Discard };
        let handles = {
            let mut state = inner.state.lock();
            state.stopped = true;
            let mut handles = std::mem::take(&mut state.draining);
            for set in state.sets.values_mut() {
                handles.extend(set.stop(mode));
            }
            for set in &mut state.retiring {
                handles.extend(set.stop(mode));
            }
            state.retiring.clear();
            handles
        };
        for h in handles {
            let _ = h.await;
        }
    }

    /// The URLs alerts are sent to now (`activeAlertmanagers`), deduplicated.
    pub fn alertmanagers(&self) -> Vec<String> {
        let state = self.inner.state.lock();
        let mut out: Vec<String> = Vec::new();
        for set in state.sets.values().chain(state.retiring.iter()) {
            for url in &set.active {
                if !out.contains(url) {
                    out.push(url.clone());
                }
            }
        }
        out
    }

    /// The URLs of discovered Alertmanagers dropped by `relabel_configs`.
    pub fn dropped_alertmanagers(&self) -> Vec<String> {
        let state = self.inner.state.lock();
        state.sets.values().flat_map(|s| s.dropped.iter().cloned()).collect()
    }
}

impl Inner {
    /// Takes a discovery publish: syncs the sets it names, then retires old sets once every
    /// current set is synced.
    fn sync(&self, targets: &Arc<TargetSets>) {
        let mut state = self.state.lock();
        if state.stopped {
            return;
        }
        if state.stale.as_ref().is_some_and(|s| Arc::ptr_eq(s, targets)) {
            return;
        }
        let q = self.queue_settings();
        let mut stopped = Vec::new();
        for (name, set) in state.sets.iter_mut() {
            // A publish without the set predates the config that made it.
            if let Some(groups) = targets.get(name) {
                stopped.extend(set.sync(groups, q));
            }
        }
        state.draining.retain(|h| !h.is_finished());
        state.draining.extend(stopped);
        self.retire_if_synced(&mut state);
    }

    fn queue_settings(&self) -> QueueSettings {
        QueueSettings { capacity: self.options.queue_capacity, batch_size: self.options.batch_size }
    }

    fn retire_if_synced(&self, state: &mut State) {
        let discovered: usize = state.sets.values().map(|s| s.active.len()).sum();
        self.metrics.alertmanagers_discovered.set(i64::try_from(discovered).unwrap_or(i64::MAX));
        if state.retiring.is_empty() || !state.sets.values().all(|s| s.synced) {
            return;
        }
        let mut retiring = std::mem::take(&mut state.retiring);
        for old in &mut retiring {
            for (url, l) in std::mem::take(&mut old.loops) {
                let successor = state.sets.values().find_map(|s| s.loops.get(&url));
                match successor {
                    Some(next) => next.prepend(l.take_queue()),
                    None => state.draining.push(l.stop(StopMode::Drain, true)),
                }
            }
        }
    }

    /// External labels (where absent), then the global `alert_relabel_configs`.
    fn prepare(state: &State, alerts: Vec<Alert>) -> Vec<Alert> {
        if state.external_labels.is_empty() && state.relabel.is_empty() {
            return alerts;
        }
        let mut out = Vec::with_capacity(alerts.len());
        for mut alert in alerts {
            let mut lb = alert.labels.builder();
            for l in state.external_labels.iter() {
                if alert.labels.get_or_empty(l.name).is_empty() {
                    lb.set(l.name, l.value);
                }
            }
            if relabel_builder(&mut lb, &state.relabel) {
                alert.labels = lb.labels();
                out.push(alert);
            }
        }
        out
    }
}

/// Follows the discovery manager's publishes for the notifier's lifetime.
async fn watch(inner: Weak<Inner>, mut rx: tokio::sync::watch::Receiver<Arc<TargetSets>>) {
    while rx.changed().await.is_ok() {
        let Some(inner) = inner.upgrade() else { return };
        // Wait out a config being applied, then read the newest publish.
        let _guard = inner.discovery.lock().await;
        let targets = rx.borrow_and_update().clone();
        inner.sync(&targets);
    }
}

/// What `/api/v1/alertmanagers` shows; implemented by [`Notifier`], a trait so the API can be
/// tested without one.
pub trait AlertmanagersView: Send + Sync {
    /// URLs alerts are sent to.
    fn active(&self) -> Vec<String>;
    /// URLs of discovered Alertmanagers dropped by `relabel_configs`.
    fn dropped(&self) -> Vec<String>;
}

impl AlertmanagersView for Notifier {
    fn active(&self) -> Vec<String> {
        self.alertmanagers()
    }

    fn dropped(&self) -> Vec<String> {
        self.dropped_alertmanagers()
    }
}

impl AlertSink for Notifier {
    fn send(&self, alerts: Vec<Alert>) {
        if alerts.is_empty() {
            return;
        }
        let mut state = self.inner.state.lock();
        if state.stopped {
            return;
        }
        let alerts = Inner::prepare(&state, alerts);
        if alerts.is_empty() {
            return;
        }
        let q = self.inner.queue_settings();
        let state = &mut *state;
        for set in state.sets.values_mut() {
            // A set still served by its predecessor needs not hold alerts until discovered.
            let hold = !state.retiring.iter().any(|r| r.name == set.name);
            set.send(&alerts, hold, q);
        }
        for set in &mut state.retiring {
            set.send(&alerts, false, q);
        }
    }
}
