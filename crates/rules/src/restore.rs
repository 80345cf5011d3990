//! Restoring alerts' `for` state after a restart from the `ALERTS_FOR_STATE` series they
//! wrote before (upstream's `Group.RestoreForState`).
//!
//! Restore reads the local store directly (a `Storage`, not the query engine), as upstream
//! reads its local `Queryable`: it needs the timestamp of the last sample, which an instant
//! query does not give.

use std::time::Duration;

use model::labels::Labels;
use model::matcher::{MatchOp, Matcher};
use model::storage::{FPoint, SelectHints, Storage, is_stale_nan};

use crate::alerting::{AlertingRule, millis};
use crate::group::Group;

/// `--rules.alert.for-outage-tolerance` and `--rules.alert.for-grace-period`.
#[derive(Debug, Clone, Copy)]
pub struct RestoreOptions {
    /// How far back `ALERTS_FOR_STATE` is looked for (1h).
    pub outage_tolerance: Duration,
    /// Minimum time left before a restored alert may fire (10m).
    pub grace_period: Duration,
}

impl Default for RestoreOptions {
    fn default() -> Self {
        RestoreOptions {
            outage_tolerance: Duration::from_secs(3600),
            grace_period: Duration::from_secs(600),
        }
    }
}

impl Group {
    /// Restores the `ActiveAt` of the current alerts from `ALERTS_FOR_STATE` in `storage`
    /// at wall time `now_ms`, then marks every alerting rule restored. Upstream runs this
    /// once, after a start-up group's second evaluation.
    pub fn restore_for_state(&self, now_ms: i64, storage: &dyn Storage, opts: &RestoreOptions) {
        let grace = millis(opts.grace_period);
        let mint = now_ms - millis(opts.outage_tolerance);
        for rule in self.alerting_rules() {
            if rule.hold_ms() >= grace
                && let Err(e) = restore_rule(rule, now_ms, mint, grace, storage)
            {
                tracing::error!(alertname = rule.name(), err = %e, "Failed to restore 'for' state");
            }
            rule.set_restored(true);
        }
    }
}

fn restore_rule(
    rule: &AlertingRule,
    now_ms: i64,
    mint: i64,
    grace: i64,
    storage: &dyn Storage,
) -> Result<(), String> {
    let mut matchers = vec![eq("__name__", "ALERTS_FOR_STATE")?, eq("alertname", rule.name())?];
    for l in rule.labels().iter() {
        if l.name != "alertname" && !l.value.contains("{{") {
            matchers.push(eq(l.name, l.value)?);
        }
    }
    let querier = storage.querier(mint, now_ms).map_err(|e| e.to_string())?;
    let hints = SelectHints { start: mint, end: now_ms, ..SelectHints::default() };
    let series = querier.select(&hints, &matchers).map_err(|e| e.to_string())?;
    if series.is_empty() {
        return Ok(());
    }
    let by_labels: std::collections::HashMap<Labels, _> =
        series.into_iter().map(|s| (s.labels().drop_metric_name(), s)).collect();
    let hold = rule.hold_ms();
    let mut st = rule.state.lock();
    let mut buf: Vec<FPoint> = Vec::new();
    for a in st.active.values_mut() {
        let Some(s) = by_labels.get(&a.labels) else { continue };
        buf.clear();
        s.floats_into(mint, now_ms, &mut buf);
        let Some(last) = buf.last() else { continue };
        if is_stale_nan(last.f) {
            continue;
        }
        // Second precision, as upstream's `time.Unix(t/1000, 0)` and `time.Unix(int64(v), 0)`.
        let down_at = (last.t / 1000) * 1000;
        let prev_active = (last.f as i64).saturating_mul(1000);
        let remaining = hold - (down_at - prev_active);
        a.active_at_ms = if remaining <= 0 {
            prev_active
        } else if remaining < grace {
            now_ms + grace - hold
        } else {
            prev_active + (now_ms - down_at)
        };
        tracing::debug!(alertname = rule.name(), labels = %a.labels, active_at_ms = a.active_at_ms, "'for' state restored");
    }
    Ok(())
}

fn eq(name: &str, value: &str) -> Result<Matcher, String> {
    Matcher::prometheus(MatchOp::Equal, name, value).map_err(|e| e.message)
}
