//! Engine throughput on rule-shaped queries over 10,000 series in the tsdb head:
//! `sum by (job)(rate(..[5m]))`, a ratio of two such sums, a ratio matched series by series
//! (5,000 pairs), and `histogram_quantile` over
//! summed bucket rates; each as an instant query and as a 1h range query at a 1m step.

#![allow(clippy::unwrap_used, reason = "a benchmark over fixed, valid input")]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use model::labels::Labels;
use model::storage::{Appendable, Storage};
use promql::{Engine, EngineOptions, QueryOptions, parse};
use tsdb::{Head, HeadOptions};

const SCRAPE_MS: i64 = 15_000;
const HOURS: i64 = 2;
const END: i64 = HOURS * 3600 * 1000;

/// 10 jobs × 500 instances of a request counter and an error counter (10,000 series), plus
/// 10 jobs × 50 instances × 10 `le` buckets of a latency histogram (5,000 series).
fn load() -> Head {
    let head = Head::new(HeadOptions::default());
    let mut series: Vec<(Labels, f64)> = Vec::new();
    for job in 0..10 {
        for inst in 0..500 {
            let job_v = format!("job{job}");
            let inst_v = format!("inst{inst}");
            for (name, per_scrape) in [("http_requests_total", 10.0), ("http_errors_total", 0.5)] {
                series.push((
                    Labels::from_pairs([
                        ("__name__", name),
                        ("job", &job_v),
                        ("instance", &inst_v),
                    ]),
                    per_scrape * (1.0 + (inst % 7) as f64),
                ));
            }
            if inst < 50 {
                for (i, le) in
                    ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"]
                        .iter()
                        .enumerate()
                {
                    series.push((
                        Labels::from_pairs([
                            ("__name__", "latency_seconds_bucket"),
                            ("job", &job_v),
                            ("instance", &inst_v),
                            ("le", le),
                        ]),
                        (i as f64 + 1.0) * 3.0,
                    ));
                }
            }
        }
    }
    let mut t = 0;
    while t <= END {
        let mut app = head.appender();
        let step = (t / SCRAPE_MS) as f64;
        for (labels, per) in &series {
            app.append(labels, t, per * step).unwrap();
        }
        app.commit().unwrap();
        t += SCRAPE_MS;
    }
    head
}

fn bench(c: &mut Criterion) {
    let head = load();
    let engine = Engine::new(EngineOptions::default());
    let opts = QueryOptions::default();
    let queries = [
        ("sum_rate", "sum by (job) (rate(http_requests_total[5m]))"),
        (
            "ratio",
            "sum by (job) (rate(http_errors_total[5m])) / sum by (job) (rate(http_requests_total[5m]))",
        ),
        ("ratio_per_series", "rate(http_errors_total[5m]) / rate(http_requests_total[5m])"),
        (
            "histogram_quantile",
            "histogram_quantile(0.9, sum by (job, le) (rate(latency_seconds_bucket[5m])))",
        ),
    ];
    let mut group = c.benchmark_group("engine");
    group.sample_size(10).measurement_time(Duration::from_secs(5));
    for (name, q) in queries {
        let expr = parse(q).unwrap();
        let storage: &dyn Storage = &head;
        group.bench_function(format!("{name}/instant"), |b| {
            b.iter(|| engine.instant_query(storage, &expr, END, &opts).unwrap())
        });
        group.bench_function(format!("{name}/range_1h_1m"), |b| {
            b.iter(|| {
                engine.range_query(storage, &expr, END - 3_600_000, END, 60_000, &opts).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
