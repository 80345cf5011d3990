//! The extra black-box scenarios of spec §12.10 (not in upstream's suite; derived from its
//! code), against the built binary.
//!
//! `cargo test -p klaxon --test am_extras -- --test-threads 16`

#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns unwrap too: test code.

mod harness;

use std::time::Duration;

use harness::*;
use serde_json::{Value, json};

async fn start(config: String, opts: Opts, hooks: &[&Webhook]) -> (Am, Clock) {
    let am = Am::start(&config, opts).await;
    let clock = Clock::now();
    for wh in hooks {
        wh.set_clock(clock);
    }
    (am, clock)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_by_all_labels() {
    let wh = Webhook::start().await;
    let config = webhook_config(
        &wh.url,
        "  group_by: ['...']\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h",
    );
    let (am, clock) = start(config, Opts::default(), &[&wh]).await;
    let a = alert(&["alertname", "x", "instance", "a"]).active(1.0);
    let b = alert(&["alertname", "x", "instance", "b"]).active(1.0);
    let mut co = Expect::new();
    co.want((2.0, 2.5), vec![a.clone()]);
    co.want((2.0, 2.5), vec![b.clone()]);
    clock.at(1.0).await;
    am.push(&clock, &[a, b]).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
    let mut keys: Vec<String> =
        wh.batches().iter().map(|b| b.payload["groupKey"].as_str().unwrap().to_string()).collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            r#"{}:{alertname="x", instance="a"}"#.to_string(),
            r#"{}:{alertname="x", instance="b"}"#.to_string()
        ]
    );
    for b in wh.batches() {
        assert_eq!(b.payload["groupLabels"], b.payload["alerts"][0]["labels"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_fans_out_to_two_receivers() {
    let wh1 = Webhook::start().await;
    let wh2 = Webhook::start().await;
    let wh_default = Webhook::start().await;
    let config = format!(
        "route:\n  receiver: default\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n  routes:\n  - receiver: first\n    matchers: [severity=\"critical\"]\n    continue: true\n  - receiver: second\n    matchers: [severity=~\"crit.*\"]\n  - receiver: first\n    matchers: [severity=\"critical\"]\nreceivers:\n- name: default\n  webhook_configs:\n  - url: '{}'\n- name: first\n  webhook_configs:\n  - url: '{}'\n- name: second\n  webhook_configs:\n  - url: '{}'\n",
        wh_default.url, wh1.url, wh2.url
    );
    let (am, clock) = start(config, Opts::default(), &[&wh1, &wh2, &wh_default]).await;
    let crit = alert(&["alertname", "x", "severity", "critical"]).active(1.0);
    let warn = alert(&["alertname", "y", "severity", "warning"]).active(1.0);
    let mut co1 = Expect::new();
    co1.want((2.0, 2.5), vec![crit.clone()]);
    let mut co2 = Expect::new();
    co2.want((2.0, 2.5), vec![crit.clone()]);
    let mut co_default = Expect::new();
    co_default.want((2.0, 2.5), vec![warn.clone()]);
    clock.at(1.0).await;
    am.push(&clock, &[crit, warn]).await;
    run_and_check(
        &clock,
        &am,
        &[("first", &wh1, &co1), ("second", &wh2, &co2), ("default", &wh_default, &co_default)],
    )
    .await;
    // The API lists both receivers for the critical alert.
    let alerts = am.get_json("/api/v2/alerts?filter=severity%3Dcritical").await;
    let receivers: Vec<&str> = alerts[0]["receivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(receivers, vec!["first", "second"]);
    assert_eq!(wh1.batches()[0].payload["receiver"], "first");
    assert_eq!(wh2.batches()[0].payload["groupKey"], r#"{}/{severity=~"crit.*"}:{}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mute_and_active_time_intervals() {
    let wh = Webhook::start().await;
    let config = format!(
        "time_intervals:\n- name: always\n  time_intervals:\n  - times: [{{start_time: '00:00', end_time: '24:00'}}]\n- name: never\n  time_intervals:\n  - years: ['1999']\nroute:\n  receiver: default\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n  routes:\n  - matchers: [team=\"muted\"]\n    mute_time_intervals: [always]\n  - matchers: [team=\"inactive\"]\n    active_time_intervals: [never]\n  - matchers: [team=\"active\"]\n    active_time_intervals: [always]\n    mute_time_intervals: [never]\nreceivers:\n- name: default\n  webhook_configs:\n  - url: '{}'\n",
        wh.url
    );
    let (am, clock) = start(config, Opts::default(), &[&wh]).await;
    let a = |team: &str| alert(&["alertname", team, "team", team]).active(1.0);
    let mut co = Expect::new();
    co.want((2.0, 2.5), vec![a("active")]);
    co.want((2.5, 3.5), vec![]);
    clock.at(1.0).await;
    am.push(&clock, &[a("muted"), a("inactive"), a("active")]).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;

    let groups = am.get_json("/api/v2/alerts/groups").await;
    let muted_by = |team: &str| -> (Value, Value) {
        let g = groups
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["labels"]["alertname"] == team)
            .unwrap_or_else(|| panic!("no group {team} in {groups}"));
        (g["alerts"][0]["status"]["mutedBy"].clone(), g["alerts"][0]["status"]["state"].clone())
    };
    assert_eq!(muted_by("muted"), (json!(["always"]), json!("suppressed")));
    assert_eq!(muted_by("inactive"), (json!(["never"]), json!("suppressed")));
    assert_eq!(muted_by("active"), (json!([]), json!("active")));
    let unmuted = am.get_json("/api/v2/alerts/groups?muted=false").await;
    let names: Vec<&str> = unmuted
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["labels"]["alertname"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["active"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_alerts_truncates() {
    let wh = Webhook::start().await;
    let config = format!(
        "route:\n  receiver: default\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n- name: default\n  webhook_configs:\n  - url: '{}'\n    max_alerts: 2\n",
        wh.url
    );
    let (am, clock) = start(config, Opts::default(), &[&wh]).await;
    clock.at(1.0).await;
    let alerts: Vec<TestAlert> =
        ["a", "b", "c"].iter().map(|n| alert(&["alertname", n]).active(1.0)).collect();
    am.push(&clock, &alerts).await;
    clock.at(3.0).await;
    let batches = wh.batches();
    assert_eq!(batches.len(), 1, "{batches:?}");
    let p = &batches[0].payload;
    assert_eq!(p["alerts"].as_array().unwrap().len(), 2, "{p}");
    assert_eq!(p["truncatedAlerts"], 1, "{p}");
    // The first two after the flush sort (label-set order).
    assert_eq!(p["alerts"][0]["labels"]["alertname"], "a");
    assert_eq!(p["alerts"][1]["labels"]["alertname"], "b");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_reasons() {
    let wh = Webhook::start().await;
    let config = format!(
        "route:\n  receiver: default\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 2900ms\nreceivers:\n- name: default\n  webhook_configs:\n  - url: '{}'\n    send_resolved: true\n",
        wh.url
    );
    let (am, clock) = start(config, Opts::default(), &[&wh]).await;
    let a = || alert(&["alertname", "a"]);
    let b = || alert(&["alertname", "b"]);
    let mut co = Expect::new();
    co.want((2.0, 2.5), vec![a().active(1.0)]);
    co.want((3.0, 3.5), vec![a().active(1.0), b().active(2.2)]);
    co.want((4.0, 4.5), vec![a().active_until(1.0, 3.2), b().active(2.2)]);
    // The resolved `a` left the group after the 4 s flush; the repeat (2.9 s after the send at
    // 4, so at the 7 s tick) carries `b` alone.
    co.want((7.0, 7.5), vec![b().active(2.2)]);
    co.want((8.0, 8.5), vec![b().active_until(2.2, 7.2)]);
    clock.at(1.0).await;
    am.push(&clock, &[a().active(1.0)]).await;
    clock.at(2.2).await;
    am.push(&clock, &[b().active(2.2)]).await;
    clock.at(3.2).await;
    am.push(&clock, &[a().active_until(1.0, 3.2)]).await;
    clock.at(7.2).await;
    am.push(&clock, &[b().active_until(2.2, 7.2)]).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
    let mut batches = wh.batches();
    batches.sort_by_key(|b| b.arrived);
    let reasons: Vec<&str> =
        batches.iter().map(|b| b.payload["notification_reason"].as_str().unwrap_or("")).collect();
    assert_eq!(
        reasons,
        vec![
            "first notification",
            "new alerts added",
            "some alerts resolved",
            "repeat interval elapsed",
            "all alerts resolved"
        ]
    );
    assert_eq!(batches[4].payload["status"], "resolved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_within_the_flush() {
    let wh = Webhook::start().await;
    wh.set_hook(|_, n| if n < 2 { HookAction::Status(503) } else { HookAction::Record });
    let config =
        webhook_config(&wh.url, "  group_wait: 1s\n  group_interval: 1m\n  repeat_interval: 1h");
    let (am, clock) = start(config, Opts::default(), &[&wh]).await;
    let mut co = Expect::new();
    // Two failures, backoff 0.5 s ±50 % then ×1.5: delivered well within the flush.
    co.want((2.0, 5.0), vec![alert(&["alertname", "x"]).active(1.0)]);
    clock.at(1.0).await;
    am.push(&clock, &[alert(&["alertname", "x"]).active(1.0)]).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
    assert_eq!(wh.requests(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_errors_are_not_retried() {
    let wh = Webhook::start().await;
    wh.set_hook(|_, _| HookAction::Status(400));
    let config =
        webhook_config(&wh.url, "  group_wait: 1s\n  group_interval: 1m\n  repeat_interval: 1h");
    let (am, clock) = start(config, Opts::default(), &[&wh]).await;
    clock.at(1.0).await;
    am.push(&clock, &[alert(&["alertname", "x"]).active(1.0)]).await;
    clock.at(4.5).await;
    assert_eq!(wh.requests(), 1, "a 4xx must not be retried");
    let metrics = am.get("/metrics").await.1;
    let failed = metrics
        .lines()
        .find(|l| {
            l.starts_with("alertmanager_notifications_failed_total")
                && l.contains("integration=\"webhook\"")
                && l.contains("reason=\"clientError\"")
        })
        .unwrap_or_else(|| panic!("no clientError failure metric in:\n{metrics}"));
    assert!(failed.ends_with(" 1"), "{failed}");
}

fn sil_body(matchers: Value, starts: String, ends: String, id: Option<&str>) -> Value {
    let mut v = json!({
        "matchers": matchers, "startsAt": starts, "endsAt": ends,
        "createdBy": "harness", "comment": "c",
    });
    if let Some(id) = id {
        v["id"] = json!(id);
    }
    v
}

fn at(offset_secs: i64) -> String {
    let t = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(offset_secs);
    format!("{t:.3}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silence_update_rules_and_expired_filter() {
    let am =
        Am::start("route:\n  receiver: default\nreceivers:\n- name: default\n", Opts::default())
            .await;
    let m1 = json!([{"name": "a", "value": "1", "isRegex": false, "isEqual": true}]);
    let m2 = json!([{"name": "a", "value": "2", "isRegex": false, "isEqual": true}]);
    // Active silence; same matchers, same start, later end: updated in place.
    let start = at(-10);
    let id1 = am.set_silence(&sil_body(m1.clone(), start.clone(), at(3600), None)).await;
    let got = am.get_json(&format!("/api/v2/silence/{id1}")).await;
    let start_stored = got["startsAt"].as_str().unwrap().to_string();
    let same =
        am.set_silence(&sil_body(m1.clone(), start_stored.clone(), at(7200), Some(&id1))).await;
    assert_eq!(same, id1, "same matchers and start: update in place");
    // Changed matchers: a new silence, the old one expired.
    let id2 = am.set_silence(&sil_body(m2.clone(), at(0), at(3600), Some(&id1))).await;
    assert_ne!(id2, id1);
    let old = am.get_json(&format!("/api/v2/silence/{id1}")).await;
    assert_eq!(old["status"]["state"], "expired", "{old}");
    // Unknown id: 404.
    let unknown = uuid::Uuid::new_v4().to_string();
    let (status, text) =
        am.post_silence(&sil_body(m1.clone(), at(0), at(60), Some(&unknown))).await;
    assert_eq!(status, 404, "{text}");
    // Pending silence: a new future start keeps the id.
    let id3 = am.set_silence(&sil_body(m1.clone(), at(600), at(1200), None)).await;
    let again = am.set_silence(&sil_body(m1.clone(), at(900), at(1200), Some(&id3))).await;
    assert_eq!(again, id3, "pending silence updated in place");
    // Validation errors.
    let (status, text) = am.post_silence(&sil_body(m1.clone(), at(60), at(30), None)).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("start time must be before end time"), "{text}");
    let empty = json!([{"name": "a", "value": "", "isRegex": false, "isEqual": true}]);
    let (status, text) = am.post_silence(&sil_body(empty, at(0), at(60), None)).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("at least one matcher must not match the empty string"), "{text}");
    // Delete = expire; deleting again is fine; unknown is 404.
    assert_eq!(am.delete_silence(&id2).await, 200);
    assert_eq!(am.delete_silence(&id2).await, 200);
    assert_eq!(am.delete_silence(&unknown).await, 404);

    let all = am.get_json("/api/v2/silences").await;
    assert_eq!(all.as_array().unwrap().len(), 3, "{all}");
    let not_expired = am.get_json("/api/v2/silences?expired=false").await;
    let ids: Vec<&str> =
        not_expired.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![id3.as_str()], "{not_expired}");
    assert_eq!(not_expired[0]["status"]["state"], "pending");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_v1_is_gone() {
    let am =
        Am::start("route:\n  receiver: default\nreceivers:\n- name: default\n", Opts::default())
            .await;
    for p in ["/api/v1/status", "/api/v1/alerts", "/api/v1/silences", "/api/v1/receivers"] {
        let (status, text) = am.get(p).await;
        assert_eq!(status, 410, "{p}: {text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["status"], "deprecated");
        assert!(v["error"].as_str().unwrap().contains("removed as of version 0.27.0"), "{v}");
    }
    let r = am.client.post(am.url("/api/v1/alerts")).body("[]").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 410);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_concurrency_limit_answers_503() {
    let am = Am::start(
        "route:\n  receiver: default\n  group_by: ['...']\nreceivers:\n- name: default\n",
        Opts::args(&["--web.get-concurrency", "1"]),
    )
    .await;
    // Enough alerts that listing them takes a while, so concurrent GETs overlap.
    for chunk in 0..10 {
        let batch: Vec<Value> = (0..1000)
            .map(|i| json!({"labels": {"alertname": "load", "i": format!("{chunk}-{i}")}}))
            .collect();
        let (status, text) = am.post_alerts_json(&Value::Array(batch)).await;
        assert_eq!(status, 200, "{text}");
    }
    let mut saw_503 = None;
    for _round in 0..5 {
        let gets = (0..16).map(|_| {
            let c = am.client.clone();
            let url = am.url("/api/v2/alerts");
            async move {
                let r = c.get(url).send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap_or_default())
            }
        });
        let results = futures_join_all(gets).await;
        for (status, body) in &results {
            assert!(*status == 200 || *status == 503, "{status}");
            if *status == 503 {
                saw_503 = Some(body.clone());
            }
        }
        if saw_503.is_some() {
            break;
        }
    }
    let body = saw_503.expect("16 concurrent GETs with a limit of 1 never got a 503");
    assert!(
        body.contains("Limit of concurrent GET requests reached (1), try again later."),
        "{body}"
    );
}

async fn futures_join_all<F: std::future::Future + Send + 'static>(
    fs: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = fs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_silences_and_nflog() {
    let wh = Webhook::start().await;
    let config = webhook_config(
        &wh.url,
        "  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h",
    );
    let (mut am, clock) = start(config, Opts::default(), &[&wh]).await;
    let a = alert(&["alertname", "a"]).active(1.0);
    let mut co = Expect::new();
    co.want((2.0, 2.5), vec![a.clone()]);
    clock.at(1.0).await;
    am.push(&clock, std::slice::from_ref(&a)).await;
    let sid =
        am.set_silence(&silence(&clock, 1.0, 3600.0, &[("alertname", "silenced", false)])).await;
    clock.at(3.0).await;
    am.signal("TERM");
    let status = am.wait_exit(Duration::from_secs(10)).await.expect("exits on SIGTERM");
    assert!(status.success(), "SIGTERM exit: {status:?}");
    assert!(am.stderr().contains("level=info"), "logs in logfmt");
    am.restart().await;
    // Re-post (as Prometheus would) and wait past several group intervals: the nflog says it
    // was sent within repeat_interval, so nothing more arrives.
    am.push(&clock, std::slice::from_ref(&a)).await;
    let sils = am.get_json("/api/v2/silences").await;
    assert!(sils.as_array().unwrap().iter().any(|s| s["id"] == sid.as_str()), "{sils}");
    clock.at(7.0).await;
    check_now(&clock, &am, &[("webhook", &wh, &co)]);
}

/// A receiver that needs 11 s to answer, on a route with a 1 s group_interval. Upstream's
/// deadline (max(group_interval, 10s)) cancels that attempt and the next flush sends again;
/// `--dispatch.notify-timeout 30s` lets the slow answer count, so it is sent once.
async fn slow_receiver(notify_timeout: Option<&str>) -> usize {
    let wh = Webhook::start().await;
    wh.set_hook(|_, n| {
        if n == 0 { HookAction::SleepThenDrop(Duration::from_secs(11)) } else { HookAction::Drop }
    });
    let config = webhook_config(
        &wh.url,
        "  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h",
    );
    let opts = match notify_timeout {
        Some(t) => Opts::args(&["--dispatch.notify-timeout", t]),
        None => Opts::default(),
    };
    let (am, clock) = start(config, opts, &[&wh]).await;
    am.push(&clock, &[alert(&["alertname", "slow"])]).await;
    clock.at(16.0).await;
    wh.requests()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_timeout_is_its_own_setting() {
    let (upstream, own) = tokio::join!(slow_receiver(None), slow_receiver(Some("30s")));
    assert!(upstream >= 2, "upstream deadline should cancel and resend, got {upstream} request(s)");
    assert_eq!(own, 1, "with --dispatch.notify-timeout 30s the slow answer should count");
}
