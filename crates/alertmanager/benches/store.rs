//! Alert ingest at the scale of the benchmark: 100k distinct alerts put in batches of
//! 1000 into a persisted store (journal on a temporary directory) that the dispatcher (a
//! channel) and an inhibitor (a listener) follow; first as new alerts, then re-posted as
//! updates (the merge path).
//!
//! `cargo bench -p klaxon-alertmanager --bench store` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::time::Duration;

use alertmanager::alert::{Alert, Time, ZERO_TIME};
use alertmanager::config::InhibitRule;
use alertmanager::inhibit::Inhibitor;
use alertmanager::store::{AlertStore, StoreOptions, validate_and_normalise};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use model::labels::Labels;
use model::matcher::{MatchOp, Matcher, MatcherParseMode, Matchers};

const ALERTS: usize = 100_000;
const BATCH: usize = 1000;

fn at(s: i64) -> Time {
    Time::from_second(1_800_000_000 + s).expect("valid time")
}

fn posted(now: Time) -> Vec<Alert> {
    (0..ALERTS)
        .map(|j| {
            let a = Alert {
                labels: Labels::from_pairs([
                    ("alertname", format!("Alert{}", j % 50)),
                    ("instance", format!("host-{j}")),
                    ("job", format!("job-{}", j % 1000)),
                    ("severity", if j % 3 == 0 { "critical".into() } else { "warning".into() }),
                ]),
                annotations: Labels::from_pairs([("summary", "something is wrong")]),
                starts_at: ZERO_TIME,
                ends_at: ZERO_TIME,
                updated_at: ZERO_TIME,
                generator_url: "http://prometheus:9090/graph?g0.expr=up".into(),
                timeout: false,
            };
            validate_and_normalise(a, now, Duration::from_secs(300), MatcherParseMode::default())
                .expect("valid alert")
        })
        .collect()
}

fn rule() -> InhibitRule {
    let m = |v: &str| {
        Matchers::from(vec![Matcher::alertmanager(MatchOp::Equal, "severity", v).expect("valid")])
    };
    InhibitRule {
        name: None,
        source_matchers: m("critical"),
        target_matchers: m("warning"),
        equal: vec!["instance".into()],
    }
}

fn ingest(c: &mut Criterion) {
    let mut g = c.benchmark_group("store/put_100k_alerts");
    g.sample_size(10);
    let first = posted(at(0));
    let again = posted(at(60));
    g.bench_function("new", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().expect("tempdir");
                let store = AlertStore::open(dir.path(), StoreOptions::default()).expect("open");
                let rx = store.subscribe();
                let ih = Inhibitor::new(&[rule()], &store);
                (dir, store, rx, ih, first.clone())
            },
            |(dir, store, rx, ih, alerts)| {
                let mut it = alerts.into_iter();
                loop {
                    let batch: Vec<Alert> = it.by_ref().take(BATCH).collect();
                    if batch.is_empty() {
                        break;
                    }
                    store.put(black_box(batch)).expect("put");
                }
                (dir, store, rx, ih)
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("update", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().expect("tempdir");
                let store = AlertStore::open(dir.path(), StoreOptions::default()).expect("open");
                store.put(first.clone()).expect("put");
                let rx = store.subscribe();
                let ih = Inhibitor::new(&[rule()], &store);
                (dir, store, rx, ih, again.clone())
            },
            |(dir, store, rx, ih, alerts)| {
                let mut it = alerts.into_iter();
                loop {
                    let batch: Vec<Alert> = it.by_ref().take(BATCH).collect();
                    if batch.is_empty() {
                        break;
                    }
                    store.put(black_box(batch)).expect("put");
                }
                (dir, store, rx, ih)
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
