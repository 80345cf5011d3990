//! Steady-state ingestion of one scrape: parse a 10k-series text exposition, resolve each
//! series through the target's label cache, and append it to a `tsdb::Head` with one commit.
//! Samples per second on one core; the target is 1M/s in release. Measured 2026-11-22 on the
//! shared 2-core box under load ~8: 1.70 M/s (0.69 M/s before the cache-order, deferred-label
//! and series-hint work, same conditions).

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use model::labels::{Labels, LabelsBuilder};
use model::storage::Appendable;
use scrape::exposition::Format;
use scrape::scrape_loop::ingest::{AppendStats, append_body};
use scrape::scrape_loop::{SampleRules, ScrapeCache};

const SERIES: usize = 10_000;

/// Histogram families of 100 series each (10 pods × 8 buckets, `_sum`, `_count`), as a
/// typical service exposes them.
fn body() -> String {
    let mut out = String::new();
    let mut n = 0;
    let mut family = 0;
    while n < SERIES {
        let name = format!("http_request_duration_seconds_{family}");
        out.push_str(&format!(
            "# HELP {name} Request latency in seconds.\n# TYPE {name} histogram\n"
        ));
        for pod in 0..10 {
            for le in ["0.005", "0.01", "0.05", "0.1", "0.5", "1", "10", "+Inf"] {
                out.push_str(&format!(
                    "{name}_bucket{{method=\"GET\",code=\"200\",pod=\"api-{pod}\",le=\"{le}\"}} {}\n",
                    n * 3
                ));
                n += 1;
            }
            out.push_str(&format!(
                "{name}_sum{{method=\"GET\",code=\"200\",pod=\"api-{pod}\"}} 1234.5\n"
            ));
            out.push_str(&format!(
                "{name}_count{{method=\"GET\",code=\"200\",pod=\"api-{pod}\"}} 98765\n"
            ));
            n += 2;
        }
        family += 1;
    }
    out
}

fn ingest(c: &mut Criterion) {
    let body = body();
    let series = body.lines().filter(|l| !l.starts_with('#')).count() as u64;
    let head = tsdb::Head::default();
    let rules = SampleRules {
        target_labels: Labels::from_pairs([("instance", "10.0.0.1:8080"), ("job", "api")]),
        honor_timestamps: true,
        ..SampleRules::default()
    };
    let mut cache = ScrapeCache::new();
    let mut builder = LabelsBuilder::default();
    let mut ts = 1_700_000_000_000_i64;
    let mut scrape = |cache: &mut ScrapeCache| {
        ts += 15_000;
        let mut app = head.appender();
        let mut stats = AppendStats::default();
        append_body(
            cache,
            &rules,
            &mut builder,
            &mut *app,
            body.as_bytes(),
            Format::PrometheusText,
            ts,
            ts,
            &mut stats,
        )
        .unwrap();
        app.commit().unwrap();
        black_box(stats);
    };
    // The first scrape builds the cache and creates the series; measure the steady state.
    scrape(&mut cache);

    let mut g = c.benchmark_group("scrape");
    g.throughput(Throughput::Elements(series));
    g.bench_function("parse_cache_append_10k", |b| b.iter(|| scrape(&mut cache)));
    g.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
