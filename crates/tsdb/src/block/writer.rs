//! Writing a block directory from series and their samples.

use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use model::labels::Labels;
use model::storage::FPoint;

use super::stream::BlockWriter;
use super::{BlockCompaction, BlockMeta};
use crate::error::TsdbError;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new ULID-style block id: 48 bits of `now_ms`, then 80 random bits, in Crockford base32.
/// Ids of blocks made later sort later.
pub fn new_block_id(now_ms: u64) -> String {
    // Randomness from the standard library's per-process random hash keys: no dependency.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(now_ms);
    let r1 = h.finish();
    h.write_u64(r1);
    let r2 = h.finish();
    let value: u128 = (u128::from(now_ms & 0xffff_ffff_ffff) << 80)
        | (u128::from(r1) << 16)
        | u128::from(r2 >> 48);
    (0..26)
        .map(|i| {
            let shift = 5 * (25 - i);
            char::from(CROCKFORD[((value >> shift) & 31) as usize])
        })
        .collect()
}

pub(super) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Sorts series by labels (dropping empty label values), merges series with equal labels,
/// sorts samples by time keeping the first of equal timestamps, and drops empty series.
pub(crate) fn normalize(
    series: impl IntoIterator<Item = (Labels, Vec<FPoint>)>,
) -> Result<Vec<(Labels, Vec<FPoint>)>, TsdbError> {
    let mut all: Vec<(Labels, Vec<FPoint>)> = Vec::new();
    for (labels, points) in series {
        let labels = labels.without_empty();
        if labels.is_empty() {
            return Err(TsdbError::Invalid("series with an empty label set".into()));
        }
        if !points.is_empty() {
            all.push((labels, points));
        }
    }
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<(Labels, Vec<FPoint>)> = Vec::with_capacity(all.len());
    for (labels, points) in all {
        match out.last_mut() {
            Some(last) if last.0 == labels => last.1.extend(points),
            _ => out.push((labels, points)),
        }
    }
    for (_, points) in &mut out {
        if !points.windows(2).all(|w| w[0].t < w[1].t) {
            points.sort_by_key(|p| p.t);
            points.dedup_by_key(|p| p.t);
        }
    }
    Ok(out)
}

/// What [`write_block_with`] records beyond the samples: a time range wider than they span
/// (a block cut from the head covers its whole aligned range, as upstream) and how the block
/// was made. An empty `sources` list in `compaction` means the block itself.
#[derive(Debug, Clone, Default)]
pub struct BlockSpec {
    pub min_time: Option<i64>,
    /// Exclusive.
    pub max_time: Option<i64>,
    pub compaction: Option<BlockCompaction>,
}

/// Writes one block holding `series` into a new directory under `parent` and returns its
/// path and meta. See the [module docs](super) for the format.
pub fn write_block(
    parent: &Path,
    series: impl IntoIterator<Item = (Labels, Vec<FPoint>)>,
) -> Result<(PathBuf, BlockMeta), TsdbError> {
    write_block_with(parent, series, &BlockSpec::default())
}

/// [`write_block`] with the meta fields of `spec`. Samples outside `spec`'s range are an
/// error: a block's chunks must lie within its range. Holds all samples in memory: cuts and
/// merges stream through a [`BlockWriter`] instead.
pub fn write_block_with(
    parent: &Path,
    series: impl IntoIterator<Item = (Labels, Vec<FPoint>)>,
    spec: &BlockSpec,
) -> Result<(PathBuf, BlockMeta), TsdbError> {
    let series = normalize(series)?;
    if series.is_empty() {
        return Err(TsdbError::Invalid("no samples to write".into()));
    }
    let mut w = BlockWriter::create(parent, spec.clone())?;
    for (labels, points) in &series {
        w.add_points(labels, points)?;
    }
    w.finish()
}

pub(super) fn sync_dir(dir: &Path) -> Result<(), TsdbError> {
    File::open(dir).and_then(|f| f.sync_all()).map_err(|e| TsdbError::io(dir, e))
}

pub(super) fn write_synced(path: &Path, data: &[u8]) -> Result<(), TsdbError> {
    let mut f = File::create(path).map_err(|e| TsdbError::io(path, e))?;
    f.write_all(data).and_then(|()| f.sync_all()).map_err(|e| TsdbError::io(path, e))
}
