//! scalar, vector, pi, sorting, absent, min_of/max_of, and the function table itself.
#![allow(clippy::unwrap_used)] // Test helpers unwrap outside #[test] functions.

mod functions_support;

use std::sync::Arc;

use functions_support::*;
use model::histogram::FloatHistogram;
use model::matcher::{MatchOp, Matcher};
use promql::ast::{Expr, VectorSelector};
use promql::functions::{ArgValue, Impl, StepOutput, lookup};
use promql::value::Sample;

const NAN: f64 = f64::NAN;

fn histogram(pairs: &[(&str, &str)]) -> Sample {
    Sample {
        h: Some(Arc::new(FloatHistogram { count: 1.0, ..Default::default() })),
        ..sample(pairs, 0.0)
    }
}

#[test]
fn scalar_needs_exactly_one_float() {
    let one = [sample(&[("l", "x")], 1.5), histogram(&[("l", "h")])];
    assert_eq!(step_scalar("scalar", &[ArgValue::Vector(&one)], 0), 1.5);
    let two = [sample(&[("l", "x")], 1.0), sample(&[("l", "y")], 2.0)];
    assert!(step_scalar("scalar", &[ArgValue::Vector(&two)], 0).is_nan());
    assert!(step_scalar("scalar", &[ArgValue::Vector(&[])], 0).is_nan());
    assert!(step_scalar("scalar", &[ArgValue::Vector(&[histogram(&[])])], 0).is_nan());
}

#[test]
fn vector_and_pi() {
    let (r, _) = step_fn("vector", &[ArgValue::Scalar(3.0)], &[], 7000);
    let StepOutput::Vector(v) = r.unwrap() else { panic!() };
    assert_eq!(v.len(), 1);
    assert!(v[0].metric.is_empty());
    assert_eq!((v[0].t, v[0].f), (7000, 3.0));
    assert_eq!(step_scalar("pi", &[], 0), std::f64::consts::PI);
}

#[test]
fn min_of_and_max_of_propagate_nan() {
    let s =
        |f: &str, a: f64, b: f64| step_scalar(f, &[ArgValue::Scalar(a), ArgValue::Scalar(b)], 0);
    assert_eq!(s("min_of", 3.0, 5.0), 3.0);
    assert_eq!(s("min_of", -2.0, -5.0), -5.0);
    assert_eq!(s("max_of", 3.0, 5.0), 5.0);
    assert_eq!(s("max_of", 4.0, 4.0), 4.0);
    assert!(s("min_of", NAN, 3.0).is_nan());
    assert!(s("max_of", 3.0, NAN).is_nan());
}

fn values(v: &[Sample]) -> Vec<f64> {
    v.iter().map(|s| s.f).collect()
}

#[test]
fn sort_puts_nan_last_in_both_directions() {
    let input = [
        sample(&[("i", "a")], 3.0),
        sample(&[("i", "b")], NAN),
        sample(&[("i", "c")], 1.0),
        histogram(&[("i", "h")]),
        sample(&[("i", "d")], 2.0),
    ];
    let asc = step_vector("sort", &[ArgValue::Vector(&input)]);
    assert_eq!(values(&asc[..3]), [1.0, 2.0, 3.0]);
    assert!(asc[3].f.is_nan());
    assert_eq!(asc.len(), 4, "histograms are dropped");
    let desc = step_vector("sort_desc", &[ArgValue::Vector(&input)]);
    assert_eq!(values(&desc[..3]), [3.0, 2.0, 1.0]);
    assert!(desc[3].f.is_nan());
    assert!(lookup("sort").unwrap().keeps_name && lookup("sort_desc").unwrap().keeps_name);
}

#[test]
fn sort_keeps_samples_as_they_are() {
    let mut s = sample(&[("__name__", "m"), ("i", "a")], 1.0);
    s.drop_name = true;
    let out = step_vector("sort", &[ArgValue::Vector(std::slice::from_ref(&s))]);
    assert_eq!(out, [s]);
}

fn sorted_by(f: &str, input: &[Sample], names: &[&str]) -> Vec<String> {
    let mut args = vec![ArgValue::Vector(input)];
    args.extend(names.iter().map(|n| ArgValue::String(n)));
    step_vector(f, &args).iter().map(|s| s.metric.to_string()).collect()
}

#[test]
fn sort_by_label_uses_natural_order() {
    let input: Vec<Sample> =
        ["10", "2", "100", "1", "20", "0"].iter().map(|c| sample(&[("cpu", c)], 1.0)).collect();
    let want: Vec<String> =
        ["0", "1", "2", "10", "20", "100"].iter().map(|c| format!("{{cpu=\"{c}\"}}")).collect();
    assert_eq!(sorted_by("sort_by_label", &input, &["cpu"]), want);
    let mut rev = want.clone();
    rev.reverse();
    assert_eq!(sorted_by("sort_by_label_desc", &input, &["cpu"]), rev);
    // Versions: runs of digits compare by value.
    let input: Vec<Sample> = ["1.2.3", "1.11.3", "1.111.3", "1.2.10"]
        .iter()
        .map(|r| sample(&[("release", r)], 1.0))
        .collect();
    let got = sorted_by("sort_by_label", &input, &["release"]);
    assert_eq!(
        got,
        [
            r#"{release="1.2.3"}"#,
            r#"{release="1.2.10"}"#,
            r#"{release="1.11.3"}"#,
            r#"{release="1.111.3"}"#
        ]
    );
}

#[test]
fn sort_by_label_ties_fall_back_to_all_labels() {
    let input = [
        sample(&[("g", "b"), ("i", "1")], 1.0),
        sample(&[("g", "a"), ("i", "1")], 1.0),
        sample(&[("g", "a"), ("i", "0")], 1.0),
        sample(&[("g", "b"), ("i", "0")], 1.0),
    ];
    assert_eq!(
        sorted_by("sort_by_label", &input, &["i"]),
        [r#"{g="a", i="0"}"#, r#"{g="b", i="0"}"#, r#"{g="a", i="1"}"#, r#"{g="b", i="1"}"#]
    );
    assert_eq!(
        sorted_by("sort_by_label", &input, &["g", "i"]),
        [r#"{g="a", i="0"}"#, r#"{g="a", i="1"}"#, r#"{g="b", i="0"}"#, r#"{g="b", i="1"}"#]
    );
    assert_eq!(
        sorted_by("sort_by_label_desc", &input, &["i"]),
        [r#"{g="b", i="1"}"#, r#"{g="a", i="1"}"#, r#"{g="b", i="0"}"#, r#"{g="a", i="0"}"#]
    );
}

fn selector(ms: &[(MatchOp, &str, &str)]) -> Expr {
    let matchers = ms.iter().map(|&(op, n, v)| Matcher::prometheus(op, n, v).unwrap()).collect();
    Expr::VectorSelector(VectorSelector {
        name: Some("nonexistent".into()),
        matchers,
        offset: 0,
        at: None,
    })
}

fn absent(input: &[Sample], expr: Expr) -> Vec<Sample> {
    let (r, _) = step_fn("absent", &[ArgValue::Vector(input)], &[expr], 0);
    match r.unwrap() {
        StepOutput::Vector(v) => v,
        other => panic!("{other:?}"),
    }
}

#[test]
fn absent_takes_labels_from_equality_matchers() {
    use MatchOp::*;
    let v = absent(
        &[],
        selector(&[
            (Equal, "__name__", "nonexistent"),
            (Equal, "job", "j"),
            (Equal, "instance", "i"),
            (Regex, "method", ".x"),
        ]),
    );
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].f, 1.0);
    assert_eq!(v[0].metric, labels(&[("instance", "i"), ("job", "j")]));
    // A label matched twice, or also by a regex, is left out.
    let v =
        absent(&[], selector(&[(Equal, "job", "a"), (Equal, "job", "b"), (Equal, "foo", "bar")]));
    assert_eq!(v[0].metric, labels(&[("foo", "bar")]));
    let v =
        absent(&[], selector(&[(Equal, "job", "a"), (Regex, "job", "b"), (Equal, "foo", "bar")]));
    assert_eq!(v[0].metric, labels(&[("foo", "bar")]));
    // Not a selector: no labels.
    let v = absent(&[], Expr::Number(1.0));
    assert!(v[0].metric.is_empty());
    // Anything present, histograms included: nothing.
    assert!(absent(&[histogram(&[])], selector(&[])).is_empty());
}

#[test]
fn every_signature_has_an_implementation() {
    // These are evaluated by the engine itself.
    let engine_own = [
        "absent_over_time",
        "timestamp",
        "start",
        "end",
        "range",
        "step",
        "info",
        "start_timestamp",
    ];
    for sig in promql::signatures::SIGNATURES {
        if engine_own.contains(&sig.name) {
            continue;
        }
        let f = lookup(sig.name).unwrap_or_else(|| panic!("{} has no implementation", sig.name));
        let takes_range = sig.args.contains(&promql::ast::ValueType::Matrix);
        assert_eq!(matches!(f.imp, Impl::Range(_)), takes_range, "{}", sig.name);
    }
    for f in promql::functions::all() {
        assert!(promql::signatures::lookup(f.name).is_some(), "{} has no signature", f.name);
    }
}
