//! Tutorial C end to end (`examples/node-memory-slack/`): the real `klaxon run` on the
//! example's files (intervals shortened, the threshold lowered to 0 % so this machine surely
//! exceeds it, Slack pointed at a mock) scrapes Debian's real `prometheus-node-exporter`:
//!
//! 1. one exporter: `NodeMemoryHigh` (`for: 5s`, kept from the example) fires and Slack gets
//!    the single-node layout of the custom template, with `$labels.instance` and `$value`
//!    (checked against /proc/meminfo); it is repeated at `repeat_interval`;
//! 2. a second exporter starts: the same message lists both nodes;
//! 3. the first stops: the list shows one node still firing and one back to normal;
//! 4. the second stops: the single-node RESOLVED layout (`send_resolved: true`).
//!
//! Nothing else may arrive. Without `prometheus-node-exporter` (installed by `scripts/test-deps`)
//! the test says so loudly and passes.

#![allow(clippy::unwrap_used)]

mod scenario_support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use scenario_support::{
    Kind, Klaxon, Post, Recorder, assert_gaps, copy_example, edit, free_port, slack_fields,
};

const EXPORTER: &str = "prometheus-node-exporter";
/// The test's `repeat_interval` (the example's is 1h).
const REPEAT: f64 = 10.0;
/// The rule's `for`, as in the example.
const FOR: f64 = 5.0;

/// A running node-exporter, killed on drop.
struct NodeExporter {
    child: Child,
    instance: String,
}

impl NodeExporter {
    /// Starts the exporter on `port` with only the meminfo collector; waits until it answers.
    async fn start(port: u16) -> NodeExporter {
        let instance = format!("127.0.0.1:{port}");
        let child = Command::new(EXPORTER)
            .arg(format!("--web.listen-address={instance}"))
            .args(["--collector.disable-defaults", "--collector.meminfo"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let url = format!("http://{instance}/metrics");
        loop {
            if let Ok(r) = reqwest::get(&url).await
                && r.text().await.unwrap_or_default().contains("node_memory_MemAvailable_bytes")
            {
                break;
            }
            assert!(Instant::now() < deadline, "{EXPORTER} on {instance} did not answer");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        NodeExporter { child, instance }
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NodeExporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn exporter_installed() -> bool {
    Command::new(EXPORTER)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// This machine's memory in use, in percent, as the rule computes it.
fn memory_used_percent() -> f64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let field = |name: &str| -> f64 {
        let line = meminfo.lines().find(|l| l.starts_with(name)).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    (1.0 - field("MemAvailable:") / field("MemTotal:")) * 100.0
}

/// The list lines for two nodes, in the order Alertmanager sorts alerts (by label set).
fn sorted_pair(a: &str, b: &str) -> String {
    let (first, second) = if a < b { (a, b) } else { (b, a) };
    format!("• *{first}*\n• *{second}*")
}

/// The percentage in `*Memory used:* 37.5%`.
fn reported_percent(text: &str) -> f64 {
    let v = text.split("*Memory used:* ").nth(1).unwrap().split('%').next().unwrap();
    v.parse().unwrap_or_else(|_| panic!("no percentage in {text:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_memory_alert_uses_the_custom_template_for_one_and_several_nodes() {
    if !exporter_installed() {
        eprintln!(
            "\n*** SKIPPED scenario_node_memory: `{EXPORTER}` is not installed. \
             Run scripts/test-deps (apt-get install prometheus-node-exporter). ***\n"
        );
        return;
    }
    let t0 = Instant::now();
    let slack = Recorder::start(Kind::Slack, t0).await;
    let a = NodeExporter::start(free_port()).await;
    let dir = tempfile::tempdir().unwrap();
    let ex = dir.path().join("example");
    copy_example("node-memory-slack", &ex);
    let b_port = free_port();
    let b_instance = format!("127.0.0.1:{b_port}");
    // Both targets from the start; the second is down (no series, so no alert) until it starts.
    let targets = format!("['{}', '{b_instance}']", a.instance);
    edit(
        &ex.join("prometheus.yml"),
        &[
            ("scrape_interval: 15s", "scrape_interval: 1s"),
            ("evaluation_interval: 15s", "evaluation_interval: 1s"),
            ("['localhost:9100']", &targets),
        ],
    );
    edit(&ex.join("rules.yml"), &[("interval: 5s", "interval: 1s"), ("* 100 > 90", "* 100 > 0")]);
    let slack_url = format!("slack_api_url: http://{}/slack", slack.addr);
    edit(
        &ex.join("alertmanager.yml"),
        &[
            (
                "slack_api_url: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
                &slack_url,
            ),
            ("group_wait: 30s", "group_wait: 1s"),
            ("group_interval: 5m", "group_interval: 2s"),
            ("repeat_interval: 1h", "repeat_interval: 10s"),
        ],
    );
    let k = Klaxon::start(
        &ex.join("prometheus.yml"),
        &ex.join("alertmanager.yml"),
        &dir.path().join("data"),
        &[],
    );
    let started = slack.now();

    // 1. One node: the single-node layout, with the instance and the value.
    let single = format!("[FIRING] NodeMemoryHigh on {}", a.instance);
    let first =
        slack.wait_for("the single-node message", &k, |p| slack_fields(p).1 == single).await;
    let (channel, _, text) = slack_fields(&first);
    assert_eq!(channel, "#infra");
    assert_eq!(first.body["attachments"][0]["color"], "danger");
    assert!(
        text.starts_with(&format!(
            ":fire: *{}* is running out of memory\n*Memory used:* ",
            a.instance
        )),
        "{text}"
    );
    let reported = reported_percent(&text);
    let actual = memory_used_percent();
    assert!((reported - actual).abs() < 10.0, "reported {reported}%, /proc/meminfo says {actual}%");
    assert!(
        text.contains(&format!("\n{} uses {reported:.1}% of its memory", a.instance)),
        "{text}"
    );
    let first_at = first.at;
    slack
        .wait_for("the repeat", &k, |p| slack_fields(p).1 == single && p.at > first_at + 0.5)
        .await;

    // 2. A second node: one message listing both.
    let b = NodeExporter::start(b_port).await;
    let both = slack
        .wait_for("the two-node list", &k, |p| {
            slack_fields(p).1 == "[FIRING:2] NodeMemoryHigh on 2 nodes"
        })
        .await;
    let text = slack_fields(&both).2;
    assert!(text.starts_with(":fire: *Running out of memory* (2):\n"), "{text}");
    for node in [&a.instance, &b.instance] {
        assert!(text.contains(&format!("• *{node}*: ")), "{text}");
    }
    assert_eq!(text.matches(" in use\n").count(), 2, "{text}");

    // 3. The first stops: one firing, one back to normal, in the same message.
    let a_instance = a.instance.clone();
    a.stop();
    let mixed = slack
        .wait_for("one node back to normal", &k, |p| {
            slack_fields(p).1 == "[FIRING:1] NodeMemoryHigh on 2 nodes"
        })
        .await;
    let text = slack_fields(&mixed).2;
    assert!(
        text.starts_with(&format!(":fire: *Running out of memory* (1):\n• *{b_instance}*: ")),
        "{text}"
    );
    assert!(
        text.ends_with(&format!(":white_check_mark: *Back to normal* (1):\n• *{a_instance}*\n")),
        "{text}"
    );

    // 4. The second stops: resolved. Prometheus keeps re-sending the first node's resolved
    //    alert (for 15 minutes, as upstream), so it is usually still in the group and the
    //    message lists both; if it has left, the single-node layout shows the second alone.
    b.stop();
    let resolved = slack
        .wait_for("resolved", &k, |p| {
            slack_fields(p).1.starts_with("[RESOLVED] NodeMemoryHigh on ")
        })
        .await;
    assert_eq!(resolved.body["attachments"][0]["color"], "good");
    let (_, resolved_title, text) = slack_fields(&resolved);
    if resolved_title == "[RESOLVED] NodeMemoryHigh on 2 nodes" {
        let list = sorted_pair(&a_instance, &b_instance);
        assert_eq!(text, format!(":white_check_mark: *Back to normal* (2):\n{list}\n"));
    } else {
        assert_eq!(resolved_title, format!("[RESOLVED] NodeMemoryHigh on {b_instance}"));
        assert!(
            text.starts_with(&format!(":white_check_mark: *{b_instance}* is back to normal\n")),
            "{text}"
        );
    }

    tokio::time::sleep(Duration::from_secs(4)).await;
    let (code, log) = k.terminate();
    assert_eq!(code, Some(0), "{log}");

    // The whole story, and nothing else: the single message and its repeats, the list, the
    // partial resolve, the resolve.
    let posts = slack.posts();
    let titles: Vec<String> = posts.iter().map(|p| slack_fields(p).1).collect();
    let singles: Vec<&Post> = posts.iter().filter(|p| slack_fields(p).1 == single).collect();
    assert!(singles.len() >= 2, "{titles:#?}");
    let mut expected: Vec<String> = vec![single.clone(); singles.len()];
    expected.extend([
        "[FIRING:2] NodeMemoryHigh on 2 nodes".to_string(),
        "[FIRING:1] NodeMemoryHigh on 2 nodes".to_string(),
        resolved_title,
    ]);
    assert_eq!(titles, expected, "{posts:#?}");
    assert!(
        singles[0].at >= started + FOR - 1.0,
        "first message at {:.1}s, before `for` passed",
        singles[0].at
    );
    let times: Vec<f64> = singles.iter().map(|p| p.at).collect();
    assert_gaps("single-node repeats", &times, REPEAT - 0.5, REPEAT + 4.0);
    assert!(posts.iter().all(|p| slack_fields(p).0 == "#infra"), "{posts:#?}");
}
