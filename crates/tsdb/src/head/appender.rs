//! Batches of appends to the head.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use model::labels::Labels;
use model::storage::{AppendError, Appender, StorageError};

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

pub(crate) struct HeadAppender<'a> {
    head: &'a Head,
    refs: HashMap<Labels, u32, IdBuild>,
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

impl Appender for HeadAppender<'_> {
    fn append(&mut self, labels: &Labels, t: i64, f: f64) -> Result<(), AppendError> {
        // Below what the head still holds (already cut into a block): upstream's error.
        if t < self.head.min_valid_time() {
            return Err(AppendError::OutOfBounds);
        }
        let idx = match self.refs.get(labels) {
            Some(&i) => i,
            None => {
                // An empty value is no label, as in Prometheus; the set is stored without it.
                let stored = labels.without_empty();
                if stored.is_empty() {
                    return Err(AppendError::InvalidLabels("empty labelset".into()));
                }
                let series = self.head.lookup(&stored);
                let last = series.as_ref().and_then(|s| s.data.read().last());
                let i = self.pending.len() as u32;
                self.pending.push(Pending { labels: stored, series, last });
                self.refs.insert(labels.clone(), i);
                i
            }
        };
        let p = &mut self.pending[idx as usize];
        let bits = f.to_bits();
        if appendable(p.last, t, bits)? {
            p.last = Some((t, bits));
            self.samples.push((idx, t, f));
        }
        Ok(())
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
            let series = match &p.series {
                // A series dropped by truncation since the lookup is created anew.
                Some(s) if !s.removed.load(Ordering::Acquire) => s.clone(),
                _ => {
                    let s = head.get_or_create(&p.labels);
                    p.series = Some(s.clone());
                    s
                }
            };
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
