//! histogram_quantile, histogram_quantiles and histogram_fraction on classic buckets, and
//! the native-only histogram functions on float input.
#![allow(clippy::unwrap_used)] // Test helpers unwrap outside #[test] functions.

mod functions_support;

use std::sync::Arc;

use functions_support::*;
use model::histogram::FloatHistogram;
use promql::functions::ArgValue;
use promql::value::Sample;

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

/// Buckets `(le, cumulative count)` of `x_bucket{job="a"}`.
fn buckets(bs: &[(&str, f64)]) -> Vec<Sample> {
    bs.iter()
        .map(|&(le, c)| sample(&[("__name__", "x_bucket"), ("job", "a"), ("le", le)], c))
        .collect()
}

const STANDARD: &[(&str, f64)] = &[("1", 10.0), ("2", 20.0), ("4", 30.0), ("+Inf", 40.0)];

fn quantile(q: f64, input: &[Sample]) -> (Vec<Sample>, promql::Annotations) {
    let (r, annos) =
        step_fn("histogram_quantile", &[ArgValue::Scalar(q), ArgValue::Vector(input)], &[], 0);
    match r.unwrap() {
        promql::functions::StepOutput::Vector(v) => (v, annos),
        other => panic!("{other:?}"),
    }
}

fn quantile_value(q: f64, bs: &[(&str, f64)]) -> f64 {
    let (v, _) = quantile(q, &buckets(bs));
    assert_eq!(v.len(), 1);
    v[0].f
}

#[test]
fn interpolates_inside_the_bucket_of_the_rank() {
    // rank 20 is the top of bucket (1, 2].
    assert_close(quantile_value(0.5, STANDARD), 2.0);
    // rank 10: the first bucket, from 0 to 1.
    assert_close(quantile_value(0.25, STANDARD), 1.0);
    // rank 24: 4 of the 10 observations in (2, 4].
    assert_close(quantile_value(0.6, STANDARD), 2.8);
    assert_close(quantile_value(0.0, STANDARD), 0.0);
    // In the +Inf bucket: the highest finite bound.
    assert_close(quantile_value(0.9, STANDARD), 4.0);
    assert_close(quantile_value(1.0, STANDARD), 4.0);
}

#[test]
fn output_labels_and_name_flag() {
    let (v, annos) = quantile(0.5, &buckets(STANDARD));
    assert_eq!(v[0].metric, labels(&[("__name__", "x_bucket"), ("job", "a")]));
    assert!(v[0].drop_name);
    assert!(annos.is_empty());
}

#[test]
fn groups_by_all_labels_but_le() {
    let mut input = buckets(STANDARD);
    input.extend(
        [("1", 1.0), ("+Inf", 2.0)]
            .iter()
            .map(|&(le, c)| sample(&[("__name__", "x_bucket"), ("job", "b"), ("le", le)], c)),
    );
    let (v, _) = quantile(0.5, &input);
    assert_eq!(
        by_labels(&v),
        [
            (r#"{__name__="x_bucket", job="a"}"#.to_string(), 2.0),
            (r#"{__name__="x_bucket", job="b"}"#.to_string(), 1.0)
        ]
    );
}

#[test]
fn degenerate_histograms_give_nan() {
    // No +Inf bucket.
    assert_close(quantile_value(0.5, &[("1", 1.0), ("2", 2.0)]), NAN);
    // Only the +Inf bucket.
    assert_close(quantile_value(0.5, &[("+Inf", 3.0)]), NAN);
    // No observations.
    assert_close(quantile_value(0.5, &[("1", 0.0), ("+Inf", 0.0)]), NAN);
}

#[test]
fn bounds_at_or_below_zero() {
    // The rank falls in the first bucket, whose bound is not positive: that bound.
    assert_close(quantile_value(0.2, &[("-1", 5.0), ("0", 10.0), ("+Inf", 10.0)]), -1.0);
    // Second bucket (-1, 0]: 3 of 5 observations.
    assert_close(quantile_value(0.8, &[("-1", 5.0), ("0", 10.0), ("+Inf", 10.0)]), -0.4);
}

#[test]
fn out_of_range_quantiles_warn() {
    let (v, annos) = quantile(-1.0, &buckets(STANDARD));
    assert_close(v[0].f, -INF);
    assert_eq!(
        annos.warnings,
        ["PromQL warning: quantile value should be between 0 and 1, got -1"]
    );
    let (v, _) = quantile(1.5, &buckets(STANDARD));
    assert_close(v[0].f, INF);
    let (v, annos) = quantile(NAN, &buckets(STANDARD));
    assert_close(v[0].f, NAN);
    assert_eq!(
        annos.warnings,
        ["PromQL warning: quantile value should be between 0 and 1, got NaN"]
    );
    // Out of range wins even without a +Inf bucket.
    assert_close(quantile(2.0, &buckets(&[("1", 1.0)])).0[0].f, INF);
}

#[test]
fn non_monotonic_buckets_are_fixed_with_an_info() {
    // 10, 8, 12 becomes 10, 10, 12; rank 6 lies in (0, 1].
    let (v, annos) = quantile(0.5, &buckets(&[("1", 10.0), ("2", 8.0), ("+Inf", 12.0)]));
    assert_close(v[0].f, 0.6);
    assert_eq!(
        annos.infos,
        [
            "PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name \"x_bucket\""
        ]
    );
    // Rank 11 lies in (2, +Inf]: after the fix the second bucket holds nothing.
    assert_close(
        quantile(11.0 / 12.0, &buckets(&[("1", 10.0), ("2", 8.0), ("+Inf", 12.0)])).0[0].f,
        2.0,
    );
}

#[test]
fn floating_point_noise_is_flattened_silently() {
    let (v, annos) =
        quantile(0.5, &buckets(&[("1", 10.0), ("2", 10.0 * (1.0 - 1e-15)), ("+Inf", 20.0)]));
    assert!(annos.is_empty(), "{annos:?}");
    // Rank 10 in the first bucket.
    assert_close(v[0].f, 1.0);
}

#[test]
fn equal_bounds_are_one_bucket() {
    // "1" and "1.0" are the same bound: 3 + 2 = 5 of 10 below 1.
    assert_close(quantile_value(0.5, &[("1", 3.0), ("1.0", 2.0), ("+Inf", 10.0)]), 1.0);
}

#[test]
fn bad_le_labels_warn_and_are_skipped() {
    let mut input = buckets(STANDARD);
    input.push(sample(&[("__name__", "x_bucket"), ("job", "a"), ("le", "Hello World")], 3.0));
    input.push(sample(&[("__name__", "y"), ("job", "a")], 3.0));
    let (v, annos) = quantile(0.5, &input);
    assert_eq!(v.len(), 1);
    assert_close(v[0].f, 2.0);
    assert_eq!(
        annos.warnings,
        [
            "PromQL warning: bucket label \"le\" is missing or has a malformed value of \"Hello World\" for metric name \"x_bucket\"",
            "PromQL warning: bucket label \"le\" is missing or has a malformed value of \"\" for metric name \"y\"",
        ]
    );
}

#[test]
fn a_native_histogram_with_the_same_labels_voids_the_group() {
    let mut input = buckets(STANDARD);
    input.push(Sample {
        h: Some(Arc::new(FloatHistogram { count: 4.0, sum: 2.0, ..Default::default() })),
        ..sample(&[("__name__", "x_bucket"), ("job", "a")], 0.0)
    });
    let (v, annos) = quantile(0.5, &input);
    assert!(v.is_empty());
    assert_eq!(
        annos.warnings,
        [
            "PromQL warning: vector contains a mix of classic and native histograms for metric name \"x_bucket\""
        ]
    );
}

#[test]
fn histogram_quantiles_labels_each_quantile() {
    let input = buckets(STANDARD);
    let args = [
        ArgValue::Vector(&input),
        ArgValue::String("q"),
        ArgValue::Scalar(0.25),
        ArgValue::Scalar(0.6),
        ArgValue::Scalar(1.0),
    ];
    let v = step_vector("histogram_quantiles", &args);
    assert_eq!(
        by_labels(&v),
        [
            (r#"{__name__="x_bucket", job="a", q="0.25"}"#.to_string(), 1.0),
            (r#"{__name__="x_bucket", job="a", q="0.6"}"#.to_string(), 2.8),
            (r#"{__name__="x_bucket", job="a", q="1.0"}"#.to_string(), 4.0),
        ]
    );
    assert!(v.iter().all(|s| s.drop_name));
}

fn fraction(lo: f64, hi: f64, bs: &[(&str, f64)]) -> f64 {
    let input = buckets(bs);
    let v = step_vector(
        "histogram_fraction",
        &[ArgValue::Scalar(lo), ArgValue::Scalar(hi), ArgValue::Vector(&input)],
    );
    assert_eq!(v.len(), 1);
    assert!(v[0].drop_name);
    v[0].f
}

#[test]
fn histogram_fraction_interpolates_within_buckets() {
    // 20 of 40 observations are at most 2.
    assert_close(fraction(0.0, 2.0, STANDARD), 0.5);
    // From 15 (halfway through (1, 2]) to 25 (halfway through (2, 4]).
    assert_close(fraction(1.5, 3.0, STANDARD), 0.25);
    assert_close(fraction(-INF, INF, STANDARD), 1.0);
    // Above the last finite bound: the +Inf bucket's 10.
    assert_close(fraction(4.0, INF, STANDARD), 0.25);
    assert_close(fraction(2.0, 1.0, STANDARD), 0.0);
    assert_close(fraction(NAN, 1.0, STANDARD), NAN);
    assert_close(fraction(0.0, 1.0, &[("1", 1.0)]), NAN);
    assert_close(fraction(0.0, 1.0, &[("1", 0.0), ("+Inf", 0.0)]), NAN);
    // A first bucket at or below zero starts at -Inf: all of it counts below any bound in it.
    assert_close(fraction(-INF, -0.5, &[("0", 4.0), ("+Inf", 8.0)]), 0.5);
}

#[test]
fn native_histogram_functions_ignore_floats() {
    let floats = buckets(STANDARD);
    for f in [
        "histogram_count",
        "histogram_sum",
        "histogram_avg",
        "histogram_stddev",
        "histogram_stdvar",
    ] {
        assert!(step_vector(f, &[ArgValue::Vector(&floats)]).is_empty(), "{f}");
    }
    let native = [Sample {
        h: Some(Arc::new(FloatHistogram { count: 10.0, sum: 50.0, ..Default::default() })),
        ..sample(&[("__name__", "h")], 0.0)
    }];
    assert_eq!(step_vector("histogram_count", &[ArgValue::Vector(&native)])[0].f, 10.0);
    assert_eq!(step_vector("histogram_sum", &[ArgValue::Vector(&native)])[0].f, 50.0);
    let avg = step_vector("histogram_avg", &[ArgValue::Vector(&native)]);
    assert_eq!(avg[0].f, 5.0);
    assert!(avg[0].drop_name);
}
