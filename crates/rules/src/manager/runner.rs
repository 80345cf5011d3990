//! One group's loop: wait for its first slot, evaluate at every slot, count the slots an
//! overrunning evaluation skipped, send the due alerts after each evaluation, restore `for`
//! state once after the second evaluation of the first load.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parking_lot::RwLock;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

use super::managed::ManagedGroup;
use super::schedule::{missed_slots, ns_to_ms};
use super::view::GroupStatus;
use crate::metrics::{GroupLabel, RuleMetrics};
use crate::seams::AlertSink;
use model::time::SharedClock;

/// No evaluation yet.
pub(crate) const NO_SLOT: i64 = i64::MIN;

/// What a running group shares with the manager and the API.
#[derive(Debug)]
pub(crate) struct GroupShared {
    pub status: RwLock<GroupStatus>,
    /// The slot (ns) of the last finished evaluation, [`NO_SLOT`] before the first.
    pub last_slot_ns: AtomicI64,
}

/// Everything the loop needs besides the group.
pub(crate) struct RunContext {
    pub clock: SharedClock,
    pub sink: Arc<dyn AlertSink>,
    pub resend_delay: Duration,
    pub metrics: RuleMetrics,
    pub label: GroupLabel,
    pub shared: Arc<GroupShared>,
    pub interval: Duration,
    /// The slot of the first evaluation (ns since the epoch).
    pub first_slot_ns: i64,
    pub restore: bool,
    pub stop: watch::Receiver<bool>,
}

/// Wall time in ns since the epoch.
pub(crate) fn now_ns(clock: &SharedClock) -> i64 {
    system_ns(clock.now_system())
}

fn system_ns(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

/// Resolves when stop is asked (or the manager is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Runs the group until stopped between evaluations (an evaluation in progress always
/// finishes and sends its alerts); hands the group back for the next one to copy.
pub(crate) async fn run(
    mut group: Box<dyn ManagedGroup>,
    mut ctx: RunContext,
) -> Box<dyn ManagedGroup> {
    let interval_ns = i64::try_from(ctx.interval.as_nanos()).unwrap_or(i64::MAX).max(1);
    let mut slot = ctx.first_slot_ns;

    let wait = Duration::from_nanos(u64::try_from(slot - now_ns(&ctx.clock)).unwrap_or(0));
    tokio::select! {
        biased;
        () = stopped(&mut ctx.stop) => return group,
        () = tokio::time::sleep(wait) => {}
    }

    // Ticks fall on the slots themselves, not on when this task woke up.
    let late = Duration::from_nanos(u64::try_from(now_ns(&ctx.clock) - slot).unwrap_or(0));
    let slot_instant = Instant::now().checked_sub(late).unwrap_or_else(Instant::now);
    let mut ticker = tokio::time::interval_at(slot_instant + ctx.interval, ctx.interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);

    iterate(group.as_mut(), &ctx, slot).await;
    let mut restore = ctx.restore;
    loop {
        tokio::select! {
            biased;
            () = stopped(&mut ctx.stop) => return group,
            _ = ticker.tick() => {}
        }
        let missed = missed_slots(now_ns(&ctx.clock), slot, interval_ns);
        if missed > 0 {
            let n = missed.unsigned_abs();
            ctx.metrics.iterations_missed.get_or_create(&ctx.label).inc_by(n);
            ctx.metrics.iterations.get_or_create(&ctx.label).inc_by(n);
        }
        slot += (missed + 1) * interval_ns;
        iterate(group.as_mut(), &ctx, slot).await;
        if restore {
            // Upstream restores after the second evaluation, when recording rules the
            // alerts depend on have had a chance to write.
            restore = false;
            let start = Instant::now();
            group.restore_for_state(ns_to_ms(now_ns(&ctx.clock))).await;
            ctx.metrics
                .last_restore_duration_seconds
                .get_or_create(&ctx.label)
                .set(start.elapsed().as_secs_f64());
            publish(group.as_ref(), &ctx);
        }
    }
}

/// One scheduled evaluation at `slot_ns` and what follows it.
async fn iterate(group: &mut dyn ManagedGroup, ctx: &RunContext, slot_ns: i64) {
    let m = &ctx.metrics;
    m.iterations.get_or_create(&ctx.label).inc();
    let wall_start = ctx.clock.now_system();
    let start = Instant::now();
    let ts_ms = ns_to_ms(slot_ns);

    let summary = group.eval(ts_ms).await;
    let alerts = group.alerts_to_send(ts_ms, ctx.resend_delay);
    if !alerts.is_empty() {
        ctx.sink.send(alerts);
    }

    let took = start.elapsed();
    m.group_duration.observe(took.as_secs_f64());
    m.last_duration_seconds.get_or_create(&ctx.label).set(took.as_secs_f64());
    m.last_evaluation_timestamp_seconds
        .get_or_create(&ctx.label)
        .set(system_ns(wall_start) as f64 / 1e9);

    m.evaluations.get_or_create(&ctx.label).inc_by(summary.rules as u64);
    m.evaluation_failures.get_or_create(&ctx.label).inc_by(summary.failures as u64);
    m.last_rule_duration_sum_seconds.get_or_create(&ctx.label).set(summary.rule_seconds);
    m.last_evaluation_samples.get_or_create(&ctx.label).set(summary.samples as f64);
    let rules = group.rules();
    for r in &rules {
        m.evaluation_duration.observe(r.evaluation_time.as_secs_f64());
    }

    {
        let mut status = ctx.shared.status.write();
        status.rules = rules;
        status.evaluation_time = took;
        status.last_evaluation = Some(wall_start);
    }
    ctx.shared.last_slot_ns.store(slot_ns, Ordering::Release);
}

/// Refreshes the API's view of the rules (after a restore changed alert state).
fn publish(group: &dyn ManagedGroup, ctx: &RunContext) {
    ctx.shared.status.write().rules = group.rules();
}
