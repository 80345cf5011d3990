//! Which blocks to merge next: upstream's leveled plan, over block metas only.

use crate::block::BlockMeta;

/// Upper bound of a compacted block's range when retention does not set one: 31 days.
const MAX_BLOCK_DURATION_CAP_MS: i64 = 31 * 24 * 3600 * 1000;

/// `steps` ranges starting at `min`, each `factor` times the previous (upstream's
/// `ExponentialBlockRanges`).
pub fn exponential_block_ranges(min: i64, steps: usize, factor: i64) -> Vec<i64> {
    let mut out = Vec::with_capacity(steps);
    let mut r = min;
    for _ in 0..steps {
        out.push(r);
        r = r.saturating_mul(factor);
    }
    out
}

/// The compaction levels for a block range and a time retention (0 = none): the block range
/// times 3ⁿ, up to a tenth of the retention, at most 31 days and at least the block range
/// itself, as upstream sets `max-block-duration` by default.
pub fn compaction_ranges(block_ms: i64, retention_ms: i64) -> Vec<i64> {
    let mut max = MAX_BLOCK_DURATION_CAP_MS;
    if retention_ms > 0 {
        max = max.min(retention_ms / 10);
    }
    let max = max.max(block_ms);
    exponential_block_ranges(block_ms, 10, 3).into_iter().filter(|&r| r <= max).collect()
}

/// The ids (in time order) of the blocks to merge into one next, or nothing. Overlapping
/// blocks come first; otherwise, leaving out the newest block (so that the block just cut
/// from the head can be backed up before it changes), the first group of blocks within one
/// aligned range of a higher level that either fills it or lies before the newest block.
pub fn plan(blocks: &[BlockMeta], ranges: &[i64]) -> Vec<String> {
    let mut sorted: Vec<&BlockMeta> = blocks.iter().collect();
    sorted.sort_by_key(|m| m.min_time);
    let overlapping = overlapping(&sorted);
    if !overlapping.is_empty() {
        return overlapping.iter().map(|m| m.ulid.clone()).collect();
    }
    if sorted.len() < 2 || ranges.len() < 2 {
        return Vec::new();
    }
    sorted.pop();
    select(&sorted, ranges).iter().map(|m| m.ulid.clone()).collect()
}

/// The first run of blocks (sorted by min time) whose ranges overlap one another.
fn overlapping<'a>(sorted: &[&'a BlockMeta]) -> Vec<&'a BlockMeta> {
    let mut out: Vec<&BlockMeta> = Vec::new();
    let Some(first) = sorted.first() else { return out };
    let mut max_t = first.max_time;
    for w in sorted.windows(2) {
        let (prev, b) = (w[0], w[1]);
        if b.min_time < max_t {
            if out.is_empty() {
                out.push(prev);
            }
            out.push(b);
        } else if !out.is_empty() {
            break;
        }
        max_t = max_t.max(b.max_time);
    }
    out
}

fn select<'a>(sorted: &[&'a BlockMeta], ranges: &[i64]) -> Vec<&'a BlockMeta> {
    let Some(newest) = sorted.last() else { return Vec::new() };
    let high = newest.min_time;
    for &r in &ranges[1..] {
        for group in split_by_range(sorted, r) {
            let (Some(first), Some(last)) = (group.first(), group.last()) else { continue };
            let (mint, maxt) = (first.min_time, last.max_time);
            if group.len() > 1 && (maxt - mint == r || maxt <= high) {
                return group;
            }
        }
    }
    Vec::new()
}

/// Groups consecutive blocks (sorted by min time) lying within one aligned range of length
/// `r`; a block reaching past the range of its start belongs to no group.
fn split_by_range<'a>(sorted: &[&'a BlockMeta], r: i64) -> Vec<Vec<&'a BlockMeta>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i].min_time.div_euclid(r) * r;
        let end = start.saturating_add(r);
        if sorted[i].max_time > end {
            i += 1;
            continue;
        }
        let mut group = Vec::new();
        while i < sorted.len() && sorted[i].max_time <= end {
            group.push(sorted[i]);
            i += 1;
        }
        out.push(group);
    }
    out
}
