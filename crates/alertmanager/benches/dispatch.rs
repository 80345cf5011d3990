//! 100k alerts into 100k aggregation groups (`group_by: [alertname, instance]`): the time to
//! ingest them, and the time from the start of ingestion until the first and until every
//! group has flushed once to a no-op receiver (`group_wait: 0`).

#![allow(clippy::unwrap_used)]

use alertmanager::alert::Alert;
use alertmanager::dispatch::{DispatchOptions, Dispatcher, RouteInfo, SingleRoute};
use alertmanager::integrations::{Integration, Notifier, NotifyContext, NotifyError, Sent};
use alertmanager::metrics::Metrics;
use alertmanager::notify::seams::{MemoryLog, Nothing};
use alertmanager::notify::{Pipeline, PipelineDeps};
use criterion::{Criterion, criterion_group, criterion_main};
use futures::future::BoxFuture;
use model::labels::Labels;
use model::time::{SharedClock, SystemClock};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use template::alertmanager::Templates;

const N: usize = 100_000;

/// Counts notifications; wakes `first` at the first and `all` at the N-th.
#[derive(Debug, Default)]
struct Count(AtomicUsize, tokio::sync::Notify, tokio::sync::Notify);

impl Notifier for Count {
    fn notify<'a>(
        &'a self,
        _: &'a NotifyContext,
        _: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        if n == 1 {
            self.2.notify_one();
        }
        if n == N {
            self.1.notify_one();
        }
        Box::pin(async { Ok(Sent::default()) })
    }
}

fn alerts() -> Vec<Alert> {
    let now = alertmanager::alert::from_system_time(std::time::SystemTime::now());
    (0..N)
        .map(|i| {
            let instance = format!("host-{i}:9100");
            Alert {
                labels: Labels::from_pairs([
                    ("alertname", "HostDown"),
                    ("instance", instance.as_str()),
                    ("job", "node"),
                    ("severity", "critical"),
                ]),
                annotations: Labels::from_pairs([("summary", "host is down")]),
                starts_at: now,
                ends_at: now.checked_add(jiff::SignedDuration::from_secs(3600)).unwrap(),
                updated_at: now,
                generator_url: "http://prometheus:9090/graph".into(),
                timeout: true,
            }
        })
        .collect()
}

fn pipeline(counter: Arc<Count>, metrics: Arc<Metrics>, clock: SharedClock) -> Arc<Pipeline> {
    let receivers = HashMap::from([(
        "default".to_string(),
        vec![Integration { name: "webhook", index: 0, send_resolved: true, notifier: counter }],
    )]);
    let deps = PipelineDeps {
        inhibitor: Arc::new(Nothing),
        silences: Arc::new(Nothing),
        time_intervals: Arc::new(Nothing),
        nflog: Arc::new(MemoryLog::default()),
        marker: Arc::new(Nothing),
        metrics,
        templates: Arc::new(Templates::with_defaults()),
        external_url: String::new(),
        user_agent: String::new(),
        cluster: None,
        retention: Duration::from_secs(3600),
        clock,
    };
    Arc::new(Pipeline::new(receivers, deps))
}

fn route(group_wait: Duration) -> Arc<SingleRoute> {
    Arc::new(SingleRoute(Arc::new(RouteInfo {
        receiver: "default".into(),
        key: "{}".into(),
        id: "{}".into(),
        group_by: vec!["alertname".into(), "instance".into()],
        group_wait,
        group_interval: Duration::from_secs(300),
        repeat_interval: Duration::from_secs(3600),
        ..RouteInfo::default()
    })))
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut g = c.benchmark_group("dispatch_100k_groups");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));

    g.bench_function("ingest", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let batch = alerts();
                total += rt.block_on(async {
                    let clock: SharedClock = Arc::new(SystemClock);
                    let metrics = Arc::new(Metrics::default());
                    let p = pipeline(Arc::new(Count::default()), metrics.clone(), clock.clone());
                    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Alert>();
                    let d = Dispatcher::start(
                        route(Duration::from_secs(3600)),
                        rx,
                        p,
                        DispatchOptions::new(clock, metrics),
                    );
                    let start = Instant::now();
                    for a in batch {
                        d.ingest(a);
                    }
                    let took = start.elapsed();
                    assert_eq!(d.group_count(), N);
                    d.stop();
                    drop(tx);
                    took
                });
            }
            total
        })
    });

    g.bench_function("ingest_to_first_flush", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let batch = alerts();
                total += rt.block_on(async {
                    let clock: SharedClock = Arc::new(SystemClock);
                    let metrics = Arc::new(Metrics::default());
                    let counter = Arc::new(Count::default());
                    let p = pipeline(counter.clone(), metrics.clone(), clock.clone());
                    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Alert>();
                    let start = Instant::now();
                    let d = Dispatcher::start(
                        route(Duration::ZERO),
                        rx,
                        p,
                        DispatchOptions::new(clock, metrics),
                    );
                    // Posted as the API does: into the channel the dispatcher follows.
                    for a in batch {
                        tx.send(a).unwrap();
                    }
                    counter.2.notified().await;
                    let took = start.elapsed();
                    d.stop();
                    took
                });
            }
            total
        })
    });

    g.bench_function("ingest_and_flush_all", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let batch = alerts();
                total += rt.block_on(async {
                    let clock: SharedClock = Arc::new(SystemClock);
                    let metrics = Arc::new(Metrics::default());
                    let counter = Arc::new(Count::default());
                    let p = pipeline(counter.clone(), metrics.clone(), clock.clone());
                    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Alert>();
                    let start = Instant::now();
                    let d = Dispatcher::start(
                        route(Duration::ZERO),
                        rx,
                        p,
                        DispatchOptions::new(clock, metrics),
                    );
                    for a in batch {
                        d.ingest(a);
                    }
                    counter.1.notified().await;
                    let took = start.elapsed();
                    d.stop();
                    drop(tx);
                    took
                });
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
