//! API v2 in front of the assembled runtime (`runtime::Alertmanager`): live alert status,
//! silences against the real silence store, groups from the real dispatcher, reload, modes,
//! persistence across a restart.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use alertmanager::runtime::{Alertmanager, ClusterOptions, Options};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use model::matcher::MatcherParseMode;
use serde_json::{Value, json};
use tower::ServiceExt;

const CONFIG: &str = r#"
route:
  receiver: default
  group_by: [alertname]
  group_wait: 10m
  group_interval: 10m
  routes:
    - receiver: team-db
      matchers: ['team="db"']
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname]
receivers:
  - name: default
  - name: team-db
    labels:
      owner: db
"#;

struct Am {
    am: Arc<Alertmanager>,
    app: Router,
    _dir: Option<tempfile::TempDir>,
}

async fn start_with(config: &str, tweak: impl FnOnce(&mut Options)) -> Am {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alertmanager.yml");
    std::fs::write(&file, config).unwrap();
    let mut opts = Options::new(&file);
    tweak(&mut opts);
    let am = Alertmanager::start(opts).await.unwrap();
    let app = api::alertmanager::router(am.clone(), "/");
    Am { am, app, _dir: Some(dir) }
}

async fn start(config: &str) -> Am {
    start_with(config, |_| {}).await
}

struct Resp {
    status: StatusCode,
    body: Vec<u8>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn call(app: &Router, method: Method, uri: &str, body: Option<Value>) -> Resp {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, |v| Body::from(v.to_string())))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap().to_vec();
    Resp { status, body }
}

async fn get(app: &Router, uri: &str) -> Value {
    let r = call(app, Method::GET, uri, None).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
    r.json()
}

async fn post_alerts(app: &Router, alerts: Value) -> Resp {
    call(app, Method::POST, "/api/v2/alerts", Some(alerts)).await
}

fn silence_for(matchers: Value) -> Value {
    let now = jiff::Timestamp::now();
    json!({
        "matchers": matchers,
        "startsAt": now.to_string(),
        "endsAt": (now + jiff::SignedDuration::from_hours(24)).to_string(),
        "createdBy": "test",
        "comment": "test",
    })
}

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn alert_by<'a>(alerts: &'a Value, name: &str, severity: &str) -> &'a Value {
    alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["labels"]["alertname"] == name && a["labels"]["severity"] == severity)
        .unwrap_or_else(|| panic!("no {name}/{severity} in {alerts}"))
}

/// Upstream's TestAlertGetReturnsCurrentAlertStatus: silenced and inhibited state show at once,
/// not at the next flush.
#[tokio::test]
async fn alert_status_is_computed_live() {
    let t = start(CONFIG).await;
    let app = &t.app;
    let r =
        post_alerts(app, json!([{"labels": {"alertname": "test1", "severity": "warning"}}])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let alerts = get(app, "/api/v2/alerts").await;
    let warning = alert_by(&alerts, "test1", "warning");
    assert_eq!(warning["status"]["state"], "active");
    assert_eq!(warning["receivers"], json!([{"name": "default"}]));

    let r = call(
        app,
        Method::POST,
        "/api/v2/silences",
        Some(silence_for(json!([{"name": "alertname", "value": "test1", "isRegex": false}]))),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let sid = r.json()["silenceID"].as_str().unwrap().to_string();
    let alerts = get(app, "/api/v2/alerts").await;
    let warning = alert_by(&alerts, "test1", "warning");
    assert_eq!(warning["status"]["state"], "suppressed");
    assert_eq!(warning["status"]["silencedBy"], json!([sid]));

    let r =
        post_alerts(app, json!([{"labels": {"alertname": "test1", "severity": "critical"}}])).await;
    assert_eq!(r.status, StatusCode::OK);
    let alerts = get(app, "/api/v2/alerts").await;
    let critical_fp = alert_by(&alerts, "test1", "critical")["fingerprint"].clone();
    let warning = alert_by(&alerts, "test1", "warning");
    assert_eq!(warning["status"]["inhibitedBy"], json!([critical_fp]));

    let r = call(app, Method::DELETE, &format!("/api/v2/silence/{sid}"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let alerts = get(app, "/api/v2/alerts").await;
    let warning = alert_by(&alerts, "test1", "warning");
    assert_eq!(warning["status"]["silencedBy"], json!([]));
    assert_eq!(warning["status"]["state"], "suppressed");
    assert_eq!(alert_by(&alerts, "test1", "critical")["status"]["state"], "active");

    // Inhibited alerts can be filtered out.
    let alerts = get(app, "/api/v2/alerts?inhibited=false").await;
    assert_eq!(alerts.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn posted_alerts_get_resolve_timeout_and_are_grouped() {
    let t = start(CONFIG).await;
    let app = &t.app;
    let r = post_alerts(
        app,
        json!([
            {"labels": {"alertname": "a", "team": "db", "empty": ""}, "annotations": {"x": "y"}, "generatorURL": "http://gen"},
            {"labels": {"alertname": "b"}}
        ]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let alerts = get(app, "/api/v2/alerts?filter=alertname%3Da").await;
    let a = &alerts[0];
    assert_eq!(a["labels"], json!({"alertname": "a", "team": "db"}), "empty label dropped");
    assert_eq!(a["generatorURL"], "http://gen");
    assert_eq!(a["receivers"], json!([{"name": "team-db"}]));
    let starts = ts(a["startsAt"].as_str().unwrap());
    let ends = ts(a["endsAt"].as_str().unwrap());
    assert_eq!((ends - starts).get_seconds(), 300, "endsAt = receive time + resolve_timeout");

    let groups = get(app, "/api/v2/alerts/groups").await;
    let groups = groups.as_array().unwrap();
    assert_eq!(groups.len(), 2, "{groups:?}");
    let db = groups.iter().find(|g| g["receiver"]["name"] == "team-db").unwrap();
    assert_eq!(db["labels"], json!({"alertname": "a"}));
    assert_eq!(db["alerts"][0]["receivers"], json!([{"name": "team-db"}]));
    let groups = get(app, "/api/v2/alerts/groups?receiver=default").await;
    assert_eq!(groups.as_array().unwrap().len(), 1);

    let r = post_alerts(app, json!([{"labels": {"alertname": "c"}, "startsAt": "2026-01-02T00:00:00Z", "endsAt": "2026-01-01T00:00:00Z"}])).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json(), json!("start time must be before end time"));
    let metrics = call(app, Method::GET, "/metrics", None).await.text();
    assert!(metrics.contains("alertmanager_alerts_invalid_total 1"), "{metrics}");
    // Invalid alerts are counted as received too, as upstream counts them.
    for line in [
        "alertmanager_alerts_received_total{status=\"firing\"} 2",
        "alertmanager_alerts_received_total{status=\"resolved\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} missing from:\n{metrics}");
    }
}

#[tokio::test]
async fn silence_update_in_place_or_new_id() {
    let t = start(CONFIG).await;
    let app = &t.app;
    let body = silence_for(json!([{"name": "a", "value": "b", "isRegex": false}]));
    let id =
        call(app, Method::POST, "/api/v2/silences", Some(body.clone())).await.json()["silenceID"]
            .as_str()
            .unwrap()
            .to_string();

    // Same matchers, active, same start, later end: updated in place.
    let mut update = body.clone();
    update["id"] = json!(id);
    update["comment"] = json!("longer");
    let r = call(app, Method::POST, "/api/v2/silences", Some(update)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["silenceID"], id);
    assert_eq!(get(app, &format!("/api/v2/silence/{id}")).await["comment"], "longer");

    // Changed matchers: a new silence, the old one expired.
    let mut changed = silence_for(json!([{"name": "a", "value": "c", "isRegex": false}]));
    changed["id"] = json!(id);
    let r = call(app, Method::POST, "/api/v2/silences", Some(changed)).await;
    assert_eq!(r.status, StatusCode::OK);
    let new_id = r.json()["silenceID"].as_str().unwrap().to_string();
    assert_ne!(new_id, id);
    assert_eq!(get(app, &format!("/api/v2/silence/{id}")).await["status"]["state"], "expired");
    let listed = get(app, "/api/v2/silences?expired=false").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], new_id);

    let mut unknown = body;
    unknown["id"] = json!("a0000000-0000-4000-8000-000000000000");
    let r = call(app, Method::POST, "/api/v2/silences", Some(unknown)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Every matcher matching the empty string is refused.
    let r = call(
        app,
        Method::POST,
        "/api/v2/silences",
        Some(silence_for(json!([{"name": "a", "value": ".*", "isRegex": true}]))),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json().as_str().unwrap().starts_with("invalid silence: "), "{}", r.text());
}

#[tokio::test]
async fn status_and_receivers_from_the_config() {
    let t = start_with(CONFIG, |o| {
        o.cluster =
            ClusterOptions { listen_address: "127.0.0.1:9094".into(), ..ClusterOptions::default() };
    })
    .await;
    let s = get(&t.app, "/api/v2/status").await;
    assert_eq!(s["cluster"]["status"], "ready");
    let name = s["cluster"]["name"].as_str().unwrap();
    assert_eq!(s["cluster"]["peers"], json!([{"name": name, "address": "127.0.0.1:9094"}]));
    assert!(s["config"]["original"].as_str().unwrap().contains("receiver: default"));
    assert!(s["uptime"].as_str().unwrap().ends_with('Z'));
    let r = get(&t.app, "/api/v2/receivers").await;
    assert_eq!(
        r,
        json!([
            {"labels": {"name": "default"}, "name": "default"},
            {"labels": {"name": "team-db", "owner": "db"}, "name": "team-db"}
        ])
    );

    let t = start(CONFIG).await;
    let s = get(&t.app, "/api/v2/status").await;
    assert_eq!(s["cluster"], json!({"status": "disabled", "peers": []}));
    let metrics = call(&t.app, Method::GET, "/metrics", None).await.text();
    for line in [
        "alertmanager_http_request_duration_seconds_count{handler=\"/api/v2/status\",method=\"get\",code=\"200\"} 1",
        "alertmanager_http_requests_in_flight{method=\"get\"} 1",
        "alertmanager_http_concurrency_limit_exceeded_total{method=\"get\"} 0",
        "alertmanager_receivers 2",
        "alertmanager_inhibition_rules 1",
        "alertmanager_cluster_enabled 0",
        "alertmanager_config_last_reload_successful 1",
    ] {
        assert!(metrics.contains(line), "{line} missing from:\n{metrics}");
    }
}

#[tokio::test]
async fn reload_keeps_the_old_config_on_error() {
    let t = start(CONFIG).await;
    let dir = t._dir.as_ref().unwrap().path().to_path_buf();
    let file = dir.join("alertmanager.yml");
    let app = &t.app;
    post_alerts(app, json!([{"labels": {"alertname": "keep"}}])).await;

    std::fs::write(
        &file,
        CONFIG
            .replace("name: team-db", "name: team-db2")
            .replace("receiver: team-db", "receiver: team-db2"),
    )
    .unwrap();
    let r = call(app, Method::POST, "/-/reload", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let names: Vec<Value> = get(app, "/api/v2/receivers")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("default"), json!("team-db2")]);
    assert_eq!(
        get(app, "/api/v2/alerts").await.as_array().unwrap().len(),
        1,
        "alerts survive reloads"
    );

    std::fs::write(&file, "route:\n  receiver: nobody\n").unwrap();
    let r = call(app, Method::POST, "/-/reload", None).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.text().starts_with("failed to reload config: "), "{}", r.text());
    let names: Vec<Value> = get(app, "/api/v2/receivers")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("default"), json!("team-db2")], "old config still running");
    let metrics = call(app, Method::GET, "/metrics", None).await.text();
    assert!(metrics.contains("alertmanager_config_last_reload_successful 0"), "{metrics}");
    // And the in-process API agrees.
    assert!(t.am.reload().await.is_err());
}

#[tokio::test]
async fn utf8_names_by_default_rejected_in_classic_mode() {
    let body = json!([{"labels": {"a": "a", "00": "b", "Σ": "c", "\u{1F642}": "dΘ"}}]);
    let sil = silence_for(json!([{"name": "fooΣ", "value": "bar🙂", "isRegex": false}]));

    let t = start(CONFIG).await;
    assert_eq!(post_alerts(&t.app, body.clone()).await.status, StatusCode::OK);
    for f in ["00%3Db", "%CE%A3%3Dc", "%22%F0%9F%99%82%22%3Dd%CE%98"] {
        assert_eq!(
            get(&t.app, &format!("/api/v2/alerts?filter={f}")).await.as_array().unwrap().len(),
            1,
            "{f}"
        );
    }
    let groups = get(&t.app, "/api/v2/alerts/groups").await;
    assert_eq!(groups.as_array().unwrap().len(), 1);
    assert_eq!(
        call(&t.app, Method::POST, "/api/v2/silences", Some(sil.clone())).await.status,
        StatusCode::OK
    );
    let listed = get(&t.app, "/api/v2/silences?filter=foo%CE%A3%3Dbar%F0%9F%99%82").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let t = start_with(CONFIG, |o| o.matcher_mode = MatcherParseMode::Classic).await;
    let r = post_alerts(&t.app, body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json().as_str().unwrap().contains("invalid label set"), "{}", r.text());
    let r = call(&t.app, Method::POST, "/api/v2/silences", Some(sil)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.json().as_str().unwrap().contains("invalid silence: invalid label matcher"),
        "{}",
        r.text()
    );
    // Classic mode still takes non-ASCII label values.
    let r = post_alerts(&t.app, json!([{"labels": {"alertname": "Σ", "x": "🙂"}}])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn alerts_and_silences_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alertmanager.yml");
    std::fs::write(&file, CONFIG).unwrap();
    let data = dir.path().join("data");
    let opts = |data: &Path| {
        let mut o = Options::new(&file);
        o.storage_path = Some(data.to_path_buf());
        o
    };
    let am = Alertmanager::start(opts(&data)).await.unwrap();
    let app = api::alertmanager::router(am.clone(), "/");
    post_alerts(&app, json!([{"labels": {"alertname": "persisted"}}])).await;
    let sid = call(
        &app,
        Method::POST,
        "/api/v2/silences",
        Some(silence_for(json!([{"name": "alertname", "value": "persisted", "isRegex": false}]))),
    )
    .await
    .json()["silenceID"]
        .clone();
    am.shutdown().await;
    drop(app);
    drop(am);

    let am = Alertmanager::start(opts(&data)).await.unwrap();
    let app = api::alertmanager::router(am.clone(), "/");
    let alerts = get(&app, "/api/v2/alerts").await;
    assert_eq!(alerts.as_array().unwrap().len(), 1);
    assert_eq!(alerts[0]["status"]["silencedBy"], json!([sid]));
    am.shutdown().await;
}

#[tokio::test]
async fn route_prefix_on_the_runtime() {
    let t = start(CONFIG).await;
    let app = api::alertmanager::router(t.am.clone(), "/foo");
    assert_eq!(call(&app, Method::GET, "/foo/api/v2/status", None).await.status, StatusCode::OK);
    assert_eq!(call(&app, Method::GET, "/foo/-/ready", None).await.status, StatusCode::OK);
    assert_eq!(call(&app, Method::GET, "/foo/api/v1/status", None).await.status, StatusCode::GONE);
}

#[tokio::test]
async fn served_on_a_real_listener() {
    let t = start(CONFIG).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(api::alertmanager::serve(listener, t.app.clone(), async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::new();
    let r = client.get(format!("http://{addr}/api/v2/status")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let r = client
        .post(format!("http://{addr}/api/v2/alerts"))
        .json(&json!([{"labels": {"alertname": "net"}}]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// Polls `check` every 50 ms for up to 10 s.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn flushes_reach_the_webhook_and_mute_intervals_show_in_groups() {
    // A mock webhook that records every body.
    let received: Arc<parking_lot::Mutex<Vec<Value>>> = Arc::default();
    let mock = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let received = received.clone();
            move |body: axum::Json<Value>| async move {
                received.lock().push(body.0);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, mock).await });

    let config = format!(
        r#"
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 1h
  routes:
    - receiver: hook
      matchers: ['muted="yes"']
      mute_time_intervals: [always]
time_intervals:
  - name: always
    time_intervals:
      - times:
          - start_time: '00:00'
            end_time: '24:00'
receivers:
  - name: hook
    webhook_configs:
      - url: http://{addr}/hook
"#
    );
    let t = start(&config).await;
    let app = &t.app;
    let r = post_alerts(
        app,
        json!([{"labels": {"alertname": "loud"}}, {"labels": {"alertname": "quiet", "muted": "yes"}}]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    eventually("the webhook notification", async || !received.lock().is_empty()).await;
    let got = received.lock().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["receiver"], "hook");
    assert_eq!(got[0]["status"], "firing");
    assert_eq!(got[0]["groupKey"], "{}:{alertname=\"loud\"}");
    assert_eq!(got[0]["alerts"][0]["labels"]["alertname"], "loud");

    eventually("the muted group", async || {
        let groups = get(app, "/api/v2/alerts/groups").await;
        groups
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["alerts"][0]["status"]["mutedBy"] == json!(["always"]))
    })
    .await;
    let groups = get(app, "/api/v2/alerts/groups").await;
    let quiet =
        groups.as_array().unwrap().iter().find(|g| g["labels"]["alertname"] == "quiet").unwrap();
    assert_eq!(quiet["alerts"][0]["status"]["state"], "suppressed");
    let unmuted = get(app, "/api/v2/alerts/groups?muted=false").await;
    assert_eq!(unmuted.as_array().unwrap().len(), 1);
    assert_eq!(unmuted[0]["labels"]["alertname"], "loud");
    // The alert listing does not report group muting (upstream passes no mutedBy there).
    let alerts = get(app, "/api/v2/alerts?filter=alertname%3Dquiet").await;
    assert_eq!(alerts[0]["status"]["state"], "active");
    assert_eq!(received.lock().len(), 1, "the muted group sent nothing");
}
