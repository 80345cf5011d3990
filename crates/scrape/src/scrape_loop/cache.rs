//! The per-target scrape cache: series text as exposed → final label set, the series written
//! in the previous and the current scrape (for staleness), and the metric metadata.
//!
//! A series seen before costs one hash lookup of its raw bytes and no relabelling, which is
//! what makes steady-state scrapes cheap (upstream's `scrapeCache`). Staleness is tracked by
//! stamps on the entries rather than by sets of label sets per scrape.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use model::labels::Labels;
use model::storage::SeriesHint;

use super::texts::SeriesTexts;
use crate::exposition::MetricType;

/// Builds [`RawHasher`]s with a per-cache random seed, so that a target cannot pick series
/// texts that all collide.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawBuild(u64);

impl Default for RawBuild {
    fn default() -> Self {
        RawBuild(std::collections::hash_map::RandomState::new().build_hasher().finish())
    }
}

impl BuildHasher for RawBuild {
    type Hasher = RawHasher;
    fn build_hasher(&self) -> RawHasher {
        RawHasher(self.0)
    }
}

/// A fast hash of series text (tens of bytes, hashed once per sample): eight bytes per
/// multiply, where SipHash costs several rounds per word.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawHasher(u64);

/// Multiplies into 128 bits and folds the halves: every input bit reaches the output.
fn fold_mul(a: u64, b: u64) -> u64 {
    let m = u128::from(a).wrapping_mul(u128::from(b));
    (m as u64) ^ ((m >> 64) as u64)
}

const K0: u64 = 0x9e37_79b9_7f4a_7c15;
const K1: u64 = 0xbf58_476d_1ce4_e5b9;

impl Hasher for RawHasher {
    fn finish(&self) -> u64 {
        fold_mul(self.0, K1)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            h = fold_mul(h ^ u64::from_le_bytes(b), K0);
        }
        let tail = words.remainder();
        if !tail.is_empty() {
            let mut b = [0u8; 8];
            b[..tail.len()].copy_from_slice(tail);
            h = fold_mul(h ^ u64::from_le_bytes(b) ^ ((tail.len() as u64) << 59), K0);
        }
        self.0 = h;
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = fold_mul(self.0 ^ n as u64, K1);
    }
}

pub(crate) type RawMap<V> = HashMap<Box<[u8]>, V, RawBuild>;

/// A cached series text.
#[derive(Debug)]
pub(crate) struct Entry {
    pub labels: Labels,
    /// The store's handle on the series (see [`Appender::append_hinted`]).
    ///
    /// [`Appender::append_hinted`]: model::storage::Appender::append_hinted
    pub hint: SeriesHint,
    /// The scrape iteration the entry was last seen in.
    pub last_iter: u64,
    /// [`stamp`] of the scrape that last wrote a sample of it without an explicit timestamp
    /// (0: never), and the stamp before that: the staleness bookkeeping, kept here instead of
    /// in per-scrape sets of label sets so that a steady scrape costs no extra hashing.
    pub written: u64,
    pub written_before: u64,
}

/// The staleness stamp of scrape `iter`; 0 is "never" and `stamp(iter - 1)` is never 0.
pub(crate) fn stamp(iter: u64) -> u64 {
    iter + 2
}

/// `# TYPE`, `# HELP` and `# UNIT` of one metric family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub kind: MetricType,
    pub help: String,
    pub unit: String,
    last_iter: u64,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct ScrapeCache {
    pub(crate) iter: u64,
    /// Entries at the last successful scrape; growth far beyond it forces a flush.
    successful_count: usize,
    pub(crate) series: SeriesTexts,
    /// Series text that metric relabelling drops, with the iteration last seen.
    pub(crate) dropped: RawMap<u64>,
    /// Entries written (without explicit timestamps) by the previous scrape, by this one so
    /// far, and by both: when the last equals the first, nothing went stale.
    pub(crate) written_prev: usize,
    pub(crate) written_now: usize,
    pub(crate) carried: usize,
    metadata: HashMap<String, Metadata>,
}

impl ScrapeCache {
    pub fn new() -> Self {
        ScrapeCache::default()
    }

    /// Number of label sets cached.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// Records that `e` was written in the current scrape (`now` = [`stamp`] of it).
    pub(crate) fn mark_written(
        e: &mut Entry,
        now: u64,
        written_now: &mut usize,
        carried: &mut usize,
    ) {
        if e.written == now {
            return;
        }
        if e.written == now - 1 {
            *carried += 1;
        }
        e.written_before = e.written;
        e.written = now;
        *written_now += 1;
    }

    /// Ends a scrape. `flush` (after a successful scrape) forgets series and dropped text not
    /// seen in it, and metadata not seen for 10 scrapes; a cache that doubles across failed
    /// scrapes is flushed anyway, as upstream. `written` says whether this scrape's writes
    /// stand (a failed scrape's were rolled back and forgotten by [`Self::take_stale`]).
    pub(crate) fn iter_done(&mut self, mut flush: bool, written: bool) {
        let count = self.series.len() + self.dropped.len() + self.metadata.len();
        if flush {
            self.successful_count = count;
        } else if count > self.successful_count * 2 + 1000 {
            flush = true;
        }
        if flush {
            let iter = self.iter;
            self.series.retain(|e| e.last_iter == iter);
            self.dropped.retain(|_, i| *i == iter);
            self.metadata.retain(|_, m| iter.saturating_sub(m.last_iter) <= 10);
        }
        self.written_prev = if written { self.written_now } else { 0 };
        self.written_now = 0;
        self.carried = 0;
        self.iter += 1;
    }

    /// Calls `stale` with each series the previous scrape wrote and this one did not. With
    /// `failed`, this scrape's writes were rolled back: every series of the previous scrape
    /// is stale, and this scrape's marks are undone.
    pub(crate) fn take_stale(&mut self, failed: bool, mut stale: impl FnMut(&Labels)) {
        let now = stamp(self.iter);
        let prev = now - 1;
        if failed {
            if self.written_prev == 0 && self.written_now == 0 {
                return;
            }
            for e in self.series.values_mut() {
                if e.written == now {
                    if e.written_before == prev {
                        stale(&e.labels);
                    }
                    e.written = e.written_before;
                } else if e.written == prev {
                    stale(&e.labels);
                }
            }
            self.written_now = 0;
            self.carried = 0;
            return;
        }
        if self.carried >= self.written_prev {
            return;
        }
        for e in self.series.values() {
            if e.written == prev {
                stale(&e.labels);
            }
        }
    }

    fn meta_entry(&mut self, name: &str) -> &mut Metadata {
        let iter = self.iter;
        if !self.metadata.contains_key(name) {
            let fresh = Metadata {
                kind: MetricType::Unknown,
                help: String::new(),
                unit: String::new(),
                last_iter: iter,
            };
            self.metadata.insert(name.to_string(), fresh);
        }
        let entry = self.metadata.get_mut(name).expect("inserted above");
        entry.last_iter = iter;
        entry
    }

    pub(crate) fn set_type(&mut self, name: &str, kind: MetricType) {
        self.meta_entry(name).kind = kind;
    }

    pub(crate) fn set_help(&mut self, name: &str, help: &str) {
        let e = self.meta_entry(name);
        if e.help != help {
            e.help = help.to_string();
        }
    }

    pub(crate) fn set_unit(&mut self, name: &str, unit: &str) {
        let e = self.meta_entry(name);
        if e.unit != unit {
            e.unit = unit.to_string();
        }
    }

    /// The metadata of every family seen recently, by name.
    pub fn metadata(&self) -> impl Iterator<Item = (&str, &Metadata)> {
        self.metadata.iter().map(|(k, v)| (k.as_str(), v))
    }
}
