//! Crash-safe state under `--storage.path`: atomic file replacement and a journal (append log
//! plus snapshot) that the alert store, the silences and the notification log share.
//!
//! A [`Journal`] named `x` keeps two kinds of files in its directory:
//!
//! * `x.log.<seq>`: segments of framed records (`u32 length, u32 CRC-32, payload`, little
//!   endian), appended to in memory and written + `fdatasync`ed by [`Journal::sync`]. Callers
//!   either sync before answering (silences) or let the background syncer do it at most one
//!   second later (alerts, nflog): a kill -9 loses at most that last second.
//! * `x.snap`: the whole state as framed records after a header naming the last segment it
//!   covers; written to a temporary file, fsynced, renamed over the old one and the directory
//!   fsynced, so a crash leaves either the old or the new snapshot.
//!
//! [`Journal::compact`] switches to a fresh segment, writes a snapshot and deletes the segments
//! it covers. Replaying a segment on top of a snapshot that already contains its effects must be
//! harmless, so records are "set key to value" / "delete key", never increments.
//!
//! Opening never fails because of file contents: a torn last record (the crash case) is
//! skipped, and a damaged record in the middle is reported with its file and offset while
//! everything before it is kept.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use model::labels::Labels;
use parking_lot::Mutex;

use crate::alert::Time;

/// Replaces `path` with `data` so that a crash leaves either the old or the new content:
/// write a temporary sibling, fsync it, rename it over `path`, fsync the directory.
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("state");
    let tmp = dir.join(format!(".{name}.tmp"));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    sync_dir(dir)
}

/// Makes a directory's entries (created, renamed, removed files) durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    // Directories cannot be fsynced on every platform; where opening one fails there is
    // nothing more to do.
    match File::open(dir) {
        Ok(d) => d.sync_all(),
        Err(_) => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Record framing

const FRAME_HEADER: usize = 8;
/// Records larger than this are treated as damage rather than allocated.
const MAX_RECORD: u32 = 256 << 20;

/// CRC-32 (IEEE); enough to tell a torn or damaged record from a good one.
fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// Appends one framed record to `out`.
pub fn frame(out: &mut Vec<u8>, payload: &[u8]) {
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32(payload).to_le_bytes());
    out.extend_from_slice(payload);
}

/// Splits `data` into framed records. Stops at the first record that is cut short (`torn`)
/// or fails its checksum (`damaged`), reporting where.
fn unframe(data: &[u8], file: &Path, problems: &mut Vec<String>) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos < data.len() {
        let rest = &data[pos..];
        if rest.len() < FRAME_HEADER {
            problems.push(format!(
                "{}: offset {pos}: torn record header ({} bytes) skipped",
                file.display(),
                rest.len()
            ));
            break;
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        if len > MAX_RECORD {
            problems.push(format!(
                "{}: offset {pos}: damaged record (length {len}); {} bytes from here ignored",
                file.display(),
                rest.len()
            ));
            break;
        }
        let end = FRAME_HEADER + len as usize;
        if rest.len() < end {
            problems.push(format!(
                "{}: offset {pos}: torn last record ({} of {end} bytes) skipped",
                file.display(),
                rest.len()
            ));
            break;
        }
        let payload = &rest[FRAME_HEADER..end];
        if crc32(payload) != crc {
            problems.push(format!(
                "{}: offset {pos}: checksum mismatch; {} bytes from here ignored",
                file.display(),
                rest.len()
            ));
            break;
        }
        out.push(payload.to_vec());
        pos += end;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Journal

const SNAPSHOT_MAGIC: &[u8] = b"klaxon-snapshot-v1";

/// What [`Journal::open`] found on disk, oldest first: apply `snapshot`, then `log`.
#[derive(Debug, Default)]
pub struct Recovered {
    /// Records of the last snapshot.
    pub snapshot: Vec<Vec<u8>>,
    /// Records appended after that snapshot, in order.
    pub log: Vec<Vec<u8>>,
    /// Torn tails and damaged records found (file, offset, what); empty when all was clean.
    pub problems: Vec<String>,
}

/// Produces the state records for an automatic compaction (`None` once the owner is gone).
pub type StateFn = Box<dyn Fn() -> Option<Vec<Vec<u8>>> + Send + Sync>;

/// The log is compacted automatically once it holds more than this many bytes and more than
/// twice the last snapshot: a store re-posted every minute must not fill the disk between
/// maintenance runs, nor make a restart replay gigabytes.
const AUTO_COMPACT_MIN: u64 = 64 << 20;

/// An append log with snapshots; see the module documentation.
pub struct Journal {
    dir: PathBuf,
    name: String,
    /// Framed records not yet written to the segment.
    pending: Mutex<Vec<u8>>,
    /// The open segment; also serialises writers so records reach the file in order.
    segment: Mutex<Segment>,
    dirty: AtomicBool,
    /// The last write or fsync failure, until a later sync succeeds.
    failure: Mutex<Option<String>>,
    /// Bytes appended since the last compaction, and the size of the last snapshot.
    log_bytes: AtomicU64,
    snapshot_bytes: AtomicU64,
    compactor: Mutex<Option<StateFn>>,
    auto_min: AtomicU64,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("dir", &self.dir)
            .field("name", &self.name)
            .field("log_bytes", &self.log_bytes.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Segment {
    file: File,
    seq: u64,
    /// The buffer `pending` is swapped with at each write, kept so that a busy journal does
    /// not grow a fresh multi-megabyte buffer (and fault in fresh pages) every second.
    spare: Vec<u8>,
}

/// A spare buffer larger than this is given back to the allocator after a write.
const MAX_SPARE: usize = 32 << 20;

impl Journal {
    /// Opens (creating `dir` if needed) the journal `name` and reads back its state.
    ///
    /// Fails only when the directory or a new segment cannot be created or listed; damaged
    /// contents are reported in [`Recovered::problems`] instead.
    pub fn open(dir: &Path, name: &str) -> io::Result<(Arc<Journal>, Recovered)> {
        fs::create_dir_all(dir)?;
        let mut rec = Recovered::default();
        let snap_path = dir.join(format!("{name}.snap"));
        let mut covered = 0u64;
        match fs::read(&snap_path) {
            Ok(data) => {
                let mut records = unframe(&data, &snap_path, &mut rec.problems).into_iter();
                match records.next() {
                    Some(header) if header.starts_with(SNAPSHOT_MAGIC) => {
                        let seq = &header[SNAPSHOT_MAGIC.len()..];
                        if let Ok(b) = <[u8; 8]>::try_from(seq) {
                            covered = u64::from_le_bytes(b);
                        }
                        rec.snapshot = records.collect();
                    }
                    Some(_) => rec
                        .problems
                        .push(format!("{}: not a klaxon snapshot; ignored", snap_path.display())),
                    None => {}
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                rec.problems.push(format!("{}: {e}; snapshot ignored", snap_path.display()));
            }
        }
        let mut segments = list_segments(dir, name)?;
        segments.sort_by_key(|(seq, _)| *seq);
        let mut last = covered;
        for (seq, path) in &segments {
            last = last.max(*seq);
            if *seq <= covered {
                // Left over from a compaction interrupted after the snapshot was written.
                let _ = fs::remove_file(path);
                continue;
            }
            let mut data = Vec::new();
            match File::open(path).and_then(|mut f| f.read_to_end(&mut data)) {
                Ok(_) => rec.log.extend(unframe(&data, path, &mut rec.problems)),
                Err(e) => rec.problems.push(format!("{}: {e}; segment ignored", path.display())),
            }
        }
        let seq = last + 1;
        let file = create_segment(dir, name, seq)?;
        let journal = Arc::new(Journal {
            dir: dir.to_path_buf(),
            name: name.to_string(),
            pending: Mutex::new(Vec::new()),
            segment: Mutex::new(Segment { file, seq, spare: Vec::new() }),
            dirty: AtomicBool::new(false),
            failure: Mutex::new(None),
            log_bytes: AtomicU64::new(0),
            snapshot_bytes: AtomicU64::new(0),
            compactor: Mutex::new(None),
            auto_min: AtomicU64::new(AUTO_COMPACT_MIN),
        });
        Ok((journal, rec))
    }

    /// Queues one record; it reaches the disk at the next [`Journal::sync`].
    pub fn append(&self, payload: &[u8]) {
        let mut p = self.pending.lock();
        frame(&mut p, payload);
        self.dirty.store(true, Ordering::Release);
        self.log_bytes.fetch_add((payload.len() + FRAME_HEADER) as u64, Ordering::Relaxed);
    }

    /// Queues records already framed with [`frame`]: one lock for a batch.
    pub fn append_framed(&self, framed: &[u8]) {
        if framed.is_empty() {
            return;
        }
        self.pending.lock().extend_from_slice(framed);
        self.dirty.store(true, Ordering::Release);
        self.log_bytes.fetch_add(framed.len() as u64, Ordering::Relaxed);
    }

    /// Writes and fsyncs every queued record.
    pub fn sync(&self) -> io::Result<()> {
        let mut seg = self.segment.lock();
        self.flush_locked(&mut seg)
    }

    fn flush_locked(&self, seg: &mut Segment) -> io::Result<()> {
        self.dirty.store(false, Ordering::Release);
        let mut buf = std::mem::take(&mut seg.spare);
        std::mem::swap(&mut buf, &mut *self.pending.lock());
        if buf.is_empty() {
            seg.spare = buf;
            return Ok(());
        }
        let res = seg.file.write_all(&buf).and_then(|()| seg.file.sync_data());
        buf.clear();
        if buf.capacity() <= MAX_SPARE {
            seg.spare = buf;
        }
        match &res {
            Ok(()) => *self.failure.lock() = None,
            Err(e) => {
                *self.failure.lock() = Some(format!(
                    "writing {}: {e}",
                    segment_path(&self.dir, &self.name, seg.seq).display()
                ))
            }
        }
        res
    }

    /// The last write failure, if the most recent sync failed.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().clone()
    }

    /// Starts a thread that syncs queued records every `interval` while the journal lives
    /// (a plain thread: it must keep going whatever the async runtime does, and fsync blocks).
    pub fn start_syncer(self: &Arc<Self>, interval: Duration) {
        let weak: Weak<Journal> = Arc::downgrade(self);
        let name = format!("journal-{}", self.name);
        let spawned = std::thread::Builder::new().name(name).spawn(move || {
            loop {
                std::thread::sleep(interval);
                let Some(j) = weak.upgrade() else { return };
                if j.dirty.load(Ordering::Acquire)
                    && let Err(e) = j.sync()
                {
                    tracing::error!(journal = %j.name, err = %e, "syncing journal failed");
                }
                j.auto_compact();
            }
        });
        if let Err(e) = spawned {
            tracing::error!(journal = %self.name, err = %e, "cannot start journal syncer");
        }
    }

    /// Lets the syncer thread compact on its own when the log grows large (see
    /// [`AUTO_COMPACT_MIN`]); `state` returns the records as for [`Journal::compact`].
    pub fn set_auto_compact(&self, state: StateFn) {
        *self.compactor.lock() = Some(state);
    }

    fn auto_compact(&self) {
        let log = self.log_bytes.load(Ordering::Relaxed);
        let min = self.auto_min.load(Ordering::Relaxed);
        if log < min || log < 2 * self.snapshot_bytes.load(Ordering::Relaxed) {
            return;
        }
        let guard = self.compactor.lock();
        let Some(state) = guard.as_ref() else { return };
        // The owner gone (`None`): abandon after the segment switch, which loses nothing.
        if let Err(e) = self.compact_with(state) {
            tracing::error!(journal = %self.name, err = %e, "compacting journal failed");
        }
    }

    /// Changes the log size that triggers an automatic compaction (default 64 MiB).
    pub fn set_auto_compact_threshold(&self, bytes: u64) {
        self.auto_min.store(bytes, Ordering::Relaxed);
    }

    /// Bytes appended since the last compaction.
    pub fn log_bytes(&self) -> u64 {
        self.log_bytes.load(Ordering::Relaxed)
    }

    /// Replaces the log by a snapshot of the current state.
    ///
    /// `state` is called after the switch to a new segment, so every record in the retired
    /// segments is already reflected in what it returns (callers apply a change before they
    /// append its record).
    pub fn compact(&self, state: impl FnOnce() -> Vec<Vec<u8>>) -> io::Result<()> {
        self.compact_with(|| Some(state()))
    }

    fn compact_with(&self, state: impl FnOnce() -> Option<Vec<Vec<u8>>>) -> io::Result<()> {
        let retired = {
            let mut seg = self.segment.lock();
            self.flush_locked(&mut seg)?;
            let next = seg.seq + 1;
            let file = create_segment(&self.dir, &self.name, next)?;
            let retired = seg.seq;
            *seg = Segment { file, seq: next, spare: std::mem::take(&mut seg.spare) };
            self.log_bytes.store(0, Ordering::Relaxed);
            retired
        };
        let Some(records) = state() else { return Ok(()) };
        let mut data = Vec::with_capacity(64 + records.iter().map(|r| r.len() + 8).sum::<usize>());
        let mut header = SNAPSHOT_MAGIC.to_vec();
        header.extend_from_slice(&retired.to_le_bytes());
        frame(&mut data, &header);
        for r in &records {
            frame(&mut data, r);
        }
        write_atomic(&self.dir.join(format!("{}.snap", self.name)), &data)?;
        self.snapshot_bytes.store(data.len() as u64, Ordering::Relaxed);
        for (seq, path) in list_segments(&self.dir, &self.name)? {
            if seq <= retired {
                fs::remove_file(path)?;
            }
        }
        sync_dir(&self.dir)
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // A clean drop flushes what is queued; a kill -9 does not get here.
        let _ = self.sync();
    }
}

fn segment_path(dir: &Path, name: &str, seq: u64) -> PathBuf {
    dir.join(format!("{name}.log.{seq:020}"))
}

fn create_segment(dir: &Path, name: &str, seq: u64) -> io::Result<File> {
    let file = OpenOptions::new().create(true).append(true).open(segment_path(dir, name, seq))?;
    sync_dir(dir)?;
    Ok(file)
}

fn list_segments(dir: &Path, name: &str) -> io::Result<Vec<(u64, PathBuf)>> {
    let prefix = format!("{name}.log.");
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let fname = entry.file_name();
        let Some(fname) = fname.to_str() else { continue };
        if let Some(seq) = fname.strip_prefix(&prefix).and_then(|s| s.parse::<u64>().ok()) {
            out.push((seq, entry.path()));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Record encoding

/// Builds a record payload: little-endian integers, length-prefixed strings.
#[derive(Debug, Default)]
pub struct Enc {
    /// The bytes so far.
    pub buf: Vec<u8>,
}

impl Enc {
    /// An empty payload.
    pub fn new() -> Self {
        Enc { buf: Vec::with_capacity(256) }
    }
    /// One byte.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }
    /// A `u32`.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// A `u64`.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// A string.
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.u32(s.len() as u32);
        self.buf.extend_from_slice(s.as_bytes());
        self
    }
    /// A time at nanosecond precision.
    pub fn time(&mut self, t: Time) -> &mut Self {
        self.u64(t.as_second() as u64).u32(t.subsec_nanosecond() as u32)
    }
    /// A label set.
    pub fn labels(&mut self, ls: &Labels) -> &mut Self {
        self.u32(ls.len() as u32);
        for l in ls.iter() {
            self.str(l.name).str(l.value);
        }
        self
    }
}

/// Reads a payload written by [`Enc`]; every read fails cleanly on short or bad input.
#[derive(Debug)]
pub struct Dec<'a> {
    b: &'a [u8],
}

impl<'a> Dec<'a> {
    /// Reads `b` from its start.
    pub fn new(b: &'a [u8]) -> Self {
        Dec { b }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.b.len() < n {
            return Err("record ends early".into());
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }
    /// One byte.
    pub fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    /// A `u32`.
    pub fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// A `u64`.
    pub fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    /// A string.
    pub fn str(&mut self) -> Result<&'a str, String> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).map_err(|_| "string is not UTF-8".to_string())
    }
    /// A time.
    pub fn time(&mut self) -> Result<Time, String> {
        let secs = self.u64()? as i64;
        let nanos = self.u32()? as i32;
        Time::new(secs, nanos).map_err(|e| format!("bad time: {e}"))
    }
    /// A label set.
    pub fn labels(&mut self) -> Result<Labels, String> {
        let n = self.u32()? as usize;
        let mut pairs = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            pairs.push((self.str()?, self.str()?));
        }
        Ok(Labels::from_pairs(pairs))
    }
    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.b.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_ieee_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn records_survive_reopen_and_compaction() {
        let dir = tempfile::tempdir().unwrap();
        let (j, rec) = Journal::open(dir.path(), "t").unwrap();
        assert!(rec.log.is_empty() && rec.snapshot.is_empty());
        j.append(b"one");
        j.append(b"two");
        j.sync().unwrap();
        drop(j);
        let (j, rec) = Journal::open(dir.path(), "t").unwrap();
        assert_eq!(rec.log, vec![b"one".to_vec(), b"two".to_vec()]);
        j.compact(|| vec![b"state".to_vec()]).unwrap();
        j.append(b"three");
        j.sync().unwrap();
        std::mem::forget(j); // no clean shutdown
        let (_j, rec) = Journal::open(dir.path(), "t").unwrap();
        assert_eq!(rec.snapshot, vec![b"state".to_vec()]);
        assert_eq!(rec.log, vec![b"three".to_vec()]);
        assert!(rec.problems.is_empty(), "{:?}", rec.problems);
    }

    #[test]
    fn torn_tail_is_skipped_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (j, _) = Journal::open(dir.path(), "t").unwrap();
        j.append(b"good");
        j.append(b"cut short");
        j.sync().unwrap();
        drop(j);
        let (seq, path) = list_segments(dir.path(), "t").unwrap().into_iter().max().unwrap();
        assert!(seq > 0);
        let len = fs::metadata(&path).unwrap().len();
        OpenOptions::new().write(true).open(&path).unwrap().set_len(len - 3).unwrap();
        let (_j, rec) = Journal::open(dir.path(), "t").unwrap();
        assert_eq!(rec.log, vec![b"good".to_vec()]);
        assert_eq!(rec.problems.len(), 1);
        assert!(rec.problems[0].contains("torn last record"), "{}", rec.problems[0]);
    }

    #[test]
    fn damaged_record_is_reported_with_offset() {
        let dir = tempfile::tempdir().unwrap();
        let (j, _) = Journal::open(dir.path(), "t").unwrap();
        j.append(b"good");
        j.append(b"flipped");
        j.append(b"after");
        j.sync().unwrap();
        drop(j);
        let (_, path) = list_segments(dir.path(), "t").unwrap().into_iter().max().unwrap();
        let mut data = fs::read(&path).unwrap();
        data[12 + 8 + 2] ^= 0xFF; // inside "flipped"
        fs::write(&path, data).unwrap();
        let (_j, rec) = Journal::open(dir.path(), "t").unwrap();
        assert_eq!(rec.log, vec![b"good".to_vec()]);
        assert!(rec.problems[0].contains("offset 12: checksum mismatch"), "{:?}", rec.problems);
    }

    #[test]
    fn auto_compaction_kicks_in_past_the_threshold_and_skips_without_owner() {
        let dir = tempfile::tempdir().unwrap();
        let (j, _) = Journal::open(dir.path(), "t").unwrap();
        j.set_auto_compact_threshold(100);
        let alive = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let a = alive.clone();
        j.set_auto_compact(Box::new(move || {
            a.load(Ordering::Relaxed).then(|| vec![b"state".to_vec()])
        }));
        j.append(&[1u8; 50]);
        j.auto_compact();
        assert!(!dir.path().join("t.snap").exists(), "below the threshold");
        j.append(&[2u8; 50]);
        j.auto_compact();
        assert_eq!(j.log_bytes(), 0);
        j.append(&[3u8; 120]);
        alive.store(false, Ordering::Relaxed);
        j.auto_compact();
        j.sync().unwrap();
        std::mem::forget(j);
        let (_j, rec) = Journal::open(dir.path(), "t").unwrap();
        assert_eq!(rec.snapshot, vec![b"state".to_vec()]);
        assert_eq!(rec.log, vec![vec![3u8; 120]], "abandoned compaction lost nothing");
    }

    #[test]
    fn atomic_write_replaces_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        write_atomic(&p, b"a").unwrap();
        write_atomic(&p, b"bb").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"bb");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn codec_round_trips_and_rejects_short_input() {
        let t = Time::new(1_700_000_000, 123).unwrap();
        let ls = Labels::from_pairs([("a", "1"), ("b", "Σ")]);
        let mut e = Enc::new();
        e.u8(7).str("x").time(t).labels(&ls);
        let mut d = Dec::new(&e.buf);
        assert_eq!(d.u8().unwrap(), 7);
        assert_eq!(d.str().unwrap(), "x");
        assert_eq!(d.time().unwrap(), t);
        assert_eq!(d.labels().unwrap(), ls);
        assert!(d.is_empty());
        assert!(Dec::new(&e.buf[..e.buf.len() - 1]).u8().is_ok());
        let mut d = Dec::new(&e.buf[..5]);
        d.u8().unwrap();
        assert!(d.str().is_err());
    }
}
