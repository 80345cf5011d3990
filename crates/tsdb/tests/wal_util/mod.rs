//! Helpers shared by the write-ahead log tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use model::labels::Labels;
use model::matcher::{MatchOp, Matcher};
use model::storage::{Appendable, SelectHints, Storage};
use tsdb::wal::WalOptions;
use tsdb::{Db, DbOptions};

pub fn ls(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied())
}

pub fn opts(segment_size: u64) -> DbOptions {
    DbOptions {
        wal: Some(WalOptions { segment_size, ..WalOptions::default() }),
        ..DbOptions::default()
    }
}

/// Every series' samples, keyed by the label set's text.
pub fn read_all(db: &Db) -> BTreeMap<String, Vec<(i64, f64)>> {
    let any = Matcher::prometheus(MatchOp::Regex, "__name__", ".+").unwrap();
    let q = db.querier(i64::MIN, i64::MAX).unwrap();
    let mut out = BTreeMap::new();
    for s in q.select(&SelectHints::default(), &[any]).unwrap() {
        let mut pts = Vec::new();
        s.floats_into(i64::MIN, i64::MAX, &mut pts);
        out.insert(s.labels().to_string(), pts.iter().map(|p| (p.t, p.f)).collect());
    }
    out
}

/// The labels of series `s` of the test batches.
pub fn series(s: usize) -> Labels {
    let inst = format!("host-{s}:9100");
    ls(&[("__name__", "node_cpu_seconds_total"), ("instance", &inst), ("job", "node")])
}

/// Commits batch `b`: series `0..n` get the sample `(b * 1000, b)`.
pub fn commit_batch(db: &Db, b: usize, n: usize) {
    let mut app = db.appender();
    for s in 0..n {
        app.append(&series(s), b as i64 * 1000, b as f64).unwrap();
    }
    app.commit().unwrap();
}

/// Whether all of batch `b` (over `n` series) is in `db`.
pub fn has_batch(all: &BTreeMap<String, Vec<(i64, f64)>>, b: usize, n: usize) -> bool {
    (0..n).all(|s| {
        all.get(&series(s).to_string())
            .is_some_and(|pts| pts.contains(&(b as i64 * 1000, b as f64)))
    })
}

/// Whether any sample of batch `b` is in `db`.
pub fn any_of_batch(all: &BTreeMap<String, Vec<(i64, f64)>>, b: usize) -> bool {
    all.values().any(|pts| pts.iter().any(|p| p.0 == b as i64 * 1000))
}

/// The segment files of `db_dir/wal`, ascending.
pub fn segment_files(db_dir: &Path) -> Vec<PathBuf> {
    tsdb::wal::segment::list_segments(&db_dir.join("wal"))
        .unwrap()
        .into_iter()
        .map(|s| s.1)
        .collect()
}

/// Copies a database directory (files and one level of subdirectories, recursively).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}
