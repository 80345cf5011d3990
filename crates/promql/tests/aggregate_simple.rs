//! `sum avg count min max group stddev stdvar quantile` called directly with hand-built samples.
//! Expected values are worked out by hand from Prometheus' semantics.

mod aggregate_support;

use std::sync::Arc;

use aggregate_support::*;
use model::histogram::FloatHistogram;
use promql::aggregate::Param;
use promql::ast::AggOp;
use promql::value::Sample;

#[test]
fn sum_by_keeps_only_listed_labels() {
    let mut a = node(AggOp::Sum, by(&["group"]));
    let api: Vec<Sample> = http_requests().into_iter().take(4).collect();
    let (out, ann) = run(&mut a, &api, Param::None);
    assert_eq!(
        by_labels(&out),
        expect(&[(r#"{group="canary"}"#, 700.0), (r#"{group="production"}"#, 300.0)])
    );
    assert!(ann.is_empty());
    assert!(out.iter().all(|s| s.t == 1000 && !s.drop_name && s.h.is_none()));
}

#[test]
fn no_clause_and_empty_by_make_one_group() {
    for clause in [None, by(&[])] {
        let mut a = node(AggOp::Sum, clause);
        let (out, _) = run(&mut a, &http_requests(), Param::None);
        assert_eq!(by_labels(&out), expect(&[("{}", 3600.0)]));
    }
}

#[test]
fn by_ignores_labels_no_series_has() {
    let mut a = node(AggOp::Sum, by(&["job", "nonexistent"]));
    let (out, _) = run(&mut a, &http_requests(), Param::None);
    assert_eq!(
        by_labels(&out),
        expect(&[(r#"{job="api-server"}"#, 1000.0), (r#"{job="app-server"}"#, 2600.0)])
    );
}

#[test]
fn without_drops_listed_labels_and_the_name() {
    let mut a = node(AggOp::Sum, without(&["instance"]));
    let mut input: Vec<Sample> = http_requests().into_iter().take(4).collect();
    // Series with other label sets, as in `x or foo`: each lands in its own group.
    input.extend(samples(&[
        (r#"foo{job="api-server",instance="0",region="europe"}"#, 900.0),
        (r#"foo{job="api-server"}"#, 1000.0),
    ]));
    let (out, _) = run(&mut a, &input, Param::None);
    assert_eq!(
        by_labels(&out),
        expect(&[
            (r#"{group="canary",job="api-server"}"#, 700.0),
            (r#"{group="production",job="api-server"}"#, 300.0),
            (r#"{region="europe",job="api-server"}"#, 900.0),
            (r#"{job="api-server"}"#, 1000.0),
        ])
    );
}

#[test]
fn empty_without_keeps_everything_but_the_name() {
    let mut a = node(AggOp::Sum, without(&[]));
    let input: Vec<Sample> = http_requests().into_iter().take(2).collect();
    let (out, _) = run(&mut a, &input, Param::None);
    assert_eq!(
        by_labels(&out),
        expect(&[
            (r#"{group="production",instance="0",job="api-server"}"#, 100.0),
            (r#"{group="production",instance="1",job="api-server"}"#, 200.0),
        ])
    );
}

#[test]
fn by_name_keeps_the_name_and_passes_on_drop_name() {
    let mut input = samples(&[(r#"a{x="1"}"#, 1.0), (r#"a{x="2"}"#, 2.0), (r#"b{x="1"}"#, 4.0)]);
    // A function upstream marked its output for delayed name removal.
    input[1].drop_name = true;
    let mut a = node(AggOp::Sum, by(&["__name__"]));
    let (out, _) = run(&mut a, &input, Param::None);
    assert_eq!(by_labels(&out), expect(&[("a", 3.0), ("b", 4.0)]));
    let flag =
        |name: &str| out.iter().find(|s| s.metric.metric_name() == Some(name)).unwrap().drop_name;
    assert!(flag("a"), "one flagged input flags the group");
    assert!(!flag("b"));
}

#[test]
fn separator_keeps_similar_label_values_apart() {
    let input = samples(&[(r#"t{a="aa",b="bb"}"#, 100.0), (r#"t{a="a",b="abb"}"#, 200.0)]);
    let mut a = node(AggOp::Sum, by(&["a", "b"]));
    let (out, _) = run(&mut a, &input, Param::None);
    assert_eq!(
        by_labels(&out),
        expect(&[(r#"{a="a",b="abb"}"#, 200.0), (r#"{a="aa",b="bb"}"#, 100.0)])
    );
}

#[test]
fn avg_count_min_max_group_by_job() {
    let cases = [
        (AggOp::Avg, 250.0, 650.0),
        (AggOp::Count, 4.0, 4.0),
        (AggOp::Min, 100.0, 500.0),
        (AggOp::Max, 400.0, 800.0),
        (AggOp::Group, 1.0, 1.0),
    ];
    for (op, api, app) in cases {
        let mut a = node(op, by(&["job"]));
        let (out, _) = run(&mut a, &http_requests(), Param::None);
        assert_eq!(
            by_labels(&out),
            expect(&[(r#"{job="api-server"}"#, api), (r#"{job="app-server"}"#, app)]),
            "{op:?}"
        );
    }
}

#[test]
fn stddev_and_stdvar_are_population_statistics() {
    // Mean 450; squared deviations 2·(350² + 250² + 150² + 50²) = 420000; /8 = 52500.
    let mut a = node(AggOp::Stdvar, None);
    assert_eq!(
        by_labels(&run(&mut a, &http_requests(), Param::None).0),
        expect(&[("{}", 52500.0)])
    );
    let mut a = node(AggOp::Stddev, None);
    assert_eq!(
        by_labels(&run(&mut a, &http_requests(), Param::None).0),
        expect(&[("{}", 52500f64.sqrt())])
    );
    // Per instance: 100,300,500,700 → mean 400, (300²+100²)·2/4 = 50000.
    let mut a = node(AggOp::Stdvar, by(&["instance"]));
    assert_eq!(
        by_labels(&run(&mut a, &http_requests(), Param::None).0),
        expect(&[(r#"{instance="0"}"#, 50000.0), (r#"{instance="1"}"#, 50000.0)])
    );
}

#[test]
fn stddev_of_equal_values_is_exactly_zero() {
    let input = samples(&[("x{a=\"1\"}", 13.3), ("x{a=\"2\"}", 13.3), ("x{a=\"3\"}", 13.3)]);
    let mut a = node(AggOp::Stddev, None);
    let (out, _) = run(&mut a, &input, Param::None);
    assert_eq!(out[0].f, 0.0);
}

#[test]
fn stddev_with_nan_or_inf_is_nan_but_alone_groups_of_numbers_are_zero() {
    for bad in [f64::NAN, f64::INFINITY] {
        for order in [[bad, 1.0, 2.0], [1.0, 2.0, bad]] {
            let input = samples(&[
                (r#"s{l="a"}"#, order[0]),
                (r#"s{l="b"}"#, order[1]),
                (r#"s{l="c"}"#, order[2]),
            ]);
            let mut a = node(AggOp::Stddev, None);
            assert!(run(&mut a, &input, Param::None).0[0].f.is_nan(), "{order:?}");
            let mut a = node(AggOp::Stdvar, by(&["l"]));
            let out = by_labels(&run(&mut a, &input, Param::None).0);
            let nan_label = if order[0].is_nan() || order[0].is_infinite() { "a" } else { "c" };
            for (l, v) in out {
                let want = if l.contains(&format!("\"{nan_label}\"")) {
                    "NaN"
                } else {
                    "0.000000000000e0"
                };
                assert_eq!(v, want, "{l} in {order:?}");
            }
        }
    }
}

#[test]
fn sum_is_kahan_compensated() {
    // Plain left-to-right addition gives 0: 1e100 absorbs 2 + 8.
    let input = samples(&[
        ("d{p=\"a\"}", 2.0),
        ("d{p=\"b\"}", 8.0),
        ("d{p=\"c\"}", 1e100),
        ("d{p=\"d\"}", -1e100),
    ]);
    let mut a = node(AggOp::Sum, None);
    assert_eq!(run(&mut a, &input, Param::None).0[0].f, 10.0);
    let mut a = node(AggOp::Avg, None);
    assert_eq!(run(&mut a, &input, Param::None).0[0].f, 2.5);
}

#[test]
fn avg_with_infinities_and_nan() {
    let cases: [(&[f64], f64); 6] = [
        (&[0.0, f64::INFINITY, f64::INFINITY, 0.0], f64::INFINITY),
        (&[f64::NEG_INFINITY, f64::NEG_INFINITY, 0.0], f64::NEG_INFINITY),
        (&[f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY], f64::NAN),
        (&[f64::NEG_INFINITY, 0.0, f64::INFINITY], f64::NAN),
        (&[8.0, 10.0, 12.0], 10.0),
        (&[1.0, f64::NAN, 3.0], f64::NAN),
    ];
    for (values, want) in cases {
        let input: Vec<Sample> = values
            .iter()
            .enumerate()
            .map(|(i, &f)| sample(&format!("d{{p=\"{i}\"}}"), f))
            .collect();
        let mut a = node(AggOp::Avg, None);
        let got = run(&mut a, &input, Param::None).0[0].f;
        assert!(got == want || (got.is_nan() && want.is_nan()), "{values:?}: {got}");
    }
}

#[test]
fn avg_survives_a_sum_that_would_overflow() {
    let big = 9.988_465_674_311_58e307;
    for (sign, want) in [(1.0, big), (-1.0, -big)] {
        let input: Vec<Sample> =
            (0..4).map(|i| sample(&format!("d{{p=\"{i}\"}}"), sign * big)).collect();
        let mut a = node(AggOp::Avg, None);
        assert_eq!(run(&mut a, &input, Param::None).0[0].f, want);
    }
    // Two large negatives then two large positives: the running sum overflows, the mean is 0.
    let input = samples(&[
        ("d{p=\"a\"}", -big),
        ("d{p=\"b\"}", -big),
        ("d{p=\"c\"}", big),
        ("d{p=\"d\"}", big),
    ]);
    let mut a = node(AggOp::Avg, None);
    assert_eq!(run(&mut a, &input, Param::None).0[0].f, 0.0);
}

#[test]
fn avg_of_equal_values_is_exact() {
    let input: Vec<Sample> =
        (0..12).map(|i| sample(&format!("foo{{idx=\"{i}\"}}"), 52.0)).collect();
    for n in 8..=12 {
        let mut a = node(AggOp::Avg, None);
        assert_eq!(run(&mut a, &input[..n], Param::None).0[0].f, 52.0, "{n} values");
    }
}

#[test]
fn sum_with_infinities_and_nan() {
    let cases: [(&[f64], f64); 3] = [
        (&[f64::INFINITY, 2.0], f64::INFINITY),
        (&[2.0, f64::NEG_INFINITY], f64::NEG_INFINITY),
        (&[f64::INFINITY, f64::NEG_INFINITY], f64::NAN),
    ];
    for (values, want) in cases {
        let input: Vec<Sample> = values
            .iter()
            .enumerate()
            .map(|(i, &f)| sample(&format!("d{{p=\"{i}\"}}"), f))
            .collect();
        let mut a = node(AggOp::Sum, None);
        let got = run(&mut a, &input, Param::None).0[0].f;
        assert!(got == want || (got.is_nan() && want.is_nan()), "{values:?}: {got}");
    }
}

#[test]
fn min_and_max_skip_nan_unless_all_are_nan() {
    let input = samples(&[("r{i=\"0\"}", 1.0), ("r{i=\"1\"}", f64::NAN), ("r{i=\"2\"}", 4.0)]);
    let mut a = node(AggOp::Max, None);
    assert_eq!(run(&mut a, &input, Param::None).0[0].f, 4.0);
    let mut a = node(AggOp::Min, None);
    assert_eq!(run(&mut a, &input, Param::None).0[0].f, 1.0);
    // NaN first must not stick either.
    let input = samples(&[("r{i=\"1\"}", f64::NAN), ("r{i=\"0\"}", 3.0)]);
    let mut a = node(AggOp::Min, None);
    assert_eq!(run(&mut a, &input, Param::None).0[0].f, 3.0);
    let input = samples(&[("r{i=\"1\"}", f64::NAN)]);
    let mut a = node(AggOp::Max, None);
    assert!(run(&mut a, &input, Param::None).0[0].f.is_nan());
}

fn histogram_sample(series: &str) -> Sample {
    Sample {
        metric: ls(series),
        t: 0,
        f: 0.0,
        h: Some(Arc::new(FloatHistogram::default())),
        drop_name: false,
    }
}

#[test]
fn histograms_are_ignored_with_an_info_where_only_floats_count() {
    for op in [AggOp::Min, AggOp::Max, AggOp::Stddev, AggOp::Stdvar, AggOp::Quantile] {
        let want = format!("PromQL info: ignored histogram in {} aggregation", op.as_str());
        // A histogram first, then floats: the floats alone decide.
        let input = vec![
            histogram_sample("h{i=\"9\"}"),
            sample("s{i=\"0\"}", 1.0),
            sample("s{i=\"1\"}", 3.0),
        ];
        let mut a = node(op, None);
        let (out, ann) = run(&mut a, &input, Param::Number(0.5));
        let expected = match op {
            AggOp::Min => 1.0,
            AggOp::Max => 3.0,
            AggOp::Stddev => 1.0,
            AggOp::Stdvar => 1.0,
            _ => 2.0,
        };
        assert_eq!(by_labels(&out), expect(&[("{}", expected)]), "{op:?}");
        assert_eq!(ann.infos, vec![want.clone()], "{op:?}");
        // Only a histogram: no output.
        let mut a = node(op, None);
        let (out, ann) = run(&mut a, &[histogram_sample("h{i=\"9\"}")], Param::Number(0.5));
        assert!(out.is_empty(), "{op:?}");
        assert_eq!(ann.infos, vec![want], "{op:?}");
    }
}

#[test]
fn count_and_group_count_histograms() {
    let input = vec![histogram_sample("h{i=\"9\"}"), sample("s{i=\"0\"}", 1.0)];
    let mut a = node(AggOp::Count, None);
    let (out, ann) = run(&mut a, &input, Param::None);
    assert_eq!(out[0].f, 2.0);
    assert!(ann.is_empty());
    let mut a = node(AggOp::Group, by(&["i"]));
    let (out, _) = run(&mut a, &input, Param::None);
    assert_eq!(by_labels(&out), expect(&[(r#"{i="9"}"#, 1.0), (r#"{i="0"}"#, 1.0)]));
}

#[test]
fn sum_of_floats_and_histograms_warns_and_gives_nothing() {
    let input = vec![sample("s{i=\"0\"}", 1.0), histogram_sample("h{i=\"9\"}")];
    for op in [AggOp::Sum, AggOp::Avg] {
        let mut a = node(op, None);
        let (out, ann) = run(&mut a, &input, Param::None);
        assert!(out.is_empty());
        assert_eq!(
            ann.warnings,
            vec![
                "PromQL warning: encountered a mix of histograms and floats for aggregation"
                    .to_string()
            ]
        );
    }
}

#[test]
fn quantile_interpolates_with_nan_as_smallest() {
    let data = [
        ("two", &[0.0, 1.0][..]),
        ("three", &[0.0, 1.0, 2.0][..]),
        ("uneven", &[0.0, 1.0, 4.0][..]),
        ("nan", &[0.0, 1.0, f64::NAN][..]),
    ];
    let mut input = Vec::new();
    for (test, values) in data {
        for (i, &f) in values.iter().enumerate() {
            input.push(sample(&format!("data{{test=\"{test}\",point=\"{i}\"}}"), f));
        }
    }
    let mut a = node(AggOp::Quantile, without(&["point"]));
    // φ = 0.8: rank 0.8·(n−1); [NaN, 0, 1] at rank 1.6 is 0·0.4 + 1·0.6.
    let (out, ann) = run(&mut a, &input, Param::Number(0.8));
    assert_eq!(
        by_labels(&out),
        expect(&[
            (r#"{test="two"}"#, 0.8),
            (r#"{test="three"}"#, 1.6),
            (r#"{test="uneven"}"#, 2.8),
            (r#"{test="nan"}"#, 0.6),
        ])
    );
    assert!(ann.is_empty());
    // φ = 0.2: between NaN and 0 the result is NaN.
    let (out, _) = run(&mut a, &input, Param::Number(0.2));
    assert_eq!(
        by_labels(&out),
        expect(&[
            (r#"{test="two"}"#, 0.2),
            (r#"{test="three"}"#, 0.4),
            (r#"{test="uneven"}"#, 0.4),
            (r#"{test="nan"}"#, f64::NAN),
        ])
    );
    // φ = 1 is the maximum, φ = 0 the minimum.
    let (out, _) = run(&mut a, &input, Param::Number(1.0));
    assert_eq!(by_labels(&out)[&ls(r#"{test="uneven"}"#).to_string()], "4.000000000000e0");
    let (out, _) = run(&mut a, &input, Param::Number(0.0));
    assert_eq!(by_labels(&out)[&ls(r#"{test="three"}"#).to_string()], "0.000000000000e0");
}

#[test]
fn quantile_out_of_range_warns() {
    let input = samples(&[("x{i=\"0\"}", 1.0), ("x{i=\"1\"}", 2.0)]);
    let cases = [
        (f64::NAN, f64::NAN, "NaN"),
        (1.5, f64::INFINITY, "1.5"),
        (-0.5, f64::NEG_INFINITY, "-0.5"),
        (1e6, f64::INFINITY, "1e+06"),
    ];
    for (q, want, shown) in cases {
        let mut a = node(AggOp::Quantile, None);
        let (out, ann) = run(&mut a, &input, Param::Number(q));
        let got = out[0].f;
        assert!(got == want || (got.is_nan() && want.is_nan()), "{q}: {got}");
        assert_eq!(
            ann.warnings,
            vec![format!("PromQL warning: quantile value should be between 0 and 1, got {shown}")]
        );
    }
    // The warning does not depend on there being input.
    let mut a = node(AggOp::Quantile, None);
    let (out, ann) = run(&mut a, &[], Param::Number(2.0));
    assert!(out.is_empty());
    assert_eq!(ann.warnings.len(), 1);
}

#[test]
fn nothing_in_gives_nothing_out() {
    for op in
        [AggOp::Sum, AggOp::Avg, AggOp::Count, AggOp::Min, AggOp::Max, AggOp::Group, AggOp::Stddev]
    {
        let mut a = node(op, by(&["job"]));
        let (out, ann) = run(&mut a, &[], Param::None);
        assert!(out.is_empty() && ann.is_empty(), "{op:?}");
    }
}

#[test]
fn steps_reuse_groups_while_series_come_and_go() {
    let mut a = node(AggOp::Sum, by(&["job"]));
    let step1 = samples(&[
        (r#"m{job="a",i="1"}"#, 1.0),
        (r#"m{job="b",i="1"}"#, 10.0),
        (r#"m{job="a",i="2"}"#, 2.0),
    ]);
    assert_eq!(
        by_labels(&run(&mut a, &step1, Param::None).0),
        expect(&[(r#"{job="a"}"#, 3.0), (r#"{job="b"}"#, 10.0)])
    );
    // Same series in another order, rebuilt (not shared) label sets, one series gone, one new.
    let step2 = samples(&[
        (r#"m{job="a",i="2"}"#, 5.0),
        (r#"m{job="c",i="1"}"#, 7.0),
        (r#"m{job="a",i="1"}"#, 6.0),
    ]);
    assert_eq!(
        by_labels(&run(&mut a, &step2, Param::None).0),
        expect(&[(r#"{job="a"}"#, 11.0), (r#"{job="c"}"#, 7.0)])
    );
    // The same allocations again (the engine's usual case), with new values.
    let mut step3 = step2.clone();
    step3[0].f = 100.0;
    step3.truncate(2);
    assert_eq!(
        by_labels(&run(&mut a, &step3, Param::None).0),
        expect(&[(r#"{job="a"}"#, 100.0), (r#"{job="c"}"#, 7.0)])
    );
    // A shorter step, then an empty one.
    assert!(run(&mut a, &[], Param::None).0.is_empty());
    assert_eq!(
        by_labels(&run(&mut a, &step1[1..2], Param::None).0),
        expect(&[(r#"{job="b"}"#, 10.0)])
    );
}

#[test]
fn output_time_is_the_step_time() {
    let mut a = node(AggOp::Max, None);
    let mut ann = Default::default();
    let out = a.step(&http_requests(), Param::None, 123_456, &mut ann).unwrap();
    assert_eq!(out[0].t, 123_456);
}
