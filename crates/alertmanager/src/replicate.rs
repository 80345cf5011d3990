//! The wire format of replicated state between cluster peers (silences under the key `sil`,
//! the notification log under `nfl`).
//!
//! A message is a 3-byte header — magic `K`, format version, kind (delta or full state) — and
//! then records, each a little-endian `u32` length and the record's bytes. A record is what
//! the owner journals on disk ([`crate::persist::Enc`]), so one encoding serves the disk and
//! the wire. The version lets a newer klaxon refuse (rather than misread) an older peer's
//! bytes; the kind tells a full state (push-pull, join) from a delta, which the notification
//! log uses to know it has caught up with the cluster after a restart.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

/// First byte of every message.
const MAGIC: u8 = b'K';
/// Bumped when a record changes incompatibly.
pub const VERSION: u8 = 1;
/// Records larger than this are damage, not data.
const MAX_RECORD: usize = 64 << 20;

/// Whether a message is the sender's whole state or a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A local change, broadcast as it happens.
    Delta,
    /// Everything the sender has (push-pull and joins).
    Full,
}

/// Builds a message from records.
pub fn encode<I, R>(kind: Kind, records: I) -> Vec<u8>
where
    I: IntoIterator<Item = R>,
    R: AsRef<[u8]>,
{
    let mut out = vec![MAGIC, VERSION, matches!(kind, Kind::Full) as u8];
    for r in records {
        let r = r.as_ref();
        out.extend_from_slice(&(r.len() as u32).to_le_bytes());
        out.extend_from_slice(r);
    }
    out
}

/// Splits a message into its kind and records; bad bytes are an error naming what is wrong.
pub fn decode(bytes: &[u8]) -> Result<(Kind, Vec<&[u8]>), String> {
    let [magic, version, kind, rest @ ..] = bytes else {
        return Err(format!("message of {} bytes is too short", bytes.len()));
    };
    if *magic != MAGIC {
        return Err(format!("bad magic byte {magic:#04x}"));
    }
    if *version != VERSION {
        return Err(format!("unsupported format version {version} (this node speaks {VERSION})"));
    }
    let kind = match kind {
        0 => Kind::Delta,
        1 => Kind::Full,
        k => return Err(format!("unknown message kind {k}")),
    };
    let mut records = Vec::new();
    let mut rest = rest;
    while !rest.is_empty() {
        let Some((len, tail)) = rest.split_first_chunk::<4>() else {
            return Err(format!("record {}: torn length", records.len()));
        };
        let len = u32::from_le_bytes(*len) as usize;
        if len > MAX_RECORD || len > tail.len() {
            return Err(format!("record {}: length {len} beyond the message", records.len()));
        }
        let (rec, tail) = tail.split_at(len);
        records.push(rec);
        rest = tail;
    }
    Ok((kind, records))
}

/// Coalesces records into one delta per short window before broadcasting them.
///
/// A flush of many groups logs hundreds of entries (and their leases) within a millisecond.
/// One message per record would queue hundreds of small gossip items that ride on SWIM
/// packets a few at a time, so peers would learn of them only seconds later — after their
/// `peer-timeout`, hence duplicates (upstream #4152). One message per window is large, so the
/// cluster sends it straight to every member over TCP; and an entry and the release of its
/// lease arrive together.
pub struct Batcher {
    out: Arc<dyn Fn(Vec<u8>) + Send + Sync>,
    pending: Arc<Mutex<Vec<Vec<u8>>>>,
    window: Duration,
}

impl std::fmt::Debug for Batcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batcher").field("window", &self.window).finish_non_exhaustive()
    }
}

/// Flush at once past this many pending bytes.
const BATCH_BYTES: usize = 256 << 10;

impl Batcher {
    /// Broadcasts through `out`, holding records up to `window`.
    pub fn new(out: Box<dyn Fn(Vec<u8>) + Send + Sync>, window: Duration) -> Batcher {
        Batcher { out: Arc::from(out), pending: Arc::default(), window }
    }

    /// Sends `record` now, with whatever is pending (claims of a send lease: peers must see
    /// them before they decide).
    pub fn push_now(&self, record: Vec<u8>) {
        self.pending.lock().push(record);
        flush(&self.pending, &*self.out);
    }

    /// Queues a record; the first of a window schedules the flush (at once outside a tokio
    /// runtime).
    pub fn push(&self, record: Vec<u8>) {
        let mut p = self.pending.lock();
        p.push(record);
        let first = p.len() == 1;
        let full = p.iter().map(Vec::len).sum::<usize>() >= BATCH_BYTES;
        drop(p);
        if full {
            flush(&self.pending, &*self.out);
            return;
        }
        if !first {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                let (pending, out, window) = (self.pending.clone(), self.out.clone(), self.window);
                h.spawn(async move {
                    tokio::time::sleep(window).await;
                    flush(&pending, &*out);
                });
            }
            Err(_) => flush(&self.pending, &*self.out),
        }
    }
}

fn flush(pending: &Mutex<Vec<Vec<u8>>>, out: &(dyn Fn(Vec<u8>) + Send + Sync)) {
    let records = std::mem::take(&mut *pending.lock());
    if !records.is_empty() {
        out(encode(Kind::Delta, records));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_kinds() {
        let m = encode(Kind::Full, [b"ab".as_slice(), b"".as_slice(), b"xyz".as_slice()]);
        let (k, r) = decode(&m).unwrap();
        assert_eq!(k, Kind::Full);
        assert_eq!(r, vec![b"ab".as_slice(), b"", b"xyz"]);
        let m = encode::<_, &[u8]>(Kind::Delta, []);
        assert_eq!(decode(&m).unwrap(), (Kind::Delta, vec![]));
    }

    #[test]
    fn bad_bytes_are_errors() {
        assert!(decode(b"").is_err());
        assert!(decode(b"XY\0").unwrap_err().contains("magic"));
        assert!(decode(&[MAGIC, 99, 0]).unwrap_err().contains("version 99"));
        assert!(decode(&[MAGIC, VERSION, 7]).unwrap_err().contains("kind"));
        let mut m = encode(Kind::Delta, [b"abc".as_slice()]);
        m.pop();
        assert!(decode(&m).unwrap_err().contains("beyond"));
        assert!(decode(&[MAGIC, VERSION, 0, 1, 0]).unwrap_err().contains("torn"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_window_of_records_goes_out_as_one_delta() {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let s = sent.clone();
        let b = Batcher::new(Box::new(move |m| s.lock().push(m)), Duration::from_millis(20));
        for r in [b"a".as_slice(), b"b", b"c"] {
            b.push(r.to_vec());
        }
        assert!(sent.lock().is_empty());
        tokio::time::sleep(Duration::from_millis(25)).await;
        b.push(b"d".to_vec());
        tokio::time::sleep(Duration::from_millis(25)).await;
        let got: Vec<(Kind, usize)> =
            sent.lock().iter().map(|m| decode(m).map(|(k, r)| (k, r.len())).unwrap()).collect();
        assert_eq!(got, vec![(Kind::Delta, 3), (Kind::Delta, 1)]);
    }
}
