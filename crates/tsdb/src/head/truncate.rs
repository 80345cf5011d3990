//! Dropping from the head what a block now holds: chunks that end before a time, and series
//! left without samples, with their postings and hash entries.
//!
//! Series ids stay stable (the WAL refers to series by id): a dropped series' slot keeps a
//! shared empty placeholder, marked removed, that no posting lists.
//!
//! Readers: a querier decodes a series under its read lock, and truncation edits a series
//! under its write lock, so a reader never sees half a chunk list. Whether old readers still
//! need the dropped samples is the caller's question: [`crate::Db`] truncates only once every
//! querier opened before the block was loaded has closed (see [`Head::publish_barrier`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};

use model::labels::Labels;

use super::{Head, Index, MemSeries};
use crate::chunkenc::XorEncoder;

/// Truncation state kept in the head.
#[derive(Debug)]
pub(crate) struct TruncState {
    /// Samples below this time are out of bounds: their range is (being) cut into a block.
    min_valid_t: AtomicI64,
    removed_series: AtomicUsize,
    dropped_samples: AtomicU64,
}

impl Default for TruncState {
    fn default() -> Self {
        TruncState {
            min_valid_t: AtomicI64::new(i64::MIN),
            removed_series: AtomicUsize::new(0),
            dropped_samples: AtomicU64::new(0),
        }
    }
}

impl TruncState {
    pub fn removed_series(&self) -> usize {
        self.removed_series.load(Ordering::Relaxed)
    }
}

/// What one [`Head::truncate`] dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TruncateStats {
    pub series: usize,
    pub chunks: u64,
    pub samples: u64,
}

impl Head {
    /// The lowest time an append may have; earlier samples fail with `OutOfBounds`.
    pub fn min_valid_time(&self) -> i64 {
        self.trunc.min_valid_t.load(Ordering::Acquire)
    }

    /// Raises (never lowers) the lowest appendable time. Takes the commit lock, so when this
    /// returns no commit is still adding samples below `t`.
    pub fn set_min_valid_time(&self, t: i64) {
        let _guard = self.commit_lock.lock();
        self.trunc.min_valid_t.fetch_max(t, Ordering::AcqRel);
    }

    /// Samples appended since the head was made, including those truncated since.
    pub fn samples_appended_total(&self) -> u64 {
        self.samples.load(Ordering::Relaxed) + self.trunc.dropped_samples.load(Ordering::Relaxed)
    }

    /// Chunks held (closed and open).
    pub fn num_chunks(&self) -> u64 {
        self.chunks.load(Ordering::Relaxed)
    }

    /// Samples held.
    pub fn num_samples(&self) -> u64 {
        self.samples.load(Ordering::Relaxed)
    }

    /// Publishes an empty commit and returns its number. A querier registered before this
    /// returned sees an earlier number, so "every reader older than the barrier has closed"
    /// ([`Head::has_readers_before`]) means every querier made before whatever the caller did
    /// first (loading a block) is gone.
    pub(crate) fn publish_barrier(&self) -> u64 {
        let _guard = self.commit_lock.lock();
        let seq = self.seq.load(Ordering::Acquire) + 1;
        self.seq.store(seq, Ordering::Release);
        seq
    }

    /// Whether a querier that sees a commit before `seq` is still open.
    pub(crate) fn has_readers_before(&self, seq: u64) -> bool {
        self.oldest_reader() < seq
    }

    /// Whether series `id` (as numbered in the WAL) still exists.
    pub fn series_exists(&self, id: u32) -> bool {
        self.index
            .read()
            .series
            .get(id as usize)
            .is_some_and(|s| !s.removed.load(Ordering::Acquire))
    }

    /// Drops every chunk that ends before `mint` and every series left without samples at
    /// or after `mint`; the head's min time becomes at least `mint`. Queriers still open
    /// lose those samples: the caller makes sure none needs them.
    pub fn truncate(&self, mint: i64) -> TruncateStats {
        let mut stats = TruncateStats::default();
        let all: Vec<(u32, Arc<MemSeries>)> = {
            let ix = self.index.read();
            ix.series
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.removed.load(Ordering::Acquire))
                .map(|(id, s)| (id as u32, s.clone()))
                .collect()
        };
        // Closed chunks first, series by series, without blocking commits: appends only touch
        // the open chunk, and the write lock keeps readers out meanwhile.
        let mut empty: Vec<(u32, Arc<MemSeries>)> = Vec::new();
        for (id, s) in &all {
            let mut d = s.data.write();
            let n = d.closed.partition_point(|c| c.max_t < mint);
            if n > 0 {
                let open_first = d.total - d.open.len() as u64;
                let kept_first = d.closed.get(n).map_or(open_first, |c| c.first);
                stats.samples += kept_first - d.closed[0].first;
                stats.chunks += n as u64;
                let mut kept = Vec::from(std::mem::take(&mut d.closed));
                kept.drain(..n);
                d.closed = kept.into_boxed_slice();
            }
            if d.last().is_none_or(|(t, _)| t < mint) {
                empty.push((*id, s.clone()));
            }
        }
        // Series without samples left: checked again and dropped under the commit lock, so
        // no commit adds to one meanwhile (a commit that looked one up earlier sees it
        // removed and creates the series anew).
        let _guard = self.commit_lock.lock();
        let mut gone: Vec<(u32, Arc<MemSeries>)> = Vec::with_capacity(empty.len());
        for (id, s) in empty {
            let mut d = s.data.write();
            if d.last().is_some_and(|(t, _)| t >= mint) {
                continue;
            }
            s.removed.store(true, Ordering::Release);
            stats.samples += d.open.len() as u64;
            stats.chunks += d.closed.len() as u64 + u64::from(!d.open.is_empty());
            stats.samples +=
                d.closed.first().map_or(0, |c| d.total - d.open.len() as u64 - c.first);
            d.closed = Box::default();
            d.open = XorEncoder::new();
            drop(d);
            gone.push((id, s));
        }
        if !gone.is_empty() {
            self.unindex(&gone);
        }
        stats.series = gone.len();
        self.recompute_min_time(mint);
        self.chunks
            .fetch_sub(stats.chunks.min(self.chunks.load(Ordering::Relaxed)), Ordering::Relaxed);
        self.samples
            .fetch_sub(stats.samples.min(self.samples.load(Ordering::Relaxed)), Ordering::Relaxed);
        self.trunc.dropped_samples.fetch_add(stats.samples, Ordering::Relaxed);
        self.trunc.removed_series.fetch_add(stats.series, Ordering::Relaxed);
        stats
    }

    /// Removes series (sorted by id) from the hash table and the postings; their slots get a
    /// removed placeholder so ids stay stable.
    fn unindex(&self, gone: &[(u32, Arc<MemSeries>)]) {
        let placeholder = Arc::new(MemSeries::new(Labels::default()));
        placeholder.removed.store(true, Ordering::Release);
        let mut guard = self.index.write();
        let ix = &mut *guard;
        for (id, s) in gone {
            ix.forget_hash(*id, s.labels.hash());
            if let Some(slot) = ix.series.get_mut(*id as usize) {
                *slot = placeholder.clone();
            }
        }
        let mut ids: Vec<u32> = gone.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        let labels: Vec<&Labels> = gone.iter().map(|(_, s)| &s.labels).collect();
        ix.postings.remove(&ids, &labels);
    }

    /// Sets the min time to the earliest sample left, but not below `mint`, as upstream
    /// (older samples left in a chunk that reaches past `mint` are in the block too). Called
    /// under the commit lock, so no commit moves the bounds meanwhile.
    fn recompute_min_time(&self, mint: i64) {
        let series: Vec<Arc<MemSeries>> = self.index.read().series.clone();
        let mut min = i64::MAX;
        for s in &series {
            if s.removed.load(Ordering::Acquire) {
                continue;
            }
            let d = s.data.read();
            if d.total > 0 && (!d.closed.is_empty() || !d.open.is_empty()) {
                min = min.min(d.min_t());
            }
        }
        if min == i64::MAX {
            self.min_t.store(i64::MAX, Ordering::Release);
            self.max_t.store(i64::MIN, Ordering::Release);
        } else {
            self.min_t.store(min.max(mint), Ordering::Release);
        }
    }
}

impl Index {
    /// Removes series `id` from the label-hash table; the next series with the same hash, if
    /// any, takes its place as the first.
    fn forget_hash(&mut self, id: u32, hash: u64) {
        if self.by_hash.get(&hash) == Some(&id) {
            let next = match self.collisions.get_mut(&hash) {
                Some(list) if !list.is_empty() => {
                    let next = list.remove(0);
                    if list.is_empty() {
                        self.collisions.remove(&hash);
                    }
                    Some(next)
                }
                _ => None,
            };
            match next {
                Some(n) => {
                    self.by_hash.insert(hash, n);
                }
                None => {
                    self.by_hash.remove(&hash);
                }
            }
        } else if let Some(list) = self.collisions.get_mut(&hash) {
            list.retain(|&x| x != id);
            if list.is_empty() {
                self.collisions.remove(&hash);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use model::storage::{Appendable, Storage};

    use super::*;

    fn ls(v: &str) -> Labels {
        Labels::from_pairs([("__name__", "m"), ("v", v)])
    }

    #[test]
    fn forgetting_a_colliding_series_keeps_the_others_findable() {
        let mut ix = Index::default();
        let (a, b, c) = (ls("a"), ls("b"), ls("c"));
        for l in [&a, &b, &c] {
            ix.insert(Arc::new(MemSeries::new(l.clone())), 42);
        }
        ix.forget_hash(0, 42);
        assert!(ix.get(&a, 42).is_none());
        assert_eq!(ix.get(&b, 42).map(|s| s.labels.clone()), Some(b.clone()));
        assert_eq!(ix.get(&c, 42).map(|s| s.labels.clone()), Some(c.clone()));
        ix.forget_hash(2, 42);
        assert!(ix.get(&c, 42).is_none());
        assert!(ix.get(&b, 42).is_some());
        ix.forget_hash(1, 42);
        assert!(ix.by_hash.is_empty() && ix.collisions.is_empty());
    }

    #[test]
    fn truncate_drops_old_chunks_and_empty_series() {
        let head = Head::default();
        let mut app = head.appender();
        // `old` ends at 999 s; `new` runs to 1999 s: its first chunks (120 samples each)
        // end before 1000 s.
        for t in 0..1000 {
            app.append(&ls("old"), t * 1000, 1.0).unwrap();
        }
        for t in 0..2000 {
            app.append(&ls("new"), t * 1000, 2.0).unwrap();
        }
        app.commit().unwrap();
        let chunks_before = head.num_chunks();
        let stats = head.truncate(1_000_000);
        assert_eq!(stats.series, 1);
        // `new`: chunks [0,120) .. [840,960) go, [960,1080) stays; `old`: all of its 9.
        assert_eq!(stats.chunks, 8 + 9);
        assert_eq!(stats.samples, 960 + 1000);
        assert_eq!(head.num_chunks(), chunks_before - 17);
        assert_eq!(head.num_samples(), 2000 - 960);
        assert_eq!(head.samples_appended_total(), 3000);
        assert_eq!(head.num_series(), 1);
        assert!(head.lookup(&ls("old")).is_none());
        assert!(!head.series_exists(0) && head.series_exists(1));
        assert_eq!(head.time_range(), Some((1_000_000, 1_999_000)));

        let q = head.querier(i64::MIN, i64::MAX).unwrap();
        assert_eq!(q.label_values("v", &[]).unwrap(), vec!["new".to_string()]);
        drop(q);

        // The dropped series is created anew when written again, under a new id.
        let mut app = head.appender();
        app.append(&ls("old"), 3_000_000, 5.0).unwrap();
        app.commit().unwrap();
        assert_eq!(head.num_series(), 2);
        assert!(head.series_exists(2));
        let q = head.querier(i64::MIN, i64::MAX).unwrap();
        assert_eq!(q.label_values("v", &[]).unwrap(), vec!["new".to_string(), "old".to_string()]);
    }

    #[test]
    fn truncating_everything_empties_the_head() {
        let head = Head::default();
        let mut app = head.appender();
        app.append(&ls("a"), 1, 1.0).unwrap();
        app.commit().unwrap();
        let stats = head.truncate(10);
        assert_eq!(stats, TruncateStats { series: 1, chunks: 1, samples: 1 });
        assert_eq!(head.num_series(), 0);
        assert_eq!(head.time_range(), None);
        assert_eq!(head.stats().num_series, 0);
    }

    #[test]
    fn a_commit_holding_a_dropped_series_recreates_it() {
        let head = Head::default();
        let mut app = head.appender();
        app.append(&ls("a"), 1, 1.0).unwrap();
        app.commit().unwrap();
        // Looked up before the truncation, committed after it.
        let mut app = head.appender();
        app.append(&ls("a"), 20, 2.0).unwrap();
        head.truncate(10);
        app.commit().unwrap();
        assert_eq!(head.num_series(), 1);
        let s = head.lookup(&ls("a")).unwrap();
        assert!(!s.removed.load(Ordering::Acquire));
        assert_eq!(s.data.read().total, 1);
    }
}
