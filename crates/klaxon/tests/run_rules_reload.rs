//! Reloads never cost a notification (issue 7): `klaxon run` evaluates an alert every second
//! and sends it after every evaluation, while the test reloads `prometheus.yml` and the rule
//! file eight times, moving `alerting.alertmanagers` back and forth between two mock
//! Alertmanagers and changing `global.external_labels` and the rule's annotation each time. Prometheus
//! 2.42's notifier has no Alertmanager for up to 5 s after such a reload and drops what the
//! rules send meanwhile; klaxon must deliver the alert of every evaluation to one of the two,
//! with the external labels of the config in force, and count nothing as dropped.
//!
//! Every wait has a generous limit; nothing asserts how fast anything was.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::routing::post;

mod run_support;

use run_support::{Klaxon, PATIENCE, serve};

/// A mock Alertmanager: every alert of every `POST /api/v2/alerts`.
type Received = Arc<Mutex<Vec<serde_json::Value>>>;

async fn receive(State(got): State<Received>, body: String) -> &'static str {
    let alerts: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    got.lock().unwrap().extend(alerts);
    ""
}

async fn mock_alertmanager() -> (String, Received) {
    let got = Received::default();
    let app = Router::new().route("/api/v2/alerts", post(receive)).with_state(got.clone());
    (serve(app).await, got)
}

/// Version `k` of the two files: Alertmanager `am`, external label `dc=dc<k>`, annotation
/// `version: v<k>`.
fn write_configs(dir: &Path, k: usize, am: &str) {
    let prometheus = format!(
        "global:
  evaluation_interval: 1s
  external_labels:
    dc: dc{k}
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['{am}']
"
    );
    let rules = format!(
        "groups:
  - name: tick
    rules:
      - alert: Tick
        expr: vector(time())
        annotations:
          at: '{{{{ $value }}}}'
          version: v{k}
          dc: '{{{{ $externalLabels.dc }}}}'
"
    );
    std::fs::write(dir.join("prometheus.yml"), prometheus).unwrap();
    std::fs::write(dir.join("rules.yml"), rules).unwrap();
}

/// `klaxon run` on `<dir>/prometheus.yml` with the lifecycle API, on a free port.
fn start(dir: &Path) -> Klaxon {
    let flags = [
        // Sent after every evaluation: one notification per evaluation to count.
        "--rules.alert.resend-delay=1ms".to_string(),
        "--web.enable-lifecycle".to_string(),
    ];
    Klaxon::start(dir, "prometheus.yml", "data", &flags)
}

/// The sum of the samples of `name` (any labels) in the exposition `text`.
fn metric_sum(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Waits until `got` holds an alert of the rules of version `v`.
async fn wait_for_version(got: &Received, k: &Klaxon, v: usize) {
    let want = format!("v{v}");
    let deadline = Instant::now() + PATIENCE;
    while !got.lock().unwrap().iter().any(|a| annotation(a, "version") == want) {
        assert!(Instant::now() < deadline, "no alert of {want} arrived:\n{}", k.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for_alerts(got: &Received, k: &Klaxon, n: usize) {
    let deadline = Instant::now() + PATIENCE;
    while got.lock().unwrap().len() < n {
        assert!(Instant::now() < deadline, "no alerts arrived:\n{}", k.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn annotation(a: &serde_json::Value, name: &str) -> String {
    a["annotations"][name].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloads_between_evaluations_drop_no_notification() {
    let (am_a, got_a) = mock_alertmanager().await;
    let (am_b, got_b) = mock_alertmanager().await;
    let dir = tempfile::tempdir().unwrap();
    write_configs(dir.path(), 0, &am_a);
    let k = start(dir.path());
    let url = k.url();
    wait_for_alerts(&got_a, &k, 2).await;

    let http = reqwest::Client::new();
    const RELOADS: usize = 8;
    for i in 1..=RELOADS {
        // Reloads at varying points between the evaluations, in pairs: the first of a pair
        // moves to the other Alertmanager, the second follows right after (the notifier is
        // still waiting for discovery to report the new one then).
        tokio::time::sleep(Duration::from_millis(450 + 370 * (i as u64 % 3))).await;
        let (addr, got) = if i.div_ceil(2) % 2 == 1 { (&am_b, &got_b) } else { (&am_a, &got_a) };
        write_configs(dir.path(), i, addr);
        let r = http.post(format!("{url}/-/reload")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
        if i % 2 == 0 {
            wait_for_version(got, &k, i).await;
        }
    }
    let metrics = http.get(format!("{url}/metrics")).send().await.unwrap().text().await.unwrap();
    let last_eval = metric_sum(&metrics, "prometheus_rule_group_last_evaluation_timestamp_seconds");
    assert_eq!(metric_sum(&metrics, "prometheus_notifications_dropped_total"), 0.0, "{metrics}");
    assert_eq!(metric_sum(&metrics, "prometheus_notifications_errors_total"), 0.0, "{metrics}");
    assert_eq!(k.terminate().0, Some(0));

    let a = got_a.lock().unwrap().clone();
    let b = got_b.lock().unwrap().clone();
    assert!(!b.is_empty(), "Alertmanager B never got an alert");
    let mut all: Vec<(f64, String, String, String)> = a
        .iter()
        .chain(&b)
        .map(|x| {
            let at: f64 = annotation(x, "at").parse().unwrap();
            let dc = x["labels"]["dc"].as_str().unwrap_or_default().to_string();
            (at, annotation(x, "version"), annotation(x, "dc"), dc)
        })
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    all.dedup_by(|x, y| x.0 == y.0);
    // One alert per evaluation, none missing: evaluation times one second apart, from the
    // first to the last evaluation before the metrics were read.
    let times: Vec<f64> = all.iter().map(|x| x.0).collect();
    assert!(times.len() > RELOADS + 4, "{times:?}");
    for w in times.windows(2) {
        assert!((w[1] - w[0] - 1.0).abs() < 1e-3, "an evaluation's alert is missing: {times:?}");
    }
    // (The metric is the wall time the evaluation started, just after its slot.)
    assert!(times.last().is_some_and(|t| *t >= last_eval - 0.5), "{times:?} vs {last_eval}");
    // The annotation's version and `$externalLabels` come from the same config, the versions
    // only go forward.
    let mut version = 0;
    for (at, v, dc_annotation, dc_label) in &all {
        let n: usize = v.trim_start_matches('v').parse().unwrap();
        assert!(n >= version, "version went back at {at}: {all:?}");
        version = n;
        assert_eq!(dc_annotation, &format!("dc{n}"), "$externalLabels at {at}: {all:?}");
        // The notifier takes the new config a moment before the rules do (see
        // commands/run/control.rs): an evaluation in between has the next external label.
        let next = format!("dc{}", n + 1);
        assert!(dc_label == &format!("dc{n}") || dc_label == &next, "label at {at}: {all:?}");
    }
    assert_eq!(version, RELOADS, "the last reload's rules evaluated");
}
