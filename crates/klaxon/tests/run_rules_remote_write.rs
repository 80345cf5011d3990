//! `klaxon run --rules.datasource.url --rules.remote-write.url`: a ruler evaluating against a
//! second `klaxon run` (the store, with the remote-write receiver on) writes its recording
//! results back there, and its own `/metrics` shows the rules' remote-write queue in the
//! `prometheus_remote_storage_*` families, each family exposed once (the queue shares them
//! with the `remote_write` section's queues). Waits are bounded generously; nothing asserts
//! how fast anything was.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

mod run_support;

use run_support::{Klaxon, PATIENCE, get_text};

/// `klaxon run` on `<dir>/<config>` with its store in `<dir>/data-<config>`, on a free port,
/// with `extra` flags.
fn start(dir: &Path, config: &str, extra: &[String]) -> Klaxon {
    Klaxon::start(dir, config, &format!("data-{config}"), extra)
}

/// The value of the first sample line of `text` starting with `prefix`.
fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines().find(|l| l.starts_with(prefix))?.rsplit(' ').next()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_results_go_out_by_remote_write_with_their_queue_metrics() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("store.yml"), "global:\n  scrape_interval: 1s\n").unwrap();
    std::fs::write(
        dir.path().join("ruler.yml"),
        "global:\n  evaluation_interval: 1s\nrule_files: [rules.yml]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("rules.yml"),
        "groups:\n  - name: g\n    rules:\n      - record: ruler_answer\n        expr: vector(42)\n",
    )
    .unwrap();
    let store = start(dir.path(), "store.yml", &["--web.enable-remote-write-receiver".into()]);
    let store_url = store.url();
    let write_url = format!("{store_url}/api/v1/write");
    let ruler = start(
        dir.path(),
        "ruler.yml",
        &[
            format!("--rules.datasource.url={store_url}"),
            format!("--rules.remote-write.url={write_url}"),
        ],
    );
    let ruler_url = ruler.url();

    // The recorded series arrives in the store.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let body = get_text(&format!("{store_url}/api/v1/query?query=ruler_answer")).await;
        if body.contains("\"42\"") {
            break;
        }
        assert!(Instant::now() < deadline, "nothing written to the store: {body}\n{}", ruler.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The ruler's queue reports under upstream's names, each family exposed once.
    let sent = format!(
        "prometheus_remote_storage_samples_total{{remote_name=\"rules\",url=\"{write_url}\"}}"
    );
    let deadline = Instant::now() + PATIENCE;
    let metrics = loop {
        let metrics = get_text(&format!("{ruler_url}/metrics")).await;
        if sample(&metrics, &sent).is_some_and(|v| v > 0.0) {
            break metrics;
        }
        assert!(Instant::now() < deadline, "no {sent} > 0 in:\n{metrics}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for family in ["prometheus_remote_storage_samples", "prometheus_remote_storage_shards"] {
        let help = format!("# HELP {family} ");
        assert_eq!(metrics.matches(&help).count(), 1, "{family} exposed once:\n{metrics}");
    }
    assert_eq!(ruler.terminate().0, Some(0));
    assert_eq!(store.terminate().0, Some(0));
}
