//! A writer killed with SIGKILL loses no committed batch: the test re-runs its own binary as
//! a child that commits batches in a loop and prints each committed batch number, kills it,
//! and reopens the database.

// Test helpers outside #[test] functions unwrap too: a failed setup should stop the test.
#![allow(clippy::unwrap_used)]

mod wal_util;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use tsdb::Db;
use wal_util::*;

const CHILD_ENV: &str = "KLAXON_WAL_KILL_CHILD_DIR";
const SERIES: usize = 50;

/// The child: commits batches until killed (or a safety limit), printing each.
fn child_writer(dir: &str) {
    let db = Db::open(dir, opts(4 * 32 * 1024)).unwrap();
    for b in 0..20_000 {
        commit_batch(&db, b, SERIES);
        println!("committed {b}");
    }
}

#[test]
fn kill_9_loses_no_committed_batch() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        child_writer(&dir);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "kill_9_loses_no_committed_batch", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut last = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("committed ") {
            let n: usize = n.parse().unwrap();
            last = Some(n);
            if n >= 300 {
                break;
            }
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // Lines still in the pipe were printed after their commit, so they count too.
    for line in lines {
        if let Some(n) = line.unwrap().strip_prefix("committed ") {
            last = Some(n.parse().unwrap());
        }
    }
    let last = last.expect("the child committed nothing");
    assert!(last >= 300);

    let db = Db::open(dir.path(), opts(4 * 32 * 1024)).unwrap();
    let got = read_all(&db);
    for b in 0..=last {
        assert!(has_batch(&got, b, SERIES), "batch {b} of {last} lost");
    }
    // At most the batch in flight may be there beyond the last reported one, and only whole.
    if any_of_batch(&got, last + 1) {
        assert!(has_batch(&got, last + 1, SERIES));
    }
    assert!(!any_of_batch(&got, last + 2));
    assert!(db.wal().unwrap().segments().unwrap().len() > 2);
}
