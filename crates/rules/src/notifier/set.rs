//! One `alerting.alertmanagers` entry: its HTTP client, the Alertmanagers discovered for it
//! and one send loop per distinct URL.

use std::collections::{BTreeMap, VecDeque};

use config::{AlertmanagerConfig, TargetGroup};
use model::relabel::relabel;
use tokio::task::JoinHandle;

use super::send_loop::{SendLoop, StopMode, Transport};
use super::targets::alertmanagers_from_group;
use crate::seams::Alert;

/// Queue settings shared by every loop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueueSettings {
    pub capacity: usize,
    pub batch_size: usize,
}

#[derive(Debug)]
pub(crate) struct AmSet {
    /// The discovery set name (`config-<index>`) of the config that created it.
    pub name: String,
    pub cfg: AlertmanagerConfig,
    transport: Transport,
    /// Active URLs, deduplicated, in discovery order.
    pub active: Vec<String>,
    pub dropped: Vec<String>,
    pub loops: BTreeMap<String, SendLoop>,
    /// Discovery has reported this set since the config was applied (or the set was carried
    /// over unchanged from the previous config).
    pub synced: bool,
    /// Alerts held until the first discovery report, when no earlier set of the same name
    /// serves meanwhile (start-up, a set added by a reload); bounded by the queue capacity.
    pending: VecDeque<Alert>,
}

impl AmSet {
    pub fn new(name: String, cfg: AlertmanagerConfig, transport: Transport) -> Self {
        AmSet {
            name,
            cfg,
            transport,
            active: Vec::new(),
            dropped: Vec::new(),
            loops: BTreeMap::new(),
            synced: false,
            pending: VecDeque::new(),
        }
    }

    /// Takes over `old`'s targets and loops (same config across a reload: nothing is lost
    /// and no connection is dropped).
    pub fn take_over(&mut self, old: &mut AmSet) {
        self.active = std::mem::take(&mut old.active);
        self.dropped = std::mem::take(&mut old.dropped);
        self.loops = std::mem::take(&mut old.loops);
        self.synced = true;
        // Emptied: a second identical set must wait for discovery, not take nothing.
        old.synced = false;
    }

    /// Replaces the targets by those of `groups`; starts loops for new URLs and returns the
    /// handles of loops stopped for URLs that went away (they send what they hold first).
    pub fn sync(&mut self, groups: &[TargetGroup], q: QueueSettings) -> Vec<JoinHandle<()>> {
        let mut active = Vec::new();
        let mut dropped = Vec::new();
        for group in groups {
            match alertmanagers_from_group(group, &self.cfg) {
                Ok(t) => {
                    active.extend(t.active);
                    dropped.extend(t.dropped);
                }
                Err(err) => {
                    tracing::error!(source = %group.source, err = %err, "Creating discovered Alertmanagers failed");
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        active.retain(|u| seen.insert(u.clone()));
        for url in &active {
            if !self.loops.contains_key(url) {
                let l = SendLoop::start(url, q.capacity, q.batch_size, self.transport.clone());
                self.loops.insert(url.clone(), l);
            }
        }
        let gone: Vec<String> = self.loops.keys().filter(|u| !seen.contains(*u)).cloned().collect();
        let mut stopped = Vec::new();
        for url in gone {
            if let Some(l) = self.loops.remove(&url) {
                stopped.push(l.stop(StopMode::Drain, true));
            }
        }
        self.active = active;
        self.dropped = dropped;
        self.synced = true;
        if !self.pending.is_empty() {
            let held: Vec<Alert> = std::mem::take(&mut self.pending).into();
            for l in self.loops.values() {
                l.add(&held);
            }
        }
        stopped
    }

    /// Applies this set's `alert_relabel_configs` and queues the result on every loop; before
    /// the first discovery report, holds it when `hold` (nothing else serves this set).
    pub fn send(&mut self, alerts: &[Alert], hold: bool, q: QueueSettings) {
        let hold = hold && !self.synced;
        if self.loops.is_empty() && !hold {
            return;
        }
        let relabelled;
        let alerts = if self.cfg.alert_relabel_configs.is_empty() {
            alerts
        } else {
            relabelled = relabel_alerts(alerts, &self.cfg.alert_relabel_configs);
            &relabelled[..]
        };
        if alerts.is_empty() {
            return;
        }
        if hold {
            self.pending.extend(alerts.iter().cloned());
            let over = self.pending.len().saturating_sub(q.capacity);
            if over > 0 {
                tracing::warn!(set = %self.name, count = over, "Alertmanagers not discovered yet and too many alerts held, dropping the oldest");
                self.pending.drain(..over);
            }
            return;
        }
        for l in self.loops.values() {
            l.add(alerts);
        }
    }

    /// Stops every loop.
    pub fn stop(&mut self, mode: StopMode) -> Vec<JoinHandle<()>> {
        std::mem::take(&mut self.loops).into_values().map(|l| l.stop(mode, false)).collect()
    }
}

/// `alerts` after `rules`; dropped alerts are left out.
pub(crate) fn relabel_alerts(
    alerts: &[Alert],
    rules: &[model::relabel::RelabelConfig],
) -> Vec<Alert> {
    alerts
        .iter()
        .filter_map(|a| relabel(&a.labels, rules).map(|labels| Alert { labels, ..a.clone() }))
        .collect()
}
