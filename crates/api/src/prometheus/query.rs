//! `/api/v1/query`, `/api/v1/query_range`, `/api/v1/format_query`, `/api/v1/parse_query`,
//! `/api/v1/query_exemplars`.
//!
//! Queries run on tokio's blocking pool (the engine is synchronous), at most
//! `max_concurrency` at once; waiting for a slot counts towards the timeout, as in upstream's
//! query queue. When the client goes away the handler's future is dropped, which sets the
//! query's cancel flag, so the engine stops at its next check.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use promql::ast::{Expr, ValueType};
use promql::{QueryError, QueryOptions, QueryResult, Value};

use super::Shared;
use super::encode::write_query_data;
use super::params::{Form, limit_param, parse_duration_ms, parse_time, time_param};
use super::response::{ApiError, ApiResult, ErrorType, Pieces, Success};

/// Most points a range query may return per series.
const MAX_POINTS: i64 = 11_000;

/// Sets the flag when dropped: the request's future is dropped when its client disconnects.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The upstream error type of an engine error.
fn engine_error(e: QueryError) -> ApiError {
    let kind = match &e {
        QueryError::Timeout(_) => ErrorType::Timeout,
        QueryError::Canceled(_) => ErrorType::Canceled,
        QueryError::Storage(_) => ErrorType::Internal,
        QueryError::Execution(_) | QueryError::TooManySamples(_) => ErrorType::Execution,
    };
    ApiError::new(kind, e.to_string())
}

/// Settings shared by both query kinds: `timeout` and `lookback_delta`.
struct Common {
    timeout: Duration,
    lookback_delta: Option<i64>,
}

fn timeout_param(form: &Form, shared: &Shared) -> Result<Duration, ApiError> {
    let engine_timeout = shared.backend.engine.options().timeout;
    let s = form.get("timeout");
    if s.is_empty() {
        return Ok(engine_timeout);
    }
    let ms = parse_duration_ms(s).map_err(|e| ApiError::invalid_param("timeout", e))?;
    // A deadline in the past times the query out at once, as upstream's context would.
    let asked = Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    Ok(asked.min(engine_timeout))
}

fn lookback_param(form: &Form) -> Result<Option<i64>, ApiError> {
    let s = form.get("lookback_delta");
    if s.is_empty() {
        return Ok(None);
    }
    let ms = parse_duration_ms(s)
        .map_err(|e| ApiError::bad_data(format!("error parsing lookback delta duration: {e}")))?;
    // Zero or negative: the engine's default, as upstream.
    Ok((ms > 0).then_some(ms))
}

fn parse_query(form: &Form, shared: &Shared) -> Result<Expr, ApiError> {
    promql::parse_with(form.get("query"), shared.backend.parse_options)
        .map_err(|e| ApiError::invalid_param("query", e))
}

/// Runs `job` on the blocking pool within the concurrency limit and the timeout.
///
/// Jobs evaluate and also encode their result there: the response is written on the thread
/// (and so in the allocator arena) that held the result, which is then freed for the next
/// query's, instead of on whichever runtime worker polls the handler.
async fn execute<F, T>(shared: &Arc<Shared>, common: &Common, job: F) -> Result<T, ApiError>
where
    F: FnOnce(
            &dyn model::storage::Storage,
            &promql::Engine,
            &QueryOptions,
        ) -> Result<T, QueryError>
        + Send
        + 'static,
    T: Send + 'static,
{
    let started = Instant::now();
    let permit =
        match tokio::time::timeout(common.timeout, shared.slots.clone().acquire_owned()).await {
            Ok(Ok(p)) => p,
            Ok(Err(_)) => {
                return Err(ApiError::new(ErrorType::Unavailable, "query engine is shut down"));
            }
            Err(_) => return Err(engine_error(QueryError::Timeout("query queue"))),
        };
    let cancel = Arc::new(AtomicBool::new(false));
    let _guard = CancelOnDrop(cancel.clone());
    let opts = QueryOptions {
        lookback_delta: common.lookback_delta,
        timeout: Some(common.timeout.saturating_sub(started.elapsed())),
        cancel: Some(cancel),
    };
    let storage = shared.backend.storage.clone();
    let engine = shared.backend.engine.clone();
    let handle = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        job(storage.as_ref(), &engine, &opts)
    });
    match handle.await {
        Ok(r) => r.map_err(engine_error),
        Err(e) => {
            tracing::error!(err = %e, "query evaluation panicked");
            Err(ApiError::new(ErrorType::Internal, "query evaluation failed unexpectedly"))
        }
    }
}

/// Cuts vectors and matrices to `limit` elements, saying so in a warning.
fn finish(mut result: QueryResult, limit: usize) -> Success {
    let mut warnings = std::mem::take(&mut result.annotations.warnings);
    if limit > 0 {
        let truncated = match &mut result.value {
            Value::Vector(v) if v.len() > limit => {
                v.truncate(limit);
                true
            }
            Value::Matrix(m) if m.len() > limit => {
                m.truncate(limit);
                true
            }
            _ => false,
        };
        if truncated {
            warnings.push("results truncated due to limit".into());
        }
    }
    // Written straight into the response body, in pieces: results can be megabytes.
    let mut body = Pieces::new();
    write_query_data(&mut body, &result.value);
    drop(result.value);
    body.into_success(warnings, std::mem::take(&mut result.annotations.infos))
}

/// `GET|POST /api/v1/query`.
pub async fn instant(shared: Arc<Shared>, form: Form) -> ApiResult {
    let limit = limit_param(&form)?;
    let now = shared.backend.clock.now().as_millis();
    let t = time_param(&form, "time", now)?;
    let timeout = timeout_param(&form, &shared)?;
    let lookback_delta = lookback_param(&form)?;
    let expr = parse_query(&form, &shared)?;
    let common = Common { timeout, lookback_delta };
    execute(&shared, &common, move |storage, engine, opts| {
        engine.instant_query(storage, &expr, t, opts).map(|r| finish(r, limit))
    })
    .await
}

/// `GET|POST /api/v1/query_range`.
pub async fn range(shared: Arc<Shared>, form: Form) -> ApiResult {
    let limit = limit_param(&form)?;
    let start = parse_time(form.get("start")).map_err(|e| ApiError::invalid_param("start", e))?;
    let end = parse_time(form.get("end")).map_err(|e| ApiError::invalid_param("end", e))?;
    if end < start {
        return Err(ApiError::invalid_param("end", "end timestamp must not be before start time"));
    }
    let step =
        parse_duration_ms(form.get("step")).map_err(|e| ApiError::invalid_param("step", e))?;
    if step <= 0 {
        return Err(ApiError::invalid_param(
            "step",
            "zero or negative query resolution step widths are not accepted. Try a positive integer",
        ));
    }
    if (end - start) / step > MAX_POINTS {
        return Err(ApiError::bad_data(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
        ));
    }
    let timeout = timeout_param(&form, &shared)?;
    let lookback_delta = lookback_param(&form)?;
    let expr = parse_query(&form, &shared)?;
    let ty = expr.value_type();
    if ty != ValueType::Vector && ty != ValueType::Scalar {
        let documented = match ty {
            ValueType::Matrix => "range vector",
            other => other.as_str(),
        };
        return Err(ApiError::invalid_param(
            "query",
            format!(
                "invalid expression type \"{documented}\" for range query, must be Scalar or instant Vector"
            ),
        ));
    }
    let common = Common { timeout, lookback_delta };
    execute(&shared, &common, move |storage, engine, opts| {
        engine.range_query(storage, &expr, start, end, step, opts).map(|r| finish(r, limit))
    })
    .await
}

/// `GET|POST /api/v1/format_query`: the expression as Prometheus' `Prettify` prints it.
pub fn format(shared: &Shared, form: &Form) -> ApiResult {
    let expr = parse_query(form, shared)?;
    let mut data = String::new();
    super::json::write_str(&mut data, &expr.pretty());
    Ok(Success::raw(data))
}

/// `GET|POST /api/v1/parse_query`: the syntax tree in upstream's JSON shape.
pub fn parse_tree(shared: &Shared, form: &Form) -> ApiResult {
    let expr = parse_query(form, shared)?;
    Ok(Success::json(&super::json::Json::from_serde_sorted(&promql::ast_json::to_json(&expr))))
}

/// `GET|POST /api/v1/query_exemplars`: klaxon stores no exemplars; the parameters are checked
/// as upstream checks them and the answer is an empty list.
pub fn exemplars(shared: &Shared, form: &Form) -> ApiResult {
    let start = time_param(form, "start", super::params::MIN_TIME)?;
    let end = time_param(form, "end", super::params::MAX_TIME)?;
    if end < start {
        return Err(ApiError::bad_data("end timestamp must not be before start timestamp"));
    }
    promql::parse_with(form.get("query"), shared.backend.parse_options)
        .map_err(|e| ApiError::bad_data(e.to_string()))?;
    Ok(Success::raw("[]".into()))
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use tokio::sync::Semaphore;

    use super::super::PromBackend;
    use super::*;

    fn shared(slots: usize) -> Arc<Shared> {
        let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
        let backend = PromBackend::new(head, promql::Engine::default());
        Arc::new(Shared { backend, slots: Arc::new(Semaphore::new(slots)) })
    }

    fn common(timeout: Duration) -> Common {
        Common { timeout, lookback_delta: None }
    }

    /// A job that signals when it runs, then waits for the cancel flag (at most 30 s, so a
    /// broken cancellation fails the test instead of hanging it).
    fn waiting_job(
        started: mpsc::Sender<()>,
        saw_cancel: mpsc::Sender<bool>,
    ) -> impl FnOnce(
        &dyn model::storage::Storage,
        &promql::Engine,
        &QueryOptions,
    ) -> Result<QueryResult, QueryError>
    + Send
    + 'static {
        move |_, _, opts| {
            let _ = started.send(());
            let flag = opts.cancel.clone().unwrap_or_default();
            let mut seen = false;
            for _ in 0..30_000 {
                if flag.load(Ordering::Relaxed) {
                    seen = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            let _ = saw_cancel.send(seen);
            Err(QueryError::Canceled("query execution"))
        }
    }

    #[tokio::test]
    async fn dropping_the_request_cancels_the_query_and_frees_its_slot() {
        let shared = shared(1);
        let (started_tx, started_rx) = mpsc::channel();
        let (seen_tx, seen_rx) = mpsc::channel();
        let c = common(Duration::from_secs(60));
        let mut fut = Box::pin(execute(&shared, &c, waiting_job(started_tx, seen_tx)));
        let started = tokio::task::spawn_blocking(move || started_rx.recv());
        tokio::select! {
            _ = &mut fut => panic!("the query ended before it was dropped"),
            r = started => assert!(r.unwrap().is_ok()),
        }
        drop(fut);
        let seen = tokio::task::spawn_blocking(move || seen_rx.recv()).await.unwrap();
        assert_eq!(seen, Ok(true), "the engine never saw the cancel flag");
        // The blocking job has returned, so its slot is free again.
        let permit = shared.slots.clone().acquire_owned().await;
        assert!(permit.is_ok());
    }

    #[tokio::test]
    async fn a_full_queue_times_out_in_the_query_queue() {
        let shared = shared(1);
        let hold = shared.slots.clone().acquire_owned().await.unwrap();
        let c = common(Duration::ZERO);
        let job = |_: &dyn model::storage::Storage, _: &promql::Engine, _: &QueryOptions| {
            Err::<QueryResult, _>(QueryError::Execution("must not run".into()))
        };
        let err = execute(&shared, &c, job).await.unwrap_err();
        assert_eq!(err.kind, ErrorType::Timeout);
        assert_eq!(err.message, "query timed out in query queue");
        drop(hold);
        let err = execute(&shared, &common(Duration::from_secs(60)), job).await.unwrap_err();
        assert_eq!((err.kind, err.message.as_str()), (ErrorType::Execution, "must not run"));
    }

    #[test]
    fn engine_errors_map_to_api_types() {
        let cases = [
            (QueryError::Timeout("query execution"), ErrorType::Timeout),
            (QueryError::Canceled("query execution"), ErrorType::Canceled),
            (QueryError::Storage("disk".into()), ErrorType::Internal),
            (QueryError::Execution("x".into()), ErrorType::Execution),
            (QueryError::TooManySamples("query execution"), ErrorType::Execution),
        ];
        for (e, kind) in cases {
            assert_eq!(engine_error(e).kind, kind);
        }
    }
}
