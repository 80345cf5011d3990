//! The XOR float chunk ("Gorilla" compression), byte for byte Prometheus' `chunkenc.XORChunk`
//! layout, so that chunks can travel to remote readers and blocks unchanged.
//!
//! Layout: a 2-byte big-endian sample count, then a bit stream:
//! - sample 0: timestamp as a signed varint, value as its 64 raw bits;
//! - sample 1: timestamp delta as an unsigned varint, value XOR-encoded;
//! - sample n ≥ 2: delta-of-delta of the timestamp in a prefix code (`0`; `10` + 14 bits;
//!   `110` + 17 bits; `1110` + 20 bits; `1111` + 64 bits), value XOR-encoded.
//!
//! A value is XOR-ed with the previous one: `0` when equal; else `1`, then `0` + the meaningful
//! bits when they fit the previous window of leading/trailing zeros, or `1` + 5 bits of leading
//! zeros + 6 bits of meaningful-bit count (64 written as 0) + those bits. Values are handled
//! as bit patterns throughout, so every NaN (the staleness marker included) survives exactly.

use super::bits::{BitReader, BitWriter};

/// Bytes of the sample-count header.
const HEADER: usize = 2;
/// Bytes reserved for a new chunk: 120 samples of a typical series fit.
const INITIAL_CAPACITY: usize = 128;

/// Whether `x` fits the `nbits`-bit two's-complement field of the delta-of-delta code, which
/// keeps `2^(nbits-1)` positive and drops the most negative value.
fn fits(x: i64, nbits: u32) -> bool {
    let half = 1i64 << (nbits - 1);
    -(half - 1) <= x && x <= half
}

/// Builds one XOR chunk by appending samples in time order.
#[derive(Debug, Clone)]
pub struct XorEncoder {
    w: BitWriter,
    count: u16,
    t: i64,
    t_delta: u64,
    v: u64,
    /// Leading zeros of the current XOR window; 0xff before the first window.
    leading: u8,
    trailing: u8,
}

impl Default for XorEncoder {
    fn default() -> Self {
        XorEncoder::new()
    }
}

impl XorEncoder {
    pub fn new() -> Self {
        XorEncoder {
            w: BitWriter::with_prefix(&[0; HEADER], INITIAL_CAPACITY),
            count: 0,
            t: 0,
            t_delta: 0,
            v: 0,
            leading: 0xff,
            trailing: 0,
        }
    }

    /// Samples appended so far.
    pub fn len(&self) -> usize {
        usize::from(self.count)
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Time and value bits of the last sample appended (meaningless while empty): the head
    /// keeps no copy of its own.
    pub fn last(&self) -> (i64, u64) {
        (self.t, self.v)
    }

    /// Time of the first sample, read back from the chunk (`None` while empty).
    pub fn first_t(&self) -> Option<i64> {
        if self.count == 0 {
            return None;
        }
        read_varint(&mut BitReader::new(self.w.bytes().get(HEADER..)?))
    }

    /// The encoded chunk as it stands (header included).
    pub fn bytes(&self) -> &[u8] {
        self.w.bytes()
    }

    /// Heap bytes held.
    pub fn capacity(&self) -> usize {
        self.w.capacity()
    }

    /// The finished chunk, trimmed to its length.
    pub fn finish(self) -> Box<[u8]> {
        self.w.into_bytes().into_boxed_slice()
    }

    /// Appends a sample. The caller keeps timestamps increasing and a chunk below 65536 samples.
    pub fn append(&mut self, t: i64, f: f64) {
        let v = f.to_bits();
        match self.count {
            0 => {
                write_varint(&mut self.w, t);
                self.w.write_bits(v, 64);
            }
            1 => {
                let delta = t.wrapping_sub(self.t) as u64;
                write_uvarint(&mut self.w, delta);
                self.write_value(v);
                self.t_delta = delta;
            }
            _ => {
                let delta = t.wrapping_sub(self.t) as u64;
                let dod = delta.wrapping_sub(self.t_delta) as i64;
                let w = &mut self.w;
                if dod == 0 {
                    w.write_bit(false);
                } else if fits(dod, 14) {
                    w.write_bits(0b10, 2);
                    w.write_bits(dod as u64, 14);
                } else if fits(dod, 17) {
                    w.write_bits(0b110, 3);
                    w.write_bits(dod as u64, 17);
                } else if fits(dod, 20) {
                    w.write_bits(0b1110, 4);
                    w.write_bits(dod as u64, 20);
                } else {
                    w.write_bits(0b1111, 4);
                    w.write_bits(dod as u64, 64);
                }
                self.write_value(v);
                self.t_delta = delta;
            }
        }
        self.t = t;
        self.v = v;
        self.count = self.count.wrapping_add(1);
        let header = self.count.to_be_bytes();
        self.w.bytes_mut()[..HEADER].copy_from_slice(&header);
    }

    fn write_value(&mut self, v: u64) {
        let x = v ^ self.v;
        if x == 0 {
            self.w.write_bit(false);
            return;
        }
        self.w.write_bit(true);
        // At most 31 leading zeros fit the 5-bit field.
        let leading = (x.leading_zeros() as u8).min(31);
        let trailing = x.trailing_zeros() as u8;
        if self.leading != 0xff && leading >= self.leading && trailing >= self.trailing {
            self.w.write_bit(false);
            let n = 64 - u32::from(self.leading) - u32::from(self.trailing);
            self.w.write_bits(x >> self.trailing, n);
            return;
        }
        self.leading = leading;
        self.trailing = trailing;
        self.w.write_bit(true);
        self.w.write_bits(u64::from(leading), 5);
        let sig = 64 - u32::from(leading) - u32::from(trailing);
        // 64 meaningful bits do not fit 6 bits; they are written as 0, read back as 64.
        self.w.write_bits(u64::from(sig & 63), 6);
        self.w.write_bits(x >> trailing, sig);
    }
}

fn write_uvarint(w: &mut BitWriter, mut x: u64) {
    while x >= 0x80 {
        w.write_byte((x as u8) | 0x80);
        x >>= 7;
    }
    w.write_byte(x as u8);
}

fn write_varint(w: &mut BitWriter, x: i64) {
    write_uvarint(w, ((x << 1) ^ (x >> 63)) as u64);
}

fn read_uvarint(r: &mut BitReader<'_>) -> Option<u64> {
    let mut x = 0u64;
    let mut shift = 0u32;
    for i in 0..10 {
        let b = r.read_byte()?;
        if b < 0x80 {
            if i == 9 && b > 1 {
                return None;
            }
            return Some(x | (u64::from(b) << shift));
        }
        x |= u64::from(b & 0x7f) << shift;
        shift += 7;
    }
    None
}

fn read_varint(r: &mut BitReader<'_>) -> Option<i64> {
    let u = read_uvarint(r)?;
    Some(((u >> 1) as i64) ^ -((u & 1) as i64))
}

/// The number of samples a chunk says it holds, or `None` if it is too short for a header.
pub fn chunk_len(chunk: &[u8]) -> Option<usize> {
    let h = chunk.get(..HEADER)?;
    Some(usize::from(u16::from_be_bytes([h[0], h[1]])))
}

/// Decodes the samples of one chunk in order.
#[derive(Debug, Clone)]
pub struct XorIter<'a> {
    r: BitReader<'a>,
    /// Samples still to read.
    remaining: usize,
    read: usize,
    t: i64,
    t_delta: u64,
    v: u64,
    leading: u8,
    trailing: u8,
    corrupt: bool,
}

impl<'a> XorIter<'a> {
    /// Iterates over all samples the chunk's header counts.
    pub fn new(chunk: &'a [u8]) -> Self {
        let n = chunk_len(chunk).unwrap_or(0);
        Self::with_limit(chunk, n)
    }

    /// Iterates over the first `limit` samples only (at most what the header counts): a reader
    /// that saw the chunk with `limit` samples keeps seeing that, whatever is appended later.
    pub fn with_limit(chunk: &'a [u8], limit: usize) -> Self {
        let n = chunk_len(chunk).unwrap_or(0).min(limit);
        XorIter {
            r: BitReader::new(chunk.get(HEADER..).unwrap_or(&[])),
            remaining: n,
            read: 0,
            t: 0,
            t_delta: 0,
            v: 0,
            leading: 0,
            trailing: 0,
            corrupt: chunk.len() < HEADER,
        }
    }

    /// Whether decoding stopped early on malformed data.
    pub fn is_corrupt(&self) -> bool {
        self.corrupt
    }

    fn read_next(&mut self) -> Option<(i64, f64)> {
        match self.read {
            0 => {
                self.t = read_varint(&mut self.r)?;
                self.v = self.r.read_bits(64)?;
            }
            1 => {
                self.t_delta = read_uvarint(&mut self.r)?;
                self.t = self.t.wrapping_add(self.t_delta as i64);
                self.read_value()?;
            }
            _ => {
                let mut prefix = 0u32;
                while prefix < 4 {
                    if !self.r.read_bit()? {
                        break;
                    }
                    prefix += 1;
                }
                let dod = match prefix {
                    0 => 0i64,
                    4 => self.r.read_bits(64)? as i64,
                    _ => {
                        let sz = match prefix {
                            1 => 14,
                            2 => 17,
                            _ => 20,
                        };
                        let bits = self.r.read_bits(sz)? as i64;
                        if bits > 1 << (sz - 1) { bits - (1 << sz) } else { bits }
                    }
                };
                self.t_delta = (self.t_delta as i64).wrapping_add(dod) as u64;
                self.t = self.t.wrapping_add(self.t_delta as i64);
                self.read_value()?;
            }
        }
        self.read += 1;
        Some((self.t, f64::from_bits(self.v)))
    }

    #[inline]
    fn read_value(&mut self) -> Option<()> {
        if !self.r.read_bit()? {
            return Some(());
        }
        if self.r.read_bit()? {
            self.leading = self.r.read_bits(5)? as u8;
            let mut sig = self.r.read_bits(6)? as u8;
            if sig == 0 {
                sig = 64;
            }
            if u32::from(self.leading) + u32::from(sig) > 64 {
                return None;
            }
            self.trailing = 64 - self.leading - sig;
        }
        let n = 64 - u32::from(self.leading) - u32::from(self.trailing);
        let bits = self.r.read_bits(n)?;
        self.v ^= bits << self.trailing;
        Some(())
    }
}

impl Iterator for XorIter<'_> {
    type Item = (i64, f64);

    #[inline]
    fn next(&mut self) -> Option<(i64, f64)> {
        if self.remaining == 0 || self.corrupt {
            return None;
        }
        match self.read_next() {
            Some(s) => {
                self.remaining -= 1;
                Some(s)
            }
            None => {
                self.corrupt = true;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}
