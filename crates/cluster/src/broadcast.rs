//! Gossip of state deltas.
//!
//! Small deltas ride on foca's custom broadcasts: each is piggybacked on SWIM traffic and
//! re-sent a few times by every peer that learns it (infection style, like memberlist's
//! transmit-limited queue upstream), so a lost UDP packet or a peer that cannot reach the
//! origin directly still gets it. Every delta carries a random id; a peer merges and
//! forwards an id once ([`Seen`]). Deltas too large for a packet go straight from the origin
//! to every member over TCP, as upstream's "oversized gossip" channel does.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use crate::identity::NodeId;
use crate::metrics::{self, UPDATE};
use crate::wire::Item;
use crate::{Shared, merge_into};

/// Encoded deltas above this size go over TCP (upstream: half of the 1400-byte packet).
pub(crate) const MAX_GOSSIP_ITEM: usize = 700;

/// Oversized deltas being sent at once (per member); more are dropped and counted.
pub(crate) const OVERSIZE_SLOTS: usize = 256;

/// How many delta ids are remembered to drop repeats; far more than can circulate at once.
const SEEN_CAPACITY: usize = 1 << 16;

/// Recently seen delta ids, oldest evicted first.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    set: HashSet<u64>,
    order: VecDeque<u64>,
}

impl Seen {
    /// True when `id` is new (and remembers it).
    pub(crate) fn insert(&mut self, id: u64) -> bool {
        if !self.set.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > SEEN_CAPACITY
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

/// The key foca uses to replace an item in its retransmit queue: the delta id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ItemKey(u64);

impl foca::Invalidates for ItemKey {
    fn invalidates(&self, other: &Self) -> bool {
        self == other
    }
}

/// Why a custom broadcast could not be read; foca stops reading that packet.
#[derive(Debug, thiserror::Error)]
#[error("malformed broadcast item: {0}")]
pub(crate) struct ItemError(#[from] crate::codec::DecodeError);

/// foca's hook for our deltas: merges new ones into the registered state and keeps them
/// circulating; repeats are dropped.
pub(crate) struct Handler {
    pub(crate) shared: Arc<Shared>,
}

impl foca::BroadcastHandler<NodeId> for Handler {
    type Key = ItemKey;
    type Error = ItemError;

    fn receive_item(
        &mut self,
        data: &[u8],
        sender: Option<&NodeId>,
    ) -> Result<Option<ItemKey>, ItemError> {
        let item = Item::decode(data)?;
        if !self.shared.seen.lock().insert(item.id) {
            return Ok(None);
        }
        if let Some(from) = sender {
            self.shared.metrics.received(UPDATE, data.len());
            // Merged by the merge task, so a slow `State::merge` never delays SWIM probes.
            let job =
                crate::MergeJob { key: item.key, payload: item.payload, from: from.name.clone() };
            if self.shared.merges.try_send(job).is_err() {
                self.shared.metrics.messages_pruned.inc();
            }
        }
        Ok(Some(ItemKey(item.id)))
    }
}

/// Handles a delta that arrived over TCP (oversized): merge once, never forwarded.
pub(crate) fn receive_direct(shared: &Shared, item: &Item, size: usize) {
    if shared.seen.lock().insert(item.id) {
        shared.metrics.received(UPDATE, size);
        merge_into(shared, &item.key, &item.payload, "oversized gossip");
    }
}

/// Sends an oversized delta to every live member over TCP, one task per member.
pub(crate) fn fan_out(shared: &Arc<Shared>, item: Item) {
    let frame = Arc::new(crate::wire::encode(
        &shared.label,
        &crate::wire::WireMessage::Broadcast(item.clone()),
    ));
    let targets: Vec<NodeId> = shared.members.read().clone();
    let labels = metrics::key(&item.key);
    for target in targets {
        let Ok(permit) = shared.oversize_slots.clone().try_acquire_owned() else {
            shared.metrics.oversize_dropped.get_or_create(&labels).inc();
            continue;
        };
        let shared = shared.clone();
        let frame = frame.clone();
        let labels = labels.clone();
        tokio::spawn(async move {
            let start = tokio::time::Instant::now();
            let res = crate::transport::send_frames(&shared, target.addr, &[&frame]).await;
            shared
                .metrics
                .oversize_duration
                .get_or_create(&labels)
                .observe(start.elapsed().as_secs_f64());
            match res {
                Ok(()) => {
                    shared.metrics.oversize_sent.get_or_create(&labels).inc();
                }
                Err(e) => {
                    shared.metrics.oversize_failed.get_or_create(&labels).inc();
                    tracing::debug!(peer = %target.name, error = %e, "cluster: oversized gossip failed");
                }
            }
            drop(permit);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_drops_repeats_and_forgets_the_oldest() {
        let mut s = Seen::default();
        assert!(s.insert(1));
        assert!(!s.insert(1));
        for i in 2..(SEEN_CAPACITY as u64 + 2) {
            assert!(s.insert(i));
        }
        assert!(s.insert(1), "1 was evicted");
        assert!(s.set.len() <= SEEN_CAPACITY + 1);
    }
}
