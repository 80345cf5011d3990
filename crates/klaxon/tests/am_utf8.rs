//! Alertmanager's `utf8_test.go` acceptance scenarios (spec §12.7) against the built binary.
//!
//! `cargo test -p klaxon --test am_utf8 -- --test-threads 16`

#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns unwrap too: test code.

mod harness;

use harness::*;
use serde_json::{Value, json};

const ROUTE: &str =
    "  group_by: []\n  group_wait: 1s\n  group_interval: 10m\n  repeat_interval: 1h";

fn now_plus(mins: i64) -> String {
    let t = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(mins);
    format!("{t:.3}")
}

fn utf8_labels() -> Value {
    json!({"a": "a", "00": "b", "Σ": "c", "🙂": "dΘ"})
}

fn utf8_alert() -> Value {
    json!([{"labels": utf8_labels(), "startsAt": now_plus(0), "endsAt": now_plus(5)}])
}

/// `filter=` query string for the three UTF-8 matchers of upstream's test.
fn utf8_filters() -> String {
    ["00=b", "Σ=c", "\"\\xf0\\x9f\\x99\\x82\"=dΘ"]
        .iter()
        .map(|f| format!("filter={}", url_escape(f)))
        .collect::<Vec<_>>()
        .join("&")
}

fn url_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_utf8_alerts() {
    let wh = Webhook::start().await;
    let am = Am::start(&webhook_config(&wh.url, ROUTE), Opts::default()).await;
    let (status, text) = am.post_alerts_json(&utf8_alert()).await;
    assert_eq!(status, 200, "{text}");
    let alerts = am.get_json("/api/v2/alerts").await;
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    assert_eq!(alerts[0]["labels"], utf8_labels());
    let alerts = am.get_json(&format!("/api/v2/alerts?{}", utf8_filters())).await;
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    assert_eq!(alerts[0]["labels"], utf8_labels());
    // The dispatcher groups posted alerts asynchronously (as upstream's does): give it a
    // moment under load.
    let mut groups = am.get_json("/api/v2/alerts/groups").await;
    for _ in 0..40 {
        if !groups.as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        groups = am.get_json("/api/v2/alerts/groups").await;
    }
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups}");
    assert_eq!(groups[0]["alerts"].as_array().unwrap().len(), 1);
    assert_eq!(groups[0]["alerts"][0]["labels"], utf8_labels());
    let groups = am.get_json(&format!("/api/v2/alerts/groups?{}", utf8_filters())).await;
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups}");
    assert_eq!(groups[0]["alerts"][0]["labels"], utf8_labels());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cannot_add_utf8_alerts_in_classic_mode() {
    let wh = Webhook::start().await;
    let am = Am::start(&webhook_config(&wh.url, ROUTE), Opts::features(&["classic-mode"])).await;
    let (status, text) = am.post_alerts_json(&utf8_alert()).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("invalid label set"), "{text}");
}

fn utf8_silence() -> Value {
    json!({
        "matchers": [{"name": "fooΣ", "value": "bar🙂", "isRegex": false, "isEqual": true}],
        "startsAt": now_plus(0), "endsAt": now_plus(24 * 60),
        "createdBy": "test", "comment": "test",
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_utf8_silences() {
    let wh = Webhook::start().await;
    let am = Am::start(
        &webhook_config(
            &wh.url,
            "  group_by: []\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1ms",
        ),
        Opts::default(),
    )
    .await;
    am.set_silence(&utf8_silence()).await;
    let want = json!([{"name": "fooΣ", "value": "bar🙂", "isRegex": false, "isEqual": true}]);
    let sils = am.get_json("/api/v2/silences").await;
    assert_eq!(sils.as_array().unwrap().len(), 1, "{sils}");
    assert_eq!(sils[0]["matchers"], want);
    let sils = am.get_json(&format!("/api/v2/silences?filter={}", url_escape("fooΣ=bar🙂"))).await;
    assert_eq!(sils.as_array().unwrap().len(), 1, "{sils}");
    assert_eq!(sils[0]["matchers"], want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cannot_add_utf8_silences_in_classic_mode() {
    let wh = Webhook::start().await;
    let am = Am::start(&webhook_config(&wh.url, ROUTE), Opts::features(&["classic-mode"])).await;
    let (status, text) = am.post_silence(&utf8_silence()).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("invalid silence: invalid label matcher"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_alerts_to_utf8_route() {
    let wh = Webhook::start().await;
    let config = format!(
        "route:\n  receiver: default\n  routes:\n    - receiver: webhook\n      matchers:\n        - foo🙂=bar\n      group_by:\n        - foo🙂\n      group_wait: 1s\nreceivers:\n- name: default\n- name: webhook\n  webhook_configs:\n  - url: '{}'\n",
        wh.url
    );
    let am = Am::start(&config, Opts::default()).await;
    let clock = Clock::now();
    wh.set_clock(clock);
    let mut co = Expect::new();
    co.want((2.0, 2.5), vec![alert(&["foo🙂", "bar"]).active(1.0)]);
    clock.at(1.0).await;
    am.push(&clock, &[alert(&["foo🙂", "bar"]).active(1.0)]).await;
    run_and_check(&clock, &am, &[("webhook", &wh, &co)]).await;
}
