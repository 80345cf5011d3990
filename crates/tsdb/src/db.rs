//! The database: the in-memory head plus the immutable blocks in a directory.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use model::labels::Labels;
use model::storage::{AppendError, Appendable, Appender, FPoint, Querier, Storage, StorageError};
use parking_lot::{Mutex, RwLock};

use crate::block::{Block, BlockMeta, BlockQuerier, write_block};
use crate::error::TsdbError;
use crate::head::{Head, HeadOptions};
use crate::index::IdBuild;
use crate::merge::MergeQuerier;

/// Two hours, Prometheus' block range and `promtool`'s import range.
pub const DEFAULT_BLOCK_DURATION_MS: i64 = 2 * 3600 * 1000;

/// Settings of a [`Db`].
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub head: HeadOptions,
    /// Time range of one imported block, in ms; blocks are aligned to multiples of it.
    pub block_duration_ms: i64,
    /// `--storage.tsdb.retention.time` in ms: blocks whose max time is this much older than the
    /// newest block's are deleted. 0 = no time retention.
    pub retention_ms: i64,
    /// `--storage.tsdb.retention.size` in bytes: the oldest blocks are deleted until blocks
    /// and WAL fit. 0 = no size retention.
    pub retention_bytes: u64,
    /// The write-ahead log in `<dir>/wal`; `None` keeps the head in memory only (tools
    /// that only write blocks, such as `klaxon tsdb import`, which may run beside a server
    /// using the same directory).
    pub wal: Option<crate::wal::WalOptions>,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            head: HeadOptions::default(),
            block_duration_ms: DEFAULT_BLOCK_DURATION_MS,
            retention_ms: crate::compact::DEFAULT_RETENTION_MS,
            retention_bytes: 0,
            wal: Some(crate::wal::WalOptions::default()),
        }
    }
}

/// A head for new samples and the blocks found in (or written to) a directory. Queries span
/// both, merging series with equal labels in time order; appends go to the head.
#[derive(Debug)]
pub struct Db {
    dir: PathBuf,
    opts: DbOptions,
    head: Head,
    /// Sorted by min time, then id.
    blocks: RwLock<Vec<Block>>,
    skipped: Mutex<Vec<TsdbError>>,
    /// Head cuts, compaction and retention (crate::compact).
    maint: crate::compact::MaintState,
    /// The write-ahead log and what its replay at open found (crate::wal).
    wal: Option<crate::wal::HeadLog>,
    wal_replay: Option<crate::wal::ReplayReport>,
}

/// The file an error is about.
fn error_path(e: &TsdbError) -> Option<PathBuf> {
    match e {
        TsdbError::Io { path, .. } | TsdbError::Corrupt { path, .. } => Some(path.clone()),
        TsdbError::Invalid(_) => None,
    }
}

/// Whether a directory name is a block id (26 Crockford base32 characters).
fn is_block_id(name: &str) -> bool {
    name.len() == 26 && name.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

impl Db {
    /// Opens (creating if needed) the database in `dir` and loads its blocks. Blocks that fail
    /// verification are left out and listed by [`Db::skipped_blocks`]; unfinished writes
    /// (`<id>.tmp`) are removed. Then the write-ahead log is replayed into the head (see
    /// [`Db::wal_replay`]); a damaged tail is repaired and reported, not an error. Fails only
    /// when the directory or the log's files cannot be used.
    pub fn open(dir: impl AsRef<Path>, opts: DbOptions) -> Result<Db, TsdbError> {
        let dir = dir.as_ref().to_path_buf();
        if opts.block_duration_ms <= 0 {
            return Err(TsdbError::Invalid("block duration must be positive".into()));
        }
        fs::create_dir_all(&dir).map_err(|e| TsdbError::io(&dir, e))?;
        let mut db = Db {
            wal: None,
            wal_replay: None,
            dir,
            head: Head::new(opts.head.clone()),
            opts,
            blocks: RwLock::new(Vec::new()),
            skipped: Mutex::new(Vec::new()),
            maint: crate::compact::MaintState::default(),
        };
        db.scan(true)?;
        // Blocks merged into a newer one are dropped; the head refuses samples its blocks hold.
        crate::compact::after_open(&db);
        if let Some(wal_opts) = db.opts.wal.clone() {
            // After the blocks: samples they already hold are not replayed.
            let (log, report) = crate::wal::HeadLog::open(&db.dir.join("wal"), &db.head, wal_opts)?;
            db.wal = Some(log);
            db.wal_replay = Some(report);
        }
        Ok(db)
    }

    /// Loads blocks that appeared in the directory since it was opened (written by another
    /// process, such as `klaxon tsdb import`); returns how many were added. Blocks that fail
    /// verification join [`Db::skipped_blocks`] and are not tried again.
    pub fn reload(&self) -> Result<usize, TsdbError> {
        self.scan(false)
    }

    fn scan(&self, at_open: bool) -> Result<usize, TsdbError> {
        let dir = &self.dir;
        let loaded: Vec<String> =
            self.blocks.read().iter().map(|b| b.meta().ulid.clone()).collect();
        let failed: Vec<PathBuf> = self.skipped.lock().iter().filter_map(error_path).collect();
        let mut names: Vec<(String, PathBuf)> = Vec::new();
        let entries = fs::read_dir(dir).map_err(|e| TsdbError::io(dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| TsdbError::io(dir, e))?;
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.strip_suffix(".tmp").is_some_and(is_block_id) {
                // A write that did not finish: never renamed, so never a block. Only removed
                // at open: later, another process may be writing it right now.
                if at_open {
                    let _ = fs::remove_dir_all(&path);
                }
            } else if is_block_id(&name)
                && !loaded.contains(&name)
                && !failed.iter().any(|p| p.starts_with(&path))
            {
                names.push((name, path));
            }
        }
        names.sort();
        let mut added = Vec::new();
        for (_, path) in names {
            match Block::open(&path) {
                Ok(b) => added.push(b),
                Err(e) => self.skipped.lock().push(e),
            }
        }
        let n = added.len();
        if n > 0 {
            let mut blocks = self.blocks.write();
            blocks.extend(added);
            sort_blocks(&mut blocks);
        }
        Ok(n)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn head(&self) -> &Head {
        &self.head
    }

    pub fn options(&self) -> &DbOptions {
        &self.opts
    }

    /// The loaded blocks' metas, oldest first.
    pub fn blocks(&self) -> Vec<BlockMeta> {
        self.blocks.read().iter().map(|b| b.meta().clone()).collect()
    }

    /// Why blocks were left out, as texts naming the file (and for bad content the byte
    /// offset).
    pub fn skipped_blocks(&self) -> Vec<String> {
        self.skipped.lock().iter().map(ToString::to_string).collect()
    }

    /// Writes one immutable block holding `series` (any order; samples are sorted, equal
    /// timestamps keep the first, equal label sets are merged), loads it, and returns its
    /// directory.
    pub fn write_block(
        &self,
        series: impl IntoIterator<Item = (Labels, Vec<FPoint>)>,
    ) -> Result<PathBuf, TsdbError> {
        let (path, _) = write_block(&self.dir, series)?;
        let block = Block::open(&path)?;
        let mut blocks = self.blocks.write();
        blocks.push(block);
        sort_blocks(&mut blocks);
        Ok(path)
    }

    /// Imports history as `promtool tsdb create-blocks-from` does: one block per
    /// `block_duration_ms` range (aligned to multiples of it) that has samples. Returns the
    /// new block directories, oldest first.
    pub fn import(
        &self,
        series: impl IntoIterator<Item = (Labels, Vec<FPoint>)>,
    ) -> Result<Vec<PathBuf>, TsdbError> {
        let d = self.opts.block_duration_ms;
        let mut ranges: BTreeMap<i64, Vec<(Labels, Vec<FPoint>)>> = BTreeMap::new();
        for (labels, mut points) in series {
            if !points.windows(2).all(|w| w[0].t < w[1].t) {
                points.sort_by_key(|p| p.t);
                points.dedup_by_key(|p| p.t);
            }
            // Moves the samples into their ranges; most series of a short import fit one.
            while let Some(first) = points.first() {
                let start = first.t.div_euclid(d) * d;
                let end = start.saturating_add(d);
                let n = points.partition_point(|p| p.t < end);
                let part = if n == points.len() {
                    std::mem::take(&mut points)
                } else {
                    let rest = points.split_off(n);
                    std::mem::replace(&mut points, rest)
                };
                ranges.entry(start).or_default().push((labels.clone(), part));
            }
        }
        let mut paths = Vec::with_capacity(ranges.len());
        for (_, series) in ranges {
            paths.push(self.write_block(series)?);
        }
        Ok(paths)
    }

    /// A streaming importer: add samples one at a time, then [`Importer::finish`] writes the
    /// blocks as [`Db::import`] does.
    pub fn importer(&self) -> Importer<'_> {
        Importer { db: self, series: HashMap::default(), samples: 0 }
    }
}

/// For the maintenance code (crate::compact): the loaded blocks and its state.
impl Db {
    pub(crate) fn block_list(&self) -> &RwLock<Vec<Block>> {
        &self.blocks
    }

    pub(crate) fn maint_state(&self) -> &crate::compact::MaintState {
        &self.maint
    }
}

pub(crate) fn sort_blocks(blocks: &mut [Block]) {
    blocks.sort_by(|a, b| {
        (a.meta().min_time, &a.meta().ulid).cmp(&(b.meta().min_time, &b.meta().ulid))
    });
}

/// Collects samples for [`Db::import`]. Each series' samples must come in time order, as in
/// an OpenMetrics file; the checks and errors are the appender's.
#[derive(Debug)]
pub struct Importer<'a> {
    db: &'a Db,
    series: HashMap<Labels, Vec<FPoint>, IdBuild>,
    samples: u64,
}

impl Importer<'_> {
    pub fn add(&mut self, labels: &Labels, t: i64, f: f64) -> Result<(), AppendError> {
        if labels.is_empty() {
            return Err(AppendError::InvalidLabels("empty labelset".into()));
        }
        let points = match self.series.get_mut(labels) {
            Some(p) => p,
            None => self.series.entry(labels.clone()).or_default(),
        };
        if let Some(last) = points.last() {
            let bits = f.to_bits();
            if !crate::head::appendable(Some((last.t, last.f.to_bits())), t, bits)? {
                return Ok(());
            }
        }
        points.push(FPoint { t, f });
        self.samples += 1;
        Ok(())
    }

    /// Samples added so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Series seen so far.
    pub fn series(&self) -> usize {
        self.series.len()
    }

    /// Writes the blocks; returns their directories, oldest first.
    pub fn finish(self) -> Result<Vec<PathBuf>, TsdbError> {
        self.db.import(self.series)
    }
}

impl Storage for Db {
    fn querier(&self, mint: i64, maxt: i64) -> Result<Box<dyn Querier + '_>, StorageError> {
        // The head's view first: a head cut truncates only after every view older than its
        // new block has closed, so a view made now either sees the block in the list below
        // or keeps the head's samples of its range.
        let head = self.head.querier(mint, maxt)?;
        let mut parts: Vec<Box<dyn Querier + '_>> = self
            .blocks
            .read()
            .iter()
            .filter(|b| b.overlaps(mint, maxt))
            .map(|b| Box::new(BlockQuerier::new(b, mint, maxt)) as Box<dyn Querier>)
            .collect();
        if parts.is_empty() {
            return Ok(head);
        }
        parts.push(head);
        Ok(Box::new(MergeQuerier::new(parts)))
    }
}

impl Appendable for Db {
    fn appender(&self) -> Box<dyn Appender + '_> {
        match &self.wal {
            Some(log) => self.head.logged_appender(log),
            None => self.head.appender(),
        }
    }
}

/// The write-ahead log (crate::wal).
impl Db {
    /// The log's writer, when the database has one (for its metrics, segments and
    /// checkpoints).
    pub fn wal(&self) -> Option<&crate::wal::Wal> {
        self.wal.as_ref().map(|l| l.wal())
    }

    /// What replaying the log at open read and repaired.
    pub fn wal_replay(&self) -> Option<&crate::wal::ReplayReport> {
        self.wal_replay.as_ref()
    }

    /// Corruptions of the log found at open and how each was repaired (also logged).
    pub fn wal_repairs(&self) -> &[crate::wal::WalRepair] {
        self.wal_replay.as_ref().map_or(&[], |r| r.repairs.as_slice())
    }

    /// For compaction, after the head dropped everything before `mint`: checkpoints the log
    /// (series the head still has, samples at or after `mint`) and deletes the segments it
    /// covers. `None` when there was nothing to checkpoint or no log.
    pub fn truncate_wal(
        &self,
        mint: i64,
    ) -> Result<Option<crate::wal::CheckpointStats>, TsdbError> {
        match &self.wal {
            Some(log) => log.truncate(&self.head, mint),
            None => Ok(None),
        }
    }

    /// Makes everything committed durable (fsync). The database stays usable; call it at
    /// shutdown.
    pub fn close(&self) -> Result<(), TsdbError> {
        match &self.wal {
            Some(log) => log.wal().close(),
            None => Ok(()),
        }
    }
}
