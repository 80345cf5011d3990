//! What the dispatcher learnt about alerts and groups, for the API to report.
//!
//! * Per alert: whether the dispatcher has seen it yet. An alert is `unprocessed` from the
//!   moment it is stored until the dispatcher first routes it.
//! * Per aggregation group (route id + group key): the time intervals that muted it at its
//!   last flush (`mutedBy`).
//!
//! Silenced and inhibited state is computed live by the API from [`crate::silence`] and
//! [`crate::inhibit`], so it is not kept here.

use std::collections::HashMap;

use crate::alert::NumSet;

use model::labels::Fingerprint;
use parking_lot::RwLock;

const SHARDS: usize = 16;

/// Shared between the dispatcher (writer) and the API (reader).
#[derive(Debug)]
pub struct Marker {
    processed: Box<[RwLock<NumSet<Fingerprint>>]>,
    muted: RwLock<HashMap<(String, String), Vec<String>>>,
}

impl Default for Marker {
    fn default() -> Self {
        Marker {
            processed: (0..SHARDS).map(|_| RwLock::new(NumSet::default())).collect(),
            muted: RwLock::new(HashMap::new()),
        }
    }
}

impl Marker {
    /// An empty marker.
    pub fn new() -> Self {
        Marker::default()
    }

    fn shard(&self, fp: Fingerprint) -> &RwLock<NumSet<Fingerprint>> {
        &self.processed[(fp.0 ^ (fp.0 >> 32)) as usize % SHARDS]
    }

    /// The dispatcher has routed this alert.
    pub fn set_processed(&self, fp: Fingerprint) {
        let shard = self.shard(fp);
        if !shard.read().contains(&fp) {
            shard.write().insert(fp);
        }
    }

    /// Whether the dispatcher has not routed this alert yet.
    pub fn is_unprocessed(&self, fp: Fingerprint) -> bool {
        !self.shard(fp).read().contains(&fp)
    }

    /// Forgets alerts (after the store GC'd them).
    pub fn delete(&self, fps: impl IntoIterator<Item = Fingerprint>) {
        for fp in fps {
            self.shard(fp).write().remove(&fp);
        }
    }

    /// Records the time intervals that muted a group at its flush (empty = not muted).
    pub fn set_muted(&self, route_id: &str, group_key: &str, intervals: Vec<String>) {
        let key = (route_id.to_string(), group_key.to_string());
        let mut m = self.muted.write();
        if intervals.is_empty() {
            m.remove(&key);
        } else {
            m.insert(key, intervals);
        }
    }

    /// The time intervals that muted the group at its last flush.
    pub fn muted_by(&self, route_id: &str, group_key: &str) -> Vec<String> {
        // A borrowed lookup would need a composite key type; this runs per group per request.
        let key = (route_id.to_string(), group_key.to_string());
        self.muted.read().get(&key).cloned().unwrap_or_default()
    }

    /// Forgets a group (destroyed by dispatcher maintenance).
    pub fn delete_group(&self, route_id: &str, group_key: &str) {
        self.muted.write().remove(&(route_id.to_string(), group_key.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_are_unprocessed_until_seen() {
        let m = Marker::new();
        let fp = Fingerprint(42);
        assert!(m.is_unprocessed(fp));
        m.set_processed(fp);
        assert!(!m.is_unprocessed(fp));
        m.delete([fp]);
        assert!(m.is_unprocessed(fp));
    }

    #[test]
    fn group_muted_by_is_per_route_and_group() {
        let m = Marker::new();
        m.set_muted("{}/0", "{}:{a=\"1\"}", vec!["weekend".into()]);
        assert_eq!(m.muted_by("{}/0", "{}:{a=\"1\"}"), vec!["weekend"]);
        assert!(m.muted_by("{}/1", "{}:{a=\"1\"}").is_empty());
        m.set_muted("{}/0", "{}:{a=\"1\"}", vec![]);
        assert!(m.muted_by("{}/0", "{}:{a=\"1\"}").is_empty());
        m.set_muted("{}/0", "g", vec!["x".into()]);
        m.delete_group("{}/0", "g");
        assert!(m.muted_by("{}/0", "g").is_empty());
    }
}
