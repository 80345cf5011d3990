//! Alertmanager's `silence_test.go` acceptance scenarios (spec §12.3) against the built binary.
//!
//! `cargo test -p klaxon --test am_silence -- --test-threads 16`

#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns unwrap too: test code.

mod harness;

use harness::*;
use serde_json::json;

const ROUTE: &str =
    "  group_by: []\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1ms";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_silence_in_classic_mode() {
    let wh = Webhook::start().await;
    let am = Am::start(&webhook_config(&wh.url, ROUTE), Opts::features(&["classic-mode"])).await;
    let now = jiff::Timestamp::now();
    let body = json!({
        "matchers": [{"name": "foo", "value": "bar", "isRegex": false, "isEqual": true}],
        "startsAt": format!("{now:.3}"),
        "endsAt": format!("{:.3}", now + jiff::SignedDuration::from_hours(24)),
        "createdBy": "test",
        "comment": "test",
    });
    let (status, text) = am.post_silence(&body).await;
    assert_eq!(status, 200, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let id = v["silenceID"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silencing() {
    let wh = Webhook::start().await;
    let am = Am::start(&webhook_config(&wh.url, ROUTE), Opts::default()).await;
    let clock = Clock::now();
    wh.set_clock(clock);
    let a = |n: &str| alert(&["alertname", n]).active(1.0);
    let mut co = Expect::new();
    co.want((2.0, 2.5), vec![a("test1"), a("test2")]);
    co.want((3.0, 3.5), vec![a("test2")]);
    co.want((4.0, 4.5), vec![a("test2")]);
    co.want((5.0, 5.5), vec![a("test1"), a("test2")]);
    clock.at(1.0).await;
    am.push(&clock, &[a("test1")]).await;
    am.push(&clock, &[a("test2")]).await;
    clock.at(2.3).await;
    am.set_silence(&silence(&clock, 2.5, 4.5, &[("alertname", "test1", false)])).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silence_delete() {
    let wh = Webhook::start().await;
    let am = Am::start(&webhook_config(&wh.url, ROUTE), Opts::default()).await;
    let clock = Clock::now();
    wh.set_clock(clock);
    let a = |n: &str| alert(&["alertname", n]).active(1.0);
    let mut co = Expect::new();
    co.want((3.5, 4.5), vec![a("test1"), a("test2")]);
    clock.at(1.0).await;
    am.push(&clock, &[a("test1")]).await;
    am.push(&clock, &[a("test2")]).await;
    clock.at(1.3).await;
    let id = am.set_silence(&silence(&clock, 1.5, 100.0, &[("alertname", ".+", true)])).await;
    clock.at(3.5).await;
    assert_eq!(am.delete_silence(&id).await, 200);
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
}
