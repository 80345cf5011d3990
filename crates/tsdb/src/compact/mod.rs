//! Keeping the store in shape: cutting the head into blocks, merging blocks, retention.
//!
//! [`Db::maintain`](crate::Db::maintain) runs the three in upstream's order, and is cheap when
//! there is nothing to do, so callers run it every minute:
//!
//! 1. **Head cut** ([`head_cut`]): while the head spans more than 1.5 block ranges, the oldest
//!    aligned range `[start, start + range)` is written as a level-1 block covering exactly that
//!    range, loaded, and only then dropped from the head (once every querier opened before the
//!    block was loaded has closed), so queries never see a gap. Samples are deduplicated by
//!    timestamp when block and head briefly hold the same range.
//!
//!    Cuts and merges write through [`BlockWriter`](crate::block::BlockWriter) one series at a
//!    time in label order (a cut copies the head's encoded chunks, re-encoding only those that
//!    straddle the range's edges; a merge walks the blocks' sorted series lists together), so
//!    their memory grows with the number of series, not of samples.
//! 2. **Compaction** ([`plan()`], [`merge`]): overlapping blocks are merged first (vertical
//!    compaction); otherwise adjacent blocks, except the newest, that fill one of the leveled
//!    ranges (block range × 3ⁿ, capped at a tenth of the retention or 31 days, as upstream's
//!    `ExponentialBlockRanges`). The merged block is written and renamed into place before its
//!    parents are deleted; a crash in between leaves blocks named as parents of a newer one,
//!    which opening drops.
//! 3. **Retention** ([`retention`]): blocks whose max time is `retention_ms` older than the
//!    newest block's are deleted; then the oldest blocks until blocks plus WAL fit in
//!    `retention_bytes`.

pub mod head_cut;
pub mod merge;
mod metrics;
pub mod plan;
pub mod retention;

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::block::Block;
use crate::db::{Db, sort_blocks};
use crate::error::TsdbError;

pub use plan::{compaction_ranges, exponential_block_ranges, plan};

/// Upstream's default `--storage.tsdb.retention.time`: 15 days.
pub const DEFAULT_RETENTION_MS: i64 = 15 * 24 * 3600 * 1000;

/// What one [`Db::maintain`] run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaintenanceReport {
    /// Blocks cut from the head.
    pub head_blocks: usize,
    /// Whether the head was truncated (it waits for old queriers to close).
    pub head_truncated: bool,
    /// Series dropped from the head by the truncation.
    pub head_series_removed: usize,
    /// Merged blocks written.
    pub compactions: usize,
    /// Blocks deleted by time and by size retention.
    pub time_retention_deleted: usize,
    pub size_retention_deleted: usize,
    /// Obsolete blocks (parents of a loaded block) deleted.
    pub obsolete_deleted: usize,
}

/// Counters kept for the metrics.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub compactions: AtomicU64,
    pub compactions_failed: AtomicU64,
    pub time_retentions: AtomicU64,
    pub size_retentions: AtomicU64,
    pub head_truncations: AtomicU64,
}

/// Maintenance state of a [`Db`].
#[derive(Debug)]
pub struct MaintState {
    /// Held while [`Db::maintain`] runs: one run at a time.
    running: Mutex<()>,
    /// The end of the head range last persisted as a block: the next cut starts there.
    persisted_until: AtomicI64,
    /// A head truncation waiting for older queriers: (mint, barrier commit).
    pending_truncate: Mutex<Option<(i64, u64)>>,
    /// Bytes on disk by block id.
    sizes: Mutex<HashMap<String, u64>>,
    pub(crate) counters: Arc<Counters>,
}

impl Default for MaintState {
    fn default() -> Self {
        MaintState {
            running: Mutex::new(()),
            persisted_until: AtomicI64::new(i64::MIN),
            pending_truncate: Mutex::new(None),
            sizes: Mutex::new(HashMap::new()),
            counters: Arc::default(),
        }
    }
}

/// Run by [`Db::open`] after loading the blocks: drops blocks a newer one replaced, and makes
/// the head refuse samples below the end of the last block cut from it (WAL replay of such
/// samples is then refused too, as upstream's min valid time does).
pub(crate) fn after_open(db: &Db) {
    let _ = drop_obsolete(db);
    let end = db
        .block_list()
        .read()
        .iter()
        .filter(|b| b.meta().compaction.is_some())
        .map(|b| b.meta().max_time)
        .max();
    if let Some(end) = end {
        db.maint_state().persisted_until.fetch_max(end, Ordering::AcqRel);
        db.head().set_min_valid_time(end);
    }
}

/// Deletes loaded blocks listed as a parent of another loaded block: what a crash between
/// writing a merged block and deleting its parents leaves. Returns how many.
pub(crate) fn drop_obsolete(db: &Db) -> usize {
    let obsolete: Vec<String> = {
        let blocks = db.block_list().read();
        let parents: std::collections::HashSet<&str> = blocks
            .iter()
            .filter_map(|b| b.meta().compaction.as_ref())
            .flat_map(|c| c.parents.iter().map(|p| p.ulid.as_str()))
            .collect();
        if parents.is_empty() {
            return 0;
        }
        blocks
            .iter()
            .map(|b| b.meta().ulid.clone())
            .filter(|id| parents.contains(id.as_str()))
            .collect()
    };
    let n = obsolete.len();
    if n > 0 {
        replace_blocks(db, None, &obsolete);
    }
    n
}

/// Swaps blocks in the loaded list in one step: adds `new` (unless a reload already loaded
/// it) and unloads `remove`, whose directories are renamed to `<id>.tmp` under the same lock
/// (so [`Db::reload`] cannot load them again) and then deleted. A crash mid-delete leaves a
/// `.tmp` directory, which opening clears, never half a block under a block's name. Queriers
/// already open keep the unloaded blocks they hold.
pub(crate) fn replace_blocks(db: &Db, new: Option<Block>, remove: &[String]) {
    let mut doomed = Vec::new();
    {
        let mut blocks = db.block_list().write();
        if let Some(b) = new
            && !blocks.iter().any(|x| x.meta().ulid == b.meta().ulid)
        {
            blocks.push(b);
        }
        let (gone, kept): (Vec<Block>, Vec<Block>) =
            std::mem::take(&mut *blocks).into_iter().partition(|b| remove.contains(&b.meta().ulid));
        *blocks = kept;
        sort_blocks(&mut blocks);
        let mut sizes = db.maint_state().sizes.lock();
        for b in &gone {
            sizes.remove(&b.meta().ulid);
            let mut tmp = b.dir().as_os_str().to_owned();
            tmp.push(".tmp");
            let tmp = std::path::PathBuf::from(tmp);
            doomed.push(if fs::rename(b.dir(), &tmp).is_ok() {
                tmp
            } else {
                b.dir().to_path_buf()
            });
        }
    }
    for dir in doomed {
        // The block is unloaded either way; a leftover `.tmp` goes at the next open.
        let _ = fs::remove_dir_all(&dir);
    }
}

/// Bytes of the files under `dir` (recursively); 0 when it does not exist.
pub(crate) fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

impl Db {
    /// Bytes on disk of each loaded block, oldest first, with its id.
    pub fn block_sizes(&self) -> Vec<(String, u64)> {
        let blocks: Vec<Block> = self.block_list().read().clone();
        let mut sizes = self.maint_state().sizes.lock();
        blocks
            .iter()
            .map(|b| {
                let id = b.meta().ulid.clone();
                let n = *sizes.entry(id.clone()).or_insert_with(|| dir_bytes(b.dir()));
                (id, n)
            })
            .collect()
    }

    /// Bytes on disk of all loaded blocks.
    pub fn blocks_bytes(&self) -> u64 {
        self.block_sizes().iter().map(|(_, n)| n).sum()
    }

    /// Bytes of the write-ahead log directory (`<dir>/wal`), 0 without one.
    pub fn wal_bytes(&self) -> u64 {
        dir_bytes(&self.dir().join("wal"))
    }

    /// Bytes on disk per sample stored in blocks (all block files / samples in blocks), for
    /// benchmarks; `None` without blocks.
    pub fn block_bytes_per_sample(&self) -> Option<f64> {
        let samples: u64 = self.blocks().iter().map(|m| m.stats.num_samples).sum();
        (samples > 0).then(|| self.blocks_bytes() as f64 / samples as f64)
    }

    /// Cuts the head into blocks, compacts blocks and applies retention (see the
    /// [module docs](crate::compact)). Cheap when there is nothing to do; returns at once if
    /// another run is in progress. Does file I/O and CPU work: call it from a blocking
    /// context (`tokio::task::spawn_blocking`), e.g. once a minute.
    ///
    /// Errors of one step do not stop the others; the first is returned.
    pub fn maintain(&self) -> Result<MaintenanceReport, TsdbError> {
        let st = self.maint_state();
        let Some(_running) = st.running.try_lock() else {
            return Ok(MaintenanceReport::default());
        };
        let mut report =
            MaintenanceReport { obsolete_deleted: drop_obsolete(self), ..Default::default() };
        let mut first_err: Option<TsdbError> = None;
        if let Err(e) = head_cut::cut_head(self, &mut report) {
            st.counters.compactions_failed.fetch_add(1, Ordering::Relaxed);
            first_err.get_or_insert(e);
        }
        if let Err(e) = head_cut::try_truncate(self, &mut report) {
            first_err.get_or_insert(e);
        }
        // Bounded: each merge removes at least one block.
        for _ in 0..64 {
            match merge::compact_once(self) {
                Ok(true) => report.compactions += 1,
                Ok(false) => break,
                Err(e) => {
                    st.counters.compactions_failed.fetch_add(1, Ordering::Relaxed);
                    first_err.get_or_insert(e);
                    break;
                }
            }
        }
        retention::apply(self, &mut report);
        match first_err {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }
}
