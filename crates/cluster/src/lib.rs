//! High availability for the Alertmanager.
//!
//! This crate will own cluster membership and failure detection (SWIM, via `foca`), gossip of
//! silence and notification-log changes, a periodic full-state exchange so that joining or
//! partitioned peers converge, peer position for the `ClusterWait` stage, and the cluster
//! metrics under upstream names.
//!
//! Not built yet: see the high-availability issue.
