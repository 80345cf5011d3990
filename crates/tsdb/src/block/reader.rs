//! Opening a block: the index read whole and checked, the postings rebuilt in memory; the
//! chunks file checked in one streaming pass and then left on disk.
//!
//! Chunk data is most of a block and a query needs little of it, so it is not kept in memory:
//! queries read the chunks they need with positioned reads (`pread`; `unsafe` mmap is not an
//! option) into a small buffer per query ([`ReadBuf`]), verifying each chunk's CRC again on
//! its first read. Series are stored in label order and queries walk them in that order, so one read
//! of [`READ_AHEAD`] bytes usually serves the chunks of many series. What stays in memory
//! is what lookups need: series labels, chunk metadata and postings.

use std::fs::{self, File};
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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

/// How much of the chunks file one read fetches at least when queries read chunks.
pub(crate) const READ_AHEAD: usize = 64 * 1024;
/// The same for the verification pass at open, which reads the whole file in order.
const VERIFY_READ: usize = 1 << 20;
/// A chunk record around its data: the encoding byte before, the CRC after.
const RECORD_OVERHEAD: u64 = 1 + 4;

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
    /// The chunks file, open for positioned reads (it stays readable if the block directory
    /// is deleted while queries still hold the block).
    file: File,
    /// Its length at open (blocks are immutable).
    file_len: u64,
    /// Set once a read failed, so a damaged file is logged once, not at every query.
    read_failed: AtomicBool,
    /// One bit per chunk: its CRC was verified when read by a query. Re-verifying every
    /// chunk at every read cost 10–30% of the latency of queries over hours of many series
    /// (CRC32-C in software over everything they read), so a chunk is checked again on its
    /// first read after open, and trusted after.
    verified: Box<[AtomicU64]>,
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
    /// Where the chunk's encoding byte is in the chunks file; the data follows, then its CRC.
    pub at: u64,
    /// Length of the chunk's data.
    pub len: u32,
}

impl ChunkMeta {
    /// The record's bytes after its length: encoding byte, data, CRC.
    fn record(&self) -> Range<u64> {
        self.at..self.at + u64::from(self.len) + RECORD_OVERHEAD
    }
}

/// A window of a chunks file, reused for the series of one query so that neighbouring
/// series' chunks come from one read.
#[derive(Debug, Default)]
pub(crate) struct ReadBuf {
    /// File offset of `data[0]`.
    start: u64,
    /// How many bytes of `data` hold the file's; the rest is room (kept initialised, so
    /// refilling does not clear it again).
    valid: usize,
    data: Vec<u8>,
}

impl ReadBuf {
    /// The bytes `range` of `file`, from the window when it holds them, else after reading
    /// at least `ahead` bytes from `range.start` (not past `file_len`).
    fn get(
        &mut self,
        file: &File,
        file_len: u64,
        range: Range<u64>,
        ahead: usize,
    ) -> std::io::Result<&[u8]> {
        let end_in = self.start + self.valid as u64;
        if range.start < self.start || range.end > end_in {
            let need = range.end - range.start;
            let len = (ahead as u64).min(file_len.saturating_sub(range.start)).max(need);
            let len = usize::try_from(len).map_err(|_| std::io::ErrorKind::InvalidInput)?;
            if self.data.len() < len {
                self.data.resize(len, 0);
            }
            self.valid = 0;
            self.start = range.start;
            file.read_exact_at(&mut self.data[..len], range.start)?;
            self.valid = len;
        }
        let from = (range.start - self.start) as usize;
        let to = (range.end - self.start) as usize;
        Ok(&self.data[from..to])
    }
}

impl Block {
    /// Opens the block in `dir`, verifying it entirely (every checksum, every chunk
    /// reference) while reading the chunks file through a bounded buffer.
    pub fn open(dir: &Path) -> Result<Block, TsdbError> {
        Block::open_sharing(dir, &|_| None)
    }

    /// [`Block::open`], taking each series' label set from `known` when it has an equal one:
    /// a block cut from the head holds the head's series, and sharing their label sets (a
    /// reference count each) instead of decoding copies saves about 200 bytes per series
    /// and block.
    pub(crate) fn open_sharing(
        dir: &Path,
        known: &dyn Fn(&Labels) -> Option<Labels>,
    ) -> Result<Block, TsdbError> {
        let meta = read_meta(&dir.join(META_FILE))?;
        let index_path = dir.join(INDEX_FILE);
        let index = fs::read(&index_path).map_err(|e| TsdbError::io(&index_path, e))?;
        let (series, chunk_refs) = read_index(&index_path, &index, known)?;
        drop(index);
        let chunks_path = dir.join(CHUNKS_FILE);
        let file = File::open(&chunks_path).map_err(|e| TsdbError::io(&chunks_path, e))?;
        let file_len = file.metadata().map_err(|e| TsdbError::io(&chunks_path, e))?.len();
        let chunks = check_chunks(&chunks_path, &file, file_len, &chunk_refs, &meta)?;
        drop(chunk_refs);
        let verified = (0..chunks.len().div_ceil(64)).map(|_| AtomicU64::new(0)).collect();
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
                file,
                file_len,
                read_failed: AtomicBool::new(false),
                verified,
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
    /// Appends series `id`'s samples in `[mint, maxt]` to `out`, reading its chunks through
    /// `buf`. A chunk that cannot be read or fails its checksum (checked on its first read) is
    /// left out and logged once per block: the block was whole when opened, so the file
    /// changed under us.
    pub fn floats_into(
        &self,
        id: u32,
        mint: i64,
        maxt: i64,
        out: &mut Vec<FPoint>,
        buf: &mut ReadBuf,
    ) {
        let Some(s) = self.series.get(id as usize) else { return };
        let Some(chunks) = self.chunks.get(s.chunks.start as usize..s.chunks.end as usize) else {
            return;
        };
        let first = chunks.partition_point(|c| c.max_t < mint);
        let last = first + chunks[first..].partition_point(|c| c.min_t <= maxt);
        let Some(needed) = chunks.get(first..last).filter(|c| !c.is_empty()) else { return };
        // One read for all of the series' chunks in range (they are stored together).
        let span = needed[0].record().start..needed[needed.len() - 1].record().end;
        let window_start = span.start;
        let bytes = match buf.get(&self.file, self.file_len, span, READ_AHEAD) {
            Ok(b) => b,
            Err(e) => return self.read_error(&format!("offset {window_start}: {e}")),
        };
        let first_idx = s.chunks.start as usize + first;
        for (k, c) in needed.iter().enumerate() {
            let r = c.record();
            let Some(rec) =
                bytes.get((r.start - window_start) as usize..(r.end - window_start) as usize)
            else {
                return self.read_error(&format!("chunk at {} outside its series' span", c.at));
            };
            let (head, crc) = rec.split_at(rec.len() - 4);
            if !self.is_verified(first_idx + k) {
                let stored = u32::from_be_bytes([crc[0], crc[1], crc[2], crc[3]]);
                if stored != crc32c(head) || head[0] != ENC_XOR {
                    self.read_error(&format!("chunk at offset {} fails its checksum", c.at));
                    continue;
                }
                self.set_verified(first_idx + k);
            }
            let data = &head[1..];
            if c.min_t >= mint && c.max_t <= maxt {
                out.extend(XorIter::new(data).map(|(t, f)| FPoint { t, f }));
                continue;
            }
            for (t, f) in XorIter::new(data) {
                if t > maxt {
                    break;
                }
                if t >= mint {
                    out.push(FPoint { t, f });
                }
            }
        }
    }

    fn is_verified(&self, chunk: usize) -> bool {
        self.verified
            .get(chunk / 64)
            .is_some_and(|w| w.load(Ordering::Relaxed) & (1 << (chunk % 64)) != 0)
    }

    fn set_verified(&self, chunk: usize) {
        if let Some(w) = self.verified.get(chunk / 64) {
            w.fetch_or(1 << (chunk % 64), Ordering::Relaxed);
        }
    }

    fn read_error(&self, what: &str) {
        if !self.read_failed.swap(true, Ordering::Relaxed) {
            tracing::error!(
                block = %self.dir.display(),
                "reading {}: {what}; its samples are left out of query results",
                CHUNKS_FILE
            );
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

fn read_index(
    path: &Path,
    data: &[u8],
    known: &dyn Fn(&Labels) -> Option<Labels>,
) -> Result<(Vec<BlockSeries>, Vec<ChunkRef>), TsdbError> {
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
        let labels = known(&labels).unwrap_or(labels);
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

/// Checks every chunk the index refers to, reading the file in order through one buffer:
/// reference in range, checksum, encoding, and the first time agreeing with the index.
fn check_chunks(
    path: &Path,
    file: &File,
    file_len: u64,
    refs: &[ChunkRef],
    meta: &BlockMeta,
) -> Result<Vec<ChunkMeta>, TsdbError> {
    let mut buf = ReadBuf::default();
    let io = |e| TsdbError::io(path, e);
    let whole = Decoder::new(path, &[], 0);
    let magic_len = CHUNKS_MAGIC.len() as u64;
    if file_len < magic_len
        || buf.get(file, file_len, 0..magic_len, magic_len as usize).map_err(io)? != CHUNKS_MAGIC
    {
        return Err(whole.corrupt(0, "not a klaxon chunks file (bad magic)"));
    }
    let mut out = Vec::with_capacity(refs.len());
    for r in refs {
        if r.offset < magic_len || r.offset >= file_len {
            return Err(whole.corrupt(
                r.offset,
                format!("chunk reference out of range (index offset {})", r.at),
            ));
        }
        // The length varint (at most 10 bytes), then the record it announces.
        let head_end = (r.offset + 10).min(file_len);
        let head = buf.get(file, file_len, r.offset..head_end, VERIFY_READ).map_err(io)?;
        let mut d = Decoder::new(path, head, r.offset);
        let len = d.uvarint()?;
        let at = d.offset();
        let end = u32::try_from(len)
            .ok()
            .and_then(|_| at.checked_add(len + RECORD_OVERHEAD))
            .filter(|&e| e <= file_len)
            .ok_or_else(|| whole.corrupt(at, format!("unexpected end reading {len} bytes")))?;
        let rec = buf.get(file, file_len, at..end, VERIFY_READ).map_err(io)?;
        let (head, crc) = rec.split_at(rec.len() - 4);
        let stored = u32::from_be_bytes([crc[0], crc[1], crc[2], crc[3]]);
        let (enc, body) = (head[0], &head[1..]);
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
        out.push(ChunkMeta { min_t: r.min_t, max_t: r.max_t, at, len: len as u32 });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use model::labels::Labels;
    use model::storage::{FPoint, Querier, SelectHints};

    use super::super::{BlockQuerier, write_block};
    use super::*;

    /// Many series with several chunks each: more chunk data than one read-ahead window.
    fn many(dir: &Path) -> (Block, Vec<Vec<FPoint>>) {
        let series: Vec<(Labels, Vec<FPoint>)> = (0..400)
            .map(|i| {
                let pts = (0..500)
                    .map(|k| FPoint { t: k * 15_000 + i, f: (k * i) as f64 * 0.37 })
                    .collect();
                (Labels::from_pairs([("__name__", "m"), ("i", &format!("{i:04}"))]), pts)
            })
            .collect();
        let want = series.iter().map(|(_, p)| p.clone()).collect();
        let (path, _) = write_block(dir, series).unwrap();
        (Block::open(&path).unwrap(), want)
    }

    fn read(b: &Block, mint: i64, maxt: i64) -> Vec<Vec<FPoint>> {
        let q = BlockQuerier::new(b, i64::MIN, i64::MAX);
        q.select(&SelectHints::default(), &[])
            .unwrap()
            .iter()
            .map(|s| {
                let mut out = Vec::new();
                s.floats_into(mint, maxt, &mut out);
                out
            })
            .collect()
    }

    #[test]
    fn chunks_are_read_from_the_file_in_any_range() {
        let dir = tempfile::tempdir().unwrap();
        let (block, want) = many(dir.path());
        assert!(
            std::fs::metadata(block.dir().join(CHUNKS_FILE)).unwrap().len() > 4 * READ_AHEAD as u64
        );
        assert_eq!(read(&block, i64::MIN, i64::MAX), want);
        // Windows inside chunks, across chunk edges, at the end only.
        for (mint, maxt) in [(1_000_000, 1_800_000), (0, 15_000), (7_000_000, i64::MAX)] {
            let got = read(&block, mint, maxt);
            let expect: Vec<Vec<FPoint>> = want
                .iter()
                .map(|p| p.iter().filter(|p| p.t >= mint && p.t <= maxt).copied().collect())
                .collect();
            assert_eq!(got, expect, "[{mint}, {maxt}]");
        }
        // Out of order: the window is refilled as needed.
        let q = BlockQuerier::new(&block, i64::MIN, i64::MAX);
        let sel = q.select(&SelectHints::default(), &[]).unwrap();
        for i in [399, 0, 200, 1] {
            let mut out = Vec::new();
            sel[i].floats_into(i64::MIN, i64::MAX, &mut out);
            assert_eq!(out, want[i]);
        }
    }

    #[test]
    fn a_chunk_damaged_after_open_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let (block, want) = many(dir.path());
        let first = block.inner.chunks[0];
        let path = block.dir().join(CHUNKS_FILE);
        let mut data = std::fs::read(&path).unwrap();
        data[first.at as usize + 3] ^= 0x40;
        std::fs::write(&path, &data).unwrap();
        let got = read(&block, i64::MIN, i64::MAX);
        // Series 0 lost its first chunk, nothing else.
        assert!(!got[0].is_empty() && got[0].len() < want[0].len());
        assert_eq!(got[0][..], want[0][want[0].len() - got[0].len()..]);
        assert_eq!(got[1..], want[1..]);
    }

    #[test]
    fn a_deleted_block_stays_readable_while_held() {
        let dir = tempfile::tempdir().unwrap();
        let (block, want) = many(dir.path());
        std::fs::remove_dir_all(block.dir()).unwrap();
        assert_eq!(read(&block, i64::MIN, i64::MAX), want);
    }
}

#[cfg(test)]
mod timing {
    use std::time::Instant;

    use model::labels::Labels;
    use model::storage::{FPoint, Querier, SelectHints};

    use super::super::{BlockQuerier, write_block};
    use super::*;

    /// `cargo test --release -p klaxon-tsdb --lib block::reader::timing -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn read_timing() {
        let dir = tempfile::tempdir().unwrap();
        let series: Vec<(Labels, Vec<FPoint>)> = (0..10_000)
            .map(|i| {
                let pts = (0..480)
                    .map(|k| FPoint { t: k * 15_000 + i % 1000, f: ((k * 7 + i) % 1000) as f64 })
                    .collect();
                (Labels::from_pairs([("__name__", "m"), ("i", &format!("{i:05}"))]), pts)
            })
            .collect();
        let (path, _) = write_block(dir.path(), series).unwrap();
        let block = Block::open(&path).unwrap();
        let end = 479 * 15_000;
        for (name, mint, maxt) in [("last 5m", end - 300_000, end), ("all", 0, end + 1000)] {
            let mut best = f64::MAX;
            let mut n = 0;
            for _ in 0..20 {
                let t = Instant::now();
                let q = BlockQuerier::new(&block, mint, maxt);
                let sel = q.select(&SelectHints::default(), &[]).unwrap();
                let mut out = Vec::new();
                n = 0;
                for s in &sel {
                    out.clear();
                    s.floats_into(mint, maxt, &mut out);
                    n += out.len();
                }
                best = best.min(t.elapsed().as_secs_f64());
            }
            println!("{name}: {:.2} ms for {n} samples", best * 1000.0);
            // As before: the whole file in memory, no checksum on read.
            let data = std::fs::read(block.dir().join(CHUNKS_FILE)).unwrap();
            let b = &block.inner;
            let mut best = f64::MAX;
            for _ in 0..20 {
                let t = Instant::now();
                let q = BlockQuerier::new(&block, mint, maxt);
                let sel = q.select(&SelectHints::default(), &[]).unwrap();
                let mut out = Vec::new();
                for (id, _) in sel.iter().enumerate() {
                    out.clear();
                    let s = &b.series[id];
                    let chunks = &b.chunks[s.chunks.start as usize..s.chunks.end as usize];
                    let first = chunks.partition_point(|c| c.max_t < mint);
                    for c in &chunks[first..] {
                        if c.min_t > maxt {
                            break;
                        }
                        let bytes = &data[c.at as usize + 1..c.at as usize + 1 + c.len as usize];
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
                best = best.min(t.elapsed().as_secs_f64());
            }
            println!("{name} in memory: {:.2} ms", best * 1000.0);
        }
    }
}
