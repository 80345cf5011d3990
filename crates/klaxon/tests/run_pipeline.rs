//! The whole pipeline as a user runs it: `klaxon run` with a `prometheus.yml` scraping a local
//! exporter (an axum server whose counters the test drives), the seed-style rules (nginx
//! 4xx+5xx count and failure ratio, InstanceDown) and the embedded Alertmanager routing to a
//! mock Slack. The alerts must fire, arrive at Slack with their templated text, and resolve
//! (`send_resolved`) once the exporter is healthy again. Intervals are short (1 s) so the test
//! is quick; every wait has a generous limit, and nothing asserts how fast anything was.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

mod run_support;

use run_support::{Klaxon, Posts, get_text, mock_slack, wait_for_post};

/// The exporter: nginx-like request counters by status, advanced by a ticker.
#[derive(Default)]
struct Exporter {
    ok: AtomicU64,
    errors: AtomicU64,
    failing: AtomicBool,
}

/// One 200 ms tick of traffic: mostly errors while `failing`.
fn traffic(e: &Exporter) {
    if e.failing.load(Ordering::Relaxed) {
        e.errors.fetch_add(5, Ordering::Relaxed);
        e.ok.fetch_add(1, Ordering::Relaxed);
    } else {
        e.ok.fetch_add(5, Ordering::Relaxed);
    }
}

fn metrics(e: &Exporter) -> String {
    format!(
        "# TYPE nginx_http_requests_total counter\n\
         nginx_http_requests_total{{status=\"200\"}} {}\n\
         nginx_http_requests_total{{status=\"502\"}} {}\n",
        e.ok.load(Ordering::Relaxed),
        e.errors.load(Ordering::Relaxed)
    )
}

/// A port nothing listens on (bound, then released), for the InstanceDown target.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn write_configs(dir: &Path, exporter: &str, slack: &str, down: u16) {
    let prometheus = format!(
        "global:
  scrape_interval: 1s
  evaluation_interval: 1s
  external_labels:
    site: test
rule_files:
  - rules/*.yml
scrape_configs:
  - job_name: nginx
    static_configs:
      - targets: ['{exporter}']
  - job_name: gone
    scrape_timeout: 500ms
    static_configs:
      - targets: ['127.0.0.1:{down}']
"
    );
    // The seed rules with 5 s windows and `for: 2s` instead of minutes.
    let nginx = r#"groups:
  - name: nginx
    rules:
      - alert: NginxManyErrors
        expr: sum by (instance) (increase(nginx_http_requests_total{status=~"[45].."}[5s])) >= 10
        for: 2s
        labels:
          severity: warning
          team: web
        annotations:
          summary: 'many failed requests on {{ $labels.instance }}'
      - alert: NginxHighFailureRatio
        expr: |
          sum by (instance) (rate(nginx_http_requests_total{status=~"[45].."}[5s]))
            / sum by (instance) (rate(nginx_http_requests_total[5s])) >= 0.5
        for: 2s
        labels:
          severity: page
          team: web
        annotations:
          summary: 'failure ratio {{ $value | humanizePercentage }} on {{ $labels.instance }}'
"#;
    let availability = r#"groups:
  - name: availability
    rules:
      - alert: InstanceDown
        expr: up == 0
        for: 2s
        labels:
          severity: page
        annotations:
          summary: '{{ $labels.job }} target {{ $labels.instance }} is down'
"#;
    let alertmanager = run_support::slack_alertmanager(
        slack,
        "alertname, instance",
        "#alerts",
        "{{ range .Alerts }}({{ .Labels.site }}) {{ .Annotations.summary }}{{ end }}",
    );
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(dir.join("prometheus.yml"), prometheus).unwrap();
    std::fs::write(dir.join("rules/nginx.yml"), nginx).unwrap();
    std::fs::write(dir.join("rules/availability.yml"), availability).unwrap();
    std::fs::write(dir.join("alertmanager.yml"), alertmanager).unwrap();
}

/// `klaxon run` on `<dir>/<config>` with its store in `<dir>/data-<config>`, on free ports,
/// with `extra` flags.
fn start(dir: &Path, config: &str, extra: &[String]) -> Klaxon {
    let flags = [&["--rules.alert.resend-delay=1s".to_string()], extra].concat();
    Klaxon::start(dir, config, &format!("data-{config}"), &flags)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_rules_fire_and_resolve_through_the_embedded_alertmanager_to_slack() {
    let (exporter, exporter_addr, posts, slack_addr) = exporter_and_slack().await;
    let dir = tempfile::tempdir().unwrap();
    write_configs(dir.path(), &exporter_addr, &slack_addr, closed_port());
    let am_flags = [
        format!("--alertmanager.config.file={}", dir.path().join("alertmanager.yml").display()),
        "--alertmanager.web.listen-address=127.0.0.1:0".to_string(),
    ];
    let k = start(dir.path(), "prometheus.yml", &am_flags);
    let prom = format!("http://{}", k.address("Start listening for connections"));
    let am = format!("http://{}", k.address("Listening on"));

    // Both alerts about nginx fire and reach Slack with the templated text (the external
    // label added on the way, the annotation's template expanded).
    let many = wait_for_post(&posts, &k, "firing NginxManyErrors", |p| {
        p.contains("[FIRING] NginxManyErrors")
    })
    .await;
    assert!(many.contains(&format!("(test) many failed requests on {exporter_addr}")), "{many}");
    let ratio = wait_for_post(&posts, &k, "firing NginxHighFailureRatio", |p| {
        p.contains("[FIRING] NginxHighFailureRatio")
    })
    .await;
    assert!(ratio.contains("failure ratio 8"), "{ratio}"); // 25 of 30 a second: 83.33%
    let down =
        wait_for_post(&posts, &k, "firing InstanceDown", |p| p.contains("[FIRING] InstanceDown"))
            .await;
    assert!(down.contains("gone target 127.0.0.1:"), "{down}");

    // The APIs show it: rules and alerts on the Prometheus side, the alert in the
    // Alertmanager's API v2.
    let rules = get_text(&format!("{prom}/api/v1/rules")).await;
    assert!(rules.contains("\"name\":\"nginx\"") && rules.contains("NginxManyErrors"), "{rules}");
    let alerts = get_text(&format!("{prom}/api/v1/alerts")).await;
    assert!(alerts.contains("\"state\":\"firing\""), "{alerts}");
    let am_alerts = get_text(&format!("{am}/api/v2/alerts")).await;
    assert!(am_alerts.contains("NginxManyErrors"), "{am_alerts}");

    // A reload (SIGHUP) with unchanged files keeps everything running.
    k.signal("-HUP");

    // Healthy again: both nginx alerts resolve and Slack hears it.
    exporter.failing.store(false, Ordering::Relaxed);
    wait_for_post(&posts, &k, "resolved NginxManyErrors", |p| {
        p.contains("[RESOLVED] NginxManyErrors")
    })
    .await;
    wait_for_post(&posts, &k, "resolved NginxHighFailureRatio", |p| {
        p.contains("[RESOLVED] NginxHighFailureRatio")
    })
    .await;

    let (code, log) = k.terminate();
    assert_eq!(code, Some(0), "{log}");
    for line in [
        "Completed loading of configuration file",
        "Scrape targets discovered",
        "Rule files loaded",
        "Rule manager stopped",
        "Notification manager stopped",
        "First rule evaluation done",
        "Embedded Alertmanager stopped",
        "TSDB stopped",
    ] {
        assert!(log.contains(line), "no {line:?} in the log:\n{log}");
    }
}

/// Starts the failing exporter (25 errors and 5 successes a second while `failing`, 25
/// successes a second otherwise) and the mock Slack.
async fn exporter_and_slack() -> (Arc<Exporter>, String, Posts, String) {
    let exporter = Arc::new(Exporter::default());
    exporter.failing.store(true, Ordering::Relaxed);
    let exporter_addr = run_support::exporter(exporter.clone(), metrics, traffic).await;
    let (posts, slack_addr) = mock_slack().await;
    (exporter, exporter_addr, posts, slack_addr)
}

/// `--rules.datasource.url`: one klaxon only scrapes; a second one, with no targets of its
/// own, evaluates the same rules through the first one's query API and notifies alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_evaluate_against_a_remote_datasource() {
    let (exporter, exporter_addr, posts, slack_addr) = exporter_and_slack().await;
    let dir = tempfile::tempdir().unwrap();
    write_configs(dir.path(), &exporter_addr, &slack_addr, closed_port());
    std::fs::write(
        dir.path().join("store.yml"),
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: nginx\n    static_configs:\n      - targets: ['{exporter_addr}']\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ruler.yml"),
        "global:\n  evaluation_interval: 1s\n  external_labels:\n    site: test\nrule_files:\n  - rules/nginx.yml\n",
    )
    .unwrap();
    let store = start(dir.path(), "store.yml", &[]);
    let store_url = format!("http://{}", store.address("Start listening for connections"));
    let ruler = start(
        dir.path(),
        "ruler.yml",
        &[
            format!("--rules.datasource.url={store_url}"),
            format!("--alertmanager.config.file={}", dir.path().join("alertmanager.yml").display()),
            "--alertmanager.web.listen-address=127.0.0.1:0".to_string(),
        ],
    );
    let many = wait_for_post(&posts, &ruler, "firing NginxManyErrors", |p| {
        p.contains("[FIRING] NginxManyErrors")
    })
    .await;
    assert!(many.contains(&format!("(test) many failed requests on {exporter_addr}")), "{many}");
    exporter.failing.store(false, Ordering::Relaxed);
    wait_for_post(&posts, &ruler, "resolved NginxManyErrors", |p| {
        p.contains("[RESOLVED] NginxManyErrors")
    })
    .await;
    let (code, log) = ruler.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("Evaluating rules against a remote datasource"), "{log}");
    let (code, log) = store.terminate();
    assert_eq!(code, Some(0), "{log}");
}

async fn post_status(url: &str) -> (u16, String) {
    let r = reqwest::Client::new().post(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A reload applies `prometheus.yml`, the rule files and `alertmanager.yml` together or not at
/// all: with a broken `alertmanager.yml`, a changed rule file is not applied either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_is_all_or_nothing_across_the_three_files() {
    let dir = tempfile::tempdir().unwrap();
    write_configs(dir.path(), "127.0.0.1:1", "127.0.0.1:1", closed_port());
    let flags = [
        format!("--alertmanager.config.file={}", dir.path().join("alertmanager.yml").display()),
        "--alertmanager.web.listen-address=127.0.0.1:0".to_string(),
        "--web.enable-lifecycle".to_string(),
    ];
    let k = start(dir.path(), "prometheus.yml", &flags);
    let prom = format!("http://{}", k.address("Start listening for connections"));
    let am = format!("http://{}", k.address("Listening on"));
    let rules_file = dir.path().join("rules/availability.yml");
    let am_file = dir.path().join("alertmanager.yml");
    let good_am = std::fs::read_to_string(&am_file).unwrap();
    let rules_text = std::fs::read_to_string(&rules_file).unwrap();
    std::fs::write(&rules_file, rules_text.replace("for: 2s", "for: 7s")).unwrap();
    std::fs::write(&am_file, format!("{good_am}route: {{receiver: other}}\n")).unwrap();

    let (status, body) = post_status(&format!("{prom}/-/reload")).await;
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("alertmanager.yml:"), "{body}");
    let rules = get_text(&format!("{prom}/api/v1/rules")).await;
    assert!(rules.contains("\"duration\":2,"), "the rule change applied alone: {rules}");
    let metrics = get_text(&format!("{prom}/metrics")).await;
    assert!(metrics.contains("prometheus_config_last_reload_successful 0"), "{metrics}");

    // Both fixed: both apply, and the Alertmanager serves the new config.
    std::fs::write(&am_file, good_am.replace("repeat_interval: 1h", "repeat_interval: 2h"))
        .unwrap();
    let (status, body) = post_status(&format!("{prom}/-/reload")).await;
    assert_eq!(status, 200, "{body}");
    let rules = get_text(&format!("{prom}/api/v1/rules")).await;
    assert!(rules.contains("\"duration\":7,"), "{rules}");
    let am_status = get_text(&format!("{am}/api/v2/status")).await;
    assert!(am_status.contains("repeat_interval: 2h"), "{am_status}");
    let (code, log) = k.terminate();
    assert_eq!(code, Some(0), "{log}");
}

#[test]
fn a_bad_rule_file_stops_the_start_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    write_configs(dir.path(), "127.0.0.1:1", "127.0.0.1:1", closed_port());
    std::fs::write(
        dir.path().join("rules/nginx.yml"),
        "groups:\n  - name: x\n    rules:\n      - alert: A\n        expr: sum(\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_klaxon"))
        .arg("run")
        .arg(format!("--config.file={}", dir.path().join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
        .args(["--web.listen-address=127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    // Upstream's layout: `<file>: <line>:<col>: ...`.
    assert!(err.contains("nginx.yml: 5:19:"), "{err}");
}
