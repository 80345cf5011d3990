//! Aggregation-group life cycle on tokio's paused clock: destruction and re-creation,
//! maintenance, sequential flushes, the flush deadline option, the API view, and 100k groups.

#![allow(clippy::unwrap_used)]

mod dispatch_support;

use alertmanager::alert::Alert;
use alertmanager::dispatch::{DispatchOptions, Dispatcher, RouteInfo, SingleRoute};
use alertmanager::integrations::{Integration, Notifier, NotifyContext, NotifyError, Sent};
use alertmanager::metrics::Metrics;
use alertmanager::notify::seams::{MemoryLog, Nothing};
use alertmanager::notify::{Pipeline, PipelineDeps};
use dispatch_support::*;
use futures::future::BoxFuture;
use model::labels::Labels;
use model::time::{SharedClock, TokioClock};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};
use template::alertmanager::Templates;

#[tokio::test(start_paused = true)]
async fn a_resolved_group_is_destroyed_and_a_later_alert_starts_a_new_one() {
    let rx = Receiver::new(tokio::time::Instant::now());
    let mut setup = Setup::route(
        "group_by: [alertname], group_wait: 2s, group_interval: 5s, repeat_interval: 1h",
    )
    .receiver("default", vec![rx.integration("webhook", 0, true)]);
    setup.maintenance = Duration::from_secs(30);
    let h = Harness::start(setup);
    h.at(1.0).await;
    h.post(vec![alert(&[("alertname", "a")], Some(1.0), None)]);
    h.at(4.0).await;
    h.post(vec![alert(&[("alertname", "a")], Some(1.0), Some(4.0))]);
    // Flushes at 3 (firing) and 8 (resolved: deleted, group destroyed).
    h.at(9.0).await;
    assert_eq!(h.with_dispatcher(|d| d.group_count()), 1, "kept until maintenance");
    assert!(h.with_dispatcher(|d| d.groups()).is_empty(), "the API no longer shows it");
    h.at(31.0).await;
    assert_eq!(h.with_dispatcher(|d| d.group_count()), 0, "maintenance forgot it");
    assert!(h.metrics.encode().contains("alertmanager_dispatcher_aggregation_groups 0"));
    // A re-fire creates a new group: group_wait again, not the old group_interval rhythm.
    h.at(40.0).await;
    h.post(vec![alert(&[("alertname", "a")], Some(40.0), None)]);
    h.at(50.0).await;
    let b = rx.batches();
    assert_batch(&b, 3.0, 3.0, &[exp("a", 1.0, None)]);
    assert_batch(&b, 8.0, 8.0, &[exp("a", 1.0, Some(4.0))]);
    assert_batch(&b, 42.0, 42.0, &[exp("a", 40.0, None)]);
    assert_total(&b, 3);
}

#[tokio::test(start_paused = true)]
async fn a_new_alert_replaces_a_destroyed_group_before_maintenance() {
    let rx = Receiver::new(tokio::time::Instant::now());
    let h = Harness::start(
        Setup::route(
            "group_by: [alertname], group_wait: 1s, group_interval: 2s, repeat_interval: 1h",
        )
        .receiver("default", vec![rx.integration("webhook", 0, true)]),
    );
    h.at(1.0).await;
    h.post(vec![alert(&[("alertname", "a")], Some(0.5), Some(1.5))]);
    // Flush at 2: resolved, but nothing was notified firing, so nothing is sent; destroyed.
    h.at(2.5).await;
    h.post(vec![alert(&[("alertname", "a")], Some(2.5), None)]);
    h.at(6.0).await;
    let b = rx.batches();
    assert_batch(&b, 3.5, 3.5, &[exp("a", 2.5, None)]);
    assert_total(&b, 1);
    assert_eq!(h.with_dispatcher(|d| d.group_count()), 1);
}

#[tokio::test(start_paused = true)]
async fn flushes_of_a_group_never_overlap() {
    let t0 = tokio::time::Instant::now();
    // Each send takes 2.5 s, the interval is 1 s.
    let rx = Receiver::new(t0).with(slow(Duration::from_millis(2500)));
    let mut setup = Setup::route(
        "group_by: [alertname], group_wait: 1s, group_interval: 1s, repeat_interval: 1ms",
    )
    .receiver("default", vec![rx.integration("webhook", 0, true)]);
    setup.notify_timeout = Some(Duration::from_secs(30));
    let h = Harness::start(setup);
    h.at(0.0).await;
    h.post(vec![alert(&[("alertname", "a")], Some(0.0), None)]);
    h.at(9.0).await;
    assert_eq!(rx.max_concurrency(), 1);
    // Sends at 1 (until 3.5); the tick due at 2 flushes when that ends, at 3.5, and finds
    // the log entry written at 3.5 too fresh for the 1 ms repeat interval; the next tick at
    // 4.5 sends (until 7); the tick due at 5.5 flushes at 7 (deduplicated); 8 sends.
    let attempts = rx.attempts.lock().clone();
    assert_eq!(attempts, vec![1.0, 4.5, 8.0], "{attempts:?}");
}

#[tokio::test(start_paused = true)]
async fn the_flush_deadline_defaults_to_group_interval_and_can_be_set() {
    for (timeout, delivered) in [(None, false), (Some(Duration::from_secs(20)), true)] {
        let t0 = tokio::time::Instant::now();
        // The receiver needs 15 s; group_interval is 1s, so upstream's deadline is 10 s.
        let rx = Receiver::new(t0).with(slow(Duration::from_secs(15)));
        let mut setup = Setup::route(
            "group_by: [alertname], group_wait: 1s, group_interval: 1s, repeat_interval: 1h",
        )
        .receiver("default", vec![rx.integration("webhook", 0, true)]);
        setup.notify_timeout = timeout;
        let h = Harness::start(setup);
        h.post(vec![alert(&[("alertname", "a")], Some(0.0), None)]);
        h.at(17.0).await;
        let b = rx.batches();
        if delivered {
            assert_batch(&b, 16.0, 16.0, &[exp("a", 0.0, None)]);
        } else {
            assert!(b.is_empty(), "{b:?}");
            assert!(
                h.metrics.encode().contains(
                    "alertmanager_notifications_failed_total{integration=\"webhook\",reason=\"contextDeadlineExceeded\"} 1"
                ),
                "{}",
                h.metrics.encode()
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn groups_for_the_api_are_sorted_and_carry_their_route() {
    let h = Harness::start(Setup::route(
        "group_by: [alertname], group_wait: 1m, routes: [{matchers: ['team=\"a\"'], receiver: default, group_by: [alertname, team], continue: true}, {receiver: default}]",
    ));
    h.post(vec![
        alert(&[("alertname", "z"), ("team", "a")], None, None),
        alert(&[("alertname", "b"), ("team", "a"), ("job", "j")], None, None),
        alert(&[("alertname", "b"), ("team", "a"), ("job", "i")], None, None),
    ]);
    tokio::task::yield_now().await;
    let groups = h.with_dispatcher(|d| d.groups());
    let view: Vec<(String, usize)> =
        groups.iter().map(|g| (g.group_key.clone(), g.alerts.len())).collect();
    assert_eq!(
        view,
        vec![
            ("{}/{}:{alertname=\"b\"}".to_string(), 2),
            ("{}/{}:{alertname=\"z\"}".to_string(), 1),
            ("{}/{team=\"a\"}:{alertname=\"b\", team=\"a\"}".to_string(), 2),
            ("{}/{team=\"a\"}:{alertname=\"z\", team=\"a\"}".to_string(), 1),
        ]
    );
    // Alerts in flush order: by job.
    assert_eq!(groups[0].alerts[0].labels.get("job"), Some("i"));
    assert_eq!(groups[2].route.id, "{}/{team=\"a\"}/0");
    assert_eq!(groups[2].route.receiver, "default");
}

/// Counts notifications and does nothing else.
#[derive(Debug, Default)]
struct Counter(AtomicUsize);

impl Notifier for Counter {
    fn notify<'a>(
        &'a self,
        _: &'a NotifyContext,
        _: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Box::pin(async { Ok(Sent::default()) })
    }
}

#[tokio::test(start_paused = true)]
async fn a_hundred_thousand_groups() {
    const N: usize = 100_000;
    let clock: SharedClock =
        Arc::new(TokioClock::starting_at(SystemTime::UNIX_EPOCH + Duration::from_secs(WALL0)));
    let metrics = Arc::new(Metrics::default());
    let counter = Arc::new(Counter::default());
    let receivers = HashMap::from([(
        "default".to_string(),
        vec![Integration {
            name: "webhook",
            index: 0,
            send_resolved: true,
            notifier: counter.clone(),
        }],
    )]);
    let nflog = Arc::new(MemoryLog::default());
    let deps = PipelineDeps {
        inhibitor: Arc::new(Nothing),
        silences: Arc::new(Nothing),
        time_intervals: Arc::new(Nothing),
        nflog: nflog.clone(),
        marker: Arc::new(Nothing),
        metrics: metrics.clone(),
        templates: Arc::new(Templates::with_defaults()),
        external_url: String::new(),
        user_agent: String::new(),
        cluster: None,
        retention: Duration::from_secs(3600),
        clock: clock.clone(),
    };
    let route = Arc::new(RouteInfo {
        receiver: "default".into(),
        key: "{}".into(),
        id: "{}".into(),
        group_by: vec!["alertname".into(), "instance".into()],
        group_wait: Duration::from_secs(30),
        group_interval: Duration::from_secs(300),
        repeat_interval: Duration::from_secs(3600),
        ..RouteInfo::default()
    });
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let now = alertmanager::alert::from_system_time(clock.now_system());
    for i in 0..N {
        let instance = format!("host-{i}");
        tx.send(Alert {
            labels: Labels::from_pairs([
                ("alertname", "HostDown"),
                ("instance", instance.as_str()),
                ("job", "node"),
            ]),
            annotations: Labels::default(),
            starts_at: now,
            ends_at: wall(10_000.0),
            updated_at: now,
            generator_url: String::new(),
            timeout: true,
        })
        .unwrap();
    }
    let d = Dispatcher::start(
        Arc::new(SingleRoute(route)),
        rx,
        Arc::new(Pipeline::new(receivers, deps)),
        DispatchOptions::new(clock, metrics.clone()),
    );
    assert_eq!(d.group_count(), N);
    assert!(metrics.encode().contains(&format!("alertmanager_dispatcher_aggregation_groups {N}")));
    tokio::time::sleep(Duration::from_secs(29)).await;
    assert_eq!(counter.0.load(Ordering::Relaxed), 0);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(counter.0.load(Ordering::Relaxed), N);
    assert_eq!(nflog.len(), N);
    // The next round is deduplicated: nothing new.
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert_eq!(counter.0.load(Ordering::Relaxed), N);
    d.stop();
}
