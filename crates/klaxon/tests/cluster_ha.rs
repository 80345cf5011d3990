//! HA black-box tests: three `klaxon alertmanager` processes on loopback form a cluster, every
//! alert is posted to every node (as every Prometheus does), and a mock webhook counts what
//! arrives. Each scenario asserts the exact count of notifications per alert: zero duplicates
//! and zero losses, where upstream's own guarantee is at-least-once.
//!
//! Scenarios: dedup across 3 nodes (upstream's TestClusterDeduplication), 1 node vs 3 nodes
//! (TestClusterVSInstance), kill -9 of the node that would notify, the recovery notification
//! when the node that fired dies, a receiver failing for a while (upstream: every peer
//! delivers once it recovers), a silence created on one node, and a rolling restart.

#![allow(clippy::unwrap_used)]

mod cluster_support;

use std::time::{Duration, Instant};

use cluster_support::{Cluster, CountingHook, config, firing, once_each, resolved};
use serde_json::{Value, json};

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

fn batch(f: impl Fn(&str) -> Value, names: &[String]) -> Value {
    Value::Array(names.iter().map(|n| f(n)).collect())
}

/// Waits (up to a minute) for `want` deliveries, then 8 s more (4 peer timeouts) for any
/// duplicate, and asserts the counts.
async fn expect_exactly(
    hook: &CountingHook,
    want: &std::collections::BTreeMap<(String, String), usize>,
    cluster: &Cluster,
    what: &str,
) {
    let total: usize = want.values().sum();
    let got = hook.wait_for(total, Duration::from_secs(60), Duration::from_secs(8)).await;
    eprintln!("{what}: expected {total} notifications, received {}", hook.total());
    assert_eq!(&got, want, "{what}\n{}", cluster.logs(25));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_alert_posted_to_all_three_is_notified_once() {
    let hook = CountingHook::start().await;
    let c = Cluster::start(3, &config(&hook.url)).await;
    let alerts = names("dedup", 5);
    c.post_all(&batch(firing, &alerts)).await;
    let mut want = once_each(&alerts, "firing");
    expect_exactly(&hook, &want, &c, "firing, posted to 3 nodes").await;

    c.post_all(&batch(resolved, &alerts)).await;
    want.extend(once_each(&alerts, "resolved"));
    expect_exactly(&hook, &want, &c, "resolved, posted to 3 nodes").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_node_and_three_nodes_send_the_same_notifications() {
    let single_hook = CountingHook::start().await;
    let trio_hook = CountingHook::start().await;
    let single = Cluster::start(1, &config(&single_hook.url)).await;
    let trio = Cluster::start(3, &config(&trio_hook.url)).await;
    let alerts = names("vs", 5);
    let t0 = Instant::now();
    for (i, a) in alerts.iter().enumerate() {
        tokio::time::sleep_until((t0 + Duration::from_secs(2 * i as u64)).into()).await;
        let one = json!([firing(a)]);
        single.post_all(&one).await;
        trio.post_all(&one).await;
    }
    let want = once_each(&alerts, "firing");
    expect_exactly(&single_hook, &want, &single, "single node").await;
    expect_exactly(&trio_hook, &want, &trio, "three nodes").await;
    assert_eq!(single_hook.counts(), trio_hook.counts());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_node_that_would_notify_still_notifies_once() {
    let hook = CountingHook::start().await;
    let mut c = Cluster::start(3, &config(&hook.url)).await;
    let alerts = names("killed", 3);
    c.post_all(&batch(firing, &alerts)).await;
    // n0 (position 0) dies before its group_wait ends: nothing was sent yet.
    c.nodes[0].kill9().await;
    expect_exactly(&hook, &once_each(&alerts, "firing"), &c, "n0 killed before sending").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_is_sent_when_the_node_that_fired_dies() {
    let hook = CountingHook::start().await;
    let mut c = Cluster::start(3, &config(&hook.url)).await;
    let alerts = names("recover", 3);
    c.post_all(&batch(firing, &alerts)).await;
    let mut want = once_each(&alerts, "firing");
    expect_exactly(&hook, &want, &c, "fired").await;
    // The node that sent the firing notifications dies; the alerts resolve.
    c.nodes[0].kill9().await;
    c.post_all(&batch(resolved, &alerts)).await;
    want.extend(once_each(&alerts, "resolved"));
    expect_exactly(&hook, &want, &c, "resolved after n0 died").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_gets_exactly_one_delivery_once_it_recovers() {
    let hook = CountingHook::start().await;
    let c = Cluster::start(3, &config(&hook.url)).await;
    // Longer than a flush deadline (10 s) plus every peer's wait: upstream's peers all end up
    // retrying and each delivers when the receiver comes back.
    hook.fail_for(Duration::from_secs(15));
    let alerts = names("failing", 3);
    c.post_all(&batch(firing, &alerts)).await;
    expect_exactly(&hook, &once_each(&alerts, "firing"), &c, "receiver failing for 15s").await;
    eprintln!("attempts while failing and after: {}", *hook.attempts.lock());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silence_created_on_one_node_mutes_every_node() {
    let hook = CountingHook::start().await;
    let c = Cluster::start(3, &config(&hook.url)).await;
    let now = jiff::Timestamp::now();
    let id = c.nodes[2]
        .silence(&json!({
            "matchers": [{"name": "alertname", "value": "muted.*", "isRegex": true, "isEqual": true}],
            "startsAt": format!("{now:.3}"),
            "endsAt": format!("{:.3}", now + jiff::SignedDuration::from_secs(3600)),
            "createdBy": "test",
            "comment": "HA",
        }))
        .await;
    let created = Instant::now();
    for node in &c.nodes[..2] {
        let deadline = created + Duration::from_secs(10);
        while !node.silence_ids().await.contains(&id) {
            assert!(Instant::now() < deadline, "{} never got the silence", node.name);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        eprintln!("silence reached {} after {:?}", node.name, created.elapsed());
    }
    let muted = names("muted", 3);
    let loud = names("loud", 2);
    c.post_all(&batch(firing, &muted)).await;
    c.post_all(&batch(firing, &loud)).await;
    expect_exactly(&hook, &once_each(&loud, "firing"), &c, "silence from n2").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_sends_nothing_twice() {
    let hook = CountingHook::start().await;
    let mut c = Cluster::start(3, &config(&hook.url)).await;
    let mut alerts = names("rolling", 3);
    c.post_all(&batch(firing, &alerts)).await;
    expect_exactly(&hook, &once_each(&alerts, "firing"), &c, "before the restarts").await;
    for i in 0..3 {
        c.nodes[i].stop().await;
        // An alert that starts while a node is down.
        let new = format!("during{i}");
        c.post_all(&json!([firing(&new)])).await;
        alerts.push(new);
        c.nodes[i].start_again().await;
        c.wait_formed(3).await;
        // Prometheus re-sends every active alert to every node (here: at once).
        c.post_all(&batch(firing, &alerts)).await;
    }
    expect_exactly(&hook, &once_each(&alerts, "firing"), &c, "after restarting all three").await;
}
