//! Head cuts, head truncation, block compaction and retention, through the public API.

// Test helpers outside #[test] functions unwrap too: a failed setup should stop the test.
#![allow(clippy::unwrap_used)]

use model::labels::Labels;
use model::matcher::{MatchOp, Matcher};
use model::storage::{AppendError, Appendable, FPoint, SelectHints, Storage};
use tsdb::block::{BlockCompaction, BlockDesc, BlockSpec, write_block_with};
use tsdb::{Db, DbOptions};

const H: i64 = 3600 * 1000;
const STEP: i64 = 15_000;

fn all() -> Matcher {
    Matcher::prometheus(MatchOp::Regex, "__name__", ".*").unwrap()
}

type Dump = Vec<(String, Vec<(i64, f64)>)>;

fn dump(db: &dyn Storage, mint: i64, maxt: i64) -> Dump {
    let q = db.querier(mint, maxt).unwrap();
    q.select(&SelectHints::default(), &[all()])
        .unwrap()
        .iter()
        .map(|s| {
            let mut out = Vec::new();
            s.floats_into(mint, maxt, &mut out);
            (s.labels().to_string(), out.iter().map(|p| (p.t, p.f)).collect::<Vec<_>>())
        })
        .filter(|(_, p)| !p.is_empty())
        .collect()
}

fn full(db: &dyn Storage) -> Dump {
    dump(db, i64::MIN, i64::MAX)
}

fn series(name: &str, i: usize) -> Labels {
    Labels::from_pairs([("__name__", name.to_string()), ("i", i.to_string())])
}

/// `n` series `up` sampled every 15 s over `[from, to)`, plus `early` series that stop at 1 h.
fn fill(db: &Db, n: usize, from: i64, to: i64) {
    let mut t = from;
    while t < to {
        let mut app = db.appender();
        for i in 0..n {
            app.append(&series("up", i), t, (t / STEP + i as i64) as f64).unwrap();
            if t < H {
                app.append(&series("early", i), t, 1.0).unwrap();
            }
        }
        app.commit().unwrap();
        t += STEP;
    }
}

fn opts() -> DbOptions {
    DbOptions { wal: None, ..DbOptions::default() }
}

#[test]
fn nothing_to_do_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), opts()).unwrap();
    fill(&db, 3, 0, 3 * H);
    let report = db.maintain().unwrap();
    assert_eq!(report, tsdb::compact::MaintenanceReport::default());
    assert!(db.blocks().is_empty());
}

#[test]
fn head_cut_keeps_queries_identical_and_frees_series() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), opts()).unwrap();
    fill(&db, 10, 0, 3 * H + H / 2);
    let before = full(&db);
    assert_eq!(db.head().num_series(), 20);

    let report = db.maintain().unwrap();
    assert_eq!(report.head_blocks, 1);
    assert!(report.head_truncated);
    assert_eq!(report.head_series_removed, 10, "the early series end before the cut");

    let blocks = db.blocks();
    assert_eq!(blocks.len(), 1);
    let b = &blocks[0];
    assert_eq!((b.min_time, b.max_time), (0, 2 * H));
    assert_eq!(b.compaction.as_ref().unwrap().level, 1);
    // Samples at 0, 15 s, ..., 2 h − 15 s for `up`; 0 .. 1 h − 15 s for `early`.
    assert_eq!(b.stats.num_samples, 10 * (2 * H / STEP) as u64 + 10 * (H / STEP) as u64);

    // Same answer: no gap, no duplicate, across and at the boundary.
    assert_eq!(full(&db), before);
    let edge = dump(&db, 2 * H - STEP, 2 * H);
    assert_eq!(edge.len(), 10);
    assert!(
        edge.iter()
            .all(|(_, p)| p.iter().map(|x| x.0).collect::<Vec<_>>() == [2 * H - STEP, 2 * H])
    );

    // The head holds only what the block does not.
    let head = db.head();
    assert_eq!(head.num_series(), 10);
    assert_eq!(head.stats().num_series, 10);
    let (hmin, _) = head.time_range().unwrap();
    assert!(hmin >= 2 * H);
    let names = {
        let q = head.querier(i64::MIN, i64::MAX).unwrap();
        q.label_values("__name__", &[]).unwrap()
    };
    assert_eq!(names, vec!["up".to_string()]);
    let head_only = full(head);
    assert!(head_only.iter().all(|(_, p)| p.iter().all(|x| x.0 >= 2 * H - 120 * STEP)));

    // The cut range is closed to appends; a dropped series comes back when written again.
    let mut app = db.appender();
    assert_eq!(app.append(&series("up", 0), 2 * H - 1, 1.0), Err(AppendError::OutOfBounds));
    app.append(&series("early", 0), 4 * H, 7.0).unwrap();
    app.commit().unwrap();
    assert_eq!(db.head().num_series(), 11);
    let got = dump(&db, 4 * H, 4 * H);
    assert!(got.iter().any(|(l, p)| l.contains("early") && *p == vec![(4 * H, 7.0)]), "{got:?}");
    let early = dump(&db, 0, H);
    assert!(early.iter().any(|(l, p)| l.contains("early") && p.len() == (H / STEP) as usize));

    // A second run has nothing to do.
    let again = db.maintain().unwrap();
    assert_eq!(again.head_blocks, 0);
    assert!(!again.head_truncated);
}

#[test]
fn old_querier_delays_truncation_and_sees_no_gap() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), opts()).unwrap();
    fill(&db, 4, 0, 4 * H);
    let before = full(&db);
    let old = db.querier(i64::MIN, i64::MAX).unwrap();

    let report = db.maintain().unwrap();
    assert_eq!(report.head_blocks, 1);
    assert!(!report.head_truncated, "a querier from before the block is open");
    // New queriers see block and head, deduplicated.
    assert_eq!(full(&db), before);
    // The old one still reads everything from the head.
    let mut n = 0;
    for s in old.select(&SelectHints::default(), &[all()]).unwrap() {
        let mut out: Vec<FPoint> = Vec::new();
        s.floats_into(i64::MIN, i64::MAX, &mut out);
        n += out.len();
    }
    assert_eq!(n, before.iter().map(|(_, p)| p.len()).sum::<usize>());
    drop(old);

    let report = db.maintain().unwrap();
    assert!(report.head_truncated);
    assert_eq!(full(&db), before);
}

#[test]
fn long_head_is_cut_range_by_range_and_compacted() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), opts()).unwrap();
    fill(&db, 2, 0, 9 * H + H / 2);
    let before = full(&db);
    let report = db.maintain().unwrap();
    // Head spans 9.5 h: cuts [0,2h) .. [6h,8h) (then 1.5 h remain); the first three fill 6 h.
    assert_eq!(report.head_blocks, 4);
    assert_eq!(report.compactions, 1);
    let ranges: Vec<(i64, i64)> = db.blocks().iter().map(|m| (m.min_time, m.max_time)).collect();
    assert_eq!(ranges, vec![(0, 6 * H), (6 * H, 8 * H)]);
    let merged = &db.blocks()[0];
    let c = merged.compaction.as_ref().unwrap();
    assert_eq!(c.level, 2);
    assert_eq!(c.parents.len(), 3);
    assert_eq!(c.sources.len(), 3);
    assert_eq!(full(&db), before);
    // Only loaded blocks remain on disk.
    let mut dirs: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.len() == 26)
        .collect();
    dirs.sort();
    let mut ids: Vec<String> = db.blocks().iter().map(|m| m.ulid.clone()).collect();
    ids.sort();
    assert_eq!(dirs, ids);
    let bps = db.block_bytes_per_sample().unwrap();
    assert!(bps > 0.0 && bps < 16.0, "{bps}");
}

#[test]
fn cut_head_survives_reopen_with_wal() {
    let dir = tempfile::tempdir().unwrap();
    let before;
    {
        let db = Db::open(dir.path(), DbOptions::default()).unwrap();
        fill(&db, 3, 0, 3 * H + H / 2);
        before = full(&db);
        let report = db.maintain().unwrap();
        assert!(report.head_truncated);
        db.close().unwrap();
    }
    let db = Db::open(dir.path(), DbOptions::default()).unwrap();
    assert_eq!(db.blocks().len(), 1);
    assert_eq!(full(&db), before);
    let (hmin, _) = db.head().time_range().unwrap();
    assert!(hmin >= 2 * H - 120 * STEP);
}

fn points(from: i64, to: i64, step: i64, v: f64) -> Vec<FPoint> {
    (from..to).step_by(step as usize).map(|t| FPoint { t, f: v }).collect()
}

fn level1(dir: &std::path::Path, from: i64, to: i64) -> tsdb::block::BlockMeta {
    let spec = BlockSpec {
        min_time: Some(from),
        max_time: Some(to),
        compaction: Some(BlockCompaction { level: 1, ..Default::default() }),
    };
    let data = vec![
        (series("up", 0), points(from, to, STEP, from as f64)),
        (series("up", 1), points(from, to, 4 * STEP, 1.0)),
    ];
    write_block_with(dir, data, &spec).unwrap().1
}

#[test]
fn merged_block_queries_the_same_as_its_sources() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..4 {
        level1(dir.path(), i * 2 * H, (i + 1) * 2 * H);
    }
    let db = Db::open(dir.path(), opts()).unwrap();
    let before = full(&db);
    let report = db.maintain().unwrap();
    assert_eq!(report.compactions, 1);
    let metas = db.blocks();
    assert_eq!(metas.len(), 2);
    assert_eq!((metas[0].min_time, metas[0].max_time), (0, 6 * H));
    assert_eq!(full(&db), before);
    drop(db);
    let db = Db::open(dir.path(), opts()).unwrap();
    assert_eq!(db.blocks().len(), 2);
    assert_eq!(full(&db), before);
}

#[test]
fn overlapping_blocks_are_merged_vertically() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), opts()).unwrap();
    db.write_block([(series("a", 0), points(0, H, STEP, 1.0))]).unwrap();
    db.write_block([
        (series("a", 0), points(H / 2, 2 * H, STEP, 1.0)),
        (series("b", 0), points(0, H, STEP, 2.0)),
    ])
    .unwrap();
    let before = full(&db);
    assert_eq!(before[0].1.len(), (2 * H / STEP) as usize, "deduplicated by the merge querier");
    let report = db.maintain().unwrap();
    assert_eq!(report.compactions, 1);
    assert_eq!(db.blocks().len(), 1);
    assert_eq!(db.blocks()[0].stats.num_samples, (2 * H / STEP + H / STEP) as u64);
    assert_eq!(full(&db), before);
}

#[test]
fn crash_between_merge_and_delete_opens_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let a = level1(dir.path(), 0, 2 * H);
    let b = level1(dir.path(), 2 * H, 4 * H);
    let expected = {
        let db = Db::open(dir.path(), opts()).unwrap();
        full(&db)
    };
    // The merge was written and renamed, then the process died before deleting its parents.
    let data = vec![
        (
            series("up", 0),
            [points(0, 2 * H, STEP, 0.0), points(2 * H, 4 * H, STEP, (2 * H) as f64)].concat(),
        ),
        (series("up", 1), points(0, 4 * H, 4 * STEP, 1.0)),
    ];
    let spec = BlockSpec {
        min_time: Some(0),
        max_time: Some(4 * H),
        compaction: Some(BlockCompaction {
            level: 2,
            sources: vec![a.ulid.clone(), b.ulid.clone()],
            parents: [&a, &b]
                .iter()
                .map(|m| BlockDesc {
                    ulid: m.ulid.clone(),
                    min_time: m.min_time,
                    max_time: m.max_time,
                })
                .collect(),
        }),
    };
    let (_, merged) = write_block_with(dir.path(), data, &spec).unwrap();

    let db = Db::open(dir.path(), opts()).unwrap();
    let ids: Vec<String> = db.blocks().iter().map(|m| m.ulid.clone()).collect();
    assert_eq!(ids, vec![merged.ulid.clone()]);
    assert!(!dir.path().join(&a.ulid).exists());
    assert!(!dir.path().join(&b.ulid).exists());
    assert_eq!(full(&db), expected);
}

#[test]
fn time_retention_deletes_blocks_older_than_the_newest_by_the_retention() {
    let dir = tempfile::tempdir().unwrap();
    let d = 24 * H;
    let o = DbOptions { retention_ms: 5 * d, ..opts() };
    let db = Db::open(dir.path(), o).unwrap();
    let old1 = db.write_block([(series("a", 0), points(0, H, STEP, 1.0))]).unwrap();
    // In another 6 h range than `old1`: not merged with it first.
    let old2 = db.write_block([(series("a", 0), points(7 * H, 8 * H, STEP, 1.0))]).unwrap();
    let keep = db.write_block([(series("a", 0), points(4 * d, 4 * d + H, STEP, 1.0))]).unwrap();
    let newest = db.write_block([(series("a", 0), points(8 * d, 8 * d + H, STEP, 1.0))]).unwrap();
    let report = db.maintain().unwrap();
    assert_eq!(report.time_retention_deleted, 2);
    let dirs: Vec<std::path::PathBuf> =
        db.blocks().iter().map(|m| dir.path().join(&m.ulid)).collect();
    assert_eq!(dirs, vec![keep, newest]);
    assert!(!old1.exists() && !old2.exists());
    assert!(dump(&db, 0, 8 * H).is_empty());
}

#[test]
fn size_retention_deletes_the_oldest_blocks_until_they_fit() {
    let dir = tempfile::tempdir().unwrap();
    let d = 24 * H;
    {
        let db = Db::open(dir.path(), opts()).unwrap();
        // 30 days apart: beyond the largest compaction range, so nothing merges first.
        for i in 0..4 {
            let t = i * 30 * d;
            db.write_block([(series("a", 0), points(t, t + H, STEP, i as f64))]).unwrap();
        }
    }
    let sizes = Db::open(dir.path(), opts()).unwrap().block_sizes();
    let newest_two: u64 = sizes[2..].iter().map(|(_, n)| n).sum();
    let o = DbOptions { retention_bytes: newest_two, retention_ms: 0, ..opts() };
    let db = Db::open(dir.path(), o).unwrap();
    let report = db.maintain().unwrap();
    assert_eq!(report.size_retention_deleted, 2);
    let ids: Vec<String> = db.blocks().iter().map(|m| m.ulid.clone()).collect();
    let want: Vec<String> = sizes[2..].iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids, want);
    assert_eq!(db.blocks_bytes(), newest_two);
}

#[test]
fn metrics_report_upstream_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = std::sync::Arc::new(Db::open(dir.path(), opts()).unwrap());
    fill(&db, 2, 0, 3 * H + H / 2);
    db.maintain().unwrap();
    let mut reg = prometheus_client::registry::Registry::default();
    db.register_metrics(&mut reg);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &reg).unwrap();
    for want in [
        "prometheus_tsdb_compactions_total 1",
        "prometheus_tsdb_compactions_failed_total 0",
        "prometheus_tsdb_head_series 2",
        "prometheus_tsdb_blocks_loaded 1",
        "prometheus_tsdb_time_retentions_total 0",
        "prometheus_tsdb_size_retentions_total 0",
        "prometheus_tsdb_head_min_time 7200000",
        "prometheus_tsdb_lowest_timestamp 0",
    ] {
        assert!(text.contains(want), "{want} missing from:\n{text}");
    }
    let appended = (2 * (3 * H + H / 2) / STEP + 2 * (H / STEP)) as u64;
    assert!(
        text.contains(&format!(
            "prometheus_tsdb_head_samples_appended_total{{type=\"float\"}} {appended}"
        )),
        "{text}"
    );
    assert!(text.contains("prometheus_tsdb_storage_blocks_bytes "));
}

#[test]
fn queries_during_concurrent_appends_and_cuts_see_no_gap_or_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), opts()).unwrap();
    let end = 8 * H;
    std::thread::scope(|s| {
        s.spawn(|| {
            for hour in 0..end / H {
                fill(&db, 3, hour * H, (hour + 1) * H);
                std::thread::yield_now();
            }
        });
        let mut cuts = 0;
        loop {
            cuts += db.maintain().unwrap().head_blocks;
            for (labels, p) in full(&db) {
                if !labels.contains("up") {
                    continue;
                }
                // Every committed prefix: 0, 15 s, 30 s, ... without holes or repeats.
                assert_eq!(p[0].0, 0, "{labels}");
                assert!(
                    p.windows(2).all(|w| w[1].0 - w[0].0 == STEP),
                    "{labels}: gap or duplicate"
                );
            }
            let done = db.head().time_range().is_some_and(|(_, max)| max == end - STEP);
            if done && cuts > 0 {
                break;
            }
            std::thread::yield_now();
        }
    });
    db.maintain().unwrap();
    let all = full(&db);
    assert_eq!(all.iter().filter(|(l, _)| l.contains("up")).count(), 3);
    for (l, p) in &all {
        let want = if l.contains("early") { H / STEP } else { end / STEP };
        assert_eq!(p.len(), want as usize, "{l}");
    }
    assert!(db.blocks().len() >= 2);
}
