//! What the manager needs of a rule group, as a trait: the scheduler, reload and API code
//! work the same over the real [`crate::group::Group`] and the scripted groups of the tests.

use std::any::Any;
use std::time::Duration;

use model::labels::Labels;
use model::storage::Appendable;

use super::view::RuleStatus;
use crate::file::GroupSpec;
use crate::group::EvalSummary;
use crate::seams::{Alert, BoxFuture};

/// A group the manager schedules. The running task owns it exclusively; the API reads the
/// snapshot the task publishes after each evaluation.
pub trait ManagedGroup: Send + Sync + 'static {
    /// One evaluation at the slot `ts_ms` (query offset applied inside, as upstream).
    fn eval(&mut self, ts_ms: i64) -> BoxFuture<'_, EvalSummary>;

    /// The alerts due for sending after the evaluation at `ts_ms` (updates their sent times).
    fn alerts_to_send(&mut self, ts_ms: i64, resend_delay: Duration) -> Vec<Alert>;

    /// Restores `for` state from `ALERTS_FOR_STATE` (once, after the second evaluation of
    /// the first load).
    fn restore_for_state(&mut self, now_ms: i64) -> BoxFuture<'_, ()>;

    /// Takes over the alert and staleness state of the group this one replaces.
    fn copy_state_from(&mut self, old: &dyn ManagedGroup);

    /// A removed group: stale markers at `ts_ms − query_offset` for every series its last
    /// evaluation wrote.
    fn mark_stale(&self, ts_ms: i64, appendable: &dyn Appendable);

    /// The rules' state for the API.
    fn rules(&self) -> Vec<RuleStatus>;

    /// For [`ManagedGroup::copy_state_from`] to reach the concrete type.
    fn as_any(&self) -> &dyn Any;
}

/// The resolved settings of one group: the file's values or the global defaults.
#[derive(Debug, Clone)]
pub struct GroupSettings {
    pub file: String,
    pub interval: Duration,
    pub query_offset: Duration,
    /// Whether the group restores `for` state after its second evaluation (groups of the
    /// first load only, as upstream).
    pub restore: bool,
    /// `global.external_labels` at the update that built the group (`$externalLabels`).
    pub external_labels: Labels,
}

/// Builds groups from their specs.
pub trait GroupFactory: Send + Sync {
    fn build(&self, spec: &GroupSpec, settings: &GroupSettings) -> Box<dyn ManagedGroup>;
}
