//! The write-ahead log: what a commit adds to the head is written here first, so that it
//! survives a restart or a crash.
//!
//! # Layout (Prometheus' `wal/` directory, readable by its tools)
//!
//! `wal/00000000`, `wal/00000001`, ...: segments of up to 128 MiB made of 32 KiB pages
//! ([`segment`]); `wal/checkpoint.NNNNNNNN/`: what is still needed from segments `..= N`
//! ([`Wal::checkpoint`]). Records ([`record`]): series (a ref and its labels, logged the first
//! time a batch uses the series) and samples (ref, time, value).
//!
//! # Durability
//!
//! A commit writes its records with one `write` before the head shows them, so once
//! `commit()` returns the records are in the operating system's page cache: a killed process
//! (even `kill -9`) loses nothing that was committed. Data reaches the disk by fsync: when a
//! segment is finished, at [`Wal::close`], and every [`WalOptions::fsync_interval`] when set
//! (a background thread). A power loss or kernel crash loses at most the commits since the
//! last fsync: with an interval, about that interval's worth; without one (the default, as
//! upstream), up to the current segment. What remains is read back, and a torn tail is cut
//! off at start-up.
//!
//! # Truncation (for compaction)
//!
//! When the head drops samples older than `T` (they went into a block), the segments before
//! the current one are no longer needed except for the series still alive and samples at or
//! after `T`: [`Wal::checkpoint`] writes those into a checkpoint and deletes the segments.
//! The database wraps this as `Db::truncate_wal(T)`, which decides which series are alive.

mod checkpoint;
mod commit;
mod metrics;
pub mod record;
mod replay;
pub mod segment;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use prometheus_client::registry::Registry;

pub use checkpoint::CheckpointStats;
pub(crate) use commit::{CommitLog, HeadLog};
pub use metrics::WalMetrics;
pub use replay::{Record, ReplayReport, WalRepair, replay};
use writer::SegmentWriter;

use crate::error::TsdbError;

/// Settings of the log.
#[derive(Debug, Clone)]
pub struct WalOptions {
    /// Size at which a segment is finished and the next one started (a multiple of the
    /// 32 KiB page is best). Upstream's is 128 MiB.
    pub segment_size: u64,
    /// Fsync the active segment this often from a background thread; `None`: only when a
    /// segment is finished and at close (upstream's behaviour).
    pub fsync_interval: Option<Duration>,
}

impl Default for WalOptions {
    fn default() -> Self {
        WalOptions { segment_size: segment::DEFAULT_SEGMENT_SIZE, fsync_interval: None }
    }
}

#[derive(Debug)]
struct Shared {
    dir: PathBuf,
    opts: WalOptions,
    writer: Mutex<SegmentWriter>,
    /// Serialises checkpoints.
    checkpointing: Mutex<()>,
    metrics: WalMetrics,
}

/// The log's writer. Open it after replaying the directory ([`replay`]): it starts a new
/// segment after the last one, so it never appends to a segment that may have a torn end.
#[derive(Debug, Clone)]
pub struct Wal {
    shared: Arc<Shared>,
}

impl Wal {
    /// Starts writing in `dir` (created if missing), in the segment after the last existing
    /// one (or after the newest checkpoint).
    pub fn open(dir: &Path, opts: WalOptions, metrics: WalMetrics) -> Result<Wal, TsdbError> {
        if opts.segment_size < segment::PAGE_SIZE as u64 {
            return Err(TsdbError::Invalid("WAL segment size must be at least 32 KiB".into()));
        }
        let last_segment =
            segment::list_segments(dir).map_err(|e| TsdbError::io(dir, e))?.last().map(|s| s.0);
        let last_checkpoint = checkpoint::list_checkpoints(dir)?.last().map(|c| c.0);
        let next = match last_segment.max(last_checkpoint) {
            Some(n) => n.checked_add(1).ok_or_else(|| {
                TsdbError::Invalid(format!("{}: segment numbers exhausted", dir.display()))
            })?,
            None => 0,
        };
        let w = SegmentWriter::create(dir, next, opts.segment_size)?;
        writer::sync_dir(dir)?;
        metrics.segment_current.set(i64::from(next));
        let shared = Arc::new(Shared {
            dir: dir.to_path_buf(),
            opts,
            writer: Mutex::new(w),
            checkpointing: Mutex::new(()),
            metrics,
        });
        if let Some(every) = shared.opts.fsync_interval {
            spawn_syncer(Arc::downgrade(&shared), every);
        }
        Ok(Wal { shared })
    }

    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    pub fn metrics(&self) -> &WalMetrics {
        &self.shared.metrics
    }

    /// Adds the log's metrics to `registry`.
    pub fn register_metrics(&self, registry: &mut Registry) {
        self.shared.metrics.register(registry);
    }

    /// Appends whole records with one write (all in one segment). Each record starts with its
    /// type byte ([`record`]).
    pub fn log(&self, records: &[&[u8]]) -> Result<(), TsdbError> {
        self.shared.writer.lock().write(records, &self.shared.metrics)
    }

    /// The segment being written.
    pub fn current_segment(&self) -> u32 {
        self.shared.writer.lock().segment()
    }

    /// Segment numbers on disk, ascending; the last is the one being written.
    pub fn segments(&self) -> Result<Vec<u32>, TsdbError> {
        let dir = &self.shared.dir;
        Ok(segment::list_segments(dir)
            .map_err(|e| TsdbError::io(dir, e))?
            .into_iter()
            .map(|s| s.0)
            .collect())
    }

    /// Finishes the current segment (fsynced) and starts the next; returns its number. Done
    /// before a checkpoint so that everything logged so far can be checkpointed.
    pub fn cut_segment(&self) -> Result<u32, TsdbError> {
        self.shared.writer.lock().cut(&self.shared.metrics)
    }

    /// Fsyncs the segment being written (a no-op when nothing was written since the last).
    pub fn sync(&self) -> Result<(), TsdbError> {
        let mut w = self.shared.writer.lock();
        if !w.dirty {
            return Ok(());
        }
        w.sync(&self.shared.metrics)
    }

    /// Makes everything logged durable. The log stays usable (dropping it is enough).
    pub fn close(&self) -> Result<(), TsdbError> {
        self.sync()
    }

    /// Writes `checkpoint.<up_to>` holding, from the previous checkpoint and segments
    /// `..= up_to`, the series for which `keep_series(ref)` holds and their samples at or
    /// after `mint`; then deletes those segments and older checkpoints. `up_to` must be
    /// before the segment being written ([`Wal::cut_segment`] first to include everything).
    ///
    /// For the compaction: call it after the head dropped everything before `mint`, with
    /// `keep_series` true for the refs of series the head still has (`Db::truncate_wal` does
    /// exactly this). Appends may go on meanwhile.
    pub fn checkpoint(
        &self,
        up_to: u32,
        keep_series: impl Fn(u64) -> bool,
        mint: i64,
    ) -> Result<CheckpointStats, TsdbError> {
        let _one = self.shared.checkpointing.lock();
        let m = &self.shared.metrics;
        m.checkpoint_creations.inc();
        m.truncations.inc();
        let r = self.checkpoint_inner(up_to, &keep_series, mint);
        if r.is_err() {
            m.checkpoint_creations_failed.inc();
            m.truncations_failed.inc();
        }
        r
    }

    fn checkpoint_inner(
        &self,
        up_to: u32,
        keep: &dyn Fn(u64) -> bool,
        mint: i64,
    ) -> Result<CheckpointStats, TsdbError> {
        let dir = &self.shared.dir;
        if up_to >= self.current_segment() {
            return Err(TsdbError::Invalid(format!(
                "checkpoint up to segment {up_to}: not before the segment being written"
            )));
        }
        let previous = checkpoint::list_checkpoints(dir)?.pop();
        if let Some((n, _)) = &previous
            && *n >= up_to
        {
            return Err(TsdbError::Invalid(format!(
                "checkpoint up to segment {up_to}: checkpoint {n} already covers it"
            )));
        }
        let mut sources = Vec::new();
        if let Some((_, cp)) = &previous {
            let files = segment::list_segments(cp).map_err(|e| TsdbError::io(cp, e))?;
            sources.extend(files.into_iter().map(|f| f.1));
        }
        let after = previous.as_ref().map(|p| p.0);
        let segs = segment::list_segments(dir).map_err(|e| TsdbError::io(dir, e))?;
        sources.extend(
            segs.into_iter()
                .filter(|(n, _)| *n <= up_to && after.is_none_or(|a| *n > a))
                .map(|s| s.1),
        );
        checkpoint::create(
            dir,
            &sources,
            up_to,
            keep,
            mint,
            self.shared.opts.segment_size,
            &self.shared.metrics,
        )
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let w = self.writer.get_mut();
        if w.dirty {
            let _ = w.sync(&self.metrics);
        }
    }
}

/// Fsyncs the active segment every `every` until the log is dropped. The fsync runs on a
/// duplicate of the file handle, outside the writer's lock, so commits do not wait for it.
fn spawn_syncer(shared: Weak<Shared>, every: Duration) {
    let spawned = std::thread::Builder::new().name("wal-fsync".into()).spawn(move || {
        loop {
            std::thread::sleep(every);
            let Some(s) = shared.upgrade() else { return };
            let file = {
                let mut w = s.writer.lock();
                if !w.dirty {
                    continue;
                }
                w.dirty = false;
                w.file().try_clone()
            };
            let t = std::time::Instant::now();
            match file.and_then(|f| f.sync_data()) {
                Ok(()) => s.metrics.fsync_duration.observe(t.elapsed().as_secs_f64()),
                Err(e) => {
                    tracing::warn!(dir = %s.dir.display(), error = %e, "write-ahead log fsync failed");
                    s.writer.lock().dirty = true;
                }
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the write-ahead log's fsync thread");
    }
}
