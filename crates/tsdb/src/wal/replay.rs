//! Reading the log back at start-up: the newest checkpoint, then the segments after it. A
//! torn or corrupt tail is repaired: the segment is cut after its last good record, later
//! segments are deleted (their records may refer to what was lost), and the repair is
//! reported.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::checkpoint::{list_checkpoints, remove_stale};
use super::metrics::WalMetrics;
use super::record::{
    RefSample, RefSeries, SAMPLES, SERIES, TOMBSTONES, decode_samples, decode_series,
};
use super::segment::{Corruption, list_segments, read_file_records};
use super::writer::sync_dir;
use crate::error::TsdbError;

/// A decoded record, handed to the replay's consumer.
#[derive(Debug, Clone, Copy)]
pub enum Record<'a> {
    Series(&'a [RefSeries]),
    Samples(&'a [RefSample]),
}

/// A corruption found at start-up and what was done about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalRepair {
    /// The segment (or checkpoint file) with the corruption.
    pub file: PathBuf,
    /// Where it was cut: every record before this offset was kept.
    pub offset: u64,
    pub reason: String,
    /// Bytes cut off the end of `file`.
    pub truncated_bytes: u64,
    /// Later segments deleted.
    pub deleted_segments: Vec<PathBuf>,
}

impl fmt::Display for WalRepair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: corrupt at offset {}: {}; truncated {} bytes",
            self.file.display(),
            self.offset,
            self.reason,
            self.truncated_bytes
        )?;
        if !self.deleted_segments.is_empty() {
            write!(f, " and deleted {} later segment(s)", self.deleted_segments.len())?;
        }
        Ok(())
    }
}

/// What a replay read.
#[derive(Debug, Clone, Default)]
pub struct ReplayReport {
    /// The checkpoint replayed first, by the last segment it covers.
    pub checkpoint: Option<u32>,
    /// Segments replayed after it.
    pub segments: Vec<u32>,
    pub records: u64,
    pub series: u64,
    pub samples: u64,
    /// Samples whose series record was missing (dropped by a checkpoint or lost in a
    /// repair); skipped.
    pub unknown_refs: u64,
    /// Samples the head refused (out of order against what was already replayed); skipped.
    pub rejected: u64,
    pub repairs: Vec<WalRepair>,
    pub duration: Duration,
}

/// Decodes `rec` and hands it on; an undecodable record is an error (a corruption).
struct Dispatch<'f> {
    series: Vec<RefSeries>,
    samples: Vec<RefSample>,
    each: &'f mut dyn FnMut(Record<'_>),
    records: u64,
    n_series: u64,
    n_samples: u64,
}

impl Dispatch<'_> {
    fn record(&mut self, rec: &[u8]) -> Result<(), String> {
        match rec.first().copied() {
            Some(SERIES) => {
                self.series.clear();
                decode_series(rec, &mut self.series).map_err(|e| e.0)?;
                self.n_series += self.series.len() as u64;
                (self.each)(Record::Series(&self.series));
            }
            Some(SAMPLES) => {
                self.samples.clear();
                decode_samples(rec, &mut self.samples).map_err(|e| e.0)?;
                self.n_samples += self.samples.len() as u64;
                (self.each)(Record::Samples(&self.samples));
            }
            // Tombstones and upstream's other record types (exemplars, metadata,
            // histograms, ...): valid, not stored by klaxon.
            Some(t) if (TOMBSTONES..=13).contains(&t) => {}
            Some(t) => return Err(format!("unknown record type {t}")),
            None => return Err("empty record".into()),
        }
        self.records += 1;
        Ok(())
    }

    /// Replays one file; returns the corruption that stopped it, if any.
    fn file(&mut self, path: &Path) -> Result<Option<Corruption>, TsdbError> {
        read_file_records(path, |_, rec| self.record(rec))
            .map(Result::err)
            .map_err(|e| TsdbError::io(path, e))
    }
}

/// Cuts `path` to `offset` bytes and makes that durable; returns the bytes removed.
fn truncate(path: &Path, offset: u64) -> Result<u64, TsdbError> {
    let f = OpenOptions::new().write(true).open(path).map_err(|e| TsdbError::io(path, e))?;
    let len = f.metadata().map_err(|e| TsdbError::io(path, e))?.len();
    f.set_len(offset).map_err(|e| TsdbError::io(path, e))?;
    f.sync_all().map_err(|e| TsdbError::io(path, e))?;
    Ok(len.saturating_sub(offset))
}

/// Replays the log in `dir` (missing: nothing to replay), repairing a corrupt tail. Fails
/// only when files cannot be read or repaired.
pub fn replay(
    dir: &Path,
    metrics: &WalMetrics,
    each: &mut dyn FnMut(Record<'_>),
) -> Result<ReplayReport, TsdbError> {
    let start = Instant::now();
    let mut report = ReplayReport::default();
    if !dir.exists() {
        return Ok(report);
    }
    let checkpoint = list_checkpoints(dir)?.pop();
    remove_stale(dir, checkpoint.as_ref().map(|c| c.0))?;
    let mut d = Dispatch {
        series: Vec::new(),
        samples: Vec::new(),
        each,
        records: 0,
        n_series: 0,
        n_samples: 0,
    };
    if let Some((n, cp_dir)) = &checkpoint {
        report.checkpoint = Some(*n);
        for (_, path) in list_segments(cp_dir).map_err(|e| TsdbError::io(cp_dir, e))? {
            if let Some(c) = d.file(&path)? {
                // Written whole and renamed into place, so this is damage on disk: keep
                // what reads, go on with the segments.
                let truncated_bytes = truncate(&path, c.offset)?;
                report.repairs.push(WalRepair {
                    file: path.clone(),
                    offset: c.offset,
                    reason: c.reason,
                    truncated_bytes,
                    deleted_segments: Vec::new(),
                });
            }
        }
    }
    let after = checkpoint.as_ref().map(|c| c.0);
    let segments: Vec<(u32, PathBuf)> = list_segments(dir)
        .map_err(|e| TsdbError::io(dir, e))?
        .into_iter()
        .filter(|(n, _)| after.is_none_or(|a| *n > a))
        .collect();
    for (i, (n, path)) in segments.iter().enumerate() {
        if let Some(prev) = i.checked_sub(1).map(|p| segments[p].0)
            && prev + 1 != *n
        {
            tracing::warn!(dir = %dir.display(), missing_after = prev, next = n, "write-ahead log segments are not contiguous");
        }
        report.segments.push(*n);
        if let Some(c) = d.file(path)? {
            let truncated_bytes = truncate(path, c.offset)?;
            let mut deleted_segments = Vec::new();
            for (_, later) in &segments[i + 1..] {
                fs::remove_file(later).map_err(|e| TsdbError::io(later, e))?;
                deleted_segments.push(later.clone());
            }
            sync_dir(dir)?;
            report.repairs.push(WalRepair {
                file: path.clone(),
                offset: c.offset,
                reason: c.reason,
                truncated_bytes,
                deleted_segments,
            });
            break;
        }
    }
    for r in &report.repairs {
        metrics.corruptions.inc();
        tracing::warn!(repair = %r, "write-ahead log repaired");
    }
    report.records = d.records;
    report.series = d.n_series;
    report.samples = d.n_samples;
    report.duration = start.elapsed();
    Ok(report)
}
