//! The log as the database uses it: the commit hook that logs each batch before the head
//! shows it, the replay into the head at open, and truncation after a head cut.
//!
//! Refs are the log's own (not the head's series ids, which are reused positions): the
//! first commit that touches a label set gives it the next ref and logs a series record;
//! replay rebuilds the label set → ref map, so refs stay stable across restarts.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;
use std::sync::Arc;

use model::labels::Labels;
use model::storage::StorageError;
use parking_lot::Mutex;

use super::record::{RefSample, SERIES, encode_samples, encode_series};
use super::replay::{Record, ReplayReport, replay};
use super::{CheckpointStats, Wal, WalMetrics, WalOptions};
use crate::error::TsdbError;
use crate::head::{Head, MemSeries};
use crate::index::IdBuild;

/// Called by a head commit under the head's commit lock, before the batch becomes visible;
/// an error fails the commit and nothing of it is applied.
pub(crate) trait CommitLog: Send + Sync {
    /// `series[i]` is the label set (as stored) of the batch's series `i`; `samples` are
    /// `(series index, t, value)` in append order.
    fn log(&self, series: &[&Labels], samples: &[(u32, i64, f64)]) -> Result<(), StorageError>;
}

/// Spreads sequential refs over the hash table (an identity hash would give every entry
/// the same high bits).
#[derive(Default)]
pub(crate) struct RefHasher(u64);

impl Hasher for RefHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type RefBuild = BuildHasherDefault<RefHasher>;

#[derive(Debug, Default)]
struct RefState {
    /// Label set → ref, for every series the log still knows.
    refs: HashMap<Labels, u64, IdBuild>,
    next_ref: u64,
    /// Scratch of one commit: the ref of each batch series (`u64::MAX`: not looked up yet).
    batch_refs: Vec<u64>,
    new_series: Vec<Labels>,
    series_rec: Vec<u8>,
    samples_rec: Vec<u8>,
}

/// The database's log: writer plus ref map.
#[derive(Debug)]
pub(crate) struct HeadLog {
    wal: Wal,
    state: Mutex<RefState>,
}

impl HeadLog {
    /// Replays `dir` into `head` (samples before the head's minimum valid time are skipped),
    /// then opens the writer in a fresh segment.
    pub fn open(
        dir: &Path,
        head: &Head,
        opts: WalOptions,
    ) -> Result<(HeadLog, ReplayReport), TsdbError> {
        let metrics = WalMetrics::default();
        let mut state = RefState::default();
        let mut by_ref: HashMap<u64, Arc<MemSeries>, RefBuild> = HashMap::default();
        let (mut unknown, mut rejected) = (0u64, 0u64);
        let min_valid = head.min_valid_time();
        let mut replayer = head.replayer();
        let mut report = replay(dir, &metrics, &mut |rec| match rec {
            Record::Series(series) => {
                for s in series {
                    let ms = replayer.series(&s.labels);
                    by_ref.insert(s.r#ref, ms);
                    state.refs.insert(s.labels.clone(), s.r#ref);
                    state.next_ref = state.next_ref.max(s.r#ref.saturating_add(1));
                }
            }
            Record::Samples(samples) => {
                for s in samples {
                    match by_ref.get(&s.r#ref) {
                        None => unknown += 1,
                        Some(_) if s.t < min_valid => {}
                        Some(ms) => {
                            if replayer.append(ms, s.t, s.v).is_err() {
                                rejected += 1;
                            }
                        }
                    }
                }
            }
        })?;
        replayer.finish();
        report.unknown_refs = unknown;
        report.rejected = rejected;
        tracing::info!(
            dir = %dir.display(),
            checkpoint = ?report.checkpoint,
            segments = report.segments.len(),
            series = report.series,
            samples = report.samples,
            unknown_refs = unknown,
            rejected,
            repairs = report.repairs.len(),
            duration = ?report.duration,
            "WAL replay completed"
        );
        let wal = Wal::open(dir, opts, metrics)?;
        Ok((HeadLog { wal, state: Mutex::new(state) }, report))
    }

    pub fn wal(&self) -> &Wal {
        &self.wal
    }

    /// After the head dropped everything before `mint`: starts a new segment, forgets the
    /// refs of series the head no longer has, and checkpoints every earlier segment.
    pub fn truncate(&self, head: &Head, mint: i64) -> Result<Option<CheckpointStats>, TsdbError> {
        let (up_to, kept) = {
            // Under the ref lock no commit runs, so every record logged so far is in a
            // segment before the new one, and a series forgotten here gets a new ref and
            // series record when it is written again.
            let mut st = self.state.lock();
            let current = self.wal.cut_segment()?;
            st.refs.retain(|labels, _| head.lookup(labels).is_some());
            let kept: HashSet<u64, RefBuild> = st.refs.values().copied().collect();
            (current.checked_sub(1), kept)
        };
        let Some(up_to) = up_to else { return Ok(None) };
        if super::checkpoint::list_checkpoints(self.wal.dir())?.last().is_some_and(|c| c.0 >= up_to)
        {
            return Ok(None);
        }
        self.wal.checkpoint(up_to, |r| kept.contains(&r), mint).map(Some)
    }
}

impl CommitLog for HeadLog {
    fn log(&self, series: &[&Labels], samples: &[(u32, i64, f64)]) -> Result<(), StorageError> {
        let mut guard = self.state.lock();
        let st = &mut *guard;
        st.batch_refs.clear();
        st.batch_refs.resize(series.len(), u64::MAX);
        st.new_series.clear();
        st.series_rec.clear();
        let first_new = st.next_ref;
        for &(idx, _, _) in samples {
            let i = idx as usize;
            if st.batch_refs[i] != u64::MAX {
                continue;
            }
            let labels = series[i];
            let r = match st.refs.get(labels) {
                Some(&r) => r,
                None => {
                    let r = st.next_ref;
                    st.next_ref += 1;
                    st.refs.insert(labels.clone(), r);
                    st.new_series.push(labels.clone());
                    r
                }
            };
            st.batch_refs[i] = r;
        }
        if !st.new_series.is_empty() {
            let refs = (first_new..).zip(st.new_series.iter());
            encode_series(refs, &mut st.series_rec);
        }
        st.samples_rec.clear();
        let batch_refs = &st.batch_refs;
        encode_samples(
            samples.iter().map(|&(i, t, v)| RefSample { r#ref: batch_refs[i as usize], t, v }),
            &mut st.samples_rec,
        );
        let written = if st.series_rec.first() == Some(&SERIES) {
            self.wal.log(&[&st.series_rec, &st.samples_rec])
        } else {
            self.wal.log(&[&st.samples_rec])
        };
        if let Err(e) = written {
            // Not logged, so not known: the next commit logs the series again.
            for l in &st.new_series {
                st.refs.remove(l);
            }
            st.next_ref = first_new;
            return Err(StorageError(format!("write-ahead log: {e}")));
        }
        Ok(())
    }
}
