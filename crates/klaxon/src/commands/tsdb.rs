//! `klaxon tsdb import openmetrics FILE [DIR]`: what `promtool tsdb create-blocks-from
//! openmetrics` does. The file is read in parts and parsed whole before anything is written (so
//! a syntax error writes nothing); samples are grouped per series and sorted by time, then
//! written as blocks by `tsdb::Db::import`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use model::labels::Labels;
use model::storage::FPoint;
use scrape::exposition::{Entry, Format, MetricType, Parser, Resume};

use crate::cli::ImportCommand;

/// Prometheus' default (and minimum) block span: 2h in ms.
const BLOCK_MS: i64 = tsdb::DEFAULT_BLOCK_DURATION_MS;

pub fn import(cmd: &ImportCommand) -> ExitCode {
    let ImportCommand::Openmetrics { file, output_dir, quiet, max_block_duration, labels } = cmd;
    let block_ms = max_block_duration
        .and_then(|d| d.to_std())
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .map_or(BLOCK_MS, block_span);
    match run(file, output_dir, labels, block_ms) {
        Ok(summary) => {
            if !quiet {
                print!("{summary}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("klaxon tsdb import openmetrics: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The block span for a requested maximum: the largest of 2h·3ⁱ (i < 10) not above it, as
/// promtool picks (anything below 2h means 2h).
fn block_span(max_ms: i64) -> i64 {
    let mut span = BLOCK_MS;
    for _ in 1..10 {
        match span.checked_mul(3) {
            Some(next) if next <= max_ms => span = next,
            _ => break,
        }
    }
    span
}

fn run(file: &Path, dir: &Path, extra: &[String], block_ms: i64) -> Result<String, String> {
    let extra = parse_extra_labels(extra)?;
    let input = std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
    // Syntax errors come as `line:col: message`, others without a position.
    let imported = read_openmetrics(input, &extra, CHUNK).map_err(|e| {
        let sep = if e.starts_with(|c: char| c.is_ascii_digit()) { ":" } else { ": " };
        format!("{}{sep}{e}", file.display())
    })?;
    let (samples, series, families) =
        (imported.samples, imported.series.len(), imported.metadata.len());
    let blocks = store(dir, imported, block_ms)?;
    Ok(summary(&blocks, samples, series, families, dir))
}

/// How much of the file is read and parsed at a time: files of many gigabytes need not fit
/// in memory next to their samples.
const CHUNK: usize = 16 << 20;

fn parse_extra_labels(extra: &[String]) -> Result<Vec<(String, String)>, String> {
    extra
        .iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("--label {kv:?}: expected NAME=VALUE")),
        })
        .collect()
}

/// A metric family's metadata as declared in the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    pub kind: Option<MetricType>,
    pub help: Option<String>,
    pub unit: Option<String>,
}

/// The parsed file: series sorted by labels, each with its samples sorted by time.
#[derive(Debug, Default)]
pub struct Imported {
    pub series: Vec<(Labels, Vec<FPoint>)>,
    pub metadata: BTreeMap<String, Metadata>,
    pub samples: usize,
}

/// Parses the whole file, `chunk` bytes at a time (cut at line ends). Errors read
/// `line:col: message` (the caller prefixes the file).
pub fn read_openmetrics(
    mut input: impl Read,
    extra: &[(String, String)],
    chunk: usize,
) -> Result<Imported, String> {
    let mut acc = Accumulator { extra, ..Accumulator::default() };
    let mut buf: Vec<u8> = Vec::new();
    let mut from = Resume::default();
    let mut at_end = false;
    while !at_end {
        // Top the buffer (the previous part's unfinished line) up by `chunk` bytes.
        let mut filled = buf.len();
        buf.resize(filled + chunk.max(1), 0);
        while filled < buf.len() {
            match input.read(&mut buf[filled..]) {
                Ok(0) => {
                    at_end = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("{}:1: read: {e}", from.line)),
            }
        }
        buf.truncate(filled);
        let cut = if at_end {
            buf.len()
        } else {
            match buf.iter().rposition(|&b| b == b'\n') {
                Some(i) => i + 1,
                // One line longer than a chunk: read on.
                None => continue,
            }
        };
        let mut parser = Parser::resume(&buf[..cut], Format::OpenMetrics, from, !at_end);
        while let Some(entry) = parser.next_entry() {
            let entry = entry.map_err(|e| e.to_string())?;
            if let Entry::Series(s) = &entry
                && s.timestamp.is_none()
            {
                let labels = s.to_labels();
                let line = parser.line();
                return Err(format!("{line}:1: expected timestamp for series {labels}, got none"));
            }
            acc.add(entry);
        }
        from = parser.resume_point();
        buf.drain(..cut);
    }
    acc.finish()
}

/// Samples grouped per series as they are read.
#[derive(Debug, Default)]
struct Accumulator<'e> {
    extra: &'e [(String, String)],
    /// Raw series text → slot, so the label set is built once per distinct line prefix.
    by_raw: HashMap<Vec<u8>, usize>,
    by_labels: HashMap<Labels, usize>,
    series: Vec<(Labels, Vec<FPoint>)>,
    metadata: BTreeMap<String, Metadata>,
    samples: usize,
}

impl Accumulator<'_> {
    fn add(&mut self, entry: Entry<'_>) {
        match entry {
            Entry::Series(s) => {
                let Some(t) = s.timestamp else { return };
                let slot = match self.by_raw.get(s.raw) {
                    Some(&slot) => slot,
                    None => {
                        let mut labels = s.to_labels();
                        if !self.extra.is_empty() {
                            let mut b = labels.builder();
                            for (k, v) in self.extra {
                                b.set(k, v);
                            }
                            labels = b.labels();
                        }
                        let next = self.series.len();
                        let slot = *self.by_labels.entry(labels.clone()).or_insert(next);
                        if slot == next {
                            self.series.push((labels, Vec::new()));
                        }
                        self.by_raw.insert(s.raw.to_vec(), slot);
                        slot
                    }
                };
                self.series[slot].1.push(FPoint { t, f: s.value });
                self.samples += 1;
            }
            Entry::Type { name, kind } => {
                self.metadata.entry(name.into_owned()).or_default().kind = Some(kind);
            }
            Entry::Help { name, help } => {
                self.metadata.entry(name.into_owned()).or_default().help = Some(help.into_owned());
            }
            Entry::Unit { name, unit } => {
                self.metadata.entry(name.into_owned()).or_default().unit = Some(unit.into_owned());
            }
            Entry::Comment(_) | Entry::Eof => {}
        }
    }

    /// Sorts each series by time and the series by labels.
    fn finish(self) -> Result<Imported, String> {
        let Accumulator { mut series, metadata, samples, .. } = self;
        for (labels, points) in &mut series {
            points.sort_by_key(|p| p.t);
            // Same time twice: fine if the value repeats (dropped), an error otherwise, as the
            // TSDB appender reports it.
            let mut conflict = None;
            points.dedup_by(|b, a| {
                if a.t != b.t {
                    return false;
                }
                if a.f.to_bits() != b.f.to_bits() && conflict.is_none() {
                    conflict = Some(a.t);
                }
                true
            });
            if let Some(t) = conflict {
                return Err(format!(
                    "duplicate sample for timestamp {t} with different values in series {labels}"
                ));
            }
        }
        series.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Imported { series, metadata, samples })
    }
}

/// One written block, for the report.
#[derive(Debug)]
struct Written {
    meta: tsdb::block::BlockMeta,
    bytes: u64,
}

/// Writes the samples as blocks under `dir` (created if missing; blocks already there stay).
/// Metadata (TYPE/HELP/UNIT) is not stored: the TSDB has no place for it yet.
fn store(dir: &Path, imported: Imported, block_ms: i64) -> Result<Vec<Written>, String> {
    // No write-ahead log: this only writes blocks, maybe beside a server using the directory.
    let opts =
        tsdb::DbOptions { block_duration_ms: block_ms, wal: None, ..tsdb::DbOptions::default() };
    let db = tsdb::Db::open(dir, opts).map_err(|e| format!("open {}: {e}", dir.display()))?;
    let paths = db.import(imported.series).map_err(|e| format!("write blocks: {e}"))?;
    let metas = db.blocks();
    let mut written = Vec::with_capacity(paths.len());
    for path in paths {
        let id = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(meta) = metas.iter().find(|m| m.ulid == id) {
            written.push(Written { meta: meta.clone(), bytes: dir_size(&path) });
        }
    }
    Ok(written)
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

/// promtool's report: one row per block written, then totals.
fn summary(
    blocks: &[Written],
    samples: usize,
    series: usize,
    families: usize,
    dir: &Path,
) -> String {
    let mut out = String::new();
    let row = |out: &mut String, cols: [&str; 8]| {
        let _ = writeln!(
            out,
            "{:<28}{:<15}{:<15}{:<14}{:<13}{:<12}{:<12}{}",
            cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7]
        );
    };
    row(
        &mut out,
        [
            "BLOCK ULID",
            "MIN TIME",
            "MAX TIME",
            "DURATION",
            "NUM SAMPLES",
            "NUM CHUNKS",
            "NUM SERIES",
            "SIZE",
        ],
    );
    for b in blocks {
        let m = &b.meta;
        row(
            &mut out,
            [
                &m.ulid,
                &m.min_time.to_string(),
                &m.max_time.to_string(),
                &format_ms(m.max_time - m.min_time),
                &m.stats.num_samples.to_string(),
                &m.stats.num_chunks.to_string(),
                &m.stats.num_series.to_string(),
                &b.bytes.to_string(),
            ],
        );
    }
    let _ = writeln!(
        out,
        "imported {samples} samples of {series} series ({families} metric families with metadata, not stored) into {} block(s) under {}",
        blocks.len(),
        dir.display()
    );
    out
}

/// A span in Go's duration form (`1h59m45s`, `0s`).
fn format_ms(ms: i64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, frac) = (rest / 1000, rest % 1000);
    let mut out = String::new();
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if h > 0 || m > 0 {
        let _ = write!(out, "{m}m");
    }
    if frac == 0 {
        let _ = write!(out, "{s}s");
    } else {
        let frac = format!("{frac:03}");
        let _ = write!(out, "{s}.{}s", frac.trim_end_matches('0'));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_sorts_and_dedups_samples() {
        let input = b"# TYPE a counter\n# HELP a Things.\na_total{x=\"1\"} 2 20\na_total{x=\"1\"} 1 10\na_total{x=\"1\"} 1 10\nb 5 10.5\n# EOF\n";
        let got = read_openmetrics(&input[..], &[], 7).unwrap();
        assert_eq!(got.samples, 4);
        assert_eq!(got.series.len(), 2);
        assert_eq!(got.series[0].0.to_string(), "{__name__=\"a_total\", x=\"1\"}");
        assert_eq!(
            got.series[0].1,
            vec![FPoint { t: 10_000, f: 1.0 }, FPoint { t: 20_000, f: 2.0 }]
        );
        assert_eq!(got.series[1].1, vec![FPoint { t: 10_500, f: 5.0 }]);
        assert_eq!(
            got.metadata.get("a"),
            Some(&Metadata {
                kind: Some(MetricType::Counter),
                help: Some("Things.".into()),
                unit: None
            })
        );
    }

    #[test]
    fn conflicting_duplicates_and_missing_timestamps_fail() {
        let e = read_openmetrics(&b"a 1 10\na 2 10\n# EOF\n"[..], &[], 7).unwrap_err();
        assert!(e.contains("duplicate sample for timestamp 10000"), "{e}");
        let e = read_openmetrics(&b"a 1 10\nb 2\n# EOF\n"[..], &[], 7).unwrap_err();
        assert_eq!(e, "2:1: expected timestamp for series {__name__=\"b\"}, got none");
    }

    #[test]
    fn extra_labels_merge_series() {
        let extra = vec![("x".to_string(), "z".to_string())];
        let got =
            read_openmetrics(&b"a{x=\"1\"} 1 1\na{x=\"2\"} 2 2\n# EOF\n"[..], &extra, 7).unwrap();
        assert_eq!(got.series.len(), 1, "both become a{{x=\"z\"}}");
        assert_eq!(got.series[0].1.len(), 2);
    }

    #[test]
    fn any_chunk_size_reads_the_same_and_counts_lines_across_chunks() {
        let input = b"# TYPE h histogram\nh_bucket{le=\"1\"} 1 1\nh_bucket{le=\"1\"} 2 2\n# HELP g A gauge.\ng 3 3.5\n# EOF\n";
        let whole = read_openmetrics(&input[..], &[], 1 << 20).unwrap();
        assert_eq!(whole.series[1].0.to_string(), "{__name__=\"h_bucket\", le=\"1.0\"}");
        for chunk in [1, 2, 3, 7, 16, 64] {
            let got = read_openmetrics(&input[..], &[], chunk).unwrap();
            assert_eq!(got.series, whole.series, "chunk {chunk}");
            assert_eq!(got.metadata, whole.metadata, "chunk {chunk}");
            assert_eq!(got.samples, 3);
            let bad = b"a 1 1\na 2 2\na 3 3\na 4 4\nb{x=} 5 5\n# EOF\n";
            let e = read_openmetrics(&bad[..], &[], chunk).unwrap_err();
            assert_eq!(e, "5:5: expected label value, got \"}\"", "chunk {chunk}");
            let after = b"a 1 1\n# EOF\nb 2 2\n";
            let e = read_openmetrics(&after[..], &[], chunk).unwrap_err();
            assert_eq!(e, "3:1: unexpected data after # EOF", "chunk {chunk}");
            let e = read_openmetrics(&b"a 1 1\n"[..], &[], chunk).unwrap_err();
            assert_eq!(e, "2:1: data does not end with # EOF", "chunk {chunk}");
        }
    }

    #[test]
    fn block_span_follows_promtool() {
        assert_eq!(block_span(0), BLOCK_MS);
        assert_eq!(block_span(BLOCK_MS * 3 - 1), BLOCK_MS);
        assert_eq!(block_span(BLOCK_MS * 10), BLOCK_MS * 9);
        assert_eq!(format_ms(7_185_000), "1h59m45s");
        assert_eq!(format_ms(1_500), "1.5s");
        assert_eq!(format_ms(500), "500ms");
    }
}
