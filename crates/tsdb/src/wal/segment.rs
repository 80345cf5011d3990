//! The segment layout, Prometheus' `wlog` format: a segment is a sequence of 32 KiB pages;
//! a record is cut into fragments that never cross a page, each behind a 7-byte header
//! (type, big-endian u16 length, big-endian CRC32-Castagnoli of the fragment's data). When
//! fewer than a header's bytes are left in a page, the rest of the page is zeros. The type
//! says whether the fragment is a whole record or its first, a middle or its last part, so a
//! reader finds record boundaries again after any page; a zero type byte ends the page.
//!
//! Parsing is pure (bytes in, records or the offset of the first bad byte out) so that it can
//! be fuzzed and the repair can truncate exactly after the last good record.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::crc::crc32c;

pub const PAGE_SIZE: usize = 32 * 1024;
pub const HEADER_SIZE: usize = 7;
pub const DEFAULT_SEGMENT_SIZE: u64 = 128 * 1024 * 1024;

const FULL: u8 = 1;
const FIRST: u8 = 2;
const MIDDLE: u8 = 3;
const LAST: u8 = 4;
/// Upstream's flags for snappy and zstd compressed records (Prometheus compresses with
/// snappy by default). klaxon writes uncompressed records and reads snappy ones, so it can
/// take over a Prometheus data directory; zstd records are skipped (see [`read_records`]).
const SNAPPY: u8 = 0x08;
const ZSTD: u8 = 0x10;
const TYPE_MASK: u8 = 0x07;

/// File name of segment `n`.
pub fn segment_name(n: u32) -> String {
    format!("{n:08}")
}

/// Segment numbers in `dir` (names of digits only), ascending. A missing directory has none.
pub fn list_segments(dir: &Path) -> std::io::Result<Vec<(u32, PathBuf)>> {
    let mut out = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Ok(n) = name.parse::<u32>() {
            out.push((n, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Appends the fragments of `rec` to `out`, the bytes to write at offset `*pos` of a segment;
/// advances `*pos`. Pads the current page when it cannot hold a header and a data byte.
pub fn encode_fragments(rec: &[u8], pos: &mut u64, out: &mut Vec<u8>) {
    let mut rest = rec;
    let mut first = true;
    loop {
        let in_page = (*pos % PAGE_SIZE as u64) as usize;
        let left = PAGE_SIZE - in_page;
        if left <= HEADER_SIZE {
            out.resize(out.len() + left, 0);
            *pos += left as u64;
            continue;
        }
        let n = rest.len().min(left - HEADER_SIZE);
        let (part, tail) = rest.split_at(n);
        let last = tail.is_empty();
        let typ = match (first, last) {
            (true, true) => FULL,
            (true, false) => FIRST,
            (false, false) => MIDDLE,
            (false, true) => LAST,
        };
        out.push(typ);
        out.extend_from_slice(&(n as u16).to_be_bytes());
        out.extend_from_slice(&crc32c(part).to_be_bytes());
        out.extend_from_slice(part);
        *pos += (HEADER_SIZE + n) as u64;
        rest = tail;
        first = false;
        if last {
            return;
        }
    }
}

/// Where and why a segment stops making sense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corruption {
    /// Byte offset of the first byte that is not part of a good record: truncating the
    /// segment here keeps every record before it.
    pub offset: u64,
    pub reason: String,
}

/// Calls `each(record_start, record)` for every record of the segment `data`, in order, and
/// returns the first corruption, if any (nothing after it is delivered). `each` may reject a
/// record (it does not decode): that is a corruption at the record's start. Snappy records
/// are decompressed; zstd ones (an upstream option klaxon has no decoder for) are skipped
/// with a warning rather than treated as damage, which would cut the log there.
pub fn read_records(
    data: &[u8],
    mut each: impl FnMut(u64, &[u8]) -> Result<(), String>,
) -> Result<(), Corruption> {
    let mut r = PageReader::default();
    for (i, page) in data.chunks(PAGE_SIZE).enumerate() {
        r.page(page, (i * PAGE_SIZE) as u64, &mut each)?;
    }
    r.finish()
}

/// [`read_records`] over a file read one page at a time, so that replaying or checkpointing
/// a 128 MiB segment holds a page and the record being assembled, not the whole segment.
/// The outer error is the file's (it could not be read), the inner one the content's.
pub fn read_file_records(
    path: &Path,
    mut each: impl FnMut(u64, &[u8]) -> Result<(), String>,
) -> std::io::Result<Result<(), Corruption>> {
    let mut file = fs::File::open(path)?;
    let mut page = vec![0u8; PAGE_SIZE];
    let mut r = PageReader::default();
    let mut base = 0u64;
    loop {
        let n = read_full(&mut file, &mut page)?;
        if n == 0 {
            break;
        }
        if let Err(c) = r.page(&page[..n], base, &mut each) {
            return Ok(Err(c));
        }
        base += n as u64;
        if n < PAGE_SIZE {
            break;
        }
    }
    Ok(r.finish())
}

/// Fills `buf` from `r` unless the end comes first; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The record reader's state between pages: the record being assembled from fragments, and
/// whether a zero type byte ended the data (then everything after it must be zeros too).
#[derive(Default)]
struct PageReader {
    rec: Vec<u8>,
    unpacked: Vec<u8>,
    /// Start of the record being assembled from fragments.
    rec_start: Option<u64>,
    /// Where a zero type byte ended the data.
    zeros_from: Option<u64>,
}

impl PageReader {
    /// Reads one page (whole, or the file's last and shorter one) starting at offset `base`.
    fn page(
        &mut self,
        page: &[u8],
        base: u64,
        each: &mut impl FnMut(u64, &[u8]) -> Result<(), String>,
    ) -> Result<(), Corruption> {
        let bad = |offset: u64, reason: String| Corruption { offset, reason };
        if let Some(z) = self.zeros_from {
            // After the zeros that ended the data, a later page must hold zeros only.
            return match page.iter().position(|&b| b != 0) {
                None => Ok(()),
                Some(i) => Err(bad(
                    self.rec_start.unwrap_or(z),
                    format!("zeros from {z} to {}, then data", base + i as u64),
                )),
            };
        }
        let mut pos = 0usize;
        while pos < page.len() {
            let at = base + pos as u64;
            let left = PAGE_SIZE - pos;
            let avail = &page[pos..];
            // Fewer bytes than a header left: padding. (With exactly 7 left, upstream's writer
            // may put an empty fragment there.)
            if left < HEADER_SIZE {
                if let Some(i) = avail.iter().position(|&b| b != 0) {
                    let start = self.rec_start.unwrap_or(at);
                    return Err(bad(
                        start,
                        format!("non-zero byte in page padding at {}", at + i as u64),
                    ));
                }
                return Ok(());
            }
            if avail[0] == 0 {
                // Writers pad a page with room for a fragment only when they finish the
                // segment, so zeros here must run to the end; data after them means pages
                // were lost (a zeroed page after a power loss).
                let start = self.rec_start.unwrap_or(at);
                if let Some(i) = avail.iter().position(|&b| b != 0) {
                    return Err(bad(
                        start,
                        format!("non-zero byte in page padding at {}", at + i as u64),
                    ));
                }
                self.zeros_from = Some(at);
                return Ok(());
            }
            let start = self.rec_start.unwrap_or(at);
            if avail.len() < HEADER_SIZE {
                return Err(bad(start, format!("torn fragment header at {at}")));
            }
            let flags = avail[0] & !TYPE_MASK;
            let typ = avail[0] & TYPE_MASK;
            if flags & !(SNAPPY | ZSTD) != 0 {
                return Err(bad(start, format!("unknown fragment flags {flags:#x} at {at}")));
            }
            let len = usize::from(u16::from_be_bytes([avail[1], avail[2]]));
            let crc = u32::from_be_bytes([avail[3], avail[4], avail[5], avail[6]]);
            if HEADER_SIZE + len > left {
                return Err(bad(start, format!("fragment at {at} crosses its page")));
            }
            if HEADER_SIZE + len > avail.len() {
                return Err(bad(start, format!("torn fragment at {at}")));
            }
            let part = &avail[HEADER_SIZE..HEADER_SIZE + len];
            if crc32c(part) != crc {
                return Err(bad(start, format!("checksum mismatch in fragment at {at}")));
            }
            match (typ, self.rec_start) {
                (FULL, None) => deliver(flags, at, part, &mut self.unpacked, each)?,
                (FIRST, None) => {
                    self.rec.clear();
                    self.rec.extend_from_slice(part);
                    self.rec_start = Some(at);
                }
                (MIDDLE, Some(_)) => self.rec.extend_from_slice(part),
                (LAST, Some(s)) => {
                    self.rec.extend_from_slice(part);
                    deliver(flags, s, &self.rec, &mut self.unpacked, each)?;
                    self.rec_start = None;
                }
                (FULL | FIRST | MIDDLE | LAST, _) => {
                    return Err(bad(start, format!("fragment type {typ} out of sequence at {at}")));
                }
                _ => return Err(bad(start, format!("unknown fragment type {typ} at {at}"))),
            }
            pos += HEADER_SIZE + len;
        }
        Ok(())
    }

    /// The end of the segment: a record still being assembled was torn.
    fn finish(self) -> Result<(), Corruption> {
        match self.rec_start {
            Some(s) => Err(Corruption {
                offset: s,
                reason: "record torn at the end of the segment".into(),
            }),
            None => Ok(()),
        }
    }
}

/// Decompresses a record as its flags say and hands it to `each`.
fn deliver(
    flags: u8,
    start: u64,
    rec: &[u8],
    unpacked: &mut Vec<u8>,
    each: &mut impl FnMut(u64, &[u8]) -> Result<(), String>,
) -> Result<(), Corruption> {
    let bad = |reason: String| Corruption { offset: start, reason };
    let rec = if flags & SNAPPY != 0 {
        let n = snap::raw::decompress_len(rec)
            .map_err(|e| bad(format!("record at {start}: snappy: {e}")))?;
        // Snappy expands at most about 22 times; a larger claim is damage, not a reason to
        // allocate gigabytes.
        if n > rec.len().saturating_mul(24).saturating_add(64) {
            return Err(bad(format!("record at {start}: snappy length {n} implausible")));
        }
        unpacked.clear();
        unpacked.resize(n, 0);
        snap::raw::Decoder::new()
            .decompress(rec, unpacked)
            .map_err(|e| bad(format!("record at {start}: snappy: {e}")))?;
        &unpacked[..]
    } else if flags & ZSTD != 0 {
        tracing::warn!(offset = start, "skipping a zstd-compressed WAL record (not supported)");
        return Ok(());
    } else {
        rec
    };
    each(start, rec).map_err(|e| bad(format!("record at {start}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records of `sizes` bytes (byte `i` of record `r` is `r + i`), encoded from offset 0.
    fn segment(sizes: &[usize]) -> (Vec<Vec<u8>>, Vec<u8>) {
        let recs: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(r, &n)| (0..n).map(|i| (r + i) as u8 | 1).collect())
            .collect();
        let (mut pos, mut out) = (0u64, Vec::new());
        for r in &recs {
            encode_fragments(r, &mut pos, &mut out);
        }
        (recs, out)
    }

    /// Records delivered (with their offsets) and how reading ended.
    type Outcome = (Vec<(u64, Vec<u8>)>, Result<(), Corruption>);

    /// What both readers deliver and report for `bytes`, the file one after writing them.
    fn both(bytes: &[u8]) -> [Outcome; 2] {
        let mut from_slice = Vec::new();
        let r1 = read_records(bytes, |at, r| {
            from_slice.push((at, r.to_vec()));
            Ok(())
        });
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("00000000");
        fs::write(&path, bytes).expect("write segment");
        let mut from_file = Vec::new();
        let r2 = read_file_records(&path, |at, r| {
            from_file.push((at, r.to_vec()));
            Ok(())
        })
        .expect("read segment");
        [(from_slice, r1), (from_file, r2)]
    }

    #[test]
    fn file_reader_delivers_records_spanning_pages() {
        let sizes = [5, PAGE_SIZE - 20, 3 * PAGE_SIZE + 11, 1, PAGE_SIZE, 40];
        let (recs, bytes) = segment(&sizes);
        for (got, res) in both(&bytes) {
            assert_eq!(res, Ok(()));
            assert_eq!(got.iter().map(|g| g.1.clone()).collect::<Vec<_>>(), recs);
            assert_eq!(got[0].0, 0);
        }
    }

    #[test]
    fn file_reader_reports_what_the_slice_reader_reports() {
        let (_, bytes) = segment(&[100, 2 * PAGE_SIZE, 50]);
        // Torn inside the multi-page record, between fragments and inside one: reported at
        // the record's start.
        for (cut, reason) in [
            (PAGE_SIZE, "record torn at the end of the segment".to_string()),
            (PAGE_SIZE + 10, format!("torn fragment at {PAGE_SIZE}")),
        ] {
            for (got, res) in both(&bytes[..cut]) {
                assert_eq!(got.len(), 1);
                let c = res.expect_err("torn");
                assert_eq!((c.offset, &c.reason), (107, &reason));
            }
        }
        // A zeroed page, then data again: pages were lost.
        let mut lost = bytes.clone();
        lost[..PAGE_SIZE].fill(0);
        lost.extend(std::iter::repeat_n(0, 2 * PAGE_SIZE));
        let n = lost.len();
        lost[n - 1] = 9;
        for (got, res) in both(&lost) {
            assert!(got.is_empty());
            let c = res.expect_err("lost pages");
            assert_eq!(c.offset, 0);
            assert_eq!(c.reason, format!("zeros from 0 to {PAGE_SIZE}, then data"));
        }
        // Zeros after a whole record, then a lone byte pages later.
        let (_, mut late) = segment(&[10]);
        late.resize(3 * PAGE_SIZE, 0);
        late[2 * PAGE_SIZE + 4] = 1;
        for (got, res) in both(&late) {
            assert_eq!(got.len(), 1);
            let c = res.expect_err("late data");
            assert_eq!(c.offset, 17);
            assert_eq!(c.reason, format!("zeros from 17 to {}, then data", 2 * PAGE_SIZE + 4));
        }
        // Zeros to the end after whole records: a clean end.
        let (_, mut padded) = segment(&[10, 20]);
        padded.resize(2 * PAGE_SIZE + 5, 0);
        for (got, res) in both(&padded) {
            assert_eq!((got.len(), res), (2, Ok(())));
        }
        // Garbage in the padding of the first page.
        let mut dirty = padded.clone();
        dirty[PAGE_SIZE - 3] = 1;
        for (_, res) in both(&dirty) {
            let c = res.expect_err("dirty padding");
            assert_eq!(c.reason, format!("non-zero byte in page padding at {}", PAGE_SIZE - 3));
        }
    }
}
