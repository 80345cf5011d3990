//! Batches of appends to the head.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use model::labels::Labels;
use model::storage::{AppendError, Appender, StorageError};

use super::series::appendable;
use super::{Head, MemSeries};
use crate::index::IdBuild;

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
}

impl<'a> HeadAppender<'a> {
    pub fn new(head: &'a Head) -> Self {
        HeadAppender { head, refs: HashMap::default(), pending: Vec::new(), samples: Vec::new() }
    }
}

impl Appender for HeadAppender<'_> {
    fn append(&mut self, labels: &Labels, t: i64, f: f64) -> Result<(), AppendError> {
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
        let HeadAppender { head, mut pending, samples, .. } = *self;
        if samples.is_empty() {
            return Ok(());
        }
        let _guard = head.commit_lock.lock();
        let seq = head.seq.load(Ordering::Acquire) + 1;
        let oldest_reader = head.oldest_reader().min(seq - 1);
        let mut new_chunks = 0u64;
        let mut added = 0u64;
        let (mut min_t, mut max_t) = (i64::MAX, i64::MIN);
        for (idx, t, f) in samples {
            let p = &mut pending[idx as usize];
            let series = match &p.series {
                Some(s) => s.clone(),
                None => {
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
