//! Exposition parsing throughput: samples per second on one core, for a scrape-like body
//! (families with HELP/TYPE, 3–5 labels, histogram buckets) in both formats.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use scrape::exposition::{Entry, Format, Parser};

const SAMPLES: usize = 100_000;

/// A body of `SAMPLES` sample lines; OpenMetrics gets float-second timestamps and `# EOF`.
fn body(format: Format) -> String {
    let mut out = String::new();
    let mut n = 0;
    let mut family = 0;
    while n < SAMPLES {
        let name = format!("http_request_duration_seconds_{family}");
        out.push_str(&format!("# HELP {name} Request latency \\n in seconds.\n"));
        out.push_str(&format!("# TYPE {name} histogram\n"));
        for pod in 0..10 {
            for le in ["0.005", "0.01", "0.1", "1", "10", "+Inf"] {
                let ts = match format {
                    Format::PrometheusText => String::new(),
                    Format::OpenMetrics => format!(" {}.{:03}", 1_712_000_000 + n, n % 1000),
                };
                out.push_str(&format!(
                    "{name}_bucket{{job=\"api-server\",instance=\"10.0.{pod}.1:8080\",method=\"GET\",le=\"{le}\"}} {}{ts}\n",
                    n * 3
                ));
                n += 1;
            }
            out.push_str(&format!(
                "{name}_sum{{job=\"api-server\",instance=\"10.0.{pod}.1:8080\",method=\"GET\"}} 1234.5678\n"
            ));
            out.push_str(&format!(
                "{name}_count{{job=\"api-server\",instance=\"10.0.{pod}.1:8080\",method=\"GET\"}} 98765\n"
            ));
            n += 2;
        }
        family += 1;
    }
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
    out
}

fn count_samples(input: &[u8], format: Format) -> usize {
    let mut p = Parser::new(input, format);
    let mut samples = 0;
    let mut sum = 0.0;
    while let Some(e) = p.next_entry() {
        if let Ok(Entry::Series(s)) = e {
            samples += 1;
            sum += s.value + s.labels.len() as f64;
        }
    }
    black_box(sum);
    samples
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("exposition");
    for (label, format) in [("text", Format::PrometheusText), ("openmetrics", Format::OpenMetrics)]
    {
        let input = body(format);
        let samples = count_samples(input.as_bytes(), format);
        group.throughput(Throughput::Elements(samples as u64));
        group.bench_function(format!("parse/{label}"), |b| {
            b.iter(|| count_samples(black_box(input.as_bytes()), format))
        });
        group.bench_function(format!("parse_and_labels/{label}"), |b| {
            b.iter(|| {
                let mut p = Parser::new(black_box(input.as_bytes()), format);
                let mut n = 0;
                while let Some(e) = p.next_entry() {
                    if let Ok(Entry::Series(s)) = e {
                        n += s.to_labels().len();
                    }
                }
                n
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
