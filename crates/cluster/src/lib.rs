//! High availability for the Alertmanager: cluster membership, failure detection and gossip of
//! replicated state (silences, the notification log).
//!
//! A [`Peer`] joins the other replicas named by `--cluster.peer`, keeps the member list (SWIM,
//! via `foca`), gossips the deltas that the state owners [`Channel::broadcast`], and every
//! push-pull interval swaps the full state of every registered [`State`] with one random member
//! so that a joining or partitioned peer converges. [`Peer::position`] orders the replicas for
//! the notification pipeline's wait; [`Peer::wait_ready`] is upstream's settle.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Weak};

use parking_lot::{Mutex, RwLock};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;

mod address;
mod broadcast;
mod codec;
mod identity;
mod membership;
mod metrics;
mod options;
mod pushpull;
mod reconnect;
mod resolve;
mod settle;
mod tls;
mod transport;
pub mod wire;

pub use codec::DecodeError;
pub use options::PeerOptions;

use address::config_err;
use identity::NodeId;
use membership::Cmd;
use metrics::Metrics;

/// Replicated state (silences, the notification log). Implemented in crates/alertmanager.
pub trait State: Send + Sync + 'static {
    /// The whole state, encoded, for the periodic full-state exchange (push-pull) and joins.
    fn full_state(&self) -> Vec<u8>;
    /// Merges a full state or a delta from a peer. Must be idempotent, commutative and never let
    /// an older entry replace a newer one. Bad bytes are an error, never a panic.
    ///
    /// The cluster does not re-broadcast what was merged: gossip already spreads each delta to
    /// every member (see [`Channel::broadcast`]).
    fn merge(&self, bytes: &[u8]) -> Result<(), MergeError>;
}

/// Why a peer's bytes could not be merged; logged and counted, never fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeError(pub String);

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MergeError {}

/// Why a peer could not start.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// A `--cluster.*` flag is wrong; the message names the flag.
    #[error("{0}")]
    Config(String),
    /// The listen address could not be bound.
    #[error("cluster: cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    /// `--cluster.tls-config` is unreadable, invalid or asks for something not supported.
    #[error("cluster: --cluster.tls-config {path}: {message}")]
    Tls { path: String, message: String },
}

/// A live cluster member as shown by `/api/v2/status` (`peers`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Member {
    /// The peer's name (`--cluster.peer-name`, else random).
    pub name: String,
    /// The peer's advertised `host:port`.
    pub address: String,
}

/// One cluster replica. Created by [`Peer::start`], shared as `Arc<Peer>`. Dropping the last
/// `Arc` stops its tasks and closes its sockets (without a leave: to the others it failed).
pub struct Peer {
    shared: Arc<Shared>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    ready: watch::Receiver<bool>,
    name: String,
}

/// What the tasks of one peer share.
pub(crate) struct Shared {
    pub(crate) opts: PeerOptions,
    pub(crate) label: String,
    /// Our identity (changes only when we rejoin after being declared dead).
    pub(crate) me: RwLock<NodeId>,
    /// Live members other than us, sorted by name.
    pub(crate) members: RwLock<Vec<NodeId>>,
    pub(crate) states: RwLock<HashMap<&'static str, Arc<dyn State>>>,
    pub(crate) seen: Mutex<broadcast::Seen>,
    /// Members that failed and are being reconnected to.
    pub(crate) failed: Mutex<HashMap<SocketAddr, reconnect::Failed>>,
    /// Addresses that announced a graceful leave (not reconnected to).
    pub(crate) left: Mutex<HashSet<SocketAddr>>,
    /// Addresses the last refresh tried to join.
    pub(crate) refresh_pending: Mutex<HashSet<SocketAddr>>,
    pub(crate) cmd: mpsc::Sender<Cmd>,
    pub(crate) merges: mpsc::Sender<MergeJob>,
    pub(crate) pushpull: mpsc::UnboundedSender<Option<SocketAddr>>,
    pub(crate) oversize_slots: Arc<Semaphore>,
    pub(crate) dialer: transport::Dialer,
    pub(crate) packets: transport::Packets,
    pub(crate) metrics: Metrics,
}

impl Shared {
    /// Live members, us included, sorted by name.
    fn all_members(&self) -> Vec<Member> {
        let me = self.me.read().clone();
        let mut all: Vec<Member> = self
            .members
            .read()
            .iter()
            .map(|m| Member { name: m.name.to_string(), address: m.addr.to_string() })
            .collect();
        all.push(Member { name: me.name.to_string(), address: me.addr.to_string() });
        all.sort();
        all
    }

    fn position(&self) -> usize {
        let me = self.me.read().name.clone();
        self.members.read().iter().filter(|m| m.name < me).count()
    }

    /// Refreshes the gauges that follow the member list.
    pub(crate) fn publish(&self) {
        self.metrics.members.set(self.members.read().len() as i64 + 1);
        self.metrics.position.set(self.position() as i64);
        self.metrics.failed_peers.set(self.failed.lock().len() as i64);
    }
}

/// A gossiped delta waiting to be merged.
#[derive(Debug)]
pub(crate) struct MergeJob {
    pub(crate) key: String,
    pub(crate) payload: Vec<u8>,
    pub(crate) from: Arc<str>,
}

/// Deltas queued for merging before newer ones are dropped (push-pull repairs the loss).
const MERGE_QUEUE: usize = 8192;

/// Merges gossiped deltas in arrival order, off the membership task.
async fn merge_loop(shared: Weak<Shared>, mut jobs: mpsc::Receiver<MergeJob>) {
    while let Some(job) = jobs.recv().await {
        let Some(shared) = shared.upgrade() else { return };
        merge_into(&shared, &job.key, &job.payload, &job.from);
    }
}

/// Hands bytes from a peer to the state registered under `key`; errors are logged, not fatal.
pub(crate) fn merge_into(shared: &Shared, key: &str, bytes: &[u8], from: &str) {
    let state = shared.states.read().get(key).cloned();
    match state {
        Some(s) => {
            if let Err(e) = s.merge(bytes) {
                shared.metrics.merge_errors.inc();
                tracing::warn!(key, from, error = %e, "cluster: merge failed");
            }
        }
        None => tracing::debug!(key, from, "cluster: message for an unregistered state dropped"),
    }
}

impl fmt::Debug for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Peer")
            .field("name", &self.name)
            .field("address", &self.shared.me.read().addr)
            .finish_non_exhaustive()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        for t in self.tasks.lock().drain(..) {
            t.abort();
        }
    }
}

impl Peer {
    /// Binds the listen address (TCP and UDP), registers the cluster metrics on `registry`,
    /// starts the background tasks and joins `opts.peers` (failures to join are retried, not
    /// fatal). Must be called inside a tokio runtime.
    pub async fn start(
        opts: PeerOptions,
        registry: &mut prometheus_client::registry::Registry,
    ) -> Result<Arc<Peer>, ClusterError> {
        if !opts.enabled() {
            return Err(config_err("--cluster.listen-address is empty: clustering is disabled"));
        }
        let tls = match &opts.tls {
            Some(path) => Some(tls::load(path)?),
            None => None,
        };
        for p in &opts.peers {
            resolve::check_peer(p.trim()).map_err(config_err)?;
        }
        let name = opts.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(address::random_name);
        if name.len() > 255 {
            return Err(config_err("--cluster.peer-name: longer than 255 bytes"));
        }
        if opts.label.len() > 255 {
            return Err(config_err("--cluster.label: longer than 255 bytes"));
        }

        // TCP first: with port 0 it picks the port, then UDP takes the same one. With TLS
        // there is no UDP: packets go over TLS connections.
        let listen = address::resolve_one("--cluster.listen-address", &opts.listen).await?;
        let tcp = TcpListener::bind(listen)
            .await
            .map_err(|source| ClusterError::Listen { addr: opts.listen.clone(), source })?;
        let bound = tcp
            .local_addr()
            .map_err(|source| ClusterError::Listen { addr: opts.listen.clone(), source })?;
        let dialer =
            transport::Dialer { tcp_timeout: opts.tcp_timeout, tls, isolated: Default::default() };
        let udp =
            match dialer.tls {
                Some(_) => None,
                None => Some(Arc::new(UdpSocket::bind(bound).await.map_err(|source| {
                    ClusterError::Listen { addr: opts.listen.clone(), source }
                })?)),
            };
        let packets = match &udp {
            Some(u) => transport::Packets::Udp(u.clone()),
            None => {
                transport::Packets::Tls { dialer: dialer.clone(), pool: Mutex::new(HashMap::new()) }
            }
        };
        let advertise = match &opts.advertise {
            Some(a) if !a.trim().is_empty() => {
                address::resolve_one("--cluster.advertise-address", a).await?
            }
            _ if bound.ip().is_unspecified() => {
                address::discover_advertise(bound.port(), opts.allow_insecure_public_advertise)?
            }
            _ => bound,
        };

        let bump = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let me = NodeId { name: Arc::from(name.as_str()), addr: advertise, bump };
        let (cmd_tx, cmd_rx) = mpsc::channel(4096);
        let (pp_tx, pp_rx) = mpsc::unbounded_channel();
        let (merge_tx, merge_rx) = mpsc::channel(MERGE_QUEUE);
        let (ready_tx, ready_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            label: opts.label.clone(),
            me: RwLock::new(me.clone()),
            members: RwLock::new(Vec::new()),
            states: RwLock::new(HashMap::new()),
            seen: Mutex::new(broadcast::Seen::default()),
            failed: Mutex::new(HashMap::new()),
            left: Mutex::new(HashSet::new()),
            refresh_pending: Mutex::new(HashSet::new()),
            cmd: cmd_tx,
            merges: merge_tx,
            pushpull: pp_tx,
            oversize_slots: Arc::new(Semaphore::new(broadcast::OVERSIZE_SLOTS)),
            dialer,
            packets,
            metrics: Metrics::register(registry, &name),
            opts,
        });
        shared.publish();
        let swim = membership::new_swim(me, &shared.opts, shared.clone());

        let mut tasks = vec![
            tokio::spawn(membership::run(shared.clone(), swim, cmd_rx)),
            tokio::spawn(transport::tcp_loop(shared.clone(), tcp)),
            tokio::spawn(pushpull::run(shared.clone(), pp_rx)),
            tokio::spawn(reconnect::run(shared.clone())),
            tokio::spawn(merge_loop(Arc::downgrade(&shared), merge_rx)),
        ];
        if let Some(udp) = udp {
            tasks.push(tokio::spawn(transport::udp_loop(shared.clone(), udp)));
        }
        let weak: Weak<Shared> = Arc::downgrade(&shared);
        tasks.push(tokio::spawn(settle::run(
            shared.opts.gossip_interval * 10,
            shared.opts.settle_timeout,
            move || weak.upgrade().map_or(1, |s| s.members.read().len() + 1),
            ready_tx,
        )));

        // Initial join; names that do not resolve yet are retried by the refresh loop.
        let joined = reconnect::refresh_once(&shared).await;
        tracing::info!(name, %advertise, peers = joined, "cluster: started");
        Ok(Arc::new(Peer { shared, tasks: Mutex::new(tasks), ready: ready_rx, name }))
    }

    /// Registers replicated state under a key ("sil", "nfl"); returns the handle to broadcast
    /// deltas. Registering triggers a full-state exchange so the new state converges at once.
    pub fn add_state(&self, key: &'static str, state: Arc<dyn State>) -> Channel {
        self.shared.states.write().insert(key, state);
        let _ = self.shared.pushpull.send(None);
        Channel { key, shared: Arc::downgrade(&self.shared) }
    }

    /// Our name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The address other peers reach us at (`--cluster.advertise-address` or discovered).
    pub fn address(&self) -> SocketAddr {
        self.shared.me.read().addr
    }

    /// Test hook: while `true`, every packet and connection in or out is dropped, as if the
    /// network were cut; `false` heals. For in-process partition tests only.
    #[doc(hidden)]
    pub fn isolate(&self, on: bool) {
        self.shared.dialer.isolated.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Our index among live members sorted by name (upstream): 0 notifies first.
    pub fn position(&self) -> usize {
        self.shared.position()
    }

    /// Live members, ourselves included, sorted by name.
    pub fn members(&self) -> Vec<Member> {
        self.shared.all_members()
    }

    /// "settling" until [`Peer::wait_ready`] would return, then "ready".
    pub fn status(&self) -> &'static str {
        if *self.ready.borrow() { "ready" } else { "settling" }
    }

    /// Settle (upstream): returns once the member count was stable for 3 consecutive polls
    /// (one poll every 10 × gossip interval) or `settle_timeout` elapsed.
    pub async fn wait_ready(&self) {
        let mut rx = self.ready.clone();
        let _ = rx.wait_for(|r| *r).await;
    }

    /// Graceful leave on shutdown: tells the others we are gone so they neither wait for the
    /// failure detector nor try to reconnect; the peer stops gossiping afterwards.
    pub async fn leave(&self) {
        let me = self.shared.me.read().addr;
        let notice = wire::encode(&self.shared.label, &wire::WireMessage::Leave(me));
        let members = self.shared.members.read().clone();
        let mut sends = tokio::task::JoinSet::new();
        let notice = Arc::new(notice);
        for m in members {
            let (shared, notice) = (self.shared.clone(), notice.clone());
            sends.spawn(async move {
                transport::notify_leave(&shared, m.addr, notice.as_slice()).await
            });
        }
        while sends.join_next().await.is_some() {}
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.shared.cmd.send(Cmd::Leave(tx)).await.is_ok() {
            let _ = tokio::time::timeout(self.shared.opts.tcp_timeout, rx).await;
        }
        tracing::info!(name = %self.name, "cluster: left");
    }
}

/// The handle a [`State`] owner broadcasts its deltas with.
#[derive(Clone)]
pub struct Channel {
    key: &'static str,
    shared: Weak<Shared>,
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel").field("key", &self.key).finish_non_exhaustive()
    }
}

impl Channel {
    /// Best-effort gossip of `delta` to all peers, delivered to their [`State::merge`] under the
    /// same key; large payloads go over TCP. Never blocks; drops (and counts) on overload.
    pub fn broadcast(&self, delta: Vec<u8>) {
        let Some(shared) = self.shared.upgrade() else { return };
        let item = wire::Item { id: rand010::random(), key: self.key.to_string(), payload: delta };
        let encoded = item.encode();
        shared.metrics.sent(metrics::UPDATE, encoded.len());
        if encoded.len() > broadcast::MAX_GOSSIP_ITEM {
            shared.seen.lock().insert(item.id);
            broadcast::fan_out(&shared, item);
        } else if shared.cmd.try_send(Cmd::Broadcast(encoded)).is_err() {
            shared.metrics.messages_pruned.inc();
        }
    }
}
