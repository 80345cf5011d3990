//! Merging blocks into one: adjacent blocks into a bigger range, or overlapping ones.

use std::sync::atomic::Ordering;

use std::path::{Path, PathBuf};

use model::storage::{FPoint, Querier, SelectHints};

use super::head_cut::match_all;
use super::plan::{compaction_ranges, plan};
use super::replace_blocks;
use crate::block::{Block, BlockCompaction, BlockDesc, BlockQuerier, BlockSpec, BlockWriter};
use crate::db::Db;
use crate::error::TsdbError;

/// Plans and runs one merge; returns whether there was one.
pub(crate) fn compact_once(db: &Db) -> Result<bool, TsdbError> {
    let opts = db.options();
    let ranges = compaction_ranges(opts.block_duration_ms, opts.retention_ms);
    let ids = plan(&db.blocks(), &ranges);
    if ids.is_empty() {
        return Ok(false);
    }
    let sources: Vec<Block> =
        db.block_list().read().iter().filter(|b| ids.contains(&b.meta().ulid)).cloned().collect();
    if sources.len() < 2 {
        return Ok(false);
    }
    let Some(path) = merge_blocks(db.dir(), &sources, merged_spec(&sources))? else {
        // Nothing to keep (cannot happen with blocks as written): just drop the sources.
        replace_blocks(db, None, &ids);
        return Ok(true);
    };
    let block = Block::open_sharing(&path, &|l| db.head().shared_labels(l))?;
    // The merged block is complete on disk before any source goes: a crash from here on
    // leaves sources that opening recognises as its parents.
    replace_blocks(db, Some(block), &ids);
    db.maint_state().counters.compactions.fetch_add(1, Ordering::Relaxed);
    Ok(true)
}

/// Writes the block merging `blocks` under `parent`, one series at a time: the blocks'
/// series lists (sorted by labels) are merged, and each label set's samples are read from
/// every block holding it, merged by time keeping the first of equal timestamps (the earlier
/// block's in `blocks` order), and written before the next series is read. `None` when the
/// blocks hold no sample.
pub(crate) fn merge_blocks(
    parent: &Path,
    blocks: &[Block],
    spec: BlockSpec,
) -> Result<Option<PathBuf>, TsdbError> {
    let all = [match_all()?];
    let mut lists = Vec::with_capacity(blocks.len());
    for b in blocks {
        let q = BlockQuerier::new(b, i64::MIN, i64::MAX);
        let series = q
            .select(&SelectHints::default(), &all)
            .map_err(|e| TsdbError::Invalid(format!("reading block {}: {e}", b.meta().ulid)))?;
        lists.push(series.into_iter().peekable());
    }
    let mut w = BlockWriter::create(parent, spec)?;
    let mut points: Vec<FPoint> = Vec::new();
    loop {
        let next = lists.iter_mut().filter_map(|l| l.peek()).map(|s| s.labels()).min().cloned();
        let Some(labels) = next else { break };
        points.clear();
        for l in &mut lists {
            if let Some(s) = l.next_if(|s| *s.labels() == labels) {
                s.floats_into(i64::MIN, i64::MAX, &mut points);
            }
        }
        if !points.windows(2).all(|w| w[0].t < w[1].t) {
            // Stable: of equal timestamps the earlier block's sample comes first and stays.
            points.sort_by_key(|p| p.t);
            points.dedup_by_key(|p| p.t);
        }
        if !points.is_empty() {
            w.add_points(&labels, &points)?;
        }
    }
    if w.num_series() == 0 {
        return Ok(None);
    }
    Ok(Some(w.finish()?.0))
}

/// Meta of the block merging `sources`: their whole time range, one level above the
/// highest, their sources and themselves as parents.
pub(crate) fn merged_spec(sources: &[Block]) -> BlockSpec {
    let min_time = sources.iter().map(|b| b.meta().min_time).min();
    let max_time = sources.iter().map(|b| b.meta().max_time).max();
    let mut level = 0;
    let mut ids: Vec<String> = Vec::new();
    let mut parents = Vec::with_capacity(sources.len());
    for b in sources {
        let m = b.meta();
        match &m.compaction {
            Some(c) => {
                level = level.max(c.level);
                ids.extend(c.sources.iter().cloned());
            }
            None => {
                level = level.max(1);
                ids.push(m.ulid.clone());
            }
        }
        parents.push(BlockDesc {
            ulid: m.ulid.clone(),
            min_time: m.min_time,
            max_time: m.max_time,
        });
    }
    ids.sort();
    ids.dedup();
    BlockSpec {
        min_time,
        max_time,
        compaction: Some(BlockCompaction { level: level + 1, sources: ids, parents }),
    }
}
