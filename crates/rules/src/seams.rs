//! The two seams rules work through, so the same rule code runs over the local TSDB or a
//! remote Prometheus-compatible API, and hands alerts to an HTTP notifier or the embedded
//! Alertmanager without knowing which.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use model::labels::Labels;

/// A boxed future, `Send`, as the seams return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A rule's expression: the text as written (what a remote datasource is sent, and what
/// `/api/v1/rules` shows) and the parsed form the local engine evaluates.
#[derive(Debug, Clone)]
pub struct RuleQuery {
    pub text: String,
    pub expr: Arc<promql::Expr>,
}

/// One element of an instant query's answer at the evaluation time.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: Labels,
    pub f: f64,
}

/// Why a query failed (the engine's or the datasource's text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

/// Evaluates rule expressions.
pub trait QueryEngine: Send + Sync + std::fmt::Debug {
    /// `query` at `t_ms`. A vector answers as its samples; a scalar as one sample with no
    /// labels (as upstream's rule evaluation does); anything else is an error.
    fn instant<'a>(
        &'a self,
        query: &'a RuleQuery,
        t_ms: i64,
    ) -> BoxFuture<'a, Result<Vec<Sample>, QueryError>>;

    /// This engine for a caller that is already on a thread of its own (a rule group
    /// evaluated on tokio's blocking pool): queries then run right there instead of each
    /// hopping to another thread and back. `None` (the default) when the engine is fine to
    /// await anywhere (remote datasources wait on the network, not the CPU).
    fn for_blocking_thread(&self) -> Option<Arc<dyn QueryEngine>> {
        None
    }
}

/// An alert as sent to Alertmanagers (API v2 `PostableAlert`); times in ms since the epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub labels: Labels,
    pub annotations: Labels,
    pub starts_at_ms: i64,
    /// Always set for rule alerts (upstream's `4 × max(resend_delay, interval)` ahead while
    /// firing, the resolve time once resolved).
    pub ends_at_ms: i64,
    pub generator_url: String,
}

/// Where rule groups hand the alerts of an evaluation (the notifier, the embedded
/// Alertmanager, both). Must not block: queue and return.
pub trait AlertSink: Send + Sync + std::fmt::Debug {
    fn send(&self, alerts: Vec<Alert>);
}
