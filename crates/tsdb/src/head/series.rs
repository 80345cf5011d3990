//! One series in the head: its labels and its samples in XOR chunks of 120.

use model::labels::Labels;
use model::storage::{AppendError, FPoint};
use parking_lot::RwLock;

use crate::chunkenc::{SAMPLES_PER_CHUNK, XorEncoder, XorIter, chunk_len};

/// A full chunk, trimmed and immutable.
#[derive(Debug)]
pub(crate) struct ClosedChunk {
    pub data: Box<[u8]>,
    pub min_t: i64,
    pub max_t: i64,
    /// Index (within the series) of the chunk's first sample.
    pub first: u64,
}

#[derive(Debug)]
pub(crate) struct MemSeries {
    pub labels: Labels,
    pub data: RwLock<SeriesData>,
    /// Set (under the commit lock) when head truncation drops the series: a commit holding
    /// it from an earlier lookup must create the series anew instead.
    pub removed: std::sync::atomic::AtomicBool,
}

/// The samples of a series and what readers need to see a consistent prefix of them.
///
/// Kept small, as there is one per series: the last sample's time and value are the open
/// chunk's (after the first append it always holds the newest sample), its first time is read
/// back from its bytes, and full chunks sit in a boxed slice without spare capacity (one is
/// added per 120 samples).
#[derive(Debug)]
pub(crate) struct SeriesData {
    pub closed: Box<[ClosedChunk]>,
    pub open: XorEncoder,
    /// Samples committed, all chunks together.
    pub total: u64,
    /// The last commit that added samples, and `total` before it: a querier that started
    /// before that commit sees only the samples before it.
    pub last_commit: u64,
    pub before_last_commit: u64,
    /// Earlier `(commit, total before it)` pairs, oldest first, kept only while a querier
    /// older than them is open (usually none, so no allocation).
    pub older: Option<Box<OlderCommits>>,
}

/// See [`SeriesData::older`].
#[derive(Debug, Default)]
pub(crate) struct OlderCommits(pub Vec<(u64, u64)>);

/// Whether a sample may follow the committed ones: `Ok(true)` to append, `Ok(false)` for an
/// exact duplicate of the last sample (accepted, nothing to do), or the upstream error.
pub(crate) fn appendable(last: Option<(i64, u64)>, t: i64, bits: u64) -> Result<bool, AppendError> {
    match last {
        None => Ok(true),
        Some((lt, _)) if t > lt => Ok(true),
        Some((lt, lb)) if t == lt => {
            if lb == bits {
                Ok(false)
            } else {
                Err(AppendError::DuplicateTimestamp)
            }
        }
        Some(_) => Err(AppendError::OutOfOrder),
    }
}

impl MemSeries {
    pub fn new(labels: Labels) -> Self {
        MemSeries {
            labels,
            data: RwLock::new(SeriesData {
                closed: Box::default(),
                open: XorEncoder::new(),
                total: 0,
                last_commit: 0,
                before_last_commit: 0,
                older: None,
            }),
            removed: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl SeriesData {
    pub fn last(&self) -> Option<(i64, u64)> {
        (self.total > 0 && !self.open.is_empty()).then(|| self.open.last())
    }

    /// Appends a sample of commit `seq` under upstream's ordering rules. `oldest_reader` is
    /// the commit seen by the oldest open querier: history that no reader needs is dropped.
    /// Returns whether a new chunk was started.
    pub fn append(
        &mut self,
        t: i64,
        f: f64,
        seq: u64,
        oldest_reader: u64,
    ) -> Result<bool, AppendError> {
        let bits = f.to_bits();
        if !appendable(self.last(), t, bits)? {
            return Ok(false);
        }
        if self.last_commit != seq {
            // A reader at commit q needs the entry of every commit after q.
            if let Some(older) = &mut self.older {
                older.0.retain(|&(c, _)| c > oldest_reader);
            }
            if self.last_commit > oldest_reader {
                let entry = (self.last_commit, self.before_last_commit);
                self.older.get_or_insert_with(Box::default).0.push(entry);
            }
            if self.older.as_ref().is_some_and(|o| o.0.is_empty()) {
                self.older = None;
            }
            self.last_commit = seq;
            self.before_last_commit = self.total;
        }
        let mut cut = self.open.is_empty();
        if self.open.len() >= SAMPLES_PER_CHUNK {
            let full = std::mem::take(&mut self.open);
            let count = full.len() as u64;
            let (max_t, _) = full.last();
            let min_t = full.first_t().unwrap_or(max_t);
            let mut closed = Vec::from(std::mem::take(&mut self.closed));
            closed.reserve_exact(1);
            closed.push(ClosedChunk {
                data: full.finish(),
                min_t,
                max_t,
                first: self.total - count,
            });
            self.closed = closed.into_boxed_slice();
            cut = true;
        }
        self.open.append(t, f);
        self.total += 1;
        Ok(cut)
    }

    /// Samples visible to a querier that started after commit `seq`.
    pub fn visible(&self, seq: u64) -> u64 {
        if self.last_commit <= seq {
            return self.total;
        }
        // The total before the first commit after `seq`.
        let mut n = self.before_last_commit;
        let older = self.older.as_deref().map_or(&[][..], |o| &o.0[..]);
        for &(c, before) in older.iter().rev() {
            if c <= seq {
                break;
            }
            n = before;
        }
        n
    }

    /// Time of the first sample held (`i64::MAX` when none).
    pub fn min_t(&self) -> i64 {
        match self.closed.first() {
            Some(c) => c.min_t,
            None => self.open.first_t().unwrap_or(i64::MAX),
        }
    }

    /// Whether the first `visible` samples may reach into `[mint, maxt]`.
    pub fn overlaps(&self, visible: u64, mint: i64, maxt: i64) -> bool {
        // With part of the samples hidden, the last time is an upper bound: good enough to
        // prune, and a series kept by it merely yields no samples.
        visible > 0 && self.min_t() <= maxt && self.last().is_some_and(|(t, _)| t >= mint)
    }

    /// Heap bytes held by the chunks.
    pub fn chunk_bytes(&self) -> usize {
        self.closed.iter().map(|c| c.data.len() + std::mem::size_of::<ClosedChunk>()).sum::<usize>()
            + self.open.capacity()
    }

    /// Appends the first `visible` samples that fall in `[mint, maxt]` to `out`.
    pub fn floats_into(&self, visible: u64, mint: i64, maxt: i64, out: &mut Vec<FPoint>) {
        if visible == 0 || mint > maxt {
            return;
        }
        let start = self.closed.partition_point(|c| c.max_t < mint);
        for c in &self.closed[start..] {
            if c.first >= visible || c.min_t > maxt {
                return;
            }
            let limit = (visible - c.first) as usize;
            if c.min_t >= mint && c.max_t <= maxt && limit >= chunk_len(&c.data).unwrap_or(0) {
                out.extend(XorIter::new(&c.data).map(|(t, f)| FPoint { t, f }));
            } else {
                decode_range(XorIter::with_limit(&c.data, limit), mint, maxt, out);
            }
        }
        let open_first = self.total - self.open.len() as u64;
        if self.open.is_empty()
            || open_first >= visible
            || self.open.first_t().is_none_or(|t| t > maxt)
        {
            return;
        }
        let limit = (visible - open_first) as usize;
        decode_range(XorIter::with_limit(self.open.bytes(), limit), mint, maxt, out);
    }
}

fn decode_range(it: XorIter<'_>, mint: i64, maxt: i64, out: &mut Vec<FPoint>) {
    for (t, f) in it {
        if t > maxt {
            break;
        }
        if t >= mint {
            out.push(FPoint { t, f });
        }
    }
}
