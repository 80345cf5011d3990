//! Label-set costs on the hot paths: building sets (scrape, PromQL, relabelling), hashing them
//! (series and alert identity, PromQL grouping), cloning and looking up.
//!
//! `cargo bench -p klaxon-model --bench labels` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use model::labels::{Labels, LabelsBuilder};

/// Three sizes: a bare `up` series, a cAdvisor series from Kubernetes, and a wide one.
fn inputs() -> Vec<(&'static str, Vec<(String, String)>)> {
    let small = [("__name__", "up"), ("instance", "localhost:9090"), ("job", "prometheus")];
    let k8s = [
        ("__name__", "container_memory_working_set_bytes"),
        ("container", "app"),
        ("endpoint", "https-metrics"),
        ("id", "/kubepods/burstable/pod1234"),
        ("image", "registry.example.com/app:v1.2.3"),
        ("instance", "10.1.2.3:10250"),
        ("job", "kubelet"),
        ("metrics_path", "/metrics/cadvisor"),
        ("namespace", "default"),
        ("node", "worker-1"),
        ("pod", "app-5d9f8c7b6-xk2lp"),
        ("service", "kubelet"),
    ];
    let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    };
    let wide: Vec<(String, String)> =
        (0..40).map(|i| (format!("label_{i:02}"), format!("value-number-{i}"))).collect();
    vec![("small3", owned(&small)), ("k8s12", owned(&k8s)), ("wide40", wide)]
}

fn construction(c: &mut Criterion) {
    let mut g = c.benchmark_group("labels/construct");
    for (name, pairs) in inputs() {
        let mut shuffled = pairs.clone();
        shuffled.reverse();
        g.bench_with_input(BenchmarkId::new("from_pairs_sorted", name), &pairs, |b, p| {
            b.iter(|| Labels::from_pairs(black_box(p)))
        });
        g.bench_with_input(BenchmarkId::new("from_pairs_reversed", name), &shuffled, |b, p| {
            b.iter(|| Labels::from_pairs(black_box(p)))
        });
        g.bench_with_input(BenchmarkId::new("builder_scratch", name), &shuffled, |b, p| {
            let mut builder = LabelsBuilder::default();
            b.iter(|| {
                builder.reset(Labels::empty());
                for (n, v) in black_box(p) {
                    builder.set(n, v);
                }
                builder.labels()
            })
        });
        let base = Labels::from_pairs(&pairs);
        g.bench_with_input(BenchmarkId::new("builder_set_del", name), &base, |b, base| {
            let mut builder = LabelsBuilder::default();
            b.iter(|| {
                builder.reset(black_box(base).clone());
                builder.set("env", "prod").del("instance");
                builder.labels()
            })
        });
    }
    g.finish();
}

fn hashing(c: &mut Criterion) {
    let mut g = c.benchmark_group("labels/hash");
    for (name, pairs) in inputs() {
        let l = Labels::from_pairs(&pairs);
        // `hash` is remembered per allocation: first computation, then the remembered value.
        g.bench_with_input(BenchmarkId::new("hash_first", name), &pairs, |b, p| {
            b.iter_batched(|| Labels::from_pairs(p), |l| (l.hash(), l), BatchSize::SmallInput)
        });
        g.bench_with_input(BenchmarkId::new("hash_remembered", name), &l, |b, l| {
            b.iter(|| black_box(l).hash())
        });
        g.bench_with_input(BenchmarkId::new("fingerprint", name), &l, |b, l| {
            b.iter(|| black_box(l).fingerprint())
        });
        g.bench_with_input(BenchmarkId::new("hash_stringlabels", name), &l, |b, l| {
            b.iter(|| black_box(l).hash_stringlabels())
        });
        g.bench_with_input(BenchmarkId::new("hash_for_labels", name), &l, |b, l| {
            b.iter(|| black_box(l).hash_for_labels(black_box(&["instance", "job"])))
        });
        g.bench_with_input(BenchmarkId::new("hash_without_labels", name), &l, |b, l| {
            b.iter(|| black_box(l).hash_without_labels(black_box(&["instance"])))
        });
    }
    g.finish();
}

fn access(c: &mut Criterion) {
    let mut g = c.benchmark_group("labels/access");
    for (name, pairs) in inputs() {
        let l = Labels::from_pairs(&pairs);
        g.bench_with_input(BenchmarkId::new("clone", name), &l, |b, l| {
            b.iter(|| black_box(l).clone())
        });
        g.bench_with_input(BenchmarkId::new("get_hit", name), &l, |b, l| {
            b.iter(|| black_box(l).get(black_box("job")).map(str::len))
        });
        g.bench_with_input(BenchmarkId::new("get_miss", name), &l, |b, l| {
            b.iter(|| black_box(l).get(black_box("zone")).map(str::len))
        });
        g.bench_with_input(BenchmarkId::new("iter_sum", name), &l, |b, l| {
            b.iter(|| black_box(l).iter().map(|l| l.value.len()).sum::<usize>())
        });
        let other = l.clone().builder().set("job", "other").labels();
        g.bench_with_input(BenchmarkId::new("cmp", name), &(l.clone(), other), |b, (x, y)| {
            b.iter(|| black_box(x).cmp(black_box(y)))
        });
        g.bench_with_input(
            BenchmarkId::new("eq_distinct_alloc", name),
            &(l.clone(), Labels::from_pairs(&pairs)),
            |b, (x, y)| b.iter(|| black_box(x) == black_box(y)),
        );
        g.bench_with_input(BenchmarkId::new("to_string", name), &l, |b, l| {
            b.iter(|| black_box(l).to_string())
        });
    }
    g.finish();
}

criterion_group!(benches, construction, hashing, access);
criterion_main!(benches);
