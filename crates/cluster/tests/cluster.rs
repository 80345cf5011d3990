//! Peers on 127.0.0.1 in one process: membership, gossip, push-pull, failure detection.
//! Real sockets and real time, so every wait is a poll with a generous deadline.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use cluster::{MergeError, Peer, PeerOptions, State};
use parking_lot::Mutex;
use prometheus_client::registry::Registry;

/// A last-writer-wins map `key=version` per line: merge keeps the larger version.
#[derive(Default)]
struct Versions(Mutex<BTreeMap<String, u64>>);

impl Versions {
    fn set(&self, k: &str, v: u64) -> Vec<u8> {
        self.0.lock().insert(k.to_string(), v);
        format!("{k}={v}\n").into_bytes()
    }
    fn get(&self, k: &str) -> Option<u64> {
        self.0.lock().get(k).copied()
    }
}

impl State for Versions {
    fn full_state(&self) -> Vec<u8> {
        self.0.lock().iter().map(|(k, v)| format!("{k}={v}\n")).collect::<String>().into_bytes()
    }
    fn merge(&self, bytes: &[u8]) -> Result<(), MergeError> {
        let text = std::str::from_utf8(bytes).map_err(|e| MergeError(e.to_string()))?;
        let mut parsed = Vec::new();
        for line in text.lines() {
            let (k, v) =
                line.split_once('=').ok_or_else(|| MergeError(format!("bad line {line:?}")))?;
            parsed.push((k.to_string(), v.parse::<u64>().map_err(|e| MergeError(e.to_string()))?));
        }
        let mut m = self.0.lock();
        for (k, v) in parsed {
            let e = m.entry(k).or_insert(v);
            *e = (*e).max(v);
        }
        Ok(())
    }
}

fn opts(name: &str, peers: &[SocketAddr]) -> PeerOptions {
    PeerOptions {
        listen: "127.0.0.1:0".into(),
        name: Some(name.into()),
        peers: peers.iter().map(|p| p.to_string()).collect(),
        gossip_interval: Duration::from_millis(50),
        probe_interval: Duration::from_millis(200),
        probe_timeout: Duration::from_millis(100),
        pushpull_interval: Duration::from_secs(3600),
        reconnect_interval: Duration::from_millis(300),
        tcp_timeout: Duration::from_secs(5),
        settle_timeout: Duration::from_secs(30),
        ..PeerOptions::default()
    }
}

async fn start(o: PeerOptions) -> (Arc<Peer>, Registry) {
    let mut reg = Registry::default();
    let p = Peer::start(o, &mut reg).await.expect("peer starts");
    (p, reg)
}

async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn metrics(reg: &Registry) -> String {
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, reg).expect("metrics encode");
    out
}

async fn three() -> Vec<(Arc<Peer>, Registry)> {
    let a = start(opts("a", &[])).await;
    let seed = a.0.address();
    let b = start(opts("b", &[seed])).await;
    let c = start(opts("c", &[seed])).await;
    let peers = vec![a, b, c];
    for (p, _) in &peers {
        let p = p.clone();
        eventually("3 members everywhere", move || p.members().len() == 3).await;
    }
    peers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_peers_form_a_cluster_with_consistent_positions() {
    let peers = three().await;
    let mut positions: Vec<usize> = peers.iter().map(|(p, _)| p.position()).collect();
    for (p, _) in &peers {
        let members = p.members();
        let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(members.iter().position(|m| m.name == p.name()), Some(p.position()));
    }
    positions.sort();
    assert_eq!(positions, [0, 1, 2]);
    assert!(metrics(&peers[2].1).contains("alertmanager_peer_position 2"));
    assert!(metrics(&peers[0].1).contains("alertmanager_cluster_members 3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delta_broadcast_on_one_peer_reaches_the_others() {
    let peers = three().await;
    let states: Vec<Arc<Versions>> = peers.iter().map(|_| Arc::new(Versions::default())).collect();
    let channels: Vec<_> =
        peers.iter().zip(&states).map(|((p, _), s)| p.add_state("sil", s.clone())).collect();

    channels[1].broadcast(states[1].set("x", 1));
    for s in &states {
        let s = s.clone();
        eventually("small delta everywhere", move || s.get("x") == Some(1)).await;
    }

    // Too large for a packet: goes over TCP.
    let big = "y".repeat(5000);
    channels[0].broadcast(states[0].set(&big, 7));
    for s in &states {
        let (s, big) = (s.clone(), big.clone());
        eventually("oversized delta everywhere", move || s.get(&big) == Some(7)).await;
    }
    assert!(
        metrics(&peers[0].1)
            .contains("alertmanager_oversized_gossip_message_sent_total{key=\"sil\"} 2")
    );
    assert!(
        metrics(&peers[2].1)
            .contains("alertmanager_cluster_messages_received_total{msg_type=\"update\"}")
    );
}

/// On a current-thread runtime too (as `#[tokio::test]` callers use).
#[tokio::test]
async fn a_late_joiner_converges_by_push_pull() {
    let (a, _ra) = start(opts("a", &[])).await;
    let sa = Arc::new(Versions::default());
    let _ca = a.add_state("nfl", sa.clone());
    // Set before the joiner exists: only a full-state exchange can carry it.
    sa.set("old", 3);

    let (c, rc) = start(opts("c", &[a.address()])).await;
    let sc = Arc::new(Versions::default());
    sc.set("mine", 1);
    let _cc = c.add_state("nfl", sc.clone());
    let (sa2, sc2) = (sa.clone(), sc.clone());
    eventually("joiner has the old entry", move || sc2.get("old") == Some(3)).await;
    eventually("and the seed has the joiner's", move || sa2.get("mine") == Some(1)).await;
    assert!(
        !metrics(&rc)
            .contains("alertmanager_cluster_messages_received_total{msg_type=\"full_state\"} 0")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_peer_is_detected_and_a_leaving_one_is_not_reconnected() {
    let mut peers = three().await;
    let (c, _) = peers.pop().unwrap();
    drop(c);
    for (p, _) in &peers {
        let p = p.clone();
        eventually("members shrink to 2", move || p.members().len() == 2).await;
    }
    assert!(metrics(&peers[0].1).contains("alertmanager_cluster_failed_peers 1"));
    assert!(metrics(&peers[0].1).contains("alertmanager_cluster_reconnections_total"));

    let (b, _) = peers.pop().unwrap();
    b.leave().await;
    let a = peers[0].0.clone();
    eventually("leaver gone", move || a.members().len() == 1).await;
    assert!(
        metrics(&peers[0].1).contains("alertmanager_cluster_failed_peers 1"),
        "only c is failed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_peer_that_comes_back_is_reconnected() {
    let (a, _ra) = start(opts("a", &[])).await;
    let (b, _rb) = start(opts("b", &[a.address()])).await;
    let b2 = b.clone();
    eventually("joined", move || b2.members().len() == 2).await;

    let addr = a.address();
    drop(a);
    let b2 = b.clone();
    eventually("a failed", move || b2.members().len() == 1).await;

    // a restarts on the same address knowing no peers: b's reconnect loop finds it.
    let mut o = opts("a", &[]);
    o.listen = addr.to_string();
    let (a, _ra) = start(o).await;
    let (a2, b2) = (a.clone(), b.clone());
    eventually("b reconnected", move || b2.members().len() == 2).await;
    eventually("a sees b", move || a2.members().len() == 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_packets_and_foreign_labels_are_refused_without_harm() {
    let (a, ra) = start(opts("a", &[])).await;
    let (b, _rb) = start(opts("b", &[a.address()])).await;
    let b2 = b.clone();
    eventually("joined", move || b2.members().len() == 2).await;

    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for junk in [&b""[..], b"\x4b", b"\x4b\x01\x00\x00\xff\xff", b"hello world", &[0xff; 1500]] {
        udp.send_to(junk, a.address()).await.unwrap();
    }
    use tokio::io::AsyncWriteExt;
    let mut tcp = tokio::net::TcpStream::connect(a.address()).await.unwrap();
    tcp.write_all(&[0, 0, 0, 5, 1, 2, 3, 4, 5]).await.unwrap();
    let mut tcp2 = tokio::net::TcpStream::connect(a.address()).await.unwrap();
    tcp2.write_all(&[0xff, 0xff, 0xff, 0xff]).await.unwrap();

    eventually("decode errors counted", || {
        metrics(&ra)
            .lines()
            .any(|l| l.starts_with("klaxon_cluster_decode_errors_total") && !l.ends_with(" 0"))
    })
    .await;

    // Still a working cluster.
    let sa = Arc::new(Versions::default());
    let sb = Arc::new(Versions::default());
    let ca = a.add_state("sil", sa.clone());
    let _cb = b.add_state("sil", sb.clone());
    ca.broadcast(sa.set("after", 1));
    eventually("gossip still flows", move || sb.get("after") == Some(1)).await;

    // A peer with another label never joins.
    let mut o = opts("z", &[a.address()]);
    o.label = "other".into();
    let (z, _rz) = start(o).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(z.members().len(), 1);
    assert_eq!(a.members().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settle_makes_the_peer_ready() {
    let mut o = opts("a", &[]);
    o.gossip_interval = Duration::from_millis(20);
    let (a, _r) = start(o).await;
    assert_eq!(a.status(), "settling");
    tokio::time::timeout(Duration::from_secs(30), a.wait_ready()).await.expect("settles");
    assert_eq!(a.status(), "ready");

    let mut o = opts("b", &[]);
    o.settle_timeout = Duration::ZERO;
    let (b, _r) = start(o).await;
    tokio::time::timeout(Duration::from_secs(5), b.wait_ready()).await.expect("ready at once");
}

#[tokio::test]
async fn bad_options_are_errors_naming_the_flag() {
    let mut reg = Registry::default();
    let mut o = opts("a", &[]);
    o.peers = vec!["no-port".into()];
    assert!(Peer::start(o, &mut reg).await.unwrap_err().to_string().contains("--cluster.peer"));

    let mut o = opts("a", &[]);
    o.listen = "127.0.0.1:notaport".into();
    assert!(
        Peer::start(o, &mut reg)
            .await
            .unwrap_err()
            .to_string()
            .contains("--cluster.listen-address")
    );

    let mut o = opts("a", &[]);
    o.tls = Some("/nonexistent/tls.yml".into());
    assert!(
        Peer::start(o, &mut reg).await.unwrap_err().to_string().contains("/nonexistent/tls.yml")
    );
}

/// A `--cluster.tls-config` file (mutual TLS) using the test certificates.
fn tls_file(dir: &std::path::Path) -> std::path::PathBuf {
    let td = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/tls");
    let text = format!(
        "tls_server_config:\n  cert_file: {0}/server.crt\n  key_file: {0}/server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {0}/ca.crt\ntls_client_config:\n  ca_file: {0}/ca.crt\n  cert_file: {0}/client.crt\n  key_file: {0}/client.key\n  server_name: localhost\n",
        td.display()
    );
    let p = dir.join("cluster-tls.yml");
    std::fs::write(&p, text).expect("write TLS config");
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_cluster_gossips_converges_and_detects_failure() {
    let dir = tempfile::tempdir().unwrap();
    let tls = tls_file(dir.path());
    let with_tls = |name: &str, peers: &[SocketAddr]| {
        let mut o = opts(name, peers);
        o.tls = Some(tls.clone());
        o
    };
    let (a, _ra) = start(with_tls("a", &[])).await;
    let sa = Arc::new(Versions::default());
    let ca = a.add_state("sil", sa.clone());
    sa.set("before", 1);
    let (b, _rb) = start(with_tls("b", &[a.address()])).await;
    let (c, _rc) = start(with_tls("c", &[a.address()])).await;
    let sb = Arc::new(Versions::default());
    let _cb = b.add_state("sil", sb.clone());
    for p in [&a, &b, &c] {
        let p = p.clone();
        eventually("3 TLS members", move || p.members().len() == 3).await;
    }
    let sb2 = sb.clone();
    eventually("push-pull over TLS", move || sb2.get("before") == Some(1)).await;
    ca.broadcast(sa.set("small", 2));
    ca.broadcast(sa.set(&"z".repeat(3000), 3));
    let sb2 = sb.clone();
    eventually("gossip over TLS", move || {
        sb2.get("small") == Some(2) && sb2.get(&"z".repeat(3000)) == Some(3)
    })
    .await;

    drop(c);
    let (a2, b2) = (a.clone(), b.clone());
    eventually("failure detected over TLS", move || {
        a2.members().len() == 2 && b2.members().len() == 2
    })
    .await;

    // A peer without TLS cannot join.
    let (plain, _rp) = start(opts("p", &[a.address()])).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(plain.members().len(), 1);
    assert_eq!(a.members().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn periodic_push_pull_repairs_what_gossip_missed() {
    let mut o = opts("a", &[]);
    o.pushpull_interval = Duration::from_millis(300);
    let (a, _ra) = start(o).await;
    let mut o = opts("b", &[a.address()]);
    o.pushpull_interval = Duration::from_millis(300);
    let (b, _rb) = start(o).await;
    let (sa, sb) = (Arc::new(Versions::default()), Arc::new(Versions::default()));
    let _ca = a.add_state("nfl", sa.clone());
    let _cb = b.add_state("nfl", sb.clone());
    let b2 = b.clone();
    eventually("joined", move || b2.members().len() == 2).await;
    // Changed without a broadcast, after the join-time exchange: only the timer carries it.
    sa.set("quiet", 5);
    sb.set("other", 6);
    let (sa2, sb2) = (sa.clone(), sb.clone());
    eventually("both ways", move || sb2.get("quiet") == Some(5) && sa2.get("other") == Some(6))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_stops_after_the_reconnect_timeout() {
    let mut o = opts("b", &[]);
    o.reconnect_timeout = Duration::from_secs(1);
    let (b, rb) = start(o).await;
    // a joins through b, so it is not one of b's --cluster.peer: only reconnecting applies.
    let (a, _ra) = start(opts("a", &[b.address()])).await;
    let b2 = b.clone();
    eventually("joined", move || b2.members().len() == 2).await;
    drop(a);
    eventually("failed peer counted", || {
        metrics(&rb).contains("alertmanager_cluster_failed_peers 1")
    })
    .await;
    eventually("and given up on", || metrics(&rb).contains("alertmanager_cluster_failed_peers 0"))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partitioned_peer_rejoins_and_converges_after_the_heal() {
    let peers = three().await;
    let states: Vec<Arc<Versions>> = peers.iter().map(|_| Arc::new(Versions::default())).collect();
    let ch: Vec<_> =
        peers.iter().zip(&states).map(|((p, _), s)| p.add_state("sil", s.clone())).collect();
    let (a, c) = (peers[0].0.clone(), peers[2].0.clone());

    c.isolate(true);
    let (a2, c2) = (a.clone(), c.clone());
    eventually("majority drops c", move || a2.members().len() == 2).await;
    eventually("c is alone", move || c2.members().len() == 1).await;

    // Written on both sides of the cut: gossip cannot carry them across.
    ch[0].broadcast(states[0].set("majority", 1));
    ch[2].broadcast(states[2].set("minority", 2));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(states[2].get("majority"), None);

    c.isolate(false);
    for (p, _) in &peers {
        let p = p.clone();
        eventually("healed: 3 members", move || p.members().len() == 3).await;
    }
    for s in &states {
        let s = s.clone();
        eventually("converged", move || {
            s.get("majority") == Some(1) && s.get("minority") == Some(2)
        })
        .await;
    }
    let mut positions: Vec<usize> = peers.iter().map(|(p, _)| p.position()).collect();
    positions.sort();
    assert_eq!(positions, [0, 1, 2]);
}
