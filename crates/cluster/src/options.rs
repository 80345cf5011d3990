//! Settings of a cluster peer: the `--cluster.*` flags of upstream's Alertmanager.

use std::path::PathBuf;
use std::time::Duration;

/// How a peer listens, whom it joins and how fast it gossips. [`Default`] gives upstream's flag
/// defaults, so a caller only sets what the command line changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerOptions {
    /// `--cluster.listen-address` (`host:port`, TCP and UDP). Empty disables HA: the caller
    /// then does not start a peer at all (see [`PeerOptions::enabled`]).
    pub listen: String,
    /// `--cluster.advertise-address`: the `host:port` other peers reach us at. When `None`, the
    /// listen address is used if it is a concrete IP, else the first non-loopback private address.
    pub advertise: Option<String>,
    /// `--cluster.peer-name`; a random ULID-like name when `None`.
    pub name: Option<String>,
    /// `--cluster.peer` (repeatable): `host:port`, where a DNS name may resolve to several
    /// addresses, every one of which is joined; names are resolved again on each reconnect.
    pub peers: Vec<String>,
    /// `--cluster.peer-timeout` (15s): not used by the cluster itself; the notification
    /// pipeline waits `position × peer_timeout`. Kept here so all flags travel together.
    pub peer_timeout: Duration,
    /// `--cluster.gossip-interval` (200ms): how often queued broadcasts are sent.
    pub gossip_interval: Duration,
    /// `--cluster.pushpull-interval` (1m): full-state exchange with one random member.
    pub pushpull_interval: Duration,
    /// `--cluster.tcp-timeout` (10s): bound on one TCP connection (push-pull, large broadcast).
    pub tcp_timeout: Duration,
    /// `--cluster.probe-timeout` (500ms): how long to wait for a probe's ack.
    pub probe_timeout: Duration,
    /// `--cluster.probe-interval` (1s): how often a random member is probed.
    pub probe_interval: Duration,
    /// `--cluster.reconnect-interval` (10s): how often a lost `--cluster.peer` is rejoined.
    pub reconnect_interval: Duration,
    /// `--cluster.reconnect-timeout` (6h): after this long a lost peer is no longer rejoined.
    pub reconnect_timeout: Duration,
    /// `--cluster.peers-resolve-timeout` (15s): bound on resolving `peers` at start.
    pub peers_resolve_timeout: Duration,
    /// `--cluster.settle-timeout` (defaults to the push-pull interval; zero = ready at once).
    pub settle_timeout: Duration,
    /// `--cluster.tls-config`: upstream's file with `tls_server_config` and `tls_client_config`.
    pub tls: Option<PathBuf>,
    /// `--cluster.label`: packets with another label are dropped, so two clusters sharing a
    /// network do not merge. Empty = no label.
    pub label: String,
    /// `--cluster.allow-insecure-public-advertise-address-discovery`: allow picking a public
    /// address when no advertise address is given.
    pub allow_insecure_public_advertise: bool,
}

impl Default for PeerOptions {
    fn default() -> Self {
        PeerOptions {
            listen: "0.0.0.0:9094".to_string(),
            advertise: None,
            name: None,
            peers: Vec::new(),
            peer_timeout: Duration::from_secs(15),
            gossip_interval: Duration::from_millis(200),
            pushpull_interval: Duration::from_secs(60),
            tcp_timeout: Duration::from_secs(10),
            probe_timeout: Duration::from_millis(500),
            probe_interval: Duration::from_secs(1),
            reconnect_interval: Duration::from_secs(10),
            reconnect_timeout: Duration::from_secs(6 * 3600),
            peers_resolve_timeout: Duration::from_secs(15),
            settle_timeout: Duration::from_secs(60),
            tls: None,
            label: String::new(),
            allow_insecure_public_advertise: false,
        }
    }
}

impl PeerOptions {
    /// False when `--cluster.listen-address` is empty: HA is off and no peer is started.
    pub fn enabled(&self) -> bool {
        !self.listen.trim().is_empty()
    }
}
