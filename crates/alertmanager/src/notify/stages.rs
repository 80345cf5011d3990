//! The muting stages of the pipeline, in upstream order: inhibition, active time intervals,
//! mute time intervals, silences. Each takes the alerts left by the one before and returns
//! those still to notify; a stage that leaves none ends the flush successfully.

use super::{Flush, PipelineDeps};
use crate::alert::Alert;

/// Drops inhibited alerts and records who inhibited what.
pub(super) fn inhibit(deps: &PipelineDeps, flush: &Flush, mut alerts: Vec<Alert>) -> Vec<Alert> {
    let mut muted = 0;
    alerts.retain(|a| {
        let by = deps.inhibitor.inhibited_by(&a.labels, flush.now);
        deps.marker.set_inhibited(a.fingerprint(), by.iter().map(|fp| fp.to_string()).collect());
        muted += usize::from(by.is_some());
        by.is_none()
    });
    if muted > 0 {
        deps.metrics.suppressed("inhibition", muted);
        tracing::debug!(group = %flush.group_key, muted, "Notifications will not be sent for inhibited alerts");
    }
    alerts
}

/// With `active_time_intervals`, drops everything when the tick is in none of them; records the
/// group's `mutedBy` either way.
pub(super) fn time_active(
    deps: &PipelineDeps,
    flush: &Flush,
    alerts: Vec<Alert>,
) -> Result<Vec<Alert>, String> {
    if flush.route.active_time_intervals.is_empty() {
        deps.marker.set_muted(&flush.route.id, &flush.group_key, Vec::new());
        return Ok(alerts);
    }
    let containing =
        deps.time_intervals.containing(&flush.route.active_time_intervals, flush.now)?;
    if containing.is_empty() {
        deps.marker.set_muted(
            &flush.route.id,
            &flush.group_key,
            flush.route.active_time_intervals.clone(),
        );
        deps.metrics.suppressed("active_time_interval", alerts.len());
        tracing::debug!(group = %flush.group_key, "Notifications not sent, route is not within active time");
        return Ok(Vec::new());
    }
    deps.marker.set_muted(&flush.route.id, &flush.group_key, Vec::new());
    Ok(alerts)
}

/// With `mute_time_intervals`, drops everything when the tick is in one of them; records the
/// group's `mutedBy` (the intervals containing the tick).
pub(super) fn time_mute(
    deps: &PipelineDeps,
    flush: &Flush,
    alerts: Vec<Alert>,
) -> Result<Vec<Alert>, String> {
    if flush.route.mute_time_intervals.is_empty() {
        deps.marker.set_muted(&flush.route.id, &flush.group_key, Vec::new());
        return Ok(alerts);
    }
    let containing = deps.time_intervals.containing(&flush.route.mute_time_intervals, flush.now)?;
    let muted = !containing.is_empty();
    deps.marker.set_muted(&flush.route.id, &flush.group_key, containing);
    if muted {
        deps.metrics.suppressed("mute_time_interval", alerts.len());
        tracing::debug!(group = %flush.group_key, "Notifications not sent, route is within mute time");
        return Ok(Vec::new());
    }
    Ok(alerts)
}

/// Drops silenced alerts and records which silences matched.
pub(super) fn silence(deps: &PipelineDeps, flush: &Flush, mut alerts: Vec<Alert>) -> Vec<Alert> {
    let mut muted = 0;
    alerts.retain(|a| {
        let ids = deps.silences.silenced_by(&a.labels, flush.now);
        let silenced = !ids.is_empty();
        deps.marker.set_silenced(a.fingerprint(), ids);
        muted += usize::from(silenced);
        !silenced
    });
    if muted > 0 {
        deps.metrics.suppressed("silence", muted);
        tracing::debug!(group = %flush.group_key, muted, "Notifications will not be sent for silenced alerts");
    }
    alerts
}
