//! The cluster metrics under upstream's names, so dashboards and alerts written for upstream's
//! Alertmanager work unchanged.

use std::sync::atomic::AtomicU64;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;

/// Message kinds as upstream labels them.
pub(crate) const UPDATE: &str = "update";
pub(crate) const FULL_STATE: &str = "full_state";

#[derive(Debug, Clone)]
pub(crate) struct Metrics {
    pub(crate) members: Gauge,
    pub(crate) health_score: Gauge<f64, AtomicU64>,
    pub(crate) position: Gauge,
    pub(crate) failed_peers: Gauge,
    pub(crate) messages_queued: Gauge,
    pub(crate) messages_received: Family<Labels, Counter>,
    pub(crate) messages_received_size: Family<Labels, Counter>,
    pub(crate) messages_sent: Family<Labels, Counter>,
    pub(crate) messages_sent_size: Family<Labels, Counter>,
    pub(crate) messages_pruned: Counter,
    pub(crate) peers_joined: Counter,
    pub(crate) peers_left: Counter,
    pub(crate) peers_update: Counter,
    pub(crate) reconnections: Counter,
    pub(crate) reconnections_failed: Counter,
    pub(crate) refresh_join: Counter,
    pub(crate) refresh_join_failed: Counter,
    pub(crate) oversize_sent: Family<Labels, Counter>,
    pub(crate) oversize_failed: Family<Labels, Counter>,
    pub(crate) oversize_dropped: Family<Labels, Counter>,
    pub(crate) oversize_duration: Family<Labels, Histogram, fn() -> Histogram>,
    pub(crate) decode_errors: Counter,
    pub(crate) merge_errors: Counter,
}

fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 12))
}

pub(crate) fn msg_type(t: &str) -> Labels {
    vec![("msg_type", t.to_string())]
}

pub(crate) fn key(k: &str) -> Labels {
    vec![("key", k.to_string())]
}

impl Metrics {
    /// Creates the metrics and registers them; `name` labels `alertmanager_cluster_peer_info`.
    pub(crate) fn register(registry: &mut Registry, name: &str) -> Metrics {
        let m = Metrics {
            members: Gauge::default(),
            health_score: Gauge::default(),
            position: Gauge::default(),
            failed_peers: Gauge::default(),
            messages_queued: Gauge::default(),
            messages_received: Family::default(),
            messages_received_size: Family::default(),
            messages_sent: Family::default(),
            messages_sent_size: Family::default(),
            messages_pruned: Counter::default(),
            peers_joined: Counter::default(),
            peers_left: Counter::default(),
            peers_update: Counter::default(),
            reconnections: Counter::default(),
            reconnections_failed: Counter::default(),
            refresh_join: Counter::default(),
            refresh_join_failed: Counter::default(),
            oversize_sent: Family::default(),
            oversize_failed: Family::default(),
            oversize_dropped: Family::default(),
            oversize_duration: Family::new_with_constructor(duration_histogram),
            decode_errors: Counter::default(),
            merge_errors: Counter::default(),
        };
        // Upstream shows both kinds from the start, at zero.
        for t in [UPDATE, FULL_STATE] {
            for f in [
                &m.messages_received,
                &m.messages_received_size,
                &m.messages_sent,
                &m.messages_sent_size,
            ] {
                let _ = f.get_or_create(&msg_type(t));
            }
        }
        let info: Family<Labels, Gauge> = Family::default();
        info.get_or_create(&vec![("peer", name.to_string())]).set(1);

        let r = registry;
        r.register(
            "alertmanager_cluster_members",
            "Number indicating current number of members in cluster.",
            m.members.clone(),
        );
        r.register("alertmanager_cluster_health_score", "Health score of the cluster. Lower values are better and zero means 'totally healthy'.", m.health_score.clone());
        r.register("alertmanager_peer_position", "Position the Alertmanager instance believes it's in. The position determines a peer's behavior in the cluster.", m.position.clone());
        r.register(
            "alertmanager_cluster_failed_peers",
            "Number indicating the current number of failed peers in the cluster.",
            m.failed_peers.clone(),
        );
        r.register(
            "alertmanager_cluster_messages_queued",
            "Number of cluster messages which are queued.",
            m.messages_queued.clone(),
        );
        r.register(
            "alertmanager_cluster_messages_received",
            "Total number of cluster messages received.",
            m.messages_received.clone(),
        );
        r.register(
            "alertmanager_cluster_messages_received_size",
            "Total size of cluster messages received.",
            m.messages_received_size.clone(),
        );
        r.register(
            "alertmanager_cluster_messages_sent",
            "Total number of cluster messages sent.",
            m.messages_sent.clone(),
        );
        r.register(
            "alertmanager_cluster_messages_sent_size",
            "Total size of cluster messages sent.",
            m.messages_sent_size.clone(),
        );
        r.register(
            "alertmanager_cluster_messages_pruned",
            "Total number of cluster messages pruned.",
            m.messages_pruned.clone(),
        );
        r.register(
            "alertmanager_cluster_peers_joined",
            "A counter of the number of peers that have joined.",
            m.peers_joined.clone(),
        );
        r.register(
            "alertmanager_cluster_peers_left",
            "A counter of the number of peers that have left.",
            m.peers_left.clone(),
        );
        r.register(
            "alertmanager_cluster_peers_update",
            "A counter of the number of peers that have updated metadata.",
            m.peers_update.clone(),
        );
        r.register(
            "alertmanager_cluster_reconnections",
            "A counter of the number of cluster peer reconnections.",
            m.reconnections.clone(),
        );
        r.register(
            "alertmanager_cluster_reconnections_failed",
            "A counter of the number of failed cluster peer reconnection attempts.",
            m.reconnections_failed.clone(),
        );
        r.register(
            "alertmanager_cluster_refresh_join",
            "A counter of the number of cluster peer joined via refresh.",
            m.refresh_join.clone(),
        );
        r.register(
            "alertmanager_cluster_refresh_join_failed",
            "A counter of the number of failed cluster peer joined attempts via refresh.",
            m.refresh_join_failed.clone(),
        );
        r.register(
            "alertmanager_cluster_peer_info",
            "A metric with a constant '1' value labeled by peer name.",
            info,
        );
        r.register(
            "alertmanager_oversized_gossip_message_sent",
            "Number of oversized gossip message sent.",
            m.oversize_sent.clone(),
        );
        r.register(
            "alertmanager_oversized_gossip_message_failure",
            "Number of oversized gossip message sends that failed.",
            m.oversize_failed.clone(),
        );
        r.register(
            "alertmanager_oversized_gossip_message_dropped",
            "Number of oversized gossip messages that were dropped due to a full message queue.",
            m.oversize_dropped.clone(),
        );
        r.register(
            "alertmanager_oversize_gossip_message_duration_seconds",
            "Duration of oversized gossip message requests.",
            m.oversize_duration.clone(),
        );
        r.register(
            "klaxon_cluster_decode_errors",
            "Cluster messages refused because they could not be decoded or carried another label.",
            m.decode_errors.clone(),
        );
        r.register(
            "klaxon_cluster_merge_errors",
            "Replicated-state messages from peers that the state refused to merge.",
            m.merge_errors.clone(),
        );
        m
    }

    pub(crate) fn sent(&self, t: &str, bytes: usize) {
        self.messages_sent.get_or_create(&msg_type(t)).inc();
        self.messages_sent_size.get_or_create(&msg_type(t)).inc_by(bytes as u64);
    }

    pub(crate) fn received(&self, t: &str, bytes: usize) {
        self.messages_received.get_or_create(&msg_type(t)).inc();
        self.messages_received_size.get_or_create(&msg_type(t)).inc_by(bytes as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::encoding::text::encode;

    #[test]
    fn upstream_names_are_exposed() {
        let mut r = Registry::default();
        let m = Metrics::register(&mut r, "node-a");
        m.sent(UPDATE, 10);
        let mut out = String::new();
        encode(&mut out, &r).unwrap();
        for name in [
            "alertmanager_cluster_members ",
            "alertmanager_cluster_health_score ",
            "alertmanager_peer_position ",
            "alertmanager_cluster_failed_peers ",
            "alertmanager_cluster_messages_sent_total{msg_type=\"update\"} 1",
            "alertmanager_cluster_messages_sent_size_total{msg_type=\"update\"} 10",
            "alertmanager_cluster_messages_received_total{msg_type=\"full_state\"} 0",
            "alertmanager_cluster_peer_info{peer=\"node-a\"} 1",
            "alertmanager_cluster_reconnections_total ",
            "alertmanager_cluster_refresh_join_failed_total ",
            "alertmanager_cluster_peers_joined_total ",
        ] {
            assert!(out.contains(name), "{name} missing in\n{out}");
        }
    }
}
