//! The notifier against a local Alertmanager stand-in (axum on a loopback port) that records
//! every request. Assertions wait for requests to arrive, never for time to pass.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Helpers outside #[test] fns: test code.

use std::collections::{BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use model::labels::Labels;
use parking_lot::Mutex;
use prometheus_client::registry::Registry;
use rules::notifier::{Notifier, NotifierOptions};
use rules::seams::{Alert, AlertSink};
use scrape::discovery::DiscoveryOptions;
use tokio::sync::{Notify, Semaphore, mpsc};

#[derive(Debug, Clone)]
struct Recorded {
    path: String,
    headers: HeaderMap,
    body: String,
}

/// What the stand-in answers, in order; afterwards 200.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Status(u16),
    Hang,
}

#[derive(Debug)]
struct FakeAm {
    tx: mpsc::UnboundedSender<Recorded>,
    script: Mutex<VecDeque<Answer>>,
    /// When set, each request waits for a permit before answering.
    gate: Option<Arc<Semaphore>>,
}

async fn handler(
    State(am): State<Arc<FakeAm>>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let _ = am.tx.send(Recorded { path: uri.path().to_owned(), headers, body });
    if let Some(gate) = &am.gate {
        gate.acquire().await.expect("gate open").forget();
    }
    let answer = am.script.lock().pop_front();
    match answer {
        None => StatusCode::OK,
        Some(Answer::Status(s)) => StatusCode::from_u16(s).unwrap(),
        Some(Answer::Hang) => std::future::pending().await,
    }
}

struct Am {
    addr: SocketAddr,
    rx: mpsc::UnboundedReceiver<Recorded>,
    gate: Arc<Semaphore>,
}

impl Am {
    async fn start(script: &[Answer], gated: bool) -> Am {
        let (tx, rx) = mpsc::unbounded_channel();
        let gate = Arc::new(Semaphore::new(0));
        let state = Arc::new(FakeAm {
            tx,
            script: Mutex::new(script.iter().copied().collect()),
            gate: gated.then(|| gate.clone()),
        });
        let app = Router::new().fallback(axum::routing::post(handler)).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Am { addr, rx, gate }
    }

    async fn next(&mut self) -> Recorded {
        self.rx.recv().await.expect("stand-in alive")
    }

    /// The alerts (as JSON values) of the next request.
    async fn next_alerts(&mut self) -> Vec<serde_json::Value> {
        let r = self.next().await;
        serde_json::from_str::<Vec<serde_json::Value>>(&r.body).unwrap()
    }
}

fn alert(name: &str, i: usize) -> Alert {
    Alert {
        labels: Labels::from_pairs([("alertname", name.to_owned()), ("i", i.to_string())]),
        annotations: Labels::default(),
        starts_at_ms: 1_714_557_600_000,
        ends_at_ms: 1_714_557_840_000,
        generator_url: String::new(),
    }
}

fn alerts(name: &str, range: std::ops::Range<usize>) -> Vec<Alert> {
    range.map(|i| alert(name, i)).collect()
}

fn index_of(v: &serde_json::Value) -> usize {
    v["labels"]["i"].as_str().unwrap().parse().unwrap()
}

fn options(capacity: usize, batch: usize, drain: bool) -> NotifierOptions {
    NotifierOptions {
        queue_capacity: capacity,
        batch_size: batch,
        drain_on_shutdown: drain,
        discovery: DiscoveryOptions {
            update_interval: Duration::from_millis(20),
            ..DiscoveryOptions::default()
        },
        ..NotifierOptions::default()
    }
}

/// `prometheus.yml` with `alerting:` = `alerting_yaml` (indented by the caller).
fn load(yaml: &str) -> (config::AlertingConfig, Labels) {
    let cfg = config::load_str(yaml, Path::new("/"), "prometheus.yml").unwrap();
    (cfg.alerting, Labels::from_pairs(cfg.global.external_labels.iter()))
}

fn static_config(addr: SocketAddr) -> String {
    format!("alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['{addr}']\n")
}

/// Applies the config and waits until discovery produced `expected` active URLs.
async fn apply(n: &Notifier, yaml: &str, expected: usize) {
    let (alerting, ext) = load(yaml);
    n.apply_config(&alerting, &ext).await.unwrap();
    wait_for(|| n.alertmanagers().len() == expected).await;
}

async fn wait_for(mut cond: impl FnMut() -> bool) {
    while !cond() {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn metrics_text(n: &Notifier) -> String {
    let mut registry = Registry::default();
    n.register_metrics(&mut registry);
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &registry).unwrap();
    out
}

/// The value of the series `name{alertmanager="url"}`.
fn metric(n: &Notifier, name: &str, url: &str) -> f64 {
    let text = metrics_text(n);
    let prefix = format!("{name}{{alertmanager=\"{url}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {prefix} in\n{text}"))
}

fn url(addr: SocketAddr) -> String {
    format!("http://{addr}/api/v2/alerts")
}

#[tokio::test]
async fn body_headers_and_url_match_prometheus() {
    let mut am = Am::start(&[], false).await;
    let n = Notifier::new(NotifierOptions {
        user_agent: "Prometheus/test".into(),
        ..options(100, 256, true)
    });
    let yaml = format!(
        "alerting:\n  alertmanagers:\n    - path_prefix: /am/\n      static_configs:\n        - targets: ['{}']\n",
        am.addr
    );
    apply(&n, &yaml, 1).await;
    assert_eq!(n.alertmanagers(), vec![format!("http://{}/am/api/v2/alerts", am.addr)]);

    let a = Alert {
        labels: Labels::from_pairs([("alertname", "High<Load>"), ("severity", "page")]),
        annotations: Labels::from_pairs([("summary", "load & more")]),
        starts_at_ms: 1_714_557_600_000,
        ends_at_ms: 1_714_557_840_007,
        generator_url: "http://prom:9090/graph?g0.expr=up".into(),
    };
    let b = Alert { annotations: Labels::default(), generator_url: String::new(), ..alert("B", 1) };
    n.send(vec![a, b]);
    let r = am.next().await;
    assert_eq!(r.path, "/am/api/v2/alerts");
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(r.headers["user-agent"], "Prometheus/test");
    assert_eq!(
        r.body,
        concat!(
            r#"[{"annotations":{"summary":"load \u0026 more"},"endsAt":"2024-05-01T10:04:00.007Z","#,
            r#""startsAt":"2024-05-01T10:00:00.000Z","generatorURL":"http://prom:9090/graph?g0.expr=up","#,
            r#""labels":{"alertname":"High\u003cLoad\u003e","severity":"page"}},"#,
            r#"{"endsAt":"2024-05-01T10:04:00.000Z","startsAt":"2024-05-01T10:00:00.000Z","#,
            r#""labels":{"alertname":"B","i":"1"}}]"#
        )
    );
    n.stop().await;
    assert_eq!(metric(&n, "prometheus_notifications_sent_total", &url_with(&am, "/am")), 2.0);
}

fn url_with(am: &Am, prefix: &str) -> String {
    format!("http://{}{prefix}/api/v2/alerts", am.addr)
}

#[tokio::test]
async fn batches_of_batch_size() {
    let mut am = Am::start(&[], false).await;
    let n = Notifier::new(options(1000, 256, true));
    apply(&n, &static_config(am.addr), 1).await;
    n.send(alerts("A", 0..600));
    let sizes =
        [am.next_alerts().await, am.next_alerts().await, am.next_alerts().await].map(|b| b.len());
    assert_eq!(sizes, [256, 256, 88]);
    n.stop().await;
    assert_eq!(metric(&n, "prometheus_notifications_sent_total", &url(am.addr)), 600.0);
}

#[tokio::test]
async fn external_labels_then_global_then_set_relabel() {
    let mut am = Am::start(&[], false).await;
    let n = Notifier::new(options(100, 256, true));
    let yaml = format!(
        r#"global:
  external_labels:
    cluster: eu1
    severity: ignored
alerting:
  alert_relabel_configs:
    - source_labels: [cluster]
      target_label: region
      regex: (eu)\d
    - source_labels: [alertname]
      regex: Drop.*
      action: drop
  alertmanagers:
    - static_configs:
        - targets: ['{}']
      alert_relabel_configs:
        - source_labels: [region]
          target_label: routed
          replacement: via-$1
"#,
        am.addr
    );
    apply(&n, &yaml, 1).await;
    let mut a = alert("Keep", 0);
    a.labels = Labels::from_pairs([("alertname", "Keep"), ("severity", "page")]);
    n.send(vec![alert("DropMe", 1), a]);
    let got = am.next_alerts().await;
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0]["labels"],
        serde_json::json!({
            "alertname": "Keep", "cluster": "eu1", "region": "eu",
            "routed": "via-eu", "severity": "page"
        })
    );
    n.stop().await;
}

#[tokio::test]
async fn overflow_drops_the_oldest() {
    let mut am = Am::start(&[], true).await;
    let n = Notifier::new(options(10, 5, true));
    apply(&n, &static_config(am.addr), 1).await;
    let u = url(am.addr);

    // The first batch is in flight (held by the gate); the queue is empty again.
    n.send(alerts("A", 0..5));
    assert_eq!(am.next_alerts().await.len(), 5);
    // More than the capacity at once: the oldest of the list go.
    n.send(alerts("A", 100..115));
    assert_eq!(metric(&n, "prometheus_notifications_dropped_total", &u), 5.0);
    assert_eq!(metric(&n, "prometheus_notifications_queue_length", &u), 10.0);
    // A full queue: the oldest queued go for the new ones.
    n.send(alerts("A", 200..203));
    assert_eq!(metric(&n, "prometheus_notifications_dropped_total", &u), 8.0);

    am.gate.add_permits(10);
    let mut got = Vec::new();
    got.extend(am.next_alerts().await.iter().map(index_of));
    got.extend(am.next_alerts().await.iter().map(index_of));
    assert_eq!(got, vec![108, 109, 110, 111, 112, 113, 114, 200, 201, 202]);
    n.stop().await;
    assert_eq!(metric(&n, "prometheus_notifications_sent_total", &u), 15.0);
    assert!(metrics_text(&n).contains("\nprometheus_notifications_queue_capacity 10\n"));
}

#[tokio::test]
async fn errors_are_counted_and_not_retried() {
    let mut am = Am::start(&[Answer::Status(500), Answer::Status(404)], false).await;
    let n = Notifier::new(options(100, 256, true));
    apply(&n, &static_config(am.addr), 1).await;
    let u = url(am.addr);
    n.send(alerts("A", 0..3));
    assert_eq!(am.next_alerts().await.len(), 3);
    n.send(alerts("B", 0..2));
    assert_eq!(am.next_alerts().await.len(), 2);
    n.send(alerts("C", 0..1));
    // The next request carries only the new alert: nothing was retried.
    let third = am.next_alerts().await;
    assert_eq!(third.len(), 1);
    assert_eq!(third[0]["labels"]["alertname"], "C");
    n.stop().await;
    assert_eq!(metric(&n, "prometheus_notifications_errors_total", &u), 5.0);
    assert_eq!(metric(&n, "prometheus_notifications_dropped_total", &u), 5.0);
    assert_eq!(metric(&n, "prometheus_notifications_sent_total", &u), 1.0);
}

#[tokio::test(start_paused = true)]
async fn a_hanging_alertmanager_times_out_and_the_loop_goes_on() {
    let mut am = Am::start(&[Answer::Hang], false).await;
    let n = Notifier::new(options(100, 256, true));
    let yaml = format!(
        "alerting:\n  alertmanagers:\n    - timeout: 3s\n      static_configs:\n        - targets: ['{}']\n",
        am.addr
    );
    apply(&n, &yaml, 1).await;
    let u = url(am.addr);
    n.send(alerts("A", 0..2));
    am.next().await;
    // The paused clock jumps to the request deadline once everything is idle.
    wait_for(|| metric(&n, "prometheus_notifications_errors_total", &u) == 2.0).await;
    n.send(alerts("B", 0..1));
    assert_eq!(am.next_alerts().await[0]["labels"]["alertname"], "B");
    n.stop().await;
    assert_eq!(metric(&n, "prometheus_notifications_sent_total", &u), 1.0);
}

#[tokio::test]
async fn stop_drains_the_queue() {
    let mut am = Am::start(&[], true).await;
    let n = Notifier::new(options(100, 4, true));
    apply(&n, &static_config(am.addr), 1).await;
    n.send(alerts("A", 0..4));
    am.next().await;
    n.send(alerts("A", 4..10));
    let stopping = tokio::spawn({
        let n = n.clone();
        async move { n.stop().await }
    });
    am.gate.add_permits(100);
    stopping.await.unwrap();
    let mut got = BTreeSet::new();
    while let Ok(r) = am.rx.try_recv() {
        let v: Vec<serde_json::Value> = serde_json::from_str(&r.body).unwrap();
        got.extend(v.iter().map(index_of));
    }
    assert_eq!(got, (4..10).collect());
    assert_eq!(metric(&n, "prometheus_notifications_sent_total", &url(am.addr)), 10.0);
    // Stopped: new alerts are ignored.
    n.send(alerts("late", 0..1));
    assert!(am.rx.try_recv().is_err());
}

#[tokio::test]
async fn stop_without_drain_drops_the_queue() {
    let mut am = Am::start(&[], true).await;
    let n = Notifier::new(options(100, 4, false));
    apply(&n, &static_config(am.addr), 1).await;
    n.send(alerts("A", 0..4));
    am.next().await;
    n.send(alerts("A", 4..10));
    let stopping = tokio::spawn({
        let n = n.clone();
        async move { n.stop().await }
    });
    am.gate.add_permits(100);
    stopping.await.unwrap();
    let u = url(am.addr);
    assert_eq!(metric(&n, "prometheus_notifications_dropped_total", &u), 6.0);
    assert_eq!(metric(&n, "prometheus_notifications_sent_total", &u), 4.0);
    assert!(am.rx.try_recv().is_err());
}

#[tokio::test]
async fn relabelled_targets_duplicates_and_dropped_alertmanagers() {
    let am = Am::start(&[], false).await;
    let n = Notifier::new(options(100, 256, true));
    let yaml = format!(
        r#"alerting:
  alertmanagers:
    - static_configs:
        - targets: ['{a}', '{a}', 'drop.me:9093']
          labels:
            __alerts_path__: /custom/alerts
        - targets: ['{a}']
      relabel_configs:
        - source_labels: [__address__]
          regex: drop\.me.*
          action: drop
"#,
        a = am.addr
    );
    let (alerting, ext) = load(&yaml);
    n.apply_config(&alerting, &ext).await.unwrap();
    wait_for(|| !n.dropped_alertmanagers().is_empty()).await;
    assert_eq!(n.alertmanagers(), vec![format!("http://{}/custom/alerts", am.addr), url(am.addr)]);
    assert_eq!(n.dropped_alertmanagers(), vec!["http://drop.me:9093/custom/alerts".to_owned()]);
    assert!(metrics_text(&n).contains("prometheus_notifications_alertmanagers_discovered 2"));
    n.stop().await;
}

/// Alerts sent without pause while the config moves from one Alertmanager to another all
/// arrive somewhere: the old set serves until discovery has reported the new one.
#[tokio::test]
async fn reload_loses_no_alerts() {
    let mut old = Am::start(&[], false).await;
    let mut new = Am::start(&[], false).await;
    let n = Notifier::new(NotifierOptions {
        discovery: DiscoveryOptions {
            // Upstream's interval: the gap in which Prometheus would drop alerts.
            update_interval: Duration::from_millis(300),
            ..DiscoveryOptions::default()
        },
        ..options(100_000, 256, true)
    });
    apply(&n, &static_config(old.addr), 1).await;

    let total = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let done = Arc::new(Notify::new());
    let sender = tokio::spawn({
        let (n, total, done) = (n.clone(), total.clone(), done.clone());
        async move {
            let mut i = 0;
            loop {
                n.send(vec![alert("R", i)]);
                i += 1;
                total.store(i, std::sync::atomic::Ordering::SeqCst);
                tokio::select! {
                    _ = done.notified() => return,
                    _ = tokio::time::sleep(Duration::from_millis(1)) => {}
                }
            }
        }
    });
    wait_for(|| total.load(std::sync::atomic::Ordering::SeqCst) > 20).await;
    let (alerting, ext) = load(&static_config(new.addr));
    n.apply_config(&alerting, &ext).await.unwrap();
    // Alerts keep flowing until the new Alertmanager has had some.
    let first_new = new.next_alerts().await;
    assert!(!first_new.is_empty());
    done.notify_one();
    sender.await.unwrap();
    n.stop().await;

    let sent = total.load(std::sync::atomic::Ordering::SeqCst);
    let mut got = BTreeSet::new();
    got.extend(first_new.iter().map(index_of));
    for am in [&mut old, &mut new] {
        while let Ok(r) = am.rx.try_recv() {
            let v: Vec<serde_json::Value> = serde_json::from_str(&r.body).unwrap();
            got.extend(v.iter().map(index_of));
        }
    }
    let missing: Vec<usize> = (0..sent).filter(|i| !got.contains(i)).collect();
    assert!(missing.is_empty(), "lost {} of {sent}: {missing:?}", missing.len());
    assert_eq!(n.alertmanagers(), vec![url(new.addr)]);
}

/// A reload that changes a set but keeps its Alertmanager: what the old loop held moves to
/// the new loop and arrives once.
#[tokio::test]
async fn reload_with_the_same_alertmanager_moves_the_queue() {
    let mut am = Am::start(&[], true).await;
    let n = Notifier::new(options(1000, 5, true));
    apply(&n, &static_config(am.addr), 1).await;
    n.send(alerts("A", 0..5));
    am.next().await;
    n.send(alerts("A", 5..12));
    let changed = format!(
        "alerting:\n  alertmanagers:\n    - timeout: 7s\n      static_configs:\n        - targets: ['{}']\n",
        am.addr
    );
    let (alerting, ext) = load(&changed);
    n.apply_config(&alerting, &ext).await.unwrap();
    n.send(alerts("A", 12..14));
    am.gate.add_permits(100);
    n.stop().await;
    let mut got = Vec::new();
    while let Ok(r) = am.rx.try_recv() {
        let v: Vec<serde_json::Value> = serde_json::from_str(&r.body).unwrap();
        got.extend(v.iter().map(index_of));
    }
    got.sort_unstable();
    assert_eq!(got, (5..14).collect::<Vec<_>>());
}

/// Alerts sent before discovery first reported (start-up) are held, not dropped as upstream
/// drops them, and go out once the Alertmanagers are known.
#[tokio::test]
async fn alerts_before_the_first_discovery_are_held() {
    let mut am = Am::start(&[], false).await;
    let n = Notifier::new(NotifierOptions {
        discovery: DiscoveryOptions {
            update_interval: Duration::from_millis(300),
            ..DiscoveryOptions::default()
        },
        ..options(100, 256, true)
    });
    let (alerting, ext) = load(&static_config(am.addr));
    n.apply_config(&alerting, &ext).await.unwrap();
    n.send(alerts("Early", 0..3));
    wait_for(|| n.alertmanagers().len() == 1).await;
    n.stop().await;
    let mut got = Vec::new();
    while let Ok(r) = am.rx.try_recv() {
        let v: Vec<serde_json::Value> = serde_json::from_str(&r.body).unwrap();
        got.extend(v.iter().map(index_of));
    }
    assert_eq!(got, vec![0, 1, 2]);
}
