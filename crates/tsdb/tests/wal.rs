//! The write-ahead log: format round trips, torn and corrupt tails, replay into the
//! database, checkpoints.

// Test helpers outside #[test] functions unwrap too: a failed setup should stop the test.
#![allow(clippy::unwrap_used)]

mod wal_util;

use std::fs::{self, OpenOptions};
use std::io::Write;

use model::storage::Appendable;
use tsdb::Db;
use tsdb::wal::record::{RefSample, encode_samples, encode_series};
use tsdb::wal::segment::{PAGE_SIZE, read_records};
use tsdb::wal::{Record, Wal, WalMetrics, WalOptions, replay};
use wal_util::*;

fn raw_records(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (_, path) in tsdb::wal::segment::list_segments(dir).unwrap() {
        let data = fs::read(&path).unwrap();
        read_records(&data, |_, r| {
            out.push(r.to_vec());
            Ok(())
        })
        .unwrap();
    }
    out
}

#[test]
fn records_round_trip_across_pages_and_segments() {
    let dir = tempfile::tempdir().unwrap();
    let opts = WalOptions { segment_size: 4 * PAGE_SIZE as u64, ..WalOptions::default() };
    let wal = Wal::open(dir.path(), opts, WalMetrics::default()).unwrap();
    // Sizes around the page and header boundaries, and records of several pages.
    let sizes = [1, 2, 6, 7, 8, 100, PAGE_SIZE - 8, PAGE_SIZE - 7, PAGE_SIZE, PAGE_SIZE + 1];
    let mut want = Vec::new();
    for round in 0..6 {
        for (i, &n) in sizes.iter().chain(&[3 * PAGE_SIZE + 5]).enumerate() {
            let rec: Vec<u8> = (0..n).map(|k| (k * 31 + i * 7 + round) as u8).collect();
            wal.log(&[&rec]).unwrap();
            want.push(rec);
        }
        // Two records in one write.
        let (a, b) = (vec![9u8; 10], vec![10u8; PAGE_SIZE * 2]);
        wal.log(&[&a, &b]).unwrap();
        want.push(a);
        want.push(b);
    }
    wal.close().unwrap();
    assert!(wal.segments().unwrap().len() > 5, "segments: {:?}", wal.segments());
    assert_eq!(raw_records(dir.path()), want);
}

#[test]
fn typed_records_round_trip_through_replay() {
    let dir = tempfile::tempdir().unwrap();
    let wal = Wal::open(dir.path(), WalOptions::default(), WalMetrics::default()).unwrap();
    let a = ls(&[("__name__", "a"), ("x", "1")]);
    let b = ls(&[("__name__", "b"), ("ünïcode", "välue")]);
    let mut rec = Vec::new();
    encode_series([(7, &a), (1 << 40, &b)], &mut rec);
    wal.log(&[&rec]).unwrap();
    let samples = vec![
        RefSample { r#ref: 1 << 40, t: 1_700_000_000_000, v: 1.5 },
        RefSample { r#ref: 7, t: -5, v: f64::NAN },
        RefSample { r#ref: 7, t: i64::MAX, v: -0.0 },
        RefSample { r#ref: 0, t: i64::MIN, v: f64::INFINITY },
    ];
    rec.clear();
    encode_samples(samples.iter().copied(), &mut rec);
    wal.log(&[&rec]).unwrap();
    drop(wal);
    let (mut got_series, mut got_samples) = (Vec::new(), Vec::new());
    let report = replay(dir.path(), &WalMetrics::default(), &mut |r| match r {
        Record::Series(s) => got_series.extend(s.iter().map(|s| (s.r#ref, s.labels.clone()))),
        Record::Samples(s) => got_samples.extend_from_slice(s),
    })
    .unwrap();
    assert!(report.repairs.is_empty());
    assert_eq!(got_series, vec![(7, a), (1 << 40, b)]);
    assert_eq!(got_samples.len(), samples.len());
    for (g, w) in got_samples.iter().zip(&samples) {
        assert_eq!((g.r#ref, g.t, g.v.to_bits()), (w.r#ref, w.t, w.v.to_bits()));
    }
}

#[test]
fn replay_restores_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let want = {
        let db = Db::open(dir.path(), opts(8 * PAGE_SIZE as u64)).unwrap();
        for b in 0..300 {
            commit_batch(&db, b, 1 + b % 40);
        }
        // A batch that fails to commit is not logged either.
        let mut app = db.appender();
        app.append(&series(0), 5, 1.0).unwrap_err();
        app.rollback();
        let want = read_all(&db);
        db.close().unwrap();
        want
    };
    let db = Db::open(dir.path(), opts(8 * PAGE_SIZE as u64)).unwrap();
    let report = db.wal_replay().unwrap();
    assert!(report.repairs.is_empty(), "{:?}", report.repairs);
    assert_eq!(report.unknown_refs + report.rejected, 0);
    assert_eq!(read_all(&db), want);
    assert_eq!(db.head().num_series(), 40);
    // Appends go on after the replay, and survive another restart.
    commit_batch(&db, 300, 41);
    let want = read_all(&db);
    drop(db);
    let db = Db::open(dir.path(), opts(8 * PAGE_SIZE as u64)).unwrap();
    assert_eq!(read_all(&db), want);
}

#[test]
fn torn_tail_at_every_byte_keeps_every_earlier_commit() {
    let dir = tempfile::tempdir().unwrap();
    let seg = dir.path().join("wal").join("00000000");
    let (before, full) = {
        let db = Db::open(dir.path(), opts(1 << 20)).unwrap();
        for b in 0..5 {
            commit_batch(&db, b, 10);
        }
        let before = fs::metadata(&seg).unwrap().len();
        // The last commit logs a new series and samples: two records in one write.
        commit_batch(&db, 5, 12);
        (before, fs::metadata(&seg).unwrap().len())
    };
    assert!(full > before);
    let all = fs::read(&seg).unwrap();
    let mut boundaries = 0;
    for len in before..=full {
        let copy = tempfile::tempdir().unwrap();
        copy_dir(dir.path(), copy.path());
        let cseg = copy.path().join("wal").join("00000000");
        fs::write(&cseg, &all[..len as usize]).unwrap();
        let db = Db::open(copy.path(), opts(1 << 20)).unwrap();
        let got = read_all(&db);
        for b in 0..5 {
            assert!(has_batch(&got, b, 10), "len {len}: batch {b} lost");
        }
        let repairs = db.wal_repairs();
        if len == full || len == before {
            assert!(repairs.is_empty(), "len {len}: {repairs:?}");
            assert_eq!(has_batch(&got, 5, 12), len == full, "len {len}");
        } else if repairs.is_empty() {
            // Cut exactly between the commit's series record and its samples record: a
            // clean end, the new series is known but has no samples.
            boundaries += 1;
            assert!(!any_of_batch(&got, 5), "len {len}");
        } else {
            assert_eq!(repairs.len(), 1, "len {len}");
            assert!(repairs[0].offset >= before && repairs[0].offset < len, "{:?}", repairs[0]);
            assert!(!any_of_batch(&got, 5), "len {len}: part of the torn batch replayed");
            assert_eq!(fs::metadata(&cseg).unwrap().len(), repairs[0].offset);
        }
        // The repaired store takes appends and opens cleanly again.
        commit_batch(&db, 6, 12);
        drop(db);
        let db = Db::open(copy.path(), opts(1 << 20)).unwrap();
        assert!(db.wal_repairs().is_empty(), "len {len}: {:?}", db.wal_repairs());
        let got = read_all(&db);
        assert!(has_batch(&got, 4, 10) && has_batch(&got, 6, 12), "len {len}");
    }
    assert_eq!(boundaries, 1);
}

#[test]
fn corruption_in_the_middle_keeps_the_prefix_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(2 * PAGE_SIZE as u64);
    let batches = 1500;
    {
        let db = Db::open(dir.path(), o.clone()).unwrap();
        for b in 0..batches {
            commit_batch(&db, b, 20);
        }
    }
    let segs = segment_files(dir.path());
    assert!(segs.len() >= 5, "{segs:?}");
    let victim = segs[2].clone();
    let mut data = fs::read(&victim).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0x5a;
    fs::write(&victim, &data).unwrap();

    let db = Db::open(dir.path(), o.clone()).unwrap();
    let repairs = db.wal_repairs().to_vec();
    assert_eq!(repairs.len(), 1, "{repairs:?}");
    assert_eq!(repairs[0].file, victim);
    assert!(repairs[0].offset <= mid as u64);
    assert_eq!(repairs[0].deleted_segments, segs[3..].to_vec());
    assert!(repairs[0].to_string().contains("corrupt at offset"), "{}", repairs[0]);
    assert_eq!(db.wal().unwrap().metrics().corruptions.get(), 1);
    let got = read_all(&db);
    // A prefix of the batches survives whole; nothing after it.
    let kept = (0..batches).take_while(|&b| has_batch(&got, b, 20)).count();
    assert!(kept > 0 && kept < batches, "kept {kept}");
    assert!((kept..batches).all(|b| !any_of_batch(&got, b)), "kept {kept}");
    commit_batch(&db, batches, 20);
    drop(db);
    let db = Db::open(dir.path(), o).unwrap();
    assert!(db.wal_repairs().is_empty());
    let got = read_all(&db);
    assert!(has_batch(&got, kept - 1, 20) && has_batch(&got, batches, 20));
}

#[test]
fn zero_and_garbage_tails() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Db::open(dir.path(), opts(1 << 20)).unwrap();
        for b in 0..10 {
            commit_batch(&db, b, 5);
        }
    }
    let seg = dir.path().join("wal").join("00000000");
    let len = fs::metadata(&seg).unwrap().len();
    // Zero pages (a file extended but not written, as after a power loss) are no damage.
    let mut f = OpenOptions::new().append(true).open(&seg).unwrap();
    f.write_all(&vec![0u8; PAGE_SIZE * 2]).unwrap();
    drop(f);
    {
        let db = Db::open(dir.path(), opts(1 << 20)).unwrap();
        assert!(db.wal_repairs().is_empty(), "{:?}", db.wal_repairs());
        assert!((0..10).all(|b| has_batch(&read_all(&db), b, 5)));
    }
    // Garbage after the last record: cut off.
    fs::write(&seg, [fs::read(&seg).unwrap(), vec![0xab; 100]].concat()).unwrap();
    let db = Db::open(dir.path(), opts(1 << 20)).unwrap();
    assert_eq!(db.wal_repairs().len(), 1);
    assert!(db.wal_repairs()[0].offset >= len);
    assert!((0..10).all(|b| has_batch(&read_all(&db), b, 5)));
}

#[test]
fn checkpoint_keeps_live_series_and_recent_samples() {
    let dir = tempfile::tempdir().unwrap();
    let opts = WalOptions { segment_size: PAGE_SIZE as u64, ..WalOptions::default() };
    let wal = Wal::open(dir.path(), opts, WalMetrics::default()).unwrap();
    let names: Vec<_> = (0..3).map(|i| ls(&[("__name__", &*format!("s{i}"))])).collect();
    let mut rec = Vec::new();
    encode_series((0..3u64).zip(names.iter()), &mut rec);
    wal.log(&[&rec]).unwrap();
    for t in 0..2000i64 {
        rec.clear();
        encode_samples((0..3).map(|r| RefSample { r#ref: r, t, v: t as f64 }), &mut rec);
        wal.log(&[&rec]).unwrap();
    }
    let last = wal.cut_segment().unwrap();
    assert!(last > 2);
    let stats = wal.checkpoint(last - 1, |r| r != 1, 1500).unwrap();
    assert_eq!((stats.series_kept, stats.series_dropped), (2, 1));
    assert_eq!(stats.samples_kept, 2 * 500);
    assert_eq!(wal.segments().unwrap(), vec![last]);
    assert_eq!(wal.metrics().checkpoint_creations.get(), 1);
    // Later records, then a second checkpoint that folds in the first.
    rec.clear();
    encode_samples([RefSample { r#ref: 0, t: 3000, v: 1.0 }], &mut rec);
    wal.log(&[&rec]).unwrap();
    let next = wal.cut_segment().unwrap();
    wal.checkpoint(next - 1, |r| r == 0, 1900).unwrap();
    let cps: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("checkpoint"))
        .collect();
    assert_eq!(cps, vec![format!("checkpoint.{:08}", next - 1)]);
    drop(wal);
    let mut seen = Vec::new();
    let mut refs = Vec::new();
    let report = replay(dir.path(), &WalMetrics::default(), &mut |r| match r {
        Record::Series(s) => refs.extend(s.iter().map(|s| s.r#ref)),
        Record::Samples(s) => seen.extend(s.iter().map(|s| (s.r#ref, s.t))),
    })
    .unwrap();
    assert_eq!(report.checkpoint, Some(next - 1));
    assert_eq!(refs, vec![0]);
    let want: Vec<(u64, i64)> = (1900..2000).map(|t| (0, t)).chain([(0, 3000)]).collect();
    assert_eq!(seen, want);
}

#[test]
fn db_truncation_then_replay() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(2 * PAGE_SIZE as u64);
    {
        let db = Db::open(dir.path(), o.clone()).unwrap();
        for b in 0..400 {
            commit_batch(&db, b, 5);
        }
        let stats = db.truncate_wal(200_000).unwrap().unwrap();
        assert_eq!(stats.samples_kept, 200 * 5);
        assert_eq!(db.wal().unwrap().segments().unwrap().len(), 1);
        for b in 400..410 {
            commit_batch(&db, b, 6);
        }
    }
    let db = Db::open(dir.path(), o).unwrap();
    assert!(db.wal_repairs().is_empty());
    let got = read_all(&db);
    assert!((0..200).all(|b| !any_of_batch(&got, b)));
    assert!((200..400).all(|b| has_batch(&got, b, 5)));
    assert!((400..410).all(|b| has_batch(&got, b, 6)));
}

#[test]
fn without_a_wal_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let o = tsdb::DbOptions { wal: None, ..tsdb::DbOptions::default() };
    let db = Db::open(dir.path(), o).unwrap();
    commit_batch(&db, 1, 1);
    assert!(db.wal().is_none() && db.wal_replay().is_none());
    assert!(!dir.path().join("wal").exists());
}

#[test]
fn metrics_are_registered_under_upstream_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), opts(1 << 20)).unwrap();
    commit_batch(&db, 1, 1);
    db.close().unwrap();
    let mut reg = prometheus_client::registry::Registry::default();
    db.wal().unwrap().register_metrics(&mut reg);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &reg).unwrap();
    for name in [
        "prometheus_tsdb_wal_fsync_duration_seconds_count 1",
        "prometheus_tsdb_wal_corruptions_total 0",
        "prometheus_tsdb_wal_truncations_total 0",
        "prometheus_tsdb_wal_segment_current 0",
        "prometheus_tsdb_checkpoint_creations_total 0",
    ] {
        assert!(text.contains(name), "{name} missing from\n{text}");
    }
}

mod damage {
    //! In-tree companion of the `wal_read` fuzz target: damaged segments never make open
    //! fail or panic, the repair keeps a prefix of whole commits, and it is done once.

    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;

    /// A segment holding 60 commits, made once.
    fn segment() -> &'static Vec<u8> {
        static SEG: OnceLock<Vec<u8>> = OnceLock::new();
        SEG.get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let db = Db::open(dir.path(), opts(1 << 20)).unwrap();
            for b in 0..60 {
                commit_batch(&db, b, 1 + b % 30);
            }
            drop(db);
            fs::read(dir.path().join("wal").join("00000000")).unwrap()
        })
    }

    fn check(bytes: &[u8]) {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("wal")).unwrap();
        fs::write(dir.path().join("wal").join("00000000"), bytes).unwrap();
        let db = Db::open(dir.path(), opts(1 << 20)).unwrap();
        assert!(db.wal_repairs().len() <= 1);
        let got = read_all(&db);
        let kept = (0..60).take_while(|&b| has_batch(&got, b, 1 + b % 30)).count();
        assert!((kept..60).all(|b| !any_of_batch(&got, b)), "kept {kept}");
        drop(db);
        let db = Db::open(dir.path(), opts(1 << 20)).unwrap();
        assert!(db.wal_repairs().is_empty());
        assert_eq!(read_all(&db), got);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn flipped_bytes(flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..), 1..4)) {
            let mut seg = segment().clone();
            for (at, x) in flips {
                let i = at.index(seg.len());
                seg[i] ^= x;
            }
            check(&seg);
        }

        #[test]
        fn truncated_with_garbage(at in any::<prop::sample::Index>(), tail in proptest::collection::vec(any::<u8>(), 0..64)) {
            let seg = segment();
            let mut bytes = seg[..at.index(seg.len())].to_vec();
            bytes.extend_from_slice(&tail);
            check(&bytes);
        }

        #[test]
        fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
            let _ = read_records(&bytes, |_, _| Ok(()));
            check(&bytes);
        }
    }
}

#[test]
fn reads_snappy_records_as_prometheus_writes_them() {
    use tsdb::wal::segment::encode_fragments;
    let a = ls(&[("__name__", "up"), ("job", "prometheus")]);
    let mut series = Vec::new();
    encode_series([(1, &a)], &mut series);
    let mut samples = Vec::new();
    encode_samples(
        (0..20_000).map(|t| RefSample { r#ref: 1, t: t * 15_000, v: (t * 7919 % 1013) as f64 }),
        &mut samples,
    );
    let mut seg = Vec::new();
    let mut pos = 0;
    for rec in [&series, &samples] {
        let packed = snap::raw::Encoder::new().compress_vec(rec).unwrap();
        let start = seg.len();
        encode_fragments(&packed, &mut pos, &mut seg);
        // Prometheus flags every fragment of a compressed record; the CRC covers data only.
        let mut at = start;
        while at < seg.len() {
            if seg[at] == 0 {
                at = (at / PAGE_SIZE + 1) * PAGE_SIZE;
                continue;
            }
            seg[at] |= 0x08;
            at += 7 + usize::from(u16::from_be_bytes([seg[at + 1], seg[at + 2]]));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("wal")).unwrap();
    fs::write(dir.path().join("wal").join("00000000"), &seg).unwrap();
    let db = Db::open(dir.path(), opts(1 << 20)).unwrap();
    assert!(db.wal_repairs().is_empty(), "{:?}", db.wal_repairs());
    let got = read_all(&db);
    assert_eq!(got[&a.to_string()].len(), 20_000);
    assert!(seg.len() > PAGE_SIZE, "one record spans pages");
}

#[test]
fn fsync_interval_syncs_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(1 << 20);
    o.wal = Some(WalOptions {
        fsync_interval: Some(std::time::Duration::from_millis(5)),
        ..WalOptions::default()
    });
    let db = Db::open(dir.path(), o).unwrap();
    commit_batch(&db, 1, 3);
    let m = db.wal().unwrap().metrics().clone();
    // Waits for the thread (no timing is asserted: only that it happens at all).
    let mut waited = 0;
    while prometheus_fsyncs(&m) == 0 && waited < 2000 {
        std::thread::sleep(std::time::Duration::from_millis(5));
        waited += 1;
    }
    assert!(prometheus_fsyncs(&m) >= 1);
}

fn prometheus_fsyncs(m: &WalMetrics) -> u64 {
    let mut reg = prometheus_client::registry::Registry::default();
    m.register(&mut reg);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &reg).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("prometheus_tsdb_wal_fsync_duration_seconds_count "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn head_cut_checkpoints_and_a_restart_restores_everything() {
    const H: i64 = 3600 * 1000;
    let dir = tempfile::tempdir().unwrap();
    let o = opts(4 * PAGE_SIZE as u64);
    let fill = |db: &Db, from: i64, to: i64| {
        let mut t = from;
        while t < to {
            let mut app = db.appender();
            for s in 0..20 {
                app.append(&series(s), t, (t / 15_000 + s as i64) as f64).unwrap();
            }
            if t < H {
                app.append(&ls(&[("__name__", "early")]), t, 1.0).unwrap();
            }
            app.commit().unwrap();
            t += 15_000;
        }
    };
    let before = {
        let db = Db::open(dir.path(), o.clone()).unwrap();
        fill(&db, 0, 5 * H);
        let mut cut = 0;
        for _ in 0..3 {
            let r = db.maintain().unwrap();
            cut += r.head_blocks;
        }
        assert!(cut >= 1, "no head block cut");
        let wal_dir = dir.path().join("wal");
        assert!(
            fs::read_dir(&wal_dir).unwrap().any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("checkpoint."))
        );
        fill(&db, 5 * H, 6 * H);
        read_all(&db)
    };
    let db = Db::open(dir.path(), o).unwrap();
    assert!(db.wal_repairs().is_empty());
    let r = db.wal_replay().unwrap();
    assert!(r.checkpoint.is_some(), "{r:?}");
    assert_eq!(read_all(&db), before);
    // The head holds only what the blocks do not.
    let block_end = db.blocks().iter().map(|b| b.max_time).max().unwrap();
    let (head_min, _) = db.head().time_range().unwrap();
    assert!(head_min >= block_end, "head from {head_min}, blocks to {block_end}");
}

#[test]
fn a_damaged_checkpoint_is_reported_and_the_rest_replays() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(2 * PAGE_SIZE as u64);
    {
        let db = Db::open(dir.path(), o.clone()).unwrap();
        for b in 0..300 {
            commit_batch(&db, b, 5);
        }
        db.truncate_wal(0).unwrap().unwrap();
        for b in 300..310 {
            commit_batch(&db, b, 5);
        }
    }
    let cp = fs::read_dir(dir.path().join("wal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("checkpoint."))
        .unwrap();
    let file = cp.join("00000000");
    let mut data = fs::read(&file).unwrap();
    let at = data.len() - 100;
    data[at] ^= 0xff;
    fs::write(&file, &data).unwrap();
    let db = Db::open(dir.path(), o).unwrap();
    assert_eq!(db.wal_repairs().len(), 1);
    assert_eq!(db.wal_repairs()[0].file, file);
    let got = read_all(&db);
    // The series records come first in a checkpoint, so the later segments still replay.
    assert!((300..310).all(|b| has_batch(&got, b, 5)));
    // What the damaged record held is gone (here the checkpoint's one samples record).
    assert!(db.wal_repairs()[0].truncated_bytes > 0);
    assert!(!any_of_batch(&got, 0));
}

#[test]
fn concurrent_commits_replay_to_the_same_head() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(4 * PAGE_SIZE as u64);
    let want = {
        let db = Db::open(dir.path(), o.clone()).unwrap();
        std::thread::scope(|s| {
            for w in 0..4i64 {
                let db = &db;
                s.spawn(move || {
                    let shared = ls(&[("__name__", "shared")]);
                    let own = ls(&[("__name__", "own"), ("w", &*w.to_string())]);
                    for b in 0..300i64 {
                        let mut app = db.appender();
                        app.append(&own, b, b as f64).unwrap();
                        // Writers race on one series: appends that lost the race fail at
                        // append or are dropped at commit, and replay must agree.
                        let _ = app.append(&shared, b * 10 + w, w as f64);
                        app.commit().unwrap();
                    }
                });
            }
        });
        read_all(&db)
    };
    assert_eq!(want.len(), 5);
    let db = Db::open(dir.path(), o).unwrap();
    assert_eq!(db.wal_replay().unwrap().unknown_refs, 0);
    let got = read_all(&db);
    for (name, pts) in &want {
        let g = &got[name];
        let first_diff = pts.iter().zip(g).position(|(a, b)| a != b);
        assert!(
            g == pts,
            "{name}: {} samples before, {} after; first difference at {first_diff:?}: {:?} vs {:?}",
            pts.len(),
            g.len(),
            first_diff.map(|i| pts[i]),
            first_diff.map(|i| g[i]),
        );
    }
}

#[test]
fn a_zeroed_page_before_good_data_is_a_corruption() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Db::open(dir.path(), opts(1 << 20)).unwrap();
        for b in 0..1200 {
            commit_batch(&db, b, 10);
        }
    }
    let seg = dir.path().join("wal").join("00000000");
    let mut data = fs::read(&seg).unwrap();
    assert!(data.len() > 3 * PAGE_SIZE);
    data[PAGE_SIZE..2 * PAGE_SIZE].fill(0);
    fs::write(&seg, &data).unwrap();
    let db = Db::open(dir.path(), opts(1 << 20)).unwrap();
    let repairs = db.wal_repairs();
    assert_eq!(repairs.len(), 1);
    assert!(repairs[0].offset <= PAGE_SIZE as u64, "{:?}", repairs[0]);
    let got = read_all(&db);
    let kept = (0..1200).take_while(|&b| has_batch(&got, b, 10)).count();
    assert!(kept > 0 && (kept..1200).all(|b| !any_of_batch(&got, b)), "kept {kept}");
}
