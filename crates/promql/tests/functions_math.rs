//! Element-wise math functions, round and clamp.
#![allow(clippy::unwrap_used)] // Test helpers unwrap outside #[test] functions.

mod functions_support;

use std::f64::consts::PI;
use std::sync::Arc;

use functions_support::*;
use model::histogram::FloatHistogram;
use promql::functions::ArgValue;
use promql::value::Sample;

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

/// `f` applied to one sample of value `v`.
fn apply(f: &str, v: f64) -> f64 {
    let input = [sample(&[("__name__", "m"), ("x", "1")], v)];
    let out = step_vector(f, &[ArgValue::Vector(&input)]);
    assert_eq!(out.len(), 1, "{f}({v})");
    assert!(out[0].drop_name, "{f} flags the name for removal");
    assert_eq!(out[0].metric, input[0].metric, "{f} keeps the labels (the engine drops the name)");
    out[0].f
}

fn histogram_sample() -> Sample {
    Sample {
        h: Some(Arc::new(FloatHistogram { count: 1.0, sum: 1.0, ..Default::default() })),
        ..sample(&[("h", "1")], 0.0)
    }
}

#[test]
fn rounding_functions() {
    assert_close(apply("abs", -2.5), 2.5);
    assert_close(apply("abs", -INF), INF);
    assert_close(apply("ceil", -2.5), -2.0);
    assert_close(apply("ceil", 2.1), 3.0);
    assert_close(apply("floor", -2.5), -3.0);
    assert_close(apply("floor", 2.9), 2.0);
    assert_close(apply("abs", NAN), NAN);
}

#[test]
fn exp_log_sqrt() {
    assert_close(apply("exp", 0.0), 1.0);
    assert_close(apply("exp", 1.0), std::f64::consts::E);
    assert_close(apply("ln", std::f64::consts::E), 1.0);
    assert_close(apply("ln", 0.0), -INF);
    assert_close(apply("ln", -1.0), NAN);
    assert_close(apply("log2", 8.0), 3.0);
    assert_close(apply("log10", 1000.0), 3.0);
    assert_close(apply("log10", -10.0), NAN);
    assert_close(apply("sqrt", 16.0), 4.0);
    assert_close(apply("sqrt", -1.0), NAN);
}

#[test]
fn sgn_keeps_zero_and_nan() {
    assert_close(apply("sgn", -3.0), -1.0);
    assert_close(apply("sgn", 7.0), 1.0);
    assert_close(apply("sgn", 0.0), 0.0);
    assert_close(apply("sgn", NAN), NAN);
}

#[test]
fn trigonometry() {
    assert_close(apply("deg", PI), 180.0);
    assert_close(apply("rad", 180.0), PI);
    assert_close(apply("sin", 0.0), 0.0);
    assert_close(apply("sin", PI / 2.0), 1.0);
    assert_close(apply("cos", 0.0), 1.0);
    assert_close(apply("tan", 0.0), 0.0);
    assert_close(apply("asin", 1.0), PI / 2.0);
    assert_close(apply("acos", 1.0), 0.0);
    assert_close(apply("acos", 2.0), NAN);
    assert_close(apply("atan", 1.0), PI / 4.0);
    assert_close(apply("sinh", 0.0), 0.0);
    assert_close(apply("cosh", 0.0), 1.0);
    assert_close(apply("tanh", INF), 1.0);
    assert_close(apply("asinh", 0.0), 0.0);
    assert_close(apply("acosh", 1.0), 0.0);
    assert_close(apply("atanh", 0.0), 0.0);
    assert_close(apply("atanh", 1.0), INF);
}

#[test]
fn round_ties_go_up() {
    let round = |v: f64, to: Option<f64>| {
        let input = [sample(&[("a", "b")], v)];
        let mut args = vec![ArgValue::Vector(&input)];
        if let Some(to) = to {
            args.push(ArgValue::Scalar(to));
        }
        step_vector("round", &args)[0].f
    };
    assert_close(round(2.5, None), 3.0);
    assert_close(round(-2.5, None), -2.0);
    assert_close(round(2.4, None), 2.0);
    assert_close(round(1.234, Some(0.1)), 1.2);
    assert_close(round(5.0, Some(2.0)), 6.0);
    assert_close(round(7.0, Some(5.0)), 5.0);
    assert_close(round(INF, None), INF);
    assert_close(round(NAN, None), NAN);
}

#[test]
fn clamp_family() {
    let input = [
        sample(&[("v", "a")], -50.0),
        sample(&[("v", "b")], 0.0),
        sample(&[("v", "c")], 100.0),
        histogram_sample(),
    ];
    let run = |f: &str, bounds: &[f64]| {
        let mut args = vec![ArgValue::Vector(&input)];
        args.extend(bounds.iter().map(|&b| ArgValue::Scalar(b)));
        by_labels(&step_vector(f, &args))
    };
    let vals = |v: Vec<(String, f64)>| v.into_iter().map(|(_, f)| f).collect::<Vec<_>>();
    assert_eq!(vals(run("clamp", &[-25.0, 75.0])), [-25.0, 0.0, 75.0]);
    assert_eq!(vals(run("clamp_min", &[0.0])), [0.0, 0.0, 100.0]);
    assert_eq!(vals(run("clamp_max", &[0.0])), [-50.0, 0.0, 0.0]);
    // max < min: nothing at all.
    assert!(run("clamp", &[5.0, -5.0]).is_empty());
    // A NaN bound makes every value NaN.
    assert!(vals(run("clamp", &[NAN, 0.0])).iter().all(|v| v.is_nan()));
    assert!(vals(run("clamp_min", &[NAN])).iter().all(|v| v.is_nan()));
}

#[test]
fn histograms_are_skipped() {
    let input = [histogram_sample(), sample(&[("a", "b")], 4.0)];
    for f in ["abs", "sqrt", "round", "exp", "sin"] {
        let out = step_vector(f, &[ArgValue::Vector(&input)]);
        assert_eq!(out.len(), 1, "{f}");
        assert!(out[0].h.is_none());
    }
}
