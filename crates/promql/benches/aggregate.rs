//! Aggregation cost per step, the hot path of range queries: `sum by (job)` over 10,000 input
//! samples, both in the steady state of a range query (the same series every step, grouping
//! cached) and on a node's first step (every group worked out), plus a few other operators.
//!
//! `cargo bench -p klaxon-promql --bench aggregate` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use model::labels::Labels;
use promql::aggregate::{Aggregator, Param};
use promql::ast::{AggOp, Aggregate, Expr, Grouping};
use promql::value::{Annotations, Sample};

const SERIES: usize = 10_000;

/// 10,000 node-exporter-like series over 20 jobs.
fn input() -> Vec<Sample> {
    (0..SERIES)
        .map(|i| Sample {
            metric: Labels::from_pairs([
                ("__name__", "node_cpu_seconds_total".to_string()),
                ("cpu", (i % 16).to_string()),
                ("instance", format!("host-{}.example.com:9100", i / 16)),
                ("job", format!("job-{}", i % 20)),
                ("mode", "idle".to_string()),
            ]),
            t: 0,
            f: i as f64 * 1.5,
            h: None,
            drop_name: false,
        })
        .collect()
}

fn node(op: AggOp, without: bool, labels: &[&str]) -> Aggregator {
    Aggregator::new(&Aggregate {
        op,
        expr: Box::new(Expr::Number(0.0)),
        param: None,
        grouping: Grouping { without, labels: labels.iter().map(|s| s.to_string()).collect() },
        has_grouping: true,
        pos: Default::default(),
    })
}

fn bench(c: &mut Criterion) {
    let input = input();
    let mut g = c.benchmark_group("aggregate_10k");
    g.throughput(Throughput::Elements(SERIES as u64));

    let cases: [(&str, Aggregator, Param<'_>); 5] = [
        ("sum_by_job/steady", node(AggOp::Sum, false, &["job"]), Param::None),
        (
            "avg_without_instance_cpu/steady",
            node(AggOp::Avg, true, &["instance", "cpu"]),
            Param::None,
        ),
        ("quantile_by_job/steady", node(AggOp::Quantile, false, &["job"]), Param::Number(0.9)),
        ("topk_5_by_job/steady", node(AggOp::Topk, false, &["job"]), Param::Number(5.0)),
        (
            "count_values_by_job/steady",
            node(AggOp::CountValues, false, &["job"]),
            Param::Label("v"),
        ),
    ];
    for (name, mut agg, param) in cases {
        let mut ann = Annotations::default();
        g.bench_function(name, |b| {
            b.iter(|| black_box(agg.step(black_box(&input), param, 0, &mut ann)));
        });
    }

    // A new node each time: grouping worked out for every series.
    g.bench_function("sum_by_job/first_step", |b| {
        b.iter_batched(
            || node(AggOp::Sum, false, &["job"]),
            |mut agg| black_box(agg.step(&input, Param::None, 0, &mut Annotations::default())),
            BatchSize::SmallInput,
        );
    });
    // Same series each step but freshly built label sets (no shared allocation to recognise).
    let rebuilt: Vec<Sample> = input
        .iter()
        .map(|s| Sample { metric: Labels::from_pairs(s.metric.iter()), ..s.clone() })
        .collect();
    let mut agg = node(AggOp::Sum, false, &["job"]);
    let mut ann = Annotations::default();
    let _ = agg.step(&input, Param::None, 0, &mut ann);
    g.bench_function("sum_by_job/steady_rebuilt_labels", |b| {
        b.iter(|| black_box(agg.step(black_box(&rebuilt), Param::None, 0, &mut ann)));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
