use std::fs;
use std::path::Path;

use model::labels::Labels;
use model::matcher::{MatchOp, Matcher};
use model::storage::{
    AppendError, Appendable, FPoint, SelectHints, Storage, is_stale_nan, stale_nan,
};

use super::{Block, BlockQuerier, write_block};
use crate::db::{Db, DbOptions};
use crate::error::TsdbError;

const H: i64 = 3600 * 1000;

fn ls(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied())
}

fn pts(ts: impl IntoIterator<Item = i64>) -> Vec<FPoint> {
    ts.into_iter().map(|t| FPoint { t, f: t as f64 / 1000.0 }).collect()
}

fn read_all(s: &dyn Storage, ms: &[Matcher]) -> Vec<(String, Vec<FPoint>)> {
    let q = s.querier(i64::MIN, i64::MAX).unwrap();
    q.select(&SelectHints::default(), ms)
        .unwrap()
        .iter()
        .map(|s| {
            let mut out = Vec::new();
            s.floats_into(i64::MIN, i64::MAX, &mut out);
            (s.labels().to_string(), out)
        })
        .collect()
}

fn eq(n: &str, v: &str) -> Matcher {
    Matcher::prometheus(MatchOp::Equal, n, v).unwrap()
}

#[test]
fn block_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut special = pts((0..300).map(|i| i * 15_000));
    special[10].f = stale_nan();
    special[11].f = f64::INFINITY;
    special[12].f = f64::NEG_INFINITY;
    let series = vec![
        (ls(&[("__name__", "b"), ("job", "x")]), special.clone()),
        (ls(&[("__name__", "a"), ("job", "y")]), pts([5, 1, 3])),
        // Same labels again: merged; equal timestamps keep the first.
        (
            ls(&[("__name__", "a"), ("job", "y")]),
            vec![FPoint { t: 3, f: 99.0 }, FPoint { t: 7, f: 7.0 }],
        ),
        (ls(&[("__name__", "empty")]), vec![]),
    ];
    let (path, meta) = write_block(dir.path(), series).unwrap();
    assert!(path.ends_with(&meta.ulid));
    assert_eq!(meta.ulid.len(), 26);
    assert_eq!(meta.min_time, 0);
    assert_eq!(meta.max_time, 299 * 15_000 + 1);
    assert_eq!(meta.stats.num_series, 2);
    assert_eq!(meta.stats.num_samples, 304);
    assert_eq!(meta.stats.num_chunks, 1 + 3);
    assert!(!dir.path().join(format!("{}.tmp", meta.ulid)).exists());

    let block = Block::open(&path).unwrap();
    assert_eq!(block.meta(), &meta);
    let q = BlockQuerier::new(&block, i64::MIN, i64::MAX);
    let got = read_all(&SingleBlock(&block), &[]);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, r#"{__name__="a", job="y"}"#);
    let a: Vec<(i64, f64)> = got[0].1.iter().map(|p| (p.t, p.f)).collect();
    assert_eq!(a, vec![(1, 0.001), (3, 0.003), (5, 0.005), (7, 7.0)]);
    assert_eq!(got[1].1.len(), 300);
    assert!(is_stale_nan(got[1].1[10].f));
    assert_eq!(got[1].1[11].f, f64::INFINITY);
    assert_eq!(got[1].1[299].t, 299 * 15_000);
    // Partial range across chunk borders.
    let sel = q_select(&q, &[eq("__name__", "b")]);
    let mut out = Vec::new();
    sel[0].floats_into(119 * 15_000, 121 * 15_000, &mut out);
    assert_eq!(
        out.iter().map(|p| p.t).collect::<Vec<_>>(),
        vec![119 * 15_000, 120 * 15_000, 121 * 15_000]
    );
    use model::storage::Querier;
    assert_eq!(q.label_names(&[]).unwrap(), vec!["__name__", "job"]);
    assert_eq!(q.label_values("job", &[eq("__name__", "b")]).unwrap(), vec!["x"]);
    assert_eq!(q.label_values("__name__", &[]).unwrap(), vec!["a", "b"]);
}

fn q_select(
    q: &BlockQuerier,
    ms: &[Matcher],
) -> Vec<std::sync::Arc<dyn model::storage::StoredSeries>> {
    use model::storage::Querier;
    q.select(&SelectHints::default(), ms).unwrap()
}

/// A block as a `Storage`, for the shared helpers.
struct SingleBlock<'a>(&'a Block);

impl Storage for SingleBlock<'_> {
    fn querier(
        &self,
        mint: i64,
        maxt: i64,
    ) -> Result<Box<dyn model::storage::Querier + '_>, model::storage::StorageError> {
        Ok(Box::new(BlockQuerier::new(self.0, mint, maxt)))
    }
}

#[test]
fn empty_input_and_empty_labels_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(write_block(dir.path(), vec![]), Err(TsdbError::Invalid(_))));
    let bad = vec![(Labels::empty(), pts([1]))];
    assert!(matches!(write_block(dir.path(), bad), Err(TsdbError::Invalid(_))));
    // Nothing half-written is left behind.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn db_queries_span_blocks_and_head() {
    let dir = tempfile::tempdir().unwrap();
    let up = ls(&[("__name__", "up"), ("job", "a")]);
    {
        let db = Db::open(dir.path(), DbOptions::default()).unwrap();
        db.write_block(vec![(up.clone(), pts([1000, 2000]))]).unwrap();
        db.write_block(vec![
            (up.clone(), pts([3000, 4000])),
            (ls(&[("__name__", "only_block")]), pts([3000])),
        ])
        .unwrap();
    }
    let db = Db::open(dir.path(), DbOptions::default()).unwrap();
    assert!(db.skipped_blocks().is_empty());
    assert_eq!(db.blocks().len(), 2);
    let mut app = db.appender();
    app.append(&up, 5000, 5.0).unwrap();
    app.append(&ls(&[("__name__", "zz_head")]), 5000, 1.0).unwrap();
    app.commit().unwrap();
    let got = read_all(&db, &[]);
    let names: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
    assert_eq!(
        names,
        vec![
            r#"{__name__="only_block"}"#,
            r#"{__name__="up", job="a"}"#,
            r#"{__name__="zz_head"}"#
        ]
    );
    let ts: Vec<i64> = got[1].1.iter().map(|p| p.t).collect();
    assert_eq!(ts, vec![1000, 2000, 3000, 4000, 5000]);
    // A range that only touches the second block.
    let q = db.querier(3500, 4500).unwrap();
    let sel = q.select(&SelectHints::default(), &[eq("__name__", "up")]).unwrap();
    let mut out = Vec::new();
    sel[0].floats_into(0, 10_000, &mut out);
    assert_eq!(out, vec![FPoint { t: 4000, f: 4.0 }]);
    assert_eq!(q.label_values("__name__", &[]).unwrap(), vec!["only_block", "up"]);
}

#[test]
fn overlapping_blocks_merge_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), DbOptions::default()).unwrap();
    let s = ls(&[("__name__", "m")]);
    db.write_block(vec![(s.clone(), pts([10, 30, 50]))]).unwrap();
    db.write_block(vec![(s.clone(), vec![FPoint { t: 20, f: 2.0 }, FPoint { t: 30, f: 99.0 }])])
        .unwrap();
    let got = read_all(&db, &[]);
    assert_eq!(got.len(), 1);
    let ts: Vec<i64> = got[0].1.iter().map(|p| p.t).collect();
    assert_eq!(ts, vec![10, 20, 30, 50]);
}

#[test]
fn import_cuts_aligned_two_hour_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), DbOptions::default()).unwrap();
    let mut imp = db.importer();
    let a = ls(&[("__name__", "a")]);
    let b = ls(&[("__name__", "b")]);
    // a: 1h..5h every 30 min; b: only at 2h exactly (the start of the second range).
    for t in (2..=10).map(|i| i * H / 2) {
        imp.add(&a, t, 1.0).unwrap();
    }
    imp.add(&b, 2 * H, 1.0).unwrap();
    assert_eq!(imp.add(&a, H, 1.0), Err(AppendError::OutOfOrder));
    assert_eq!(imp.add(&a, 5 * H, 2.0), Err(AppendError::DuplicateTimestamp));
    imp.add(&a, 5 * H, 1.0).unwrap();
    assert_eq!(imp.samples(), 10);
    let paths = imp.finish().unwrap();
    assert_eq!(paths.len(), 3);
    let metas = db.blocks();
    let ranges: Vec<(i64, i64, u64)> =
        metas.iter().map(|m| (m.min_time, m.max_time, m.stats.num_samples)).collect();
    assert_eq!(
        ranges,
        vec![(H, 3 * H / 2 + 1, 2), (2 * H, 7 * H / 2 + 1, 5), (4 * H, 5 * H + 1, 3)]
    );
    let got = read_all(&db, &[eq("__name__", "a")]);
    assert_eq!(got[0].1.len(), 9);
    // Reopening finds the same blocks.
    let again = Db::open(dir.path(), DbOptions::default()).unwrap();
    assert_eq!(again.blocks(), metas);
}

#[test]
fn leftovers_are_cleaned_and_strangers_ignored() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("01HZZZZZZZZZZZZZZZZZZZZZZZ.tmp")).unwrap();
    fs::create_dir(dir.path().join("wal")).unwrap();
    fs::write(dir.path().join("lock"), b"").unwrap();
    let db = Db::open(dir.path(), DbOptions::default()).unwrap();
    assert!(db.blocks().is_empty());
    assert!(db.skipped_blocks().is_empty());
    assert!(!dir.path().join("01HZZZZZZZZZZZZZZZZZZZZZZZ.tmp").exists());
    assert!(dir.path().join("wal").exists());
}

fn one_block(dir: &Path) -> std::path::PathBuf {
    let series = vec![
        (ls(&[("__name__", "x"), ("i", "1")]), pts((0..130).map(|i| i * 1000))),
        (ls(&[("__name__", "x"), ("i", "2")]), pts([5, 6])),
    ];
    write_block(dir, series).unwrap().0
}

fn corrupt_offset(e: &TsdbError) -> (String, u64) {
    match e {
        TsdbError::Corrupt { path, offset, .. } => {
            (path.file_name().unwrap().to_string_lossy().into_owned(), *offset)
        }
        other => panic!("not a corruption error: {other}"),
    }
}

#[test]
fn corrupt_chunk_is_reported_with_offset_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = one_block(dir.path());
    let good = tempfile::tempdir().unwrap();
    let good_path = one_block(good.path());
    let chunks = path.join("chunks");
    let mut data = fs::read(&chunks).unwrap();
    // The first record starts right after the 8-byte magic; damage its data.
    data[8 + 2 + 5] ^= 0x40;
    fs::write(&chunks, &data).unwrap();
    let err = Block::open(&path).unwrap_err();
    assert_eq!(corrupt_offset(&err), ("chunks".to_string(), 8));
    assert!(err.to_string().contains("checksum mismatch"), "{err}");
    // The database opens without it and says why.
    let db = Db::open(dir.path(), DbOptions::default()).unwrap();
    assert!(db.blocks().is_empty());
    assert_eq!(db.skipped_blocks().len(), 1);
    assert!(
        db.skipped_blocks()[0].contains("chunks: corrupt at offset 8"),
        "{:?}",
        db.skipped_blocks()
    );
    assert!(Block::open(&good_path).is_ok());
}

#[test]
fn reload_picks_up_blocks_written_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), DbOptions::default()).unwrap();
    assert_eq!(db.reload().unwrap(), 0);
    // Another process imports a block, and leaves a write in progress.
    let other = Db::open(dir.path(), DbOptions::default()).unwrap();
    other.write_block(vec![(ls(&[("__name__", "x")]), pts([1, 2]))]).unwrap();
    let pending = dir.path().join("01HZZZZZZZZZZZZZZZZZZZZZZZ.tmp");
    fs::create_dir(&pending).unwrap();
    assert_eq!(db.reload().unwrap(), 1);
    assert_eq!(db.reload().unwrap(), 0);
    assert!(pending.exists());
    assert_eq!(read_all(&db, &[]).len(), 1);
}

#[test]
fn corrupt_index_and_meta_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = one_block(dir.path());
    let index = path.join("index");
    let orig = fs::read(&index).unwrap();
    // A flipped byte inside the symbols section: reported at the section's start (8).
    let mut data = orig.clone();
    data[8 + 8 + 3] ^= 1;
    fs::write(&index, &data).unwrap();
    let err = Block::open(&path).unwrap_err();
    assert_eq!(corrupt_offset(&err), ("index".to_string(), 8));
    // Truncated.
    fs::write(&index, &orig[..orig.len() - 5]).unwrap();
    assert!(matches!(Block::open(&path), Err(TsdbError::Corrupt { .. })));
    fs::write(&index, &orig).unwrap();
    assert!(Block::open(&path).is_ok());
    // meta.json that is not JSON: the offset is where parsing failed.
    let meta = path.join("meta.json");
    fs::write(&meta, b"{\"ulid\": 12,").unwrap();
    let err = Block::open(&path).unwrap_err();
    assert_eq!(corrupt_offset(&err).0, "meta.json");
    fs::remove_file(&meta).unwrap();
    assert!(matches!(Block::open(&path), Err(TsdbError::Io { .. })));
}

#[test]
fn every_single_byte_flip_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = one_block(dir.path());
    for file in ["index", "chunks"] {
        let p = path.join(file);
        let orig = fs::read(&p).unwrap();
        for i in 0..orig.len() {
            let mut data = orig.clone();
            data[i] ^= 0x10;
            fs::write(&p, &data).unwrap();
            assert!(Block::open(&path).is_err(), "{file}: flip at {i} not detected");
        }
        fs::write(&p, &orig).unwrap();
    }
    assert!(Block::open(&path).is_ok());
}
