//! The dispatcher: sorts alerts into aggregation groups and flushes each group on its timers
//! (spec §3.4–3.6).
//!
//! * Every alert from the store's subscription is routed ([`Router`]); for each leaf route it
//!   joins the group keyed by (route, group labels), created on first use.
//! * A new group flushes after `group_wait` (at once when its first alert started more than
//!   `group_wait` ago), then every `group_interval` while it has alerts. The next tick is armed
//!   before a flush runs; flushes of one group never overlap (a tick during a flush runs right
//!   after it).
//! * A flush first renders the route's `labels:` (templates) against the alerts it presents,
//!   as upstream does; the notifications carry the rendered values.
//! * A flush hands the group's alerts to the [`Pipeline`]; when that succeeds the resolved
//!   alerts it presented are dropped, and a group left empty is destroyed (the next alert for
//!   it creates a new group, with `group_wait` again). Maintenance forgets destroyed groups.
//! * `--dispatch.start-delay`: nothing flushes before [`DispatchOptions::start_at`]; then
//!   every group whose timer has passed flushes at once.
//!
//! # Scheduling
//!
//! Groups are not tasks. One scheduler task owns a min-heap of `(deadline, group, generation)`
//! and sleeps until the earliest deadline; due groups get their next deadline pushed and a
//! short-lived flush task spawned. A stale heap entry (its group re-armed or destroyed since)
//! is recognised by its generation and skipped, so re-arming never searches the heap. 100k
//! idle groups cost 100k heap entries and no tasks.
//!
//! # Flush deadline
//!
//! Upstream gives a flush `max(group_interval, 10s)` (plus the cluster wait) and uses it as
//! the notification timeout too, so a slow receiver on a short `group_interval` is cut off.
//! klaxon keeps that default and lets [`DispatchOptions::notify_timeout`] set the deadline on
//! its own.

mod group;
mod routes;
mod scheduler;

pub use group::{alert_order, group_key, group_labels, label_set_order};
pub use routes::RouteTable;

use crate::alert::Alert;
use crate::metrics::Metrics;
use crate::notify::Pipeline;
use model::labels::Labels;
use model::matcher::Matchers;
use model::time::SharedClock;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

/// What the dispatcher needs to know about a leaf route.
#[derive(Debug, Clone, Default)]
pub struct RouteInfo {
    /// Unique per route of the tree (indexes the group table).
    pub index: usize,
    /// The route's id (upstream's `Route.ID()`).
    pub id: String,
    /// The route's key (upstream's `Route.Key()`), the prefix of group keys.
    pub key: String,
    /// The receiver's name.
    pub receiver: String,
    /// `group_by: ['...']`.
    pub group_by_all: bool,
    /// The `group_by` label names.
    pub group_by: Vec<String>,
    /// `group_wait`.
    pub group_wait: Duration,
    /// `group_interval`.
    pub group_interval: Duration,
    /// `repeat_interval`.
    pub repeat_interval: Duration,
    /// `mute_time_intervals`.
    pub mute_time_intervals: Vec<String>,
    /// `active_time_intervals`.
    pub active_time_intervals: Vec<String>,
    /// The route's `labels:` (for the API's `routeLabels` and the templates).
    pub labels: BTreeMap<String, String>,
}

/// Routes an alert to its leaf routes.
pub trait Router: Send + Sync + fmt::Debug {
    /// The leaf routes `labels` match, in tree order.
    fn routes(&self, labels: &Labels) -> Vec<Arc<RouteInfo>>;
}

/// Routes everything to one route (tests, benches, single-route setups).
#[derive(Debug, Clone)]
pub struct SingleRoute(pub Arc<RouteInfo>);

impl Router for SingleRoute {
    fn routes(&self, _: &Labels) -> Vec<Arc<RouteInfo>> {
        vec![self.0.clone()]
    }
}

/// A flat list of routes, each with its matchers; an alert goes to every route it matches
/// (as sibling routes with `continue: true`), or to `fallback` when it matches none.
#[derive(Debug, Clone)]
pub struct RouteList {
    /// The routes and what they match.
    pub routes: Vec<(Matchers, Arc<RouteInfo>)>,
    /// Where unmatched alerts go.
    pub fallback: Arc<RouteInfo>,
}

impl Router for RouteList {
    fn routes(&self, labels: &Labels) -> Vec<Arc<RouteInfo>> {
        let out: Vec<_> = self
            .routes
            .iter()
            .filter(|(m, _)| m.matches_labels(labels))
            .map(|(_, r)| r.clone())
            .collect();
        if out.is_empty() { vec![self.fallback.clone()] } else { out }
    }
}

/// How the dispatcher runs.
#[derive(Clone)]
pub struct DispatchOptions {
    /// `--dispatch.maintenance-interval` (30s): how often destroyed groups are forgotten.
    pub maintenance_interval: Duration,
    /// Process start + `--dispatch.start-delay`: no flush before it. A reload passes the same
    /// instant again (so the delay is not served twice).
    pub start_at: Instant,
    /// The flush deadline; `None` = upstream's `max(group_interval, 10s)`. The cluster wait is
    /// added either way.
    pub notify_timeout: Option<Duration>,
    /// Wall time ("now" of flushes and of the old-alert rule).
    pub clock: SharedClock,
    /// Metrics (`alertmanager_dispatcher_*`).
    pub metrics: Arc<Metrics>,
}

impl fmt::Debug for DispatchOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DispatchOptions")
            .field("maintenance_interval", &self.maintenance_interval)
            .field("start_at", &self.start_at)
            .field("notify_timeout", &self.notify_timeout)
            .finish_non_exhaustive()
    }
}

/// The smallest flush deadline upstream allows.
pub const MIN_TIMEOUT: Duration = Duration::from_secs(10);

impl DispatchOptions {
    /// Defaults (30s maintenance, no start delay, upstream deadline) on `clock`.
    pub fn new(clock: SharedClock, metrics: Arc<Metrics>) -> DispatchOptions {
        DispatchOptions {
            maintenance_interval: Duration::from_secs(30),
            start_at: Instant::now(),
            notify_timeout: None,
            clock,
            metrics,
        }
    }

    /// The deadline of a flush of a group with `group_interval`, before the cluster wait.
    pub fn flush_timeout(&self, group_interval: Duration) -> Duration {
        self.notify_timeout.unwrap_or(group_interval.max(MIN_TIMEOUT))
    }
}

/// One aggregation group as the API shows it.
#[derive(Debug, Clone)]
pub struct GroupSnapshot {
    /// The group labels.
    pub labels: Labels,
    /// `<route key>:<labels>`.
    pub group_key: String,
    /// The route (receiver, `labels:` for `routeLabels`, id for `mutedBy`).
    pub route: Arc<RouteInfo>,
    /// The group's alerts as stored (resolved ones included until flushed), in flush order.
    pub alerts: Vec<Arc<Alert>>,
    /// The route's `labels:` rendered against [`GroupSnapshot::alerts`] (the API's
    /// `routeLabels`, as upstream renders them for `/api/v2/alerts/groups`).
    pub route_labels: BTreeMap<String, String>,
}

/// The running dispatcher of one config. Dropping it stops it (see [`Dispatcher::stop`]).
pub struct Dispatcher {
    shared: Arc<scheduler::Shared>,
}

impl fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dispatcher").finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// Starts dispatching `alerts` (the store's subscription: every stored alert, then every
    /// change). The alerts already queued in the channel are grouped before this returns, so
    /// [`Dispatcher::groups`] sees them at once. Needs a tokio runtime.
    pub fn start<T: Into<Arc<Alert>> + Send + 'static>(
        router: Arc<dyn Router>,
        alerts: UnboundedReceiver<T>,
        pipeline: Arc<Pipeline>,
        opts: DispatchOptions,
    ) -> Dispatcher {
        Dispatcher { shared: scheduler::Shared::start(router, alerts, pipeline, opts) }
    }

    /// Stops every timer and task; flushes in flight are abandoned (their notifications are
    /// cancelled, as upstream's are). Idempotent.
    pub fn stop(&self) {
        self.shared.stop();
    }

    /// The groups with at least one alert, sorted by labels (fewer first) then receiver.
    pub fn groups(&self) -> Vec<GroupSnapshot> {
        self.shared.groups()
    }

    /// How many groups exist (destroyed ones included until maintenance forgets them).
    pub fn group_count(&self) -> usize {
        self.shared.group_count()
    }

    /// Routes one alert now, as if it came from the subscription (tests, benches).
    pub fn ingest(&self, alert: impl Into<Arc<Alert>>) {
        self.shared.ingest(alert.into());
    }

    /// When the group with this key flushes next (`None`: unknown group, or no timer).
    pub fn next_flush(&self, group_key: &str) -> Option<Instant> {
        self.shared.next_flush(group_key)
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        // A dispatcher nobody can reach any more must not keep notifying.
        self.shared.stop();
    }
}
