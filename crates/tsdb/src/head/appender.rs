//! Batches of appends to the head.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use model::labels::Labels;
use model::storage::{AppendError, Appender, SeriesHint, StorageError};

use super::series::appendable;
use super::{Head, MemSeries};
use crate::index::IdBuild;
use crate::wal::CommitLog;

/// A series touched by the batch.
struct Pending {
    labels: Labels,
    /// The head's series, when it already existed at the first append.
    series: Option<Arc<MemSeries>>,
    /// The series' last sample, committed or in this batch: later appends are checked
    /// against it so that errors are reported at `append`, not lost at `commit`.
    last: Option<(i64, u64)>,
}

/// Hashes a series' address: the product's halves folded, so that the zero low bits of an
/// aligned address do not all land in one bucket.
#[derive(Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn write_usize(&mut self, n: usize) {
        let m = (n as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = (m as u64) ^ ((m >> 64) as u64);
    }
}

pub(crate) struct HeadAppender<'a> {
    head: &'a Head,
    refs: HashMap<Labels, u32, IdBuild>,
    /// The batch index of each series the head already has, by its address: hinted appends
    /// find their series here without hashing labels.
    by_series: HashMap<usize, u32, BuildHasherDefault<AddrHasher>>,
    pending: Vec<Pending>,
    samples: Vec<(u32, i64, f64)>,
    /// The write-ahead log, written at commit before the batch becomes visible.
    log: Option<&'a dyn CommitLog>,
}

impl<'a> HeadAppender<'a> {
    pub fn new(head: &'a Head) -> Self {
        HeadAppender {
            head,
            refs: HashMap::default(),
            by_series: HashMap::default(),
            pending: Vec::new(),
            samples: Vec::new(),
            log: None,
        }
    }

    /// An appender whose commits are logged to `log` first.
    pub fn with_log(head: &'a Head, log: &'a dyn CommitLog) -> Self {
        HeadAppender { log: Some(log), ..HeadAppender::new(head) }
    }
}

impl HeadAppender<'_> {
    /// The batch index of the series with `labels`, added to the batch if new; `hinted` is
    /// the series when the caller's hint already names it (no label lookup at all then).
    /// Also returns the head's series when it was looked up.
    fn batch_index(
        &mut self,
        labels: &Labels,
        hinted: Option<Arc<MemSeries>>,
    ) -> Result<(u32, Option<Arc<MemSeries>>), AppendError> {
        if let Some(s) = hinted {
            let addr = Arc::as_ptr(&s) as usize;
            if let Some(&i) = self.by_series.get(&addr) {
                return Ok((i, None));
            }
            let i = self.push(s.labels.clone(), Some(s));
            self.by_series.insert(addr, i);
            return Ok((i, None));
        }
        if let Some(&i) = self.refs.get(labels) {
            return Ok((i, None));
        }
        // An empty value is no label, as in Prometheus; the set is stored without it.
        let stored = labels.without_empty();
        if stored.is_empty() {
            return Err(AppendError::InvalidLabels("empty labelset".into()));
        }
        let series = self.head.lookup(&stored);
        let addr = series.as_ref().map(|s| Arc::as_ptr(s) as usize);
        let i = match addr.and_then(|a| self.by_series.get(&a)) {
            Some(&i) => i,
            None => {
                let i = self.push(stored, series.clone());
                if let Some(a) = addr {
                    self.by_series.insert(a, i);
                }
                i
            }
        };
        self.refs.insert(labels.clone(), i);
        Ok((i, series))
    }

    fn push(&mut self, labels: Labels, series: Option<Arc<MemSeries>>) -> u32 {
        let last = series.as_ref().and_then(|s| s.data.read().last());
        let i = self.pending.len() as u32;
        self.pending.push(Pending { labels, series, last });
        i
    }

    fn append_at(&mut self, idx: u32, t: i64, f: f64) -> Result<(), AppendError> {
        let p = &mut self.pending[idx as usize];
        let bits = f.to_bits();
        if appendable(p.last, t, bits)? {
            p.last = Some((t, bits));
            self.samples.push((idx, t, f));
        }
        Ok(())
    }
}

impl Appender for HeadAppender<'_> {
    fn append(&mut self, labels: &Labels, t: i64, f: f64) -> Result<(), AppendError> {
        // Below what the head still holds (already cut into a block): upstream's error.
        if t < self.head.min_valid_time() {
            return Err(AppendError::OutOfBounds);
        }
        let (idx, _) = self.batch_index(labels, None)?;
        self.append_at(idx, t, f)
    }

    /// The hint is the head's `MemSeries`, taken only while it is live and has exactly
    /// these labels (the same allocation, in the scrape cache's case: a pointer compare).
    fn append_hinted(
        &mut self,
        hint: &mut SeriesHint,
        labels: &Labels,
        t: i64,
        f: f64,
    ) -> Result<(), AppendError> {
        if t < self.head.min_valid_time() {
            return Err(AppendError::OutOfBounds);
        }
        let hinted = hint
            .clone()
            .and_then(|h| h.downcast::<MemSeries>().ok())
            .filter(|s| !s.removed.load(Ordering::Acquire) && s.labels == *labels);
        let valid = hinted.is_some();
        let (idx, found) = self.batch_index(labels, hinted)?;
        if !valid {
            *hint = found.map(|s| s as Arc<dyn std::any::Any + Send + Sync>);
        }
        self.append_at(idx, t, f)
    }

    fn commit(self: Box<Self>) -> Result<(), StorageError> {
        let HeadAppender { head, mut pending, samples, log, .. } = *self;
        if samples.is_empty() {
            return Ok(());
        }
        let _guard = head.commit_lock.lock();
        if let Some(log) = log {
            // Logged in commit order (under the lock), before anything becomes visible;
            // replay applies the same checks, so it rebuilds exactly what this commit does.
            let series: Vec<&Labels> = pending.iter().map(|p| &p.labels).collect();
            log.log(&series, &samples)?;
        }
        let seq = head.seq.load(Ordering::Acquire) + 1;
        let oldest_reader = head.oldest_reader().min(seq - 1);
        let mut new_chunks = 0u64;
        let mut added = 0u64;
        let (mut min_t, mut max_t) = (i64::MAX, i64::MIN);
        let min_valid = head.min_valid_time();
        for (idx, t, f) in samples {
            if t < min_valid {
                // The head was cut above this sample since `append` checked it.
                continue;
            }
            let p = &mut pending[idx as usize];
            // A series dropped by truncation since the lookup is created anew.
            if p.series.as_ref().is_none_or(|s| s.removed.load(Ordering::Acquire)) {
                p.series = Some(head.get_or_create(&p.labels));
            }
            let Some(series) = &p.series else { continue };
            // Another appender may have committed to the series since `append` checked;
            // samples that no longer fit are dropped, as upstream does at commit.
            if let Ok(cut) = series.data.write().append(t, f, seq, oldest_reader) {
                new_chunks += u64::from(cut);
                added += 1;
                min_t = min_t.min(t);
                max_t = max_t.max(t);
            }
        }
        if added > 0 {
            head.note_time(min_t);
            head.note_time(max_t);
        }
        head.chunks.fetch_add(new_chunks, Ordering::Relaxed);
        head.samples.fetch_add(added, Ordering::Relaxed);
        head.seq.store(seq, Ordering::Release);
        Ok(())
    }

    fn rollback(self: Box<Self>) {}
}

impl Head {
    /// An appender whose commits go to `log` before they become visible.
    pub(crate) fn logged_appender<'a>(&'a self, log: &'a dyn CommitLog) -> Box<dyn Appender + 'a> {
        Box::new(HeadAppender::with_log(self, log))
    }

    /// Loads replayed samples, as one commit published by [`Replayer::finish`]. Holds the
    /// commit lock throughout: meant for start-up, before anyone appends.
    pub(crate) fn replayer(&self) -> Replayer<'_> {
        let guard = self.commit_lock.lock();
        let seq = self.seq.load(Ordering::Acquire) + 1;
        Replayer {
            head: self,
            _guard: guard,
            seq,
            oldest_reader: self.oldest_reader().min(seq - 1),
            new_chunks: 0,
            added: 0,
            min_t: i64::MAX,
            max_t: i64::MIN,
        }
    }
}

/// Puts replayed series and samples into the head (see [`Head::replayer`]).
pub(crate) struct Replayer<'a> {
    head: &'a Head,
    _guard: parking_lot::MutexGuard<'a, ()>,
    seq: u64,
    oldest_reader: u64,
    new_chunks: u64,
    added: u64,
    min_t: i64,
    max_t: i64,
}

impl Replayer<'_> {
    /// The series with `labels`, created if new.
    pub fn series(&self, labels: &Labels) -> Arc<MemSeries> {
        self.head.get_or_create(labels)
    }

    /// Appends under the usual rules (an exact repeat is accepted and ignored).
    pub fn append(&mut self, series: &MemSeries, t: i64, f: f64) -> Result<(), AppendError> {
        let mut d = series.data.write();
        let before = d.total;
        let cut = d.append(t, f, self.seq, self.oldest_reader)?;
        if d.total > before {
            self.new_chunks += u64::from(cut);
            self.added += 1;
            self.min_t = self.min_t.min(t);
            self.max_t = self.max_t.max(t);
        }
        Ok(())
    }

    /// Publishes what was loaded.
    pub fn finish(self) {
        let head = self.head;
        if self.added > 0 {
            head.note_time(self.min_t);
            head.note_time(self.max_t);
        }
        head.chunks.fetch_add(self.new_chunks, Ordering::Relaxed);
        head.samples.fetch_add(self.added, Ordering::Relaxed);
        head.seq.store(self.seq, Ordering::Release);
    }
}

#[cfg(test)]
mod hint_tests {
    use std::sync::Arc;

    use model::labels::Labels;
    use model::storage::{AppendError, Appendable, SelectHints, SeriesHint, Storage};

    use crate::head::Head;

    fn samples(head: &Head, name: &str) -> Vec<(i64, f64)> {
        let m =
            model::matcher::Matcher::prometheus(model::matcher::MatchOp::Equal, "__name__", name)
                .unwrap();
        let q = head.querier(i64::MIN, i64::MAX).unwrap();
        let series = q.select(&SelectHints::default(), &[m]).unwrap();
        let mut out = Vec::new();
        for s in series {
            s.floats_into(i64::MIN, i64::MAX, &mut out);
        }
        out.iter().map(|p| (p.t, p.f)).collect()
    }

    #[test]
    fn a_hint_is_filled_for_existing_series_and_then_skips_the_lookup() {
        let head = Head::default();
        let m = Labels::from_pairs([("__name__", "m"), ("job", "a")]);
        let mut hint: SeriesHint = None;
        // A new series: nothing to hint yet (it is created at commit).
        let mut app = head.appender();
        app.append_hinted(&mut hint, &m, 1000, 1.0).unwrap();
        app.commit().unwrap();
        assert!(hint.is_none());
        for (t, v) in [(2000, 2.0), (3000, 3.0)] {
            let mut app = head.appender();
            app.append_hinted(&mut hint, &m, t, v).unwrap();
            app.commit().unwrap();
            assert!(hint.is_some());
        }
        assert_eq!(samples(&head, "m"), [(1000, 1.0), (2000, 2.0), (3000, 3.0)]);
        assert_eq!(head.num_series(), 1);
    }

    #[test]
    fn hinted_and_plain_appends_share_the_batch_checks() {
        let head = Head::default();
        let m = Labels::from_pairs([("__name__", "m")]);
        let mut app = head.appender();
        app.append(&m, 1000, 1.0).unwrap();
        app.commit().unwrap();
        let mut hint: SeriesHint = None;
        let mut app = head.appender();
        app.append_hinted(&mut hint, &m, 2000, 2.0).unwrap();
        assert!(hint.is_some());
        // The same series through either path sees the pending sample.
        assert_eq!(app.append(&m, 2000, 5.0), Err(AppendError::DuplicateTimestamp));
        assert_eq!(app.append_hinted(&mut hint, &m, 1500, 5.0), Err(AppendError::OutOfOrder));
        app.append_hinted(&mut hint, &m, 2500, 2.5).unwrap();
        app.append(&m, 3000, 3.0).unwrap();
        app.commit().unwrap();
        assert_eq!(samples(&head, "m"), [(1000, 1.0), (2000, 2.0), (2500, 2.5), (3000, 3.0)]);
    }

    #[test]
    fn foreign_or_mismatched_hints_are_ignored_and_replaced() {
        let head = Head::default();
        let a = Labels::from_pairs([("__name__", "a")]);
        let b = Labels::from_pairs([("__name__", "b")]);
        let mut app = head.appender();
        app.append(&a, 1000, 1.0).unwrap();
        app.append(&b, 1000, 1.0).unwrap();
        app.commit().unwrap();
        let mut hint_a: SeriesHint = None;
        let mut app = head.appender();
        app.append_hinted(&mut hint_a, &a, 2000, 2.0).unwrap();
        app.commit().unwrap();
        // a's hint used for b: b's labels win, the hint is replaced by b's series.
        let mut hint: SeriesHint = hint_a.clone();
        let mut app = head.appender();
        app.append_hinted(&mut hint, &b, 2000, 20.0).unwrap();
        // Something that is not a series at all.
        let mut junk: SeriesHint = Some(Arc::new(7u32));
        app.append_hinted(&mut junk, &a, 3000, 3.0).unwrap();
        app.commit().unwrap();
        assert_eq!(samples(&head, "a"), [(1000, 1.0), (2000, 2.0), (3000, 3.0)]);
        assert_eq!(samples(&head, "b"), [(1000, 1.0), (2000, 20.0)]);
        let (hint_b, hint_a) = (hint.unwrap(), hint_a.unwrap());
        assert!(!Arc::ptr_eq(&hint_b, &hint_a));
        assert!(junk.unwrap().downcast::<u32>().is_err(), "replaced by a's series");
    }
}
