//! `topk bottomk limitk limit_ratio` called directly with hand-built samples.

mod aggregate_support;

use std::collections::BTreeSet;
use std::sync::Arc;

use aggregate_support::*;
use model::histogram::FloatHistogram;
use promql::aggregate::Param;
use promql::ast::AggOp;
use promql::engine::QueryError;
use promql::value::{Annotations, Sample};

fn names(out: &[Sample]) -> Vec<String> {
    out.iter().map(|s| s.metric.to_string()).collect()
}

fn values(out: &[Sample]) -> Vec<f64> {
    out.iter().map(|s| s.f).collect()
}

/// The test data's series with `instance="2"`, a NaN, added to the production api-servers.
fn with_nan() -> Vec<Sample> {
    let mut input = http_requests();
    input.insert(
        2,
        sample(r#"http_requests{job="api-server",instance="2",group="production"}"#, f64::NAN),
    );
    input
}

#[test]
fn topk_orders_descending_and_keeps_labels() {
    let mut a = node(AggOp::Topk, None);
    let (out, ann) = run(&mut a, &http_requests(), Param::Number(3.0));
    assert_eq!(values(&out), [800.0, 700.0, 600.0]);
    assert_eq!(
        names(&out)[0],
        ls(r#"http_requests{group="canary",instance="1",job="app-server"}"#).to_string()
    );
    assert!(ann.is_empty());
    assert!(out.iter().all(|s| s.t == 1000));
}

#[test]
fn bottomk_orders_ascending() {
    let mut a = node(AggOp::Bottomk, None);
    let (out, _) = run(&mut a, &http_requests(), Param::Number(3.0));
    assert_eq!(values(&out), [100.0, 200.0, 300.0]);
}

#[test]
fn k_larger_than_input_returns_all_sorted() {
    let input: Vec<Sample> = http_requests().into_iter().skip(6).collect();
    let mut a = node(AggOp::Topk, None);
    assert_eq!(values(&run(&mut a, &input, Param::Number(5.0)).0), [800.0, 700.0]);
    let mut a = node(AggOp::Bottomk, None);
    assert_eq!(values(&run(&mut a, &input, Param::Number(9_999_999_999.0)).0), [700.0, 800.0]);
}

#[test]
fn k_is_truncated() {
    let mut a = node(AggOp::Topk, None);
    assert_eq!(values(&run(&mut a, &http_requests(), Param::Number(2.9)).0), [800.0, 700.0]);
    let mut a = node(AggOp::Bottomk, None);
    assert_eq!(values(&run(&mut a, &http_requests(), Param::Number(1.5)).0), [100.0]);
}

#[test]
fn k_below_one_gives_nothing() {
    for op in [AggOp::Topk, AggOp::Bottomk, AggOp::Limitk] {
        for k in [0.0, 0.99, -1.0, f64::NEG_INFINITY, -1e30] {
            let mut a = node(op, None);
            let (out, ann) = run(&mut a, &http_requests(), Param::Number(k));
            assert!(out.is_empty() && ann.is_empty(), "{op:?} {k}");
        }
    }
}

#[test]
fn nan_k_is_an_error_even_without_input() {
    for op in [AggOp::Topk, AggOp::Bottomk, AggOp::Limitk] {
        let mut a = node(op, None);
        let err = a.step(&[], Param::Number(f64::NAN), 0, &mut Annotations::default()).unwrap_err();
        assert_eq!(err, QueryError::Execution("Parameter value is NaN".into()));
        assert_eq!(err.to_string(), "Parameter value is NaN");
    }
    let mut a = node(AggOp::LimitRatio, None);
    let err = a
        .step(&http_requests(), Param::Number(f64::NAN), 0, &mut Annotations::default())
        .unwrap_err();
    assert_eq!(err.to_string(), "Ratio value is NaN");
}

#[test]
fn huge_k_overflows_int64() {
    let mut a = node(AggOp::Topk, None);
    let err =
        a.step(&http_requests(), Param::Number(1e20), 0, &mut Annotations::default()).unwrap_err();
    assert_eq!(err.to_string(), "Scalar value 1e+20 overflows int64");
    // 2^63 is already out of range; the largest float below it is fine.
    let err = a.step(
        &http_requests(),
        Param::Number(9_223_372_036_854_775_808.0),
        0,
        &mut Annotations::default(),
    );
    assert_eq!(err.unwrap_err().to_string(), "Scalar value 9.223372036854776e+18 overflows int64");
    let ok = a.step(
        &http_requests(),
        Param::Number(9_223_372_036_854_774_784.0),
        0,
        &mut Annotations::default(),
    );
    assert_eq!(ok.unwrap().len(), 8);
}

#[test]
fn nan_ranks_last_both_ways() {
    let prod: Vec<Sample> = with_nan().into_iter().take(3).collect();
    let mut a = node(AggOp::Topk, None);
    let out = run(&mut a, &prod, Param::Number(3.0)).0;
    assert_eq!(&values(&out)[..2], [200.0, 100.0]);
    assert!(out[2].f.is_nan());
    let mut a = node(AggOp::Bottomk, None);
    let out = run(&mut a, &prod, Param::Number(3.0)).0;
    assert_eq!(&values(&out)[..2], [100.0, 200.0]);
    assert!(out[2].f.is_nan());
    // With room for fewer, NaN is what is left out.
    let mut a = node(AggOp::Bottomk, None);
    assert_eq!(values(&run(&mut a, &prod, Param::Number(2.0)).0), [100.0, 200.0]);
    let mut a = node(AggOp::Topk, None);
    assert_eq!(values(&run(&mut a, &prod, Param::Number(1.0)).0), [200.0]);
    // NaN first in the input must not win either.
    let mut reversed = prod.clone();
    reversed.reverse();
    let mut a = node(AggOp::Topk, None);
    assert_eq!(values(&run(&mut a, &reversed, Param::Number(2.0)).0), [200.0, 100.0]);
}

#[test]
fn topk_by_group_picks_per_group() {
    let mut a = node(AggOp::Topk, by(&["group"]));
    let out = run(&mut a, &http_requests(), Param::Number(1.0)).0;
    let got: BTreeSet<String> = names(&out).into_iter().collect();
    let want: BTreeSet<String> = [
        r#"http_requests{group="production",instance="1",job="app-server"}"#,
        r#"http_requests{group="canary",instance="1",job="app-server"}"#,
    ]
    .iter()
    .map(|s| ls(s).to_string())
    .collect();
    assert_eq!(got, want);

    // bottomk by (instance) with a NaN-only group: NaN is still the best that group has.
    let mut a = node(AggOp::Bottomk, by(&["instance"]));
    let out = run(&mut a, &with_nan(), Param::Number(1.0)).0;
    let mut got: Vec<(String, f64)> =
        out.iter().map(|s| (s.metric.get_or_empty("instance").to_string(), s.f)).collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got[0], ("0".to_string(), 100.0));
    assert_eq!(got[1], ("1".to_string(), 200.0));
    assert_eq!(got[2].0, "2");
    assert!(got[2].1.is_nan());
}

#[test]
fn ties_keep_the_earlier_series() {
    let input = samples(&[
        ("x{i=\"a\"}", 5.0),
        ("x{i=\"b\"}", 3.0),
        ("x{i=\"c\"}", 5.0),
        ("x{i=\"d\"}", 5.0),
    ]);
    let mut a = node(AggOp::Topk, None);
    let out = run(&mut a, &input, Param::Number(2.0)).0;
    assert_eq!(names(&out), [ls("x{i=\"a\"}").to_string(), ls("x{i=\"c\"}").to_string()]);
}

#[test]
fn selected_samples_keep_name_and_drop_name_flag() {
    let mut input = samples(&[("x{i=\"a\"}", 1.0), ("x{i=\"b\"}", 2.0)]);
    input[1].drop_name = true;
    for op in [AggOp::Topk, AggOp::Bottomk, AggOp::Limitk, AggOp::LimitRatio] {
        let mut a = node(op, None);
        let k = if op == AggOp::LimitRatio { 1.0 } else { 2.0 };
        let out = run(&mut a, &input, Param::Number(k)).0;
        assert_eq!(out.len(), 2, "{op:?}");
        for s in &out {
            assert_eq!(s.metric.metric_name(), Some("x"));
            assert_eq!(s.drop_name, s.f == 2.0, "{op:?}");
        }
    }
}

fn histogram(series: &str) -> Sample {
    Sample {
        metric: ls(series),
        t: 0,
        f: 0.0,
        h: Some(Arc::new(FloatHistogram::default())),
        drop_name: false,
    }
}

#[test]
fn topk_and_bottomk_ignore_histograms_with_an_info() {
    let input = vec![histogram("h{i=\"0\"}"), sample("x{i=\"1\"}", 1.0), histogram("h{i=\"2\"}")];
    for op in [AggOp::Topk, AggOp::Bottomk] {
        let mut a = node(op, None);
        let (out, ann) = run(&mut a, &input, Param::Number(100.0));
        assert_eq!(values(&out), [1.0]);
        assert_eq!(
            ann.infos,
            [format!("PromQL info: ignored histogram in {} aggregation", op.as_str())]
        );
        let mut a = node(op, None);
        let (out, ann) = run(&mut a, &input[2..], Param::Number(100.0));
        assert!(out.is_empty());
        assert_eq!(ann.infos.len(), 1);
    }
}

#[test]
fn limitk_keeps_the_first_k_per_group_histograms_included() {
    let input = vec![
        histogram("h{g=\"a\",i=\"0\"}"),
        sample("x{g=\"b\",i=\"1\"}", 9.0),
        sample("x{g=\"a\",i=\"2\"}", 1.0),
        sample("x{g=\"a\",i=\"3\"}", 7.0),
        sample("x{g=\"b\",i=\"4\"}", 3.0),
    ];
    let mut a = node(AggOp::Limitk, by(&["g"]));
    let (out, ann) = run(&mut a, &input, Param::Number(2.0));
    let got: BTreeSet<String> =
        out.iter().map(|s| s.metric.get_or_empty("i").to_string()).collect();
    assert_eq!(got, ["0", "1", "2", "4"].iter().map(|s| s.to_string()).collect());
    assert!(ann.is_empty());
    assert!(out.iter().find(|s| s.metric.get_or_empty("i") == "0").unwrap().h.is_some());
    let mut a = node(AggOp::Limitk, None);
    assert_eq!(run(&mut a, &input, Param::Number(100.0)).0.len(), 5);
}

fn many() -> Vec<Sample> {
    (0..200).map(|i| sample(&format!("m{{i=\"{i}\",job=\"j{}\"}}", i % 3), f64::from(i))).collect()
}

fn ids(out: &[Sample]) -> BTreeSet<String> {
    out.iter().map(|s| s.metric.get_or_empty("i").to_string()).collect()
}

#[test]
fn limit_ratio_zero_is_empty_and_one_is_everything() {
    let input = many();
    let mut a = node(AggOp::LimitRatio, None);
    let (out, ann) = run(&mut a, &input, Param::Number(0.0));
    assert!(out.is_empty() && ann.is_empty());
    for r in [1.0, -1.0] {
        let (out, ann) = run(&mut a, &input, Param::Number(r));
        assert_eq!(out.len(), 200, "{r}");
        assert!(ann.is_empty());
    }
}

#[test]
fn limit_ratio_caps_with_a_warning() {
    let input = many();
    for (r, text) in [
        (1.1, "PromQL warning: ratio value should be between -1 and 1, got 1.1, capping to 1"),
        (-1.1, "PromQL warning: ratio value should be between -1 and 1, got -1.1, capping to -1"),
    ] {
        let mut a = node(AggOp::LimitRatio, None);
        let (out, ann) = run(&mut a, &input, Param::Number(r));
        assert_eq!(out.len(), 200);
        assert_eq!(ann.warnings, [text.to_string()]);
    }
}

#[test]
fn limit_ratio_complements_split_the_input_exactly() {
    let input = many();
    for r in [0.2, 0.5, 0.8, 3.0 / 17.0] {
        let mut pos = node(AggOp::LimitRatio, by(&["job"]));
        let mut neg = node(AggOp::LimitRatio, by(&["job"]));
        let a = ids(&run(&mut pos, &input, Param::Number(r)).0);
        let b = ids(&run(&mut neg, &input, Param::Number(-(1.0 - r))).0);
        assert!(a.is_disjoint(&b), "{r}");
        assert_eq!(a.len() + b.len(), 200, "{r}");
        // Roughly the ratio asked for (the hash is uniform; 200 series).
        let expected = 200.0 * r;
        assert!((a.len() as f64 - expected).abs() < 40.0, "{r}: {}", a.len());
        // Larger ratios keep supersets, and the choice does not change between steps.
        let again = ids(&run(&mut pos, &input, Param::Number(r)).0);
        assert_eq!(a, again);
    }
    let mut small = node(AggOp::LimitRatio, None);
    let mut large = node(AggOp::LimitRatio, None);
    assert!(
        ids(&run(&mut small, &input, Param::Number(0.3)).0).is_subset(&ids(&run(
            &mut large,
            &input,
            Param::Number(0.6)
        )
        .0))
    );
}

#[test]
fn limit_ratio_samples_by_the_stringlabels_hash() {
    // Prometheus' sampler: offset = Labels.Hash() / MaxUint64 (the stringlabels hash in its
    // default build); r >= 0 keeps offset < r, r < 0 keeps offset >= 1 + r.
    let input = many();
    let r = 0.37;
    let mut a = node(AggOp::LimitRatio, None);
    let got = ids(&run(&mut a, &input, Param::Number(r)).0);
    let want: BTreeSet<String> = input
        .iter()
        .filter(|s| (s.metric.hash_stringlabels() as f64 / u64::MAX as f64) < r)
        .map(|s| s.metric.get_or_empty("i").to_string())
        .collect();
    assert_eq!(got, want);
}
