//! The group table and the one task that drives every group's timer.

use super::group::{Group, group_labels, label_set_order, present};
use super::{DispatchOptions, GroupSnapshot, Router};
use crate::alert::{Alert, NumMap, from_system_time};
use crate::notify::{Flush, Pipeline};
use crate::template_data::render_route_labels;
use model::labels::Fingerprint;
use parking_lot::Mutex;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc::UnboundedReceiver, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

type GroupId = u64;

/// Flushes notifying at once. Upstream starts every due group together; 100k groups ticking
/// in the same second then crowd out the API (and hold 100k notifications in memory). The
/// others wait their turn as a group id in [`Table::waiting`] (no task, no copy of their
/// alerts), and take their alerts and deadline when they start.
const MAX_CONCURRENT_FLUSHES: usize = 128;

/// Due timers handled per hold of the table lock, so that a mass tick does not keep ingest
/// and the API's group listing waiting.
const DUE_PER_LOCK: usize = 1024;

/// Alerts taken from the subscription per hold of the table lock.
const INGEST_BATCH: usize = 1024;

/// Everything under the one lock.
#[derive(Debug, Default)]
struct Table {
    groups: NumMap<GroupId, Group>,
    /// (route index, group-label fingerprint) → the live group.
    index: NumMap<(usize, Fingerprint), GroupId>,
    /// Armed timers: (deadline, group, generation).
    timers: BinaryHeap<Reverse<(Instant, GroupId, u64)>>,
    next_id: GroupId,
    /// Alert fingerprint → the groups it was put into: a re-posted alert goes straight back to
    /// them, without routing it or computing its group labels again. Dropped when the alert
    /// leaves one of them (so a destroyed group is never looked up here).
    routed: NumMap<Fingerprint, Box<[GroupId]>>,
    /// Due groups waiting for a flush slot (marked `flushing`), oldest first.
    waiting: VecDeque<GroupId>,
}

impl Table {
    /// Arms the group's timer; true when it is now the earliest.
    fn arm(&mut self, id: GroupId, at: Instant) -> bool {
        let earliest = self.earliest().is_none_or(|e| at < e);
        if let Some(g) = self.groups.get_mut(&id) {
            g.generation += 1;
            g.next_flush = Some(at);
            self.timers.push(Reverse((at, id, g.generation)));
        }
        earliest
    }

    fn earliest(&self) -> Option<Instant> {
        self.timers.peek().map(|Reverse((at, _, _))| *at)
    }
}

/// State shared by the scheduler, the ingest task, flush tasks and the API.
pub(super) struct Shared {
    table: Mutex<Table>,
    /// Wakes the scheduler when a timer earlier than its sleep is armed.
    wake: Notify,
    stop_tx: watch::Sender<bool>,
    stopped: AtomicBool,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    flush_slots: Arc<Semaphore>,
    router: Arc<dyn Router>,
    pipeline: Arc<Pipeline>,
    opts: DispatchOptions,
}

impl Shared {
    pub fn start<T: Into<Arc<Alert>> + Send + 'static>(
        router: Arc<dyn Router>,
        mut alerts: UnboundedReceiver<T>,
        pipeline: Arc<Pipeline>,
        opts: DispatchOptions,
    ) -> Arc<Shared> {
        let (stop_tx, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            table: Mutex::new(Table::default()),
            wake: Notify::new(),
            stop_tx,
            stopped: AtomicBool::new(false),
            tasks: Mutex::new(Vec::new()),
            flush_slots: Arc::new(Semaphore::new(MAX_CONCURRENT_FLUSHES)),
            router,
            pipeline,
            opts,
        });
        shared.opts.metrics.dispatcher_aggregation_groups.set(0);
        // The initial load: everything the subscription already holds.
        let mut batch = Vec::new();
        while let Ok(a) = alerts.try_recv() {
            batch.push(a.into());
            if batch.len() >= INGEST_BATCH {
                shared.ingest_batch(&mut batch);
            }
        }
        shared.ingest_batch(&mut batch);
        let ingest = {
            let s = shared.clone();
            let mut stop = s.stop_tx.subscribe();
            tokio::spawn(async move {
                let mut received = Vec::with_capacity(INGEST_BATCH);
                let mut batch = Vec::with_capacity(INGEST_BATCH);
                loop {
                    tokio::select! {
                        n = alerts.recv_many(&mut received, INGEST_BATCH) => {
                            if n == 0 {
                                return;
                            }
                            batch.extend(received.drain(..).map(Into::into));
                            s.ingest_batch(&mut batch);
                        }
                        _ = stop.changed() => return,
                    }
                }
            })
        };
        let timers = tokio::spawn(scheduler(shared.clone()));
        let maintenance = tokio::spawn(maintenance(shared.clone()));
        shared.tasks.lock().extend([ingest, timers, maintenance]);
        shared
    }

    pub fn stop(&self) {
        if self.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        let _ = self.stop_tx.send(true);
        for t in self.tasks.lock().drain(..) {
            t.abort();
        }
    }

    /// Puts `alert` into the group of each route it matches, creating groups as needed.
    pub fn ingest(&self, alert: Arc<Alert>) {
        self.ingest_batch(&mut vec![alert]);
    }

    /// Ingests (and empties) `alerts`: re-posts of known alerts under one hold of the table
    /// lock, the others one by one.
    pub fn ingest_batch(&self, alerts: &mut Vec<Arc<Alert>>) {
        if alerts.is_empty() {
            return;
        }
        let started = std::time::Instant::now();
        let mut known = Vec::with_capacity(alerts.len());
        let mut fresh = Vec::new();
        let mut table = self.table.lock();
        for alert in alerts.drain(..) {
            let fp = alert.fingerprint();
            if Self::ingest_known(&mut table, fp, &alert) {
                known.push(fp);
            } else {
                fresh.push((fp, alert));
            }
        }
        drop(table);
        if !known.is_empty() {
            let marker = &self.pipeline.deps().marker;
            for fp in &known {
                marker.set_processed(*fp);
            }
            // One clock reading for the batch: each alert is charged its share.
            let share = started.elapsed().as_secs_f64() / known.len() as f64;
            let histogram = &self.opts.metrics.dispatcher_alert_processing_duration_seconds;
            for _ in &known {
                histogram.observe(share);
            }
        }
        for (fp, alert) in fresh {
            self.ingest_new(fp, alert, std::time::Instant::now());
        }
    }

    fn ingest_new(&self, fp: Fingerprint, alert: Arc<Alert>, started: std::time::Instant) {
        // Routing can be slow (regexes): done outside the lock.
        let routes = self.router.routes(&alert.labels);
        let now_wall = from_system_time(self.opts.clock.now_system());
        let mut table = self.table.lock();
        let mut wake = false;
        let mut ids = Vec::with_capacity(routes.len());
        for route in routes {
            let labels = group_labels(&route, &alert.labels);
            let slot = (route.index, labels.fingerprint());
            if let Some(id) = table.index.get(&slot).copied()
                && let Some(g) = table.groups.get_mut(&id)
                && !g.destroyed
            {
                g.alerts.insert(fp, alert.clone());
                ids.push(id);
                continue;
            }
            // A new group (or the successor of a destroyed one).
            let id = table.next_id;
            table.next_id += 1;
            if let Some(old) = table.index.insert(slot, id) {
                table.groups.remove(&old);
            }
            let mut g = Group::new(route.clone(), labels);
            g.alerts.insert(fp, alert.clone());
            table.groups.insert(id, g);
            ids.push(id);
            // An alert older than group_wait has waited enough: flush at once.
            let old = crate::notify::dedup::add(alert.starts_at, route.group_wait) < now_wall;
            let at = if old { Instant::now() } else { Instant::now() + route.group_wait };
            wake |= table.arm(id, at);
        }
        table.routed.insert(fp, ids.into_boxed_slice());
        let count = table.groups.len();
        drop(table);
        self.ingested(fp, started, count, wake);
    }

    /// Puts a re-posted alert back into the groups it went to before; false when it has none
    /// recorded or one of them is gone (then it is routed afresh).
    fn ingest_known(table: &mut Table, fp: Fingerprint, alert: &Arc<Alert>) -> bool {
        let Table { routed, groups, .. } = table;
        let Some(ids) = routed.get(&fp) else { return false };
        // The common case, one route: one lookup instead of a check pass and an insert pass.
        if let [id] = **ids {
            if let Some(g) = groups.get_mut(&id)
                && !g.destroyed
            {
                g.alerts.insert(fp, alert.clone());
                return true;
            }
            routed.remove(&fp);
            return false;
        }
        if !ids.iter().all(|id| groups.get(id).is_some_and(|g| !g.destroyed)) {
            routed.remove(&fp);
            return false;
        }
        for id in ids.iter() {
            if let Some(g) = groups.get_mut(id) {
                g.alerts.insert(fp, alert.clone());
            }
        }
        true
    }

    fn ingested(&self, fp: Fingerprint, started: std::time::Instant, groups: usize, wake: bool) {
        self.pipeline.deps().marker.set_processed(fp);
        self.opts.metrics.dispatcher_aggregation_groups.set(groups as i64);
        if wake {
            self.wake.notify_one();
        }
        self.opts
            .metrics
            .dispatcher_alert_processing_duration_seconds
            .observe(started.elapsed().as_secs_f64());
    }

    /// Pops due timers (at most [`DUE_PER_LOCK`]) and starts the flushes; returns the next
    /// deadline (now or earlier when some are still due).
    fn run_due(self: &Arc<Self>) -> Option<Instant> {
        let now = Instant::now();
        let mut table = self.table.lock();
        let mut budget = DUE_PER_LOCK;
        while let Some(Reverse((at, id, generation))) = table.timers.peek().copied() {
            if at > now || budget == 0 {
                break;
            }
            budget -= 1;
            table.timers.pop();
            let Some(g) = table.groups.get_mut(&id) else { continue };
            if g.generation != generation || g.destroyed {
                continue;
            }
            g.next_flush = None;
            if g.flushing {
                g.due_while_flushing = true;
                continue;
            }
            // The caller recomputes its sleep from the heap, so no wake-up is needed.
            let _ = self.begin_flush(&mut table, id);
        }
        table.earliest()
    }

    /// Re-arms the group for `group_interval` and spawns its flush (under the table lock);
    /// true when the new timer is the earliest.
    fn begin_flush(self: &Arc<Self>, table: &mut Table, id: GroupId) -> bool {
        let now = Instant::now();
        let Some(g) = table.groups.get(&id) else { return false };
        let interval = g.route.group_interval;
        let earliest = table.arm(id, now + interval);
        let Some(g) = table.groups.get_mut(&id) else { return earliest };
        if g.alerts.is_empty() {
            return earliest;
        }
        g.flushing = true;
        match self.flush_slots.clone().try_acquire_owned() {
            Ok(slot) => self.spawn_flush(table, id, slot),
            // Started by the flush that frees a slot (it checks under this lock).
            Err(_) => table.waiting.push_back(id),
        }
        earliest
    }

    /// Starts the next waiting flush in the slot a finished one frees (under the table lock).
    fn start_next(self: &Arc<Self>, table: &mut Table, slot: OwnedSemaphorePermit) {
        while let Some(id) = table.waiting.pop_front() {
            let Some(g) = table.groups.get_mut(&id) else { continue };
            if g.destroyed || g.alerts.is_empty() {
                g.flushing = false;
                continue;
            }
            self.spawn_flush(table, id, slot);
            return;
        }
    }

    /// Spawns the flush of a group marked `flushing`, holding `slot` until it ends.
    fn spawn_flush(self: &Arc<Self>, table: &mut Table, id: GroupId, slot: OwnedSemaphorePermit) {
        let now = Instant::now();
        let Some(g) = table.groups.get(&id) else { return };
        let snapshot: Vec<Arc<Alert>> = g.alerts.values().cloned().collect();
        let route = g.route.clone();
        let flush = Flush {
            group_key: g.key.clone(),
            group_labels: g.labels.clone(),
            deadline: now
                + self.opts.flush_timeout(route.group_interval)
                + self.pipeline.cluster_wait(),
            route,
            // Rendered by the flush task, against the alerts it presents.
            route_labels: BTreeMap::new(),
            now: from_system_time(self.opts.clock.now_system()),
        };
        let shared = self.clone();
        tokio::spawn(async move {
            shared.clone().flush(id, flush, snapshot).await;
            if shared.stopped.load(Ordering::SeqCst) {
                return;
            }
            let mut table = shared.table.lock();
            shared.start_next(&mut table, slot);
        });
    }

    async fn flush(self: Arc<Self>, id: GroupId, mut flush: Flush, snapshot: Vec<Arc<Alert>>) {
        let mut stop = self.stop_tx.subscribe();
        let (alerts, resolved) = present(&snapshot, flush.now);
        drop(snapshot);
        let count = alerts.len();
        if !flush.route.labels.is_empty() {
            let deps = self.pipeline.deps();
            flush.route_labels = render_route_labels(
                &deps.templates,
                &flush.route.receiver,
                &flush.group_labels,
                &flush.route.labels,
                &alerts,
                flush.now,
                &deps.external_url,
            );
        }
        if *stop.borrow() {
            return;
        }
        // Boxed: a flush waiting for its slot then holds a pointer, not the whole notification
        // state machine (100k groups ticking together would hold 100k of them).
        let exec = Box::pin(self.pipeline.exec(&flush, alerts));
        let result = tokio::select! {
            r = exec => r,
            _ = stop.changed() => return,
        };
        if let Err(e) = &result {
            tracing::error!(aggrGroup = %flush.group_key, num_alerts = count, err = %e,
                "Notify for alerts failed");
        }
        let mut table = self.table.lock();
        let Table { groups, routed, .. } = &mut *table;
        let Some(g) = groups.get_mut(&id) else { return };
        g.flushing = false;
        if result.is_ok() {
            for (fp, updated_at) in resolved {
                if g.alerts.get(&fp).is_some_and(|a| a.updated_at == updated_at) {
                    g.alerts.remove(&fp);
                    routed.remove(&fp);
                }
            }
            if g.alerts.is_empty() {
                g.destroyed = true;
                g.next_flush = None;
                g.generation += 1;
                return;
            }
        }
        if std::mem::take(&mut g.due_while_flushing) && self.begin_flush(&mut table, id) {
            drop(table);
            self.wake.notify_one();
        }
    }

    /// Forgets destroyed groups.
    fn maintain(&self) {
        let mut table = self.table.lock();
        let dead: Vec<(GroupId, usize, Fingerprint)> = table
            .groups
            .iter()
            .filter(|(_, g)| g.destroyed)
            .map(|(id, g)| (*id, g.route.index, g.labels.fingerprint()))
            .collect();
        let marker = self.pipeline.deps().marker.clone();
        for (id, route, fp) in dead {
            if let Some(g) = table.groups.remove(&id) {
                marker.delete_group(&g.route.id, &g.key);
            }
            if table.index.get(&(route, fp)) == Some(&id) {
                table.index.remove(&(route, fp));
            }
        }
        // Drop stale heap entries now and then so that churn cannot grow the heap forever.
        if table.timers.len() > 2 * table.groups.len() + 1024 {
            let table = &mut *table;
            let groups = &table.groups;
            let live: Vec<_> = table
                .timers
                .drain()
                .filter(|Reverse((_, id, generation))| {
                    groups.get(id).is_some_and(|g| g.generation == *generation)
                })
                .collect();
            table.timers = live.into();
        }
        let count = table.groups.len();
        drop(table);
        self.opts.metrics.dispatcher_aggregation_groups.set(count as i64);
    }

    pub fn groups(&self) -> Vec<GroupSnapshot> {
        let table = self.table.lock();
        let mut out: Vec<GroupSnapshot> = table
            .groups
            .values()
            .filter(|g| !g.destroyed && !g.alerts.is_empty())
            .map(|g| {
                let mut alerts: Vec<Arc<Alert>> = g.alerts.values().cloned().collect();
                alerts.sort_by(|a, b| super::alert_order(&a.labels, &b.labels));
                GroupSnapshot {
                    labels: g.labels.clone(),
                    group_key: g.key.to_string(),
                    route: g.route.clone(),
                    alerts,
                    route_labels: BTreeMap::new(),
                }
            })
            .collect();
        drop(table);
        // Rendered outside the lock: templates may be slow, and ingestion must not wait.
        let now = from_system_time(self.opts.clock.now_system());
        let deps = self.pipeline.deps();
        for g in out.iter_mut().filter(|g| !g.route.labels.is_empty()) {
            g.route_labels = render_route_labels(
                &deps.templates,
                &g.route.receiver,
                &g.labels,
                &g.route.labels,
                &g.alerts,
                now,
                &deps.external_url,
            );
        }
        out.sort_by(|a, b| {
            label_set_order(&a.labels, &b.labels)
                .then_with(|| a.route.receiver.cmp(&b.route.receiver))
        });
        out
    }

    pub fn group_count(&self) -> usize {
        self.table.lock().groups.len()
    }

    pub fn next_flush(&self, group_key: &str) -> Option<Instant> {
        let table = self.table.lock();
        table
            .groups
            .values()
            .find(|g| !g.destroyed && &*g.key == group_key)
            .and_then(|g| g.next_flush)
    }
}

/// The timer task: sleeps until the start time, then until each earliest deadline.
async fn scheduler(shared: Arc<Shared>) {
    tokio::time::sleep_until(shared.opts.start_at).await;
    loop {
        let next = shared.run_due();
        match next {
            // More due than one lock hold takes: let the flushes just spawned and the API run.
            Some(at) if at <= Instant::now() => tokio::task::yield_now().await,
            Some(at) => {
                tokio::select! {
                    _ = tokio::time::sleep_until(at) => {}
                    _ = shared.wake.notified() => {}
                }
            }
            None => shared.wake.notified().await,
        }
    }
}

async fn maintenance(shared: Arc<Shared>) {
    let period = shared.opts.maintenance_interval.max(std::time::Duration::from_millis(1));
    let mut tick = tokio::time::interval_at(Instant::now() + period, period);
    loop {
        tick.tick().await;
        shared.maintain();
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}
