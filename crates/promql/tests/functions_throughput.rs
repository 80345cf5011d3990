//! A development aid, ignored by default: prints the cost of a few function calls on
//! realistic inputs. It asserts nothing about time.
//! `cargo test --release -p klaxon-promql --test functions_throughput -- --ignored --nocapture`
#![allow(clippy::unwrap_used)] // Test helpers unwrap outside #[test] functions.

mod functions_support;

use std::hint::black_box;
use std::time::Instant;

use functions_support::*;
use promql::functions::{ArgValue, Impl, Window, lookup};
use promql::value::{FPoint, Sample};

/// Runs `f` `n` times and prints the mean time per run.
fn measure(what: &str, n: usize, mut f: impl FnMut()) {
    f();
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    let per = start.elapsed() / n as u32;
    println!("{what}: {per:?} per call");
}

fn range_fn(
    name: &str,
) -> fn(&Window<'_>, &mut promql::Annotations) -> Result<Option<f64>, promql::QueryError> {
    match lookup(name).unwrap().imp {
        Impl::Range(f) => f,
        Impl::Step(_) => panic!("{name}"),
    }
}

#[test]
#[ignore = "prints timings; run in release"]
fn function_costs() {
    // A 5m window of 15s scrapes.
    let floats: Vec<FPoint> =
        (0..20).map(|i| FPoint { t: i * 15_000 + 1, f: (i * 7 % 13) as f64 }).collect();
    let metric = labels(&[("__name__", "http_requests_total"), ("job", "api")]);
    for name in ["rate", "avg_over_time", "quantile_over_time", "deriv"] {
        let f = range_fn(name);
        let params = [0.9];
        let w = Window {
            metric: &metric,
            floats: &floats,
            range_start: 0,
            range_end: 300_000,
            t: 300_000,
            params: &params,
        };
        let mut annos = promql::Annotations::default();
        measure(&format!("{name} over 20 samples"), 200_000, || {
            black_box(f(black_box(&w), &mut annos).unwrap());
        });
    }

    // 1,000 classic histograms of 10 buckets each.
    let les = ["0.005", "0.01", "0.05", "0.1", "0.5", "1", "5", "10", "50", "+Inf"];
    let buckets: Vec<Sample> = (0..1000)
        .flat_map(|i| {
            les.iter().enumerate().map(move |(j, le)| {
                sample(
                    &[("__name__", "lat_bucket"), ("instance", &format!("host-{i}")), ("le", le)],
                    (j * 10) as f64,
                )
            })
        })
        .collect();
    measure("histogram_quantile over 10,000 buckets", 50, || {
        black_box(step_vector(
            "histogram_quantile",
            &[ArgValue::Scalar(0.9), ArgValue::Vector(&buckets)],
        ));
    });

    let series: Vec<Sample> = (0..10_000)
        .map(|i| sample(&[("__name__", "up"), ("instance", &format!("host-{i}:9100"))], 1.0))
        .collect();
    measure("label_replace over 10,000 samples", 50, || {
        black_box(step_vector(
            "label_replace",
            &[
                ArgValue::Vector(&series),
                ArgValue::String("host"),
                ArgValue::String("$1"),
                ArgValue::String("instance"),
                ArgValue::String("(.*):.*"),
            ],
        ));
    });
    measure("abs over 10,000 samples", 200, || {
        black_box(step_vector("abs", &[ArgValue::Vector(&series)]));
    });
}
