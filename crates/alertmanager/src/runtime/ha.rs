//! The node's place in an HA cluster: starts the [`cluster::Peer`] when
//! `--cluster.listen-address` is set, replicates the silences (`sil`) and the notification log
//! (`nfl`) through it, adapts it for the notification pipeline ([`PeerNode`]) and reports it on
//! `/api/v2/status`. Without a peer (in-process tests) a node with a listen address reports
//! itself as the one ready member, as a single-node cluster does.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use cluster::{Peer, PeerOptions};
use prometheus_client::registry::Registry;
use tokio::time::Instant;

use super::{ClusterOptions, ClusterStatus};
use crate::metrics::Metrics;
use crate::nflog::Nflog;
use crate::notify::cluster::ClusterNode;
use crate::silence::Silences;

/// Starts the peer (when configured) and wires the replicated state into it.
pub(super) async fn start_peer(
    opts: &ClusterOptions,
    metrics: &Metrics,
    silences: &Arc<Silences>,
    nflog: &Arc<Nflog>,
) -> Result<Option<Arc<PeerNode>>, cluster::ClusterError> {
    let Some(p) = opts.peer.as_ref().filter(|p| p.enabled()) else { return Ok(None) };
    let mut registry = Registry::default();
    let peer = Peer::start(p.clone(), &mut registry).await?;
    metrics.add_registry(registry);
    let ch = peer.add_state("sil", silences.clone());
    silences.set_broadcast(Box::new(move |b| ch.broadcast(b)));
    let ch = peer.add_state("nfl", nflog.clone());
    nflog.set_broadcast(Box::new(move |b| ch.broadcast(b)));
    tracing::info!(name = peer.name(), "cluster peer started");
    Ok(Some(Arc::new(PeerNode {
        peer,
        nflog: nflog.clone(),
        opts: p.clone(),
        started: Instant::now(),
    })))
}

/// The peer as the pipeline sees it.
pub struct PeerNode {
    peer: Arc<Peer>,
    nflog: Arc<Nflog>,
    opts: PeerOptions,
    started: Instant,
}

impl std::fmt::Debug for PeerNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerNode").field("name", &self.peer.name()).finish_non_exhaustive()
    }
}

impl PeerNode {
    /// The cluster peer.
    pub fn peer(&self) -> &Arc<Peer> {
        &self.peer
    }

    /// Whether the node may send: settled, and — when it has company — holding a full state
    /// from a peer (or the settle timeout passed). A restarted replica thus learns what the
    /// others sent while it was down before it decides anything (rolling restarts).
    pub fn caught_up(&self) -> bool {
        self.peer.status() == "ready"
            && (self.peer.members().len() <= 1
                || self.nflog.full_merges() > 0
                || self.started.elapsed() >= self.opts.settle_timeout)
    }

    /// The status as `/api/v2/status` reports it.
    pub fn status(&self) -> ClusterStatus {
        ClusterStatus {
            name: self.peer.name().to_string(),
            status: if self.caught_up() { "ready" } else { "settling" },
            peers: self.peer.members().into_iter().map(|m| (m.name, m.address)).collect(),
        }
    }

    /// Leaves the cluster (shutdown).
    pub async fn leave(&self) {
        self.peer.leave().await;
    }
}

impl ClusterNode for PeerNode {
    fn name(&self) -> &str {
        self.peer.name()
    }

    fn position(&self) -> usize {
        self.peer.position()
    }

    fn peer_timeout(&self) -> Duration {
        self.opts.peer_timeout
    }

    fn poll_interval(&self) -> Duration {
        self.opts.gossip_interval
    }

    fn wait_ready(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            if self.caught_up() {
                return;
            }
            self.peer.wait_ready().await;
            let poll = self.opts.gossip_interval.max(Duration::from_millis(10));
            while !self.caught_up() {
                tokio::time::sleep(poll).await;
            }
        })
    }
}

/// What a node without a peer reports.
pub(super) fn cluster_status(c: &ClusterOptions) -> ClusterStatus {
    if c.listen_address.is_empty() {
        return ClusterStatus { name: String::new(), status: "disabled", peers: Vec::new() };
    }
    let name = if c.peer_name.is_empty() { ulid() } else { c.peer_name.clone() };
    let address =
        if c.advertise_address.is_empty() { &c.listen_address } else { &c.advertise_address };
    ClusterStatus { name: name.clone(), status: "ready", peers: vec![(name, address.clone())] }
}

/// A ULID (48-bit millisecond time, 80 random bits, Crockford base32), as upstream names
/// peers.
fn ulid() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let value = ((ms & ((1 << 48) - 1)) << 80) | (rand::random::<u128>() & ((1 << 80) - 1));
    (0..26).rev().map(|i| ALPHABET[((value >> (i * 5)) & 31) as usize] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulids_are_26_crockford_chars() {
        let u = ulid();
        assert_eq!(u.len(), 26);
        assert!(u.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        assert_ne!(u, ulid());
    }

    #[test]
    fn cluster_disabled_without_listen_address() {
        assert_eq!(cluster_status(&ClusterOptions::default()).status, "disabled");
        let c = cluster_status(&ClusterOptions {
            listen_address: "127.0.0.1:9094".into(),
            peer_name: "me".into(),
            ..ClusterOptions::default()
        });
        assert_eq!(c.status, "ready");
        assert_eq!(c.peers, vec![("me".to_string(), "127.0.0.1:9094".to_string())]);
    }
}
