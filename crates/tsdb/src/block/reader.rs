//! Opening a block: every file read whole, every checksum and reference checked, the postings
//! rebuilt in memory.

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use model::labels::Labels;
use model::storage::FPoint;

use super::format::Decoder;
use super::{
    BLOCK_VERSION, BlockMeta, CHUNKS_FILE, CHUNKS_MAGIC, FOOTER_LEN, INDEX_END_MAGIC, INDEX_FILE,
    INDEX_MAGIC, META_FILE,
};
use crate::chunkenc::{ENC_XOR, XorIter, chunk_len};
use crate::crc::{crc32c, crc32c_update};
use crate::error::TsdbError;
use crate::index::MemPostings;

/// A loaded, immutable block. Cloning shares it.
#[derive(Debug, Clone)]
pub struct Block {
    pub(crate) inner: Arc<BlockData>,
}

#[derive(Debug)]
pub(crate) struct BlockData {
    pub dir: PathBuf,
    pub meta: BlockMeta,
    /// In label order; a series' id is its position.
    pub series: Vec<BlockSeries>,
    pub chunks: Vec<ChunkMeta>,
    /// The whole chunks file.
    pub data: Box<[u8]>,
    pub postings: MemPostings,
}

#[derive(Debug)]
pub(crate) struct BlockSeries {
    pub labels: Labels,
    pub chunks: Range<u32>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct ChunkMeta {
    pub min_t: i64,
    pub max_t: i64,
    /// Where the chunk's bytes start in the chunks file, and how many.
    pub start: usize,
    pub len: usize,
}

impl Block {
    /// Opens the block in `dir`, verifying it entirely.
    pub fn open(dir: &Path) -> Result<Block, TsdbError> {
        let meta = read_meta(&dir.join(META_FILE))?;
        let chunks_path = dir.join(CHUNKS_FILE);
        let data = fs::read(&chunks_path).map_err(|e| TsdbError::io(&chunks_path, e))?;
        let index_path = dir.join(INDEX_FILE);
        let index = fs::read(&index_path).map_err(|e| TsdbError::io(&index_path, e))?;
        let (series, chunk_refs) = read_index(&index_path, &index)?;
        let chunks = check_chunks(&chunks_path, &data, &chunk_refs, &meta)?;
        let mut postings = MemPostings::default();
        for (id, s) in series.iter().enumerate() {
            postings.add(id as u32, &s.labels);
        }
        Ok(Block {
            inner: Arc::new(BlockData {
                dir: dir.to_path_buf(),
                meta,
                series,
                chunks,
                data: data.into_boxed_slice(),
                postings,
            }),
        })
    }

    pub fn meta(&self) -> &BlockMeta {
        &self.inner.meta
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Whether the block may hold samples in `[mint, maxt]`.
    pub fn overlaps(&self, mint: i64, maxt: i64) -> bool {
        self.inner.meta.min_time <= maxt && self.inner.meta.max_time > mint
    }
}

impl BlockData {
    /// Appends series `id`'s samples in `[mint, maxt]` to `out`.
    pub fn floats_into(&self, id: u32, mint: i64, maxt: i64, out: &mut Vec<FPoint>) {
        let Some(s) = self.series.get(id as usize) else { return };
        let Some(chunks) = self.chunks.get(s.chunks.start as usize..s.chunks.end as usize) else {
            return;
        };
        let first = chunks.partition_point(|c| c.max_t < mint);
        for c in &chunks[first..] {
            if c.min_t > maxt {
                break;
            }
            let Some(bytes) = self.data.get(c.start..c.start + c.len) else { continue };
            if c.min_t >= mint && c.max_t <= maxt {
                out.extend(XorIter::new(bytes).map(|(t, f)| FPoint { t, f }));
                continue;
            }
            for (t, f) in XorIter::new(bytes) {
                if t > maxt {
                    break;
                }
                if t >= mint {
                    out.push(FPoint { t, f });
                }
            }
        }
    }

    /// Whether series `id` has a chunk overlapping `[mint, maxt]`.
    pub fn series_overlaps(&self, id: u32, mint: i64, maxt: i64) -> bool {
        let Some(s) = self.series.get(id as usize) else { return false };
        self.chunks
            .get(s.chunks.start as usize..s.chunks.end as usize)
            .is_some_and(|cs| cs.iter().any(|c| c.min_t <= maxt && c.max_t >= mint))
    }
}

fn read_meta(path: &Path) -> Result<BlockMeta, TsdbError> {
    let bytes = fs::read(path).map_err(|e| TsdbError::io(path, e))?;
    let meta: BlockMeta = serde_json::from_slice(&bytes).map_err(|e| {
        // serde_json reports line and column; turn them into a byte offset.
        let offset = bytes
            .split(|&b| b == b'\n')
            .take(e.line().saturating_sub(1))
            .map(|l| l.len() as u64 + 1)
            .sum::<u64>()
            + e.column().saturating_sub(1) as u64;
        TsdbError::Corrupt { path: path.to_path_buf(), offset, message: e.to_string() }
    })?;
    if meta.version != BLOCK_VERSION {
        return Err(TsdbError::Corrupt {
            path: path.to_path_buf(),
            offset: 0,
            message: format!("unsupported block version {}", meta.version),
        });
    }
    Ok(meta)
}

/// A chunk as the index refers to it: time range, reference, and where the index says so.
struct ChunkRef {
    min_t: i64,
    max_t: i64,
    offset: u64,
    at: u64,
}

fn read_index(path: &Path, data: &[u8]) -> Result<(Vec<BlockSeries>, Vec<ChunkRef>), TsdbError> {
    let whole = Decoder::new(path, data, 0);
    if data.len() < INDEX_MAGIC.len() + FOOTER_LEN || !data.starts_with(INDEX_MAGIC) {
        return Err(whole.corrupt(0, "not a klaxon index file (bad magic or too short)"));
    }
    let footer_at = data.len() - FOOTER_LEN;
    let mut footer = Decoder::new(path, &data[footer_at..], footer_at as u64);
    let symbols_off = footer.u64()?;
    let series_off = footer.u64()?;
    let crc = footer.u32()?;
    if crc != crc32c(&data[footer_at..footer_at + 16]) {
        return Err(whole.corrupt(footer_at as u64, "footer checksum mismatch"));
    }
    if footer.bytes(8)? != INDEX_END_MAGIC {
        return Err(whole.corrupt(footer_at as u64 + 20, "bad end magic"));
    }
    let body = &data[..footer_at];
    let section_at = |off: u64, name: &str| -> Result<(&[u8], u64), TsdbError> {
        let start = usize::try_from(off)
            .ok()
            .filter(|&o| o >= INDEX_MAGIC.len() && o < body.len())
            .ok_or_else(|| {
                whole.corrupt(footer_at as u64, format!("{name} offset {off} out of range"))
            })?;
        Decoder::new(path, &body[start..], off).section(name)
    };

    let (payload, at) = section_at(symbols_off, "symbols")?;
    let mut d = Decoder::new(path, payload, at);
    let count = d.uvarint_below(payload.len() as u64 + 1, "symbol count")?;
    let mut symbols: Vec<&str> = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let at = d.offset();
        let len = d.uvarint()? as usize;
        let s =
            std::str::from_utf8(d.bytes(len)?).map_err(|_| d.corrupt(at, "symbol is not UTF-8"))?;
        if symbols.last().is_some_and(|prev| *prev >= s) {
            return Err(d.corrupt(at, "symbols not sorted"));
        }
        symbols.push(s);
    }

    let (payload, at) = section_at(series_off, "series")?;
    let mut d = Decoder::new(path, payload, at);
    let nsym = symbols.len() as u64;
    let count = d.uvarint_below(payload.len() as u64 + 1, "series count")?;
    let mut series: Vec<BlockSeries> = Vec::with_capacity(count as usize);
    let mut refs: Vec<ChunkRef> = Vec::new();
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for _ in 0..count {
        let at = d.offset();
        let nlabels = d.uvarint_below(payload.len() as u64 + 1, "label count")?;
        pairs.clear();
        for _ in 0..nlabels {
            let name = symbols[d.uvarint_below(nsym, "symbol")? as usize];
            let value = symbols[d.uvarint_below(nsym, "symbol")? as usize];
            if pairs.last().is_some_and(|(prev, _)| *prev >= name) || name.is_empty() {
                return Err(d.corrupt(at, "label names not sorted and unique"));
            }
            pairs.push((name, value));
        }
        let labels = Labels::from_pairs(pairs.iter().copied());
        if series.last().is_some_and(|prev| prev.labels >= labels) {
            return Err(d.corrupt(at, "series not sorted by labels"));
        }
        let nchunks = d.uvarint_below(payload.len() as u64 + 1, "chunk count")?;
        let first = refs.len() as u32;
        let (mut prev_t, mut prev_ref) = (0i64, 0u64);
        for i in 0..nchunks {
            let at = d.offset();
            let dt = d.varint()?;
            let span = d.uvarint()?;
            let dref = d.uvarint()?;
            let (min_t, offset) = if i == 0 {
                (dt, dref)
            } else {
                (prev_t.wrapping_add(dt), prev_ref.wrapping_add(dref))
            };
            let max_t = min_t.wrapping_add(span as i64);
            if max_t < min_t || (i > 0 && (min_t <= prev_t || offset <= prev_ref)) {
                return Err(d.corrupt(at, "chunk times or references out of order"));
            }
            refs.push(ChunkRef { min_t, max_t, offset, at });
            prev_t = max_t;
            prev_ref = offset;
        }
        series.push(BlockSeries { labels, chunks: first..refs.len() as u32 });
    }
    if !d.is_empty() {
        return Err(d.corrupt(d.offset(), "trailing bytes in series section"));
    }
    Ok((series, refs))
}

fn check_chunks(
    path: &Path,
    data: &[u8],
    refs: &[ChunkRef],
    meta: &BlockMeta,
) -> Result<Vec<ChunkMeta>, TsdbError> {
    let whole = Decoder::new(path, data, 0);
    if !data.starts_with(CHUNKS_MAGIC) {
        return Err(whole.corrupt(0, "not a klaxon chunks file (bad magic)"));
    }
    let mut out = Vec::with_capacity(refs.len());
    for r in refs {
        let start = usize::try_from(r.offset)
            .ok()
            .filter(|&o| o >= CHUNKS_MAGIC.len() && o < data.len())
            .ok_or_else(|| {
                whole.corrupt(
                    r.offset,
                    format!("chunk reference out of range (index offset {})", r.at),
                )
            })?;
        let mut d = Decoder::new(path, &data[start..], r.offset);
        let len = d.uvarint()? as usize;
        let enc = d.u8()?;
        let body_at = d.offset() as usize;
        let body = d.bytes(len)?;
        let stored = d.u32()?;
        if stored != crc32c_update(crc32c(&[enc]), body) {
            return Err(whole.corrupt(r.offset, "chunk checksum mismatch"));
        }
        if enc != ENC_XOR {
            return Err(whole.corrupt(r.offset, format!("unknown chunk encoding {enc}")));
        }
        if chunk_len(body).unwrap_or(0) == 0 {
            return Err(whole.corrupt(r.offset, "empty chunk"));
        }
        if r.min_t < meta.min_time || r.max_t >= meta.max_time {
            return Err(whole.corrupt(r.offset, "chunk outside the block's time range"));
        }
        let mut it = XorIter::new(body);
        let first = it.next();
        if first.map(|s| s.0) != Some(r.min_t) {
            return Err(whole.corrupt(r.offset, "chunk's first time disagrees with the index"));
        }
        out.push(ChunkMeta { min_t: r.min_t, max_t: r.max_t, start: body_at, len });
    }
    Ok(out)
}
