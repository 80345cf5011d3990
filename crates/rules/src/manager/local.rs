//! The real rule groups under the manager: [`Group`] evaluating through the options'
//! engine and appendable, restoring `for` state from the local store.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use model::storage::{Appendable, Storage};

use super::managed::{GroupFactory, GroupSettings, ManagedGroup};
use super::view::{
    AlertState as ViewAlertState, AlertStatus, AlertingStatus, RuleHealth as ViewHealth, RuleKind,
    RuleState, RuleStatus,
};
use crate::alerting::{ActiveAlert, AlertState};
use crate::file::GroupSpec;
use crate::group::{EvalContext, EvalSummary, Group, GroupOptions, Rule};
use crate::recording::RuleHealth;
use crate::restore::RestoreOptions;
use crate::seams::{Alert, BoxFuture};

/// Builds [`Group`]s for the manager.
pub struct LocalGroups {
    pub ctx: EvalContext,
    /// Where `ALERTS_FOR_STATE` is read back at start-up; without one nothing is restored.
    pub storage: Option<Arc<dyn Storage>>,
    pub external_url: String,
    pub restore: RestoreOptions,
}

impl std::fmt::Debug for LocalGroups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalGroups")
            .field("ctx", &self.ctx)
            .field("external_url", &self.external_url)
            .finish_non_exhaustive()
    }
}

impl GroupFactory for LocalGroups {
    fn build(&self, spec: &GroupSpec, settings: &GroupSettings) -> Box<dyn ManagedGroup> {
        let opts = GroupOptions {
            default_interval: settings.interval,
            default_query_offset: settings.query_offset,
            external_labels: settings.external_labels.clone(),
            external_url: self.external_url.clone(),
            file: settings.file.clone(),
        };
        let group = Arc::new(Group::new(spec, &opts));
        let storage = if settings.restore { self.storage.clone() } else { None };
        if storage.is_some() {
            group.set_needs_restore();
        }
        let blocking_ctx = self
            .ctx
            .engine
            .for_blocking_thread()
            .map(|engine| EvalContext::new(engine, self.ctx.appendable.clone()));
        Box::new(LocalGroup {
            group,
            ctx: self.ctx.clone(),
            blocking_ctx,
            storage,
            restore: self.restore,
        })
    }
}

/// A [`Group`] with what it evaluates against.
struct LocalGroup {
    /// Shared with the blocking thread an evaluation runs on.
    group: Arc<Group>,
    ctx: EvalContext,
    /// With an engine that evaluates on the calling thread, when the engine has one.
    blocking_ctx: Option<EvalContext>,
    /// Set while the group still has to restore.
    storage: Option<Arc<dyn Storage>>,
    restore: RestoreOptions,
}

impl ManagedGroup for LocalGroup {
    /// On a multi-threaded runtime with a CPU-bound engine, the whole evaluation runs on one
    /// blocking thread (as upstream runs a group in one goroutine): a group of 100 rules costs
    /// one hand-off between threads, not 100, and heavy queries still never stall the async
    /// workers (scrapes, the API). Otherwise it runs on the group's task.
    fn eval(&mut self, ts_ms: i64) -> BoxFuture<'_, EvalSummary> {
        Box::pin(async move {
            let handle = tokio::runtime::Handle::try_current()
                .ok()
                .filter(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
            if let (Some(ctx), Some(handle)) = (&self.blocking_ctx, handle) {
                let (group, ctx) = (self.group.clone(), ctx.clone());
                let job = tokio::task::spawn_blocking(move || {
                    handle.block_on(async move { group.eval(ts_ms, &ctx).await })
                });
                return match job.await {
                    Ok(summary) => summary,
                    Err(e) => {
                        tracing::error!(group = %self.group.name(), err = %e, "rule group evaluation failed");
                        EvalSummary::default()
                    }
                };
            }
            self.group.eval(ts_ms, &self.ctx).await
        })
    }

    fn alerts_to_send(&mut self, ts_ms: i64, resend_delay: Duration) -> Vec<Alert> {
        self.group.alerts_to_send(ts_ms, resend_delay)
    }

    fn restore_for_state(&mut self, now_ms: i64) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Some(storage) = self.storage.take() {
                self.group.restore_for_state(now_ms, storage.as_ref(), &self.restore);
            }
        })
    }

    fn copy_state_from(&mut self, old: &dyn ManagedGroup) {
        if let Some(old) = old.as_any().downcast_ref::<LocalGroup>() {
            self.group.copy_state_from(&old.group);
        }
    }

    fn mark_stale(&self, ts_ms: i64, appendable: &dyn Appendable) {
        self.group.mark_all_stale(ts_ms, appendable);
    }

    fn rules(&self) -> Vec<RuleStatus> {
        self.group.rules().iter().map(rule_status).collect()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn rule_status(rule: &Rule) -> RuleStatus {
    let st = rule.status();
    let kind = match rule {
        Rule::Recording(_) => RuleKind::Recording,
        Rule::Alerting(a) => RuleKind::Alerting(AlertingStatus {
            state: match a.state() {
                AlertState::Unknown => RuleState::Unknown,
                AlertState::Inactive => RuleState::Inactive,
                AlertState::Pending => RuleState::Pending,
                AlertState::Firing => RuleState::Firing,
            },
            for_: ms_duration(a.hold_ms()),
            keep_firing_for: ms_duration(a.keep_firing_for_ms()),
            annotations: a.annotations().iter().cloned().collect::<BTreeMap<_, _>>(),
            alerts: a.active_alerts().iter().map(alert_status).collect(),
        }),
    };
    RuleStatus {
        name: rule.name().to_string(),
        query: rule.query().expr.to_string(),
        labels: rule.labels(),
        health: match st.health {
            RuleHealth::Unknown => ViewHealth::Unknown,
            RuleHealth::Ok => ViewHealth::Ok,
            RuleHealth::Err => ViewHealth::Err,
        },
        last_error: st.last_error,
        evaluation_time: Duration::try_from_secs_f64(st.evaluation_seconds).unwrap_or_default(),
        last_evaluation: st.last_evaluation_ms.map(ms_time),
        kind,
    }
}

fn alert_status(a: &ActiveAlert) -> AlertStatus {
    AlertStatus {
        labels: a.labels.clone(),
        annotations: a.annotations.clone(),
        state: match a.state {
            AlertState::Firing => ViewAlertState::Firing,
            AlertState::Pending => ViewAlertState::Pending,
            AlertState::Inactive | AlertState::Unknown => ViewAlertState::Inactive,
        },
        active_at_ms: a.active_at_ms,
        keep_firing_since_ms: a.keep_firing_since_ms,
        value: a.value,
    }
}

fn ms_duration(ms: i64) -> Duration {
    Duration::from_millis(ms.max(0).unsigned_abs())
}

fn ms_time(ms: i64) -> SystemTime {
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}
