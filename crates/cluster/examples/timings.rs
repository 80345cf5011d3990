//! Measures, on loopback with upstream's default timings: how long 3 peers take to form a
//! cluster, how long a small and an oversized delta take to reach every peer, how long a
//! killed peer takes to be dropped, and how long a joiner takes to pull a large full state.
//!
//! `cargo run -p klaxon-cluster --example timings` (numbers, not assertions: see the tests).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cluster::{MergeError, Peer, PeerOptions, State};
use parking_lot::Mutex;
use prometheus_client::registry::Registry;

/// Opaque blobs by key; merge = union (enough to time delivery).
#[derive(Default)]
struct Blobs(Mutex<HashMap<Vec<u8>, Instant>>);

impl State for Blobs {
    fn full_state(&self) -> Vec<u8> {
        let m = self.0.lock();
        let mut out = Vec::new();
        for k in m.keys() {
            out.extend_from_slice(&(k.len() as u32).to_be_bytes());
            out.extend_from_slice(k);
        }
        out
    }
    fn merge(&self, mut b: &[u8]) -> Result<(), MergeError> {
        let mut m = self.0.lock();
        while !b.is_empty() {
            if b.len() < 4 {
                return Err(MergeError("truncated".into()));
            }
            let n = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
            let k = b.get(4..4 + n).ok_or_else(|| MergeError("truncated".into()))?;
            m.entry(k.to_vec()).or_insert_with(Instant::now);
            b = &b[4 + n..];
        }
        Ok(())
    }
}

fn blob(key: &[u8]) -> Vec<u8> {
    let mut v = (key.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(key);
    v
}

fn opts(name: &str, peers: Vec<String>) -> PeerOptions {
    PeerOptions {
        listen: "127.0.0.1:0".into(),
        name: Some(name.into()),
        peers,
        ..PeerOptions::default()
    }
}

async fn wait(mut cond: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !cond() {
        if start.elapsed() > Duration::from_secs(120) {
            eprintln!("gave up after 120s");
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    start.elapsed()
}

fn pct(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut reg = Registry::default();
    let t0 = Instant::now();
    let a = Peer::start(opts("a", vec![]), &mut reg).await?;
    let seed = vec![a.address().to_string()];
    let b = Peer::start(opts("b", seed.clone()), &mut reg_new()).await?;
    let c = Peer::start(opts("c", seed), &mut reg_new()).await?;
    let peers = [a.clone(), b.clone(), c.clone()];
    wait(|| peers.iter().all(|p| p.members().len() == 3)).await;
    println!("3 peers formed a cluster in {:?}", t0.elapsed());

    let states: Vec<Arc<Blobs>> = peers.iter().map(|_| Arc::new(Blobs::default())).collect();
    let chans: Vec<_> =
        peers.iter().zip(&states).map(|(p, s)| p.add_state("sil", s.clone())).collect();
    for (size, label) in [(64usize, "small (64 B)"), (4096, "oversized (4 KiB, TCP)")] {
        let mut lat = Vec::new();
        for i in 0..50u32 {
            let mut key = format!("{label}-{i}-").into_bytes();
            key.resize(size, b'x');
            let sent = Instant::now();
            chans[(i % 3) as usize].broadcast(blob(&key));
            wait(|| {
                states
                    .iter()
                    .enumerate()
                    .all(|(j, s)| j == (i % 3) as usize || s.0.lock().contains_key(&key))
            })
            .await;
            lat.push(sent.elapsed());
        }
        println!(
            "{label} delta reaches all peers: p50 {:?}, p99 {:?}, max {:?}",
            pct(lat.clone(), 0.5),
            pct(lat.clone(), 0.99),
            pct(lat, 1.0)
        );
    }

    // A joiner pulls a full state of 10k entries (~1 MB).
    let big = Arc::new(Blobs::default());
    {
        let mut m = big.0.lock();
        for i in 0..10_000u32 {
            let mut k = format!("entry-{i}-").into_bytes();
            k.resize(100, b'y');
            m.insert(k, Instant::now());
        }
    }
    let _ch = a.add_state("nfl", big.clone());
    let t = Instant::now();
    let d = Peer::start(opts("d", vec![a.address().to_string()]), &mut reg_new()).await?;
    let sd = Arc::new(Blobs::default());
    let _cd = d.add_state("nfl", sd.clone());
    wait(|| sd.0.lock().len() == 10_000).await;
    println!("joiner pulled a 10k-entry (~1 MB) full state in {:?}", t.elapsed());
    d.leave().await;
    drop(d);

    let t = Instant::now();
    drop(peers);
    drop(c);
    wait(|| a.members().len() == 2 && b.members().len() == 2).await;
    println!(
        "killed peer dropped from the member list after {:?} (probe 1s, timeout 500ms)",
        t.elapsed()
    );
    Ok(())
}

fn reg_new() -> Registry {
    Registry::default()
}
