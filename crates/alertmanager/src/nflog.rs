//! The notification log (§6): what each integration of each receiver last sent for each
//! aggregation group, which is what dedup and `repeat_interval` are decided on.
//!
//! Entries are keyed `<group key>:<receiver>/<integration>/<index>`, expire at
//! `now + expiry` (the caller passes `min(--data.retention, 2 × repeat_interval)`), and merge
//! by "newer timestamp wins" ([`Nflog::merge`], for HA gossip). Every write is a journal record
//! synced at most a second later and snapshots are rewritten at maintenance, so
//! `repeat_interval` holds across restarts and kill -9 (upstream only snapshots every 15
//! minutes and at shutdown).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::RwLock;

use crate::alert::Time;
use crate::persist::{Dec, Enc, Journal};

const JOURNAL_NAME: &str = "nflog";
const REC_SET: u8 = 1;
const REC_DELETE: u8 = 2;

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
#[derive(Debug)]
pub struct Nflog {
    entries: RwLock<HashMap<String, Entry>>,
    journal: Option<Arc<Journal>>,
    opts: NflogOptions,
    recovery: Vec<String>,
}

impl Nflog {
    /// A log kept in memory only.
    pub fn in_memory(opts: NflogOptions) -> Arc<Nflog> {
        Arc::new(Nflog {
            entries: RwLock::new(HashMap::new()),
            journal: None,
            opts,
            recovery: Vec::new(),
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
            journal: Some(journal.clone()),
            opts,
            recovery: problems,
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
        if let Some(j) = &self.journal {
            j.append(&encode_entry(&entry));
        }
        entries.insert(key, entry);
        drop(entries);
        self.health()
    }

    /// Merges an entry from elsewhere (a peer): kept if not expired at `now` and newer than
    /// the local one. Returns whether it changed the log.
    pub fn merge(&self, entry: Entry, now: Time) -> bool {
        if entry.expires_at < now {
            return false;
        }
        let key = state_key(&entry.group_key, &entry.receiver);
        let mut entries = self.entries.write();
        if entries.get(&key).is_some_and(|prev| prev.timestamp >= entry.timestamp) {
            return false;
        }
        if let Some(j) = &self.journal {
            j.append(&encode_entry(&entry));
        }
        entries.insert(key, entry);
        true
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

    /// Drops entries expired at `now`; returns how many.
    pub fn gc(&self, now: Time) -> usize {
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
