//! Relabelling costs per label set: what `metric_relabel_configs` adds to every scraped sample
//! and `relabel_configs` to every discovered target.
//!
//! `cargo bench -p klaxon-model --bench relabel` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use model::labels::{Labels, LabelsBuilder};
use model::relabel::{RelabelConfig, relabel_builder};

fn series() -> Labels {
    Labels::from_pairs([
        ("__name__", "container_memory_working_set_bytes"),
        ("container", "app"),
        ("id", "/kubepods/burstable/pod1234"),
        ("image", "registry.example.com/app:v1.2.3"),
        ("instance", "10.1.2.3:10250"),
        ("job", "kubelet"),
        ("namespace", "default"),
        ("pod", "app-5d9f8c7b6-xk2lp"),
    ])
}

fn rules(json: &str) -> Vec<RelabelConfig> {
    serde_json::from_str(json).expect("valid rules")
}

fn bench(c: &mut Criterion) {
    let cases = [
        (
            "keep_literal_set",
            r#"[{"source_labels": ["__name__"], "regex": "up|container_memory_working_set_bytes", "action": "keep"}]"#,
        ),
        (
            "drop_regex_nomatch",
            r#"[{"source_labels": ["__name__"], "regex": "go_.*|process_.*", "action": "drop"}]"#,
        ),
        (
            "replace_capture",
            r#"[{"source_labels": ["instance"], "regex": "(.*):\\d+", "target_label": "host"}]"#,
        ),
        ("replace_constant", r#"[{"target_label": "cluster", "replacement": "eu-1"}]"#),
        ("labeldrop", r#"[{"regex": "id|image", "action": "labeldrop"}]"#),
        (
            "labelmap",
            r#"[{"regex": "(pod|namespace)", "replacement": "k8s_$1", "action": "labelmap"}]"#,
        ),
        (
            "hashmod",
            r#"[{"source_labels": ["instance"], "target_label": "__tmp_shard", "modulus": 8, "action": "hashmod"}]"#,
        ),
    ];
    let base = series();
    let mut g = c.benchmark_group("relabel");
    for (name, json) in cases {
        let rules = rules(json);
        let mut lb = LabelsBuilder::default();
        g.bench_function(name, |b| {
            b.iter(|| {
                lb.reset(base.clone());
                let kept = relabel_builder(&mut lb, black_box(&rules));
                black_box((kept, lb.labels()))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
