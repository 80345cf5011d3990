//! Bit-level writer and reader for the XOR chunk encoding: bits are written most significant
//! first, bytes filled from their high bit, as Prometheus' `bstream` lays them out.

/// Appends bits to a byte buffer.
#[derive(Debug, Clone, Default)]
pub struct BitWriter {
    buf: Vec<u8>,
    /// Unused low bits of the last byte (0: the next bit starts a new byte).
    free: u32,
}

impl BitWriter {
    /// A writer whose buffer starts with `prefix` (whole bytes).
    pub fn with_prefix(prefix: &[u8], capacity: usize) -> Self {
        let mut buf = Vec::with_capacity(capacity.max(prefix.len()));
        buf.extend_from_slice(prefix);
        BitWriter { buf, free: 0 }
    }

    pub fn write_bit(&mut self, bit: bool) {
        if self.free == 0 {
            self.push_byte();
        }
        self.free -= 1;
        if bit && let Some(last) = self.buf.last_mut() {
            *last |= 1 << self.free;
        }
    }

    /// Writes the low `n` bits of `v` (`n <= 64`), most significant first.
    pub fn write_bits(&mut self, v: u64, mut n: u32) {
        while n > 0 {
            if self.free == 0 {
                self.push_byte();
            }
            let k = self.free.min(n);
            let bits = ((v >> (n - k)) & ((1u64 << k) - 1)) as u8;
            if let Some(last) = self.buf.last_mut() {
                *last |= bits << (self.free - k);
            }
            self.free -= k;
            n -= k;
        }
    }

    /// Starts a new byte. A full buffer grows by a quarter (at least 16 bytes), not by
    /// doubling: an open chunk lives for its 120 samples, and doubling would leave up to half
    /// of every series' chunk unused.
    #[inline]
    fn push_byte(&mut self) {
        if self.buf.len() == self.buf.capacity() {
            self.buf.reserve_exact((self.buf.len() / 4).max(16));
        }
        self.buf.push(0);
        self.free = 8;
    }

    pub fn write_byte(&mut self, b: u8) {
        self.write_bits(u64::from(b), 8);
    }

    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Heap bytes held.
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }
}

/// Reads bits from a byte slice through a 64-bit buffer.
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    data: &'a [u8],
    /// Next byte of `data` not yet in `buf`.
    pos: usize,
    /// Bits not yet consumed, left-aligned; only the top `valid` are meaningful.
    buf: u64,
    valid: u32,
}

impl<'a> BitReader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        BitReader { data, pos: 0, buf: 0, valid: 0 }
    }

    #[inline]
    fn refill(&mut self) {
        if let Some(word) = self.data.get(self.pos..self.pos + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            let w = u64::from_be_bytes(w);
            // The bits past the whole bytes taken are the true next bits, so OR-ing them in
            // again on the next refill changes nothing.
            self.buf |= w >> self.valid;
            let take = (64 - self.valid) / 8;
            self.pos += take as usize;
            self.valid += take * 8;
        } else {
            while self.valid <= 56 {
                let Some(&b) = self.data.get(self.pos) else { break };
                self.buf |= u64::from(b) << (56 - self.valid);
                self.pos += 1;
                self.valid += 8;
            }
        }
    }

    #[inline]
    pub fn read_bit(&mut self) -> Option<bool> {
        if self.valid == 0 {
            self.refill();
            if self.valid == 0 {
                return None;
            }
        }
        let bit = self.buf >> 63 == 1;
        self.buf <<= 1;
        self.valid -= 1;
        Some(bit)
    }

    /// Reads `n` bits (`n <= 64`) as the low bits of the result.
    #[inline]
    pub fn read_bits(&mut self, n: u32) -> Option<u64> {
        if n == 0 {
            return Some(0);
        }
        if n > 56 {
            let hi = self.read_bits(n - 32)?;
            let lo = self.read_bits(32)?;
            return Some((hi << 32) | lo);
        }
        if self.valid < n {
            self.refill();
            if self.valid < n {
                return None;
            }
        }
        let v = self.buf >> (64 - n);
        self.buf = if n == 64 { 0 } else { self.buf << n };
        self.valid -= n;
        Some(v)
    }

    #[inline]
    pub fn read_byte(&mut self) -> Option<u8> {
        self.read_bits(8).map(|b| b as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_round_trip_across_byte_boundaries() {
        let mut w = BitWriter::default();
        w.write_bit(true);
        w.write_bits(0b101, 3);
        w.write_bits(u64::MAX, 64);
        w.write_bit(false);
        w.write_bits(0x1234_5678_9abc, 48);
        w.write_byte(0xa5);
        let bytes = w.into_bytes();
        // 1 + 3 + 64 + 1 + 48 + 8 = 125 bits.
        assert_eq!(bytes.len(), 16);
        assert_eq!(bytes[0] >> 4, 0b1101);
        let mut r = BitReader::new(&bytes);
        assert_eq!(r.read_bit(), Some(true));
        assert_eq!(r.read_bits(3), Some(0b101));
        assert_eq!(r.read_bits(64), Some(u64::MAX));
        assert_eq!(r.read_bit(), Some(false));
        assert_eq!(r.read_bits(48), Some(0x1234_5678_9abc));
        assert_eq!(r.read_byte(), Some(0xa5));
        // Three padding bits remain, then the end.
        assert_eq!(r.read_bits(3), Some(0));
        assert_eq!(r.read_bit(), None);
    }

    #[test]
    fn a_full_buffer_grows_by_a_quarter() {
        let mut w = BitWriter::with_prefix(&[0, 0], 128);
        let mut caps = vec![w.capacity()];
        for _ in 0..1000 {
            w.write_byte(0x5a);
            if w.capacity() != *caps.last().unwrap() {
                caps.push(w.capacity());
            }
        }
        assert_eq!(w.bytes().len(), 1002);
        assert!(w.bytes()[2..].iter().all(|&b| b == 0x5a));
        // Each step adds a quarter of the length, so at most a fifth of it is unused.
        assert_eq!(&caps[..4], &[128, 160, 200, 250]);
        assert!(w.capacity() * 4 <= w.bytes().len() * 5, "{}", w.capacity());
    }
}
