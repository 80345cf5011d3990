//! The *_over_time functions, mad_over_time, ts_of_*_over_time and
//! double_exponential_smoothing on hand-made windows.
#![allow(clippy::unwrap_used)] // Test helpers unwrap outside #[test] functions.

mod functions_support;

use functions_support::*;
use promql::functions::lookup;

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

/// Values one second apart from t = 1s, in the window (0, 100s].
fn over(name: &str, vals: &[f64]) -> Option<f64> {
    over_with(name, vals, &[]).0
}

fn over_with(name: &str, vals: &[f64], params: &[f64]) -> (Option<f64>, promql::Annotations) {
    let pts: Vec<(f64, f64)> = vals.iter().enumerate().map(|(i, &f)| (i as f64 + 1.0, f)).collect();
    let (r, annos) = window_fn(name, &points(&pts), 0.0, 100.0, params);
    (r.unwrap(), annos)
}

#[test]
fn empty_windows_give_nothing() {
    for f in [
        "avg_over_time",
        "sum_over_time",
        "count_over_time",
        "min_over_time",
        "max_over_time",
        "stddev_over_time",
        "stdvar_over_time",
        "last_over_time",
        "first_over_time",
        "present_over_time",
        "mad_over_time",
        "ts_of_min_over_time",
        "ts_of_max_over_time",
        "ts_of_first_over_time",
        "ts_of_last_over_time",
    ] {
        assert_eq!(over(f, &[]), None, "{f}");
    }
    assert_eq!(over_with("quantile_over_time", &[], &[0.5]).0, None);
}

#[test]
fn avg_over_time() {
    assert_some_close(over("avg_over_time", &[1.0, 2.0, 3.0, 4.0]), 2.5);
    assert_some_close(over("avg_over_time", &[1.0, NAN]), NAN);
    assert_some_close(over("avg_over_time", &[1.0, INF]), INF);
    assert_some_close(over("avg_over_time", &[INF, -INF]), NAN);
    // The sum overflows; the incremental mean still finds MAX/3.
    assert_some_close(over("avg_over_time", &[f64::MAX, f64::MAX, -f64::MAX]), f64::MAX / 3.0);
    // Kahan summation keeps the 1 that plain summation loses: (1e100 + 1 - 1e100) / 3.
    assert_some_close(over("avg_over_time", &[1e100, 1.0, -1e100]), 1.0 / 3.0);
}

#[test]
fn sum_and_count_over_time() {
    assert_some_close(over("sum_over_time", &[1.0, 2.0, 3.5]), 6.5);
    assert_some_close(over("sum_over_time", &[1e100, 1.0, -1e100]), 1.0);
    assert_some_close(over("sum_over_time", &[INF, 1.0]), INF);
    assert_some_close(over("count_over_time", &[NAN, 1.0, 2.0]), 3.0);
}

#[test]
fn min_and_max_skip_nan_unless_all_nan() {
    assert_some_close(over("min_over_time", &[2.0, 0.0, 3.0]), 0.0);
    assert_some_close(over("max_over_time", &[2.0, 0.0, 3.0]), 3.0);
    assert_some_close(over("min_over_time", &[2.0, 0.0, NAN]), 0.0);
    assert_some_close(over("max_over_time", &[2.0, NAN, 1.0]), 2.0);
    assert_some_close(over("min_over_time", &[NAN, 0.0, 1.0]), 0.0);
    assert_some_close(over("max_over_time", &[NAN, 0.0, 1.0]), 1.0);
    assert_some_close(over("min_over_time", &[NAN, NAN]), NAN);
}

#[test]
fn quantile_over_time_interpolates_between_ranks() {
    // Sorted 0, 1, 4: φ=0.75 is rank 1.5, halfway between 1 and 4.
    assert_some_close(over_with("quantile_over_time", &[4.0, 0.0, 1.0], &[0.75]).0, 2.5);
    assert_some_close(over_with("quantile_over_time", &[4.0, 0.0, 1.0], &[0.0]).0, 0.0);
    assert_some_close(over_with("quantile_over_time", &[4.0, 0.0, 1.0], &[1.0]).0, 4.0);
    assert_some_close(over_with("quantile_over_time", &[0.0, 1.0], &[0.8]).0, 0.8);
    let (v, annos) = over_with("quantile_over_time", &[0.0, 1.0], &[0.5]);
    assert_some_close(v, 0.5);
    assert!(annos.is_empty());
}

#[test]
fn quantile_over_time_out_of_range_warns() {
    let (v, annos) = over_with("quantile_over_time", &[0.0, 1.0], &[-1.0]);
    assert_some_close(v, -INF);
    assert_eq!(
        annos.warnings,
        ["PromQL warning: quantile value should be between 0 and 1, got -1"]
    );
    let (v, annos) = over_with("quantile_over_time", &[0.0, 1.0], &[2.0]);
    assert_some_close(v, INF);
    assert_eq!(annos.warnings, ["PromQL warning: quantile value should be between 0 and 1, got 2"]);
    let (v, annos) = over_with("quantile_over_time", &[0.0, 1.0], &[NAN]);
    assert_some_close(v, NAN);
    assert_eq!(
        annos.warnings,
        ["PromQL warning: quantile value should be between 0 and 1, got NaN"]
    );
}

#[test]
fn stddev_and_stdvar_are_population_statistics() {
    let vals = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
    assert_some_close(over("stddev_over_time", &vals), 2.0);
    assert_some_close(over("stdvar_over_time", &vals), 4.0);
    assert_some_close(over("stddev_over_time", &[3.0]), 0.0);
}

#[test]
fn first_last_and_their_timestamps() {
    let pts = points(&[(10.053, 1.0), (20.106, 2.0), (30.159, 3.0)]);
    let v = |f: &str| window_fn(f, &pts, 0.0, 90.0, &[]).0.unwrap();
    assert_some_close(v("first_over_time"), 1.0);
    assert_some_close(v("last_over_time"), 3.0);
    assert_some_close(v("ts_of_first_over_time"), 10.053);
    assert_some_close(v("ts_of_last_over_time"), 30.159);
    assert_some_close(v("present_over_time"), 1.0);
    assert!(lookup("last_over_time").unwrap().keeps_name);
    assert!(lookup("first_over_time").unwrap().keeps_name);
    assert!(!lookup("ts_of_last_over_time").unwrap().keeps_name);
    assert!(!lookup("avg_over_time").unwrap().keeps_name);
}

#[test]
fn ts_of_min_and_max_take_the_latest_of_ties() {
    let pts = points(&[(1.0, 1.0), (2.0, 0.0), (3.0, 0.0), (4.0, 2.0), (5.0, 2.0), (6.0, 1.0)]);
    let v = |f: &str| window_fn(f, &pts, 0.0, 10.0, &[]).0.unwrap();
    assert_some_close(v("ts_of_min_over_time"), 3.0);
    assert_some_close(v("ts_of_max_over_time"), 5.0);
    let nan_first = points(&[(1.0, NAN), (2.5, 3.0)]);
    assert_some_close(window_fn("ts_of_min_over_time", &nan_first, 0.0, 10.0, &[]).0.unwrap(), 2.5);
}

#[test]
fn mad_over_time() {
    // Median 3, deviations 2 1 0 1 97, their median 1.
    assert_some_close(over("mad_over_time", &[1.0, 2.0, 3.0, 4.0, 100.0]), 1.0);
    // Median 2.5, deviations 1.5 0.5 0.5 7.5, their median (0.5 + 1.5)/2.
    assert_some_close(over("mad_over_time", &[1.0, 2.0, 3.0, 10.0]), 1.0);
    assert_some_close(over("mad_over_time", &[5.0]), 0.0);
    assert_some_close(over("mad_over_time", &[1.0, NAN, 2.0]), NAN);
}

#[test]
fn double_exponential_smoothing() {
    // s=1, b=2; then s = .5*3 + .5*(1+2) = 3; b = .5*(3-1) + .5*2 = 2; s = .5*4 + .5*(3+2).
    let (v, _) = over_with("double_exponential_smoothing", &[1.0, 3.0, 4.0], &[0.5, 0.5]);
    assert_some_close(v, 4.5);
    let (v, _) = over_with("double_exponential_smoothing", &[1.0], &[0.5, 0.5]);
    assert_eq!(v, None);
    // A NaN factor passes Prometheus' check and poisons the result.
    let (v, _) = over_with("double_exponential_smoothing", &[1.0, 2.0], &[NAN, 0.5]);
    assert_some_close(v, NAN);
}

#[test]
fn double_exponential_smoothing_rejects_bad_factors() {
    let pts = points(&[(1.0, 1.0)]);
    let err = |params: &[f64]| {
        window_fn("double_exponential_smoothing", &pts, 0.0, 10.0, params)
            .0
            .unwrap_err()
            .to_string()
    };
    assert_eq!(err(&[1.0, 0.5]), "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000");
    assert_eq!(err(&[0.0, 0.5]), "invalid smoothing factor. Expected: 0 < sf < 1, got: 0.000000");
    assert_eq!(err(&[0.5, 1.5]), "invalid trend factor. Expected: 0 < tf < 1, got: 1.500000");
    assert_eq!(err(&[0.5, -INF]), "invalid trend factor. Expected: 0 < tf < 1, got: -Inf");
}
