//! The pipeline in a cluster: settle, the `ClusterWait` stage and send leases.
//!
//! Upstream (§10): a flush first waits until the peer has settled, and every integration
//! waits `position × --cluster.peer-timeout` before dedup, so that peer 0 sends and the others
//! find its log entry. klaxon keeps that and adds a lease ([`crate::nflog::lease`]) around the
//! send, because the entry only arrives once a send *succeeded*:
//!
//! * before sending, a peer claims the lease of (group, integration) unless another peer holds
//!   an active one; if one does, it waits (polling the log every gossip interval) for the
//!   holder's entry, re-running dedup each time, until the lease ends or the flush deadline
//!   passes. A deadline passed that way fails the flush (the alerts, resolved ones included,
//!   stay for the next flush: the peer has not seen the notification delivered).
//! * the holder renews the lease while it retries; if a newer claim replaces it (a peer that
//!   believed it dead), it stops. It releases the lease when done, sent or not, so a peer that
//!   cannot reach the receiver lets the next one try.
//! * after a lease it waited on ends, a peer waits `(position + 1) × 2` gossip intervals before
//!   claiming, so that the holder's entry arrives first and two waiting peers do not claim at
//!   once (lower positions go first).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::time::Instant;

use super::seams::{NotificationLog, ReceiverKey};
use crate::alert::Time;
use crate::nflog::Lease;

/// What the pipeline needs from the cluster peer (the runtime adapts `cluster::Peer`).
pub trait ClusterNode: Send + Sync {
    /// Our peer name (the lease holder).
    fn name(&self) -> &str;
    /// Our index among the members sorted by name: 0 sends first.
    fn position(&self) -> usize;
    /// `--cluster.peer-timeout`.
    fn peer_timeout(&self) -> Duration;
    /// How often a waiting integration looks at the log again (the gossip interval).
    fn poll_interval(&self) -> Duration;
    /// Resolves once the peer has settled and caught up with the cluster's state.
    fn wait_ready(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// `position × peer_timeout`.
pub fn wait_for(node: &dyn ClusterNode) -> Duration {
    node.peer_timeout().saturating_mul(u32::try_from(node.position()).unwrap_or(u32::MAX))
}

/// How long a claim holds without renewal: a peer-timeout, and never less than four gossip
/// intervals (so that renewals, every third of it, arrive in time).
pub fn lease_ttl(node: &dyn ClusterNode) -> Duration {
    node.peer_timeout().max(node.poll_interval().saturating_mul(4))
}

/// Why an integration did not send.
#[derive(Debug)]
pub enum Hold {
    /// Another peer held the lease until the deadline.
    Deferred(String),
}

/// Waits while another peer holds an active lease on (group, integration); returns when the
/// caller may claim (`Ok(true)`). `still_needed` re-runs dedup: `false` means the notification
/// is no longer needed (the holder's entry arrived), which ends the wait (`Ok(false)`).
pub async fn await_turn(
    node: &dyn ClusterNode,
    log: &dyn NotificationLog,
    group_key: &str,
    receiver: &ReceiverKey,
    deadline: Instant,
    now: impl Fn() -> Time,
    mut still_needed: impl FnMut() -> bool,
) -> Result<bool, Hold> {
    let poll = node.poll_interval().max(Duration::from_millis(10));
    let mut waited: Option<String> = None;
    loop {
        if !still_needed() {
            return Ok(false);
        }
        match log.lease(group_key, receiver) {
            Some(l) if l.active(now()) && l.holder != node.name() => {
                let next = Instant::now() + poll;
                if next > deadline {
                    tokio::time::sleep_until(deadline).await;
                    return Err(Hold::Deferred(l.holder));
                }
                waited = Some(l.holder);
                tokio::time::sleep_until(next).await;
            }
            _ => {
                if waited.take().is_none() {
                    return Ok(true);
                }
                // A lease ended: give its entry time to arrive, lower positions first.
                let n = u32::try_from(node.position()).unwrap_or(u32::MAX).saturating_add(1);
                let until = Instant::now() + poll.saturating_mul(2).saturating_mul(n);
                if until > deadline {
                    tokio::time::sleep_until(deadline).await;
                    return Err(Hold::Deferred("(handover)".to_string()));
                }
                tokio::time::sleep_until(until).await;
            }
        }
    }
}

/// Runs `send` holding `claim`: renews it every third of its TTL, and gives up (returning
/// `None`) if a newer claim by another peer replaces it. The caller releases the claim after
/// logging the outcome, so that peers see the entry no later than the release.
pub async fn send_holding<T>(
    node: &dyn ClusterNode,
    log: &dyn NotificationLog,
    claim: Lease,
    now: impl Fn() -> Time,
    send: impl Future<Output = T>,
) -> Option<T> {
    let ttl = lease_ttl(node);
    let poll = node.poll_interval().max(Duration::from_millis(10));
    let renew_every = ttl / 3;
    let guard = async {
        let mut last_renew = Instant::now();
        loop {
            tokio::time::sleep(poll.min(renew_every)).await;
            if let Some(cur) = log.lease(&claim.group_key, &claim.receiver) {
                let ours = cur.holder == claim.holder && cur.acquired_at == claim.acquired_at;
                if !ours && cur.active(now()) {
                    return cur.holder;
                }
            }
            if last_renew.elapsed() >= renew_every {
                log.renew(&claim, ttl, now());
                last_renew = Instant::now();
            }
        }
    };
    tokio::select! {
        r = send => Some(r),
        holder = guard => {
            tracing::warn!(group_key = %claim.group_key, peer = %holder,
                "another peer took over this notification; stopping");
            None
        }
    }
}
