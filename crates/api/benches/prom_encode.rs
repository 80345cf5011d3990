//! Encoding query results as Prometheus' JSON: a range-query answer of 1,000 series × 1,000
//! points (1M samples) and an instant vector of 10,000 samples.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use model::labels::Labels;
use promql::Value;
use promql::value::{FPoint, Sample, Series};

fn matrix() -> Value {
    let series = (0..1000)
        .map(|i| Series {
            metric: Labels::from_pairs([
                ("__name__", "http_requests_total".to_string()),
                ("instance", format!("host-{i}:9100")),
                ("job", "node".to_string()),
            ]),
            floats: (0..1000)
                .map(|k| FPoint { t: 1_700_000_000_000 + k * 15_000, f: (i * k) as f64 / 7.0 })
                .collect(),
            histograms: Vec::new(),
            drop_name: false,
        })
        .collect();
    Value::Matrix(series)
}

fn vector() -> Value {
    Value::Vector(
        (0..10_000)
            .map(|i| Sample {
                metric: Labels::from_pairs([
                    ("__name__", "up".to_string()),
                    ("instance", format!("host-{i}:9100")),
                ]),
                t: 1_700_000_000_500,
                f: i as f64 * 0.25,
                h: None,
                drop_name: false,
            })
            .collect(),
    )
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("prom_encode");
    let m = matrix();
    g.throughput(Throughput::Elements(1_000_000));
    g.bench_function("matrix_1000x1000", |b| {
        b.iter(|| {
            let mut out = api::prometheus::response::Pieces::empty();
            api::prometheus::encode::write_query_data(&mut out, &m);
            out.concat().len()
        })
    });
    let v = vector();
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("vector_10000", |b| {
        b.iter(|| {
            let mut out = api::prometheus::response::Pieces::empty();
            api::prometheus::encode::write_query_data(&mut out, &v);
            out.concat().len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
