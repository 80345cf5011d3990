//! Receivers: one module per integration type, each turning a notification into the requests
//! its service expects. The pipeline ([`crate::notify`]) decides *whether* to send (dedup,
//! `send_resolved`) and retries; a notifier only sends once and says whether a failure is
//! worth retrying.

use crate::alert::{Alert, Time};
use crate::config::receivers::{IntegrationConfig, Receiver};
use futures::future::BoxFuture;
use model::labels::Labels;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use template::alertmanager::Templates;

pub mod http;
pub mod tls;

pub mod discord;
pub mod email;
pub mod incidentio;
pub mod jira;
pub mod mattermost;
pub mod msteams;
pub mod msteamsv2;
pub mod opsgenie;
pub mod pagerduty;
pub mod pushover;
pub mod rocketchat;
pub mod slack;
pub mod sns;
pub mod telegram;
pub mod victorops;
pub mod webex;
pub mod webhook;
pub mod wechat;

/// Everything about one notification except its alerts. The strings are shared (`Arc`) with
/// the pipeline, so building one per send costs no copies.
#[derive(Debug, Clone)]
pub struct NotifyContext {
    /// The aggregation group's key (`{}/{severity="critical"}:{alertname="x"}`).
    pub group_key: Arc<str>,
    /// The receiver's name, as configured (not regex-escaped).
    pub receiver: Arc<str>,
    /// The group's labels.
    pub group_labels: Labels,
    /// The route's `labels:`, already rendered by the dispatcher
    /// ([`crate::template_data::render_route_labels`]).
    pub route_labels: BTreeMap<String, String>,
    /// Why this notification goes out (`first notification`, ...).
    pub notification_reason: Cow<'static, str>,
    /// `--web.external-url` without a trailing slash.
    pub external_url: Arc<str>,
    /// The loaded templates (defaults plus the config's `templates:` files).
    pub templates: Arc<Templates>,
    /// The flush's tick time: alerts with `ends_at <= now` are resolved.
    pub now: Time,
    /// What this integration stored in the notification log last time (Slack keeps its
    /// `threadTs`/`channelId` there for `update_message`).
    pub receiver_data: BTreeMap<String, String>,
    /// `User-Agent` of outgoing requests.
    pub user_agent: Arc<str>,
}

/// A successful send.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sent {
    /// Data to store in the notification log entry for next time (see
    /// [`NotifyContext::receiver_data`]); `None` keeps nothing.
    pub receiver_data: Option<BTreeMap<String, String>>,
}

/// Why a send failed, as the `reason` label of `alertmanager_notifications_failed_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    /// A 4xx other than the ones below.
    ClientError,
    /// A 5xx.
    ServerError,
    /// 401 or 403.
    AuthError,
    /// 429.
    RateLimited,
    /// The flush was cancelled.
    ContextCanceled,
    /// The flush deadline or the request timeout passed.
    ContextDeadlineExceeded,
    /// Anything else (transport errors, template errors, ...).
    Other,
}

impl FailureReason {
    /// The metric label value.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::ClientError => "clientError",
            FailureReason::ServerError => "serverError",
            FailureReason::AuthError => "authError",
            FailureReason::RateLimited => "rateLimited",
            FailureReason::ContextCanceled => "contextCanceled",
            FailureReason::ContextDeadlineExceeded => "contextDeadlineExceeded",
            FailureReason::Other => "other",
        }
    }

    /// The reason for an HTTP status code (upstream's classification).
    pub fn from_status(code: u16) -> FailureReason {
        match code {
            401 | 403 => FailureReason::AuthError,
            429 => FailureReason::RateLimited,
            400..=499 => FailureReason::ClientError,
            500..=599 => FailureReason::ServerError,
            _ => FailureReason::Other,
        }
    }
}

/// A failed send.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyError {
    /// Whether the pipeline should try again (with backoff, until the flush deadline).
    pub retryable: bool,
    /// For the failure metric.
    pub reason: FailureReason,
    /// What went wrong, without secrets (no webhook URLs, no tokens).
    pub message: String,
}

impl NotifyError {
    /// A failure worth retrying.
    pub fn retryable(reason: FailureReason, message: impl Into<String>) -> NotifyError {
        NotifyError { retryable: true, reason, message: message.into() }
    }

    /// A failure that retrying will not fix (bad template, 4xx, ...).
    pub fn permanent(reason: FailureReason, message: impl Into<String>) -> NotifyError {
        NotifyError { retryable: false, reason, message: message.into() }
    }
}

impl fmt::Display for NotifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NotifyError {}

/// Sends one notification. `alerts` are what the pipeline decided to send (already without
/// resolved alerts when `send_resolved` is false), sorted, with firing alerts' `ends_at`
/// zeroed.
pub trait Notifier: Send + Sync + fmt::Debug {
    /// One attempt.
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>>;
}

/// One configured integration of a receiver: `webhook[0]`, `email[1]`, ...
#[derive(Debug, Clone)]
pub struct Integration {
    /// The type name (`webhook`, `slack`, ...).
    pub name: &'static str,
    /// Position in its `*_configs` list.
    pub index: usize,
    /// Whether resolved alerts are sent.
    pub send_resolved: bool,
    /// The sender.
    pub notifier: Arc<dyn Notifier>,
}

/// What building a notifier may need besides its config.
#[derive(Debug, Clone)]
pub struct BuildEnv {
    /// `Alertmanager/<version>`-style `User-Agent` for outgoing requests.
    pub user_agent: String,
}

/// Builds every integration of a validated receiver, in upstream's order (by type name, then
/// list index).
pub fn build(receiver: &Receiver, env: &BuildEnv) -> Result<Vec<Integration>, String> {
    let mut out = Vec::new();
    macro_rules! add {
        ($field:ident, $module:ident) => {
            for (index, entry) in receiver.$field.iter().enumerate() {
                if let Some(cfg) = &entry.value {
                    out.push(Integration {
                        name: name_of(cfg),
                        index,
                        send_resolved: cfg.send_resolved(),
                        notifier: $module::build(cfg, env)?,
                    });
                }
            }
        };
    }
    add!(discord_configs, discord);
    add!(email_configs, email);
    add!(incidentio_configs, incidentio);
    add!(jira_configs, jira);
    add!(mattermost_configs, mattermost);
    add!(msteams_configs, msteams);
    add!(msteamsv2_configs, msteamsv2);
    add!(opsgenie_configs, opsgenie);
    add!(pagerduty_configs, pagerduty);
    add!(pushover_configs, pushover);
    add!(rocketchat_configs, rocketchat);
    add!(slack_configs, slack);
    add!(sns_configs, sns);
    add!(telegram_configs, telegram);
    add!(victorops_configs, victorops);
    add!(webex_configs, webex);
    add!(webhook_configs, webhook);
    add!(wechat_configs, wechat);
    Ok(out)
}

fn name_of<C: IntegrationConfig>(_: &C) -> &'static str {
    C::NAME
}
