//! Writing segments: the log's active segment and the files of a checkpoint.

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::metrics::WalMetrics;
use super::segment::{encode_fragments, segment_name};
use crate::error::TsdbError;

/// Makes a directory's new entries (created, renamed or removed files) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), TsdbError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| TsdbError::io(dir, e))
}

/// Appends records to numbered segments in a directory, cutting a new segment when the next
/// write would pass `segment_size`. A batch of records is one `pwrite`; a failed write is cut
/// off again so that the segment never holds a half record followed by good ones.
#[derive(Debug)]
pub(crate) struct SegmentWriter {
    dir: PathBuf,
    segment_size: u64,
    file: File,
    path: PathBuf,
    segment: u32,
    /// Bytes in the active segment.
    pos: u64,
    buf: Vec<u8>,
    /// Set when a failed write could not be undone: the segment's end is unknown.
    broken: Option<String>,
    /// Whether bytes were written since the last fsync.
    pub dirty: bool,
}

impl SegmentWriter {
    /// Starts segment `segment` in `dir` (an existing file of that name is emptied).
    pub fn create(dir: &Path, segment: u32, segment_size: u64) -> Result<Self, TsdbError> {
        fs::create_dir_all(dir).map_err(|e| TsdbError::io(dir, e))?;
        let (file, path) = open_segment(dir, segment)?;
        Ok(SegmentWriter {
            dir: dir.to_path_buf(),
            segment_size,
            file,
            path,
            segment,
            pos: 0,
            buf: Vec::new(),
            broken: None,
            dirty: false,
        })
    }

    pub fn segment(&self) -> u32 {
        self.segment
    }

    pub fn file(&self) -> &File {
        &self.file
    }

    /// Writes `records` (each a whole record) with one write; they land in one segment.
    pub fn write(&mut self, records: &[&[u8]], metrics: &WalMetrics) -> Result<(), TsdbError> {
        if let Some(why) = &self.broken {
            return Err(TsdbError::Invalid(format!(
                "{}: write-ahead log unusable after a failed write: {why}",
                self.path.display()
            )));
        }
        let start = self.pos;
        let mut end = self.encode(records, start);
        if start > 0 && end > self.segment_size {
            self.cut(metrics)?;
            end = self.encode(records, 0);
        }
        let start = self.pos;
        if let Err(e) = self.file.write_all_at(&self.buf, start) {
            metrics.writes_failed.inc();
            // Take back whatever part of the write landed.
            if let Err(e2) = self.file.set_len(start) {
                self.broken = Some(format!("{e}; then truncating: {e2}"));
            }
            return Err(TsdbError::io(&self.path, e));
        }
        self.pos = end;
        self.dirty = true;
        Ok(())
    }

    /// Encodes `records` into `self.buf` as written at `pos`; returns the end offset.
    fn encode(&mut self, records: &[&[u8]], mut pos: u64) -> u64 {
        self.buf.clear();
        for rec in records {
            encode_fragments(rec, &mut pos, &mut self.buf);
        }
        pos
    }

    /// Fsyncs the active segment.
    pub fn sync(&mut self, metrics: &WalMetrics) -> Result<(), TsdbError> {
        let t = Instant::now();
        self.file.sync_data().map_err(|e| TsdbError::io(&self.path, e))?;
        metrics.fsync_duration.observe(t.elapsed().as_secs_f64());
        self.dirty = false;
        Ok(())
    }

    /// Finishes the active segment (fsynced) and starts the next one.
    pub fn cut(&mut self, metrics: &WalMetrics) -> Result<u32, TsdbError> {
        self.sync(metrics)?;
        let next = self.segment.checked_add(1).ok_or_else(|| {
            TsdbError::Invalid(format!("{}: segment numbers exhausted", self.dir.display()))
        })?;
        let (file, path) = open_segment(&self.dir, next)?;
        sync_dir(&self.dir)?;
        self.file = file;
        self.path = path;
        self.segment = next;
        self.pos = 0;
        self.broken = None;
        metrics.segment_current.set(i64::from(next));
        Ok(next)
    }
}

fn open_segment(dir: &Path, n: u32) -> Result<(File, PathBuf), TsdbError> {
    let path = dir.join(segment_name(n));
    let file = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(&path)
        .map_err(|e| TsdbError::io(&path, e))?;
    Ok((file, path))
}
