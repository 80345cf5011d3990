//! Writing a block one series at a time, so that memory stays proportional to the number of
//! distinct label strings, not to the samples (a head cut of 100k series holds tens of
//! millions of samples).
//!
//! Chunks go to the chunks file as they are added. The index needs the sorted symbol table
//! before the series that refer to it, and the symbols are only known at the end, so each
//! series' index entry is spilled to a scratch file in the block's temporary directory with
//! provisional symbol numbers (in order of first use), and [`BlockWriter::finish`] rewrites
//! the entries into the index with the final numbers. The files are the same as
//! [`write_block`](super::write_block) always wrote: see the [module docs](super).

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use model::labels::Labels;
use model::storage::FPoint;

use super::format::{put_section, put_uvarint, put_varint};
use super::writer::{BlockSpec, new_block_id, now_ms, sync_dir, write_synced};
use super::{
    BLOCK_VERSION, BlockMeta, BlockStats, CHUNKS_FILE, CHUNKS_MAGIC, INDEX_END_MAGIC, INDEX_FILE,
    INDEX_MAGIC, META_FILE,
};
use crate::chunkenc::{ENC_XOR, SAMPLES_PER_CHUNK, XorEncoder, XorIter, chunk_len};
use crate::crc::{crc32c, crc32c_update};
use crate::error::TsdbError;

/// The scratch file of index entries, deleted before the block is renamed into place.
const ENTRIES_FILE: &str = "series.spill";
const BUF_SIZE: usize = 1 << 20;

/// An encoded XOR chunk to store as is: its data (header included, as
/// [`XorEncoder::bytes`] gives it) and the times of its first and last samples.
#[derive(Debug, Clone, Copy)]
pub struct RawChunk<'a> {
    pub data: &'a [u8],
    pub min_t: i64,
    pub max_t: i64,
}

/// Writes one block incrementally: [`create`](Self::create), then series in strictly
/// increasing label order with [`add_series`](Self::add_series) (encoded chunks, copied
/// verbatim) or [`add_points`](Self::add_points) (samples, encoded here), then
/// [`finish`](Self::finish). Dropped without `finish` (or after an error), it deletes its
/// temporary directory: nothing appears under the block's name unless complete.
#[derive(Debug)]
pub struct BlockWriter {
    parent: PathBuf,
    id: String,
    tmp: PathBuf,
    spec: BlockSpec,
    chunks: BufWriter<File>,
    /// Offset in the chunks file of the next record.
    offset: u64,
    entries: BufWriter<File>,
    /// Label strings by provisional number (order of first use).
    symbols: HashMap<Box<str>, u32>,
    last: Option<Labels>,
    stats: BlockStats,
    /// First and last sample time over all chunks written.
    min_t: i64,
    max_t: i64,
    /// The current series' chunk metas, index-encoded, and their count.
    metas: Vec<u8>,
    nchunks: u64,
    prev: Option<(i64, u64)>,
    /// Scratch for record headers and entries.
    scratch: Vec<u8>,
    /// Set by an error in the middle of a series: the files are then inconsistent.
    failed: bool,
    done: bool,
}

impl BlockWriter {
    /// Starts a block under `parent` in `<id>.tmp/`. `spec`'s range, when given, bounds the
    /// samples: a chunk outside it is an error.
    pub fn create(parent: &Path, spec: BlockSpec) -> Result<BlockWriter, TsdbError> {
        fs::create_dir_all(parent).map_err(|e| TsdbError::io(parent, e))?;
        let id = new_block_id(now_ms());
        let tmp = parent.join(format!("{id}.tmp"));
        fs::create_dir_all(&tmp).map_err(|e| TsdbError::io(&tmp, e))?;
        let open = |name: &str| {
            let path = tmp.join(name);
            // Read too: the spilled entries are read back by `finish`.
            fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|e| TsdbError::io(&path, e))
        };
        let files = open(CHUNKS_FILE).and_then(|c| Ok((c, open(ENTRIES_FILE)?)));
        let (chunks, entries) = match files {
            Ok(f) => f,
            Err(e) => {
                let _ = fs::remove_dir_all(&tmp);
                return Err(e);
            }
        };
        let mut w = BlockWriter {
            parent: parent.to_path_buf(),
            id,
            tmp,
            spec,
            chunks: BufWriter::with_capacity(BUF_SIZE, chunks),
            offset: 0,
            entries: BufWriter::with_capacity(BUF_SIZE / 4, entries),
            symbols: HashMap::new(),
            last: None,
            stats: BlockStats::default(),
            min_t: i64::MAX,
            max_t: i64::MIN,
            metas: Vec::new(),
            nchunks: 0,
            prev: None,
            scratch: Vec::with_capacity(64),
            failed: false,
            done: false,
        };
        let path = w.tmp.join(CHUNKS_FILE);
        w.chunks.write_all(CHUNKS_MAGIC).map_err(|e| TsdbError::io(&path, e))?;
        w.offset = CHUNKS_MAGIC.len() as u64;
        Ok(w)
    }

    /// Series written so far (those with at least one chunk).
    pub fn num_series(&self) -> u64 {
        self.stats.num_series
    }

    /// Adds a series from encoded chunks, in time order and not overlapping. A series with
    /// no chunks is skipped. Labels must sort after the previous series' and have no empty
    /// value.
    pub fn add_series<'a>(
        &mut self,
        labels: &Labels,
        chunks: impl IntoIterator<Item = RawChunk<'a>>,
    ) -> Result<(), TsdbError> {
        self.guarded(|w| {
            w.begin(labels)?;
            for c in chunks {
                w.chunk(c)?;
            }
            w.end(labels)
        })
    }

    /// Adds a series from its samples (times strictly increasing), encoded in chunks of
    /// [`SAMPLES_PER_CHUNK`].
    pub fn add_points(&mut self, labels: &Labels, points: &[FPoint]) -> Result<(), TsdbError> {
        if !points.windows(2).all(|w| w[0].t < w[1].t) {
            return Err(TsdbError::Invalid(format!(
                "samples of series {labels} not strictly increasing in time"
            )));
        }
        self.guarded(|w| {
            w.begin(labels)?;
            for part in points.chunks(SAMPLES_PER_CHUNK) {
                let mut enc = XorEncoder::new();
                for p in part {
                    enc.append(p.t, p.f);
                }
                let (min_t, max_t) = (part[0].t, part[part.len() - 1].t);
                w.chunk(RawChunk { data: enc.bytes(), min_t, max_t })?;
            }
            w.end(labels)
        })
    }

    /// Runs one series' writes; an error leaves the writer unusable.
    fn guarded(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(), TsdbError>,
    ) -> Result<(), TsdbError> {
        if self.failed {
            return Err(TsdbError::Invalid("block writer failed earlier".into()));
        }
        let r = f(self);
        if r.is_err() {
            self.failed = true;
        }
        r
    }

    fn begin(&mut self, labels: &Labels) -> Result<(), TsdbError> {
        if labels.is_empty() {
            return Err(TsdbError::Invalid("series with an empty label set".into()));
        }
        if labels.iter().any(|l| l.value.is_empty()) {
            return Err(TsdbError::Invalid(format!("series {labels} has an empty label value")));
        }
        if self.last.as_ref().is_some_and(|last| last >= labels) {
            return Err(TsdbError::Invalid(format!(
                "series {labels} added out of label order (or twice)"
            )));
        }
        self.metas.clear();
        self.nchunks = 0;
        self.prev = None;
        Ok(())
    }

    fn chunk(&mut self, c: RawChunk<'_>) -> Result<(), TsdbError> {
        let bad =
            |what: &str| TsdbError::Invalid(format!("chunk [{}, {}]: {what}", c.min_t, c.max_t));
        let n = chunk_len(c.data).unwrap_or(0);
        if n == 0 {
            return Err(bad("empty chunk"));
        }
        if XorIter::new(c.data).next().map(|s| s.0) != Some(c.min_t) || c.max_t < c.min_t {
            return Err(bad("times disagree with the chunk's first sample"));
        }
        if self.prev.is_some_and(|(prev_t, _)| c.min_t <= prev_t) {
            return Err(bad("overlaps the series' previous chunk"));
        }
        let (lo, hi) = (self.spec.min_time, self.spec.max_time);
        if lo.is_some_and(|lo| c.min_t < lo) || hi.is_some_and(|hi| c.max_t >= hi) {
            return Err(bad(&format!("outside the block range [{lo:?}, {hi:?})")));
        }
        let path = self.tmp.join(CHUNKS_FILE);
        let io = |e| TsdbError::io(&path, e);
        self.scratch.clear();
        put_uvarint(&mut self.scratch, c.data.len() as u64);
        self.scratch.push(ENC_XOR);
        let crc = crc32c_update(crc32c(&[ENC_XOR]), c.data);
        self.chunks.write_all(&self.scratch).map_err(io)?;
        self.chunks.write_all(c.data).map_err(io)?;
        self.chunks.write_all(&crc.to_be_bytes()).map_err(io)?;
        let at = self.offset;
        self.offset += (self.scratch.len() + c.data.len() + 4) as u64;

        match self.prev {
            None => {
                put_varint(&mut self.metas, c.min_t);
                put_uvarint(&mut self.metas, c.max_t.wrapping_sub(c.min_t) as u64);
                put_uvarint(&mut self.metas, at);
            }
            Some((prev_t, prev_ref)) => {
                put_varint(&mut self.metas, c.min_t.wrapping_sub(prev_t));
                put_uvarint(&mut self.metas, c.max_t.wrapping_sub(c.min_t) as u64);
                put_uvarint(&mut self.metas, at - prev_ref);
            }
        }
        self.prev = Some((c.max_t, at));
        self.nchunks += 1;
        self.stats.num_chunks += 1;
        self.stats.num_samples += n as u64;
        self.min_t = self.min_t.min(c.min_t);
        self.max_t = self.max_t.max(c.max_t);
        Ok(())
    }

    fn end(&mut self, labels: &Labels) -> Result<(), TsdbError> {
        self.last = Some(labels.clone());
        if self.nchunks == 0 {
            return Ok(());
        }
        self.scratch.clear();
        put_uvarint(&mut self.scratch, labels.len() as u64);
        for l in labels.iter() {
            for s in [l.name, l.value] {
                let next = self.symbols.len() as u32;
                let n = *self.symbols.entry(Box::from(s)).or_insert(next);
                put_uvarint(&mut self.scratch, u64::from(n));
            }
        }
        put_uvarint(&mut self.scratch, self.nchunks);
        let path = self.tmp.join(ENTRIES_FILE);
        let io = |e| TsdbError::io(&path, e);
        self.entries.write_all(&self.scratch).map_err(io)?;
        self.entries.write_all(&self.metas).map_err(io)?;
        self.stats.num_series += 1;
        Ok(())
    }

    /// Writes the index and `meta.json`, syncs everything and renames the directory into
    /// place. A block without series is an error (nothing is left behind).
    pub fn finish(mut self) -> Result<(PathBuf, BlockMeta), TsdbError> {
        if self.failed {
            return Err(TsdbError::Invalid("block writer failed earlier".into()));
        }
        if self.stats.num_series == 0 {
            return Err(TsdbError::Invalid("no samples to write".into()));
        }
        let (lo, hi) = (
            self.spec.min_time.unwrap_or(self.min_t),
            self.spec.max_time.unwrap_or(self.max_t.saturating_add(1)),
        );
        if lo > self.min_t || hi <= self.max_t {
            return Err(TsdbError::Invalid(format!(
                "samples span [{}, {}], outside the block range [{lo}, {hi})",
                self.min_t, self.max_t
            )));
        }
        let chunks_path = self.tmp.join(CHUNKS_FILE);
        self.chunks
            .flush()
            .and_then(|()| self.chunks.get_ref().sync_all())
            .map_err(|e| TsdbError::io(&chunks_path, e))?;

        self.write_index()?;

        let compaction = self.spec.compaction.clone().map(|mut c| {
            if c.sources.is_empty() {
                c.sources.push(self.id.clone());
            }
            c
        });
        let meta = BlockMeta {
            ulid: self.id.clone(),
            min_time: lo,
            max_time: hi,
            stats: self.stats.clone(),
            version: BLOCK_VERSION,
            compaction,
        };
        let json = serde_json::to_vec_pretty(&meta)
            .map_err(|e| TsdbError::Invalid(format!("encoding meta.json: {e}")))?;
        write_synced(&self.tmp.join(META_FILE), &json)?;
        sync_dir(&self.tmp)?;
        let dir = self.parent.join(&self.id);
        fs::rename(&self.tmp, &dir).map_err(|e| TsdbError::io(&dir, e))?;
        // From here the directory is the block's; Drop must not delete it.
        self.done = true;
        sync_dir(&self.parent)?;
        Ok((dir, meta))
    }

    /// Writes the index from the symbols and the spilled entries, then deletes the spill.
    fn write_index(&mut self) -> Result<(), TsdbError> {
        let spill_path = self.tmp.join(ENTRIES_FILE);
        let spill_io = |e| TsdbError::io(&spill_path, e);
        self.entries.flush().map_err(spill_io)?;
        let mut spill: &File = self.entries.get_ref();
        spill.seek(SeekFrom::Start(0)).map_err(spill_io)?;
        let mut spill = BufReader::with_capacity(BUF_SIZE / 4, spill);

        // Final symbol numbers: position in sorted order.
        let symbols = std::mem::take(&mut self.symbols);
        let mut sorted: Vec<(Box<str>, u32)> = symbols.into_iter().collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut remap = vec![0u32; sorted.len()];
        let mut payload = Vec::new();
        put_uvarint(&mut payload, sorted.len() as u64);
        for (i, (s, provisional)) in sorted.iter().enumerate() {
            remap[*provisional as usize] = i as u32;
            put_uvarint(&mut payload, s.len() as u64);
            payload.extend_from_slice(s.as_bytes());
        }
        drop(sorted);

        let path = self.tmp.join(INDEX_FILE);
        let io = |e| TsdbError::io(&path, e);
        let file = File::create(&path).map_err(io)?;
        let mut out = SectionWriter::new(BufWriter::with_capacity(BUF_SIZE, file));
        let mut head = Vec::with_capacity(INDEX_MAGIC.len() + payload.len() + 12);
        head.extend_from_slice(INDEX_MAGIC);
        let symbols_off = head.len() as u64;
        put_section(&mut head, &payload);
        drop(payload);
        out.raw(&head).map_err(io)?;
        let series_off = out.pos;

        // The series section: its length is patched in once known.
        out.raw(&0u64.to_be_bytes()).map_err(io)?;
        out.begin_section();
        let mut buf = Vec::with_capacity(64);
        put_uvarint(&mut buf, self.stats.num_series);
        out.section(&buf).map_err(io)?;
        let corrupt = |what: &str| TsdbError::Invalid(format!("block writer spill: {what}"));
        for _ in 0..self.stats.num_series {
            buf.clear();
            let nlabels = read_uvarint(&mut spill).map_err(spill_io)?;
            put_uvarint(&mut buf, nlabels);
            for _ in 0..nlabels * 2 {
                let p = read_uvarint(&mut spill).map_err(spill_io)?;
                let n = usize::try_from(p)
                    .ok()
                    .and_then(|p| remap.get(p))
                    .ok_or_else(|| corrupt("symbol out of range"))?;
                put_uvarint(&mut buf, u64::from(*n));
            }
            let nchunks = read_uvarint(&mut spill).map_err(spill_io)?;
            put_uvarint(&mut buf, nchunks);
            for _ in 0..nchunks * 3 {
                // The varints are copied unchanged; zig-zag or not makes no difference here.
                let v = read_uvarint(&mut spill).map_err(spill_io)?;
                put_uvarint(&mut buf, v);
            }
            out.section(&buf).map_err(io)?;
        }
        let (len, crc) = out.end_section();
        out.raw(&crc.to_be_bytes()).map_err(io)?;

        let mut footer = Vec::with_capacity(16);
        footer.extend_from_slice(&symbols_off.to_be_bytes());
        footer.extend_from_slice(&series_off.to_be_bytes());
        out.raw(&footer).map_err(io)?;
        out.raw(&crc32c(&footer).to_be_bytes()).map_err(io)?;
        out.raw(INDEX_END_MAGIC).map_err(io)?;
        let file = out.w.into_inner().map_err(|e| TsdbError::io(&path, e.into_error()))?;
        file.write_all_at(&len.to_be_bytes(), series_off).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(spill);
        fs::remove_file(&spill_path).map_err(spill_io)?;
        Ok(())
    }
}

impl Drop for BlockWriter {
    fn drop(&mut self) {
        if !self.done {
            // Best effort: a leftover `.tmp` is also removed when the database opens.
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Counts bytes written and checksums the current section.
struct SectionWriter {
    w: BufWriter<File>,
    pos: u64,
    crc: u32,
    section_len: u64,
}

impl SectionWriter {
    fn new(w: BufWriter<File>) -> Self {
        SectionWriter { w, pos: 0, crc: 0, section_len: 0 }
    }

    fn raw(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.w.write_all(b)?;
        self.pos += b.len() as u64;
        Ok(())
    }

    fn begin_section(&mut self) {
        self.crc = 0;
        self.section_len = 0;
    }

    fn section(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.raw(b)?;
        self.crc = crc32c_update(self.crc, b);
        self.section_len += b.len() as u64;
        Ok(())
    }

    /// The section's payload length and checksum.
    fn end_section(&self) -> (u64, u32) {
        (self.section_len, self.crc)
    }
}

fn read_uvarint(r: &mut impl Read) -> std::io::Result<u64> {
    let mut x = 0u64;
    let mut b = [0u8; 1];
    for shift in (0..64).step_by(7) {
        r.read_exact(&mut b)?;
        x |= u64::from(b[0] & 0x7f) << shift;
        if b[0] < 0x80 {
            return Ok(x);
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "varint overflows 64 bits"))
}
