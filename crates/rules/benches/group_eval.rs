//! One evaluation cycle of the side-by-side benchmark's rules (scripts/bench/
//! rules-side-by-side.sh: 1,000 rules in 10 groups over 100k series) in-process, without the
//! scraping that shares the process there: the same series as scripts/lib/synthetic_exporter.py
//! (10 targets × 10,000: request counters, queue gauges, a latency histogram), 6 minutes of
//! samples at 15 s, and the same generated rules, evaluated group after group as the manager
//! does (queries inline here, on the blocking pool there). For profiling rule evaluation:
//! `cargo bench -p klaxon-rules --bench group_eval -- --profile-time 20` under `perf record`.

#![allow(clippy::unwrap_used, reason = "a benchmark over fixed, valid input")]

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use model::labels::Labels;
use model::storage::{Appendable, Storage};
use promql::Engine;
use rules::group::{EvalContext, Group, GroupOptions};
use rules::local::LocalEngine;
use rules::seams::{BoxFuture, QueryEngine, QueryError, RuleQuery, Sample};
use tsdb::{Head, HeadOptions};

const TARGETS: usize = 10;
const SERIES: usize = 10_000;
const RULES: usize = 1_000;
const GROUPS: usize = 10;
const SCRAPE_MS: i64 = 15_000;
const SCRAPES: i64 = 25;

/// The series of one target as the exporter serves them, with their value at `tick`.
fn target_series(target: usize, tick: i64) -> Vec<(Labels, f64)> {
    let instance = format!("127.0.0.1:{}", 30_000 + target);
    let with = |pairs: &[(&str, &str)]| {
        let mut all = vec![("job", "synth"), ("instance", instance.as_str())];
        all.extend_from_slice(pairs);
        Labels::from_pairs(all)
    };
    let counters = SERIES * 6 / 10;
    let gauges = SERIES * 3 / 10;
    let buckets = SERIES - counters - gauges;
    let mut out = Vec::with_capacity(SERIES);
    for i in 0..counters {
        let (path, code) = (format!("/p{}", i / 5), format!("{}", 200 + i % 5));
        let v = ((i % 97 + 1) as i64 * tick + (i as i64 * 7 + tick) % 3) as f64;
        out.push((
            with(&[("__name__", "synth_requests_total"), ("path", &path), ("code", &code)]),
            v,
        ));
    }
    for i in 0..gauges {
        let q = format!("q{i}");
        let v = 50.0 + ((i as i64 * 31 + tick * 17 + target as i64) % 40) as f64;
        out.push((with(&[("__name__", "synth_queue_depth"), ("queue", &q)]), v));
    }
    let les = ["0.005", "0.01", "0.05", "0.1", "0.5", "1", "5", "+Inf"];
    for h in 0..(buckets / (les.len() + 2)).max(1) {
        let handler = format!("h{h}");
        let mut total = 0i64;
        for (j, le) in les.iter().enumerate() {
            total += (h as i64 % 5 + j as i64 + 1) * tick;
            out.push((
                with(&[
                    ("__name__", "synth_latency_seconds_bucket"),
                    ("handler", &handler),
                    ("le", le),
                ]),
                total as f64,
            ));
        }
        out.push((
            with(&[("__name__", "synth_latency_seconds_sum"), ("handler", &handler)]),
            total as f64 * 0.07,
        ));
        out.push((
            with(&[("__name__", "synth_latency_seconds_count"), ("handler", &handler)]),
            total as f64,
        ));
    }
    out
}

/// The rule file the script generates (same kinds, selectors and spread over groups).
fn rules_yaml() -> String {
    let paths = (SERIES * 6 / 10 / 5).max(1);
    let queues = (SERIES * 3 / 10).max(1);
    let handlers = ((SERIES - SERIES * 6 / 10 - SERIES * 3 / 10) / 10).max(1);
    let mut groups: Vec<Vec<String>> = vec![Vec::new(); GROUPS];
    for i in 0..RULES {
        let k = i / 5;
        let rule = match i % 5 {
            0 => format!(
                "      - record: synth:requests:rate1m:{i}\n        expr: sum by (code) (rate(synth_requests_total{{path=\"/p{}\"}}[1m]))\n",
                k % paths
            ),
            1 => format!(
                "      - alert: QueueDeep{i}\n        expr: synth_queue_depth{{queue=\"q{}\"}} > 85\n        for: 1m\n        labels: {{severity: warning}}\n        annotations: {{summary: 'queue {{{{ $labels.queue }}}} at {{{{ $value }}}}'}}\n",
                k % queues
            ),
            2 => format!(
                "      - record: synth:latency:p90:{i}\n        expr: histogram_quantile(0.9, sum by (le) (rate(synth_latency_seconds_bucket{{handler=\"h{}\"}}[1m])))\n",
                k % handlers
            ),
            3 => format!(
                "      - alert: QueuesHigh{i}\n        expr: avg by (instance) (synth_queue_depth{{queue=~\"q{}[0-9]\"}}) > 80\n        for: 30s\n        labels: {{severity: page}}\n",
                k % (queues / 10).max(1)
            ),
            _ => format!(
                "      - record: synth:requests:rate5m:{i}\n        expr: sum by (instance) (rate(synth_requests_total{{path=~\"/p{}|/p{}\"}}[5m]))\n",
                k % paths,
                (k + 1) % paths
            ),
        };
        groups[i % GROUPS].push(rule);
    }
    let mut out = String::from("groups:\n");
    for (g, rules) in groups.iter().enumerate() {
        let _ = write!(out, "  - name: bench-{g}\n    rules:\n");
        for r in rules {
            out.push_str(r);
        }
    }
    out
}

/// The local engine run inline, so the profile shows evaluation, not thread hand-offs.
#[derive(Debug)]
struct Inline(LocalEngine);

impl QueryEngine for Inline {
    fn instant<'a>(
        &'a self,
        query: &'a RuleQuery,
        t_ms: i64,
    ) -> BoxFuture<'a, Result<Vec<Sample>, QueryError>> {
        Box::pin(async move { self.0.instant_sync(query, t_ms) })
    }
}

fn bench(c: &mut Criterion) {
    let head = Arc::new(Head::new(HeadOptions::default()));
    for tick in 0..SCRAPES {
        let mut app = head.appender();
        for target in 0..TARGETS {
            for (labels, v) in target_series(target, tick) {
                app.append(&labels, tick * SCRAPE_MS, v).unwrap();
            }
        }
        app.commit().unwrap();
    }
    let file = rules::file::parse_str(&rules_yaml(), "rules.yml").unwrap();
    let opts = GroupOptions {
        default_interval: Duration::from_millis(SCRAPE_MS as u64),
        file: "rules.yml".into(),
        ..GroupOptions::default()
    };
    let groups: Vec<Group> = file.groups.iter().map(|g| Group::new(g, &opts)).collect();
    let storage: Arc<dyn Storage> = head.clone();
    let engine = Inline(LocalEngine::new(Engine::default(), storage));
    let ctx = EvalContext::new(Arc::new(engine), head.clone());
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let mut ts = (SCRAPES - 1) * SCRAPE_MS;

    let mut g = c.benchmark_group("rules");
    g.sample_size(10);
    g.bench_function("cycle_1000_rules_100k_series", |b| {
        b.iter(|| {
            // A new timestamp each cycle: results append like a running server's.
            ts += 1;
            rt.block_on(async {
                for group in &groups {
                    let summary = group.eval(ts, &ctx).await;
                    assert_eq!(summary.failures, 0);
                }
            });
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
