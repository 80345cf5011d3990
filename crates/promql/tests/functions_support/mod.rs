//! Helpers for the function tests: calling an implementation by name with hand-made
//! windows and arguments.
#![allow(dead_code)]

use model::labels::Labels;
use promql::Annotations;
use promql::QueryError;
use promql::ast::Expr;
use promql::functions::{ArgValue, Impl, StepCall, StepOutput, Window, lookup};
use promql::value::{FPoint, Sample};

/// A label set from pairs.
pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied())
}

/// A float sample at t = 0.
pub fn sample(pairs: &[(&str, &str)], f: f64) -> Sample {
    Sample { metric: labels(pairs), t: 0, f, h: None, drop_name: false }
}

/// Points `(seconds, value)`.
pub fn points(pts: &[(f64, f64)]) -> Vec<FPoint> {
    pts.iter().map(|&(s, f)| FPoint { t: (s * 1000.0).round() as i64, f }).collect()
}

/// Runs range function `name` on one window `(start_s, end_s]` evaluated at `end_s`.
pub fn window_fn(
    name: &str,
    floats: &[FPoint],
    start_s: f64,
    end_s: f64,
    params: &[f64],
) -> (Result<Option<f64>, QueryError>, Annotations) {
    let f = lookup(name).unwrap_or_else(|| panic!("{name} not implemented"));
    let Impl::Range(imp) = f.imp else { panic!("{name} is not a range function") };
    let metric = labels(&[("__name__", "m_total"), ("job", "j")]);
    let w = Window {
        metric: &metric,
        floats,
        range_start: (start_s * 1000.0).round() as i64,
        range_end: (end_s * 1000.0).round() as i64,
        t: (end_s * 1000.0).round() as i64,
        params,
    };
    let mut annos = Annotations::default();
    let r = imp(&w, &mut annos);
    (r, annos)
}

/// The value of range function `name` over `(start_s, end_s]`, which must succeed.
pub fn window_value(name: &str, pts: &[(f64, f64)], start_s: f64, end_s: f64) -> Option<f64> {
    window_fn(name, &points(pts), start_s, end_s, &[]).0.unwrap()
}

/// Runs step function `name` at `t` ms.
pub fn step_fn(
    name: &str,
    args: &[ArgValue<'_>],
    exprs: &[Expr],
    t: i64,
) -> (Result<StepOutput, QueryError>, Annotations) {
    let f = lookup(name).unwrap_or_else(|| panic!("{name} not implemented"));
    let Impl::Step(imp) = f.imp else { panic!("{name} is not a step function") };
    let call = StepCall { args, exprs, t };
    let mut annos = Annotations::default();
    let r = imp(&call, &mut annos);
    (r, annos)
}

/// The vector step function `name` returns at t = 0, which must succeed.
pub fn step_vector(name: &str, args: &[ArgValue<'_>]) -> Vec<Sample> {
    match step_fn(name, args, &[], 0).0.unwrap() {
        StepOutput::Vector(v) => v,
        StepOutput::Scalar(s) => panic!("{name} returned scalar {s}"),
    }
}

/// The scalar step function `name` returns at `t`, which must succeed.
pub fn step_scalar(name: &str, args: &[ArgValue<'_>], t: i64) -> f64 {
    match step_fn(name, args, &[], t).0.unwrap() {
        StepOutput::Scalar(s) => s,
        StepOutput::Vector(v) => panic!("{name} returned vector {v:?}"),
    }
}

/// Equal within a relative 1e-12, NaN equal to NaN.
pub fn close(a: f64, b: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a == b {
        return true;
    }
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

#[track_caller]
pub fn assert_close(got: f64, want: f64) {
    assert!(close(got, want), "got {got}, want {want}");
}

#[track_caller]
pub fn assert_some_close(got: Option<f64>, want: f64) {
    match got {
        Some(g) => assert_close(g, want),
        None => panic!("got no value, want {want}"),
    }
}

/// The values of a vector by their labels' text, sorted by labels.
pub fn by_labels(v: &[Sample]) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = v.iter().map(|s| (s.metric.to_string(), s.f)).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
