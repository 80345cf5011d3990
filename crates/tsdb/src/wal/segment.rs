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
    let mut pos = 0usize;
    let mut rec: Vec<u8> = Vec::new();
    let mut unpacked: Vec<u8> = Vec::new();
    // Start of the record being assembled from fragments.
    let mut rec_start: Option<usize> = None;
    let bad = |offset: usize, reason: String| Corruption { offset: offset as u64, reason };
    while pos < data.len() {
        let page_end = (pos / PAGE_SIZE + 1) * PAGE_SIZE;
        let left = page_end - pos;
        let avail = &data[pos..page_end.min(data.len())];
        // Fewer bytes than a header left: padding. (With exactly 7 left, upstream's writer
        // may put an empty fragment there.)
        if left < HEADER_SIZE {
            if let Some(i) = avail.iter().position(|&b| b != 0) {
                let start = rec_start.unwrap_or(pos);
                return Err(bad(start, format!("non-zero byte in page padding at {}", pos + i)));
            }
            pos += avail.len();
            continue;
        }
        if avail[0] == 0 {
            // Writers pad a page with room for a fragment only when they finish the segment,
            // so zeros here must run to the end; data after them means pages were lost (a
            // zeroed page after a power loss).
            let start = rec_start.unwrap_or(pos);
            return match data[pos..].iter().position(|&b| b != 0) {
                None if rec_start.is_none() => Ok(()),
                None => Err(bad(start, "record torn at the end of the segment".into())),
                Some(i) if pos + i < page_end => {
                    Err(bad(start, format!("non-zero byte in page padding at {}", pos + i)))
                }
                Some(i) => Err(bad(start, format!("zeros from {pos} to {}, then data", pos + i))),
            };
        }
        let start = rec_start.unwrap_or(pos);
        if avail.len() < HEADER_SIZE {
            return Err(bad(start, format!("torn fragment header at {pos}")));
        }
        let flags = avail[0] & !TYPE_MASK;
        let typ = avail[0] & TYPE_MASK;
        if flags & !(SNAPPY | ZSTD) != 0 {
            return Err(bad(start, format!("unknown fragment flags {flags:#x} at {pos}")));
        }
        let len = usize::from(u16::from_be_bytes([avail[1], avail[2]]));
        let crc = u32::from_be_bytes([avail[3], avail[4], avail[5], avail[6]]);
        if HEADER_SIZE + len > left {
            return Err(bad(start, format!("fragment at {pos} crosses its page")));
        }
        if HEADER_SIZE + len > avail.len() {
            return Err(bad(start, format!("torn fragment at {pos}")));
        }
        let part = &avail[HEADER_SIZE..HEADER_SIZE + len];
        if crc32c(part) != crc {
            return Err(bad(start, format!("checksum mismatch in fragment at {pos}")));
        }
        let next = pos + HEADER_SIZE + len;
        match (typ, rec_start) {
            (FULL, None) => {
                deliver(flags, pos, part, &mut unpacked, &mut each)?;
            }
            (FIRST, None) => {
                rec.clear();
                rec.extend_from_slice(part);
                rec_start = Some(pos);
            }
            (MIDDLE, Some(_)) => rec.extend_from_slice(part),
            (LAST, Some(s)) => {
                rec.extend_from_slice(part);
                deliver(flags, s, &rec, &mut unpacked, &mut each)?;
                rec_start = None;
            }
            (FULL | FIRST | MIDDLE | LAST, _) => {
                return Err(bad(start, format!("fragment type {typ} out of sequence at {pos}")));
            }
            _ => return Err(bad(start, format!("unknown fragment type {typ} at {pos}"))),
        }
        pos = next;
    }
    match rec_start {
        Some(s) => Err(bad(s, "record torn at the end of the segment".into())),
        None => Ok(()),
    }
}

/// Decompresses a record as its flags say and hands it to `each`.
fn deliver(
    flags: u8,
    start: usize,
    rec: &[u8],
    unpacked: &mut Vec<u8>,
    each: &mut impl FnMut(u64, &[u8]) -> Result<(), String>,
) -> Result<(), Corruption> {
    let bad = |reason: String| Corruption { offset: start as u64, reason };
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
    each(start as u64, rec).map_err(|e| bad(format!("record at {start}: {e}")))
}
