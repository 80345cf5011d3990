//! The in-memory head: every series by label set, a postings index for matchers, and each
//! series' samples in XOR chunks.
//!
//! Concurrency: appenders buffer samples and check them against the committed state; a commit
//! applies its batch under the head's commit lock and then publishes a new commit number. A
//! querier remembers the number current when it was made and reads, per series, only the
//! samples committed up to then (see [`series::SeriesData::visible`]), so a query sees whole
//! commits and nothing that arrives while it runs. Readers take per-series read locks only
//! while decoding.

mod appender;
mod order;
mod querier;
mod series;
mod stats;
mod truncate;

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use model::labels::Labels;
use model::storage::{Appendable, Appender, Querier, Storage, StorageError};
use parking_lot::{Mutex, RwLock};

use crate::index::{IdBuild, MemPostings};

pub use stats::{HeadStats, Stat};
pub use truncate::TruncateStats;

pub(crate) use series::{MemSeries, SeriesData, appendable};

/// Settings of the head.
#[derive(Debug, Clone, Default)]
pub struct HeadOptions {}

/// The in-memory head block.
#[derive(Debug)]
pub struct Head {
    index: RwLock<Index>,
    /// Held by a commit while it applies its batch; commits are serialised by it.
    commit_lock: Mutex<()>,
    /// The last published commit.
    seq: AtomicU64,
    readers: Arc<Readers>,
    order: order::LabelOrder,
    min_t: AtomicI64,
    max_t: AtomicI64,
    chunks: AtomicU64,
    samples: AtomicU64,
    /// Head truncation: lowest appendable time, counts of what was dropped.
    trunc: truncate::TruncState,
}

/// Series by id and by label hash, and the postings.
#[derive(Debug, Default)]
struct Index {
    series: Vec<Arc<MemSeries>>,
    /// Label hash → id of the first series with that hash.
    by_hash: HashMap<u64, u32, IdBuild>,
    /// Further series whose label hash collides with an earlier one.
    collisions: HashMap<u64, Vec<u32>, IdBuild>,
    postings: MemPostings,
}

impl Index {
    /// The series with `labels`, whose label hash is `hash` (a parameter so that tests can
    /// force collisions).
    fn get(&self, labels: &Labels, hash: u64) -> Option<&Arc<MemSeries>> {
        let id = *self.by_hash.get(&hash)?;
        let s = &self.series[id as usize];
        if s.labels == *labels {
            return Some(s);
        }
        self.collisions
            .get(&hash)?
            .iter()
            .map(|&id| &self.series[id as usize])
            .find(|s| s.labels == *labels)
    }

    /// Adds a new series under `hash` and indexes it; returns its id.
    fn insert(&mut self, series: Arc<MemSeries>, hash: u64) -> u32 {
        let id = self.series.len() as u32;
        self.postings.add(id, &series.labels);
        self.series.push(series);
        match self.by_hash.entry(hash) {
            Entry::Occupied(_) => self.collisions.entry(hash).or_default().push(id),
            Entry::Vacant(v) => {
                v.insert(id);
            }
        }
        id
    }
}

/// Open readers, counted by the commit they see; series keep the history those need.
#[derive(Debug, Default)]
struct Readers {
    open: Mutex<BTreeMap<u64, usize>>,
}

/// A registered reader's view: the last commit it sees. Dropping the last handle unregisters.
#[derive(Debug)]
pub(crate) struct ReadView {
    readers: Arc<Readers>,
    pub seq: u64,
}

impl Drop for ReadView {
    fn drop(&mut self) {
        let mut open = self.readers.open.lock();
        if let Some(n) = open.get_mut(&self.seq) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.seq);
            }
        }
    }
}

impl Default for Head {
    fn default() -> Self {
        Head::new(HeadOptions::default())
    }
}

impl Head {
    pub fn new(_opts: HeadOptions) -> Self {
        Head {
            index: RwLock::new(Index::default()),
            commit_lock: Mutex::new(()),
            seq: AtomicU64::new(0),
            readers: Arc::default(),
            order: order::LabelOrder::default(),
            min_t: AtomicI64::new(i64::MAX),
            max_t: AtomicI64::new(i64::MIN),
            chunks: AtomicU64::new(0),
            samples: AtomicU64::new(0),
            trunc: truncate::TruncState::default(),
        }
    }

    /// The number of series.
    pub fn num_series(&self) -> usize {
        self.index.read().series.len().saturating_sub(self.trunc.removed_series())
    }

    /// Earliest and latest sample times, if the head holds any sample.
    pub fn time_range(&self) -> Option<(i64, i64)> {
        let (min, max) = (self.min_t.load(Ordering::Acquire), self.max_t.load(Ordering::Acquire));
        (min <= max).then_some((min, max))
    }

    /// A view of everything committed so far, registered so that commits keep what it needs.
    pub(crate) fn read_view(&self) -> Arc<ReadView> {
        let mut open = self.readers.open.lock();
        // Read under the registry lock: a commit that misses this registration has already
        // published an equal or later commit number, so it hides nothing this view needs.
        let seq = self.seq.load(Ordering::Acquire);
        *open.entry(seq).or_default() += 1;
        Arc::new(ReadView { readers: self.readers.clone(), seq })
    }

    /// The commit seen by the oldest open reader (`u64::MAX` when none).
    pub(crate) fn oldest_reader(&self) -> u64 {
        self.readers.open.lock().keys().next().copied().unwrap_or(u64::MAX)
    }

    /// The series with exactly these labels, if it exists.
    pub(crate) fn lookup(&self, labels: &Labels) -> Option<Arc<MemSeries>> {
        self.index.read().get(labels, labels.hash()).cloned()
    }

    /// The head's own copy of `labels`, if it has the series: blocks cut from the head share
    /// it instead of keeping an equal copy.
    pub(crate) fn shared_labels(&self, labels: &Labels) -> Option<Labels> {
        self.lookup(labels).map(|s| s.labels.clone())
    }

    /// The series with these labels, created (and indexed) if new. Only commits call this,
    /// under the commit lock, so ids grow in creation order and postings stay sorted.
    pub(crate) fn get_or_create(&self, labels: &Labels) -> Arc<MemSeries> {
        if let Some(s) = self.lookup(labels) {
            return s;
        }
        let hash = labels.hash();
        let mut ix = self.index.write();
        if let Some(s) = ix.get(labels, hash) {
            return s.clone();
        }
        let series = Arc::new(MemSeries::new(labels.clone()));
        ix.insert(series.clone(), hash);
        series
    }

    fn note_time(&self, t: i64) {
        self.min_t.fetch_min(t, Ordering::AcqRel);
        self.max_t.fetch_max(t, Ordering::AcqRel);
    }

    /// Every live series in label order, with a view of what is committed now: a head cut
    /// writes them one at a time instead of collecting their samples.
    pub(crate) fn sorted_series(&self) -> (Arc<ReadView>, Vec<Arc<MemSeries>>) {
        let view = self.read_view();
        let mut all: Vec<(u32, Arc<MemSeries>)> = {
            let ix = self.index.read();
            ix.series
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.removed.load(Ordering::Acquire))
                .map(|(id, s)| (id as u32, s.clone()))
                .collect()
        };
        self.order.sort(&mut all, &|| self.index.read().series.clone());
        (view, all.into_iter().map(|(_, s)| s).collect())
    }

    /// Every series with its committed samples, in label order (for writing blocks).
    pub fn series_snapshot(&self) -> Vec<(Labels, Vec<model::storage::FPoint>)> {
        let view = self.read_view();
        let seq = view.seq;
        let mut all: Vec<Arc<MemSeries>> = self.index.read().series.clone();
        all.sort_by(|a, b| a.labels.cmp(&b.labels));
        all.iter()
            .map(|s| {
                let mut pts = Vec::new();
                let d = s.data.read();
                d.floats_into(d.visible(seq), i64::MIN, i64::MAX, &mut pts);
                (s.labels.clone(), pts)
            })
            .filter(|(_, p)| !p.is_empty())
            .collect()
    }
}

impl Storage for Head {
    fn querier(&self, mint: i64, maxt: i64) -> Result<Box<dyn Querier + '_>, StorageError> {
        Ok(Box::new(querier::HeadQuerier::new(self, mint, maxt)))
    }
}

impl Appendable for Head {
    fn appender(&self) -> Box<dyn Appender + '_> {
        Box::new(appender::HeadAppender::new(self))
    }
}

#[cfg(test)]
mod tests;
