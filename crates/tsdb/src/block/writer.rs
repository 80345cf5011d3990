//! Writing a block directory from series and their samples.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::hash::{BuildHasher, Hasher};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use model::labels::Labels;
use model::storage::FPoint;

use super::format::{put_section, put_uvarint, put_varint};
use super::{
    BLOCK_VERSION, BlockMeta, BlockStats, CHUNKS_FILE, CHUNKS_MAGIC, INDEX_END_MAGIC, INDEX_FILE,
    INDEX_MAGIC, META_FILE,
};
use crate::chunkenc::{ENC_XOR, SAMPLES_PER_CHUNK, XorEncoder};
use crate::crc::{crc32c, crc32c_update};
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

fn now_ms() -> u64 {
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

/// Writes one block holding `series` into a new directory under `parent` and returns its
/// path and meta. See the [module docs](super) for the format.
pub fn write_block(
    parent: &Path,
    series: impl IntoIterator<Item = (Labels, Vec<FPoint>)>,
) -> Result<(PathBuf, BlockMeta), TsdbError> {
    let series = normalize(series)?;
    if series.is_empty() {
        return Err(TsdbError::Invalid("no samples to write".into()));
    }
    fs::create_dir_all(parent).map_err(|e| TsdbError::io(parent, e))?;
    let id = new_block_id(now_ms());
    let tmp = parent.join(format!("{id}.tmp"));
    let dir = parent.join(&id);
    fs::create_dir_all(&tmp).map_err(|e| TsdbError::io(&tmp, e))?;
    let result = write_files(&tmp, &id, &series).and_then(|meta| {
        fs::rename(&tmp, &dir).map_err(|e| TsdbError::io(&dir, e))?;
        sync_dir(parent)?;
        Ok(meta)
    });
    match result {
        Ok(meta) => Ok((dir, meta)),
        Err(e) => {
            // Best effort: a leftover `.tmp` is also removed when the database opens.
            let _ = fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

fn sync_dir(dir: &Path) -> Result<(), TsdbError> {
    File::open(dir).and_then(|f| f.sync_all()).map_err(|e| TsdbError::io(dir, e))
}

/// Chunk metas of one series: (first time, last time, reference).
type ChunkRefs = Vec<(i64, i64, u64)>;

fn write_files(
    dir: &Path,
    id: &str,
    series: &[(Labels, Vec<FPoint>)],
) -> Result<BlockMeta, TsdbError> {
    let (refs, stats) = write_chunks(&dir.join(CHUNKS_FILE), series)?;
    write_index(&dir.join(INDEX_FILE), series, &refs)?;
    let min_time = series.iter().filter_map(|(_, p)| p.first()).map(|p| p.t).min().unwrap_or(0);
    let max_time = series.iter().filter_map(|(_, p)| p.last()).map(|p| p.t).max().unwrap_or(0);
    let meta = BlockMeta {
        ulid: id.to_string(),
        min_time,
        max_time: max_time.saturating_add(1),
        stats,
        version: BLOCK_VERSION,
    };
    let json = serde_json::to_vec_pretty(&meta)
        .map_err(|e| TsdbError::Invalid(format!("encoding meta.json: {e}")))?;
    write_synced(&dir.join(META_FILE), &json)?;
    sync_dir(dir)?;
    Ok(meta)
}

fn write_synced(path: &Path, data: &[u8]) -> Result<(), TsdbError> {
    let mut f = File::create(path).map_err(|e| TsdbError::io(path, e))?;
    f.write_all(data).and_then(|()| f.sync_all()).map_err(|e| TsdbError::io(path, e))
}

fn write_chunks(
    path: &Path,
    series: &[(Labels, Vec<FPoint>)],
) -> Result<(Vec<ChunkRefs>, BlockStats), TsdbError> {
    let io = |e| TsdbError::io(path, e);
    let file = File::create(path).map_err(io)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    w.write_all(CHUNKS_MAGIC).map_err(io)?;
    let mut offset = CHUNKS_MAGIC.len() as u64;
    let mut stats = BlockStats::default();
    let mut all_refs = Vec::with_capacity(series.len());
    let mut head = Vec::with_capacity(11);
    for (_, points) in series {
        let mut refs = ChunkRefs::new();
        for part in points.chunks(SAMPLES_PER_CHUNK) {
            let mut enc = XorEncoder::new();
            for p in part {
                enc.append(p.t, p.f);
            }
            let data = enc.finish();
            head.clear();
            put_uvarint(&mut head, data.len() as u64);
            head.push(ENC_XOR);
            let crc = crc32c_update(crc32c(&[ENC_XOR]), &data);
            w.write_all(&head).map_err(io)?;
            w.write_all(&data).map_err(io)?;
            w.write_all(&crc.to_be_bytes()).map_err(io)?;
            let (first, last) = (part[0].t, part[part.len() - 1].t);
            refs.push((first, last, offset));
            offset += (head.len() + data.len() + 4) as u64;
            stats.num_chunks += 1;
            stats.num_samples += part.len() as u64;
        }
        stats.num_series += 1;
        all_refs.push(refs);
    }
    let file = w.into_inner().map_err(|e| TsdbError::io(path, e.into_error()))?;
    file.sync_all().map_err(io)?;
    Ok((all_refs, stats))
}

fn write_index(
    path: &Path,
    series: &[(Labels, Vec<FPoint>)],
    refs: &[ChunkRefs],
) -> Result<(), TsdbError> {
    let mut symbols: BTreeSet<&str> = BTreeSet::new();
    for (labels, _) in series {
        for l in labels.iter() {
            symbols.insert(l.name);
            symbols.insert(l.value);
        }
    }
    let symbols: Vec<&str> = symbols.into_iter().collect();
    let sym = |s: &str| symbols.binary_search(&s).unwrap_or(0) as u64;

    let mut out = Vec::with_capacity(1 << 16);
    out.extend_from_slice(INDEX_MAGIC);

    let mut payload = Vec::new();
    put_uvarint(&mut payload, symbols.len() as u64);
    for s in &symbols {
        put_uvarint(&mut payload, s.len() as u64);
        payload.extend_from_slice(s.as_bytes());
    }
    let symbols_off = out.len() as u64;
    put_section(&mut out, &payload);

    payload.clear();
    put_uvarint(&mut payload, series.len() as u64);
    for ((labels, _), chunks) in series.iter().zip(refs) {
        put_uvarint(&mut payload, labels.len() as u64);
        for l in labels.iter() {
            put_uvarint(&mut payload, sym(l.name));
            put_uvarint(&mut payload, sym(l.value));
        }
        put_uvarint(&mut payload, chunks.len() as u64);
        let (mut prev_t, mut prev_ref) = (0i64, 0u64);
        for (i, &(mint, maxt, r)) in chunks.iter().enumerate() {
            let first = i == 0;
            put_varint(&mut payload, if first { mint } else { mint.wrapping_sub(prev_t) });
            put_uvarint(&mut payload, maxt.wrapping_sub(mint) as u64);
            put_uvarint(&mut payload, if first { r } else { r - prev_ref });
            prev_t = maxt;
            prev_ref = r;
        }
    }
    let series_off = out.len() as u64;
    put_section(&mut out, &payload);

    let mut footer = Vec::with_capacity(16);
    footer.extend_from_slice(&symbols_off.to_be_bytes());
    footer.extend_from_slice(&series_off.to_be_bytes());
    out.extend_from_slice(&footer);
    out.extend_from_slice(&crc32c(&footer).to_be_bytes());
    out.extend_from_slice(INDEX_END_MAGIC);
    write_synced(path, &out)
}
