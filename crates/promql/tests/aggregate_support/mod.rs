//! Shared helpers for the `aggregate_*` tests: hand-built samples and aggregation nodes.
#![allow(dead_code)]

use std::collections::BTreeMap;

use model::labels::Labels;
use promql::aggregate::{Aggregator, Param};
use promql::ast::{AggOp, Aggregate, Expr, Grouping};
use promql::value::{Annotations, Sample};

/// Parses `name{a="1",b="2"}` / `{a="1"}` (simple test notation, no escapes).
pub fn ls(series: &str) -> Labels {
    let (name, rest) = match series.find('{') {
        Some(i) => (&series[..i], &series[i..]),
        None => (series, ""),
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    if !name.is_empty() {
        pairs.push(("__name__".into(), name.into()));
    }
    let body = rest.trim_start_matches('{').trim_end_matches('}');
    for part in body.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (n, v) = part.split_once('=').expect("label written as name=value");
        pairs.push((n.trim().into(), v.trim().trim_matches('"').into()));
    }
    Labels::from_pairs(pairs)
}

pub fn sample(series: &str, f: f64) -> Sample {
    Sample { metric: ls(series), t: 0, f, h: None, drop_name: false }
}

pub fn samples(pairs: &[(&str, f64)]) -> Vec<Sample> {
    pairs.iter().map(|&(s, f)| sample(s, f)).collect()
}

/// An aggregation node: `by` when `clause` is `Some((false, labels))`, `without` for
/// `Some((true, labels))`, no clause for `None`.
pub fn node(op: AggOp, clause: Option<(bool, &[&str])>) -> Aggregator {
    let (without, labels, has_grouping) = match clause {
        Some((without, labels)) => (without, labels.iter().map(|s| s.to_string()).collect(), true),
        None => (false, Vec::new(), false),
    };
    Aggregator::new(&Aggregate {
        op,
        expr: Box::new(Expr::Number(0.0)),
        param: None,
        grouping: Grouping { without, labels },
        has_grouping,
        pos: Default::default(),
    })
}

pub fn by<'a>(labels: &'a [&'a str]) -> Option<(bool, &'a [&'a str])> {
    Some((false, labels))
}

pub fn without<'a>(labels: &'a [&'a str]) -> Option<(bool, &'a [&'a str])> {
    Some((true, labels))
}

/// One step; panics on error.
pub fn run(agg: &mut Aggregator, input: &[Sample], param: Param<'_>) -> (Vec<Sample>, Annotations) {
    let mut ann = Annotations::default();
    let out = agg.step(input, param, 1000, &mut ann).expect("aggregation step");
    (out, ann)
}

/// The result as `labels → value`, for order-independent comparison (NaN as the string "NaN").
pub fn by_labels(out: &[Sample]) -> BTreeMap<String, String> {
    out.iter().map(|s| (s.metric.to_string(), fmt(s.f))).collect()
}

/// The expected result in the same form; labels in `{a="1"}` test notation.
pub fn expect(pairs: &[(&str, f64)]) -> BTreeMap<String, String> {
    pairs.iter().map(|&(l, f)| (ls(l).to_string(), fmt(f))).collect()
}

/// Values compared to 1e-12 relative (the exact-arithmetic cases compare exactly anyway).
fn fmt(f: f64) -> String {
    if f.is_nan() { "NaN".into() } else { format!("{:.12e}", f) }
}

/// The example data of Prometheus' aggregation tests at 50m: eight series, 100..800.
pub fn http_requests() -> Vec<Sample> {
    samples(&[
        (r#"http_requests{job="api-server",instance="0",group="production"}"#, 100.0),
        (r#"http_requests{job="api-server",instance="1",group="production"}"#, 200.0),
        (r#"http_requests{job="api-server",instance="0",group="canary"}"#, 300.0),
        (r#"http_requests{job="api-server",instance="1",group="canary"}"#, 400.0),
        (r#"http_requests{job="app-server",instance="0",group="production"}"#, 500.0),
        (r#"http_requests{job="app-server",instance="1",group="production"}"#, 600.0),
        (r#"http_requests{job="app-server",instance="0",group="canary"}"#, 700.0),
        (r#"http_requests{job="app-server",instance="1",group="canary"}"#, 800.0),
    ])
}
