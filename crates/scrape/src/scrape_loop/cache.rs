//! The per-target scrape cache: series text as exposed → final label set, the series written
//! in the previous and the current scrape (for staleness), and the metric metadata.
//!
//! A series seen before costs one hash lookup of its raw bytes and no relabelling, which is
//! what makes steady-state scrapes cheap (upstream's `scrapeCache`).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use model::labels::Labels;

use crate::exposition::MetricType;

/// A hasher for keys that hash themselves to one `u64` ([`Labels`] writes its remembered hash).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct U64Hasher(u64);

impl Hasher for U64Hasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Not used by `Labels`; fold anything else in FNV style so it still works.
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type LabelsSet = HashSet<Labels, BuildHasherDefault<U64Hasher>>;

#[derive(Debug)]
pub(crate) struct Entry {
    pub labels: Labels,
    /// The scrape iteration the entry was last seen in.
    pub last_iter: u64,
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
    pub(crate) series: HashMap<Box<[u8]>, Entry>,
    /// Series text that metric relabelling drops, with the iteration last seen.
    pub(crate) dropped: HashMap<Box<[u8]>, u64>,
    /// Series written (without explicit timestamps) in this scrape and the previous one.
    pub(crate) cur: LabelsSet,
    pub(crate) prev: LabelsSet,
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

    /// Ends a scrape. `flush` (after a successful scrape) forgets series and dropped text not
    /// seen in it, and metadata not seen for 10 scrapes; a cache that doubles across failed
    /// scrapes is flushed anyway, as upstream.
    pub(crate) fn iter_done(&mut self, mut flush: bool) {
        let count = self.series.len() + self.dropped.len() + self.metadata.len();
        if flush {
            self.successful_count = count;
        } else if count > self.successful_count * 2 + 1000 {
            flush = true;
        }
        if flush {
            let iter = self.iter;
            self.series.retain(|_, e| e.last_iter == iter);
            self.dropped.retain(|_, i| *i == iter);
            self.metadata.retain(|_, m| iter.saturating_sub(m.last_iter) <= 10);
        }
        std::mem::swap(&mut self.prev, &mut self.cur);
        self.cur.clear();
        self.iter += 1;
    }

    /// The series of the previous scrape missing from this one.
    pub(crate) fn stale_series(&self) -> impl Iterator<Item = &Labels> {
        self.prev.iter().filter(|l| !self.cur.contains(*l))
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
