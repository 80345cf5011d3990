//! Alerting rules and the alert state machine (upstream's `AlertingRule`): pending after the
//! first evaluation, firing once `for` has passed, kept firing for `keep_firing_for` after the
//! condition goes, resolved alerts kept (and re-sent) for 15 minutes; the `ALERTS` and
//! `ALERTS_FOR_STATE` samples of each evaluation; what to send and when.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use model::labels::Labels;
use parking_lot::Mutex;

use crate::expand::{TemplateEnv, expand_for_samples};
use crate::recording::RuleStatus;
use crate::seams::{Alert, QueryEngine, RuleQuery};

/// How long a resolved alert is kept (and re-sent as resolved), ms.
pub const RESOLVED_RETENTION_MS: i64 = 15 * 60 * 1000;

/// The state of one alert, or (as the maximum over its alerts) of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertState {
    /// A rule not evaluated yet (never an alert's state).
    Unknown,
    Inactive,
    Pending,
    Firing,
}

impl AlertState {
    /// `inactive`, `pending`, `firing` (the `alertstate` label and the API's `state`).
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Unknown => "unknown",
            AlertState::Inactive => "inactive",
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        }
    }
}

/// One alert of a rule. Times are ms since the epoch; `None` is upstream's zero time.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveAlert {
    pub state: AlertState,
    pub labels: Labels,
    pub annotations: Labels,
    pub value: f64,
    pub active_at_ms: i64,
    pub fired_at_ms: Option<i64>,
    pub resolved_at_ms: Option<i64>,
    pub last_sent_at_ms: Option<i64>,
    pub valid_until_ms: Option<i64>,
    pub keep_firing_since_ms: Option<i64>,
}

impl ActiveAlert {
    /// Upstream's `needsSending`: never while pending; at once when resolved since the last
    /// send; otherwise once `resend_delay` has passed (strictly).
    pub fn needs_sending(&self, ts_ms: i64, resend_delay_ms: i64) -> bool {
        if self.state == AlertState::Pending {
            return false;
        }
        let last = self.last_sent_at_ms;
        if let Some(r) = self.resolved_at_ms
            && last.is_none_or(|l| r > l)
        {
            return true;
        }
        match last {
            None => true,
            Some(l) => l.saturating_add(resend_delay_ms) < ts_ms,
        }
    }
}

/// The mutable part of a rule, behind one lock that is never held across an await.
#[derive(Debug, Default)]
pub(crate) struct AlertingState {
    /// Keyed by the alert's labels (upstream keys by their hash).
    pub active: BTreeMap<Labels, ActiveAlert>,
    pub status: RuleStatus,
    /// The group timestamp of the last successful evaluation (what [`AlertingRule::alerts_to_send`] needs).
    pub last_ok_ts: Option<i64>,
}

/// An alerting rule.
#[derive(Debug)]
pub struct AlertingRule {
    name: String,
    query: RuleQuery,
    hold_ms: i64,
    keep_firing_for_ms: i64,
    /// Group labels overlaid with the rule's own, raw (unexpanded), in name order.
    labels: Vec<(String, String)>,
    annotations: Vec<(String, String)>,
    /// Whether `for` state has been restored (or needs none); until then no `ALERTS*` samples.
    restored: AtomicBool,
    pub(crate) state: Mutex<AlertingState>,
}

impl AlertingRule {
    /// A rule `name` alerting on `query`. `labels` has the group labels merged in.
    pub fn new(
        name: impl Into<String>,
        query: RuleQuery,
        hold: std::time::Duration,
        keep_firing_for: std::time::Duration,
        labels: Vec<(String, String)>,
        annotations: Vec<(String, String)>,
    ) -> Self {
        let mut labels = labels;
        labels.sort();
        labels.dedup_by(|a, b| a.0 == b.0);
        let mut annotations = annotations;
        annotations.sort();
        AlertingRule {
            name: name.into(),
            query,
            hold_ms: millis(hold),
            keep_firing_for_ms: millis(keep_firing_for),
            labels,
            annotations,
            restored: AtomicBool::new(true),
            state: Mutex::default(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn query(&self) -> &RuleQuery {
        &self.query
    }

    /// `for`, ms.
    pub fn hold_ms(&self) -> i64 {
        self.hold_ms
    }

    /// `keep_firing_for`, ms.
    pub fn keep_firing_for_ms(&self) -> i64 {
        self.keep_firing_for_ms
    }

    /// The raw rule labels (group labels merged in), empty values dropped.
    pub fn labels(&self) -> Labels {
        raw_labels(&self.labels)
    }

    /// The raw annotations.
    pub fn annotations(&self) -> &[(String, String)] {
        &self.annotations
    }

    pub fn status(&self) -> RuleStatus {
        self.state.lock().status.clone()
    }

    /// The rule's state: the highest of its alerts', `Unknown` before the first evaluation.
    pub fn state(&self) -> AlertState {
        let st = self.state.lock();
        if st.status.last_evaluation_ms.is_none() {
            return AlertState::Unknown;
        }
        st.active
            .values()
            .map(|a| a.state)
            .max()
            .unwrap_or(AlertState::Inactive)
            .max(AlertState::Inactive)
    }

    /// Pending and firing alerts (upstream's `ActiveAlerts`: not resolved), by labels.
    pub fn active_alerts(&self) -> Vec<ActiveAlert> {
        self.state.lock().active.values().filter(|a| a.resolved_at_ms.is_none()).cloned().collect()
    }

    /// Every alert held, resolved ones included (upstream's `ForEachActiveAlert`).
    pub fn all_alerts(&self) -> Vec<ActiveAlert> {
        self.state.lock().active.values().cloned().collect()
    }

    pub fn is_restored(&self) -> bool {
        self.restored.load(Ordering::Relaxed)
    }

    pub fn set_restored(&self, restored: bool) {
        self.restored.store(restored, Ordering::Relaxed);
    }

    /// Replaces the alerts (reload: [`crate::group::Group::copy_state_from`]).
    pub(crate) fn copy_alerts_from(&self, other: &AlertingRule) {
        let alerts = other.state.lock().active.clone();
        self.state.lock().active.extend(alerts);
    }

    /// One evaluation at group time `ts_ms` (query at `ts_ms − offset_ms`). Returns the
    /// `ALERTS`/`ALERTS_FOR_STATE` samples to write (none until restored), or upstream's
    /// error text; on a query or duplicate-labels error the alert state is untouched.
    pub async fn eval(
        &self,
        engine: &Arc<dyn QueryEngine>,
        env: &Arc<TemplateEnv>,
        ts_ms: i64,
        offset_ms: i64,
        limit: usize,
    ) -> Result<Vec<(Labels, f64)>, String> {
        let res =
            engine.instant(&self.query, ts_ms - offset_ms).await.map_err(|e| e.to_string())?;
        let texts: Vec<String> =
            self.labels.iter().chain(&self.annotations).map(|(_, v)| v.clone()).collect();
        let expanded = expand_for_samples(&self.name, &texts, &res, ts_ms, env, engine).await;

        let mut candidates: HashMap<Labels, ActiveAlert> = HashMap::with_capacity(res.len());
        for (sample, exp) in res.iter().zip(expanded) {
            let mut b = sample.labels.builder();
            b.del("__name__");
            for ((name, _), value) in self.labels.iter().zip(&exp) {
                b.set(name, value);
            }
            b.set("alertname", &self.name);
            let labels = b.labels();
            let annotations = Labels::from_pairs(
                self.annotations
                    .iter()
                    .zip(&exp[self.labels.len().min(exp.len())..])
                    .map(|((name, _), value)| (name.as_str(), value.as_str())),
            );
            if candidates.contains_key(&labels) {
                return Err(
                    "vector contains metrics with the same labelset after applying alert labels"
                        .into(),
                );
            }
            candidates.insert(
                labels.clone(),
                ActiveAlert {
                    state: AlertState::Pending,
                    labels,
                    annotations,
                    value: sample.f,
                    active_at_ms: ts_ms,
                    fired_at_ms: None,
                    resolved_at_ms: None,
                    last_sent_at_ms: None,
                    valid_until_ms: None,
                    keep_firing_since_ms: None,
                },
            );
        }

        let mut st = self.state.lock();
        let present: std::collections::HashSet<Labels> = candidates.keys().cloned().collect();
        for (key, cand) in candidates {
            match st.active.get_mut(&key) {
                Some(a) if a.state != AlertState::Inactive => {
                    a.value = cand.value;
                    a.annotations = cand.annotations;
                }
                _ => {
                    st.active.insert(key, cand);
                }
            }
        }

        let restored = self.is_restored();
        let base = self.labels();
        let mut out = Vec::new();
        let mut active_count = 0usize;
        let mut remove = Vec::new();
        for (key, a) in st.active.iter_mut() {
            if !present.contains(key) {
                let mut keep_firing = false;
                if a.state == AlertState::Firing && self.keep_firing_for_ms > 0 {
                    let since = *a.keep_firing_since_ms.get_or_insert(ts_ms);
                    keep_firing = ts_ms - since < self.keep_firing_for_ms;
                }
                if a.state == AlertState::Pending
                    || a.resolved_at_ms.is_some_and(|r| ts_ms - r > RESOLVED_RETENTION_MS)
                {
                    remove.push(key.clone());
                }
                if a.state != AlertState::Inactive && !keep_firing {
                    a.state = AlertState::Inactive;
                    a.resolved_at_ms = Some(ts_ms);
                }
                if !keep_firing {
                    continue;
                }
            } else {
                a.keep_firing_since_ms = None;
            }
            active_count += 1;

            if a.state == AlertState::Pending && ts_ms - a.active_at_ms >= self.hold_ms {
                a.state = AlertState::Firing;
                a.fired_at_ms = Some(ts_ms);
            }
            if a.state == AlertState::Firing && ts_ms - a.active_at_ms < self.hold_ms {
                a.state = AlertState::Pending;
                a.fired_at_ms = None;
                a.last_sent_at_ms = None;
                a.keep_firing_since_ms = None;
            }
            if restored {
                out.push((self.alerts_series(&base, a), 1.0));
                let active_secs = a.active_at_ms.div_euclid(1000) as f64;
                out.push((self.for_state_series(&base, &a.labels), active_secs));
            }
        }
        for key in remove {
            st.active.remove(&key);
        }
        if limit > 0 && active_count > limit {
            st.active.clear();
            return Err(format!("exceeded limit of {limit} with {active_count} alerts"));
        }
        st.last_ok_ts = Some(ts_ms);
        Ok(out)
    }

    /// `ALERTS{<raw rule labels>, <alert labels>, alertname, alertstate}`.
    fn alerts_series(&self, base: &Labels, a: &ActiveAlert) -> Labels {
        let mut b = base.builder();
        for l in a.labels.iter() {
            b.set(l.name, l.value);
        }
        b.set("__name__", "ALERTS");
        b.set("alertname", &self.name);
        b.set("alertstate", a.state.as_str());
        b.labels()
    }

    /// `ALERTS_FOR_STATE{<raw rule labels>, <alert labels>, alertname}`.
    pub(crate) fn for_state_series(&self, base: &Labels, alert_labels: &Labels) -> Labels {
        let mut b = base.builder();
        for l in alert_labels.iter() {
            b.set(l.name, l.value);
        }
        b.set("__name__", "ALERTS_FOR_STATE");
        b.set("alertname", &self.name);
        b.labels()
    }

    /// Upstream's `sendAlerts`: the alerts due at `ts_ms` (only when the last evaluation, at
    /// `ts_ms`, succeeded), marking them sent. `StartsAt` = `FiredAt`; `EndsAt` = `ResolvedAt`
    /// once resolved, else `ts + 4 × max(interval, resend_delay)`.
    pub fn alerts_to_send(
        &self,
        ts_ms: i64,
        resend_delay_ms: i64,
        interval_ms: i64,
        external_url: &str,
    ) -> Vec<Alert> {
        let mut st = self.state.lock();
        if st.last_ok_ts != Some(ts_ms) {
            return Vec::new();
        }
        let generator_url = format!(
            "{}{}",
            external_url.trim_end_matches('/'),
            template::prometheus::table_link(&self.query.expr.to_string())
        );
        let delta = interval_ms.max(resend_delay_ms);
        let mut out = Vec::new();
        for a in st.active.values_mut() {
            if !a.needs_sending(ts_ms, resend_delay_ms) {
                continue;
            }
            a.last_sent_at_ms = Some(ts_ms);
            let valid_until = ts_ms.saturating_add(delta.saturating_mul(4));
            a.valid_until_ms = Some(valid_until);
            out.push(Alert {
                labels: a.labels.clone(),
                annotations: a.annotations.clone(),
                starts_at_ms: a.fired_at_ms.unwrap_or(a.active_at_ms),
                ends_at_ms: a.resolved_at_ms.unwrap_or(valid_until),
                generator_url: generator_url.clone(),
            });
        }
        out
    }
}

fn raw_labels(l: &[(String, String)]) -> Labels {
    Labels::from_pairs(l.iter().map(|(k, v)| (k.as_str(), v.as_str()))).without_empty()
}

pub(crate) fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
