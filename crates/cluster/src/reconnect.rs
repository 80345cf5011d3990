//! Rejoining: a member that failed (not one that left) is announced to every reconnect
//! interval until the reconnect timeout; the `--cluster.peer` names are re-resolved on a
//! refresh interval and any address that is not a member is joined (a replica that came back
//! under a new IP, or one that was down when we started).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::Shared;
use crate::membership::Cmd;
use crate::resolve::resolve_peers;

/// Upstream re-resolves and rejoins the configured peers this often.
const REFRESH_INTERVAL: Duration = Duration::from_secs(15);

/// A member that failed: when, and whether the last attempt brought it back.
#[derive(Debug, Clone)]
pub(crate) struct Failed {
    pub(crate) name: Arc<str>,
    pub(crate) since: Instant,
    pub(crate) attempted: bool,
}

impl Failed {
    pub(crate) fn now(name: Arc<str>) -> Failed {
        Failed { name, since: Instant::now(), attempted: false }
    }
}

fn is_member(shared: &Shared, addr: SocketAddr) -> bool {
    shared.members.read().iter().any(|m| m.addr == addr)
}

/// One reconnect round.
pub(crate) async fn reconnect_once(shared: &Shared) {
    let timeout = shared.opts.reconnect_timeout;
    let mut todo = Vec::new();
    {
        let mut failed = shared.failed.lock();
        failed.retain(|addr, f| {
            if f.since.elapsed() >= timeout {
                tracing::info!(peer = %f.name, "cluster: giving up reconnecting to failed peer");
                return false;
            }
            if f.attempted {
                // The previous attempt did not bring it back (success removes the entry).
                shared.metrics.reconnections_failed.inc();
            }
            f.attempted = true;
            todo.push(*addr);
            true
        });
    }
    for addr in todo {
        shared.metrics.reconnections.inc();
        let _ = shared.cmd.send(Cmd::Announce(addr)).await;
    }
    shared.publish();
}

/// One refresh round: re-resolve `--cluster.peer` and join addresses that are not members.
/// Returns how many joins were attempted.
pub(crate) async fn refresh_once(shared: &Shared) -> usize {
    let me = shared.me.read().addr;
    let addrs = resolve_peers(&shared.opts.peers, me, shared.opts.peers_resolve_timeout).await;
    // Joins of the previous round that did not make the address a member have failed.
    let previous = std::mem::take(&mut *shared.refresh_pending.lock());
    for addr in previous {
        if !is_member(shared, addr) {
            shared.metrics.refresh_join_failed.inc();
        }
    }
    let mut n = 0;
    for addr in addrs {
        if is_member(shared, addr) || shared.failed.lock().contains_key(&addr) {
            continue;
        }
        n += 1;
        shared.metrics.refresh_join.inc();
        shared.refresh_pending.lock().insert(addr);
        let _ = shared.cmd.send(Cmd::Announce(addr)).await;
    }
    n
}

/// The reconnect and refresh loop.
pub(crate) async fn run(shared: Arc<Shared>) {
    let interval = shared.opts.reconnect_interval.max(Duration::from_millis(10));
    let mut reconnect = tokio::time::interval(interval);
    let mut refresh =
        tokio::time::interval(REFRESH_INTERVAL.min(interval.max(Duration::from_secs(1))));
    reconnect.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    reconnect.tick().await;
    refresh.tick().await;
    loop {
        tokio::select! {
            _ = reconnect.tick() => reconnect_once(&shared).await,
            _ = refresh.tick() => { refresh_once(&shared).await; }
        }
    }
}
