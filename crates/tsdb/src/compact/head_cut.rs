//! Persisting the oldest part of the head as a block, then dropping it from the head.

use std::sync::atomic::Ordering;

use std::path::{Path, PathBuf};

use model::matcher::{MatchOp, Matcher};

use super::{MaintenanceReport, replace_blocks};
use crate::block::{Block, BlockCompaction, BlockSpec, BlockWriter, RawChunk};
use crate::chunkenc::{XorEncoder, XorIter, chunk_len};
use crate::db::Db;
use crate::error::TsdbError;
use crate::head::{Head, SeriesData};

/// A matcher every series passes.
pub(crate) fn match_all() -> Result<Matcher, TsdbError> {
    Matcher::prometheus(MatchOp::Regex, model::labels::METRIC_NAME, ".*")
        .map_err(|e| TsdbError::Invalid(format!("match-all matcher: {e}")))
}

/// The aligned range a head cut would persist next, if the head spans more than 1.5 block
/// ranges beyond what was already persisted (upstream's `compactable`).
pub fn next_cut(head: &Head, persisted_until: i64, range: i64) -> Option<(i64, i64)> {
    let (min, max) = head.time_range()?;
    let min = min.max(persisted_until);
    if max.saturating_sub(min) <= range / 2 * 3 {
        return None;
    }
    let start = min.div_euclid(range) * range;
    Some((start, start.saturating_add(range)))
}

/// A chunk copied out of a head series, or re-encoded from the part of one in range.
struct CutChunk {
    data: Box<[u8]>,
    min_t: i64,
    max_t: i64,
}

/// Writes the head's samples in `[start, end)` as a block under `parent`, series by series in
/// label order; `None` when the range holds no sample. Memory: one series' chunks at a time.
pub(crate) fn write_head_range(
    head: &Head,
    parent: &Path,
    start: i64,
    end: i64,
    spec: BlockSpec,
) -> Result<Option<PathBuf>, TsdbError> {
    let (view, series) = head.sorted_series();
    let mut w = BlockWriter::create(parent, spec)?;
    let mut chunks = Vec::new();
    for s in &series {
        chunks.clear();
        {
            let d = s.data.read();
            chunks_in_range(&d, d.visible(view.seq), start, end - 1, &mut chunks);
        }
        if !chunks.is_empty() {
            w.add_series(
                &s.labels,
                chunks.iter().map(|c| RawChunk {
                    data: &c.data[..],
                    min_t: c.min_t,
                    max_t: c.max_t,
                }),
            )?;
        }
    }
    drop(view);
    if w.num_series() == 0 {
        return Ok(None);
    }
    Ok(Some(w.finish()?.0))
}

/// The first `visible` samples of a series that fall in `[mint, maxt]`, as chunks: the head's
/// own encoded chunks when they lie wholly inside (copied, not decoded), re-encoded only where
/// a chunk straddles the range edge or is partly invisible.
fn chunks_in_range(d: &SeriesData, visible: u64, mint: i64, maxt: i64, out: &mut Vec<CutChunk>) {
    if visible == 0 {
        return;
    }
    let from = d.closed.partition_point(|c| c.max_t < mint);
    for c in &d.closed[from..] {
        if c.first >= visible || c.min_t > maxt {
            return;
        }
        let limit = (visible - c.first) as usize;
        piece(&c.data, c.min_t, c.max_t, limit, mint, maxt, out);
    }
    let open_first = d.total - d.open.len() as u64;
    let Some(open_min_t) = d.open.first_t() else { return };
    if open_first >= visible || open_min_t > maxt {
        return;
    }
    let limit = (visible - open_first) as usize;
    piece(d.open.bytes(), open_min_t, d.open.last().0, limit, mint, maxt, out);
}

/// Adds the first `limit` samples of chunk `data` (spanning `[min_t, max_t]`) that lie in
/// `[mint, maxt]`: the bytes as they are when that is all of it, else re-encoded.
fn piece(
    data: &[u8],
    min_t: i64,
    max_t: i64,
    limit: usize,
    mint: i64,
    maxt: i64,
    out: &mut Vec<CutChunk>,
) {
    if min_t >= mint && max_t <= maxt && limit >= chunk_len(data).unwrap_or(0) {
        out.push(CutChunk { data: data.into(), min_t, max_t });
        return;
    }
    let mut enc = XorEncoder::new();
    let (mut first, mut last) = (0, 0);
    for (t, f) in XorIter::with_limit(data, limit) {
        if t > maxt {
            break;
        }
        if t >= mint {
            if enc.is_empty() {
                first = t;
            }
            enc.append(t, f);
            last = t;
        }
    }
    if !enc.is_empty() {
        out.push(CutChunk { data: enc.finish(), min_t: first, max_t: last });
    }
}

/// Cuts blocks from the head while it is long enough; each cut asks for a head truncation
/// (done by [`try_truncate`] once older queriers have closed).
pub(crate) fn cut_head(db: &Db, report: &mut MaintenanceReport) -> Result<(), TsdbError> {
    let st = db.maint_state();
    let range = db.options().block_duration_ms;
    let head = db.head();
    while let Some((start, end)) = next_cut(head, st.persisted_until.load(Ordering::Acquire), range)
    {
        // From now on no sample of the range can be added: the block will hold it all.
        head.set_min_valid_time(end);
        let spec = BlockSpec {
            min_time: Some(start),
            max_time: Some(end),
            compaction: Some(BlockCompaction { level: 1, ..BlockCompaction::default() }),
        };
        if let Some(path) = write_head_range(head, db.dir(), start, end, spec)? {
            let block = Block::open_sharing(&path, &|l| head.shared_labels(l))?;
            replace_blocks(db, Some(block), &[]);
            report.head_blocks += 1;
            st.counters.compactions.fetch_add(1, Ordering::Relaxed);
        }
        st.persisted_until.fetch_max(end, Ordering::AcqRel);
        // Queriers from before this point may lack the new block: truncation waits for them.
        let barrier = head.publish_barrier();
        let mut pending = st.pending_truncate.lock();
        *pending = Some((end, barrier));
    }
    Ok(())
}

/// Truncates the head below the last persisted range once no querier older than the block
/// is open; otherwise leaves it for the next run. Then checkpoints the WAL, so that replay
/// skips what the blocks hold and the segments before the checkpoint go.
pub(crate) fn try_truncate(db: &Db, report: &mut MaintenanceReport) -> Result<(), TsdbError> {
    let st = db.maint_state();
    let mut pending = st.pending_truncate.lock();
    let Some((mint, barrier)) = *pending else { return Ok(()) };
    if db.head().has_readers_before(barrier) {
        return Ok(());
    }
    *pending = None;
    drop(pending);
    let stats = db.head().truncate(mint);
    st.counters.head_truncations.fetch_add(1, Ordering::Relaxed);
    report.head_truncated = true;
    report.head_series_removed += stats.series;
    db.truncate_wal(mint)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use model::labels::Labels;
    use model::storage::Appendable;

    use super::*;

    /// 300 samples 10 ms apart from t = 0: closed chunks [0, 1190], [1200, 2390], open
    /// [2400, 2990].
    fn head() -> (Head, std::sync::Arc<crate::head::MemSeries>) {
        let head = Head::default();
        let l = Labels::from_pairs([("__name__", "x")]);
        for k in 0..300i64 {
            let mut app = head.appender();
            app.append(&l, k * 10, k as f64).unwrap();
            app.commit().unwrap();
        }
        let (_, series) = head.sorted_series();
        let s = series[0].clone();
        (head, s)
    }

    fn times(c: &CutChunk) -> Vec<i64> {
        XorIter::new(&c.data).map(|(t, _)| t).collect()
    }

    #[test]
    fn whole_chunks_are_copied_and_edges_re_encoded() {
        let (_head, s) = head();
        let d = s.data.read();
        let mut out = Vec::new();
        chunks_in_range(&d, d.visible(u64::MAX), 500, 2999, &mut out);
        assert_eq!(out.len(), 3);
        // Straddles the start: re-encoded from 500.
        assert_eq!((out[0].min_t, out[0].max_t), (500, 1190));
        assert_eq!(times(&out[0]), (50..120).map(|k| k * 10).collect::<Vec<_>>());
        // Inside: the head's bytes.
        assert_eq!(&out[1].data[..], &d.closed[1].data[..]);
        // The open chunk, whole: its bytes as they stand.
        assert_eq!(&out[2].data[..], d.open.bytes());
        assert_eq!((out[2].min_t, out[2].max_t), (2400, 2990));

        out.clear();
        chunks_in_range(&d, d.visible(u64::MAX), 0, 2499, &mut out);
        assert_eq!(&out[0].data[..], &d.closed[0].data[..]);
        assert_eq!(times(&out[2]), (240..250).map(|k| k * 10).collect::<Vec<_>>());
        assert_eq!((out[2].min_t, out[2].max_t), (2400, 2490));

        // Invisible samples are left out.
        out.clear();
        chunks_in_range(&d, 130, 0, 2999, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(times(&out[1]), (120..130).map(|k| k * 10).collect::<Vec<_>>());
    }

    #[test]
    fn blocks_cut_from_the_head_share_its_label_sets() {
        let dir = tempfile::tempdir().unwrap();
        let opts = crate::DbOptions { wal: None, block_duration_ms: 1000, ..Default::default() };
        let db = Db::open(dir.path(), opts).unwrap();
        let labels: Vec<Labels> = (0..20)
            .map(|i| Labels::from_pairs([("__name__", "m".to_string()), ("i", i.to_string())]))
            .collect();
        for k in 0..60i64 {
            let mut app = db.appender();
            for l in &labels {
                app.append(l, k * 100, k as f64).unwrap();
            }
            app.commit().unwrap();
            db.maintain().unwrap();
        }
        let blocks = db.block_list().read();
        assert!(blocks.len() >= 2, "{} blocks", blocks.len());
        assert!(blocks.iter().any(|b| b.meta().compaction.as_ref().is_some_and(|c| c.level > 1)));
        for b in blocks.iter() {
            assert_eq!(b.inner.series.len(), labels.len());
            for s in &b.inner.series {
                let head = db.head().lookup(&s.labels).unwrap();
                assert!(s.labels.same_allocation(&head.labels), "{} copied", s.labels);
            }
        }
    }

    /// `VmHWM` and `VmRSS` of this process in kB.
    fn rss_kb() -> (u64, u64) {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let field = |name: &str| -> u64 {
            let line = status.lines().find(|l| l.starts_with(name)).unwrap();
            line.split_whitespace().nth(1).unwrap().parse().unwrap()
        };
        (field("VmHWM:"), field("VmRSS:"))
    }

    /// A head of 20k series × 480 samples (2 h at 15 s) plus a little beyond the range.
    fn big_head() -> Head {
        let head = Head::default();
        let labels: Vec<Labels> = (0..20_000)
            .map(|i| {
                Labels::from_pairs([
                    ("__name__", format!("metric_{}", i % 50)),
                    ("instance", format!("host-{}:9100", i / 50)),
                    ("job", "node".to_string()),
                ])
            })
            .collect();
        for k in 0..500i64 {
            let mut app = head.appender();
            for (i, l) in labels.iter().enumerate() {
                app.append(l, k * 15_000, (k * i as i64 % 1000) as f64 * 0.25).unwrap();
            }
            app.commit().unwrap();
        }
        head
    }

    /// Peak RSS of cutting [0, 2 h) from `big_head`, by `cut`; run each alone (own process):
    /// `cargo test -p klaxon-tsdb --lib peak_rss -- --ignored --exact --nocapture <name>`.
    fn measure(name: &str, cut: impl FnOnce(&Head, &Path)) {
        let head = big_head();
        let dir = tempfile::tempdir().unwrap();
        let (_, base) = rss_kb();
        // Resets VmHWM to the current RSS (Linux ≥ 4.0).
        std::fs::write("/proc/self/clear_refs", "5").unwrap();
        cut(&head, dir.path());
        let (peak, _) = rss_kb();
        println!(
            "{name}: RSS before cut {base} kB, peak during cut {peak} kB, cut added {} kB",
            peak.saturating_sub(base)
        );
    }

    fn spec() -> BlockSpec {
        BlockSpec { min_time: Some(0), max_time: Some(7_200_000), compaction: None }
    }

    #[test]
    #[ignore = "measurement: run alone, see `measure`"]
    fn peak_rss_cut_streaming() {
        measure("streaming", |head, dir| {
            write_head_range(head, dir, 0, 7_200_000, spec()).unwrap().unwrap();
        });
    }

    #[test]
    #[ignore = "measurement: run alone, see `measure`"]
    fn peak_rss_cut_collecting() {
        use model::storage::{SelectHints, Storage};
        measure("collecting (old path)", |head, dir| {
            let q = head.querier(0, 7_199_999).unwrap();
            let mut all = Vec::new();
            for s in q.select(&SelectHints::default(), &[match_all().unwrap()]).unwrap() {
                let mut points = Vec::new();
                s.floats_into(0, 7_199_999, &mut points);
                all.push((s.labels().clone(), points));
            }
            crate::block::write_block_with(dir, all, &spec()).unwrap();
        });
    }
}
