//! The records inside the log, encoded as Prometheus' `tsdb/record` does (version 1 samples),
//! so that upstream tools can read a klaxon WAL:
//!
//! - series (type 1): for each series, the ref (big-endian u64), then the labels: a uvarint
//!   count and uvarint-length-prefixed names and values;
//! - samples (type 2): the first sample's ref and time (big-endian u64 each) as a base, then
//!   for each sample the ref and time as zig-zag varint deltas to the base and the value's
//!   bits (big-endian u64). Scrapes append many series at one timestamp with neighbouring
//!   refs, so a sample costs about 10 bytes;
//! - tombstones (type 3) and the other upstream types are recognised and skipped.

use model::labels::Labels;

pub const SERIES: u8 = 1;
pub const SAMPLES: u8 = 2;
pub const TOMBSTONES: u8 = 3;

/// A series as logged: the log's ref for it and its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct RefSeries {
    pub r#ref: u64,
    pub labels: Labels,
}

/// A sample as logged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RefSample {
    pub r#ref: u64,
    pub t: i64,
    pub v: f64,
}

/// A record that does not decode; the reader treats it as corruption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_varint(out: &mut Vec<u8>, v: i64) {
    put_uvarint(out, ((v << 1) ^ (v >> 63)) as u64);
}

/// Appends a series record holding `series` to `out`.
pub fn encode_series<'a>(series: impl IntoIterator<Item = (u64, &'a Labels)>, out: &mut Vec<u8>) {
    out.push(SERIES);
    for (r, labels) in series {
        out.extend_from_slice(&r.to_be_bytes());
        put_uvarint(out, labels.len() as u64);
        for l in labels.iter() {
            put_uvarint(out, l.name.len() as u64);
            out.extend_from_slice(l.name.as_bytes());
            put_uvarint(out, l.value.len() as u64);
            out.extend_from_slice(l.value.as_bytes());
        }
    }
}

/// Appends a samples record holding `samples` to `out`.
pub fn encode_samples(samples: impl IntoIterator<Item = RefSample>, out: &mut Vec<u8>) {
    out.push(SAMPLES);
    let mut base: Option<(u64, i64)> = None;
    for s in samples {
        let (br, bt) = *base.get_or_insert_with(|| {
            out.extend_from_slice(&s.r#ref.to_be_bytes());
            out.extend_from_slice(&s.t.to_be_bytes());
            (s.r#ref, s.t)
        });
        put_varint(out, (s.r#ref as i64).wrapping_sub(br as i64));
        put_varint(out, s.t.wrapping_sub(bt));
        out.extend_from_slice(&s.v.to_bits().to_be_bytes());
    }
}

/// A cursor over a record's bytes.
struct Dec<'a> {
    b: &'a [u8],
}

impl<'a> Dec<'a> {
    fn err(&self, what: &str) -> DecodeError {
        DecodeError(format!("{what} ({} bytes left)", self.b.len()))
    }

    fn be64(&mut self) -> Result<u64, DecodeError> {
        let (head, rest) = self.b.split_first_chunk::<8>().ok_or_else(|| self.err("short u64"))?;
        self.b = rest;
        Ok(u64::from_be_bytes(*head))
    }

    fn uvarint(&mut self) -> Result<u64, DecodeError> {
        let mut v = 0u64;
        for (i, &byte) in self.b.iter().enumerate().take(10) {
            if i == 9 && byte > 1 {
                break;
            }
            v |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                self.b = &self.b[i + 1..];
                return Ok(v);
            }
        }
        Err(self.err("bad varint"))
    }

    fn varint(&mut self) -> Result<i64, DecodeError> {
        let u = self.uvarint()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    fn str(&mut self) -> Result<&'a str, DecodeError> {
        let n = self.uvarint()?;
        let n = usize::try_from(n).map_err(|_| self.err("string too long"))?;
        if n > self.b.len() {
            return Err(self.err("string past end"));
        }
        let (s, rest) = self.b.split_at(n);
        self.b = rest;
        std::str::from_utf8(s).map_err(|_| self.err("label not UTF-8"))
    }
}

/// Decodes a series record (type byte included) into `out`.
pub fn decode_series(rec: &[u8], out: &mut Vec<RefSeries>) -> Result<(), DecodeError> {
    let mut d = Dec { b: rec.get(1..).unwrap_or_default() };
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    while !d.b.is_empty() {
        let r = d.be64()?;
        let n = d.uvarint()?;
        pairs.clear();
        for _ in 0..n {
            let name = d.str()?;
            let value = d.str()?;
            pairs.push((name, value));
        }
        if pairs.is_empty() {
            return Err(DecodeError(format!("series {r} without labels")));
        }
        out.push(RefSeries { r#ref: r, labels: Labels::from_pairs(pairs.iter().copied()) });
    }
    Ok(())
}

/// Decodes a samples record (type byte included) into `out`.
pub fn decode_samples(rec: &[u8], out: &mut Vec<RefSample>) -> Result<(), DecodeError> {
    let mut d = Dec { b: rec.get(1..).unwrap_or_default() };
    if d.b.is_empty() {
        return Ok(());
    }
    let base_ref = d.be64()? as i64;
    let base_t = d.be64()? as i64;
    out.reserve(d.b.len() / 10);
    while !d.b.is_empty() {
        let dr = d.varint()?;
        let dt = d.varint()?;
        let v = f64::from_bits(d.be64()?);
        out.push(RefSample {
            r#ref: base_ref.wrapping_add(dr) as u64,
            t: base_t.wrapping_add(dt),
            v,
        });
    }
    Ok(())
}
