//! Byte-level helpers for block files: varints, checksummed sections, and a decoder that
//! reports the offset of whatever it cannot read.

use std::path::Path;

use crate::crc::crc32c;
use crate::error::TsdbError;

pub fn put_uvarint(buf: &mut Vec<u8>, mut x: u64) {
    while x >= 0x80 {
        buf.push((x as u8) | 0x80);
        x >>= 7;
    }
    buf.push(x as u8);
}

pub fn put_varint(buf: &mut Vec<u8>, x: i64) {
    put_uvarint(buf, ((x << 1) ^ (x >> 63)) as u64);
}

/// Appends a section: `u64` BE payload length, payload, `u32` BE CRC32-C of the payload.
pub fn put_section(buf: &mut Vec<u8>, payload: &[u8]) {
    buf.extend_from_slice(&(payload.len() as u64).to_be_bytes());
    buf.extend_from_slice(payload);
    buf.extend_from_slice(&crc32c(payload).to_be_bytes());
}

/// Reads from a file's bytes; every error names the file and the offset.
pub struct Decoder<'a> {
    path: &'a Path,
    data: &'a [u8],
    pos: usize,
    /// Offset of `data[0]` in the file.
    base: u64,
}

impl<'a> Decoder<'a> {
    pub fn new(path: &'a Path, data: &'a [u8], base: u64) -> Self {
        Decoder { path, data, pos: 0, base }
    }

    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn corrupt(&self, at: u64, message: impl Into<String>) -> TsdbError {
        TsdbError::Corrupt { path: self.path.to_path_buf(), offset: at, message: message.into() }
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], TsdbError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let Some(end) = end else {
            return Err(self.corrupt(self.offset(), format!("unexpected end reading {n} bytes")));
        };
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    pub fn u32(&mut self) -> Result<u32, TsdbError> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u64(&mut self) -> Result<u64, TsdbError> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }

    pub fn uvarint(&mut self) -> Result<u64, TsdbError> {
        let start = self.offset();
        let mut x = 0u64;
        let mut shift = 0u32;
        for i in 0..10 {
            let Some(&b) = self.data.get(self.pos) else {
                return Err(self.corrupt(start, "unexpected end in varint"));
            };
            self.pos += 1;
            if b < 0x80 {
                if i == 9 && b > 1 {
                    break;
                }
                return Ok(x | (u64::from(b) << shift));
            }
            x |= u64::from(b & 0x7f) << shift;
            shift += 7;
        }
        Err(self.corrupt(start, "varint overflows 64 bits"))
    }

    pub fn varint(&mut self) -> Result<i64, TsdbError> {
        let u = self.uvarint()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    /// A `uvarint` that must be below `limit` (a count or an index into something).
    pub fn uvarint_below(&mut self, limit: u64, what: &str) -> Result<u64, TsdbError> {
        let at = self.offset();
        let v = self.uvarint()?;
        if v >= limit {
            return Err(self.corrupt(at, format!("{what} {v} out of range (limit {limit})")));
        }
        Ok(v)
    }

    /// A section written by [`put_section`], its checksum verified; returns the payload and
    /// the file offset where it starts.
    pub fn section(&mut self, name: &str) -> Result<(&'a [u8], u64), TsdbError> {
        let start = self.offset();
        let len = self.u64()?;
        let len =
            usize::try_from(len).ok().filter(|&l| l <= self.data.len() - self.pos).ok_or_else(
                || self.corrupt(start, format!("{name} section length {len} past the end")),
            )?;
        let payload_at = self.offset();
        let payload = self.bytes(len)?;
        let want = self.u32()?;
        let got = crc32c(payload);
        if got != want {
            return Err(self.corrupt(
                start,
                format!("{name} section checksum mismatch (stored {want:08x}, computed {got:08x})"),
            ));
        }
        Ok((payload, payload_at))
    }
}
