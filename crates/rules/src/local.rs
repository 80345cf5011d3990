//! [`LocalEngine`]: rule queries evaluated by the PromQL engine over the local store.
//!
//! The engine is synchronous and CPU-bound, so a query runs on tokio's blocking pool
//! (`spawn_blocking`) rather than on the group's task, where a heavy query would stall other
//! groups and the API on the same worker. Outside a tokio runtime it runs inline, and so does
//! the engine [`QueryEngine::for_blocking_thread`] gives (the rule manager evaluates a whole
//! group on one blocking thread: one hand-off per group instead of one per rule).

use std::sync::Arc;

use model::storage::Storage;
use promql::{Engine, QueryOptions, Value};

use crate::seams::{BoxFuture, QueryEngine, QueryError, RuleQuery, Sample};

/// The PromQL engine over a [`Storage`].
#[derive(Clone)]
pub struct LocalEngine {
    engine: Engine,
    storage: Arc<dyn Storage>,
    /// Queries run on the calling thread (which is not an async worker).
    inline: bool,
}

impl std::fmt::Debug for LocalEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalEngine").field("engine", &self.engine).finish_non_exhaustive()
    }
}

impl LocalEngine {
    pub fn new(engine: Engine, storage: Arc<dyn Storage>) -> Self {
        LocalEngine { engine, storage, inline: false }
    }

    /// The synchronous query: a vector as its samples, a scalar as one unlabelled sample.
    pub fn instant_sync(&self, query: &RuleQuery, t_ms: i64) -> Result<Vec<Sample>, QueryError> {
        run(&self.engine, self.storage.as_ref(), query, t_ms)
    }
}

fn run(
    engine: &Engine,
    storage: &dyn Storage,
    query: &RuleQuery,
    t_ms: i64,
) -> Result<Vec<Sample>, QueryError> {
    let res = engine
        .instant_query(storage, &query.expr, t_ms, &QueryOptions::default())
        .map_err(|e| QueryError(e.to_string()))?;
    match res.value {
        Value::Vector(v) => Ok(v
            .into_iter()
            .map(|s| Sample {
                labels: if s.drop_name { s.metric.drop_metric_name() } else { s.metric },
                f: s.f,
            })
            .collect()),
        Value::Scalar { f, .. } => Ok(vec![Sample { labels: Default::default(), f }]),
        _ => Err(QueryError("rule result is not a vector or scalar".into())),
    }
}

impl QueryEngine for LocalEngine {
    fn instant<'a>(
        &'a self,
        query: &'a RuleQuery,
        t_ms: i64,
    ) -> BoxFuture<'a, Result<Vec<Sample>, QueryError>> {
        Box::pin(async move {
            if self.inline || tokio::runtime::Handle::try_current().is_err() {
                return self.instant_sync(query, t_ms);
            }
            let engine = self.engine.clone();
            let storage = Arc::clone(&self.storage);
            let query = query.clone();
            tokio::task::spawn_blocking(move || run(&engine, storage.as_ref(), &query, t_ms))
                .await
                .map_err(|e| QueryError(format!("query task failed: {e}")))?
        })
    }

    fn for_blocking_thread(&self) -> Option<Arc<dyn QueryEngine>> {
        Some(Arc::new(LocalEngine { inline: true, ..self.clone() }))
    }
}
