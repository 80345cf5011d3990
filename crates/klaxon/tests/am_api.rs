//! Alertmanager's `api_test.go` and `web_test.go` acceptance scenarios (spec §12.5, §12.8)
//! against the built binary.
//!
//! `cargo test -p klaxon --test am_api -- --test-threads 16`

#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns unwrap too: test code.

mod harness;

use harness::*;
use serde_json::{Value, json};

const ROUTE: &str =
    "  group_by: []\n  group_wait: 1s\n  group_interval: 10m\n  repeat_interval: 1h";
const SEVERITY_RULE: &str = "inhibit_rules:\n  - source_match:\n      severity: 'critical'\n    target_match:\n      severity: 'warning'\n    equal: ['alertname']\n";

fn now_plus(mins: i64) -> String {
    let t = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(mins);
    format!("{t:.3}")
}

fn alert_json(labels: Value) -> Value {
    json!({"labels": labels, "startsAt": now_plus(0), "endsAt": now_plus(5)})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_alerts_with_unicode_values_in_classic_mode() {
    let wh = Webhook::start().await;
    let am = Am::start(&webhook_config(&wh.url, ROUTE), Opts::features(&["classic-mode"])).await;
    let body = json!([alert_json(json!({"a": "b", "b": "Σ", "c": "🙂", "d": "eΘ"}))]);
    let (status, text) = am.post_alerts_json(&body).await;
    assert_eq!(status, 200, "{text}");
}

fn states(alerts: &Value) -> Vec<(String, String)> {
    alerts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["fingerprint"].as_str().unwrap().to_string(),
                a["status"]["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_get_returns_current_alert_status() {
    let wh = Webhook::start().await;
    let config = format!("{}{SEVERITY_RULE}", webhook_config(&wh.url, ROUTE));
    let am = Am::start(&config, Opts::default()).await;
    let warning = alert_json(json!({"alertname": "test1", "severity": "warning"}));
    let (status, text) = am.post_alerts_json(&json!([warning.clone()])).await;
    assert_eq!(status, 200, "{text}");
    let alerts = am.get_json("/api/v2/alerts").await;
    assert_eq!(alerts.as_array().unwrap().len(), 1);
    for (_, state) in states(&alerts) {
        assert_eq!(state, "active");
    }
    // Fingerprints as upstream computes them (FNV-1a over sorted label pairs).
    let warning_fp = alerts[0]["fingerprint"].as_str().unwrap().to_string();
    assert_eq!(warning_fp.len(), 16);

    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let sil = json!({
        "matchers": [{"name": "alertname", "value": "test1", "isRegex": false}],
        "startsAt": warning["startsAt"], "endsAt": warning["endsAt"],
        "createdBy": "a", "comment": "a",
    });
    let id = am.set_silence(&sil).await;
    // Silenced at once, not at the next flush.
    let alerts = am.get_json("/api/v2/alerts").await;
    for a in alerts.as_array().unwrap() {
        assert_eq!(a["status"]["state"], "suppressed", "{a}");
        assert_eq!(a["status"]["silencedBy"], json!([id]), "{a}");
        assert_eq!(a["fingerprint"], warning_fp.as_str());
    }
    let critical = alert_json(json!({"alertname": "test1", "severity": "critical"}));
    let (status, text) = am.post_alerts_json(&json!([critical])).await;
    assert_eq!(status, 200, "{text}");
    let alerts = am.get_json("/api/v2/alerts").await;
    assert_eq!(alerts.as_array().unwrap().len(), 2, "{alerts}");
    let critical_fp =
        alerts.as_array().unwrap().iter().find(|a| a["labels"]["severity"] == "critical").unwrap()
            ["fingerprint"]
            .as_str()
            .unwrap()
            .to_string();
    for a in alerts.as_array().unwrap() {
        assert_eq!(a["status"]["silencedBy"], json!([id]), "{a}");
        if a["fingerprint"] == warning_fp.as_str() {
            assert_eq!(a["status"]["state"], "suppressed");
            assert_eq!(a["status"]["inhibitedBy"], json!([critical_fp]), "{a}");
        }
    }
    assert_eq!(am.delete_silence(&id).await, 200);
    let alerts = am.get_json("/api/v2/alerts").await;
    for a in alerts.as_array().unwrap() {
        assert_eq!(a["status"]["silencedBy"], json!([]), "{a}");
        if a["fingerprint"] == critical_fp.as_str() {
            assert_eq!(a["status"]["state"], "active", "{a}");
        } else {
            assert_eq!(a["status"]["state"], "suppressed", "{a}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_alert_request() {
    let wh = Webhook::start().await;
    let config = format!("{}{SEVERITY_RULE}", webhook_config(&wh.url, ROUTE));
    let am = Am::start(&config, Opts::default()).await;
    let body = json!([
        alert_json(json!({"alertname": "test1", "severity": "warning"})),
        alert_json(json!({"system": "foo", "severity": "critical"})),
    ]);
    let (status, text) = am.post_alerts_json(&body).await;
    assert_eq!(status, 200, "{text}");
    let alerts =
        am.get_json("/api/v2/alerts?filter=alertname%3Dtest1&filter=severity%3Dwarning").await;
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    assert_eq!(alerts[0]["status"]["state"], "active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_with_route_prefix() {
    let config = "route:\n  receiver: default\n  group_by: []\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n- name: default\n";
    let opts = Opts { route_prefix: Some("/foo".into()), ..Default::default() };
    // The harness polls /foo/api/v2/status until it answers.
    let am = Am::start(config, opts).await;
    let status = am.get_json("/api/v2/status").await;
    assert!(status["config"]["original"].as_str().unwrap().contains("receiver: default"));
    for p in ["/-/healthy", "/-/ready"] {
        let (code, _) = am.get(p).await;
        assert_eq!(code, 200, "{p}");
    }
    // Outside the prefix nothing is served, and `/` redirects to the prefix.
    let plain =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = plain.get(format!("http://{}/api/v2/status", am.addr)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = plain.get(format!("http://{}/", am.addr)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 302);
    assert_eq!(r.headers()["location"], "/foo");
}
