//! Head benchmarks: append throughput, matcher selection on 100k series, chunk decoding, and
//! (printed once) chunk bytes per sample for scrape-like data.

// Benchmarks are not an input path: a failed setup should stop them loudly.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use model::labels::Labels;
use model::matcher::{MatchOp, Matcher};
use model::storage::{Appendable, FPoint, SelectHints, Storage};
use tsdb::{Head, HeadOptions};

const SCRAPE: i64 = 15_000;

/// 100 metrics × 10 jobs × 100 instances = 100k series.
fn labels_100k() -> Vec<Labels> {
    let mut out = Vec::with_capacity(100_000);
    for m in 0..100 {
        for j in 0..10 {
            for i in 0..100 {
                out.push(Labels::from_pairs([
                    ("__name__", format!("metric_{m}_total")),
                    ("job", format!("job-{j}")),
                    ("instance", format!("host-{i}:9100")),
                    ("env", if i % 2 == 0 { "prod".to_string() } else { "dev".to_string() }),
                ]));
            }
        }
    }
    out
}

/// The value of series `s` at step `k`: 60% counters growing by small integers, 30% gauges
/// that change rarely, 10% gauges with noisy decimals (the costly kind for XOR).
fn value(s: usize, k: i64) -> f64 {
    match s % 10 {
        0 => ((s as i64 * 7 + k * 13) % 1000) as f64 / 100.0,
        1..=3 => ((s as i64 + k / 40) % 5) as f64,
        _ => (k * (s as i64 % 5 + 1) + (k * k) % 7) as f64,
    }
}

fn fill(head: &Head, series: &[Labels], steps: i64) {
    for k in 0..steps {
        let mut app = head.appender();
        for (s, l) in series.iter().enumerate() {
            // Scrape jitter of a few ms, as real targets have.
            let t = k * SCRAPE + (s as i64 % 7);
            app.append(l, t, value(s, k)).unwrap();
        }
        app.commit().unwrap();
    }
}

fn m(op: MatchOp, n: &str, v: &str) -> Matcher {
    Matcher::prometheus(op, n, v).unwrap()
}

fn bench_append(c: &mut Criterion) {
    let series: Vec<Labels> = labels_100k().into_iter().take(10_000).collect();
    let mut g = c.benchmark_group("append");
    g.throughput(Throughput::Elements(series.len() as u64));
    g.sample_size(20);
    let head = Head::new(HeadOptions::default());
    fill(&head, &series, 1);
    let mut k = 1i64;
    g.bench_function("commit_10k_series_existing", |b| {
        b.iter(|| {
            let mut app = head.appender();
            for (s, l) in series.iter().enumerate() {
                app.append(l, k * SCRAPE, value(s, k)).unwrap();
            }
            app.commit().unwrap();
            k += 1;
        })
    });
    g.bench_function("commit_10k_series_new", |b| {
        b.iter_batched(
            || Head::new(HeadOptions::default()),
            |head| {
                fill(&head, &series, 1);
                head
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn bench_select(c: &mut Criterion) {
    let series = labels_100k();
    let head = Head::new(HeadOptions::default());
    fill(&head, &series, 2);
    let mut g = c.benchmark_group("select_100k");
    let cases: Vec<(&str, Vec<Matcher>)> = vec![
        ("eq_name_1k", vec![m(MatchOp::Equal, "__name__", "metric_7_total")]),
        (
            "eq_name_job_100",
            vec![
                m(MatchOp::Equal, "__name__", "metric_7_total"),
                m(MatchOp::Equal, "job", "job-3"),
            ],
        ),
        (
            "eq_name_regex_set_200",
            vec![
                m(MatchOp::Equal, "__name__", "metric_7_total"),
                m(MatchOp::Regex, "job", "job-1|job-2"),
            ],
        ),
        (
            "eq_name_regex_prefix_110",
            vec![
                m(MatchOp::Equal, "__name__", "metric_7_total"),
                m(MatchOp::Regex, "instance", "host-1.*"),
            ],
        ),
        (
            "eq_name_regex_suffix_100",
            vec![
                m(MatchOp::Equal, "__name__", "metric_7_total"),
                m(MatchOp::Regex, "instance", ".*5:9100"),
            ],
        ),
        (
            "eq_name_not_eq_500",
            vec![
                m(MatchOp::Equal, "__name__", "metric_7_total"),
                m(MatchOp::NotEqual, "env", "prod"),
            ],
        ),
        ("regex_name_10k", vec![m(MatchOp::Regex, "__name__", "metric_1.*")]),
    ];
    for (name, ms) in &cases {
        g.bench_function(*name, |b| {
            b.iter(|| {
                let q = head.querier(0, i64::MAX).unwrap();
                black_box(q.select(&SelectHints::default(), ms).unwrap().len())
            })
        });
    }
    g.bench_function("select_and_decode_1k", |b| {
        let ms = vec![m(MatchOp::Equal, "__name__", "metric_7_total")];
        let mut buf: Vec<FPoint> = Vec::new();
        b.iter(|| {
            let q = head.querier(0, i64::MAX).unwrap();
            let mut n = 0;
            for s in q.select(&SelectHints::default(), &ms).unwrap() {
                buf.clear();
                s.floats_into(0, i64::MAX, &mut buf);
                n += buf.len();
            }
            black_box(n)
        })
    });
    g.finish();
}

fn bench_decode(c: &mut Criterion) {
    // 1000 series × 2h at 15s = 480 samples each (4 chunks).
    let series: Vec<Labels> = labels_100k().into_iter().take(1000).collect();
    let head = Head::new(HeadOptions::default());
    fill(&head, &series, 480);
    let stats = head.stats();
    eprintln!(
        "scrape-like data: {} samples in {} chunks, {:.3} chunk bytes/sample, index {} bytes",
        stats.num_samples,
        stats.chunk_count,
        stats.bytes_per_sample(),
        stats.index_bytes
    );
    let q = head.querier(0, i64::MAX).unwrap();
    let all = q.select(&SelectHints::default(), &[]).unwrap();
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(480 * 1000));
    let mut buf: Vec<FPoint> = Vec::with_capacity(480);
    g.bench_function("floats_into_1k_series_480_samples", |b| {
        b.iter(|| {
            let mut n = 0;
            for s in &all {
                buf.clear();
                s.floats_into(0, i64::MAX, &mut buf);
                n += buf.len();
            }
            black_box(n)
        })
    });
    // A 5m window at the end: only the last chunk is decoded.
    g.throughput(Throughput::Elements(1000));
    g.bench_function("floats_into_1k_series_last_5m", |b| {
        let end = 479 * SCRAPE;
        b.iter(|| {
            let mut n = 0;
            for s in &all {
                buf.clear();
                s.floats_into(end - 300_000, end, &mut buf);
                n += buf.len();
            }
            black_box(n)
        })
    });
    g.finish();
}

/// Resident memory of the process in bytes (Linux), 0 where unknown.
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Not timed: prints what a head of 100k series × 1h at 15s (24M samples) costs in memory.
fn report_memory(_c: &mut Criterion) {
    let series = labels_100k();
    let before = rss_bytes();
    let head = Head::new(HeadOptions::default());
    fill(&head, &series, 240);
    let after = rss_bytes();
    let st = head.stats();
    eprintln!(
        "head memory: {} series, {} samples, {} chunks: chunk bytes/sample {:.3}, \
         RSS growth {:.1} MiB = {:.2} bytes/sample, {:.0} bytes/series beyond chunk data",
        st.num_series,
        st.num_samples,
        st.chunk_count,
        st.bytes_per_sample(),
        (after - before) as f64 / (1 << 20) as f64,
        (after - before) as f64 / st.num_samples as f64,
        (after.saturating_sub(before) as f64 - st.chunk_bytes as f64) / st.num_series as f64,
    );
    drop(series);
    black_box(head);
}

criterion_group!(benches, bench_append, bench_select, bench_decode, report_memory);
criterion_main!(benches);
