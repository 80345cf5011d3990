//! Alertmanager's `send_test.go` acceptance scenarios (spec §12.2), run against the built
//! `klaxon alertmanager` binary with a mock webhook. Same configs, same timings, same
//! "no extra notification" rule.
//!
//! Run them concurrently (they mostly sleep):
//! `cargo test -p klaxon --test am_send -- --test-threads 16`.

#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns unwrap too: test code.

mod harness;

use std::time::Duration;

use harness::*;

fn conf(url: &str, route: &str) -> String {
    webhook_config(url, route)
}

async fn setup(config: impl FnOnce(&str) -> String, opts: Opts) -> (Webhook, Am, Clock) {
    let wh = Webhook::start().await;
    let am = Am::start(&config(&wh.url), opts).await;
    let clock = Clock::now();
    wh.set_clock(clock);
    (wh, am, clock)
}

async fn merge_alerts(with_ends_at: bool) {
    let range = |ts: f64| if with_ends_at { (ts, ts + 3.0) } else { (ts, 0.0) };
    let a = |starts: f64, ends: f64| alert(&["alertname", "test"]).active_until(starts, ends);
    let (wh, am, clock) = setup(
        |u| {
            format!(
                "route:\n  receiver: default\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1ms\nreceivers:\n- name: default\n  webhook_configs:\n  - url: '{u}'\n    send_resolved: true\n"
            )
        },
        Opts::default(),
    )
    .await;
    let mut co = Expect::new();
    co.want((2.0, 2.5), vec![a(1.0, 0.0)]);
    co.want((3.0, 3.5), vec![a(1.0, 0.0).annotate("ann", "v1")]);
    co.want((4.0, 4.5), vec![a(1.0, 0.0).annotate("ann", "v2")]);
    co.want((5.0, 5.5), vec![a(1.0, 4.8).annotate("ann", "v3")]);
    co.want((6.0, 6.5), vec![a(5.0, 0.0)]);

    clock.at(1.0).await;
    let (s, e) = range(1.1);
    am.push(&clock, &[a(s, e)]).await;
    clock.at(1.2).await;
    am.push(&clock, &[a(1.0, 0.0)]).await;
    clock.at(2.1).await;
    let (s, e) = range(2.0);
    am.push(&clock, &[a(s, e).annotate("ann", "v1")]).await;
    clock.at(3.6).await;
    let (s, e) = range(1.5);
    am.push(&clock, &[a(s, e).annotate("ann", "v2")]).await;
    clock.at(4.6).await;
    am.push(&clock, &[a(3.0, 4.5).annotate("ann", "v2")]).await;
    clock.at(4.8).await;
    am.push(&clock, &[a(2.9, 4.8).annotate("ann", "v3")]).await;
    am.push(&clock, &[a(2.9, 4.1).annotate("ann", "v3")]).await;
    clock.at(5.3).await;
    let (s, e) = range(5.0);
    am.push(&clock, &[a(s, e)]).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merge_alerts_plain() {
    merge_alerts(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merge_alerts_with_ends_at() {
    merge_alerts(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeat() {
    let (wh, am, clock) = setup(
        |u| {
            conf(u, "  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1ms")
        },
        Opts::default(),
    )
    .await;
    let a = || alert(&["alertname", "test"]);
    let mut co = Expect::new();
    co.want((2.0, 2.5), vec![a().active(1.0)]);
    co.want((3.0, 3.5), vec![a().active(1.0)]);
    co.want((4.0, 4.5), vec![a().active_until(1.0, 3.0)]);
    clock.at(1.0).await;
    am.push(&clock, &[a().active(1.0)]).await;
    clock.at(3.5).await;
    am.push(&clock, &[a().active_until(1.0, 3.0)]).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry() {
    let wh1 = Webhook::start().await;
    let wh2 = Webhook::start().await;
    let config = format!(
        "route:\n  receiver: default\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 2s\n  repeat_interval: 3s\nreceivers:\n- name: default\n  webhook_configs:\n  - url: '{}'\n  - url: '{}'\n",
        wh1.url, wh2.url
    );
    wh2.set_hook(|t, _| if t < 4.5 { HookAction::Drop } else { HookAction::Record });
    let am = Am::start(&config, Opts::default()).await;
    let clock = Clock::now();
    wh1.set_clock(clock);
    wh2.set_clock(clock);
    let a = || alert(&["alertname", "test1"]);
    let mut co1 = Expect::new();
    co1.want((2.0, 2.5), vec![a().active(1.0)]);
    co1.want((6.0, 6.5), vec![a().active(1.0)]);
    let mut co2 = Expect::new();
    co2.want((6.0, 6.5), vec![a().active(1.0)]);
    clock.at(1.0).await;
    am.push(&clock, &[a()]).await;
    run_and_check(&clock, &am, &[("webhook", &wh1, &co1), ("webhook_failing", &wh2, &co2)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batching() {
    let (wh, am, clock) = setup(
        |u| {
            conf(
                u,
                "  group_by: []\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 4900ms",
            )
        },
        Opts::default(),
    )
    .await;
    let a = |n: &str, s: f64| alert(&["alertname", n]).active(s);
    let five = || {
        vec![a("test1", 1.0), a("test5", 1.0), a("test2", 1.5), a("test3", 1.5), a("test4", 1.6)]
    };
    let mut co = Expect::new();
    co.want((2.0, 2.5), vec![a("test1", 1.0), a("test5", 1.0)]);
    co.want((4.1, 4.5), five());
    co.want((9.1, 9.5), five());
    clock.at(1.1).await;
    am.push(&clock, &[a("test1", 1.0)]).await;
    clock.at(1.7).await;
    am.push(&clock, &[a("test5", 1.0)]).await;
    clock.at(3.3).await;
    am.push(&clock, &[a("test2", 1.5), a("test3", 1.5), a("test4", 1.6)]).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
}

async fn resolved_once() {
    let (wh, am, clock) = setup(
        |u| {
            format!(
                "global:\n  resolve_timeout: 10s\n{}",
                conf(u, "  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 5s")
            )
        },
        Opts::default(),
    )
    .await;
    let a = |v: &str| alert(&["alertname", "test", "lbl", v]);
    let mut co = Expect::new();
    co.want((2.0, 2.5), vec![a("v1").active(1.0), a("v2").active(1.0), a("v3").active(1.0)]);
    co.want(
        (12.0, 13.0),
        vec![
            a("v1").active_until(1.0, 11.0),
            a("v2").active_until(1.0, 11.0),
            a("v3").active_until(1.0, 11.0),
        ],
    );
    clock.at(1.0).await;
    am.push(&clock, &[a("v1"), a("v2"), a("v3")]).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolved() {
    // Upstream runs it twice in a row.
    resolved_once().await;
    resolved_once().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolved_filter() {
    let wh1 = Webhook::start().await;
    let wh2 = Webhook::start().await;
    let config = format!(
        "global:\n  resolve_timeout: 10s\nroute:\n  receiver: default\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 5s\nreceivers:\n- name: default\n  webhook_configs:\n  - url: '{}'\n    send_resolved: true\n  - url: '{}'\n    send_resolved: false\n",
        wh1.url, wh2.url
    );
    let am = Am::start(&config, Opts::default()).await;
    let clock = Clock::now();
    wh1.set_clock(clock);
    wh2.set_clock(clock);
    let a = |v: &str| alert(&["alertname", "test", "lbl", v]);
    let mut co1 = Expect::new();
    co1.want((2.0, 2.5), vec![a("v1").active(1.0), a("v2").active(1.0)]);
    co1.want(
        (7.0, 7.5),
        vec![a("v1").active_until(1.0, 4.0), a("v2").active(1.0), a("v3").active(3.0)],
    );
    co1.want((12.0, 12.5), vec![a("v2").active_until(1.0, 11.0), a("v3").active(3.0)]);
    let mut co2 = Expect::new();
    co2.want((2.0, 2.5), vec![a("v1").active(1.0), a("v2").active(1.0)]);
    co2.want((7.0, 7.5), vec![a("v2").active(1.0), a("v3").active(3.0)]);
    co2.want((12.0, 12.5), vec![]);
    clock.at(1.0).await;
    am.push(&clock, &[a("v1"), a("v2")]).await;
    clock.at(3.0).await;
    am.push(&clock, &[a("v1").active_until(1.0, 4.0), a("v3")]).await;
    clock.at(8.0).await;
    am.push(&clock, &[a("v3").active(3.0)]).await;
    run_and_check(&clock, &am, &[("webhook1", &wh1, &co1), ("webhook2", &wh2, &co2)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_start() {
    let (wh, am, clock) = setup(
        |u| {
            conf(
                u,
                "  group_by: []\n  group_wait: 1s\n  group_interval: 6s\n  repeat_interval: 10m",
            )
        },
        Opts::args(&["--dispatch.start-delay", "5s"]),
    )
    .await;
    let a = |n: &str| alert(&["alertname", n]);
    let mut co = Expect::new();
    // Upstream's file expects test2 "Active(4)" although it is posted at 2 without a start
    // (the server stamps the receive time): we expect the receive time.
    co.want((4.0, 5.0), vec![a("test1").active(1.0), a("test2").active(2.0)]);
    co.want(
        (11.0, 11.5),
        vec![
            a("test1").active(1.0),
            a("test2").active(2.0),
            a("test3").active(6.0),
            a("test4").active(7.0),
        ],
    );
    clock.at(1.0).await;
    am.push(&clock, &[a("test1").active(-100.0)]).await;
    clock.at(2.0).await;
    am.push(&clock, &[a("test2")]).await;
    clock.at(5.0).await;
    am.signal("HUP");
    clock.at(6.0).await;
    am.push(&clock, &[a("test3").active(-100.0)]).await;
    clock.at(7.0).await;
    am.push(&clock, &[a("test4")]).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload() {
    let (wh, am, clock) = setup(
        |u| {
            conf(
                u,
                "  group_by: []\n  group_wait: 1s\n  group_interval: 6s\n  repeat_interval: 10m",
            )
        },
        Opts::default(),
    )
    .await;
    let a = |n: &str| alert(&["alertname", n]);
    let mut co = Expect::new();
    co.want((2.0, 2.5), vec![a("test1").active(1.0)]);
    co.want((9.0, 9.5), vec![a("test1").active(1.0), a("test2").active(4.0)]);
    clock.at(1.0).await;
    am.push(&clock, &[a("test1")]).await;
    clock.at(3.0).await;
    am.signal("HUP");
    clock.at(4.0).await;
    am.push(&clock, &[a("test2")]).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_timeout() {
    let wh = Webhook::start().await;
    wh.set_hook(|t, _| {
        if t < 3.0 { HookAction::SleepThenDrop(Duration::from_secs(1)) } else { HookAction::Record }
    });
    let config = format!(
        "route:\n  receiver: default\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1m\n  repeat_interval: 1m\nreceivers:\n- name: default\n  webhook_configs:\n  - url: '{}'\n    timeout: 500ms\n",
        wh.url
    );
    let am = Am::start(&config, Opts::default()).await;
    let clock = Clock::now();
    wh.set_clock(clock);
    let a = || alert(&["alertname", "test1"]);
    let mut co = Expect::new();
    co.want((3.0, 4.0), vec![a().active(1.0)]);
    clock.at(1.0).await;
    am.push(&clock, &[a()]).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
}
