//! What the pipeline needs from the rest of Alertmanager, as small traits: the inhibitor, the
//! silences, the time intervals, the notification log and the marker. The real types implement
//! them (the `impl`s at the bottom of this file); tests plug in fakes.

use crate::alert::Time;
use model::labels::{Fingerprint, Labels};
use std::collections::BTreeMap;
use std::time::Duration;

/// Inhibition: which source alert, if any, mutes `labels` at `now`.
pub trait InhibitCheck: Send + Sync {
    /// The fingerprint of the inhibiting source alert.
    fn inhibited_by(&self, labels: &Labels, now: Time) -> Option<Fingerprint>;
}

/// Silences: the ids of the active silences matching `labels` at `now`.
pub trait SilenceCheck: Send + Sync {
    /// Empty when not silenced.
    fn silenced_by(&self, labels: &Labels, now: Time) -> Vec<String>;
}

/// Named time intervals (`time_intervals:` of the config).
pub trait IntervalCheck: Send + Sync {
    /// The names among `names` whose interval contains `now`, in the order given; an error
    /// (upstream's text) names an interval the config does not define.
    fn containing(&self, names: &[String], now: Time) -> Result<Vec<String>, String>;
}

pub use crate::nflog::{Lease, ReceiverKey};

/// The part of the last notification log entry that dedup and the notifiers read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogEntry {
    /// When the last notification was sent.
    pub timestamp: Time,
    /// Hashes ([`crate::alert::Alert::hash`]) of the alerts notified as firing.
    pub firing: Vec<u64>,
    /// Hashes of the alerts notified as resolved.
    pub resolved: Vec<u64>,
    /// What the integration asked to keep (Slack's thread).
    pub receiver_data: BTreeMap<String, String>,
}

/// The notification log.
pub trait NotificationLog: Send + Sync {
    /// The last entry of `receiver` for `group_key`.
    fn last(&self, group_key: &str, receiver: &ReceiverKey) -> Option<LogEntry>;

    /// Records a notification (or a deliberate non-send) at `now`, kept for `expiry`.
    #[allow(clippy::too_many_arguments)]
    fn log(
        &self,
        receiver: &ReceiverKey,
        group_key: &str,
        firing: Vec<u64>,
        resolved: Vec<u64>,
        receiver_data: BTreeMap<String, String>,
        expiry: Duration,
        now: Time,
    ) -> Result<(), String>;

    /// The send lease of `receiver` for `group_key` (in a cluster; see
    /// [`crate::nflog::lease`]).
    fn lease(&self, _group_key: &str, _receiver: &ReceiverKey) -> Option<Lease> {
        None
    }

    /// Claims the send lease for `holder`; `None` where leases are not kept.
    fn claim(
        &self,
        _group_key: &str,
        _receiver: &ReceiverKey,
        _holder: &str,
        _ttl: Duration,
        _now: Time,
    ) -> Option<Lease> {
        None
    }

    /// Extends a claim.
    fn renew(&self, _claim: &Lease, _ttl: Duration, _now: Time) {}

    /// Ends a claim.
    fn release(&self, _claim: &Lease, _now: Time) {}
}

/// Where flushes record what muted what, for the API.
pub trait StatusRecorder: Send + Sync {
    /// The time intervals that muted the group at its last flush (empty: not muted).
    fn set_muted(&self, route_id: &str, group_key: &str, time_intervals: Vec<String>);

    /// The silences that muted an alert at the last flush.
    fn set_silenced(&self, _fingerprint: Fingerprint, _silence_ids: Vec<String>) {}

    /// The alerts that inhibited an alert at the last flush.
    fn set_inhibited(&self, _fingerprint: Fingerprint, _inhibited_by: Vec<String>) {}

    /// Forgets a destroyed group.
    fn delete_group(&self, _route_id: &str, _group_key: &str) {}

    /// The dispatcher has routed this alert (it is no longer `unprocessed`).
    fn set_processed(&self, _fingerprint: Fingerprint) {}
}

/// Nothing inhibits, nothing is silenced, no interval is known, nothing is recorded: for
/// tests and for pipelines without the feature.
#[derive(Debug, Default, Clone, Copy)]
pub struct Nothing;

impl InhibitCheck for Nothing {
    fn inhibited_by(&self, _: &Labels, _: Time) -> Option<Fingerprint> {
        None
    }
}

impl SilenceCheck for Nothing {
    fn silenced_by(&self, _: &Labels, _: Time) -> Vec<String> {
        Vec::new()
    }
}

impl IntervalCheck for Nothing {
    fn containing(&self, names: &[String], _: Time) -> Result<Vec<String>, String> {
        match names.first() {
            Some(name) => Err(format!("time interval {name} doesn't exist in config")),
            None => Ok(Vec::new()),
        }
    }
}

impl StatusRecorder for Nothing {
    fn set_muted(&self, _: &str, _: &str, _: Vec<String>) {}
}

/// An in-memory notification log for tests and benches (no expiry, no persistence).
#[derive(Debug, Default)]
pub struct MemoryLog {
    /// Receiver → group key → entry (nested so that lookups borrow instead of building a key).
    entries: parking_lot::Mutex<
        std::collections::HashMap<ReceiverKey, std::collections::HashMap<String, LogEntry>>,
    >,
}

impl MemoryLog {
    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.entries.lock().values().map(|m| m.len()).sum()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl NotificationLog for MemoryLog {
    fn last(&self, group_key: &str, receiver: &ReceiverKey) -> Option<LogEntry> {
        self.entries.lock().get(receiver)?.get(group_key).cloned()
    }

    fn log(
        &self,
        receiver: &ReceiverKey,
        group_key: &str,
        firing: Vec<u64>,
        resolved: Vec<u64>,
        receiver_data: BTreeMap<String, String>,
        _expiry: Duration,
        now: Time,
    ) -> Result<(), String> {
        let entry = LogEntry { timestamp: now, firing, resolved, receiver_data };
        let mut entries = self.entries.lock();
        let by_group = match entries.get_mut(receiver) {
            Some(m) => m,
            None => entries.entry(receiver.clone()).or_default(),
        };
        match by_group.get_mut(group_key) {
            Some(e) => *e = entry,
            None => {
                by_group.insert(group_key.to_string(), entry);
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The real types.

impl SilenceCheck for crate::silence::Silences {
    fn silenced_by(&self, labels: &Labels, now: Time) -> Vec<String> {
        self.mutes(labels, now)
    }
}

impl InhibitCheck for crate::inhibit::Inhibitor {
    fn inhibited_by(&self, labels: &Labels, now: Time) -> Option<Fingerprint> {
        self.mutes(labels, now)
    }
}

impl StatusRecorder for crate::marker::Marker {
    fn set_muted(&self, route_id: &str, group_key: &str, time_intervals: Vec<String>) {
        crate::marker::Marker::set_muted(self, route_id, group_key, time_intervals);
    }

    fn delete_group(&self, route_id: &str, group_key: &str) {
        crate::marker::Marker::delete_group(self, route_id, group_key);
    }

    fn set_processed(&self, fingerprint: Fingerprint) {
        crate::marker::Marker::set_processed(self, fingerprint);
    }
}

impl IntervalCheck for BTreeMap<String, crate::timeinterval::TimeInterval> {
    fn containing(&self, names: &[String], now: Time) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for name in names {
            let Some(interval) = self.get(name) else {
                return Err(format!("time interval {name} doesn't exist in config"));
            };
            if interval.contains(now) {
                out.push(name.clone());
            }
        }
        Ok(out)
    }
}

impl NotificationLog for crate::nflog::Nflog {
    fn last(&self, group_key: &str, receiver: &ReceiverKey) -> Option<LogEntry> {
        self.query(group_key, receiver).map(|e| LogEntry {
            timestamp: e.timestamp,
            firing: e.firing,
            resolved: e.resolved,
            receiver_data: e.receiver_data,
        })
    }

    fn log(
        &self,
        receiver: &ReceiverKey,
        group_key: &str,
        firing: Vec<u64>,
        resolved: Vec<u64>,
        receiver_data: BTreeMap<String, String>,
        expiry: Duration,
        now: Time,
    ) -> Result<(), String> {
        crate::nflog::Nflog::log(
            self,
            receiver,
            group_key,
            firing,
            resolved,
            receiver_data,
            expiry,
            now,
        )
        .map_err(|e| e.to_string())
    }

    fn lease(&self, group_key: &str, receiver: &ReceiverKey) -> Option<Lease> {
        crate::nflog::Nflog::lease(self, group_key, receiver)
    }

    fn claim(
        &self,
        group_key: &str,
        receiver: &ReceiverKey,
        holder: &str,
        ttl: Duration,
        now: Time,
    ) -> Option<Lease> {
        Some(crate::nflog::Nflog::claim(self, group_key, receiver, holder, ttl, now))
    }

    fn renew(&self, claim: &Lease, ttl: Duration, now: Time) {
        crate::nflog::Nflog::renew(self, claim, ttl, now);
    }

    fn release(&self, claim: &Lease, now: Time) {
        crate::nflog::Nflog::release(self, claim, now);
    }
}
