//! Label-set hashes with upstream's exact values, and the [`Fingerprint`] newtype.
//!
//! Upstream hashes leave the process (notification log entries gossiped between peers and
//! stored on disk, alert fingerprints in the API and in notifications, evaluation offsets), so
//! these must match byte for byte; `tests/labels_fingerprints.rs` checks them against Go.

use std::fmt;
use std::str::FromStr;

use xxhash_rust::xxh64::{Xxh64, xxh64};

use super::{Label, Labels, METRIC_NAME};

/// The byte between names and values in hashed encodings; it never occurs in UTF-8.
const SEP: u8 = 0xff;

/// Inputs up to this size are hashed in one shot from a stack buffer, larger ones streamed.
const STACK_BUF: usize = 512;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

impl Labels {
    /// xxHash64 (seed 0) of `name 0xFF value 0xFF` for every label in order.
    ///
    /// This equals Prometheus' `labels.StableHash` and `Labels.Hash` of its `slicelabels` build,
    /// and Alertmanager's per-alert hash in the notification log (`notify.hashAlert`). It is what
    /// klaxon uses to key series and alerts. (Official Prometheus 3 binaries return
    /// [`Labels::hash_stringlabels`] from `Labels.Hash`.)
    ///
    /// Computed once per set and remembered (clones share it).
    pub fn hash(&self) -> u64 {
        self.memo_hash(|| {
            let mut h = SepHasher::new();
            for l in self.iter() {
                h.label(l);
            }
            h.finish()
        })
    }

    /// [`Labels::hash`] over only the labels named in `names` (Prometheus' `HashForLabels`, the
    /// PromQL `by (...)` / `on (...)` signature). `names` may be in any order; sorted is faster.
    pub fn hash_for_labels<S: AsRef<str>>(&self, names: &[S]) -> u64 {
        let mut h = SepHasher::new();
        for_selected(self, names, true, |l| h.label(l));
        h.finish()
    }

    /// [`Labels::hash`] over the labels *not* named in `names`, and never `__name__` (Prometheus'
    /// `HashWithoutLabels`, the PromQL `without (...)` / `ignoring (...)` signature; the metric
    /// name is always ignored there). `names` may be in any order; sorted is faster.
    pub fn hash_without_labels<S: AsRef<str>>(&self, names: &[S]) -> u64 {
        let mut h = SepHasher::new();
        for_selected(self, names, false, |l| {
            if l.name != METRIC_NAME {
                h.label(l);
            }
        });
        h.finish()
    }

    /// xxHash64 of Prometheus' `stringlabels` encoding: per label, `len(name) name len(value)
    /// value`, each length one byte if below 255, else `0xFF` and three bytes little-endian.
    ///
    /// This is `labels.Labels.Hash()` in official Prometheus 3 builds, which places rule group
    /// evaluation offsets and scrape offsets; use it where those timings must line up with
    /// Prometheus'.
    pub fn hash_stringlabels(&self) -> u64 {
        let mut h = SepHasher::new();
        for l in self.iter() {
            for s in [l.name, l.value] {
                let n = s.len();
                if n < 255 {
                    h.write(&[n as u8]);
                } else {
                    // Prometheus caps names and values at 16 MiB; longer ones keep their low bits.
                    h.write(&[0xff, n as u8, (n >> 8) as u8, (n >> 16) as u8]);
                }
                h.write(s.as_bytes());
            }
        }
        h.finish()
    }

    /// prometheus/common's `LabelSet.Fingerprint()`: FNV-1a 64 over `name 0xFF value 0xFF` for
    /// every label in name order; the empty set gives the FNV offset basis.
    ///
    /// Alertmanager identifies alerts, aggregation groups and inhibition sources by it and shows
    /// it in its API and notifications.
    pub fn fingerprint(&self) -> Fingerprint {
        let mut h = FNV_OFFSET;
        let mut add = |bytes: &[u8]| {
            for &b in bytes {
                h ^= u64::from(b);
                h = h.wrapping_mul(FNV_PRIME);
            }
        };
        for l in self.iter() {
            add(l.name.as_bytes());
            add(&[SEP]);
            add(l.value.as_bytes());
            add(&[SEP]);
        }
        Fingerprint(h)
    }
}

/// Calls `f` on the labels of `ls` whose names are (`want == true`) or are not in `names`.
fn for_selected<S: AsRef<str>>(ls: &Labels, names: &[S], want: bool, mut f: impl FnMut(Label<'_>)) {
    if names.windows(2).all(|w| w[0].as_ref() <= w[1].as_ref()) {
        // Both sorted: one merge pass, as Prometheus does.
        let mut j = 0;
        for l in ls.iter() {
            while j < names.len() && names[j].as_ref() < l.name {
                j += 1;
            }
            let listed = j < names.len() && names[j].as_ref() == l.name;
            if listed == want {
                f(l);
            }
        }
    } else {
        for l in ls.iter() {
            if names.iter().any(|n| n.as_ref() == l.name) == want {
                f(l);
            }
        }
    }
}

/// xxHash64 over a sequence of small pieces. They are gathered in a stack buffer: hashed in one
/// shot at the end if they fit (the common case), else fed to the streaming hasher a buffer at a
/// time, which is much faster than streaming each piece.
struct SepHasher {
    buf: [u8; STACK_BUF],
    len: usize,
    stream: Option<Xxh64>,
}

impl SepHasher {
    fn new() -> Self {
        SepHasher { buf: [0; STACK_BUF], len: 0, stream: None }
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > STACK_BUF {
            let stream = self.stream.get_or_insert_with(|| Xxh64::new(0));
            stream.update(&self.buf[..self.len]);
            self.len = 0;
            if bytes.len() > STACK_BUF {
                stream.update(bytes);
                return;
            }
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn label(&mut self, l: Label<'_>) {
        self.write(l.name.as_bytes());
        self.write(&[SEP]);
        self.write(l.value.as_bytes());
        self.write(&[SEP]);
    }

    fn finish(mut self) -> u64 {
        match &mut self.stream {
            Some(s) => {
                s.update(&self.buf[..self.len]);
                s.digest()
            }
            None => xxh64(&self.buf[..self.len], 0),
        }
    }
}

/// An alert or label-set fingerprint (FNV-1a 64, see [`Labels::fingerprint`]).
///
/// Displays as Alertmanager renders it: 16 lowercase hex digits, zero-padded (Go's `%016x`);
/// parses as Go's `strconv.ParseUint(s, 16, 64)` (1 or more hex digits of either case, no sign
/// or prefix).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// The raw value.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for Fingerprint {
    fn from(v: u64) -> Self {
        Fingerprint(v)
    }
}

impl From<Fingerprint> for u64 {
    fn from(f: Fingerprint) -> Self {
        f.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl fmt::LowerHex for Fingerprint {
    /// 16 digits; `{:#x}` adds `0x`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.write_str("0x")?;
        }
        write!(f, "{:016x}", self.0)
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// Why a string is not a [`Fingerprint`] (Go's `strconv.ParseUint` errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parsing {input:?}: {}", if *.out_of_range { "value out of range" } else { "invalid syntax" })]
pub struct ParseFingerprintError {
    /// The rejected input.
    pub input: String,
    /// Valid hex, but more than 64 bits.
    pub out_of_range: bool,
}

impl FromStr for Fingerprint {
    type Err = ParseFingerprintError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |out_of_range| ParseFingerprintError { input: s.to_owned(), out_of_range };
        if s.is_empty() {
            return Err(err(false));
        }
        let mut v: u64 = 0;
        let mut overflow = false;
        for c in s.chars() {
            let d = c.to_digit(16).ok_or_else(|| err(false))?;
            match v.checked_mul(16).and_then(|v| v.checked_add(u64::from(d))) {
                Some(n) => v = n,
                // Go reports a syntax error anywhere before a range error.
                None => overflow = true,
            }
        }
        if overflow {
            return Err(err(true));
        }
        Ok(Fingerprint(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(pairs: &[(&str, &str)]) -> Labels {
        Labels::from_pairs(pairs)
    }

    /// The encoding `hash` is defined over, built the slow way.
    fn sep_bytes(pairs: &[(&str, &str)]) -> Vec<u8> {
        let mut b = Vec::new();
        for (n, v) in pairs {
            b.extend_from_slice(n.as_bytes());
            b.push(SEP);
            b.extend_from_slice(v.as_bytes());
            b.push(SEP);
        }
        b
    }

    #[test]
    fn hash_is_xxh64_of_sep_encoding() {
        let pairs = [("__name__", "up"), ("instance", "localhost:9090"), ("job", "prometheus")];
        assert_eq!(ls(&pairs).hash(), xxh64(&sep_bytes(&pairs), 0));
        assert_eq!(Labels::empty().hash(), xxh64(b"", 0));
        // Long enough to take the streaming path.
        let long = "x".repeat(3000);
        let big = [("a", long.as_str()), ("b", "1")];
        assert_eq!(ls(&big).hash(), xxh64(&sep_bytes(&big), 0));
        // Pieces of every size around the stack buffer's edge.
        for n in (0..1200).step_by(7) {
            let v = "v".repeat(n);
            let w = "w".repeat(n / 3);
            let pairs: Vec<(String, &str)> = (0..5)
                .map(|i| (format!("l{i}"), if i % 2 == 0 { v.as_str() } else { w.as_str() }))
                .collect();
            let as_str: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (n.as_str(), *v)).collect();
            assert_eq!(ls(&as_str).hash(), xxh64(&sep_bytes(&as_str), 0), "n = {n}");
        }
    }

    #[test]
    fn hash_for_and_without_labels() {
        let l = ls(&[("__name__", "m"), ("a", "1"), ("b", "2"), ("c", "3")]);
        let on_ab = xxh64(&sep_bytes(&[("a", "1"), ("b", "2")]), 0);
        assert_eq!(l.hash_for_labels(&["a", "b"]), on_ab);
        assert_eq!(l.hash_for_labels(&["b", "a", "zz"]), on_ab, "unsorted names");
        assert_eq!(l.hash_for_labels(&["a", "a", "b"]), on_ab, "duplicate names");
        assert_eq!(l.hash_for_labels::<&str>(&[]), xxh64(b"", 0));
        // `without` ignores __name__ always.
        let without_b = xxh64(&sep_bytes(&[("a", "1"), ("c", "3")]), 0);
        assert_eq!(l.hash_without_labels(&["b"]), without_b);
        assert_eq!(l.hash_without_labels(&["zz", "b"]), without_b);
        assert_eq!(
            l.hash_without_labels::<&str>(&[]),
            l.drop_metric_name().hash(),
            "no names: everything but __name__"
        );
        assert_eq!(l.hash_for_labels(&["__name__", "a", "b", "c"]), l.hash());
    }

    #[test]
    fn stringlabels_encoding() {
        let l = ls(&[("file", "r.yml"), ("name", "g")]);
        let mut want = vec![4];
        want.extend_from_slice(b"file");
        want.push(5);
        want.extend_from_slice(b"r.yml");
        want.push(4);
        want.extend_from_slice(b"name");
        want.push(1);
        want.extend_from_slice(b"g");
        assert_eq!(l.hash_stringlabels(), xxh64(&want, 0));
        let v = "v".repeat(300);
        let mut want = vec![1, b'a', 0xff, 44, 1, 0];
        want.extend_from_slice(v.as_bytes());
        assert_eq!(ls(&[("a", &v)]).hash_stringlabels(), xxh64(&want, 0));
        // All three length bytes in use: 70000 = 0x011170.
        let v = "v".repeat(70_000);
        let mut want = vec![1, b'a', 0xff, 0x70, 0x11, 0x01];
        want.extend_from_slice(v.as_bytes());
        assert_eq!(ls(&[("a", &v)]).hash_stringlabels(), xxh64(&want, 0));
    }

    #[test]
    fn fingerprint_fnv1a() {
        assert_eq!(Labels::empty().fingerprint(), Fingerprint(FNV_OFFSET));
        // FNV-1a test vector: "a" hashes to af63dc4c8601ec8c.
        let mut h = FNV_OFFSET;
        h ^= u64::from(b'a');
        h = h.wrapping_mul(FNV_PRIME);
        assert_eq!(h, 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn fingerprint_text_forms() {
        let f = Fingerprint(0xab);
        assert_eq!(f.to_string(), "00000000000000ab");
        assert_eq!(format!("{f:x}"), "00000000000000ab");
        assert_eq!(format!("{f:#x}"), "0x00000000000000ab");
        assert_eq!(format!("{f:?}"), "Fingerprint(00000000000000ab)");
        assert_eq!("00000000000000ab".parse::<Fingerprint>(), Ok(f));
        assert_eq!("AB".parse::<Fingerprint>(), Ok(f));
        assert_eq!("0000000000000000000ab".parse::<Fingerprint>(), Ok(f));
        assert_eq!("ffffffffffffffff".parse::<Fingerprint>(), Ok(Fingerprint(u64::MAX)));
        for bad in ["", "+ab", "-1", "0xab", "a_b", "g", " ab"] {
            let e = bad.parse::<Fingerprint>().unwrap_err();
            assert!(!e.out_of_range, "{bad:?}");
        }
        let e = "10000000000000000".parse::<Fingerprint>().unwrap_err();
        assert!(e.out_of_range);
        assert_eq!(e.to_string(), r#"parsing "10000000000000000": value out of range"#);
        assert!("1000000000000000g0".parse::<Fingerprint>().is_err_and(|e| !e.out_of_range));
        assert_eq!(u64::from(Fingerprint::from(7)), 7);
    }
}
