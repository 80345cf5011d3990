//! Memory per series while scraping: appends the synthetic exporter's 100k series
//! (`scripts/lib/synthetic_exporter.py`: 10 targets × 10k series, counters, gauges and a classic
//! histogram, with `job` and `instance` as scraping adds them) to a [`Db`] with its WAL, one
//! appender and commit per target and scrape as the scrape loops do, and prints the heap bytes
//! per series counted by a wrapping allocator, plus the process RSS (which adds the allocator's
//! own overhead and fragmentation).
//!
//! The label sets are built once and kept, as the scrape cache keeps them; the store shares
//! them (a clone is a reference count), so they are reported on their own line.
//!
//! `cargo bench -p klaxon-tsdb --bench head_memory` (env: `SERIES` per target, default 10000;
//! `TARGETS`, default 10; `SCRAPES`, default 40, i.e. ten minutes at 15 s; `BLOCK_MS`, default
//! five minutes, the side-by-side script's block range; `MAINTAIN=0` skips the head cuts).

// A benchmark, not an input path: a failed setup should stop it loudly.
#![allow(clippy::unwrap_used)]

use std::alloc::System;
use std::time::Instant;

use cap::Cap;
use model::labels::Labels;
use model::storage::Appendable;
use tsdb::{Db, DbOptions};

#[global_allocator]
static ALLOC: Cap<System> = Cap::new(System, usize::MAX);

const INTERVAL_MS: i64 = 15_000;

fn env(name: &str, default: i64) -> i64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The process' resident set, from /proc (0 where there is none).
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// One target's series as the exporter exposes them, with the target labels added.
fn target_series(target: usize, n: usize) -> Vec<(Labels, Kind)> {
    let instance = format!("127.0.0.1:{}", 30000 + target);
    let mut out = Vec::with_capacity(n);
    let with_target = |mut pairs: Vec<(&str, String)>| {
        pairs.push(("job", "synth".into()));
        pairs.push(("instance", instance.clone()));
        Labels::from_pairs(pairs)
    };
    let counters = n * 6 / 10;
    let gauges = n * 3 / 10;
    for i in 0..counters {
        let l = with_target(vec![
            ("__name__", "synth_requests_total".into()),
            ("path", format!("/p{}", i / 5)),
            ("code", format!("{}", 200 + i % 5)),
        ]);
        out.push((l, Kind::Counter(i)));
    }
    for i in 0..gauges {
        let l =
            with_target(vec![("__name__", "synth_queue_depth".into()), ("queue", format!("q{i}"))]);
        out.push((l, Kind::Gauge));
    }
    let les = ["0.005", "0.01", "0.05", "0.1", "0.5", "1", "5", "+Inf"];
    for h in 0..((n - counters - gauges) / (les.len() + 2)).max(1) {
        for (j, le) in les.iter().enumerate() {
            let l = with_target(vec![
                ("__name__", "synth_latency_seconds_bucket".into()),
                ("handler", format!("h{h}")),
                ("le", (*le).into()),
            ]);
            out.push((l, Kind::Bucket(h % 5 + j + 1)));
        }
        for (suffix, kind) in [("sum", Kind::Sum(h)), ("count", Kind::Bucket(h % 5 + 8))] {
            let l = with_target(vec![
                ("__name__", format!("synth_latency_seconds_{suffix}")),
                ("handler", format!("h{h}")),
            ]);
            out.push((l, kind));
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Kind {
    Counter(usize),
    Gauge,
    Bucket(usize),
    Sum(usize),
}

/// A small deterministic generator for the gauges.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn value(kind: Kind, tick: i64, salt: u64) -> f64 {
    match kind {
        Kind::Counter(i) => ((i % 97 + 1) as i64 * tick + (i as i64 * 7 + tick) % 3) as f64,
        Kind::Gauge => {
            let r = (mix(salt ^ (tick as u64) << 20) % 10_000) as f64 / 10_000.0;
            ((50.0 + 40.0 * r) * 100.0).round() / 100.0
        }
        Kind::Bucket(step) => (step as i64 * tick) as f64,
        Kind::Sum(h) => ((h % 5 + 1) as i64 * tick) as f64 * 0.07,
    }
}

fn per_series(bytes: usize, series: usize) -> f64 {
    bytes as f64 / series.max(1) as f64
}

fn main() {
    let per_target = env("SERIES", 10_000) as usize;
    let targets = env("TARGETS", 10) as usize;
    let scrapes = env("SCRAPES", 40);
    let block_ms = env("BLOCK_MS", 5 * 60 * 1000);
    let maintain = env("MAINTAIN", 1) != 0;

    let dir = tempfile::tempdir().unwrap();
    let base = ALLOC.allocated();
    let series: Vec<Vec<(Labels, Kind)>> =
        (0..targets).map(|t| target_series(t, per_target)).collect();
    for s in series.iter().flatten() {
        s.0.hash(); // remembered in the set, as the scrape path's lookups do
    }
    let n: usize = series.iter().map(Vec::len).sum();
    let labels_bytes = ALLOC.allocated() - base;

    let opts = DbOptions { block_duration_ms: block_ms, ..DbOptions::default() };
    let db = Db::open(dir.path(), opts).unwrap();
    let before_db = ALLOC.allocated();
    let rss_before = rss_bytes();
    let started = Instant::now();
    let mut after_first = 0;
    // Start well after 0 so that block alignment looks like real time.
    let t0 = 1_700_000_000_000 - 1_700_000_000_000 % block_ms;
    for k in 0..scrapes {
        let tick = 113_000_000 + k;
        for (ti, target) in series.iter().enumerate() {
            let t = t0 + k * INTERVAL_MS + ti as i64 * 37;
            let mut app = db.appender();
            for (si, (l, kind)) in target.iter().enumerate() {
                let salt = (ti as u64) << 32 | si as u64;
                app.append(l, t, value(*kind, tick, salt)).unwrap();
            }
            app.commit().unwrap();
        }
        if k == 0 {
            after_first = ALLOC.allocated() - before_db;
        }
        if maintain && k % 4 == 3 {
            db.maintain().unwrap();
        }
    }
    let elapsed = started.elapsed();
    let now = ALLOC.allocated() - before_db;
    let peak = ALLOC.max_allocated().saturating_sub(before_db);
    let stats = db.head().stats();

    println!(
        "{n} series ({targets} targets × {per_target}), {scrapes} scrapes, blocks {block_ms} ms"
    );
    println!(
        "  label sets (shared with the scrape cache): {:>8.1} B/series",
        per_series(labels_bytes, n)
    );
    println!(
        "  store after the first scrape:             {:>8.1} B/series",
        per_series(after_first, n)
    );
    println!("  store after the last scrape:              {:>8.1} B/series", per_series(now, n));
    println!("  store peak (heap high-water mark):        {:>8.1} B/series", per_series(peak, n));
    println!(
        "    of which chunks {:.1} B/series ({:.2} B/sample over {} samples), postings ≈ {:.1} B/series",
        per_series(stats.chunk_bytes as usize, n),
        stats.bytes_per_sample(),
        stats.num_samples,
        per_series(stats.index_bytes as usize, n),
    );
    println!(
        "  process RSS grew by {:.1} MB ({:.1} B/series); appends took {:.2?}; blocks: {}",
        rss_bytes().saturating_sub(rss_before) as f64 / 1e6,
        per_series(rss_bytes().saturating_sub(rss_before) as usize, n),
        elapsed,
        db.blocks().len(),
    );
}
