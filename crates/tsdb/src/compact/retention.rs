//! Deleting blocks beyond the retention time or size, as upstream.

use std::sync::atomic::Ordering;

use super::{MaintenanceReport, replace_blocks};
use crate::block::BlockMeta;
use crate::db::Db;

/// Blocks, by id, that time retention deletes: those whose max time is at least
/// `retention_ms` before the newest block's max time, with every block older than the first
/// such. The newest block is never deleted; `retention_ms` 0 deletes nothing.
pub fn beyond_time(blocks: &[BlockMeta], retention_ms: i64) -> Vec<String> {
    if retention_ms <= 0 || blocks.is_empty() {
        return Vec::new();
    }
    let newest_first = newest_first(blocks);
    let newest_max = newest_first[0].max_time;
    match newest_first
        .iter()
        .skip(1)
        .position(|m| newest_max.saturating_sub(m.max_time) >= retention_ms)
    {
        Some(i) => newest_first[i + 1..].iter().map(|m| m.ulid.clone()).collect(),
        None => Vec::new(),
    }
}

/// Blocks, by id, that size retention deletes: going from the newest, the first block with
/// which `base_bytes` (the WAL) plus the blocks so far exceed `max_bytes`, and all older
/// ones. `sizes` gives each block's bytes by id; `max_bytes` 0 deletes nothing.
pub fn beyond_size(
    blocks: &[BlockMeta],
    sizes: &dyn Fn(&str) -> u64,
    base_bytes: u64,
    max_bytes: u64,
) -> Vec<String> {
    if max_bytes == 0 || blocks.is_empty() {
        return Vec::new();
    }
    let newest_first = newest_first(blocks);
    let mut total = base_bytes;
    for (i, m) in newest_first.iter().enumerate() {
        total = total.saturating_add(sizes(&m.ulid));
        if total > max_bytes {
            return newest_first[i..].iter().map(|m| m.ulid.clone()).collect();
        }
    }
    Vec::new()
}

fn newest_first(blocks: &[BlockMeta]) -> Vec<&BlockMeta> {
    let mut v: Vec<&BlockMeta> = blocks.iter().collect();
    v.sort_by(|a, b| b.max_time.cmp(&a.max_time).then_with(|| b.ulid.cmp(&a.ulid)));
    v
}

/// Applies time, then size retention to the loaded blocks.
pub(crate) fn apply(db: &Db, report: &mut MaintenanceReport) {
    let opts = db.options();
    let counters = &db.maint_state().counters;
    let metas = db.blocks();
    let by_time = beyond_time(&metas, opts.retention_ms);
    if !by_time.is_empty() {
        counters.time_retentions.fetch_add(1, Ordering::Relaxed);
        report.time_retention_deleted += by_time.len();
        replace_blocks(db, None, &by_time);
    }
    if opts.retention_bytes > 0 {
        let sizes: std::collections::HashMap<String, u64> = db.block_sizes().into_iter().collect();
        let metas = db.blocks();
        let by_size = beyond_size(
            &metas,
            &|id| sizes.get(id).copied().unwrap_or(0),
            db.wal_bytes(),
            opts.retention_bytes,
        );
        if !by_size.is_empty() {
            counters.size_retentions.fetch_add(1, Ordering::Relaxed);
            report.size_retention_deleted += by_size.len();
            replace_blocks(db, None, &by_size);
        }
    }
}

/// Parses `--storage.tsdb.retention.size` as Prometheus does (base-2 units: `512MB` is
/// 512 MiB): an integer and a unit (`B`, `KB`/`KiB`, `MB`/`MiB`, `GB`/`GiB`, `TB`/`TiB`,
/// `PB`/`PiB`, `EB`/`EiB`), possibly several (`1GB512MB`). `0` disables size retention.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let bad = || format!("invalid size {s:?}: want e.g. 512MB or 10GB");
    if s == "0" {
        return Ok(0);
    }
    let mut rest = s;
    let mut total: u64 = 0;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(|b| !b.is_ascii_digit()).count();
        let shift = match &rest[..unit_len] {
            "B" => 0,
            "KB" | "KiB" => 10,
            "MB" | "MiB" => 20,
            "GB" | "GiB" => 30,
            "TB" | "TiB" => 40,
            "PB" | "PiB" => 50,
            "EB" | "EiB" => 60,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        let part = n.checked_mul(1u64 << shift).ok_or_else(bad)?;
        total = total.checked_add(part).ok_or_else(bad)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_parse_with_base_2_units() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("100B"), Ok(100));
        assert_eq!(parse_size("512MB"), Ok(512 << 20));
        assert_eq!(parse_size("10GiB"), Ok(10 << 30));
        assert_eq!(parse_size("1GB512MB"), Ok((1 << 30) + (512 << 20)));
        for bad in ["", "10", "GB", "1.5GB", "10gb", "-1GB", "99999999999EB"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
