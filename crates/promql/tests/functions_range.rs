//! rate, increase, delta, irate, idelta, deriv, predict_linear, changes, resets on hand-made
//! windows; expected values worked out from Prometheus' extrapolation rules.
#![allow(clippy::unwrap_used)] // Test helpers unwrap outside #[test] functions.

mod functions_support;

use functions_support::*;

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

// Samples every 60s from 60s to 300s in the window (0s, 300s]: 240s sampled, average step
// 60s, extrapolation threshold 66s. The start gap (60s) is below the threshold.
const STEADY: &[(f64, f64)] =
    &[(60.0, 10.0), (120.0, 20.0), (180.0, 30.0), (240.0, 40.0), (300.0, 50.0)];

#[test]
fn increase_extrapolates_to_the_window_start() {
    // Change 40 over 240s, extended by 60s at the start: 40 * 300/240 = 50. The zero point
    // (240 * 10/40 = 60s back) is not closer than the start.
    assert_some_close(window_value("increase", STEADY, 0.0, 300.0), 50.0);
    assert_some_close(window_value("rate", STEADY, 0.0, 300.0), 50.0 / 300.0);
    assert_some_close(window_value("delta", STEADY, 0.0, 300.0), 50.0);
}

#[test]
fn counters_do_not_extrapolate_below_zero() {
    let pts = &[(60.0, 5.0), (120.0, 15.0), (180.0, 25.0), (240.0, 35.0), (300.0, 45.0)];
    // Zero is reached 240 * 5/40 = 30s before the first sample: factor (240 + 30)/240.
    assert_some_close(window_value("increase", pts, 0.0, 300.0), 45.0);
    assert_some_close(window_value("rate", pts, 0.0, 300.0), 45.0 / 300.0);
    // delta is no counter: the full 60s.
    assert_some_close(window_value("delta", pts, 0.0, 300.0), 50.0);
}

#[test]
fn negative_first_value_disables_the_zero_cutoff() {
    // 10 over 60s, extended by the 60s start gap (< 66s): 20.
    assert_some_close(window_value("increase", &[(60.0, -5.0), (120.0, 5.0)], 0.0, 120.0), 20.0);
}

#[test]
fn gaps_beyond_the_threshold_extrapolate_half_a_step() {
    // Samples at 200s, 260s, 320s in (0s, 600s]: both gaps exceed 66s, so 30s on each side;
    // the zero point (120 * 1/2 = 60s) is further than 30s. 2 * 180/120 = 3.
    let pts = &[(200.0, 1.0), (260.0, 2.0), (320.0, 3.0)];
    assert_some_close(window_value("increase", pts, 0.0, 600.0), 3.0);
    assert_some_close(window_value("rate", pts, 0.0, 600.0), 3.0 / 600.0);
}

#[test]
fn counter_resets_add_the_value_before_the_reset() {
    let pts = &[(60.0, 5.0), (120.0, 10.0), (180.0, 2.0), (240.0, 6.0)];
    // 6 - 5 + 10 = 11 over 180s, extended by 60s: 11 * 240/180.
    assert_some_close(window_value("increase", pts, 0.0, 240.0), 11.0 * 240.0 / 180.0);
    // delta ignores resets: 1 * 240/180.
    assert_some_close(window_value("delta", pts, 0.0, 240.0), 240.0 / 180.0);
}

#[test]
fn rate_divides_by_the_range_in_seconds_with_milliseconds() {
    // Window (0, 1.5s]: samples 0.5s apart; 2 extended by 0.5s at the start = 3, over 1.5s.
    let pts = &[(0.5, 1.0), (1.0, 2.0), (1.5, 3.0)];
    assert_some_close(window_value("increase", pts, 0.0, 1.5), 3.0);
    assert_some_close(window_value("rate", pts, 0.0, 1.5), 2.0);
}

#[test]
fn rates_need_two_samples() {
    for f in ["rate", "increase", "delta", "irate", "idelta", "deriv"] {
        assert_eq!(window_value(f, &[(60.0, 1.0)], 0.0, 300.0), None, "{f}");
        assert_eq!(window_value(f, &[], 0.0, 300.0), None, "{f}");
    }
}

#[test]
fn irate_and_idelta_use_the_last_two_samples() {
    let pts = &[(60.0, 10.0), (120.0, 20.0), (180.0, 50.0)];
    assert_some_close(window_value("irate", pts, 0.0, 180.0), 0.5);
    assert_some_close(window_value("idelta", pts, 0.0, 180.0), 30.0);
    // After a reset irate takes the new value as the increase; idelta just subtracts.
    let reset = &[(120.0, 20.0), (180.0, 5.0)];
    assert_some_close(window_value("irate", reset, 0.0, 180.0), 5.0 / 60.0);
    assert_some_close(window_value("idelta", reset, 0.0, 180.0), -15.0);
    // A NaN is no reset: the difference is NaN.
    let nan = &[(60.0, NAN), (120.0, 5.0)];
    assert_some_close(window_value("irate", nan, 0.0, 120.0), NAN);
}

#[test]
fn deriv_is_the_least_squares_slope() {
    // x = 0, 10, 30 s; y = 1, 3, 4: cov = 150 - 40*8/3, var = 1000 - 1600/3, slope 13/140.
    let pts = &[(100.0, 1.0), (110.0, 3.0), (130.0, 4.0)];
    assert_some_close(window_value("deriv", pts, 0.0, 130.0), 13.0 / 140.0);
    // A straight line: exact slope.
    assert_some_close(
        window_value("deriv", &[(0.0, 0.0), (60.0, 6.0), (120.0, 12.0)], -1.0, 120.0),
        0.1,
    );
    // Constant: 0; constant infinity or an infinity among values: NaN.
    assert_some_close(window_value("deriv", &[(0.0, 5.0), (60.0, 5.0)], -1.0, 60.0), 0.0);
    assert_some_close(window_value("deriv", &[(0.0, INF), (60.0, INF)], -1.0, 60.0), NAN);
    assert_some_close(
        window_value("deriv", &[(0.0, 1.0), (30.0, INF), (60.0, 2.0)], -1.0, 60.0),
        NAN,
    );
}

#[test]
fn predict_linear_extends_the_fit_from_the_evaluation_time() {
    // Same points as above with x relative to t = 130s (-30, -20, 0): intercept 177/42,
    // plus 10s at slope 13/140 = 216/42.
    let pts = points(&[(100.0, 1.0), (110.0, 3.0), (130.0, 4.0)]);
    let (r, _) = window_fn("predict_linear", &pts, 0.0, 130.0, &[10.0]);
    assert_some_close(r.unwrap(), 216.0 / 42.0);
    let line = points(&[(0.0, 0.0), (60.0, 6.0), (120.0, 12.0)]);
    let (r, _) = window_fn("predict_linear", &line, -1.0, 120.0, &[60.0]);
    assert_some_close(r.unwrap(), 18.0);
    let (r, _) = window_fn("predict_linear", &line[..1], -1.0, 120.0, &[60.0]);
    assert_eq!(r.unwrap(), None);
}

#[test]
fn changes_counts_value_changes_nan_to_nan_is_none() {
    let v = |vals: &[f64]| {
        let pts: Vec<(f64, f64)> =
            vals.iter().enumerate().map(|(i, &f)| (i as f64 + 1.0, f)).collect();
        window_value("changes", &pts, 0.0, 100.0)
    };
    assert_eq!(v(&[1.0, 1.0, 2.0, 2.0, 1.0]), Some(2.0));
    assert_eq!(v(&[NAN, NAN, 1.0, NAN]), Some(2.0));
    assert_eq!(v(&[0.0, NAN, 0.0]), Some(2.0));
    assert_eq!(v(&[7.0]), Some(0.0));
    assert_eq!(v(&[]), None);
}

#[test]
fn resets_counts_decreases() {
    let v = |vals: &[f64]| {
        let pts: Vec<(f64, f64)> =
            vals.iter().enumerate().map(|(i, &f)| (i as f64 + 1.0, f)).collect();
        window_value("resets", &pts, 0.0, 100.0)
    };
    assert_eq!(v(&[1.0, 2.0, 0.0, 3.0, 1.0]), Some(2.0));
    assert_eq!(v(&[1.0, NAN, 0.0]), Some(0.0));
    assert_eq!(v(&[5.0]), Some(0.0));
    assert_eq!(v(&[]), None);
}

#[test]
fn range_functions_drop_the_metric_name() {
    for f in [
        "rate",
        "increase",
        "delta",
        "irate",
        "idelta",
        "deriv",
        "predict_linear",
        "changes",
        "resets",
    ] {
        assert!(!promql::functions::lookup(f).unwrap().keeps_name, "{f}");
    }
}
