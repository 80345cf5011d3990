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
#[derive(Debug)]
pub(crate) struct SeriesData {
    pub closed: Vec<ClosedChunk>,
    pub open: XorEncoder,
    /// Time of the open chunk's first sample (meaningless while it is empty).
    pub open_min_t: i64,
    pub last_t: i64,
    pub last_bits: u64,
    /// Samples committed, all chunks together.
    pub total: u64,
    /// The last commit that added samples, and `total` before it: a querier that started
    /// before that commit sees only the samples before it.
    pub last_commit: u64,
    pub before_last_commit: u64,
    /// Earlier `(commit, total before it)` pairs, oldest first, kept only while a querier
    /// older than them is open (usually empty, so no allocation).
    pub older: Vec<(u64, u64)>,
}

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
                closed: Vec::new(),
                open: XorEncoder::new(),
                open_min_t: 0,
                last_t: i64::MIN,
                last_bits: 0,
                total: 0,
                last_commit: 0,
                before_last_commit: 0,
                older: Vec::new(),
            }),
            removed: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl SeriesData {
    pub fn last(&self) -> Option<(i64, u64)> {
        (self.total > 0).then_some((self.last_t, self.last_bits))
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
            self.older.retain(|&(c, _)| c > oldest_reader);
            if self.last_commit > oldest_reader {
                self.older.push((self.last_commit, self.before_last_commit));
            }
            if self.older.is_empty() && self.older.capacity() > 0 {
                self.older = Vec::new();
            }
            self.last_commit = seq;
            self.before_last_commit = self.total;
        }
        let mut cut = self.open.is_empty();
        if self.open.len() >= SAMPLES_PER_CHUNK {
            let full = std::mem::take(&mut self.open);
            let count = full.len() as u64;
            self.closed.push(ClosedChunk {
                data: full.finish(),
                min_t: self.open_min_t,
                max_t: self.last_t,
                first: self.total - count,
            });
            cut = true;
        }
        if self.open.is_empty() {
            self.open_min_t = t;
        }
        self.open.append(t, f);
        self.last_t = t;
        self.last_bits = bits;
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
        for &(c, before) in self.older.iter().rev() {
            if c <= seq {
                break;
            }
            n = before;
        }
        n
    }

    pub fn min_t(&self) -> i64 {
        self.closed.first().map_or(self.open_min_t, |c| c.min_t)
    }

    /// Whether the first `visible` samples may reach into `[mint, maxt]`.
    pub fn overlaps(&self, visible: u64, mint: i64, maxt: i64) -> bool {
        // With part of the samples hidden, the last time is an upper bound: good enough to
        // prune, and a series kept by it merely yields no samples.
        visible > 0 && self.min_t() <= maxt && self.last_t >= mint
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
        if self.open.is_empty() || open_first >= visible || self.open_min_t > maxt {
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
