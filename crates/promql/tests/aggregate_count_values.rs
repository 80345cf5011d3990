//! `count_values` called directly with hand-built samples.

mod aggregate_support;

use aggregate_support::*;
use promql::aggregate::Param;
use promql::ast::AggOp;
use promql::value::{Annotations, Sample};

fn versions() -> Vec<Sample> {
    samples(&[
        (r#"version{job="api-server",instance="0",group="production"}"#, 6.0),
        (r#"version{job="api-server",instance="1",group="production"}"#, 6.0),
        (r#"version{job="api-server",instance="2",group="production"}"#, 6.0),
        (r#"version{job="api-server",instance="0",group="canary"}"#, 8.0),
        (r#"version{job="api-server",instance="1",group="canary"}"#, 8.0),
        (r#"version{job="app-server",instance="0",group="production"}"#, 6.0),
        (r#"version{job="app-server",instance="1",group="production"}"#, 6.0),
        (r#"version{job="app-server",instance="0",group="canary"}"#, 7.0),
        (r#"version{job="app-server",instance="1",group="canary"}"#, 7.0),
    ])
}

#[test]
fn counts_each_value() {
    let mut a = node(AggOp::CountValues, None);
    let (out, ann) = run(&mut a, &versions(), Param::Label("version"));
    assert_eq!(
        by_labels(&out),
        expect(&[(r#"{version="6"}"#, 5.0), (r#"{version="7"}"#, 2.0), (r#"{version="8"}"#, 2.0)])
    );
    assert!(ann.is_empty());
    assert!(out.iter().all(|s| s.t == 1000 && !s.drop_name));
}

#[test]
fn without_keeps_the_other_labels() {
    let mut a = node(AggOp::CountValues, without(&["instance"]));
    let (out, _) = run(&mut a, &versions(), Param::Label("version"));
    assert_eq!(
        by_labels(&out),
        expect(&[
            (r#"{job="api-server",group="production",version="6"}"#, 3.0),
            (r#"{job="api-server",group="canary",version="8"}"#, 2.0),
            (r#"{job="app-server",group="production",version="6"}"#, 2.0),
            (r#"{job="app-server",group="canary",version="7"}"#, 2.0),
        ])
    );
}

#[test]
fn value_label_overwrites_an_existing_label() {
    let want = expect(&[
        (r#"{job="6",group="production"}"#, 5.0),
        (r#"{job="8",group="canary"}"#, 2.0),
        (r#"{job="7",group="canary"}"#, 2.0),
    ]);
    let mut a = node(AggOp::CountValues, without(&["instance"]));
    assert_eq!(by_labels(&run(&mut a, &versions(), Param::Label("job")).0), want);
    let mut a = node(AggOp::CountValues, by(&["job", "group"]));
    assert_eq!(by_labels(&run(&mut a, &versions(), Param::Label("job")).0), want);
}

#[test]
fn without_the_value_label_counts_the_whole_group() {
    // The value label is set and then removed again by `without`.
    let mut a = node(AggOp::CountValues, without(&["instance", "version"]));
    let (out, _) = run(&mut a, &versions(), Param::Label("version"));
    assert_eq!(
        by_labels(&out),
        expect(&[
            (r#"{job="api-server",group="production"}"#, 3.0),
            (r#"{job="api-server",group="canary"}"#, 2.0),
            (r#"{job="app-server",group="production"}"#, 2.0),
            (r#"{job="app-server",group="canary"}"#, 2.0),
        ])
    );
}

#[test]
fn by_the_name_label_keeps_the_value_as_name() {
    let mut a = node(AggOp::CountValues, by(&[]));
    let (out, _) = run(&mut a, &versions()[..3], Param::Label("__name__"));
    assert_eq!(by_labels(&out), expect(&[("6", 3.0)]));
}

#[test]
fn values_are_plain_shortest_decimals() {
    let input = samples(&[
        ("x{i=\"0\"}", 1e21),
        ("x{i=\"1\"}", 0.1),
        ("x{i=\"2\"}", -2.5),
        ("x{i=\"3\"}", 1e-7),
        ("x{i=\"4\"}", f64::NAN),
        ("x{i=\"5\"}", f64::INFINITY),
        ("x{i=\"6\"}", f64::NEG_INFINITY),
        ("x{i=\"7\"}", -f64::NAN),
        ("x{i=\"8\"}", 123456789.0),
        ("x{i=\"9\"}", 0.1 + 0.2),
    ]);
    let mut a = node(AggOp::CountValues, None);
    let (out, _) = run(&mut a, &input, Param::Label("v"));
    assert_eq!(
        by_labels(&out),
        expect(&[
            (r#"{v="1000000000000000000000"}"#, 1.0),
            (r#"{v="0.1"}"#, 1.0),
            (r#"{v="-2.5"}"#, 1.0),
            (r#"{v="0.0000001"}"#, 1.0),
            (r#"{v="NaN"}"#, 2.0),
            (r#"{v="+Inf"}"#, 1.0),
            (r#"{v="-Inf"}"#, 1.0),
            (r#"{v="123456789"}"#, 1.0),
            (r#"{v="0.30000000000000004"}"#, 1.0),
        ])
    );
}

#[test]
fn empty_label_name_is_an_error() {
    let mut a = node(AggOp::CountValues, None);
    let err = a.step(&versions(), Param::Label(""), 0, &mut Annotations::default()).unwrap_err();
    assert_eq!(err.to_string(), r#"invalid label name """#);
}

#[test]
fn utf8_label_names_are_fine() {
    let mut a = node(AggOp::CountValues, None);
    let (out, _) = run(&mut a, &versions()[..1], Param::Label("ver.sion"));
    assert_eq!(out[0].metric.get("ver.sion"), Some("6"));
}

#[test]
fn steps_count_afresh() {
    let mut a = node(AggOp::CountValues, by(&["job"]));
    let (out, _) = run(&mut a, &versions(), Param::Label("v"));
    assert_eq!(out.len(), 4);
    let mut later = versions();
    for s in &mut later {
        s.f = 1.0;
    }
    let (out, _) = run(&mut a, &later, Param::Label("v"));
    assert_eq!(
        by_labels(&out),
        expect(&[(r#"{job="api-server",v="1"}"#, 5.0), (r#"{job="app-server",v="1"}"#, 4.0)])
    );
    assert!(run(&mut a, &[], Param::Label("v")).0.is_empty());
}
