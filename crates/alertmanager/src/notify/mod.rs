//! The notification pipeline: what one flush of an aggregation group does (spec §4).
//!
//! For the group's receiver, in upstream order:
//! inhibit → active time intervals → mute time intervals → silences ([`stages`]), then every
//! integration of the receiver concurrently: cluster wait → dedup against the notification log
//! ([`dedup`]) → send with retries ([`retry`]) → log the notification. Errors of the
//! integrations are joined; any error fails the flush, so the dispatcher keeps the resolved
//! alerts for the next one.
//!
//! [`Pipeline`] is built per config (receivers and their integrations) from [`PipelineDeps`],
//! the long-lived state it consults through the small traits of [`seams`].

pub mod cluster;
pub mod dedup;
pub mod retry;
pub mod seams;
mod stages;

use crate::alert::{Alert, Time};
use crate::dispatch::RouteInfo;
use crate::integrations::{Integration, NotifyContext};
use crate::metrics::{FailureLabels, Metrics};
use dedup::Reason;
use model::labels::Labels;
use model::time::SharedClock;
use seams::{
    InhibitCheck, IntervalCheck, NotificationLog, ReceiverKey, SilenceCheck, StatusRecorder,
};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use template::alertmanager::Templates;
use tokio::time::Instant;

/// Everything a flush knows besides its alerts. Cheap to build: the route and the group key are
/// shared with the dispatcher's group, not copied.
#[derive(Debug, Clone)]
pub struct Flush {
    /// `<route key>:<group labels>`.
    pub group_key: Arc<str>,
    /// The group's labels.
    pub group_labels: Labels,
    /// The group's route: receiver, id (for the marker's `mutedBy`), `repeat_interval`, time
    /// intervals, raw `labels:`.
    pub route: Arc<RouteInfo>,
    /// The route's `labels:` rendered against this flush's alerts
    /// ([`crate::template_data::render_route_labels`]; empty when the route has none).
    pub route_labels: BTreeMap<String, String>,
    /// The tick time: every decision of the flush uses it.
    pub now: Time,
    /// When the flush gives up (cluster wait included).
    pub deadline: Instant,
}

/// The long-lived state the pipeline consults; survives config reloads.
#[derive(Clone)]
pub struct PipelineDeps {
    /// Inhibition rules over the alert store.
    pub inhibitor: Arc<dyn InhibitCheck>,
    /// Silences.
    pub silences: Arc<dyn SilenceCheck>,
    /// The config's named time intervals.
    pub time_intervals: Arc<dyn IntervalCheck>,
    /// The notification log.
    pub nflog: Arc<dyn NotificationLog>,
    /// Where mutes are recorded for the API.
    pub marker: Arc<dyn StatusRecorder>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Templates for the notifiers.
    pub templates: Arc<Templates>,
    /// `--web.external-url` without a trailing slash.
    pub external_url: String,
    /// `User-Agent` of outgoing requests.
    pub user_agent: String,
    /// The cluster peer (settle, position, leases); `None` on a single node.
    pub cluster: Option<Arc<dyn cluster::ClusterNode>>,
    /// `--data.retention`: the longest an nflog entry is kept.
    pub retention: Duration,
    /// Wall time, for the notification log's timestamps.
    pub clock: SharedClock,
}

impl fmt::Debug for PipelineDeps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipelineDeps")
            .field("external_url", &self.external_url)
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

/// A failed flush: the errors of every failing integration (or stage).
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineError {
    /// One text per failure.
    pub errors: Vec<String>,
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // errors.Join's format: one per line.
        f.write_str(&self.errors.join("\n"))
    }
}

impl std::error::Error for PipelineError {}

impl PipelineError {
    fn one(text: impl Into<String>) -> PipelineError {
        PipelineError { errors: vec![text.into()] }
    }
}

/// The per-receiver pipelines of one config.
#[derive(Debug)]
pub struct Pipeline {
    receivers: HashMap<String, Receiver>,
    deps: PipelineDeps,
    /// `deps.external_url` and `deps.user_agent`, shared by every notification.
    external_url: Arc<str>,
    user_agent: Arc<str>,
}

/// One receiver's integrations, with what every flush would otherwise rebuild for them.
#[derive(Debug)]
struct Receiver {
    name: Arc<str>,
    integrations: Vec<Slot>,
}

/// An integration and its per-flush constants: its notification log key, its name in logs
/// and errors, and its metric series.
#[derive(Debug)]
struct Slot {
    integration: Integration,
    log_key: ReceiverKey,
    meters: retry::Meters,
}

impl Pipeline {
    /// A pipeline for `receivers` (name → integrations, as [`crate::integrations::build`] makes
    /// them).
    pub fn new(receivers: HashMap<String, Vec<Integration>>, deps: PipelineDeps) -> Pipeline {
        let receivers = receivers
            .into_iter()
            .map(|(name, integrations)| {
                let integrations = integrations
                    .into_iter()
                    .map(|integration| Slot {
                        log_key: ReceiverKey {
                            group_name: name.clone(),
                            integration: integration.name.to_string(),
                            index: u32::try_from(integration.index).unwrap_or(u32::MAX),
                        },
                        meters: retry::Meters::new(&deps.metrics, &name, &integration),
                        integration,
                    })
                    .collect();
                let rcv = Receiver { name: name.as_str().into(), integrations };
                (name, rcv)
            })
            .collect();
        Pipeline {
            receivers,
            external_url: deps.external_url.as_str().into(),
            user_agent: deps.user_agent.as_str().into(),
            deps,
        }
    }

    /// The shared state.
    pub fn deps(&self) -> &PipelineDeps {
        &self.deps
    }

    /// The current cluster wait, `position × --cluster.peer-timeout` (part of every flush
    /// deadline; zero on a single node).
    pub fn cluster_wait(&self) -> Duration {
        self.deps.cluster.as_deref().map_or(Duration::ZERO, cluster::wait_for)
    }

    /// Runs one flush. `alerts` are presented as the dispatcher presents them: resolved ones
    /// with their `ends_at`, firing ones with `ends_at` zeroed, sorted.
    pub async fn exec(&self, flush: &Flush, alerts: Vec<Alert>) -> Result<(), PipelineError> {
        let Some(receiver) = self.receivers.get(&flush.route.receiver) else {
            return Err(PipelineError::one("stage for receiver missing"));
        };
        let deps = &self.deps;
        let mut alerts = alerts;
        if alerts.is_empty() {
            return Ok(());
        }
        // GossipSettle: nothing is decided before the peer has the cluster's state.
        if let Some(c) = &deps.cluster
            && tokio::time::timeout_at(flush.deadline, c.wait_ready()).await.is_err()
        {
            return Err(PipelineError::one(
                "context deadline exceeded (waiting for the cluster to settle)",
            ));
        }
        alerts = stages::inhibit(deps, flush, alerts);
        if alerts.is_empty() {
            return Ok(());
        }
        alerts = stages::time_active(deps, flush, alerts).map_err(PipelineError::one)?;
        if alerts.is_empty() {
            return Ok(());
        }
        alerts = stages::time_mute(deps, flush, alerts).map_err(PipelineError::one)?;
        if alerts.is_empty() {
            return Ok(());
        }
        alerts = stages::silence(deps, flush, alerts);
        if alerts.is_empty() {
            return Ok(());
        }
        // Which alerts fire is the same for every integration: hash them once.
        let (mut firing, mut resolved) = (Vec::new(), Vec::new());
        for a in &alerts {
            if a.resolved_at(flush.now) { &mut resolved } else { &mut firing }.push(a.hash());
        }
        let batch = Batch { alerts: &alerts, firing: &firing, resolved: &resolved };
        let errors: Vec<String> = match receiver.integrations.as_slice() {
            // The common case needs no join (and none of its allocations).
            [one] => {
                self.integration(receiver, one, flush, &batch).await.err().into_iter().collect()
            }
            many => {
                let branches = many.iter().map(|i| self.integration(receiver, i, flush, &batch));
                futures::future::join_all(branches)
                    .await
                    .into_iter()
                    .filter_map(Result::err)
                    .collect()
            }
        };
        if errors.is_empty() { Ok(()) } else { Err(PipelineError { errors }) }
    }

    /// One integration's branch: cluster wait, dedup, send, log.
    async fn integration(
        &self,
        receiver: &Receiver,
        slot: &Slot,
        flush: &Flush,
        batch: &Batch<'_>,
    ) -> Result<(), String> {
        let deps = &self.deps;
        let integration = &slot.integration;
        let wait = self.cluster_wait();
        if !wait.is_zero() {
            let until = Instant::now() + wait;
            if until > flush.deadline {
                tokio::time::sleep_until(flush.deadline).await;
                return Err("context deadline exceeded".to_string());
            }
            tokio::time::sleep_until(until).await;
        }

        let key = &slot.log_key;
        let decide = |last: Option<&seams::LogEntry>| {
            // A peer notified after this flush's tick: it acted on alerts at least as new as
            // ours, so ours are stale (upstream #4179: a late peer's stale resend). The next
            // flush decides on fresh alerts.
            if deps.cluster.is_some() && last.is_some_and(|e| e.timestamp > flush.now) {
                return Reason::DoNotNotify;
            }
            dedup::decide(
                last,
                batch.firing,
                batch.resolved,
                integration.send_resolved,
                flush.route.repeat_interval,
                flush.now,
            )
        };
        let wall = || crate::alert::from_system_time(deps.clock.now_system());
        let sends = integration.send_resolved || !batch.firing.is_empty();
        // In a cluster: wait while another peer is sending this, then claim it.
        let claim = match deps.cluster.as_deref() {
            Some(node) if sends => {
                let needed = || decide(deps.nflog.last(&flush.group_key, key).as_ref()).notifies();
                let turn = cluster::await_turn(
                    node,
                    deps.nflog.as_ref(),
                    &flush.group_key,
                    key,
                    flush.deadline,
                    wall,
                    needed,
                )
                .await;
                match turn {
                    Ok(false) => return Ok(()),
                    Ok(true) => deps.nflog.claim(
                        &flush.group_key,
                        key,
                        node.name(),
                        cluster::lease_ttl(node),
                        wall(),
                    ),
                    Err(cluster::Hold::Deferred(peer)) => {
                        return Err(format!(
                            "{}: not sent: peer {peer} is sending this notification",
                            slot.meters.name
                        ));
                    }
                }
            }
            _ => None,
        };
        let last = deps.nflog.last(&flush.group_key, key);
        let reason = decide(last.as_ref());
        if !reason.notifies() {
            if let Some(c) = &claim {
                deps.nflog.release(c, wall());
            }
            return Ok(());
        }
        let previous_data = match (reason, last) {
            (Reason::FirstNotification, _) | (_, None) => BTreeMap::new(),
            (_, Some(e)) => e.receiver_data,
        };

        slot.meters.notifications.inc();
        let receiver_data = if !integration.send_resolved && batch.firing.is_empty() {
            // Nothing to send, but the log must learn that nothing fires any more.
            previous_data
        } else {
            let sent_alerts: Vec<Alert>;
            let to_send: &[Alert] = if integration.send_resolved || batch.resolved.is_empty() {
                batch.alerts
            } else {
                sent_alerts =
                    batch.alerts.iter().filter(|a| !a.resolved_at(flush.now)).cloned().collect();
                &sent_alerts
            };
            let cx = NotifyContext {
                group_key: flush.group_key.clone(),
                receiver: receiver.name.clone(),
                group_labels: flush.group_labels.clone(),
                route_labels: flush.route_labels.clone(),
                notification_reason: reason.as_str().into(),
                external_url: self.external_url.clone(),
                templates: deps.templates.clone(),
                now: flush.now,
                receiver_data: previous_data.clone(),
                user_agent: self.user_agent.clone(),
            };
            let send = retry::send(integration, &slot.meters, &cx, to_send, flush.deadline);
            let outcome = match (&claim, deps.cluster.as_deref()) {
                (Some(c), Some(node)) => {
                    cluster::send_holding(node, deps.nflog.as_ref(), c.clone(), wall, send).await
                }
                _ => Some(send.await),
            };
            let Some(outcome) = outcome else {
                if let Some(c) = &claim {
                    deps.nflog.release(c, wall());
                }
                return Err(format!("{}: stopped: another peer took over", slot.meters.name));
            };
            match outcome {
                Ok(sent) => sent.receiver_data.unwrap_or(previous_data),
                Err(failure) => {
                    if let Some(c) = &claim {
                        deps.nflog.release(c, wall());
                    }
                    deps.metrics
                        .notifications_failed_total
                        .get_or_create(&FailureLabels {
                            integration: integration.name.to_string(),
                            reason: failure.reason.as_str().to_string(),
                        })
                        .inc();
                    return Err(failure.message);
                }
            }
        };

        let expiry = (flush.route.repeat_interval.saturating_mul(2)).min(deps.retention);
        let now = wall();
        let logged = deps.nflog.log(
            key,
            &flush.group_key,
            batch.firing.to_vec(),
            batch.resolved.to_vec(),
            receiver_data,
            expiry,
            now,
        );
        if let Some(c) = &claim {
            deps.nflog.release(c, now);
        }
        logged
    }
}

/// The alerts one flush sends, and their hashes split by state (in the alerts' order).
struct Batch<'a> {
    alerts: &'a [Alert],
    firing: &'a [u64],
    resolved: &'a [u64],
}
