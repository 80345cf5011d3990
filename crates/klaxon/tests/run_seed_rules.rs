//! The rest of the seed-style rules end to end (run_pipeline.rs covers the nginx count and
//! ratio and InstanceDown): HighErrorRate (a 5xx ratio), NoOrdersPlaced (`rate(...) == 0`
//! for a while) and node memory above a threshold with `$labels.instance` and `$value` in the
//! message. `klaxon run` scrapes a local exporter the test drives, the embedded Alertmanager
//! routes to a mock Slack; each alert must stay quiet while the exporter is healthy, fire with
//! its templated text once it is not, and resolve when it is healthy again. Windows and
//! `for` are seconds instead of minutes; every wait has a generous limit, and nothing asserts
//! how fast anything was.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

mod run_support;

use run_support::{Klaxon, PATIENCE, Posts, mock_slack, wait_for_post};

/// The shop's exporter: requests by status, orders placed, node memory.
#[derive(Default)]
struct Exporter {
    ok: AtomicU64,
    errors: AtomicU64,
    orders: AtomicU64,
    unhealthy: AtomicBool,
}

const MEM_TOTAL: u64 = 8 << 30;

/// One 200 ms tick of traffic: while `unhealthy`, 80% errors and no orders.
fn traffic(e: &Exporter) {
    if e.unhealthy.load(Ordering::Relaxed) {
        e.errors.fetch_add(4, Ordering::Relaxed);
        e.ok.fetch_add(1, Ordering::Relaxed);
    } else {
        e.ok.fetch_add(5, Ordering::Relaxed);
        e.orders.fetch_add(1, Ordering::Relaxed);
    }
}

fn metrics(e: &Exporter) -> String {
    // 5% available when unhealthy (95% used), 60% otherwise.
    let available =
        if e.unhealthy.load(Ordering::Relaxed) { MEM_TOTAL / 20 } else { MEM_TOTAL * 3 / 5 };
    format!(
        "# TYPE http_requests_total counter\n\
         http_requests_total{{status=\"200\"}} {}\n\
         http_requests_total{{status=\"500\"}} {}\n\
         # TYPE orders_created_total counter\n\
         orders_created_total {}\n\
         # TYPE node_memory_MemAvailable_bytes gauge\n\
         node_memory_MemAvailable_bytes {available}\n\
         # TYPE node_memory_MemTotal_bytes gauge\n\
         node_memory_MemTotal_bytes {MEM_TOTAL}\n",
        e.ok.load(Ordering::Relaxed),
        e.errors.load(Ordering::Relaxed),
        e.orders.load(Ordering::Relaxed),
    )
}

fn write_configs(dir: &Path, exporter: &str, slack: &str) {
    let prometheus = format!(
        "global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [shop.yml]
scrape_configs:
  - job_name: shop
    static_configs:
      - targets: ['{exporter}']
"
    );
    let rules = r#"groups:
  - name: shop
    rules:
      - alert: HighErrorRate
        expr: |
          sum by (instance) (rate(http_requests_total{status=~"5.."}[5s]))
            / sum by (instance) (rate(http_requests_total[5s])) > 0.5
        for: 2s
        labels:
          severity: page
        annotations:
          summary: 'error ratio {{ $value | humanizePercentage }} on {{ $labels.instance }}'
      - alert: NoOrdersPlaced
        expr: rate(orders_created_total[5s]) == 0
        for: 3s
        labels:
          severity: page
        annotations:
          summary: 'no orders on {{ $labels.instance }}'
      - alert: NodeMemoryHigh
        expr: (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) * 100 > 90
        for: 2s
        labels:
          severity: warning
        annotations:
          summary: 'memory on {{ $labels.instance }} at {{ $value | printf "%.0f" }}%'
"#;
    let alertmanager = run_support::slack_alertmanager(
        slack,
        "alertname",
        "#shop",
        "{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}",
    );
    std::fs::write(dir.join("prometheus.yml"), prometheus).unwrap();
    std::fs::write(dir.join("shop.yml"), rules).unwrap();
    std::fs::write(dir.join("alertmanager.yml"), alertmanager).unwrap();
}

/// `klaxon run` on `<dir>/prometheus.yml` and `<dir>/alertmanager.yml`, on free ports.
fn start(dir: &Path) -> Klaxon {
    let am = format!("--alertmanager.config.file={}", dir.join("alertmanager.yml").display());
    let flags = [
        am,
        "--alertmanager.web.listen-address=127.0.0.1:0".to_string(),
        "--rules.alert.resend-delay=1s".to_string(),
    ];
    Klaxon::start(dir, "prometheus.yml", "data", &flags)
}

/// Waits until a Slack post contains `what`; returns it.
async fn wait_for_text(posts: &Posts, k: &Klaxon, what: &str) -> String {
    wait_for_post(posts, k, &format!("with {what:?}"), |p| p.contains(what)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn high_error_rate_no_orders_and_node_memory_fire_and_resolve() {
    let exporter = Arc::new(Exporter::default());
    let exporter_addr = run_support::exporter(exporter.clone(), metrics, traffic).await;
    let (posts, slack_addr) = mock_slack().await;
    let dir = tempfile::tempdir().unwrap();
    write_configs(dir.path(), &exporter_addr, &slack_addr);
    let k = start(dir.path());

    // Healthy: the rules evaluate (several times over their `for`) and nothing fires.
    let deadline = Instant::now() + PATIENCE;
    while !k.log().contains("First rule evaluation done") {
        assert!(Instant::now() < deadline, "no first evaluation:\n{}", k.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert!(posts.lock().unwrap().is_empty(), "{:#?}", posts.lock().unwrap());

    exporter.unhealthy.store(true, Ordering::Relaxed);
    let errors = wait_for_text(&posts, &k, "[FIRING] HighErrorRate").await;
    // The ratio climbs towards 80% as the 5 s window fills with failures; it fired above 50%.
    let ratio = errors.split("error ratio ").nth(1).and_then(|r| r.split('%').next());
    let ratio: f64 = ratio.and_then(|r| r.parse().ok()).unwrap_or_else(|| panic!("{errors}"));
    assert!((50.0..=80.0).contains(&ratio), "{errors}");
    assert!(errors.contains(&format!("% on {exporter_addr}")), "{errors}");
    let orders = wait_for_text(&posts, &k, "[FIRING] NoOrdersPlaced").await;
    assert!(orders.contains(&format!("no orders on {exporter_addr}")), "{orders}");
    let memory = wait_for_text(&posts, &k, "[FIRING] NodeMemoryHigh").await;
    assert!(memory.contains(&format!("memory on {exporter_addr} at 95%")), "{memory}");

    exporter.unhealthy.store(false, Ordering::Relaxed);
    for name in ["HighErrorRate", "NoOrdersPlaced", "NodeMemoryHigh"] {
        wait_for_text(&posts, &k, &format!("[RESOLVED] {name}")).await;
    }
    assert_eq!(k.terminate().0, Some(0));
}
