//! Hostile queries end in errors, never in panics, aborts or unbounded memory: extreme times
//! and offsets, subqueries with billions of steps, very deep nesting.

#![allow(clippy::unwrap_used)]

use model::labels::Labels;
use model::storage::Appendable;
use promql::ast::Expr;
use promql::{Engine, EngineOptions, QueryError, QueryOptions, Value, parse};
use tsdb::{Head, HeadOptions};

fn head() -> Head {
    let head = Head::new(HeadOptions::default());
    let mut app = head.appender();
    let up = Labels::from_pairs([("__name__", "up"), ("job", "a")]);
    for i in 0..10 {
        app.append(&up, i * 10_000, i as f64).unwrap();
    }
    app.commit().unwrap();
    head
}

fn small_engine() -> Engine {
    Engine::new(EngineOptions { max_samples: 10_000, ..EngineOptions::default() })
}

#[test]
fn extreme_times_and_offsets_do_not_overflow() {
    let head = head();
    let engine = small_engine();
    let opts = QueryOptions::default();
    let queries = [
        "up",
        "up offset 100000w",
        "up offset -100000w",
        "count_over_time(up[100000w])",
        "count_over_time(up[100000w] offset -100000w)",
        "count_over_time(up[1h:1m] offset 100000w)",
        "up @ 0 offset 100000w",
    ];
    for q in queries {
        let expr = parse(q).unwrap();
        for t in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
            // Any answer or error will do; the point is not to panic.
            let _ = engine.instant_query(&head, &expr, t, &opts);
        }
        let _ = engine.range_query(&head, &expr, i64::MIN + 1, i64::MAX, i64::MAX, &opts);
        let _ = engine.range_query(&head, &expr, i64::MIN, i64::MAX, 1 << 62, &opts);
    }
}

#[test]
fn the_epoch_range_still_answers_normally() {
    let head = head();
    let expr = parse("count_over_time(up[100000w])").unwrap();
    let got =
        small_engine().instant_query(&head, &expr, 100_000, &QueryOptions::default()).unwrap();
    let Value::Vector(v) = got.value else { panic!() };
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].f, 10.0);
}

#[test]
fn subqueries_with_billions_of_steps_hit_the_sample_limit() {
    let head = head();
    let engine = small_engine();
    for q in ["sum_over_time(vector(1)[1000d:1ms])", "count_over_time(up[1000d:1ms])"] {
        let expr = parse(q).unwrap();
        let err =
            engine.instant_query(&head, &expr, 100_000, &QueryOptions::default()).unwrap_err();
        assert_eq!(err, QueryError::TooManySamples("query execution"), "{q}");
    }
}

#[test]
fn nesting_is_bounded() {
    let head = head();
    let engine = small_engine();
    let nest = |depth: usize| {
        let mut e = Expr::Number(1.0);
        for _ in 0..depth {
            e = Expr::Paren(Box::new(e));
        }
        e
    };
    let ok = engine.instant_query(&head, &nest(100), 0, &QueryOptions::default()).unwrap();
    assert_eq!(ok.value, Value::Scalar { t: 0, f: 1.0 });
    let err = engine.instant_query(&head, &nest(5_000), 0, &QueryOptions::default()).unwrap_err();
    assert!(err.to_string().contains("nested"), "{err}");
}

#[test]
fn the_deepest_allowed_query_fits_a_small_stack() {
    // Tokio's blocking threads have 2 MiB stacks; so do these.
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let head = head();
            let engine = small_engine();
            let mut q = String::from("up");
            for _ in 0..40 {
                q = format!("max_over_time((sum by (job) ({q}) + on(job) group_left up)[1m:10s])");
            }
            let expr = parse(&q).unwrap();
            engine.instant_query(&head, &expr, 90_000, &QueryOptions::default()).map(|r| r.value)
        })
        .unwrap();
    let Value::Vector(v) = handle.join().unwrap().unwrap() else { panic!("expected a vector") };
    assert_eq!(v.len(), 1);
}

#[test]
fn nesting_up_to_the_limit_fits_a_small_stack() {
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let head = head();
            let engine = small_engine();
            // Alternating aggregations and binary operators, 290 levels deep.
            let mut e = parse("up").unwrap();
            for i in 0..290 {
                e = if i % 2 == 0 {
                    parse("sum by (job) (x)").map(|mut a| {
                        if let Expr::Aggregate(agg) = &mut a {
                            *agg.expr = e.clone();
                        }
                        a
                    })
                } else {
                    parse("x + on(job) up").map(|mut b| {
                        if let Expr::Binary(bin) = &mut b {
                            *bin.lhs = e.clone();
                        }
                        b
                    })
                }
                .unwrap();
            }
            engine.instant_query(&head, &e, 90_000, &QueryOptions::default()).map(|r| r.value)
        })
        .unwrap();
    let Value::Vector(v) = handle.join().unwrap().unwrap() else { panic!("expected a vector") };
    assert_eq!(v.len(), 1);
}
