//! Alertmanager's `inhibit_test.go` acceptance scenarios (spec §12.4) against the built binary.
//!
//! `cargo test -p klaxon --test am_inhibit -- --test-threads 16`

#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns unwrap too: test code.

mod harness;

use harness::*;

fn config(url: &str, rule: &str) -> String {
    format!(
        "{}inhibit_rules:\n{rule}",
        webhook_config(
            url,
            "  group_by: []\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1s"
        )
    )
}

const JOB_DOWN_RULE: &str = "- source_match:\n    alertname: JobDown\n  target_match:\n    alertname: InstanceDown\n  equal:\n    - job\n    - zone\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inhibiting() {
    let wh = Webhook::start().await;
    let am = Am::start(&config(&wh.url, JOB_DOWN_RULE), Opts::default()).await;
    let clock = Clock::now();
    wh.set_clock(clock);
    let a = |name: &str, zone: &str| alert(&["alertname", name, "job", "testjob", "zone", zone]);
    let mut co = Expect::new();
    co.want(
        (2.0, 2.5),
        vec![
            a("test1", "aa").active(1.0),
            a("InstanceDown", "aa").active(1.0),
            a("InstanceDown", "ab").active(1.0),
        ],
    );
    co.want(
        (3.0, 3.5),
        vec![
            a("test1", "aa").active(1.0),
            a("InstanceDown", "ab").active(1.0),
            a("JobDown", "aa").active(2.2),
        ],
    );
    co.want(
        (4.0, 4.5),
        vec![
            a("test1", "aa").active(1.0),
            a("InstanceDown", "aa").active(1.0),
            a("InstanceDown", "ab").active(1.0),
            a("JobDown", "aa").active_until(2.2, 3.6),
        ],
    );
    clock.at(1.0).await;
    am.push(&clock, &[a("test1", "aa")]).await;
    am.push(&clock, &[a("InstanceDown", "aa")]).await;
    am.push(&clock, &[a("InstanceDown", "ab")]).await;
    clock.at(2.2).await;
    am.push(&clock, &[a("JobDown", "aa")]).await;
    clock.at(3.6).await;
    am.push(&clock, &[a("JobDown", "aa").active_until(2.2, 3.6)]).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn always_inhibiting() {
    let wh = Webhook::start().await;
    let am = Am::start(&config(&wh.url, JOB_DOWN_RULE), Opts::default()).await;
    let clock = Clock::now();
    wh.set_clock(clock);
    let a = |name: &str| alert(&["alertname", name, "job", "testjob", "zone", "aa"]);
    let mut co = Expect::new();
    co.want((2.0, 2.5), vec![a("JobDown").active(1.0)]);
    co.want(
        (3.0, 3.5),
        vec![a("InstanceDown").active_until(1.0, 2.6), a("JobDown").active_until(1.0, 2.6)],
    );
    clock.at(1.0).await;
    am.push(&clock, &[a("InstanceDown")]).await;
    am.push(&clock, &[a("JobDown")]).await;
    clock.at(2.6).await;
    am.push(&clock, &[a("JobDown").active_until(1.0, 2.6)]).await;
    am.push(&clock, &[a("InstanceDown").active_until(1.0, 2.6)]).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_inhibition_rule() {
    let wh = Webhook::start().await;
    let am = Am::start(&config(&wh.url, "-\n"), Opts::default()).await;
    let clock = Clock::now();
    wh.set_clock(clock);
    // Upstream's test only runs it: the config loads and nothing is sent. We also post an
    // alert to show the null rule inhibits nothing.
    let mut co = Expect::new();
    co.want((2.0, 2.5), vec![alert(&["alertname", "x"]).active(1.0)]);
    clock.at(1.0).await;
    am.push(&clock, &[alert(&["alertname", "x"]).active(1.0)]).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
}
