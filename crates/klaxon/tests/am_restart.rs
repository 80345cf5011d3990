//! Nothing lost on a crash: alerts and silences posted before `kill -9` are there after a
//! restart, and an alert that resolved while klaxon was down still gets its resolved
//! notification (upstream keeps alerts only in memory and loses it).
//!
//! `cargo test -p klaxon --test am_restart -- --test-threads 16`

#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns unwrap too: test code.

mod harness;

use std::time::Duration;

use harness::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_nothing_older_than_a_second() {
    let wh = Webhook::start().await;
    let config = format!(
        "global:\n  resolve_timeout: 5m\nroute:\n  receiver: default\n  group_by: []\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n- name: default\n  webhook_configs:\n  - url: '{}'\n    send_resolved: true\n",
        wh.url
    );
    let mut am = Am::start(&config, Opts::default()).await;
    let clock = Clock::now();
    wh.set_clock(clock);
    // `a` ends at t=5, while klaxon is down; `b` stays open; `c` is silenced throughout.
    let a = alert(&["alertname", "a"]);
    let b = alert(&["alertname", "b"]);
    let c = alert(&["alertname", "c"]);
    let mut co = Expect::new();
    co.want((2.0, 2.5), vec![a.clone().active(1.0), b.clone().active(1.0)]);
    co.want((6.0, 9.0), vec![a.clone().active_until(1.0, 5.0), b.clone().active(1.0)]);

    clock.at(1.0).await;
    let sid = am.set_silence(&silence(&clock, 1.0, 3600.0, &[("alertname", "c", false)])).await;
    am.push(
        &clock,
        &[a.clone().active_until(1.0, 5.0), b.clone().active(1.0), c.clone().active(1.0)],
    )
    .await;
    // More than a second after the writes: they must have reached the disk.
    clock.at(3.5).await;
    am.kill9().await;
    clock.at(6.0).await;
    am.restart().await;

    let alerts = am.get_json("/api/v2/alerts").await;
    let names = |v: &Value| -> Vec<String> {
        let mut n: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["labels"]["alertname"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    // `a` is resolved now, so the API no longer lists it.
    assert_eq!(names(&alerts), vec!["b", "c"], "{alerts}");
    let c_alert =
        alerts.as_array().unwrap().iter().find(|x| x["labels"]["alertname"] == "c").unwrap();
    assert_eq!(c_alert["status"]["silencedBy"], serde_json::json!([sid]), "{c_alert}");
    let sils = am.get_json("/api/v2/silences").await;
    assert_eq!(sils.as_array().unwrap().len(), 1, "{sils}");
    assert_eq!(sils[0]["id"], sid.as_str());
    assert_eq!(sils[0]["status"]["state"], "active");

    clock.at(9.0).await;
    check_now(&clock, &am, &[("webhook", &wh, &co)]);
    let mut batches = wh.batches();
    batches.sort_by_key(|b| b.arrived);
    assert_eq!(batches[1].payload["notification_reason"], "some alerts resolved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_writes_final_state_and_exits_0() {
    let am_conf = "route:\n  receiver: default\nreceivers:\n- name: default\n";
    let mut am = Am::start(am_conf, Opts::default()).await;
    let clock = Clock::now();
    let sid = am.set_silence(&silence(&clock, 0.5, 3600.0, &[("job", "x", false)])).await;
    am.push(&clock, &[alert(&["alertname", "kept"])]).await;
    // Straight away, no second of grace: a graceful shutdown flushes everything.
    am.signal("TERM");
    let status = am.wait_exit(Duration::from_secs(10)).await.expect("exits on SIGTERM");
    assert_eq!(status.code(), Some(0), "{}", am.stderr_tail(30));
    am.restart().await;
    let alerts = am.get_json("/api/v2/alerts").await;
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    let sils = am.get_json("/api/v2/silences").await;
    assert_eq!(sils[0]["id"], sid.as_str(), "{sils}");
}
