//! Lines per second through parse + count, one core: the goal is 500k lines/s for `combined`.
//! `cargo bench -p klaxon-logs --bench parse` (criterion reports elements/s = lines/s).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use logs::metrics::Store;
use logs::{FormatSpec, Job, JobConfig, ReadFrom};
use std::hint::black_box;

/// Realistic lines: a handful of statuses, methods and paths, varying addresses and agents.
fn lines(n: usize, with_times: bool) -> Vec<String> {
    let statuses = [200, 200, 200, 200, 301, 304, 404, 500, 502, 200];
    let methods = ["GET", "GET", "GET", "POST", "PUT", "GET", "DELETE"];
    (0..n)
        .map(|i| {
            let mut l = format!(
                r#"10.{}.{}.{} - - [22/Nov/2026:11:{:02}:{:02} +0000] "{} /api/v1/items/{}?page={} HTTP/1.1" {} {} "https://example.org/page/{}" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36""#,
                i % 200, (i / 7) % 250, i % 251, (i / 60) % 60, i % 60,
                methods[i % methods.len()], i % 1000, i % 7, statuses[i % statuses.len()], 100 + i % 5000, i % 50,
            );
            if with_times {
                l.push_str(&format!(r#" "-" 0.{:03} 0.{:03}"#, i % 997, i % 991));
            }
            l
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("lines");
    for (name, spec, with_times) in [
        ("combined", FormatSpec::Combined, false),
        ("main_with_histograms", FormatSpec::Main, true),
    ] {
        let input = lines(20_000, with_times);
        g.throughput(Throughput::Elements(input.len() as u64));
        let cfg = JobConfig::new("nginx", vec![], spec);
        let mut store = Store::new(&cfg).expect("store");
        g.bench_function(name, |b| {
            b.iter(|| {
                for l in &input {
                    store.line(black_box(l));
                }
            })
        });
        assert_eq!(store.parse_errors(), 0, "{name}: every line parses");
    }
    // From the file: reading, line splitting, parsing and counting, as the job runs.
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("access.log");
    let input = lines(200_000, false);
    std::fs::write(&log, input.join("\n") + "\n").expect("write log");
    g.throughput(Throughput::Elements(input.len() as u64));
    let mut cfg = JobConfig::new("nginx", vec![log.display().to_string()], FormatSpec::Combined);
    cfg.read_from = ReadFrom::Beginning;
    g.sample_size(10);
    g.bench_function("combined_from_file", |b| {
        b.iter(|| {
            let mut job = Job::open(cfg.clone(), None).expect("job");
            while job.poll() {}
            black_box(job);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
