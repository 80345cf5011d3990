//! The rule manager: one task per rule group, evaluating at Prometheus' slots; reload that
//! keeps unchanged groups running and hands alert state to changed ones; stale markers for
//! removed groups; self-metrics; and the [`RulesView`] the API reads.
//!
//! Reload never loses a notification: a changed group's replacement is built from the old
//! group's final state (after its evaluation in progress has finished and sent), and it
//! evaluates the first slot the old group did not (upstream waits for the slot after "now",
//! which skips one evaluation when a reload lands just after a slot came due). Alerts go to
//! the [`AlertSink`] after every evaluation; the sink (the notifier) is not rebuilt by a
//! rules reload, so there is no window without Alertmanagers.
//!
//! ```ignore
//! let manager = RuleManager::new(ManagerOptions { engine, appendable, sink, clock, ..opts });
//! manager.register_metrics(&mut registry);
//! manager.update(cfg.global.evaluation_interval, cfg.global.rule_query_offset, files).await;
//! // on reload: manager.update_with_labels(..., new_external_labels, files) (or update, which
//! // keeps the current external labels); on shutdown: manager.stop().await
//! ```

mod local;
mod managed;
mod runner;
pub mod schedule;
pub mod view;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use model::duration::Duration as PromDuration;
use model::labels::Labels;
use model::storage::{Appendable, Storage};
use model::time::SharedClock;
use parking_lot::RwLock;
use prometheus_client::registry::Registry;
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;

use crate::file::{GroupSpec, RuleFile, RuleSpec};
use crate::group::EvalContext;
use crate::metrics::{GroupLabel, RuleMetrics};
use crate::restore::RestoreOptions;
use crate::seams::{AlertSink, QueryEngine};
use runner::{GroupShared, NO_SLOT, RunContext, now_ns};

pub use local::LocalGroups;
pub use managed::{GroupFactory, GroupSettings, ManagedGroup};
pub use view::{
    AlertState, AlertStatus, AlertingStatus, GroupStatus, RuleHealth, RuleKind, RuleState,
    RuleStatus, RulesView,
};

/// `--rules.alert.resend-delay` default.
pub const DEFAULT_RESEND_DELAY: Duration = Duration::from_secs(60);
/// `--rules.alert.for-outage-tolerance` default.
pub const DEFAULT_OUTAGE_TOLERANCE: Duration = Duration::from_secs(3600);
/// `--rules.alert.for-grace-period` default.
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(600);

/// What the manager and its groups work with.
#[derive(Clone)]
pub struct ManagerOptions {
    /// Where rule expressions are evaluated (local TSDB or a remote datasource).
    pub engine: Arc<dyn QueryEngine>,
    /// Where recording results, `ALERTS` and stale markers are written.
    pub appendable: Arc<dyn Appendable>,
    /// Where `ALERTS_FOR_STATE` is read back at start-up to restore `for` state (the local
    /// TSDB); `None` restores nothing.
    pub storage: Option<Arc<dyn Storage>>,
    /// Where alerts go after each evaluation.
    pub sink: Arc<dyn AlertSink>,
    pub clock: SharedClock,
    /// `$externalLabels` in templates, until an update brings others
    /// ([`RuleManager::update_with_labels`]).
    pub external_labels: Labels,
    /// `--web.external-url`: `$externalURL` and generator URLs.
    pub external_url: String,
    pub resend_delay: Duration,
    pub outage_tolerance: Duration,
    pub grace_period: Duration,
}

impl std::fmt::Debug for ManagerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagerOptions")
            .field("external_labels", &self.external_labels)
            .field("external_url", &self.external_url)
            .field("resend_delay", &self.resend_delay)
            .field("outage_tolerance", &self.outage_tolerance)
            .field("grace_period", &self.grace_period)
            .finish_non_exhaustive()
    }
}

/// A group key: (file, name); names need only be unique within a file.
type Key = (String, String);

/// A group's running task.
struct Running {
    spec: GroupSpec,
    settings: GroupSettings,
    stop: watch::Sender<bool>,
    task: JoinHandle<Box<dyn ManagedGroup>>,
    shared: Arc<GroupShared>,
}

#[derive(Default)]
struct State {
    groups: HashMap<Key, Running>,
    /// `global.external_labels` of the last update (`$externalLabels` of new groups).
    external_labels: Labels,
    /// Set by the first successful update: only that load's groups restore `for` state.
    loaded: bool,
    stopped: bool,
    /// Removed groups waiting to write their stale markers.
    cleanups: Vec<JoinHandle<()>>,
}

/// Schedules and reloads rule groups. Cheap to clone (a handle).
#[derive(Clone)]
pub struct RuleManager {
    inner: Arc<Inner>,
}

struct Inner {
    factory: Arc<dyn GroupFactory>,
    appendable: Arc<dyn Appendable>,
    sink: Arc<dyn AlertSink>,
    clock: SharedClock,
    resend_delay: Duration,
    metrics: RuleMetrics,
    state: Mutex<State>,
    /// What the API reads, by (file, name) so it lists in upstream's order.
    view: RwLock<BTreeMap<Key, Arc<GroupShared>>>,
    /// Set on stop: removed groups' pending stale markers are not written then.
    done: watch::Sender<bool>,
}

impl std::fmt::Debug for RuleManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleManager").field("groups", &self.inner.view.read().len()).finish()
    }
}

impl RuleManager {
    /// A manager evaluating real [`crate::group::Group`]s with `opts`.
    pub fn new(opts: ManagerOptions) -> Self {
        let factory = LocalGroups {
            ctx: EvalContext::new(opts.engine.clone(), opts.appendable.clone()),
            storage: opts.storage.clone(),
            external_url: opts.external_url.clone(),
            restore: RestoreOptions {
                outage_tolerance: opts.outage_tolerance,
                grace_period: opts.grace_period,
            },
        };
        RuleManager::with_factory(&opts, Arc::new(factory))
    }

    /// A manager building groups with `factory` (tests script their groups this way).
    pub fn with_factory(opts: &ManagerOptions, factory: Arc<dyn GroupFactory>) -> Self {
        RuleManager {
            inner: Arc::new(Inner {
                factory,
                appendable: opts.appendable.clone(),
                sink: opts.sink.clone(),
                clock: opts.clock.clone(),
                resend_delay: opts.resend_delay,
                metrics: RuleMetrics::default(),
                state: Mutex::new(State {
                    external_labels: opts.external_labels.clone(),
                    ..State::default()
                }),
                view: RwLock::new(BTreeMap::new()),
                done: watch::Sender::new(false),
            }),
        }
    }

    /// The manager's metrics handles.
    pub fn metrics(&self) -> &RuleMetrics {
        &self.inner.metrics
    }

    /// Registers the `prometheus_rule_*` metrics.
    pub fn register_metrics(&self, registry: &mut Registry) {
        self.inner.metrics.register_metrics(registry);
    }

    /// How many groups are loaded.
    pub fn group_count(&self) -> usize {
        self.inner.view.read().len()
    }

    /// Applies a (re)loaded rule set: unchanged groups keep running untouched, changed ones
    /// are replaced by a group carrying their state, new ones start at their next slot,
    /// removed ones stop and, two intervals later, mark their series stale. The files were
    /// validated by the loader, so this cannot fail; after [`RuleManager::stop`] it does
    /// nothing. The external labels stay those of the last update (or the options').
    pub async fn update(
        &self,
        default_interval: PromDuration,
        default_query_offset: PromDuration,
        files: Vec<RuleFile>,
    ) {
        let external_labels = self.inner.state.lock().await.external_labels.clone();
        self.update_with_labels(default_interval, default_query_offset, external_labels, files)
            .await;
    }

    /// [`RuleManager::update`] with the reloaded `global.external_labels`: when they change,
    /// every group counts as changed (upstream keeps the old `$externalLabels` in groups
    /// whose rules did not change), so each is replaced by one carrying its alert state and
    /// its templates see the new labels from the next evaluation on.
    pub async fn update_with_labels(
        &self,
        default_interval: PromDuration,
        default_query_offset: PromDuration,
        external_labels: Labels,
        files: Vec<RuleFile>,
    ) {
        let inner = &self.inner;
        let mut state = inner.state.lock().await;
        if state.stopped {
            return;
        }
        let restore = !state.loaded;
        state.loaded = true;
        state.external_labels = external_labels.clone();

        // A file listed twice (overlapping globs) loads once: the last listing wins, as
        // upstream's map of groups keeps the last.
        let mut wanted: Vec<(Key, GroupSpec, GroupSettings)> = Vec::new();
        let mut index: HashMap<Key, usize> = HashMap::new();
        for file in files {
            for spec in file.groups {
                let settings = GroupSettings {
                    file: file.file.clone(),
                    interval: resolve(spec.interval, default_interval),
                    query_offset: resolve(spec.query_offset, default_query_offset),
                    restore,
                    external_labels: external_labels.clone(),
                };
                let key = (file.file.clone(), spec.name.clone());
                match index.get(&key) {
                    Some(&i) => wanted[i] = (key, spec, settings),
                    None => {
                        index.insert(key.clone(), wanted.len());
                        wanted.push((key, spec, settings));
                    }
                }
            }
        }

        let mut old = std::mem::take(&mut state.groups);
        let mut next: HashMap<Key, Running> = HashMap::new();
        let mut replaced: Vec<(GroupSpec, GroupSettings, Option<Running>)> = Vec::new();
        for (key, spec, settings) in wanted {
            match old.remove(&key) {
                Some(r) if same_group(&r.spec, &r.settings, &spec, &settings) => {
                    next.insert(key, r);
                }
                previous => {
                    if let Some(r) = &previous {
                        let _ = r.stop.send(true);
                    }
                    replaced.push((spec, settings, previous));
                }
            }
        }
        // Whatever is left was removed: stop all of them at once, then wait.
        for r in old.values() {
            let _ = r.stop.send(true);
        }

        for (spec, settings, previous) in replaced {
            let key = (settings.file.clone(), spec.name.clone());
            let mut group = inner.factory.build(&spec, &settings);
            let label = RuleMetrics::group_label(&settings.file, &spec.name);
            let mut after_slot = NO_SLOT;
            if let Some(prev) = previous {
                match prev.task.await {
                    Ok(old_group) => group.copy_state_from(old_group.as_ref()),
                    Err(e) => {
                        tracing::error!(file = %settings.file, group = %spec.name, err = %e, "rule group task failed; its alert state is lost")
                    }
                }
                after_slot = prev.shared.last_slot_ns.load(Ordering::Acquire);
            }
            let running = inner.start(group, spec, settings, label, after_slot);
            next.insert(key, running);
        }

        for (key, r) in old {
            let finished = r.task.await;
            // After the task is done, so its last iteration cannot bring the series back.
            inner.metrics.remove_group(&RuleMetrics::group_label(&key.0, &key.1));
            let stopped_at_ms = schedule::ns_to_ms(now_ns(&inner.clock));
            match finished {
                Ok(group) => {
                    let cleanup = inner.mark_stale_later(group, stopped_at_ms, r.settings.interval);
                    state.cleanups.push(cleanup);
                }
                Err(e) => {
                    tracing::error!(file = %key.0, group = %key.1, err = %e, "rule group task failed")
                }
            }
        }
        state.cleanups.retain(|t| !t.is_finished());

        {
            let mut view = inner.view.write();
            *view = next.iter().map(|(k, r)| (k.clone(), r.shared.clone())).collect();
        }
        state.groups = next;
        tracing::debug!(groups = state.groups.len(), "rule manager updated");
    }

    /// Stops every group (evaluations in progress finish first); pending stale markers of
    /// removed groups are not written, as upstream on shutdown.
    pub async fn stop(&self) {
        let inner = &self.inner;
        let mut state = inner.state.lock().await;
        state.stopped = true;
        for r in state.groups.values() {
            let _ = r.stop.send(true);
        }
        for (_, r) in state.groups.drain() {
            let _ = r.task.await;
        }
        let _ = inner.done.send(true);
        for t in state.cleanups.drain(..) {
            let _ = t.await;
        }
    }
}

impl Inner {
    /// Starts a group's task; `after_slot_ns` is the last slot its predecessor evaluated.
    fn start(
        &self,
        group: Box<dyn ManagedGroup>,
        spec: GroupSpec,
        settings: GroupSettings,
        label: GroupLabel,
        after_slot_ns: i64,
    ) -> Running {
        let interval = settings.interval.max(Duration::from_millis(1));
        let interval_ns = i64::try_from(interval.as_nanos()).unwrap_or(i64::MAX);
        self.metrics.add_group(&label, interval.as_secs_f64(), spec.rules.len());
        let offset = schedule::offset_ns(&settings.file, &spec.name, interval_ns);
        let now = now_ns(&self.clock);
        let current = schedule::slot_at_or_before(now, offset, interval_ns);
        // A new group waits for the next slot, as upstream. A replacement evaluates the slot
        // its predecessor did not reach right away, so a reload never skips an evaluation.
        let first_slot_ns = if after_slot_ns != NO_SLOT && current > after_slot_ns {
            current
        } else {
            current.saturating_add(interval_ns)
        };
        let shared = Arc::new(GroupShared {
            status: RwLock::new(GroupStatus {
                name: spec.name.clone(),
                file: settings.file.clone(),
                interval,
                limit: spec.limit,
                evaluation_time: Duration::ZERO,
                last_evaluation: None,
                rules: group.rules(),
            }),
            last_slot_ns: AtomicI64::new(after_slot_ns),
        });
        let (stop, stop_rx) = watch::channel(false);
        let ctx = RunContext {
            clock: self.clock.clone(),
            sink: self.sink.clone(),
            resend_delay: self.resend_delay,
            metrics: self.metrics.clone(),
            label,
            shared: shared.clone(),
            interval,
            first_slot_ns,
            restore: settings.restore,
            stop: stop_rx,
        };
        let task = tokio::spawn(runner::run(group, ctx));
        Running { spec, settings, stop, task, shared }
    }

    /// Two intervals after a group was removed (time for a renamed rule to take its series
    /// over), writes stale markers for what it wrote last, stamped at the removal time minus
    /// the query offset; skipped if the manager stops first.
    fn mark_stale_later(
        &self,
        group: Box<dyn ManagedGroup>,
        stopped_at_ms: i64,
        interval: Duration,
    ) -> JoinHandle<()> {
        let appendable = self.appendable.clone();
        let mut done = self.done.subscribe();
        tokio::spawn(async move {
            tokio::select! {
                biased;
                _ = done.wait_for(|d| *d) => return,
                () = tokio::time::sleep(interval.saturating_mul(2)) => {}
            }
            group.mark_stale(stopped_at_ms, appendable.as_ref());
        })
    }
}

impl RulesView for RuleManager {
    fn rule_groups(&self) -> Vec<GroupStatus> {
        self.inner.view.read().values().map(|g| g.status.read().clone()).collect()
    }
}

/// A group's own setting, else the global default.
fn resolve(own: Option<PromDuration>, default: PromDuration) -> Duration {
    own.unwrap_or(default).to_std().unwrap_or(Duration::ZERO)
}

/// Upstream's `Group.Equals`: same name, file, interval, limit, query offset, and rules that
/// print the same (expression as printed, `for`, `keep_firing_for`, labels with the group's
/// merged in, annotations); positions in the file do not matter. Unlike upstream, the
/// external labels count too, so `$externalLabels` follows a reload.
fn same_group(a: &GroupSpec, sa: &GroupSettings, b: &GroupSpec, sb: &GroupSettings) -> bool {
    a.name == b.name
        && sa.file == sb.file
        && sa.external_labels == sb.external_labels
        && sa.interval == sb.interval
        && a.limit == b.limit
        && sa.query_offset == sb.query_offset
        && a.rules.len() == b.rules.len()
        && a.rules.iter().zip(&b.rules).all(|(ra, rb)| same_rule(ra, a, rb, b))
}

fn same_rule(a: &RuleSpec, ga: &GroupSpec, b: &RuleSpec, gb: &GroupSpec) -> bool {
    a.record == b.record
        && a.alert == b.alert
        && a.for_ == b.for_
        && a.keep_firing_for == b.keep_firing_for
        && a.annotations == b.annotations
        && a.merged_labels(ga) == b.merged_labels(gb)
        && (a.expr.text == b.expr.text || a.expr.expr.to_string() == b.expr.expr.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::parse_str;

    fn spec(text: &str) -> (GroupSpec, GroupSettings) {
        let file = parse_str(text, "f.yml").unwrap_or_else(|e| panic!("{e:?}"));
        let g = file.groups.into_iter().next().unwrap_or_else(|| panic!("no group"));
        let settings = GroupSettings {
            file: "f.yml".into(),
            interval: resolve(g.interval, PromDuration::from_secs(60)),
            query_offset: resolve(g.query_offset, PromDuration::from_secs(0)),
            restore: false,
            external_labels: Labels::empty(),
        };
        (g, settings)
    }

    const BASE: &str = "groups:
  - name: g
    labels:
      team: db
    rules:
      - alert: A
        expr: up == 0
        for: 5m
        labels:
          severity: page
        annotations:
          summary: down
";

    fn same(a: &str, b: &str) -> bool {
        let (ga, sa) = spec(a);
        let (gb, sb) = spec(b);
        same_group(&ga, &sa, &gb, &sb)
    }

    #[test]
    fn layout_and_expression_spacing_do_not_make_a_group_differ() {
        assert!(same(BASE, &format!("# comment\n\n{BASE}")));
        assert!(same(BASE, &BASE.replace("up == 0", "up==0")));
        // Group labels merged into the rule are what counts, not where they are written.
        let moved = BASE
            .replace("labels: {team: db}\n", "")
            .replace("labels: {severity: page}", "labels: {severity: page, team: db}");
        assert!(same(BASE, &moved));
    }

    #[test]
    fn any_setting_or_rule_change_makes_a_group_differ() {
        for changed in [
            BASE.replace("for: 5m", "for: 6m"),
            BASE.replace("up == 0", "up == 1"),
            BASE.replace("team: db", "team: web"),
            BASE.replace("summary: down", "summary: gone"),
            BASE.replace("name: g\n", "name: g\n    interval: 30s\n"),
            BASE.replace("name: g\n", "name: g\n    limit: 5\n"),
            BASE.replace("name: g\n", "name: g\n    query_offset: 1m\n"),
            BASE.replace("name: g\n", "name: g\n    interval: 1m\n").replace("up == 0", "up"),
        ] {
            assert!(!same(BASE, &changed), "{changed}");
        }
        // An explicit interval equal to the default is the same group.
        assert!(same(BASE, &BASE.replace("name: g\n", "name: g\n    interval: 1m\n")));
    }
}
