//! Streaming block writing: head cuts and merges write series one at a time and must produce
//! the same block content as collecting every sample and writing it with `write_block_with`
//! (the path they replaced); the writer refuses bad input and leaves nothing behind.

// Test helpers outside #[test] functions unwrap too: a failed setup should stop the test.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use model::labels::Labels;
use model::matcher::{MatchOp, Matcher};
use model::storage::{Appendable, FPoint, Querier, SelectHints, Storage, stale_nan};
use tsdb::block::{
    Block, BlockCompaction, BlockQuerier, BlockSpec, BlockWriter, RawChunk, write_block_with,
};
use tsdb::chunkenc::XorEncoder;
use tsdb::{Db, DbOptions, TsdbError};

const H: i64 = 3600 * 1000;
const STEP: i64 = 15_000;

fn all() -> Matcher {
    Matcher::prometheus(MatchOp::Regex, "__name__", ".*").unwrap()
}

/// Series with samples in `[mint, maxt]`, values as bits (stale markers compare exactly).
type Dump = Vec<(Labels, Vec<(i64, u64)>)>;

fn dump(q: &dyn Querier, mint: i64, maxt: i64) -> Dump {
    q.select(&SelectHints::default(), &[all()])
        .unwrap()
        .iter()
        .map(|s| {
            let mut out = Vec::new();
            s.floats_into(mint, maxt, &mut out);
            (s.labels().clone(), out.iter().map(|p| (p.t, p.f.to_bits())).collect::<Vec<_>>())
        })
        .filter(|(_, p)| !p.is_empty())
        .collect()
}

fn block_dump(dir: &Path) -> Dump {
    let b = Block::open(dir).unwrap();
    dump(&BlockQuerier::new(&b, i64::MIN, i64::MAX), i64::MIN, i64::MAX)
}

fn to_points(d: &Dump) -> Vec<(Labels, Vec<FPoint>)> {
    d.iter()
        .map(|(l, p)| {
            (l.clone(), p.iter().map(|&(t, b)| FPoint { t, f: f64::from_bits(b) }).collect())
        })
        .collect()
}

fn level1(from: i64, to: i64) -> BlockSpec {
    BlockSpec {
        min_time: Some(from),
        max_time: Some(to),
        compaction: Some(BlockCompaction { level: 1, ..Default::default() }),
    }
}

fn opts() -> DbOptions {
    DbOptions { wal: None, ..DbOptions::default() }
}

/// Names of the entries of `dir`.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Many series whose chunks straddle the cut's edges: offsets within the step, series that
/// start or stop inside the range (ending with a stale marker), irregular intervals.
fn fill_varied(db: &Db, n: usize, to: i64) {
    let mut t = 0;
    while t < to {
        let mut app = db.appender();
        for i in 0..n {
            let ts = t + (i as i64 * 37) % STEP;
            let l = Labels::from_pairs([
                ("__name__", if i % 3 == 0 { "a" } else { "b" }.to_string()),
                ("i", i.to_string()),
                ("job", format!("j{}", i % 17)),
            ]);
            let late = i % 5 == 1 && ts < 90 * 60_000;
            let stopped = i % 5 == 2 && ts > 100 * 60_000;
            let sparse = i % 7 == 3 && (t / STEP) % (i as i64 % 4 + 2) != 0;
            if late || stopped || sparse {
                continue;
            }
            let v = if i % 5 == 2 && ts + STEP > 100 * 60_000 {
                stale_nan()
            } else {
                ((t / STEP) as f64).sin() * i as f64
            };
            app.append(&l, ts, v).unwrap();
        }
        app.commit().unwrap();
        t += STEP;
    }
}

#[test]
fn head_cut_of_many_series_matches_the_collecting_writer() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), opts()).unwrap();
    fill_varied(&db, 1500, 3 * H + H / 2);
    let want = {
        let q = db.head().querier(0, 2 * H - 1).unwrap();
        dump(q.as_ref(), 0, 2 * H - 1)
    };
    let whole = {
        let q = db.querier(i64::MIN, i64::MAX).unwrap();
        dump(q.as_ref(), i64::MIN, i64::MAX)
    };
    assert!(want.len() > 1000);

    let report = db.maintain().unwrap();
    assert_eq!(report.head_blocks, 1);
    let meta = db.blocks()[0].clone();
    assert_eq!((meta.min_time, meta.max_time), (0, 2 * H));
    let got = block_dump(&dir.path().join(&meta.ulid));
    assert_eq!(got, want);

    // The old path: every sample collected, then written in one go.
    let old_dir = tempfile::tempdir().unwrap();
    let (old_path, old_meta) =
        write_block_with(old_dir.path(), to_points(&want), &level1(0, 2 * H)).unwrap();
    assert_eq!(block_dump(&old_path), got);
    assert_eq!(old_meta.stats.num_series, meta.stats.num_series);
    assert_eq!(old_meta.stats.num_samples, meta.stats.num_samples);
    // Head chunks are copied where whole: a cut ends up with at least as many chunks.
    assert!(meta.stats.num_chunks >= old_meta.stats.num_chunks);

    let after = {
        let q = db.querier(i64::MIN, i64::MAX).unwrap();
        dump(q.as_ref(), i64::MIN, i64::MAX)
    };
    assert_eq!(after, whole);
}

#[test]
fn merge_of_blocks_with_different_series_matches_the_collecting_writer() {
    let dir = tempfile::tempdir().unwrap();
    let l = |name: &str, i: usize| {
        Labels::from_pairs([("__name__", name.to_string()), ("i", i.to_string())])
    };
    let pts = |from: i64, to: i64, step: i64, v: f64| -> Vec<FPoint> {
        (from..to).step_by(step as usize).map(|t| FPoint { t, f: v + t as f64 }).collect()
    };
    // Four adjacent 2 h blocks, each with its own mix of series; the first three merge.
    for k in 0..4i64 {
        let (from, to) = (k * 2 * H, (k + 1) * 2 * H);
        let mut series = Vec::new();
        for i in 0..300usize {
            if !(i + k as usize).is_multiple_of(3) {
                series.push((l("m", i), pts(from + i as i64, to, STEP, k as f64)));
            }
            if i % 50 == k as usize {
                series.push((l(&format!("only{k}"), i), pts(from, to, 60_000, 0.5)));
            }
        }
        write_block_with(dir.path(), series, &level1(from, to)).unwrap();
    }
    let db = Db::open(dir.path(), opts()).unwrap();
    let sources = db.blocks()[..3].to_vec();
    // The old path: the sources' samples collected and written together.
    let mut collected = Vec::new();
    for m in &sources {
        collected.extend(to_points(&block_dump(&dir.path().join(&m.ulid))));
    }
    let old_dir = tempfile::tempdir().unwrap();
    let (old_path, _) = write_block_with(old_dir.path(), collected, &BlockSpec::default()).unwrap();
    let before = {
        let q = db.querier(i64::MIN, i64::MAX).unwrap();
        dump(q.as_ref(), i64::MIN, i64::MAX)
    };

    let report = db.maintain().unwrap();
    assert_eq!(report.compactions, 1);
    let merged = db.blocks()[0].clone();
    assert_eq!((merged.min_time, merged.max_time), (0, 6 * H));
    assert_eq!(block_dump(&dir.path().join(&merged.ulid)), block_dump(&old_path));
    let after = {
        let q = db.querier(i64::MIN, i64::MAX).unwrap();
        dump(q.as_ref(), i64::MIN, i64::MAX)
    };
    assert_eq!(after, before);
}

#[test]
fn vertical_merge_keeps_the_earlier_blocks_sample_of_a_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), opts()).unwrap();
    let a = Labels::from_pairs([("__name__", "a")]);
    let b = Labels::from_pairs([("__name__", "b")]);
    let p = |ts: &[i64], v: f64| ts.iter().map(|&t| FPoint { t, f: v }).collect::<Vec<_>>();
    db.write_block([(a.clone(), p(&[10, 20, 30], 1.0))]).unwrap();
    db.write_block([(a.clone(), p(&[20, 25, 40], 2.0)), (b.clone(), p(&[5], 3.0))]).unwrap();
    let first = db.blocks()[0].clone();
    db.maintain().unwrap();
    let metas = db.blocks();
    assert_eq!(metas.len(), 1);
    let got = block_dump(&dir.path().join(&metas[0].ulid));
    // The first block in load order wins ties: the second written, whose range starts at 5.
    assert_eq!(first.min_time, 5);
    assert_eq!(
        got,
        vec![
            (
                a,
                vec![
                    (10, 1.0f64.to_bits()),
                    (20, 2.0f64.to_bits()),
                    (25, 2.0f64.to_bits()),
                    (30, 1.0f64.to_bits()),
                    (40, 2.0f64.to_bits()),
                ]
            ),
            (b, vec![(5, 3.0f64.to_bits())]),
        ]
    );
}

#[test]
fn encoded_chunks_are_stored_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let mut enc = XorEncoder::new();
    for k in 0..120 {
        enc.append(1000 + k * 15_000, (k as f64).sqrt());
    }
    let data = enc.finish();
    let mut w = BlockWriter::create(dir.path(), BlockSpec::default()).unwrap();
    let l = Labels::from_pairs([("__name__", "x")]);
    let chunk = RawChunk { data: &data, min_t: 1000, max_t: 1000 + 119 * 15_000 };
    w.add_series(&l, [chunk]).unwrap();
    let (path, meta) = w.finish().unwrap();
    assert_eq!((meta.stats.num_series, meta.stats.num_chunks, meta.stats.num_samples), (1, 1, 120));
    let file = std::fs::read(path.join("chunks")).unwrap();
    assert!(file.windows(data.len()).any(|w| w == &data[..]));
    let got = block_dump(&path);
    assert_eq!(got[0].1.len(), 120);
    // Only the block directory remains, without the scratch file.
    assert_eq!(entries(dir.path()), vec![meta.ulid.clone()]);
    assert_eq!(entries(&path), vec!["chunks", "index", "meta.json"]);
}

#[test]
fn writer_refuses_bad_input_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let a = Labels::from_pairs([("__name__", "a")]);
    let b = Labels::from_pairs([("__name__", "b")]);
    let pts = [FPoint { t: 1, f: 1.0 }, FPoint { t: 2, f: 2.0 }];

    let mut w = BlockWriter::create(dir.path(), BlockSpec::default()).unwrap();
    w.add_points(&b, &pts).unwrap();
    assert!(matches!(w.add_points(&a, &pts), Err(TsdbError::Invalid(_))));
    // Once failed, it stays failed.
    assert!(w.finish().is_err());
    assert!(entries(dir.path()).is_empty());

    let w = BlockWriter::create(dir.path(), BlockSpec::default()).unwrap();
    assert!(matches!(w.finish(), Err(TsdbError::Invalid(_))));
    assert!(entries(dir.path()).is_empty());

    let mut w = BlockWriter::create(dir.path(), level1(0, 2)).unwrap();
    assert!(w.add_points(&a, &pts).is_err());
    drop(w);
    assert!(entries(dir.path()).is_empty());

    let mut w = BlockWriter::create(dir.path(), BlockSpec::default()).unwrap();
    let unsorted = [FPoint { t: 2, f: 1.0 }, FPoint { t: 2, f: 2.0 }];
    assert!(w.add_points(&a, &unsorted).is_err());
    let mut enc = XorEncoder::new();
    enc.append(5, 1.0);
    // Times that disagree with the chunk.
    assert!(w.add_series(&b, [RawChunk { data: enc.bytes(), min_t: 4, max_t: 5 }]).is_err());
    drop(w);
    assert!(entries(dir.path()).is_empty());
}
