//! How long replay takes: 1M samples over 10k series (100 scrapes of 10k series). Prints the
//! figures, asserts only what was restored. Run with
//! `cargo test -p klaxon-tsdb --release --test wal_replay_speed -- --ignored --nocapture`.

// Test helpers outside #[test] functions unwrap too: a failed setup should stop the test.
#![allow(clippy::unwrap_used)]

mod wal_util;

use std::time::Instant;

use model::storage::Appendable;
use tsdb::Db;
use wal_util::*;

#[test]
#[ignore = "a measurement; run in release"]
fn replay_1m_samples_10k_series() {
    const SERIES: usize = 10_000;
    const SCRAPES: usize = 100;
    let dir = tempfile::tempdir().unwrap();
    let labels: Vec<_> = (0..SERIES).map(series).collect();
    let t0 = Instant::now();
    {
        let db = Db::open(dir.path(), tsdb::DbOptions::default()).unwrap();
        for b in 0..SCRAPES {
            let mut app = db.appender();
            for (i, l) in labels.iter().enumerate() {
                app.append(l, b as i64 * 15_000, (b * i) as f64).unwrap();
            }
            app.commit().unwrap();
        }
        db.close().unwrap();
    }
    let write = t0.elapsed();
    let bytes: u64 = segment_files(dir.path()).iter().map(|p| p.metadata().unwrap().len()).sum();
    let t1 = Instant::now();
    let db = Db::open(dir.path(), tsdb::DbOptions::default()).unwrap();
    let open = t1.elapsed();
    let r = db.wal_replay().unwrap();
    assert_eq!(r.samples, (SERIES * SCRAPES) as u64);
    assert_eq!(db.head().num_series(), SERIES);
    println!(
        "write+commit {SCRAPES}x{SERIES}: {write:?}; WAL {bytes} bytes ({:.1} B/sample); \
         open with replay: {open:?} (replay {:?}, {:.1} M samples/s)",
        bytes as f64 / (SERIES * SCRAPES) as f64,
        r.duration,
        (SERIES * SCRAPES) as f64 / r.duration.as_secs_f64() / 1e6,
    );
}
