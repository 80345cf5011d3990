//! What `/api/v1/rules` and `/api/v1/alerts` read: a snapshot of every group, its rules and
//! their active alerts, taken after each evaluation so the API never waits on one.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use model::labels::Labels;

/// Read access to the rule groups; the [`super::RuleManager`] implements it, tests fake it.
pub trait RulesView: Send + Sync {
    /// Every group, sorted by (file, name) as upstream lists them.
    fn rule_groups(&self) -> Vec<GroupStatus>;
}

/// One group as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupStatus {
    pub name: String,
    pub file: String,
    pub interval: Duration,
    pub limit: usize,
    /// How long the last evaluation took.
    pub evaluation_time: Duration,
    /// Wall time the last evaluation started; `None` before the first.
    pub last_evaluation: Option<SystemTime>,
    pub rules: Vec<RuleStatus>,
}

/// One rule as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleStatus {
    pub name: String,
    /// The expression as upstream prints it.
    pub query: String,
    /// The raw (unexpanded) group + rule labels.
    pub labels: Labels,
    pub health: RuleHealth,
    /// Set when the last evaluation failed.
    pub last_error: Option<String>,
    pub evaluation_time: Duration,
    /// Wall time the rule's last evaluation started; `None` before the first.
    pub last_evaluation: Option<SystemTime>,
    pub kind: RuleKind,
}

impl RuleStatus {
    /// Whether this is an alerting rule.
    pub fn is_alerting(&self) -> bool {
        matches!(self.kind, RuleKind::Alerting(_))
    }
}

/// What differs between alerting and recording rules in the API.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    Recording,
    Alerting(AlertingStatus),
}

/// An alerting rule's own fields.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertingStatus {
    /// The highest state of its alerts; `Inactive` when it has none, `Unknown` before the
    /// first evaluation.
    pub state: RuleState,
    pub for_: Duration,
    pub keep_firing_for: Duration,
    /// Raw (unexpanded) annotations.
    pub annotations: BTreeMap<String, String>,
    /// Pending and firing alerts only (resolved ones kept for resending are not listed).
    pub alerts: Vec<AlertStatus>,
}

/// An active alert as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertStatus {
    pub labels: Labels,
    pub annotations: Labels,
    pub state: AlertState,
    /// ms since the epoch.
    pub active_at_ms: i64,
    /// ms since the epoch; set while `keep_firing_for` holds a firing alert.
    pub keep_firing_since_ms: Option<i64>,
    pub value: f64,
}

/// Rule health (`ok`, `err`, `unknown` before the first evaluation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RuleHealth {
    #[default]
    Unknown,
    Ok,
    Err,
}

impl RuleHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleHealth::Unknown => "unknown",
            RuleHealth::Ok => "ok",
            RuleHealth::Err => "err",
        }
    }
}

/// An alert's state as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertState {
    Inactive,
    Pending,
    Firing,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Inactive => "inactive",
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        }
    }
}

/// An alerting rule's state: its alerts' highest, or `Unknown` before the first evaluation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RuleState {
    #[default]
    Unknown,
    Inactive,
    Pending,
    Firing,
}

impl RuleState {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleState::Unknown => "unknown",
            RuleState::Inactive => "inactive",
            RuleState::Pending => "pending",
            RuleState::Firing => "firing",
        }
    }
}
