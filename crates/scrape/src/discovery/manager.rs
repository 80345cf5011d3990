//! The discovery manager: runs the providers of every set (job or Alertmanager set), merges
//! their groups per set and publishes the whole state, throttled.
//!
//! A task owns all state; [`DiscoveryManager`] talks to it over a channel. Providers are keyed
//! by their config: the same config in two sets runs once, and a reload that keeps a config
//! keeps its provider (and the groups it found) running. Publishing is throttled to one update
//! per `update_interval`; unlike upstream, which sends only on a 5 s tick, the first update
//! after a quiet period goes out at once, and after an `apply` the manager waits (at most
//! `update_interval`) for every new provider's first answer, so a changed config does not
//! briefly publish a set without the targets its new provider is about to report.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::metrics::{ManagerLabels, SetLabels};
use super::{DiscoveryOptions, GroupSender, SdConfig, TargetGroup, provider_for};

/// Per set name, every group its providers currently report (no empty groups). This is the
/// full state, not a delta: a target no longer in it is gone.
pub type TargetSets = HashMap<String, Vec<TargetGroup>>;

enum Command {
    Apply(HashMap<String, Vec<SdConfig>>, oneshot::Sender<()>),
}

/// Handle to the discovery task; dropping it stops the task and every provider.
#[derive(Debug)]
pub struct DiscoveryManager {
    commands: mpsc::UnboundedSender<Command>,
    targets: watch::Receiver<Arc<TargetSets>>,
    metrics: super::SdMetrics,
    _task: AbortOnDrop,
}

impl DiscoveryManager {
    /// Starts the manager's task (call inside a tokio runtime). `name` is the `name` label of
    /// its metrics: `scrape` or `notify` as upstream.
    pub fn new(name: &str, options: DiscoveryOptions) -> Self {
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (targets_tx, targets) = watch::channel(Arc::new(TargetSets::new()));
        let metrics = options.metrics.clone();
        let (updates_tx, updates_rx) = mpsc::unbounded_channel();
        let state = State {
            name: name.to_owned(),
            options,
            updates_tx,
            providers: HashMap::new(),
            sets: BTreeMap::new(),
            next_id: 0,
            dirty: false,
            last_publish: None,
            awaiting_first: HashSet::new(),
            applied_at: None,
            published_sets: HashSet::new(),
        };
        let task = tokio::spawn(state.run(command_rx, updates_rx, targets_tx));
        DiscoveryManager { commands, targets, metrics, _task: AbortOnDrop(task) }
    }

    /// Replaces the configuration: `sets` maps each set name (a `job_name`, or an Alertmanager
    /// set) to its SD configs. Providers whose config is unchanged keep running; the others are
    /// stopped or started. Returns once the providers are started.
    pub async fn apply(&self, sets: HashMap<String, Vec<SdConfig>>) {
        let (ack, done) = oneshot::channel();
        if self.commands.send(Command::Apply(sets, ack)).is_ok() {
            // An error means the task is gone (runtime shutting down): nothing to wait for.
            let _ = done.await;
        }
    }

    /// The published target groups; `changed()` fires on every (throttled) update.
    pub fn subscribe(&self) -> watch::Receiver<Arc<TargetSets>> {
        self.targets.clone()
    }

    /// Registers the `prometheus_sd_*` metrics (once per [`super::SdMetrics`], however many
    /// managers share it).
    pub fn register_metrics(&self, registry: &mut prometheus_client::registry::Registry) {
        self.metrics.register_metrics(registry);
    }
}

/// Aborts a task when dropped, so dropping the manager (or a provider entry) stops its work.
#[derive(Debug)]
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

struct ProviderEntry {
    id: u64,
    config: SdConfig,
    /// Current groups by source.
    groups: BTreeMap<String, TargetGroup>,
    _task: AbortOnDrop,
}

struct State {
    name: String,
    options: DiscoveryOptions,
    updates_tx: mpsc::UnboundedSender<(u64, Vec<TargetGroup>)>,
    providers: HashMap<u64, ProviderEntry>,
    /// Set name → the ids of its providers, in config order.
    sets: BTreeMap<String, Vec<u64>>,
    next_id: u64,
    /// Something changed since the last publish.
    dirty: bool,
    last_publish: Option<Instant>,
    /// Providers started by the last `apply` that have not reported yet.
    awaiting_first: HashSet<u64>,
    applied_at: Option<Instant>,
    /// Set names of the last publish, to zero their gauges when they go.
    published_sets: HashSet<String>,
}

impl State {
    async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut updates: mpsc::UnboundedReceiver<(u64, Vec<TargetGroup>)>,
        targets: watch::Sender<Arc<TargetSets>>,
    ) {
        loop {
            let due = self.publish_due();
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    Some(Command::Apply(sets, ack)) => {
                        self.apply(sets);
                        let _ = ack.send(());
                    }
                    // The handle was dropped.
                    None => return,
                },
                Some((id, groups)) = updates.recv() => self.update(id, groups),
                _ = sleep_until_opt(due) => {
                    let sets = self.collect();
                    targets.send_replace(Arc::new(sets));
                    self.dirty = false;
                    self.last_publish = Some(Instant::now());
                    self.options.metrics.updates.get_or_create(&self.labels()).inc();
                }
            }
        }
    }

    fn labels(&self) -> ManagerLabels {
        ManagerLabels { name: self.name.clone() }
    }

    fn apply(&mut self, sets: HashMap<String, Vec<SdConfig>>) {
        let mut old = std::mem::take(&mut self.providers);
        let mut new_sets = BTreeMap::new();
        self.awaiting_first.clear();
        for (set, configs) in sets {
            let mut ids = Vec::new();
            for config in configs {
                let running = self.providers.values().find(|p| p.config == config).map(|p| p.id);
                let kept = || old.values().find(|p| p.config == config).map(|p| p.id);
                let id = match running.or_else(kept) {
                    Some(id) => {
                        if let Some(entry) = old.remove(&id) {
                            self.providers.insert(id, entry);
                        }
                        id
                    }
                    None => self.start(config),
                };
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            new_sets.insert(set, ids);
        }
        // What is left in `old` is no longer configured: dropping it aborts those tasks.
        drop(old);
        self.sets = new_sets;
        self.applied_at = Some(Instant::now());
        self.dirty = true;
    }

    fn start(&mut self, config: SdConfig) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let provider = provider_for(&config, &self.options);
        let out = GroupSender { id, tx: self.updates_tx.clone() };
        let task = tokio::spawn(provider.run(out));
        self.providers.insert(
            id,
            ProviderEntry { id, config, groups: BTreeMap::new(), _task: AbortOnDrop(task) },
        );
        self.awaiting_first.insert(id);
        id
    }

    fn update(&mut self, id: u64, groups: Vec<TargetGroup>) {
        // Late updates of a provider stopped by a reload find no entry.
        let labels = self.labels();
        let Some(entry) = self.providers.get_mut(&id) else { return };
        self.options.metrics.received_updates.get_or_create(&labels).inc();
        for group in groups {
            if group.targets.is_empty() {
                entry.groups.remove(&group.source);
            } else {
                entry.groups.insert(group.source.clone(), group);
            }
        }
        self.awaiting_first.remove(&id);
        self.dirty = true;
    }

    /// When the next publish may happen, if one is pending.
    fn publish_due(&self) -> Option<Instant> {
        if !self.dirty {
            return None;
        }
        let interval = self.options.update_interval;
        let mut due = self.last_publish.map(|t| t + interval);
        if let Some(applied) = self.applied_at
            && !self.awaiting_first.is_empty()
        {
            let wait = applied + interval;
            due = Some(due.map_or(wait, |d| d.max(wait)));
        }
        Some(due.unwrap_or_else(Instant::now))
    }

    fn collect(&mut self) -> TargetSets {
        let mut out = TargetSets::with_capacity(self.sets.len());
        for (set, ids) in &self.sets {
            let groups: Vec<TargetGroup> = ids
                .iter()
                .filter_map(|id| self.providers.get(id))
                .flat_map(|p| p.groups.values().cloned())
                .collect();
            let count: usize = groups.iter().map(|g| g.targets.len()).sum();
            self.options
                .metrics
                .discovered_targets
                .get_or_create(&SetLabels { name: self.name.clone(), config: set.clone() })
                .set(i64::try_from(count).unwrap_or(i64::MAX));
            out.insert(set.clone(), groups);
        }
        for gone in self.published_sets.iter().filter(|s| !self.sets.contains_key(*s)) {
            self.options
                .metrics
                .discovered_targets
                .remove(&SetLabels { name: self.name.clone(), config: gone.clone() });
        }
        self.published_sets = self.sets.keys().cloned().collect();
        out
    }
}

async fn sleep_until_opt(due: Option<Instant>) {
    match due {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
