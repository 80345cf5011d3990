//! The pipeline in a cluster, deterministically (paused time): three "nodes", each with its own
//! notification log, gossip delivered in memory at once, one shared fake receiver. Each node
//! runs what its dispatcher would: flush the group at its tick, and on failure again a group
//! interval later. Counts what the receiver accepted: exactly once.

#![allow(clippy::unwrap_used)]

mod dispatch_support;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use alertmanager::alert::{Alert, Time, ZERO_TIME};
use alertmanager::dispatch::RouteInfo;
use alertmanager::metrics::Metrics;
use alertmanager::nflog::{Nflog, NflogOptions};
use alertmanager::notify::cluster::ClusterNode;
use alertmanager::notify::seams::Nothing;
use alertmanager::notify::{Flush, Pipeline, PipelineDeps};
use dispatch_support::*;
use model::labels::Labels;
use model::time::{SharedClock, TokioClock};
use template::alertmanager::Templates;
use tokio::time::Instant;

const PEER_TIMEOUT: Duration = Duration::from_secs(2);
const GOSSIP: Duration = Duration::from_millis(200);
const GROUP_INTERVAL: Duration = Duration::from_secs(1);

struct FakeNode {
    name: String,
    position: usize,
}

impl ClusterNode for FakeNode {
    fn name(&self) -> &str {
        &self.name
    }
    fn position(&self) -> usize {
        self.position
    }
    fn peer_timeout(&self) -> Duration {
        PEER_TIMEOUT
    }
    fn poll_interval(&self) -> Duration {
        GOSSIP
    }
    fn wait_ready(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }
}

struct Node {
    pipeline: Arc<Pipeline>,
    clock: SharedClock,
}

/// Three nodes whose logs gossip to each other instantly, all sending to `rx`.
fn cluster(rx: &Receiver) -> Vec<Node> {
    let logs: Vec<Arc<Nflog>> = (0..3).map(|_| Nflog::in_memory(NflogOptions::default())).collect();
    for (i, log) in logs.iter().enumerate() {
        let peers: Vec<Arc<Nflog>> =
            logs.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, l)| l.clone()).collect();
        log.set_broadcast(Box::new(move |m| {
            for p in &peers {
                p.merge_bytes(&m, jiff::Timestamp::MIN).unwrap();
            }
        }));
    }
    logs.into_iter()
        .enumerate()
        .map(|(i, nflog)| {
            let clock: SharedClock = Arc::new(TokioClock::starting_at(
                SystemTime::UNIX_EPOCH + Duration::from_secs(WALL0),
            ));
            let deps = PipelineDeps {
                inhibitor: Arc::new(Nothing),
                silences: Arc::new(Nothing),
                time_intervals: Arc::new(Nothing),
                nflog,
                marker: Arc::new(Nothing),
                metrics: Arc::new(Metrics::default()),
                templates: Arc::new(Templates::with_defaults()),
                external_url: String::new(),
                user_agent: String::new(),
                cluster: Some(Arc::new(FakeNode { name: format!("n{i}"), position: i })),
                retention: Duration::from_secs(3600),
                clock: clock.clone(),
            };
            let receivers =
                HashMap::from([("team".to_string(), vec![rx.integration("webhook", 0, true)])]);
            Node { pipeline: Arc::new(Pipeline::new(receivers, deps)), clock }
        })
        .collect()
}

fn firing(name: &str) -> Alert {
    Alert {
        labels: Labels::from_pairs([("alertname", name)]),
        annotations: Labels::default(),
        starts_at: wall(-10.0),
        ends_at: ZERO_TIME,
        updated_at: wall(-10.0),
        generator_url: String::new(),
        timeout: false,
    }
}

/// What a node's dispatcher does for one group: flush at each tick until a flush succeeds
/// (deadline: upstream's 10 s plus the cluster wait). Returns how many flushes it took.
async fn dispatch(node: Arc<Node>, alerts: Vec<Alert>) -> usize {
    let mut flushes = 0;
    loop {
        flushes += 1;
        let now: Time = alertmanager::alert::from_system_time(node.clock.now_system());
        let flush = Flush {
            group_key: "{}:{alertname=\"a\"}".into(),
            group_labels: Labels::default(),
            route: Arc::new(RouteInfo {
                receiver: "team".into(),
                repeat_interval: Duration::from_secs(3600),
                ..RouteInfo::default()
            }),
            route_labels: Default::default(),
            now,
            deadline: Instant::now() + Duration::from_secs(10) + node.pipeline.cluster_wait(),
        };
        if node.pipeline.exec(&flush, alerts.clone()).await.is_ok() {
            return flushes;
        }
        tokio::time::sleep(GROUP_INTERVAL).await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_failing_receiver_is_delivered_once_and_tried_by_one_peer_at_a_time() {
    let t0 = Instant::now();
    // Fails for 25 s: longer than any peer's flush deadline.
    let rx = Receiver::new(t0).with(failing(Duration::from_millis(50), 25.0, "HTTP 500"));
    let nodes: Vec<Arc<Node>> = cluster(&rx).into_iter().map(Arc::new).collect();
    let tasks: Vec<_> =
        nodes.iter().map(|n| tokio::spawn(dispatch(n.clone(), vec![firing("a")]))).collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(rx.batches().len(), 1, "exactly one delivery");
    assert_eq!(rx.max_concurrency(), 1, "never two peers retrying at once");
    let attempts = rx.attempts.lock().clone();
    assert!(attempts.last().unwrap() >= &25.0);
}

#[tokio::test(start_paused = true)]
async fn a_peer_takes_over_when_the_sending_peer_dies() {
    let t0 = Instant::now();
    // The first attempt hangs (the sending peer dies during it); later ones succeed.
    let rx = Receiver::new(t0).with(Arc::new(|t| {
        Box::pin(async move {
            if t < 1.0 {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            None
        })
    }));
    let nodes: Vec<Arc<Node>> = cluster(&rx).into_iter().map(Arc::new).collect();
    let n0 = tokio::spawn(dispatch(nodes[0].clone(), vec![firing("a")]));
    let others: Vec<_> =
        nodes[1..].iter().map(|n| tokio::spawn(dispatch(n.clone(), vec![firing("a")]))).collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    n0.abort(); // kill -9 while holding the lease
    for t in others {
        t.await.unwrap();
    }
    assert_eq!(rx.batches().len(), 1);
    // The lease ran out (one peer timeout) and n1 sent within its first flush's deadline.
    assert!(t0.elapsed() < Duration::from_secs(12), "{:?}", t0.elapsed());
}

#[tokio::test(start_paused = true)]
async fn a_slow_receiver_is_not_sent_twice() {
    let t0 = Instant::now();
    // Each attempt takes 5 s: longer than the peer timeout (upstream: n1 sends too).
    let rx = Receiver::new(t0).with(slow(Duration::from_secs(5)));
    let nodes: Vec<Arc<Node>> = cluster(&rx).into_iter().map(Arc::new).collect();
    let tasks: Vec<_> =
        nodes.iter().map(|n| tokio::spawn(dispatch(n.clone(), vec![firing("a")]))).collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(rx.batches().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_late_peer_does_not_resend_a_stale_view() {
    let t0 = Instant::now();
    let rx = Receiver::new(t0);
    let nodes = cluster(&rx);
    // n0 notified "resolved" at t=5 (its entry gossips to n1 at once)...
    let key = alertmanager::nflog::ReceiverKey {
        group_name: "team".into(),
        integration: "webhook".into(),
        index: 0,
    };
    let group_key = "{}:{alertname=\"a\"}";
    let hash = firing("a").hash();
    nodes[0]
        .pipeline
        .deps()
        .nflog
        .log(
            &key,
            group_key,
            vec![],
            vec![hash],
            Default::default(),
            Duration::from_secs(600),
            wall(5.0),
        )
        .unwrap();
    // ...while n1's flush ticked at t=3, when the alert still fired there.
    let flush = Flush {
        group_key: group_key.into(),
        group_labels: Labels::default(),
        route: Arc::new(RouteInfo {
            receiver: "team".into(),
            repeat_interval: Duration::from_secs(3600),
            ..RouteInfo::default()
        }),
        route_labels: Default::default(),
        now: wall(3.0),
        deadline: Instant::now() + Duration::from_secs(30),
    };
    nodes[1].pipeline.exec(&flush, vec![firing("a")]).await.unwrap();
    assert!(rx.batches().is_empty(), "upstream would send 'firing' again here (#4179)");
}
