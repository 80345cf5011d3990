//! The dispatcher's timing rules on tokio's paused clock: upstream's send_test.go scenarios
//! (spec §12.2), start delay and reload (§3.6), and the old-alert rule (§3.5).

#![allow(clippy::unwrap_used)]

mod dispatch_support;

use dispatch_support::*;
use std::time::Duration;

#[tokio::test(start_paused = true)]
async fn repeat() {
    let rx = Receiver::new(tokio::time::Instant::now());
    let h = Harness::start(
        Setup::route(
            "group_by: [alertname], group_wait: 1s, group_interval: 1s, repeat_interval: 1ms",
        )
        .receiver("default", vec![rx.integration("webhook", 0, true)]),
    );
    h.at(1.0).await;
    h.post(vec![alert(&[("alertname", "test")], Some(1.0), None)]);
    h.at(3.5).await;
    h.post(vec![alert(&[("alertname", "test")], Some(1.0), Some(3.0))]);
    h.at(6.0).await;
    let b = rx.batches();
    assert_batch(&b, 2.0, 2.5, &[exp("test", 1.0, None)]);
    assert_batch(&b, 3.0, 3.5, &[exp("test", 1.0, None)]);
    assert_batch(&b, 4.0, 4.5, &[exp("test", 1.0, Some(3.0))]);
    assert_total(&b, 3);
    assert_eq!(b[0].reason, "first notification");
    assert_eq!(b[1].reason, "repeat interval elapsed");
    assert_eq!(b[2].reason, "all alerts resolved");
    assert_eq!(b[0].group_key, "{}:{alertname=\"test\"}");
}

#[tokio::test(start_paused = true)]
async fn retry_keeps_a_log_entry_per_integration() {
    let t0 = tokio::time::Instant::now();
    let first = Receiver::new(t0);
    let second = Receiver::new(t0).dropping_before(4.5);
    let h = Harness::start(
        Setup::route(
            "group_by: [alertname], group_wait: 1s, group_interval: 2s, repeat_interval: 3s",
        )
        .receiver(
            "default",
            vec![first.integration("webhook", 0, true), second.integration("webhook", 1, true)],
        ),
    );
    h.at(1.0).await;
    h.post(vec![alert(&[("alertname", "test1")], Some(1.0), None)]);
    h.at(7.0).await;
    let (a, b) = (first.batches(), second.batches());
    assert_batch(&a, 2.0, 2.5, &[exp("test1", 1.0, None)]);
    assert_batch(&a, 6.0, 6.5, &[exp("test1", 1.0, None)]);
    assert_total(&a, 2);
    assert_batch(&b, 6.0, 6.5, &[exp("test1", 1.0, None)]);
    assert_total(&b, 1);
}

#[tokio::test(start_paused = true)]
async fn batching() {
    let rx = Receiver::new(tokio::time::Instant::now());
    let h = Harness::start(
        Setup::route("group_by: [], group_wait: 1s, group_interval: 1s, repeat_interval: 4900ms")
            .receiver("default", vec![rx.integration("webhook", 0, true)]),
    );
    h.at(1.1).await;
    h.post(vec![alert(&[("alertname", "test1")], Some(1.0), None)]);
    h.at(1.7).await;
    h.post(vec![alert(&[("alertname", "test5")], Some(1.0), None)]);
    h.at(3.3).await;
    h.post(vec![
        alert(&[("alertname", "test2")], Some(1.5), None),
        alert(&[("alertname", "test3")], Some(1.5), None),
        alert(&[("alertname", "test4")], Some(1.6), None),
    ]);
    h.at(10.0).await;
    let b = rx.batches();
    let two = [exp("test1", 1.0, None), exp("test5", 1.0, None)];
    let five = [
        exp("test1", 1.0, None),
        exp("test2", 1.5, None),
        exp("test3", 1.5, None),
        exp("test4", 1.6, None),
        exp("test5", 1.0, None),
    ];
    assert_batch(&b, 2.0, 2.5, &two);
    assert_batch(&b, 4.1, 4.5, &five);
    assert_batch(&b, 9.1, 9.5, &five);
    assert_total(&b, 12);
}

#[tokio::test(start_paused = true)]
async fn resolved_by_resolve_timeout() {
    let rx = Receiver::new(tokio::time::Instant::now());
    let mut setup = Setup::route("group_by: [alertname], group_wait: 1s, group_interval: 5s")
        .receiver("default", vec![rx.integration("webhook", 0, true)]);
    setup.resolve_timeout = Duration::from_secs(10);
    let h = Harness::start(setup);
    h.at(1.0).await;
    let labels = [("alertname", "test"), ("lbl", "v1")];
    h.post(vec![
        alert(&labels, Some(1.0), None),
        alert(&[("alertname", "test"), ("lbl", "v2")], Some(1.0), None),
        alert(&[("alertname", "test"), ("lbl", "v3")], Some(1.0), None),
    ]);
    h.at(13.0).await;
    let b = rx.batches();
    let got = |end: Option<f64>| -> Vec<(String, f64, Option<f64>)> {
        ["v1", "v2", "v3"]
            .iter()
            .map(|v| (format!("{{alertname=\"test\", lbl=\"{v}\"}}"), 1.0, end))
            .collect()
    };
    assert_batch(&b, 2.0, 2.5, &got(None));
    assert_batch(&b, 12.0, 13.0, &got(Some(11.0)));
    assert_total(&b, 6);
}

#[tokio::test(start_paused = true)]
async fn resolved_filter_by_send_resolved() {
    let t0 = tokio::time::Instant::now();
    let (wh1, wh2) = (Receiver::new(t0), Receiver::new(t0));
    let mut setup = Setup::route("group_by: [alertname], group_wait: 1s, group_interval: 5s")
        .receiver(
            "default",
            vec![wh1.integration("webhook", 0, true), wh2.integration("webhook", 1, false)],
        );
    setup.resolve_timeout = Duration::from_secs(10);
    let h = Harness::start(setup);
    let l = |v: &'static str| [("alertname", "test"), ("lbl", v)];
    let e = |v: &str, s: f64, end: Option<f64>| {
        (format!("{{alertname=\"test\", lbl=\"{v}\"}}"), s, end)
    };
    h.at(1.0).await;
    h.post(vec![alert(&l("v1"), Some(1.0), None), alert(&l("v2"), Some(1.0), None)]);
    h.at(3.0).await;
    h.post(vec![alert(&l("v1"), Some(1.0), Some(4.0)), alert(&l("v3"), Some(3.0), None)]);
    h.at(8.0).await;
    h.post(vec![alert(&l("v3"), Some(3.0), None)]);
    h.at(13.0).await;
    let (a, b) = (wh1.batches(), wh2.batches());
    assert_batch(&a, 2.0, 2.5, &[e("v1", 1.0, None), e("v2", 1.0, None)]);
    assert_batch(&a, 7.0, 7.5, &[e("v1", 1.0, Some(4.0)), e("v2", 1.0, None), e("v3", 3.0, None)]);
    assert_batch(&a, 12.0, 12.5, &[e("v2", 1.0, Some(11.0)), e("v3", 3.0, None)]);
    assert_total(&a, 7);
    assert_batch(&b, 2.0, 2.5, &[e("v1", 1.0, None), e("v2", 1.0, None)]);
    assert_batch(&b, 7.0, 7.5, &[e("v2", 1.0, None), e("v3", 3.0, None)]);
    assert_total(&b, 4);
}

#[tokio::test(start_paused = true)]
async fn cold_start_holds_groups_until_the_start_delay_and_reload_keeps_it() {
    let rx = Receiver::new(tokio::time::Instant::now());
    let mut setup =
        Setup::route("group_by: [], group_wait: 1s, group_interval: 6s, repeat_interval: 10m")
            .receiver("default", vec![rx.integration("webhook", 0, true)]);
    // The process started half a second before t = 0 with --dispatch.start-delay 5s.
    setup.start_delay_from_t0 = Some(4.5);
    let h = Harness::start(setup);
    h.at(1.0).await;
    h.post(vec![alert(&[("alertname", "test1")], Some(1.0), None)]);
    h.at(2.0).await;
    h.post(vec![alert(&[("alertname", "test2")], Some(2.0), None)]);
    h.at(5.0).await;
    h.reload();
    h.at(6.0).await;
    h.post(vec![alert(&[("alertname", "test3")], Some(6.0), None)]);
    h.at(7.0).await;
    h.post(vec![alert(&[("alertname", "test4")], Some(7.0), None)]);
    h.at(12.0).await;
    let b = rx.batches();
    assert_batch(&b, 4.0, 5.0, &[exp("test1", 1.0, None), exp("test2", 2.0, None)]);
    assert_batch(
        &b,
        11.0,
        11.5,
        &[
            exp("test1", 1.0, None),
            exp("test2", 2.0, None),
            exp("test3", 6.0, None),
            exp("test4", 7.0, None),
        ],
    );
    assert_total(&b, 6);
}

#[tokio::test(start_paused = true)]
async fn reload_resets_timers_without_resending() {
    let rx = Receiver::new(tokio::time::Instant::now());
    let h = Harness::start(
        Setup::route("group_by: [], group_wait: 1s, group_interval: 6s, repeat_interval: 10m")
            .receiver("default", vec![rx.integration("webhook", 0, true)]),
    );
    h.at(1.0).await;
    h.post(vec![alert(&[("alertname", "test1")], Some(1.0), None)]);
    h.at(3.0).await;
    h.reload();
    h.at(4.0).await;
    h.post(vec![alert(&[("alertname", "test2")], Some(4.0), None)]);
    h.at(10.0).await;
    let b = rx.batches();
    assert_batch(&b, 2.0, 2.5, &[exp("test1", 1.0, None)]);
    assert_batch(&b, 9.0, 9.5, &[exp("test1", 1.0, None), exp("test2", 4.0, None)]);
    assert_total(&b, 3);
}

#[tokio::test(start_paused = true)]
async fn webhook_timeout_retries_within_the_flush() {
    let t0 = tokio::time::Instant::now();
    // Before t = 3 every attempt times out after 500 ms (the receiver sleeps 1 s).
    let rx = Receiver::new(t0).with(failing(
        Duration::from_millis(500),
        3.0,
        "context deadline exceeded",
    ));
    let h = Harness::start(
        Setup::route(
            "group_by: [alertname], group_wait: 1s, group_interval: 1m, repeat_interval: 1m",
        )
        .receiver("default", vec![rx.integration("webhook", 0, true)]),
    );
    h.at(1.0).await;
    h.post(vec![alert(&[("alertname", "test1")], Some(1.0), None)]);
    h.at(5.0).await;
    let b = rx.batches();
    assert_batch(&b, 3.0, 4.0, &[exp("test1", 1.0, None)]);
    assert_total(&b, 1);
    assert!(rx.attempts.lock().len() >= 3, "retried: {:?}", rx.attempts.lock());
}

#[tokio::test(start_paused = true)]
async fn an_old_alert_flushes_its_new_group_at_once() {
    let rx = Receiver::new(tokio::time::Instant::now());
    let h = Harness::start(
        Setup::route("group_by: [alertname], group_wait: 30s, group_interval: 5m")
            .receiver("default", vec![rx.integration("webhook", 0, true)]),
    );
    h.at(100.0).await;
    // Started 60 s ago: older than group_wait.
    h.post(vec![alert(&[("alertname", "old")], Some(40.0), None)]);
    // Started now: waits the full group_wait.
    h.post(vec![alert(&[("alertname", "new")], Some(100.0), None)]);
    // The old alert joins no group wait: only the creating alert counts.
    h.at(140.0).await;
    let b = rx.batches();
    assert_batch(&b, 100.0, 100.0, &[exp("old", 40.0, None)]);
    assert_batch(&b, 130.0, 130.0, &[exp("new", 100.0, None)]);
    assert_total(&b, 2);
}

#[tokio::test(start_paused = true)]
async fn an_old_alert_joining_an_existing_group_waits_for_its_tick() {
    let rx = Receiver::new(tokio::time::Instant::now());
    let h = Harness::start(
        Setup::route("group_by: [], group_wait: 30s, group_interval: 5m")
            .receiver("default", vec![rx.integration("webhook", 0, true)]),
    );
    h.at(100.0).await;
    h.post(vec![alert(&[("alertname", "new")], Some(100.0), None)]);
    h.at(110.0).await;
    h.post(vec![alert(&[("alertname", "old")], Some(1.0), None)]);
    h.at(140.0).await;
    let b = rx.batches();
    assert_batch(&b, 130.0, 130.0, &[exp("new", 100.0, None), exp("old", 1.0, None)]);
    assert_total(&b, 2);
}
