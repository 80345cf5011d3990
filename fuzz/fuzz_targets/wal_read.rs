//! Arbitrary bytes as a write-ahead log segment: reading never panics, and opening a
//! database on it succeeds, repairs at most once, and leaves a log that reopens cleanly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tsdb::wal::record::{decode_samples, decode_series};
use tsdb::wal::segment::read_records;

fuzz_target!(|data: &[u8]| {
    let (mut series, mut samples) = (Vec::new(), Vec::new());
    let _ = read_records(data, |_, rec| {
        let _ = decode_series(rec, &mut series);
        let _ = decode_samples(rec, &mut samples);
        Ok(())
    });

    let dir = std::env::temp_dir().join(format!("klaxon-fuzz-wal-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("wal")).expect("temp dir");
    std::fs::write(dir.join("wal").join("00000000"), data).expect("write segment");
    let db = tsdb::Db::open(&dir, tsdb::DbOptions::default()).expect("open");
    assert!(db.wal_repairs().len() <= 1);
    drop(db);
    let db = tsdb::Db::open(&dir, tsdb::DbOptions::default()).expect("reopen");
    assert!(db.wal_repairs().is_empty(), "{:?}", db.wal_repairs());
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
});
