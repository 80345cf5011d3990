//! The alert store: every alert the API accepted, keyed by fingerprint, merged as upstream
//! merges re-posted alerts (§3.3), kept across restarts (upstream keeps alerts in memory only).
//!
//! * [`validate_and_normalise`]: what `POST /api/v2/alerts` does to each alert before storing
//!   it (§3.2), with upstream's error texts.
//! * [`AlertStore::put`]: merge-or-replace, the optional per-alertname limit, change fan-out.
//! * Subscriptions: [`AlertStore::subscribe`] (a channel, for the dispatcher) and
//!   [`AlertStore::add_listener`] (a synchronous callback, for the inhibitor, so that a source
//!   alert inhibits from the moment `put` returns). Both first see every stored alert, then
//!   every change, in order per fingerprint.
//! * Persistence: each stored alert and each GC deletion is a journal record
//!   ([`crate::persist::Journal`]), synced at most a second later; [`AlertStore::compact`]
//!   rewrites the snapshot.
//!
//! The map is sharded by fingerprint so that concurrent posts and readers rarely meet; a shard
//! lock is held only while one alert is merged, recorded and handed to subscribers.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, Weak};
use std::time::Duration;

use model::labels::{Fingerprint, Labels};
use model::matcher::MatcherParseMode;
use parking_lot::{Mutex, RwLock};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::alert::{Alert, NumMap, Time, is_zero};
use crate::persist::{Dec, Enc, Journal};

const SHARDS: usize = 64;
const JOURNAL_NAME: &str = "alerts";
const REC_SET: u8 = 1;
const REC_DELETE: u8 = 2;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The storage directory could not be opened or written.
    #[error("alert store {path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Writing the journal failed; alerts are kept in memory but not on disk.
    #[error("alert store: {0}")]
    Persist(String),
}

/// Store settings.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// `--alerts.per-alertname-limit`: distinct fingerprints kept per alertname (0 = no limit).
    pub per_alertname_limit: usize,
    /// How often queued journal records are fsynced (default 1 s).
    pub sync_interval: Option<Duration>,
}

/// One shard of the map (alerts shared with the dispatcher through the subscription).
type Shard = NumMap<Fingerprint, Arc<Alert>>;

/// What one `put` carries from alert to alert.
#[derive(Default)]
struct PutScratch {
    /// A subscriber is gone (prune after the batch).
    dead: bool,
    /// Framed journal records of the shard being written.
    framed: Vec<u8>,
    /// One record's payload.
    payload: Vec<u8>,
}

/// Told synchronously about every change (see the module docs).
pub trait AlertListener: Send + Sync {
    /// An alert was stored (or is being replayed to a new listener).
    fn on_put(&self, alert: &Alert);
    /// Alerts were removed by GC.
    fn on_remove(&self, alerts: &[Alert]);
}

enum Subscriber {
    Channel(UnboundedSender<Arc<Alert>>),
    Listener(Weak<dyn AlertListener>),
}

/// Counters of the store (the API counts received/invalid alerts).
#[derive(Debug, Clone, Default)]
pub struct StoreMetrics {
    /// `alertmanager_alerts_limited_total`.
    pub limited: Counter,
}

impl StoreMetrics {
    /// Adds the store's families to `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "alertmanager_alerts_limited",
            "Total number of alerts that were dropped due to per alert name limit",
            self.limited.clone(),
        );
    }
}

/// The alert store; share it as `Arc<AlertStore>`.
pub struct AlertStore {
    // Shared with the dispatcher's groups through the subscription: one copy per alert.
    shards: Box<[Mutex<Shard>]>,
    subscribers: RwLock<Vec<Subscriber>>,
    limits: Option<Mutex<HashMap<String, Bucket>>>,
    limit: usize,
    journal: Option<Arc<Journal>>,
    recovery: Vec<String>,
    metrics: StoreMetrics,
}

impl std::fmt::Debug for AlertStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertStore").field("len", &self.len()).finish_non_exhaustive()
    }
}

impl AlertStore {
    /// A store kept in memory only (tests, and `--storage.path` unset).
    pub fn in_memory(opts: StoreOptions) -> Arc<AlertStore> {
        Arc::new(AlertStore::build(opts, None, Vec::new()))
    }

    /// Opens the store persisted under `dir` (created if missing) and restores its alerts.
    ///
    /// Damaged or torn journal records never stop the start: they are logged and listed in
    /// [`AlertStore::recovery_problems`].
    pub fn open(dir: &Path, opts: StoreOptions) -> Result<Arc<AlertStore>, StoreError> {
        let (journal, rec) = Journal::open(dir, JOURNAL_NAME)
            .map_err(|source| StoreError::Io { path: dir.display().to_string(), source })?;
        let mut problems = rec.problems;
        let store = AlertStore::build(opts.clone(), Some(journal.clone()), Vec::new());
        for (i, r) in rec.snapshot.iter().chain(rec.log.iter()).enumerate() {
            if let Err(e) = store.replay(r) {
                problems.push(format!("{}: record {i}: {e}; skipped", dir.display()));
            }
        }
        let mut store = store;
        store.recovery = problems;
        let store = Arc::new(store);
        let weak = Arc::downgrade(&store);
        journal.set_auto_compact(Box::new(move || weak.upgrade().map(|s| s.state_records())));
        journal.start_syncer(opts.sync_interval.unwrap_or(Duration::from_secs(1)));
        Ok(store)
    }

    fn build(opts: StoreOptions, journal: Option<Arc<Journal>>, recovery: Vec<String>) -> Self {
        AlertStore {
            shards: (0..SHARDS).map(|_| Mutex::new(NumMap::default())).collect(),
            subscribers: RwLock::new(Vec::new()),
            limits: (opts.per_alertname_limit > 0).then(|| Mutex::new(HashMap::new())),
            limit: opts.per_alertname_limit,
            journal,
            recovery,
            metrics: StoreMetrics::default(),
        }
    }

    fn replay(&self, rec: &[u8]) -> Result<(), String> {
        let mut d = Dec::new(rec);
        match d.u8()? {
            REC_SET => {
                let a = decode_alert(&mut d)?;
                self.shard(a.fingerprint()).lock().insert(a.fingerprint(), Arc::new(a));
            }
            REC_DELETE => {
                let fp = Fingerprint(d.u64()?);
                self.shard(fp).lock().remove(&fp);
            }
            t => return Err(format!("unknown record type {t}")),
        }
        Ok(())
    }

    /// What was wrong with the files found at [`AlertStore::open`] (empty when all was clean).
    pub fn recovery_problems(&self) -> &[String] {
        &self.recovery
    }

    /// The store's counters.
    pub fn metrics(&self) -> &StoreMetrics {
        &self.metrics
    }

    fn shard(&self, fp: Fingerprint) -> &Mutex<Shard> {
        &self.shards[shard_index(fp)]
    }

    /// Stores alerts already normalised by [`validate_and_normalise`] (`updated_at` set by the
    /// API), merging each with the stored alert of the same fingerprint when their activity
    /// overlaps (§3.3). Alerts over the per-alertname limit are dropped and counted.
    pub fn put(&self, alerts: Vec<Alert>) -> Result<(), StoreError> {
        // Grouped by shard (stably, so repeats of one fingerprint keep their order): each shard
        // is locked once per batch, and its records reach the journal in one append, still in
        // the order the changes were applied.
        let mut alerts: Vec<(usize, Fingerprint, Alert)> = alerts
            .into_iter()
            .map(|a| {
                let fp = a.fingerprint();
                (shard_index(fp), fp, a)
            })
            .collect();
        alerts.sort_by_key(|(i, _, _)| *i);
        let subs = self.subscribers.read();
        let mut scratch = PutScratch::default();
        let mut alerts = alerts.into_iter().peekable();
        while let Some((index, fp, first)) = alerts.next() {
            let mut shard = self.shards[index].lock();
            let mut next = Some((fp, first));
            while let Some((fp, alert)) = next.take() {
                self.put_one(&mut shard, fp, alert, &subs, &mut scratch);
                next = alerts.next_if(|(i, _, _)| *i == index).map(|(_, fp, a)| (fp, a));
            }
            if let Some(j) = &self.journal
                && !scratch.framed.is_empty()
            {
                j.append_framed(&scratch.framed);
                scratch.framed.clear();
            }
        }
        drop(subs);
        if scratch.dead {
            self.prune_subscribers();
        }
        match self.journal.as_ref().and_then(|j| j.failure()) {
            Some(e) => Err(StoreError::Persist(e)),
            None => Ok(()),
        }
    }

    /// Merges one alert into its (locked) shard, frames its journal record into `framed` and
    /// hands it to the subscribers.
    fn put_one(
        &self,
        shard: &mut Shard,
        fp: Fingerprint,
        alert: Alert,
        subs: &[Subscriber],
        scratch: &mut PutScratch,
    ) {
        let stored = match shard.get(&fp) {
            Some(old) if overlaps(old, &alert) => merge(old, alert),
            _ => alert,
        };
        if let Some(limits) = &self.limits
            && !upsert_limit(limits, self.limit, &stored)
        {
            self.metrics.limited.inc();
            // Counted; a log line per alert would flood at ingest rates.
            tracing::debug!(alertname = stored.labels.get_or_empty("alertname"), "alert limited");
            return;
        }
        if self.journal.is_some() {
            scratch.payload.clear();
            encode_set_into(&mut scratch.payload, &stored);
            crate::persist::frame(&mut scratch.framed, &scratch.payload);
        }
        let stored = Arc::new(stored);
        for s in subs {
            scratch.dead |= !notify_put(s, &stored);
        }
        shard.insert(fp, stored);
    }

    /// The stored alert with this fingerprint.
    pub fn get(&self, fp: &Fingerprint) -> Option<Alert> {
        self.shard(*fp).lock().get(fp).map(|a| Alert::clone(a))
    }

    /// Every stored alert (in no particular order).
    pub fn snapshot(&self) -> Vec<Alert> {
        let mut out = Vec::with_capacity(self.len());
        for s in self.shards.iter() {
            out.extend(s.lock().values().map(|a| Alert::clone(a)));
        }
        out
    }

    /// Every stored alert (in no particular order), shared rather than copied.
    pub fn snapshot_shared(&self) -> Vec<Arc<Alert>> {
        let mut out = Vec::with_capacity(self.len());
        for s in self.shards.iter() {
            out.extend(s.lock().values().cloned());
        }
        out
    }

    /// Calls `f` on every stored alert without copying them all first (a shard is locked
    /// while its alerts are visited: keep `f` short).
    pub fn for_each(&self, mut f: impl FnMut(&Alert)) {
        for s in self.shards.iter() {
            for a in s.lock().values() {
                f(a);
            }
        }
    }

    /// How many alerts are stored.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len()).sum()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A channel that yields every stored alert, then every stored change (shared with the
    /// store, not copied).
    pub fn subscribe(&self) -> UnboundedReceiver<Arc<Alert>> {
        let (tx, rx) = unbounded_channel();
        self.subscribers.write().push(Subscriber::Channel(tx.clone()));
        for s in self.shards.iter() {
            let shard = s.lock();
            for a in shard.values() {
                if tx.send(a.clone()).is_err() {
                    return rx;
                }
            }
        }
        rx
    }

    /// Registers a synchronous listener (held weakly: dropping it unsubscribes), first
    /// replaying every stored alert to it.
    pub fn add_listener(&self, listener: Weak<dyn AlertListener>) {
        self.subscribers.write().push(Subscriber::Listener(listener.clone()));
        let Some(l) = listener.upgrade() else { return };
        for s in self.shards.iter() {
            let shard = s.lock();
            for a in shard.values() {
                l.on_put(a);
            }
        }
    }

    fn prune_subscribers(&self) {
        self.subscribers.write().retain(|s| match s {
            Subscriber::Channel(tx) => !tx.is_closed(),
            Subscriber::Listener(w) => w.strong_count() > 0,
        });
    }

    /// Removes the alerts resolved at `now` and returns them; the removal is journalled, so
    /// they do not come back after a restart.
    pub fn gc(&self, now: Time) -> Vec<Alert> {
        // Taken before any shard lock: `put` takes them in the other order, and a writer
        // queued on `subscribers` would otherwise block this read while `put` waits for us.
        let listeners: Vec<Arc<dyn AlertListener>> = self
            .subscribers
            .read()
            .iter()
            .filter_map(|s| match s {
                Subscriber::Listener(w) => w.upgrade(),
                Subscriber::Channel(_) => None,
            })
            .collect();
        let mut removed = Vec::new();
        for s in self.shards.iter() {
            let mut shard = s.lock();
            let before = removed.len();
            shard.retain(|fp, a| {
                if a.resolved_at(now) {
                    if let Some(j) = &self.journal {
                        let mut e = Enc::new();
                        e.u8(REC_DELETE).u64(fp.0);
                        j.append(&e.buf);
                    }
                    removed.push(Alert::clone(a));
                    false
                } else {
                    true
                }
            });
            // Under the shard lock, so that a re-fire of the same alert reaches listeners after
            // its removal, not before.
            if removed.len() > before {
                for l in &listeners {
                    l.on_remove(&removed[before..]);
                }
            }
        }
        if let Some(limits) = &self.limits {
            limits.lock().retain(|_, b| !b.is_stale(now));
        }
        removed
    }

    /// Writes everything queued in the journal to disk now (shutdown, tests).
    pub fn sync(&self) -> Result<(), StoreError> {
        match &self.journal {
            Some(j) => j.sync().map_err(|e| StoreError::Persist(e.to_string())),
            None => Ok(()),
        }
    }

    /// Rewrites the snapshot from the current state and drops the journal it replaces
    /// (maintenance and shutdown).
    pub fn compact(&self) -> Result<(), StoreError> {
        let Some(j) = &self.journal else { return Ok(()) };
        j.compact(|| self.state_records()).map_err(|e| StoreError::Persist(e.to_string()))
    }

    fn state_records(&self) -> Vec<Vec<u8>> {
        let mut recs = Vec::with_capacity(self.len());
        for s in self.shards.iter() {
            recs.extend(s.lock().values().map(|a| encode_set(a)));
        }
        recs
    }
}

fn shard_index(fp: Fingerprint) -> usize {
    // FNV-1a's low bits are well mixed; the fold guards against shard counts above 2^32.
    let h = fp.0 ^ (fp.0 >> 32);
    (h as usize) % SHARDS
}

fn notify_put(s: &Subscriber, a: &Arc<Alert>) -> bool {
    match s {
        Subscriber::Channel(tx) => tx.send(a.clone()).is_ok(),
        Subscriber::Listener(w) => match w.upgrade() {
            Some(l) => {
                l.on_put(a);
                true
            }
            None => false,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Merge rules (§3.3)

/// Whether a re-posted alert's activity overlaps the stored one's, which makes them one alert:
/// the new end or the new start lies strictly inside the stored (start, end).
pub fn overlaps(old: &Alert, new: &Alert) -> bool {
    (new.ends_at > old.starts_at && new.ends_at < old.ends_at)
        || (new.starts_at > old.starts_at && new.starts_at < old.ends_at)
}

/// Merges two versions of one alert: the more recently updated one is the base (its
/// annotations and generator URL win), the earliest start wins, and the end is the later one
/// when both are resolved, or the older one's when it is later and was sent explicitly.
///
/// "Resolved" is judged at the newer version's `updated_at` (its receive time).
pub fn merge(a: &Alert, b: Alert) -> Alert {
    // The re-post is normally the newer one: then nothing is copied.
    if b.updated_at < a.updated_at { merge_older(a.clone(), &b) } else { merge_older(b, a) }
}

/// [`merge`] with the newer version `res` as the base.
fn merge_older(mut res: Alert, older: &Alert) -> Alert {
    if older.starts_at < res.starts_at {
        res.starts_at = older.starts_at;
    }
    let now = res.updated_at;
    if res.resolved_at(now) {
        if older.resolved_at(now) && older.ends_at > res.ends_at {
            res.ends_at = older.ends_at;
        }
    } else if older.ends_at > res.ends_at && !older.timeout {
        res.ends_at = older.ends_at;
    }
    res
}

// ---------------------------------------------------------------------------------------------
// Ingest-time validation (§3.2)

/// Prepares a posted alert for the store and validates it, as `POST /api/v2/alerts` does:
/// `updatedAt = now`; a missing start becomes the end (or `now`); a missing end becomes
/// `now + resolve_timeout` with the timeout flag; empty-valued labels are dropped. The error
/// is upstream's text (e.g. `invalid label set: invalid name "x"`).
pub fn validate_and_normalise(
    mut alert: Alert,
    now: Time,
    resolve_timeout: Duration,
    mode: MatcherParseMode,
) -> Result<Alert, String> {
    alert.updated_at = now;
    if is_zero(alert.starts_at) {
        alert.starts_at = if is_zero(alert.ends_at) { now } else { alert.ends_at };
    }
    if is_zero(alert.ends_at) {
        alert.timeout = true;
        let d =
            jiff::SignedDuration::try_from(resolve_timeout).unwrap_or(jiff::SignedDuration::MAX);
        alert.ends_at = now.saturating_add(d).unwrap_or(now);
    }
    if alert.labels.iter().any(|l| l.value.is_empty()) {
        alert.labels = alert.labels.without_empty();
    }
    if is_zero(alert.starts_at) {
        return Err("start time missing".into());
    }
    if alert.ends_at < alert.starts_at {
        return Err("start time must be before end time".into());
    }
    if alert.labels.is_empty() {
        return Err("at least one label pair required".into());
    }
    check_names(&alert.labels, mode).map_err(|e| format!("invalid label set: {e}"))?;
    check_names(&alert.annotations, mode).map_err(|e| format!("invalid annotations: {e}"))?;
    Ok(alert)
}

fn check_names(ls: &Labels, mode: MatcherParseMode) -> Result<(), String> {
    // Values are Rust strings and so always valid UTF-8; only names can be wrong.
    match ls.iter().find(|l| !mode.is_valid_label_name(l.name)) {
        Some(l) => Err(format!("invalid name {}", model::gostr::quote(l.name))),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Per-alertname limit

/// The fingerprints of one alertname, oldest end first; full buckets admit a new fingerprint
/// only by evicting one whose end has passed (upstream's `limit.Bucket`).
#[derive(Debug, Default)]
struct Bucket {
    ends: HashMap<Fingerprint, Time>,
    order: BTreeSet<(Time, Fingerprint)>,
}

impl Bucket {
    fn is_stale(&self, now: Time) -> bool {
        self.order.last().is_none_or(|(t, _)| *t < now)
    }
}

fn upsert_limit(limits: &Mutex<HashMap<String, Bucket>>, cap: usize, a: &Alert) -> bool {
    let fp = a.fingerprint();
    let now = a.updated_at;
    let mut limits = limits.lock();
    let name = a.labels.get_or_empty("alertname");
    let b = match limits.get_mut(name) {
        Some(b) => b,
        None => limits.entry(name.to_string()).or_default(),
    };
    if let Some(old) = b.ends.insert(fp, a.ends_at) {
        b.order.remove(&(old, fp));
        b.order.insert((a.ends_at, fp));
        return true;
    }
    if b.ends.len() <= cap {
        b.order.insert((a.ends_at, fp));
        return true;
    }
    b.ends.remove(&fp);
    match b.order.first().copied() {
        Some((t, oldest)) if t < now => {
            b.order.remove(&(t, oldest));
            b.ends.remove(&oldest);
            b.ends.insert(fp, a.ends_at);
            b.order.insert((a.ends_at, fp));
            true
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Records

fn encode_set(a: &Alert) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256);
    encode_set_into(&mut buf, a);
    buf
}

fn encode_set_into(buf: &mut Vec<u8>, a: &Alert) {
    let mut e = Enc { buf: std::mem::take(buf) };
    e.u8(REC_SET)
        .labels(&a.labels)
        .labels(&a.annotations)
        .time(a.starts_at)
        .time(a.ends_at)
        .time(a.updated_at)
        .str(&a.generator_url)
        .u8(a.timeout as u8);
    *buf = e.buf;
}

fn decode_alert(d: &mut Dec<'_>) -> Result<Alert, String> {
    Ok(Alert {
        labels: d.labels()?,
        annotations: d.labels()?,
        starts_at: d.time()?,
        ends_at: d.time()?,
        updated_at: d.time()?,
        generator_url: d.str()?.to_string(),
        timeout: d.u8()? != 0,
    })
}

#[cfg(test)]
mod tests;
