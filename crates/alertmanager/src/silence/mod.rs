//! Silences (§5.1, §5.2, §5.4): create, update in place or replace, expire, query, GC, and
//! "which silences mute this alert now", answered through an index rather than a scan.
//!
//! * [`Silences::set`] / [`Silences::expire`] follow upstream's rules exactly (same id when
//!   only the end moves on an active silence, a new id and the old one expired otherwise), with
//!   upstream's validation texts ([`validate`]).
//! * [`Silences::mutes`] looks up candidates in an [`index`] keyed by the `name="value"`
//!   pairs silences require, so its cost depends on the alert's labels, not on how many
//!   silences exist.
//! * Every change is journalled and fsynced before `set`/`expire` return
//!   ([`crate::persist::Journal`]); [`Silences::maintenance`] GCs and rewrites the snapshot.
//! * Regex memory: each distinct regex matcher is compiled once and shared between silences;
//!   its compiled size is probed and charged against `max_regex_bytes` (default 256 MiB), and a
//!   single silence regex may not need more than 16 MiB (upstream allows 128 MiB each, with no
//!   total).
//! * In a cluster the silences are replicated ([`cluster::State`], records in the
//!   [`crate::replicate`] format): every local change is broadcast, and a peer's silence
//!   replaces ours when its `updated_at` is later (equal: the larger encoding wins, so every
//!   peer ends with the same one whatever the order of arrival).

mod index;
pub mod validate;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use model::labels::Labels;
use model::matcher::{MatchOp, Matcher, MatcherParseMode, Matchers};
use parking_lot::{Mutex, RwLock};

use crate::alert::{Time, is_zero};
use crate::persist::{Dec, Enc, Journal};
use crate::replicate::{self, Kind};
use index::Index;
pub use validate::check_api_times;

const JOURNAL_NAME: &str = "silences";
const REC_SET: u8 = 1;
const REC_DELETE: u8 = 2;

/// A stored silence.
#[derive(Debug, Clone, PartialEq)]
pub struct Silence {
    /// UUIDv4 assigned by the server.
    pub id: String,
    /// All must match (one matcher set, as API v2 exposes).
    pub matchers: Matchers,
    /// Start of the muting period.
    pub starts_at: Time,
    /// End of the muting period.
    pub ends_at: Time,
    /// Last change.
    pub updated_at: Time,
    /// Author.
    pub created_by: String,
    /// Why.
    pub comment: String,
    /// Free-form annotations (0.32+).
    pub annotations: BTreeMap<String, String>,
}

/// Where a silence is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SilenceState {
    /// Ended.
    Expired,
    /// Muting now.
    Active,
    /// Not started yet.
    Pending,
}

impl SilenceState {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SilenceState::Expired => "expired",
            SilenceState::Active => "active",
            SilenceState::Pending => "pending",
        }
    }
}

impl Silence {
    /// The state at `now`: pending before the start, active until the end (exclusive, as the
    /// API reports it), expired after.
    pub fn state(&self, now: Time) -> SilenceState {
        if now < self.starts_at {
            SilenceState::Pending
        } else if now < self.ends_at {
            SilenceState::Active
        } else {
            SilenceState::Expired
        }
    }

    /// Whether the matchers match `labels` (absent labels compare as "").
    pub fn matches(&self, labels: &Labels) -> bool {
        self.matchers.matches_labels(labels)
    }
}

/// One matcher as the API posts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherSpec {
    /// Label name.
    pub name: String,
    /// Value or regex.
    pub value: String,
    /// `=~`/`!~`.
    pub is_regex: bool,
    /// `=`/`=~` (true) or `!=`/`!~` (false).
    pub is_equal: bool,
}

/// A silence as posted to `POST /api/v2/silences`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PostableSilence {
    /// Set to update an existing silence.
    pub id: Option<String>,
    /// The matchers.
    pub matchers: Vec<MatcherSpec>,
    /// Start; zero means now.
    pub starts_at: Time,
    /// End.
    pub ends_at: Time,
    /// Author.
    pub created_by: String,
    /// Why.
    pub comment: String,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
}

impl Default for Silence {
    fn default() -> Self {
        Silence {
            id: String::new(),
            matchers: Matchers::new(),
            starts_at: crate::alert::ZERO_TIME,
            ends_at: crate::alert::ZERO_TIME,
            updated_at: crate::alert::ZERO_TIME,
            created_by: String::new(),
            comment: String::new(),
            annotations: BTreeMap::new(),
        }
    }
}

/// Why a silence operation failed; `Display` is the text the API returns.
#[derive(Debug, thiserror::Error)]
pub enum SilenceError {
    /// Unknown id (404).
    #[error("silence not found")]
    NotFound,
    /// Validation failed (400).
    #[error("invalid silence: {0}")]
    Invalid(String),
    /// A limit was hit (400).
    #[error("{0}")]
    Limit(String),
    /// The change could not be made durable; it was not applied (500).
    #[error("persisting silences: {0}")]
    Persist(String),
}

/// Silence settings.
#[derive(Debug, Clone)]
pub struct SilenceOptions {
    /// `--data.retention`: how long expired silences are kept (default 120h).
    pub retention: Duration,
    /// `--silences.max-silences` (0 = unlimited), counting expired ones too.
    pub max_silences: usize,
    /// `--silences.max-silence-size-bytes` (0 = unlimited).
    pub max_silence_size_bytes: usize,
    /// Total compiled-regex budget of all stored silences (0 = unlimited).
    pub max_regex_bytes: usize,
    /// Which label names are valid.
    pub mode: MatcherParseMode,
}

impl Default for SilenceOptions {
    fn default() -> Self {
        SilenceOptions {
            retention: Duration::from_secs(120 * 3600),
            max_silences: 0,
            max_silence_size_bytes: 0,
            max_regex_bytes: 256 << 20,
            mode: MatcherParseMode::default(),
        }
    }
}

/// Which silences [`Silences::query`] returns.
#[derive(Debug, Clone)]
pub struct SilenceQuery {
    /// Each must appear verbatim (name, operator, value) among the silence's matchers.
    pub filter: Vec<Matcher>,
    /// Include active silences.
    pub active: bool,
    /// Include pending silences.
    pub pending: bool,
    /// Include expired silences.
    pub expired: bool,
}

impl Default for SilenceQuery {
    fn default() -> Self {
        SilenceQuery { filter: Vec::new(), active: true, pending: true, expired: true }
    }
}

/// A compiled regex matcher shared by the silences that use it.
#[derive(Debug)]
struct SharedRegex {
    matcher: Matcher,
    refs: usize,
    charge: usize,
}

#[derive(Debug, Default)]
struct State {
    by_id: HashMap<String, Arc<Silence>>,
    index: Index,
    version: u64,
    regexes: HashMap<(MatchOp, String, String), SharedRegex>,
    regex_bytes: usize,
}

impl State {
    /// Swaps the silence's regex matchers for shared ones and takes a reference on each.
    fn acquire(&mut self, mut s: Silence) -> Silence {
        let mut ms = Vec::with_capacity(s.matchers.len());
        for m in s.matchers.iter() {
            if !m.op().is_regex() {
                ms.push(m.clone());
                continue;
            }
            let key = (m.op(), m.name().to_string(), m.value().to_string());
            let e = self.regexes.entry(key).or_insert_with(|| {
                let charge = validate::regex_charge(m.value()).unwrap_or(0);
                SharedRegex { matcher: m.clone(), refs: 0, charge }
            });
            if e.refs == 0 {
                self.regex_bytes += e.charge;
            }
            e.refs += 1;
            ms.push(e.matcher.clone());
        }
        s.matchers = Matchers::from(ms);
        s
    }

    fn release(&mut self, s: &Silence) {
        for m in s.matchers.iter().filter(|m| m.op().is_regex()) {
            let key = (m.op(), m.name().to_string(), m.value().to_string());
            if let Some(e) = self.regexes.get_mut(&key) {
                e.refs -= 1;
                if e.refs == 0 {
                    self.regex_bytes -= e.charge;
                    self.regexes.remove(&key);
                }
            }
        }
    }

    fn upsert(&mut self, s: Silence, now: Time) {
        let s = self.acquire(s);
        if let Some(old) = self.by_id.remove(&s.id) {
            self.release(&old);
        }
        let s = Arc::new(s);
        if s.state(now) == SilenceState::Expired {
            self.index.remove(&s.id);
        } else {
            self.index.insert(s.clone());
        }
        self.by_id.insert(s.id.clone(), s);
        self.version += 1;
    }

    fn delete(&mut self, id: &str) {
        if let Some(old) = self.by_id.remove(id) {
            self.release(&old);
            self.index.remove(id);
            self.version += 1;
        }
    }
}

/// The silences; share as `Arc<Silences>`.
pub struct Silences {
    /// Serialises changes, so that the journal order is the apply order and readers are not
    /// blocked during the fsync.
    writer: Mutex<()>,
    state: RwLock<State>,
    journal: Option<Arc<Journal>>,
    opts: SilenceOptions,
    recovery: Vec<String>,
    broadcast: std::sync::OnceLock<crate::nflog::Broadcast>,
}

impl std::fmt::Debug for Silences {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Silences").field("len", &self.len()).finish_non_exhaustive()
    }
}

impl Silences {
    /// Silences kept in memory only.
    pub fn in_memory(opts: SilenceOptions) -> Arc<Silences> {
        Arc::new(Silences {
            writer: Mutex::new(()),
            state: RwLock::new(State::default()),
            journal: None,
            opts,
            recovery: Vec::new(),
            broadcast: std::sync::OnceLock::new(),
        })
    }

    /// Opens the silences persisted under `dir` (created if missing). Damaged records are
    /// skipped and reported ([`Silences::recovery_problems`]), never fatal. Silences past
    /// their retention at `now` are dropped.
    pub fn open(
        dir: &Path,
        opts: SilenceOptions,
        now: Time,
    ) -> Result<Arc<Silences>, SilenceError> {
        let (journal, rec) = Journal::open(dir, JOURNAL_NAME)
            .map_err(|e| SilenceError::Persist(format!("{}: {e}", dir.display())))?;
        let mut problems = rec.problems;
        let mut st = State::default();
        for (i, r) in rec.snapshot.iter().chain(rec.log.iter()).enumerate() {
            let mut d = Dec::new(r);
            let res = d.u8().and_then(|t| match t {
                REC_SET => decode_silence(&mut d).map(|s| st.upsert(s, now)),
                REC_DELETE => d.str().map(|id| st.delete(id)),
                t => Err(format!("unknown record type {t}")),
            });
            if let Err(e) = res {
                problems.push(format!("{}: silence record {i}: {e}; skipped", dir.display()));
            }
        }
        // Local changes sync before they are acknowledged; merged peers' changes (which must
        // not block the gossip task on an fsync) are synced by this thread within a second.
        journal.start_syncer(Duration::from_secs(1));
        let s = Silences {
            writer: Mutex::new(()),
            state: RwLock::new(st),
            journal: Some(journal),
            opts,
            recovery: problems,
            broadcast: std::sync::OnceLock::new(),
        };
        s.gc(now)?;
        Ok(Arc::new(s))
    }

    /// What was wrong with the files found at [`Silences::open`].
    pub fn recovery_problems(&self) -> &[String] {
        &self.recovery
    }

    /// Bumped on every change.
    pub fn version(&self) -> u64 {
        self.state.read().version
    }

    /// How many silences are stored (expired ones included until GC).
    pub fn len(&self) -> usize {
        self.state.read().by_id.len()
    }

    /// Whether none are stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The compiled-regex bytes charged to the stored silences.
    pub fn regex_bytes(&self) -> usize {
        self.state.read().regex_bytes
    }

    /// Creates or updates a silence (§5.2) and returns its id, which is new unless the change
    /// was an update in place. Durable when it returns.
    pub fn set(&self, p: PostableSilence, now: Time) -> Result<String, SilenceError> {
        let starts_at = if is_zero(p.starts_at) { now } else { p.starts_at };
        let matchers =
            validate::build_matchers(&p.matchers, self.opts.mode).map_err(SilenceError::Invalid)?;
        validate::check_times(starts_at, p.ends_at).map_err(SilenceError::Invalid)?;
        let mut sil = Silence {
            id: String::new(),
            matchers,
            starts_at,
            ends_at: p.ends_at,
            updated_at: now,
            created_by: p.created_by,
            comment: p.comment,
            annotations: p.annotations,
        };

        let _w = self.writer.lock();
        let prev = match p.id.as_deref().filter(|id| !id.is_empty()) {
            Some(id) => Some(self.get(id).ok_or(SilenceError::NotFound)?),
            None => None,
        };
        if let Some(prev) = &prev
            && can_update(prev, &sil, now)
        {
            sil.id = prev.id.clone();
            self.check_size(&sil)?;
            self.commit(vec![Change::Set(sil)], now)?;
            return Ok(prev.id.clone());
        }

        {
            let st = self.state.read();
            let max = self.opts.max_silences;
            if max > 0 && st.by_id.len() + 1 > max {
                return Err(SilenceError::Limit(format!(
                    "exceeded maximum number of silences: {} (limit: {max})",
                    st.by_id.len()
                )));
            }
            let mut extra = 0;
            for m in sil.matchers.iter().filter(|m| m.op().is_regex()) {
                let key = (m.op(), m.name().to_string(), m.value().to_string());
                if !st.regexes.contains_key(&key) {
                    extra += validate::regex_charge(m.value()).map_err(SilenceError::Invalid)?;
                }
            }
            let cap = self.opts.max_regex_bytes;
            if cap > 0 && st.regex_bytes + extra > cap {
                return Err(SilenceError::Limit(format!(
                    "exceeded silence regex memory: {} bytes in use, this silence needs {extra} more (limit: {cap} bytes)",
                    st.regex_bytes
                )));
            }
        }
        sil.id = uuid::Uuid::new_v4().to_string();
        if sil.starts_at < now {
            sil.starts_at = now;
        }
        self.check_size(&sil)?;
        let mut changes = Vec::with_capacity(2);
        if let Some(prev) = prev
            && prev.state(now) != SilenceState::Expired
        {
            changes.push(Change::Set(expired(&prev, now)));
        }
        let id = sil.id.clone();
        changes.push(Change::Set(sil));
        self.commit(changes, now)?;
        Ok(id)
    }

    /// Expires a silence now: an active one ends now, a pending one starts and ends now, an
    /// expired one is left alone. Durable when it returns.
    pub fn expire(&self, id: &str, now: Time) -> Result<(), SilenceError> {
        let _w = self.writer.lock();
        let sil = self.get(id).ok_or(SilenceError::NotFound)?;
        if sil.state(now) == SilenceState::Expired {
            return Ok(());
        }
        self.commit(vec![Change::Set(expired(&sil, now))], now)
    }

    /// The silence with this id.
    pub fn get(&self, id: &str) -> Option<Arc<Silence>> {
        self.state.read().by_id.get(id).cloned()
    }

    /// Every stored silence, in no particular order.
    pub fn list(&self) -> Vec<Arc<Silence>> {
        self.state.read().by_id.values().cloned().collect()
    }

    /// The silences selected by `q` at `now` with their states, in the API's order: active
    /// by end, then pending by start, then expired by end (latest first).
    pub fn query(&self, q: &SilenceQuery, now: Time) -> Vec<(Arc<Silence>, SilenceState)> {
        let st = self.state.read();
        let mut out: Vec<(Arc<Silence>, SilenceState)> = st
            .by_id
            .values()
            .filter_map(|s| {
                let state = s.state(now);
                let wanted = match state {
                    SilenceState::Active => q.active,
                    SilenceState::Pending => q.pending,
                    SilenceState::Expired => q.expired,
                };
                let filtered = q.filter.iter().all(|f| s.matchers.iter().any(|m| m == f));
                (wanted && filtered).then(|| (s.clone(), state))
            })
            .collect();
        drop(st);
        let rank = |s: SilenceState| match s {
            SilenceState::Active => 0,
            SilenceState::Pending => 1,
            SilenceState::Expired => 2,
        };
        out.sort_by(|(a, sa), (b, sb)| {
            rank(*sa).cmp(&rank(*sb)).then_with(|| match sa {
                SilenceState::Active => a.ends_at.cmp(&b.ends_at),
                SilenceState::Pending => a.starts_at.cmp(&b.starts_at),
                SilenceState::Expired => b.ends_at.cmp(&a.ends_at),
            })
        });
        out
    }

    /// The ids (sorted) of the silences active at `now` that match `labels`.
    pub fn mutes(&self, labels: &Labels, now: Time) -> Vec<String> {
        let mut ids = Vec::new();
        let st = self.state.read();
        st.index.candidates(labels, |s| {
            if s.state(now) == SilenceState::Active && s.matches(labels) {
                ids.push(s.id.clone());
            }
        });
        drop(st);
        ids.sort_unstable();
        ids
    }

    /// Deletes silences whose retention (end + `--data.retention`) has passed; returns how
    /// many.
    pub fn gc(&self, now: Time) -> Result<usize, SilenceError> {
        let _w = self.writer.lock();
        let retention = signed(self.opts.retention);
        let doomed: Vec<String> = self
            .state
            .read()
            .by_id
            .values()
            .filter(|s| s.ends_at.saturating_add(retention).unwrap_or(s.ends_at) < now)
            .map(|s| s.id.clone())
            .collect();
        let n = doomed.len();
        if n > 0 {
            self.commit(doomed.into_iter().map(Change::Delete).collect(), now)?;
        }
        Ok(n)
    }

    /// The periodic work (every `--data.maintenance-interval` and at shutdown): GC, drop
    /// silences that have ended from the index, and rewrite the snapshot.
    pub fn maintenance(&self, now: Time) -> Result<(), SilenceError> {
        self.gc(now)?;
        let _w = self.writer.lock();
        {
            let mut st = self.state.write();
            let ended: Vec<String> = st
                .by_id
                .values()
                .filter(|s| s.state(now) == SilenceState::Expired)
                .map(|s| s.id.clone())
                .collect();
            for id in ended {
                st.index.remove(&id);
            }
        }
        if let Some(j) = &self.journal {
            j.compact(|| self.state.read().by_id.values().map(|s| encode_silence(s)).collect())
                .map_err(|e| SilenceError::Persist(e.to_string()))?;
        }
        Ok(())
    }

    /// Index statistics: (indexed silences, silences checked for every alert).
    pub fn index_stats(&self) -> (usize, usize) {
        let st = self.state.read();
        (st.index.len(), st.index.fallback_len())
    }

    fn check_size(&self, s: &Silence) -> Result<(), SilenceError> {
        let max = self.opts.max_silence_size_bytes;
        if max == 0 {
            return Ok(());
        }
        let expires = s.ends_at.saturating_add(signed(self.opts.retention)).unwrap_or(s.ends_at);
        let n = validate::encoded_size(s, expires);
        if n > max {
            return Err(SilenceError::Limit(format!(
                "silence exceeded maximum size: {n} bytes (limit: {max} bytes)"
            )));
        }
        Ok(())
    }

    /// Installs where local changes go (the cluster channel `sil`); once.
    pub fn set_broadcast(&self, broadcast: crate::nflog::Broadcast) {
        if self.broadcast.set(broadcast).is_err() {
            tracing::warn!("silences: broadcast installed twice; keeping the first");
        }
    }

    /// Every silence, as one message for a peer ([`cluster::State::full_state`]).
    pub fn full_state(&self) -> Vec<u8> {
        let records: Vec<Vec<u8>> =
            self.state.read().by_id.values().map(|s| encode_silence(s)).collect();
        replicate::encode(Kind::Full, records)
    }

    /// Merges a peer's message (delta or full state) at `now`: a silence is taken when we do
    /// not have it or it was updated later than ours, unless its retention has passed.
    /// Returns how many silences changed; journalled, and synced within a second (no fsync
    /// here: this runs on the gossip task).
    pub fn merge_bytes(&self, bytes: &[u8], now: Time) -> Result<usize, String> {
        let (_, records) = replicate::decode(bytes)?;
        let mut incoming = Vec::with_capacity(records.len());
        for (i, r) in records.into_iter().enumerate() {
            let mut d = Dec::new(r);
            match d.u8()? {
                REC_SET => incoming
                    .push(decode_silence(&mut d).map_err(|e| format!("silence record {i}: {e}"))?),
                t => return Err(format!("silence record {i}: unknown record type {t}")),
            }
        }
        let retention = signed(self.opts.retention);
        let _w = self.writer.lock();
        let changes: Vec<Change> = {
            let st = self.state.read();
            incoming
                .into_iter()
                .filter(|s| s.ends_at.saturating_add(retention).unwrap_or(s.ends_at) >= now)
                .filter(|s| match st.by_id.get(&s.id) {
                    None => true,
                    Some(prev) => {
                        s.updated_at > prev.updated_at
                            || (s.updated_at == prev.updated_at
                                && encode_silence(s) > encode_silence(prev))
                    }
                })
                .map(Change::Set)
                .collect()
        };
        let n = changes.len();
        if n > 0 {
            self.commit_inner(changes, now, false).map_err(|e| e.to_string())?;
        }
        Ok(n)
    }

    /// Journals and fsyncs the changes, applies them and broadcasts the silences set.
    /// Callers hold `writer`.
    fn commit(&self, changes: Vec<Change>, now: Time) -> Result<(), SilenceError> {
        self.commit_inner(changes, now, true)
    }

    fn commit_inner(
        &self,
        changes: Vec<Change>,
        now: Time,
        share: bool,
    ) -> Result<(), SilenceError> {
        let shared: Vec<Vec<u8>> = match self.broadcast.get() {
            Some(_) if share => changes
                .iter()
                .filter_map(|c| match c {
                    Change::Set(s) => Some(encode_silence(s)),
                    Change::Delete(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        if let Some(j) = &self.journal {
            for c in &changes {
                match c {
                    Change::Set(s) => j.append(&encode_silence(s)),
                    Change::Delete(id) => {
                        let mut e = Enc::new();
                        e.u8(REC_DELETE).str(id);
                        j.append(&e.buf);
                    }
                }
            }
            if share {
                j.sync().map_err(|e| SilenceError::Persist(e.to_string()))?;
            }
        }
        let mut st = self.state.write();
        for c in changes {
            match c {
                Change::Set(s) => st.upsert(s, now),
                Change::Delete(id) => st.delete(&id),
            }
        }
        drop(st);
        if let (Some(b), false) = (self.broadcast.get(), shared.is_empty()) {
            b(replicate::encode(Kind::Delta, shared));
        }
        Ok(())
    }
}

enum Change {
    Set(Silence),
    Delete(String),
}

impl cluster::State for Silences {
    fn full_state(&self) -> Vec<u8> {
        Silences::full_state(self)
    }

    fn merge(&self, bytes: &[u8]) -> Result<(), cluster::MergeError> {
        let now = jiff::Timestamp::now();
        self.merge_bytes(bytes, now).map(|_| ()).map_err(cluster::MergeError)
    }
}

fn signed(d: Duration) -> jiff::SignedDuration {
    jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::MAX)
}

/// The silence expired at `now` (§5.2 `DELETE`).
fn expired(s: &Silence, now: Time) -> Silence {
    let mut s = s.clone();
    if s.state(now) == SilenceState::Pending {
        s.starts_at = now;
    }
    s.ends_at = now;
    s.updated_at = now;
    s
}

/// Whether `new` may replace `old` under the same id without rewriting history: same
/// matchers in the same order, and for an active silence the same start (to the second) and
/// an end not in the past, for a pending one a start not in the past.
fn can_update(old: &Silence, new: &Silence, now: Time) -> bool {
    if old.matchers.len() != new.matchers.len()
        || old.matchers.iter().zip(new.matchers.iter()).any(|(a, b)| a != b)
    {
        return false;
    }
    match old.state(now) {
        SilenceState::Active => {
            old.starts_at.as_second() == new.starts_at.as_second() && new.ends_at >= now
        }
        SilenceState::Pending => new.starts_at >= now,
        SilenceState::Expired => false,
    }
}

fn op_code(op: MatchOp) -> u8 {
    match op {
        MatchOp::Equal => 0,
        MatchOp::NotEqual => 1,
        MatchOp::Regex => 2,
        MatchOp::NotRegex => 3,
    }
}

fn encode_silence(s: &Silence) -> Vec<u8> {
    let mut e = Enc::new();
    e.u8(REC_SET).str(&s.id).time(s.starts_at).time(s.ends_at).time(s.updated_at);
    e.str(&s.created_by).str(&s.comment).u32(s.matchers.len() as u32);
    for m in s.matchers.iter() {
        e.u8(op_code(m.op())).str(m.name()).str(m.value());
    }
    e.u32(s.annotations.len() as u32);
    for (k, v) in &s.annotations {
        e.str(k).str(v);
    }
    e.buf
}

fn decode_silence(d: &mut Dec<'_>) -> Result<Silence, String> {
    let id = d.str()?.to_string();
    let (starts_at, ends_at, updated_at) = (d.time()?, d.time()?, d.time()?);
    let (created_by, comment) = (d.str()?.to_string(), d.str()?.to_string());
    let n = d.u32()? as usize;
    let mut ms = Vec::with_capacity(n.min(64));
    for _ in 0..n {
        let op = match d.u8()? {
            0 => MatchOp::Equal,
            1 => MatchOp::NotEqual,
            2 => MatchOp::Regex,
            3 => MatchOp::NotRegex,
            t => return Err(format!("unknown matcher type {t}")),
        };
        let (name, value) = (d.str()?, d.str()?);
        ms.push(Matcher::alertmanager(op, name, value).map_err(|e| e.message)?);
    }
    let n = d.u32()? as usize;
    let mut annotations = BTreeMap::new();
    for _ in 0..n {
        annotations.insert(d.str()?.to_string(), d.str()?.to_string());
    }
    Ok(Silence {
        id,
        matchers: Matchers::from(ms),
        starts_at,
        ends_at,
        updated_at,
        created_by,
        comment,
        annotations,
    })
}

#[cfg(test)]
mod tests;
