//! The engine's public surface: result shapes of instant and range queries, name removal
//! with and without delay, limits, timeouts, cancellation and per-query options.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use model::labels::Labels;
use model::storage::{Appendable, stale_nan};
use promql::value::{Sample, Series};
use promql::{Engine, EngineOptions, QueryError, QueryOptions, Value, parse};
use tsdb::{Head, HeadOptions};

fn labels(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied())
}

type LabelPairs<'a> = &'a [(&'a str, &'a str)];

/// A head holding each series' `(t ms, value)` samples.
fn store(series: &[(LabelPairs<'_>, &[(i64, f64)])]) -> Head {
    let head = Head::new(HeadOptions::default());
    let mut app = head.appender();
    for (ls, samples) in series {
        for &(t, f) in *samples {
            app.append(&labels(ls), t, f).unwrap();
        }
    }
    app.commit().unwrap();
    head
}

fn instant(engine: &Engine, head: &Head, q: &str, t: i64) -> Result<Value, QueryError> {
    let expr = parse(q).unwrap();
    engine.instant_query(head, &expr, t, &QueryOptions::default()).map(|r| r.value)
}

fn range(
    engine: &Engine,
    head: &Head,
    q: &str,
    start: i64,
    end: i64,
    step: i64,
) -> Result<Value, QueryError> {
    let expr = parse(q).unwrap();
    engine.range_query(head, &expr, start, end, step, &QueryOptions::default()).map(|r| r.value)
}

fn delayed() -> Engine {
    Engine::new(EngineOptions { delayed_name_removal: true, ..EngineOptions::default() })
}

const UP: &[(&str, &str)] = &[("__name__", "up"), ("job", "a")];
const UP_B: &[(&str, &str)] = &[("__name__", "up"), ("job", "b")];
const DOWN: &[(&str, &str)] = &[("__name__", "down"), ("job", "a")];

fn sample(ls: &[(&str, &str)], t: i64, f: f64) -> Sample {
    Sample { metric: labels(ls), t, f, h: None, drop_name: false }
}

fn series(ls: &[(&str, &str)], points: &[(i64, f64)]) -> Series {
    Series {
        metric: labels(ls),
        floats: points.iter().map(|&(t, f)| promql::value::FPoint { t, f }).collect(),
        ..Series::default()
    }
}

#[test]
fn instant_vector_samples_carry_the_evaluation_time() {
    let head = store(&[(UP, &[(10_000, 1.0)]), (UP_B, &[(20_000, 0.0)])]);
    let Value::Vector(mut v) = instant(&Engine::default(), &head, "up", 25_000).unwrap() else {
        panic!("expected a vector")
    };
    v.sort_by(|a, b| a.metric.cmp(&b.metric));
    assert_eq!(v, vec![sample(UP, 25_000, 1.0), sample(UP_B, 25_000, 0.0)]);
}

#[test]
fn instant_scalars_and_strings() {
    let head = store(&[]);
    let engine = Engine::default();
    assert_eq!(
        instant(&engine, &head, "1 + 2 * 3", 5_000).unwrap(),
        Value::Scalar { t: 5_000, f: 7.0 }
    );
    assert_eq!(
        instant(&engine, &head, "\"hello\"", 5_000).unwrap(),
        Value::String { t: 5_000, s: "hello".into() }
    );
}

#[test]
fn instant_range_selector_gives_a_sorted_matrix_of_raw_points() {
    let head = store(&[
        (UP_B, &[(10_000, 1.0), (20_000, 2.0), (30_000, 3.0)]),
        (UP, &[(10_000, 5.0), (25_000, stale_nan()), (30_000, 6.0)]),
    ]);
    let got = instant(&Engine::default(), &head, "up[20s]", 30_000).unwrap();
    // (10s, 30s]: the start is exclusive and staleness markers are left out.
    assert_eq!(
        got,
        Value::Matrix(vec![
            series(UP, &[(30_000, 6.0)]),
            series(UP_B, &[(20_000, 2.0), (30_000, 3.0)])
        ])
    );
}

#[test]
fn range_query_is_sorted_by_labels_and_omits_empty_series() {
    let head = store(&[
        (UP_B, &[(0, 1.0), (60_000, 2.0)]),
        (UP, &[(0, 3.0), (60_000, stale_nan())]),
        (DOWN, &[(600_000, 9.0)]),
    ]);
    let got = range(&Engine::default(), &head, "up", 0, 120_000, 60_000).unwrap();
    assert_eq!(
        got,
        Value::Matrix(vec![
            series(UP, &[(0, 3.0)]),
            series(UP_B, &[(0, 1.0), (60_000, 2.0), (120_000, 2.0)]),
        ])
    );
}

#[test]
fn range_query_of_a_scalar_is_one_unlabelled_series() {
    let head = store(&[]);
    let got = range(&Engine::default(), &head, "2 * 3", 0, 20_000, 10_000).unwrap();
    assert_eq!(got, Value::Matrix(vec![series(&[], &[(0, 6.0), (10_000, 6.0), (20_000, 6.0)])]));
}

#[test]
fn range_query_rejects_range_vectors_and_strings() {
    let head = store(&[]);
    let engine = Engine::default();
    let err = range(&engine, &head, "up[5m]", 0, 60_000, 10_000).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector"
    );
    let err = range(&engine, &head, "\"x\"", 0, 60_000, 10_000).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid expression type \"string\" for range query, must be Scalar or instant Vector"
    );
    assert!(range(&engine, &head, "1", 0, 60_000, 0).is_err());
    assert!(range(&engine, &head, "1", 60_000, 0, 10_000).is_err());
}

#[test]
fn immediate_name_removal_reports_collisions_at_the_operator() {
    let head = store(&[(UP, &[(0, 1.0)]), (DOWN, &[(0, 2.0)])]);
    let engine = Engine::default();
    for q in ["{job=\"a\"} * 2", "-{job=\"a\"}", "count_over_time({job=\"a\"}[1m])"] {
        let err = instant(&engine, &head, q, 0).unwrap_err();
        assert_eq!(
            err,
            QueryError::Execution("vector cannot contain metrics with the same labelset".into()),
            "{q}"
        );
    }
    // A comparison keeps names, so nothing collides.
    let Value::Vector(v) = instant(&engine, &head, "{job=\"a\"} > 0", 0).unwrap() else { panic!() };
    assert_eq!(v.len(), 2);
}

#[test]
fn immediate_name_removal_merges_series_that_never_meet() {
    // up has a point at 0s only (stale at 60s), down at 60s only.
    let head = store(&[(UP, &[(0, 1.0), (60_000, stale_nan())]), (DOWN, &[(60_000, 2.0)])]);
    let got = range(&Engine::default(), &head, "{job=\"a\"} * 10", 0, 60_000, 60_000).unwrap();
    assert_eq!(got, Value::Matrix(vec![series(&[("job", "a")], &[(0, 10.0), (60_000, 20.0)])]));
}

#[test]
fn delayed_name_removal_drops_names_at_the_end() {
    let head = store(&[(UP, &[(0, 1.0)]), (DOWN, &[(0, 2.0)])]);
    let engine = delayed();
    // The name is still there for the comparison to filter on, and removed afterwards.
    let Value::Vector(v) = instant(&engine, &head, "({job=\"a\"} * 2) > 3", 0).unwrap() else {
        panic!()
    };
    assert_eq!(v, vec![Sample { drop_name: false, ..sample(&[("job", "a")], 0, 4.0) }]);
    let err = instant(&engine, &head, "{job=\"a\"} * 2", 0).unwrap_err();
    assert_eq!(err.to_string(), "vector cannot contain metrics with the same labelset");
}

#[test]
fn sample_limit_counts_what_a_query_holds() {
    let points: Vec<(i64, f64)> = (0..100).map(|i| (i * 1_000, i as f64)).collect();
    let head = store(&[(UP, &points), (UP_B, &points)]);
    let small = Engine::new(EngineOptions { max_samples: 150, ..EngineOptions::default() });
    // 2 series × 100 points in the window.
    let err = instant(&small, &head, "up[100s]", 99_000).unwrap_err();
    assert_eq!(err, QueryError::TooManySamples("query execution"));
    assert_eq!(
        err.to_string(),
        "query processing would load too many samples into memory in query execution"
    );
    // One series over 61 steps fits; two series over 100 steps do not.
    assert!(range(&small, &head, "up{job=\"a\"}", 0, 60_000, 1_000).is_ok());
    let err = range(&small, &head, "up", 0, 99_000, 1_000).unwrap_err();
    assert_eq!(err, QueryError::TooManySamples("query execution"));
    assert!(instant(&small, &head, "up[50s]", 99_000).is_ok());
}

#[test]
fn canceled_and_timed_out_queries_fail() {
    let head = store(&[(UP, &[(0, 1.0)])]);
    let engine = Engine::default();
    let expr = parse("up").unwrap();
    let cancel = Arc::new(AtomicBool::new(true));
    let opts = QueryOptions { cancel: Some(cancel), ..QueryOptions::default() };
    let err = engine.instant_query(&head, &expr, 0, &opts).unwrap_err();
    assert_eq!(err.to_string(), "query was canceled in expression evaluation");

    let opts = QueryOptions { timeout: Some(Duration::ZERO), ..QueryOptions::default() };
    let err = engine.range_query(&head, &expr, 0, 600_000, 1_000, &opts).unwrap_err();
    assert_eq!(err.to_string(), "query timed out in expression evaluation");

    let opts =
        QueryOptions { cancel: Some(Arc::new(AtomicBool::new(false))), ..QueryOptions::default() };
    assert!(engine.instant_query(&head, &expr, 0, &opts).is_ok());
}

#[test]
fn lookback_delta_can_be_set_per_query() {
    let head = store(&[(UP, &[(0, 1.0)])]);
    let engine = Engine::default();
    let expr = parse("up").unwrap();
    let short = QueryOptions { lookback_delta: Some(60_000), ..QueryOptions::default() };
    let at = |t, o: &QueryOptions| match engine.instant_query(&head, &expr, t, o).unwrap().value {
        Value::Vector(v) => v.len(),
        other => panic!("{other:?}"),
    };
    assert_eq!(at(59_999, &short), 1);
    assert_eq!(at(60_000, &short), 0);
    assert_eq!(at(60_000, &QueryOptions::default()), 1);
    assert_eq!(at(300_000, &QueryOptions::default()), 0);
}

#[test]
fn subqueries_without_a_step_use_the_engine_default() {
    let points: Vec<(i64, f64)> = (0..=60).map(|i| (i * 10_000, 1.0)).collect();
    let head = store(&[(UP, &points)]);
    let per_minute = Engine::default();
    let per_20s =
        Engine::new(EngineOptions { default_subquery_step: 20_000, ..EngineOptions::default() });
    let q = "count_over_time(up[5m:])";
    let count = |e: &Engine| match instant(e, &head, q, 600_000).unwrap() {
        Value::Vector(v) => v[0].f,
        other => panic!("{other:?}"),
    };
    // Multiples of the step in (300s, 600s].
    assert_eq!(count(&per_minute), 5.0);
    assert_eq!(count(&per_20s), 15.0);
}

#[test]
fn timestamp_of_a_selector_is_the_sample_time() {
    let head = store(&[(UP, &[(12_000, 1.0)])]);
    let engine = Engine::default();
    let Value::Vector(v) = instant(&engine, &head, "timestamp(up)", 100_000).unwrap() else {
        panic!()
    };
    assert_eq!(v, vec![sample(&[("job", "a")], 100_000, 12.0)]);
    // Of a computed vector: the evaluation time.
    let Value::Vector(v) = instant(&engine, &head, "timestamp(up * 1)", 100_000).unwrap() else {
        panic!()
    };
    assert_eq!(v, vec![sample(&[("job", "a")], 100_000, 100.0)]);
}

#[test]
fn many_to_one_matching_needs_group_modifiers() {
    let head = store(&[
        (&[("__name__", "req"), ("job", "a"), ("code", "200")], &[(0, 8.0)]),
        (&[("__name__", "req"), ("job", "a"), ("code", "500")], &[(0, 2.0)]),
        (&[("__name__", "total"), ("job", "a")], &[(0, 10.0)]),
    ]);
    let engine = Engine::default();
    let err = instant(&engine, &head, "req / ignoring(code) total", 0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"
    );
    let err = instant(&engine, &head, "total / ignoring(code) req", 0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "found duplicate series for the match group {job=\"a\"} on the right hand-side of the operation: \
         [{__name__=\"req\", code=\"200\", job=\"a\"}, {__name__=\"req\", code=\"500\", job=\"a\"}];\
         many-to-many matching not allowed: matching labels must be unique on one side"
    );
    let err = instant(&engine, &head, "total / ignoring(code) group_right req", 0);
    let Value::Vector(mut v) = err.unwrap() else { panic!() };
    v.sort_by(|a, b| a.metric.cmp(&b.metric));
    assert_eq!(
        v,
        vec![
            sample(&[("code", "200"), ("job", "a")], 0, 1.25),
            sample(&[("code", "500"), ("job", "a")], 0, 5.0),
        ]
    );
}

#[test]
fn step_invariant_expressions_repeat_over_a_range() {
    let points: Vec<(i64, f64)> = (0..=10).map(|i| (i * 10_000, i as f64)).collect();
    let head = store(&[(UP, &points)]);
    let got = range(&Engine::default(), &head, "up @ 30 + up", 0, 20_000, 10_000).unwrap();
    assert_eq!(
        got,
        Value::Matrix(vec![series(&[("job", "a")], &[(0, 3.0), (10_000, 4.0), (20_000, 5.0)])])
    );
}
