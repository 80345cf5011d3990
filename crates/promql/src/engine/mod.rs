//! Query evaluation: instant and range queries over the storage seam.
//!
//! Every expression node evaluates to its values at all steps of the query (an instant query is
//! a range query with one step), so functions of range vectors run series at a time over all
//! steps instead of re-running the expression per step.
//!
//! - `eval`: the evaluator, node dispatch, step-invariant (`@`-pinned) subtrees evaluated once,
//!   aggregations; `steps`: the grid of evaluation times.
//! - `selector`: instant selectors (lookback, staleness, `offset`, `@`) and range selectors.
//! - `call`: range-vector functions over a sliding window per series, the other functions
//!   per step, and the engine's own `timestamp`, `absent_over_time`, `start()`/`end()`/…
//! - `subquery`: inner grids aligned to absolute multiples of the subquery step.
//! - `binary`: arithmetic, comparisons and vector matching; set operators.
//! - `collect`, `names`: output series, `__name__` removal (immediate or delayed) and duplicate
//!   label sets; `limits`: samples held, deadline, cancellation.

mod binary;
mod call;
mod collect;
mod eval;
mod limits;
mod names;
mod selector;
mod steps;
mod subquery;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use model::storage::Storage;

use crate::ast::Expr;
use crate::value::{Annotations, Value};

/// Engine-wide settings; Prometheus' defaults.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// `--query.lookback-delta`, ms (5m).
    pub lookback_delta: i64,
    /// `--query.max-samples` (50,000,000): samples a query may hold in memory at once.
    pub max_samples: usize,
    /// `--query.timeout` (2m).
    pub timeout: Duration,
    /// Step of subqueries written without one, ms (the global evaluation interval, 1m).
    pub default_subquery_step: i64,
    /// Prometheus' delayed name removal (`promql-delayed-name-removal`; on in promqltest).
    pub delayed_name_removal: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            lookback_delta: 5 * 60 * 1000,
            max_samples: 50_000_000,
            timeout: Duration::from_secs(120),
            default_subquery_step: 60 * 1000,
            delayed_name_removal: false,
        }
    }
}

/// Per-query settings.
#[derive(Debug, Clone, Default)]
pub struct QueryOptions {
    /// Overrides the engine's lookback delta (the API's `lookback_delta`), ms.
    pub lookback_delta: Option<i64>,
    /// Overrides the engine's timeout (the API's `timeout`).
    pub timeout: Option<Duration>,
    /// Set to true to cancel a running query; it fails with [`QueryError::Canceled`].
    pub cancel: Option<Arc<AtomicBool>>,
}

/// A query's answer and the annotations raised on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    pub value: Value,
    pub annotations: Annotations,
}

/// Why a query failed. `Display` gives Prometheus' message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// Runtime errors (`execution` in the API): bad parameters, many-to-many matching, ...
    #[error("{0}")]
    Execution(String),
    #[error("query processing would load too many samples into memory in {0}")]
    TooManySamples(&'static str),
    #[error("query timed out in {0}")]
    Timeout(&'static str),
    #[error("query was canceled in {0}")]
    Canceled(&'static str),
    #[error("{0}")]
    Storage(String),
}

/// The PromQL engine. Cheap to share; holds only settings.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    opts: EngineOptions,
}

impl Engine {
    pub fn new(opts: EngineOptions) -> Self {
        Engine { opts }
    }

    pub fn options(&self) -> &EngineOptions {
        &self.opts
    }

    /// Evaluates `expr` at `t` (ms). Vectors come back as [`Value::Vector`] with every sample's
    /// `t` equal to `t`, scalars and strings as themselves; a range-vector expression gives
    /// [`Value::Matrix`].
    pub fn instant_query(
        &self,
        storage: &dyn Storage,
        expr: &Expr,
        t: i64,
        opts: &QueryOptions,
    ) -> Result<QueryResult, QueryError> {
        eval::instant(self, storage, expr, t, opts)
    }

    /// Evaluates `expr` at `start, start+step, … ≤ end` (ms). Always a [`Value::Matrix`] sorted by
    /// labels, series without points omitted. `expr` must be of scalar or vector type.
    pub fn range_query(
        &self,
        storage: &dyn Storage,
        expr: &Expr,
        start: i64,
        end: i64,
        step: i64,
        opts: &QueryOptions,
    ) -> Result<QueryResult, QueryError> {
        eval::range(self, storage, expr, start, end, step, opts)
    }
}
