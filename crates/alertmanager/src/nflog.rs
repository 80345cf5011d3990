//! The notification log (§6): what each integration of each receiver last sent for each
//! aggregation group, which is what dedup and `repeat_interval` are decided on.
//!
//! Entries are keyed `<group key>:<receiver>/<integration>/<index>`, expire at
//! `now + expiry` (the caller passes `min(--data.retention, 2 × repeat_interval)`), and merge
//! by "newer timestamp wins" ([`Nflog::merge`], for HA gossip). Every write is a journal record
//! synced at most a second later and snapshots are rewritten at maintenance, so
//! `repeat_interval` holds across restarts and kill -9 (upstream only snapshots every 15
//! minutes and at shutdown).
//!
//! In a cluster the log is replicated ([`cluster::State`], records in the [`crate::replicate`]
//! format): every [`Nflog::log`] is broadcast, peers' entries are merged by timestamp (ties
//! broken by content, so merging is commutative), and a full state is exchanged periodically.
//! Besides the entries it replicates [`lease`]s: "this peer is sending this notification
//! now", which keeps the other peers from sending it too while a receiver is slow or failing.

pub mod lease;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use parking_lot::RwLock;

use crate::alert::Time;
use crate::persist::{Dec, Enc, Journal};
use crate::replicate::{self, Kind};
pub use lease::Lease;

const JOURNAL_NAME: &str = "nflog";
const REC_SET: u8 = 1;
const REC_DELETE: u8 = 2;
/// A lease, on the wire only (leases are not persisted: they only mean something while
/// their holder runs).
const REC_LEASE: u8 = 3;

/// Sends a delta to the peers.
pub type Broadcast = Box<dyn Fn(Vec<u8>) + Send + Sync>;

/// How long log records wait to share one delta: short against any peer timeout.
pub const BATCH_WINDOW: Duration = Duration::from_millis(20);

/// One integration of one receiver.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReceiverKey {
    /// The receiver name (upstream's `group_name`).
    pub group_name: String,
    /// The integration type (`webhook`, `email`, ...).
    pub integration: String,
    /// Position of the integration among those of its type in the receiver.
    pub index: u32,
}

/// What was last sent for a (group, integration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The aggregation group's key.
    pub group_key: String,
    /// The integration.
    pub receiver: ReceiverKey,
    /// When the notification was sent.
    pub timestamp: Time,
    /// Hashes ([`crate::alert::Alert::hash`]) of the firing alerts sent.
    pub firing: Vec<u64>,
    /// Hashes of the resolved alerts sent.
    pub resolved: Vec<u64>,
    /// Integration state (e.g. Slack's `threadTs`).
    pub receiver_data: BTreeMap<String, String>,
    /// When the entry is dropped.
    pub expires_at: Time,
}

/// Why the log could not be written.
#[derive(Debug, thiserror::Error)]
pub enum NflogError {
    /// The storage directory could not be opened or written.
    #[error("notification log: {0}")]
    Persist(String),
}

/// Settings.
#[derive(Debug, Clone)]
pub struct NflogOptions {
    /// `--data.retention` (default 120h): the longest an entry is kept.
    pub retention: Duration,
    /// How often queued records are fsynced (default 1 s).
    pub sync_interval: Duration,
}

impl Default for NflogOptions {
    fn default() -> Self {
        NflogOptions {
            retention: Duration::from_secs(120 * 3600),
            sync_interval: Duration::from_secs(1),
        }
    }
}

/// The key of an entry: `<group key>:<receiver>/<integration>/<index>`.
pub fn state_key(group_key: &str, r: &ReceiverKey) -> String {
    format!("{group_key}:{}/{}/{}", r.group_name, r.integration, r.index)
}

/// The notification log; share as `Arc<Nflog>`.
pub struct Nflog {
    entries: RwLock<HashMap<String, Entry>>,
    leases: RwLock<HashMap<String, Lease>>,
    journal: Option<Arc<Journal>>,
    opts: NflogOptions,
    recovery: Vec<String>,
    broadcast: OnceLock<replicate::Batcher>,
    /// Full states merged from peers since start.
    full_merges: AtomicU64,
}

impl std::fmt::Debug for Nflog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nflog").field("entries", &self.len()).finish_non_exhaustive()
    }
}

impl Nflog {
    /// A log kept in memory only.
    pub fn in_memory(opts: NflogOptions) -> Arc<Nflog> {
        Arc::new(Nflog {
            entries: RwLock::new(HashMap::new()),
            leases: RwLock::new(HashMap::new()),
            journal: None,
            opts,
            recovery: Vec::new(),
            broadcast: OnceLock::new(),
            full_merges: AtomicU64::new(0),
        })
    }

    /// Opens the log persisted under `dir` (created if missing), dropping entries expired at
    /// `now`. Damaged records are reported ([`Nflog::recovery_problems`]), never fatal.
    pub fn open(dir: &Path, opts: NflogOptions, now: Time) -> Result<Arc<Nflog>, NflogError> {
        let (journal, rec) = Journal::open(dir, JOURNAL_NAME)
            .map_err(|e| NflogError::Persist(format!("{}: {e}", dir.display())))?;
        let mut problems = rec.problems;
        let mut entries = HashMap::new();
        for (i, r) in rec.snapshot.iter().chain(rec.log.iter()).enumerate() {
            let mut d = Dec::new(r);
            let res = d.u8().and_then(|t| match t {
                REC_SET => decode_entry(&mut d).map(|e| {
                    entries.insert(state_key(&e.group_key, &e.receiver), e);
                }),
                REC_DELETE => d.str().map(|k| {
                    entries.remove(k);
                }),
                t => Err(format!("unknown record type {t}")),
            });
            if let Err(e) = res {
                problems.push(format!("{}: nflog record {i}: {e}; skipped", dir.display()));
            }
        }
        let sync_interval = opts.sync_interval;
        let log = Arc::new(Nflog {
            entries: RwLock::new(entries),
            leases: RwLock::new(HashMap::new()),
            journal: Some(journal.clone()),
            opts,
            recovery: problems,
            broadcast: OnceLock::new(),
            full_merges: AtomicU64::new(0),
        });
        log.gc(now);
        let weak = Arc::downgrade(&log);
        journal.set_auto_compact(Box::new(move || {
            weak.upgrade().map(|l| l.entries.read().values().map(encode_entry).collect())
        }));
        journal.start_syncer(sync_interval);
        Ok(log)
    }

    /// What was wrong with the files found at [`Nflog::open`].
    pub fn recovery_problems(&self) -> &[String] {
        &self.recovery
    }

    /// The last entry for this group and integration.
    pub fn query(&self, group_key: &str, receiver: &ReceiverKey) -> Option<Entry> {
        self.entries.read().get(&state_key(group_key, receiver)).cloned()
    }

    /// Records a notification sent at `now`. The entry expires at `now + expiry`, or after the
    /// retention if `expiry` is zero or longer. An existing entry with a later timestamp (a
    /// peer's, with clock drift) is kept.
    #[allow(clippy::too_many_arguments)]
    pub fn log(
        &self,
        receiver: &ReceiverKey,
        group_key: &str,
        firing: Vec<u64>,
        resolved: Vec<u64>,
        receiver_data: BTreeMap<String, String>,
        expiry: Duration,
        now: Time,
    ) -> Result<(), NflogError> {
        let keep = if expiry > Duration::ZERO && expiry < self.opts.retention {
            expiry
        } else {
            self.opts.retention
        };
        let expires_at = now.saturating_add(signed(keep)).unwrap_or(now);
        let entry = Entry {
            group_key: group_key.to_string(),
            receiver: receiver.clone(),
            timestamp: now,
            firing,
            resolved,
            receiver_data,
            expires_at,
        };
        let key = state_key(group_key, receiver);
        let mut entries = self.entries.write();
        if entries.get(&key).is_some_and(|prev| prev.timestamp > now) {
            return Ok(());
        }
        let record = encode_entry(&entry);
        if let Some(j) = &self.journal {
            j.append(&record);
        }
        entries.insert(key, entry);
        drop(entries);
        self.send(record);
        self.health()
    }

    /// Merges an entry from elsewhere (a peer): kept if not expired at `now` and newer than
    /// the local one (equal timestamps: the larger encoding wins, so that every peer keeps
    /// the same one whatever the order of arrival). Returns whether it changed the log.
    pub fn merge(&self, entry: Entry, now: Time) -> bool {
        if entry.expires_at < now {
            return false;
        }
        let key = state_key(&entry.group_key, &entry.receiver);
        let record = encode_entry(&entry);
        let mut entries = self.entries.write();
        if let Some(prev) = entries.get(&key) {
            let newer = entry.timestamp > prev.timestamp
                || (entry.timestamp == prev.timestamp && record > encode_entry(prev));
            if !newer {
                return false;
            }
        }
        if let Some(j) = &self.journal {
            j.append(&record);
        }
        entries.insert(key, entry);
        true
    }

    /// Installs where deltas go (the cluster channel `nfl`); once. Records are coalesced for
    /// [`BATCH_WINDOW`] ([`replicate::Batcher`]).
    pub fn set_broadcast(&self, broadcast: Broadcast) {
        if self.broadcast.set(replicate::Batcher::new(broadcast, BATCH_WINDOW)).is_err() {
            tracing::warn!("notification log: broadcast installed twice; keeping the first");
        }
    }

    /// How many full states from peers were merged since start.
    pub fn full_merges(&self) -> u64 {
        self.full_merges.load(Ordering::Relaxed)
    }

    /// Everything, as one message for a peer ([`cluster::State::full_state`]).
    pub fn full_state(&self) -> Vec<u8> {
        let mut records: Vec<Vec<u8>> = self.entries.read().values().map(encode_entry).collect();
        records.extend(self.leases.read().values().map(lease::encode));
        replicate::encode(Kind::Full, records)
    }

    /// Merges a peer's message (delta or full state) at `now`: entries by timestamp, leases by
    /// claim ([`Lease::join`]). Returns how many records changed the log.
    pub fn merge_bytes(&self, bytes: &[u8], now: Time) -> Result<usize, String> {
        let (kind, records) = replicate::decode(bytes)?;
        let mut changed = 0;
        for (i, r) in records.into_iter().enumerate() {
            let mut d = Dec::new(r);
            let res = d.u8().and_then(|t| match t {
                REC_SET => decode_entry(&mut d).map(|e| self.merge(e, now)),
                REC_LEASE => lease::decode(&mut d).map(|l| self.merge_lease(l, now)),
                t => Err(format!("unknown record type {t}")),
            });
            match res {
                Ok(true) => changed += 1,
                Ok(false) => {}
                Err(e) => return Err(format!("notification log record {i}: {e}")),
            }
        }
        if kind == Kind::Full {
            self.full_merges.fetch_add(1, Ordering::Relaxed);
        }
        Ok(changed)
    }

    fn send(&self, record: Vec<u8>) {
        if let Some(b) = self.broadcast.get() {
            b.push(record);
        }
    }

    fn send_now(&self, record: Vec<u8>) {
        if let Some(b) = self.broadcast.get() {
            b.push_now(record);
        }
    }

    /// Every entry (for full-state sync with peers).
    pub fn entries(&self) -> Vec<Entry> {
        self.entries.read().values().cloned().collect()
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.entries.read().len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops entries expired at `now`; returns how many. Leases past their expiry go too.
    pub fn gc(&self, now: Time) -> usize {
        self.leases.write().retain(|_, l| l.expires_at >= now);
        let mut entries = self.entries.write();
        let before = entries.len();
        entries.retain(|k, e| {
            let keep = e.expires_at >= now;
            if !keep && let Some(j) = &self.journal {
                let mut rec = Enc::new();
                rec.u8(REC_DELETE).str(k);
                j.append(&rec.buf);
            }
            keep
        });
        before - entries.len()
    }

    /// Writes queued records to disk now.
    pub fn sync(&self) -> Result<(), NflogError> {
        match &self.journal {
            Some(j) => j.sync().map_err(|e| NflogError::Persist(e.to_string())),
            None => Ok(()),
        }
    }

    /// GC and snapshot (every `--data.maintenance-interval` and at shutdown).
    pub fn maintenance(&self, now: Time) -> Result<(), NflogError> {
        self.gc(now);
        if let Some(j) = &self.journal {
            j.compact(|| self.entries.read().values().map(encode_entry).collect())
                .map_err(|e| NflogError::Persist(e.to_string()))?;
        }
        Ok(())
    }

    fn health(&self) -> Result<(), NflogError> {
        match self.journal.as_ref().and_then(|j| j.failure()) {
            Some(e) => Err(NflogError::Persist(e)),
            None => Ok(()),
        }
    }
}

impl cluster::State for Nflog {
    fn full_state(&self) -> Vec<u8> {
        Nflog::full_state(self)
    }

    fn merge(&self, bytes: &[u8]) -> Result<(), cluster::MergeError> {
        let now = jiff::Timestamp::now();
        self.merge_bytes(bytes, now).map(|_| ()).map_err(cluster::MergeError)
    }
}

fn signed(d: Duration) -> jiff::SignedDuration {
    jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::MAX)
}

fn encode_entry(e: &Entry) -> Vec<u8> {
    let mut w = Enc::new();
    w.u8(REC_SET).str(&e.group_key);
    w.str(&e.receiver.group_name).str(&e.receiver.integration).u32(e.receiver.index);
    w.time(e.timestamp).time(e.expires_at);
    for set in [&e.firing, &e.resolved] {
        w.u32(set.len() as u32);
        for h in set {
            w.u64(*h);
        }
    }
    w.u32(e.receiver_data.len() as u32);
    for (k, v) in &e.receiver_data {
        w.str(k).str(v);
    }
    w.buf
}

fn decode_entry(d: &mut Dec<'_>) -> Result<Entry, String> {
    let group_key = d.str()?.to_string();
    let receiver = ReceiverKey {
        group_name: d.str()?.to_string(),
        integration: d.str()?.to_string(),
        index: d.u32()?,
    };
    let (timestamp, expires_at) = (d.time()?, d.time()?);
    let mut sets = [Vec::new(), Vec::new()];
    for set in &mut sets {
        let n = d.u32()? as usize;
        set.reserve(n.min(1 << 16));
        for _ in 0..n {
            set.push(d.u64()?);
        }
    }
    let [firing, resolved] = sets;
    let n = d.u32()? as usize;
    let mut receiver_data = BTreeMap::new();
    for _ in 0..n {
        receiver_data.insert(d.str()?.to_string(), d.str()?.to_string());
    }
    Ok(Entry { group_key, receiver, timestamp, firing, resolved, receiver_data, expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Time {
        Time::from_second(1_800_000_000 + s).unwrap()
    }

    fn rk(i: u32) -> ReceiverKey {
        ReceiverKey { group_name: "team".into(), integration: "webhook".into(), index: i }
    }

    #[test]
    fn key_format_is_upstreams() {
        assert_eq!(
            state_key("{}:{alertname=\"x\"}", &rk(1)),
            "{}:{alertname=\"x\"}:team/webhook/1"
        );
    }

    #[test]
    fn log_then_query_per_integration() {
        let l = Nflog::in_memory(NflogOptions::default());
        let data = BTreeMap::from([("threadTs".to_string(), "1.2".to_string())]);
        l.log(&rk(0), "g", vec![1, 2], vec![3], data.clone(), Duration::from_secs(60), t(0))
            .unwrap();
        let e = l.query("g", &rk(0)).unwrap();
        assert_eq!((e.firing, e.resolved, e.receiver_data), (vec![1, 2], vec![3], data));
        assert_eq!(e.timestamp, t(0));
        assert_eq!(e.expires_at, t(60));
        assert!(l.query("g", &rk(1)).is_none());
        assert!(l.query("h", &rk(0)).is_none());
    }

    #[test]
    fn expiry_is_capped_by_retention() {
        let l = Nflog::in_memory(NflogOptions {
            retention: Duration::from_secs(100),
            ..Default::default()
        });
        l.log(&rk(0), "g", vec![], vec![], BTreeMap::new(), Duration::from_secs(500), t(0))
            .unwrap();
        assert_eq!(l.query("g", &rk(0)).unwrap().expires_at, t(100));
        l.log(&rk(1), "g", vec![], vec![], BTreeMap::new(), Duration::ZERO, t(0)).unwrap();
        assert_eq!(l.query("g", &rk(1)).unwrap().expires_at, t(100));
    }

    #[test]
    fn newer_local_entry_is_not_overwritten_by_an_older_log() {
        let l = Nflog::in_memory(NflogOptions::default());
        l.log(&rk(0), "g", vec![1], vec![], BTreeMap::new(), Duration::ZERO, t(10)).unwrap();
        l.log(&rk(0), "g", vec![2], vec![], BTreeMap::new(), Duration::ZERO, t(5)).unwrap();
        assert_eq!(l.query("g", &rk(0)).unwrap().firing, vec![1]);
    }

    #[test]
    fn merge_keeps_newer_and_drops_expired() {
        let l = Nflog::in_memory(NflogOptions::default());
        l.log(&rk(0), "g", vec![1], vec![], BTreeMap::new(), Duration::ZERO, t(10)).unwrap();
        let mut e = l.query("g", &rk(0)).unwrap();
        e.timestamp = t(5);
        e.firing = vec![9];
        assert!(!l.merge(e.clone(), t(20)), "older loses");
        e.timestamp = t(15);
        assert!(l.merge(e.clone(), t(20)));
        assert_eq!(l.query("g", &rk(0)).unwrap().firing, vec![9]);
        let mut old = e;
        old.receiver = rk(3);
        old.expires_at = t(19);
        assert!(!l.merge(old, t(20)), "expired entries are dropped");
    }

    #[test]
    fn gc_drops_expired() {
        let l = Nflog::in_memory(NflogOptions::default());
        l.log(&rk(0), "g", vec![], vec![], BTreeMap::new(), Duration::from_secs(10), t(0)).unwrap();
        l.log(&rk(1), "g", vec![], vec![], BTreeMap::new(), Duration::from_secs(30), t(0)).unwrap();
        assert_eq!(l.gc(t(10)), 0);
        assert_eq!(l.gc(t(11)), 1);
        assert_eq!(l.len(), 1);
    }
}

#[cfg(test)]
mod replication_tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: i64) -> Time {
        Time::from_second(1_800_000_000 + s).unwrap()
    }

    fn rk(i: u32) -> ReceiverKey {
        ReceiverKey { group_name: "team".into(), integration: "webhook".into(), index: i }
    }

    fn entry(idx: u32, at: i64, firing: Vec<u64>) -> Entry {
        Entry {
            group_key: "g".into(),
            receiver: rk(idx),
            timestamp: t(at),
            firing,
            resolved: vec![],
            receiver_data: BTreeMap::new(),
            expires_at: t(1000),
        }
    }

    fn delta(e: &Entry) -> Vec<u8> {
        replicate::encode(Kind::Delta, [encode_entry(e)])
    }

    fn sorted(l: &Nflog) -> Vec<(String, Time, Vec<u64>)> {
        let mut v: Vec<_> = l
            .entries()
            .into_iter()
            .map(|e| (state_key(&e.group_key, &e.receiver), e.timestamp, e.firing))
            .collect();
        v.sort();
        v
    }

    proptest! {
        /// Any order of delivery, with repeats, ends in the same log: the newest entry per key.
        #[test]
        fn merge_is_order_independent_and_idempotent(
            items in proptest::collection::vec((0u32..3, 0i64..5, 0u64..4), 1..12),
            seed in any::<u64>(),
        ) {
            let msgs: Vec<Vec<u8>> = items
                .iter()
                .map(|(i, at, h)| delta(&entry(*i, *at, vec![*h])))
                .collect();
            let a = Nflog::in_memory(NflogOptions::default());
            for m in &msgs {
                a.merge_bytes(m, t(0)).unwrap();
            }
            let mut shuffled = msgs.clone();
            let mut s = seed;
            for i in (1..shuffled.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            let b = Nflog::in_memory(NflogOptions::default());
            for m in shuffled.iter().chain(msgs.iter()) {
                b.merge_bytes(m, t(0)).unwrap();
            }
            prop_assert_eq!(sorted(&a), sorted(&b));
            prop_assert_eq!(b.merge_bytes(&a.full_state(), t(0)).unwrap(), 0);
            for (idx, ..) in &items {
                let newest = items.iter().filter(|(i, ..)| i == idx).map(|(_, at, _)| *at).max();
                prop_assert_eq!(a.query("g", &rk(*idx)).map(|e| e.timestamp), newest.map(t));
            }
        }
    }

    #[test]
    fn a_late_peers_stale_entry_never_overwrites_a_newer_resolved_one() {
        let l = Nflog::in_memory(NflogOptions::default());
        // The newer state: everything resolved at t=20.
        let mut resolved = entry(0, 20, vec![]);
        resolved.resolved = vec![7];
        l.merge_bytes(&delta(&resolved), t(20)).unwrap();
        // A late peer's older "firing" entry arrives afterwards.
        assert_eq!(l.merge_bytes(&delta(&entry(0, 10, vec![7])), t(21)).unwrap(), 0);
        let e = l.query("g", &rk(0)).unwrap();
        assert_eq!((e.firing, e.resolved), (vec![], vec![7]));
    }

    #[test]
    fn log_broadcasts_and_full_state_converges_a_new_peer() {
        let a = Nflog::in_memory(NflogOptions::default());
        let sent = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let s = sent.clone();
        a.set_broadcast(Box::new(move |m| s.lock().push(m)));
        a.log(&rk(0), "g", vec![1], vec![], BTreeMap::new(), Duration::ZERO, t(1)).unwrap();
        assert_eq!(sent.lock().len(), 1);
        let b = Nflog::in_memory(NflogOptions::default());
        assert_eq!(b.merge_bytes(&sent.lock()[0], t(1)).unwrap(), 1);
        assert_eq!(b.full_merges(), 0, "a delta is not a full state");
        let c = Nflog::in_memory(NflogOptions::default());
        c.merge_bytes(&a.full_state(), t(1)).unwrap();
        assert_eq!(c.full_merges(), 1);
        assert_eq!(sorted(&a), sorted(&c));
        assert!(c.merge_bytes(b"K\x09\x00", t(1)).unwrap_err().contains("version"));
        assert!(c.merge_bytes(&replicate::encode(Kind::Delta, [[9u8]]), t(1)).is_err());
    }

    #[test]
    fn merged_entries_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        {
            let l = Nflog::open(dir.path(), NflogOptions::default(), t(0)).unwrap();
            l.merge_bytes(&delta(&entry(0, 5, vec![3])), t(5)).unwrap();
            l.sync().unwrap();
        }
        let l = Nflog::open(dir.path(), NflogOptions::default(), t(6)).unwrap();
        assert_eq!(l.query("g", &rk(0)).unwrap().firing, vec![3]);
    }
}
