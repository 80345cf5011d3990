//! Send leases: "peer P is sending the notification of (group, integration) now".
//!
//! Upstream peers only learn that a notification went out once it *succeeded*. While a
//! receiver is failing every peer's wait runs out, each starts retrying, and when the receiver
//! comes back each delivers (upstream issues #3865, #4108). A peer that decides to send first
//! claims a lease and gossips it; the others, finding a live lease held by someone else, wait
//! for the holder's log entry instead of sending. The holder renews the lease while it retries
//! and releases it when done (sent or given up); a holder that dies stops renewing, so its
//! lease expires and the next peer takes over: a dead peer never blocks a notification.
//!
//! Replication: a lease is a claim `(acquired_at, holder)`; the newest claim wins. Copies of
//! one claim join to the latest expiry and "released" once either copy is released. That is a
//! join (commutative, associative, idempotent), so peers agree whatever order gossip arrives.

use std::cmp::Ordering as CmpOrdering;
use std::time::Duration;

use super::{Nflog, REC_LEASE, ReceiverKey, signed, state_key};
use crate::alert::Time;
use crate::persist::{Dec, Enc};

/// One claim to send a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The aggregation group's key.
    pub group_key: String,
    /// The integration.
    pub receiver: ReceiverKey,
    /// The peer sending.
    pub holder: String,
    /// When it claimed: with the holder, the claim's identity and rank (newer wins).
    pub acquired_at: Time,
    /// Until when the claim holds unless renewed.
    pub expires_at: Time,
    /// The holder is done (sent, or gave up and lets the next peer try).
    pub released: bool,
}

impl Lease {
    /// Whether it still keeps other peers from sending at `now`.
    pub fn active(&self, now: Time) -> bool {
        !self.released && self.expires_at > now
    }

    fn claim_cmp(&self, other: &Lease) -> CmpOrdering {
        (self.acquired_at, &self.holder).cmp(&(other.acquired_at, &other.holder))
    }

    /// The lease after merging `other` into `self` (same key): the newer claim, or for the same
    /// claim the later expiry and "released" if either says so.
    pub fn join(&self, other: &Lease) -> Lease {
        match self.claim_cmp(other) {
            CmpOrdering::Less => other.clone(),
            CmpOrdering::Greater => self.clone(),
            CmpOrdering::Equal => Lease {
                expires_at: self.expires_at.max(other.expires_at),
                released: self.released || other.released,
                ..self.clone()
            },
        }
    }
}

impl Nflog {
    /// The current lease of (group, integration), active or not.
    pub fn lease(&self, group_key: &str, receiver: &ReceiverKey) -> Option<Lease> {
        self.leases.read().get(&state_key(group_key, receiver)).cloned()
    }

    /// Claims the lease for `holder` at `now` for `ttl` and tells the peers. The claim is newer
    /// than any before it, so it replaces them (callers first check that no other peer holds
    /// an active one).
    pub fn claim(
        &self,
        group_key: &str,
        receiver: &ReceiverKey,
        holder: &str,
        ttl: Duration,
        now: Time,
    ) -> Lease {
        let lease = Lease {
            group_key: group_key.to_string(),
            receiver: receiver.clone(),
            holder: holder.to_string(),
            acquired_at: now,
            expires_at: now.saturating_add(signed(ttl)).unwrap_or(now),
            released: false,
        };
        self.merge_lease(lease.clone(), now);
        self.send_now(encode(&lease));
        lease
    }

    /// Extends `claim` to `now + ttl` and tells the peers.
    pub fn renew(&self, claim: &Lease, ttl: Duration, now: Time) {
        let mut l = claim.clone();
        l.expires_at = now.saturating_add(signed(ttl)).unwrap_or(now);
        self.merge_lease(l.clone(), now);
        self.send(encode(&l));
    }

    /// Ends `claim` and tells the peers, who may then send.
    pub fn release(&self, claim: &Lease, now: Time) {
        let mut l = claim.clone();
        l.released = true;
        self.merge_lease(l.clone(), now);
        self.send(encode(&l));
    }

    /// Joins a lease into the local one; returns whether it changed anything. Leases already
    /// expired at `now` are ignored.
    pub fn merge_lease(&self, lease: Lease, now: Time) -> bool {
        if lease.expires_at < now {
            return false;
        }
        let key = state_key(&lease.group_key, &lease.receiver);
        let mut leases = self.leases.write();
        let next = match leases.get(&key) {
            Some(prev) => {
                let joined = prev.join(&lease);
                if &joined == prev {
                    return false;
                }
                joined
            }
            None => lease,
        };
        leases.insert(key, next);
        true
    }
}

pub(super) fn encode(l: &Lease) -> Vec<u8> {
    let mut w = Enc::new();
    w.u8(REC_LEASE).str(&l.group_key);
    w.str(&l.receiver.group_name).str(&l.receiver.integration).u32(l.receiver.index);
    w.str(&l.holder).time(l.acquired_at).time(l.expires_at).u8(u8::from(l.released));
    w.buf
}

pub(super) fn decode(d: &mut Dec<'_>) -> Result<Lease, String> {
    let group_key = d.str()?.to_string();
    let receiver = ReceiverKey {
        group_name: d.str()?.to_string(),
        integration: d.str()?.to_string(),
        index: d.u32()?,
    };
    let holder = d.str()?.to_string();
    let (acquired_at, expires_at) = (d.time()?, d.time()?);
    let released = match d.u8()? {
        0 => false,
        1 => true,
        b => return Err(format!("bad released flag {b}")),
    };
    Ok(Lease { group_key, receiver, holder, acquired_at, expires_at, released })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Time {
        Time::from_second(1_800_000_000 + s).unwrap()
    }

    fn lease(holder: &str, at: i64, until: i64, released: bool) -> Lease {
        Lease {
            group_key: "g".into(),
            receiver: ReceiverKey {
                group_name: "r".into(),
                integration: "webhook".into(),
                index: 0,
            },
            holder: holder.into(),
            acquired_at: t(at),
            expires_at: t(until),
            released,
        }
    }

    #[test]
    fn join_is_a_semilattice() {
        let all = [
            lease("a", 0, 10, false),
            lease("a", 0, 15, false),
            lease("a", 0, 12, true),
            lease("b", 0, 10, false),
            lease("b", 5, 9, false),
            lease("a", 5, 20, true),
        ];
        for x in &all {
            assert_eq!(x.join(x), *x, "idempotent");
            for y in &all {
                assert_eq!(x.join(y), y.join(x), "commutative: {x:?} {y:?}");
                for z in &all {
                    assert_eq!(x.join(y).join(z), x.join(&y.join(z)), "associative");
                }
            }
        }
        // The newest claim wins; one claim's copies keep the longest expiry and the release.
        assert_eq!(lease("a", 0, 10, false).join(&lease("b", 5, 9, false)).holder, "b");
        let j = lease("a", 0, 15, false).join(&lease("a", 0, 12, true));
        assert_eq!((j.expires_at, j.released), (t(15), true));
    }

    #[test]
    fn active_until_released_or_expired() {
        assert!(lease("a", 0, 10, false).active(t(9)));
        assert!(!lease("a", 0, 10, false).active(t(10)));
        assert!(!lease("a", 0, 10, true).active(t(1)));
    }

    #[test]
    fn claim_renew_release_are_broadcast_and_merge_on_a_peer() {
        let a = Nflog::in_memory(Default::default());
        let b = Nflog::in_memory(Default::default());
        let sent = std::sync::Arc::new(parking_lot::Mutex::new(Vec::new()));
        let s = sent.clone();
        a.set_broadcast(Box::new(move |m| s.lock().push(m)));
        let rk = lease("x", 0, 0, false).receiver;
        let claim = a.claim("g", &rk, "a", Duration::from_secs(5), t(0));
        a.renew(&claim, Duration::from_secs(5), t(3));
        for m in sent.lock().iter() {
            b.merge_bytes(m, t(3)).unwrap();
        }
        let got = b.lease("g", &rk).unwrap();
        assert_eq!((got.holder.as_str(), got.expires_at, got.active(t(7))), ("a", t(8), true));
        a.release(&claim, t(4));
        let last = sent.lock().last().cloned().unwrap();
        b.merge_bytes(&last, t(4)).unwrap();
        assert!(!b.lease("g", &rk).unwrap().active(t(4)));
        // A stale, unreleased copy arriving late does not revive it.
        assert_eq!(b.merge_bytes(&sent.lock()[0], t(4)).unwrap(), 0);
        assert!(!b.lease("g", &rk).unwrap().active(t(4)));
    }
}
