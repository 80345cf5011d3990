//! Matcher evaluation over label values: what PromQL selectors, relabelling, routes, silences and
//! inhibition rules pay per series or alert.
//!
//! `cargo bench -p klaxon-model --bench matchers` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use model::labels::Labels;
use model::matcher::{MatchOp, Matcher, Matchers};

/// Typical label-value patterns, each with a value it matches and one it does not.
const CASES: &[(&str, MatchOp, &str, &str, &str)] = &[
    ("eq", MatchOp::Equal, "prometheus", "prometheus", "node"),
    ("neq", MatchOp::NotEqual, "prometheus", "node", "prometheus"),
    ("status_5xx", MatchOp::Regex, "5..", "503", "200"),
    ("alternation", MatchOp::Regex, "api|web|db", "web", "cache"),
    ("suffix", MatchOp::Regex, ".*-prod", "eu-west-1-prod", "eu-west-1-staging"),
    ("prefix", MatchOp::Regex, "foo.*", "foobar-baz", "barfoo"),
    ("case_insensitive", MatchOp::Regex, "(?i)error.*", "ERROR: disk full", "warning: disk"),
    ("dot_star", MatchOp::Regex, ".*", "anything at all", ""),
    ("dot_plus", MatchOp::Regex, ".+", "x", ""),
    ("not_regex", MatchOp::NotRegex, "api|web|db", "cache", "api"),
];

fn single(c: &mut Criterion) {
    let mut g = c.benchmark_group("matchers/matches");
    for &(name, op, pattern, hit, miss) in CASES {
        let m = Matcher::prometheus(op, "l", pattern).expect("benchmark pattern compiles");
        assert!(m.matches(hit) && !m.matches(miss) || name == "dot_star", "{name}");
        g.bench_with_input(BenchmarkId::new("hit", name), &m, |b, m| {
            b.iter(|| black_box(m).matches(black_box(hit)))
        });
        g.bench_with_input(BenchmarkId::new("miss", name), &m, |b, m| {
            b.iter(|| black_box(m).matches(black_box(miss)))
        });
    }
    g.finish();
}

fn compile(c: &mut Criterion) {
    let mut g = c.benchmark_group("matchers/compile");
    for &(name, op, pattern, _, _) in CASES.iter().filter(|c| c.1.is_regex()) {
        g.bench_function(name, |b| b.iter(|| Matcher::prometheus(op, "l", black_box(pattern))));
    }
    g.finish();
}

/// A route's matchers against an alert's labels, looked up by name.
fn against_labels(c: &mut Criterion) {
    let alert = Labels::from_pairs([
        ("alertname", "HighLatency"),
        ("cluster", "eu-west-1-prod"),
        ("instance", "10.0.0.1:8080"),
        ("job", "api"),
        ("service", "web"),
        ("severity", "critical"),
        ("team", "backend"),
    ]);
    let mut ms = Matchers::new();
    for (op, name, value) in [
        (MatchOp::Regex, "severity", "critical|warning"),
        (MatchOp::Equal, "team", "backend"),
        (MatchOp::Regex, "cluster", ".*-prod"),
    ] {
        ms.push(Matcher::alertmanager(op, name, value).expect("benchmark pattern compiles"));
    }
    assert!(ms.matches(|n| alert.get(n)));
    c.bench_function("matchers/route_3_on_alert", |b| {
        b.iter(|| black_box(&ms).matches(|n| black_box(&alert).get(n)))
    });
}

criterion_group!(benches, single, compile, against_labels);
criterion_main!(benches);
