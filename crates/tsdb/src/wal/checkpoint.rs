//! Checkpoints: `checkpoint.NNNNNNNN` holds what is still needed from segments `..= N` (and
//! the checkpoint before it), in the segment format, so those segments can be deleted and
//! replay starts from it. Written to `checkpoint.N.tmp`, fsynced and renamed, so a crash
//! leaves either the old state or the new one.

use std::fs;
use std::path::{Path, PathBuf};

use super::metrics::WalMetrics;
use super::record::{
    RefSample, RefSeries, SAMPLES, SERIES, decode_samples, decode_series, encode_samples,
    encode_series,
};
use super::segment::{list_segments, read_file_records};
use super::writer::{SegmentWriter, sync_dir};
use crate::error::TsdbError;

const PREFIX: &str = "checkpoint.";
/// A record is flushed when it grows past this, keeping records (and replay's buffers) small:
/// 256 KiB of samples decode into about 26k samples (630 KB) at a time.
const FLUSH_BYTES: usize = 1 << 18;

/// What [`super::Wal::checkpoint`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckpointStats {
    /// The new checkpoint's directory.
    pub dir: PathBuf,
    pub series_kept: u64,
    pub series_dropped: u64,
    pub samples_kept: u64,
    pub samples_dropped: u64,
    /// Segments (and older checkpoints) deleted after it.
    pub deleted: usize,
}

pub(crate) fn checkpoint_name(n: u32) -> String {
    format!("{PREFIX}{n:08}")
}

/// Finished checkpoints in `dir`, oldest first.
pub(crate) fn list_checkpoints(dir: &Path) -> Result<Vec<(u32, PathBuf)>, TsdbError> {
    let mut out = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(TsdbError::io(dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| TsdbError::io(dir, e))?;
        let name = entry.file_name();
        let Some(num) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else { continue };
        if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Ok(n) = num.parse::<u32>()
            && entry.path().is_dir()
        {
            out.push((n, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Removes what checkpoint `keep` made obsolete (older checkpoints, segments `..= keep`) and
/// unfinished checkpoints; returns how many entries went.
pub(crate) fn remove_stale(dir: &Path, keep: Option<u32>) -> Result<usize, TsdbError> {
    let mut removed = 0;
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(TsdbError::io(dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| TsdbError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name.starts_with(PREFIX) && name.ends_with(".tmp") {
            fs::remove_dir_all(&path).map_err(|e| TsdbError::io(&path, e))?;
            removed += 1;
        }
    }
    if let Some(keep) = keep {
        for (n, path) in list_checkpoints(dir)? {
            if n < keep {
                fs::remove_dir_all(&path).map_err(|e| TsdbError::io(&path, e))?;
                removed += 1;
            }
        }
        for (n, path) in list_segments(dir).map_err(|e| TsdbError::io(dir, e))? {
            if n <= keep {
                fs::remove_file(&path).map_err(|e| TsdbError::io(&path, e))?;
                removed += 1;
            }
        }
    }
    if removed > 0 {
        sync_dir(dir)?;
    }
    Ok(removed)
}

/// Collects kept records and writes them in flushes, series always before the samples that
/// may refer to them.
struct Out<'m> {
    w: SegmentWriter,
    metrics: &'m WalMetrics,
    series: Vec<u8>,
    samples: Vec<u8>,
    pending_samples: Vec<RefSample>,
}

impl Out<'_> {
    fn flush_series(&mut self) -> Result<(), TsdbError> {
        if self.series.len() > 1 {
            self.w.write(&[&self.series], self.metrics)?;
        }
        self.series.truncate(0);
        self.series.push(SERIES);
        Ok(())
    }

    fn flush_samples(&mut self) -> Result<(), TsdbError> {
        self.flush_series()?;
        if !self.pending_samples.is_empty() {
            self.samples.clear();
            encode_samples(self.pending_samples.drain(..), &mut self.samples);
            self.w.write(&[&self.samples], self.metrics)?;
        }
        Ok(())
    }
}

/// Writes checkpoint `up_to` from `sources` (the previous checkpoint's files, then the
/// segments it covers, in order), keeping series for which `keep` holds and their samples at
/// or after `mint`. Deletes what it makes obsolete.
pub(crate) fn create(
    dir: &Path,
    sources: &[PathBuf],
    up_to: u32,
    keep: &dyn Fn(u64) -> bool,
    mint: i64,
    segment_size: u64,
    metrics: &WalMetrics,
) -> Result<CheckpointStats, TsdbError> {
    let final_dir = dir.join(checkpoint_name(up_to));
    let tmp = dir.join(format!("{}.tmp", checkpoint_name(up_to)));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(|e| TsdbError::io(&tmp, e))?;
    }
    let mut out = Out {
        w: SegmentWriter::create(&tmp, 0, segment_size)?,
        metrics,
        series: vec![SERIES],
        samples: Vec::new(),
        pending_samples: Vec::new(),
    };
    let mut stats = CheckpointStats { dir: final_dir.clone(), ..Default::default() };
    let mut series: Vec<RefSeries> = Vec::new();
    let mut samples: Vec<RefSample> = Vec::new();
    for path in sources {
        let mut failed: Option<TsdbError> = None;
        // Page by page: a segment may be 128 MiB.
        let read = read_file_records(path, |_, rec| {
            let r = match rec.first().copied() {
                Some(SERIES) => {
                    series.clear();
                    decode_series(rec, &mut series).map_err(|e| e.0)?;
                    for s in &series {
                        if keep(s.r#ref) {
                            stats.series_kept += 1;
                            encode_series_into(&mut out.series, s);
                        } else {
                            stats.series_dropped += 1;
                        }
                    }
                    if out.series.len() > FLUSH_BYTES { out.flush_series() } else { Ok(()) }
                }
                Some(SAMPLES) => {
                    samples.clear();
                    decode_samples(rec, &mut samples).map_err(|e| e.0)?;
                    for s in &samples {
                        if s.t >= mint && keep(s.r#ref) {
                            stats.samples_kept += 1;
                            out.pending_samples.push(*s);
                        } else {
                            stats.samples_dropped += 1;
                        }
                    }
                    if out.pending_samples.len() * 10 > FLUSH_BYTES {
                        out.flush_samples()
                    } else {
                        Ok(())
                    }
                }
                _ => Ok(()),
            };
            r.map_err(|e| {
                let msg = e.to_string();
                failed = Some(e);
                msg
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        if let Err(c) = read.map_err(|e| TsdbError::io(path, e))? {
            return Err(TsdbError::Corrupt {
                path: path.clone(),
                offset: c.offset,
                message: c.reason,
            });
        }
    }
    out.flush_samples()?;
    out.w.sync(metrics)?;
    drop(out);
    sync_dir(&tmp)?;
    if final_dir.exists() {
        fs::remove_dir_all(&final_dir).map_err(|e| TsdbError::io(&final_dir, e))?;
    }
    fs::rename(&tmp, &final_dir).map_err(|e| TsdbError::io(&final_dir, e))?;
    sync_dir(dir)?;
    stats.deleted = remove_stale(dir, Some(up_to))?;
    Ok(stats)
}

fn encode_series_into(out: &mut Vec<u8>, s: &RefSeries) {
    // `encode_series` writes a type byte first; drop it to extend the open record.
    let at = out.len();
    encode_series([(s.r#ref, &s.labels)], out);
    out.remove(at);
}
