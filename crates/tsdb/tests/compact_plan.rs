//! Table tests of the compaction plan, the level ranges and the retention selections.

// Test helpers outside #[test] functions unwrap too: a failed setup should stop the test.
#![allow(clippy::unwrap_used)]

use tsdb::block::{BlockMeta, BlockStats};
use tsdb::compact::retention::{beyond_size, beyond_time};
use tsdb::compact::{compaction_ranges, exponential_block_ranges, plan};

fn meta(id: &str, min_time: i64, max_time: i64) -> BlockMeta {
    BlockMeta {
        ulid: id.to_string(),
        min_time,
        max_time,
        stats: BlockStats::default(),
        version: 1,
        compaction: None,
    }
}

/// Name, blocks (id, min time, max time), ids the plan picks.
type Case = (&'static str, &'static [(&'static str, i64, i64)], &'static [&'static str]);

#[test]
fn plan_table() {
    let ranges = [20, 60, 180, 540];
    let cases: &[Case] = &[
        ("nothing", &[], &[]),
        ("one block", &[("a", 0, 20)], &[]),
        ("two blocks: the newest is left alone", &[("a", 0, 20), ("b", 20, 40)], &[]),
        ("three: two do not fill 60 yet", &[("a", 0, 20), ("b", 20, 40), ("c", 40, 60)], &[]),
        (
            "four: the first three fill 60",
            &[("a", 0, 20), ("b", 20, 40), ("c", 40, 60), ("d", 60, 80)],
            &["a", "b", "c"],
        ),
        (
            "a filled range with a gap",
            &[("a", 0, 20), ("c", 40, 60), ("d", 60, 80), ("e", 180, 200)],
            &["a", "c"],
        ),
        (
            "a group before the newest block's start",
            &[("a", 0, 20), ("b", 20, 40), ("c", 60, 80), ("e", 200, 220)],
            &["a", "b"],
        ),
        (
            "next level: three 60s fill 180",
            &[("a", 0, 60), ("b", 60, 120), ("c", 120, 180), ("d", 180, 200)],
            &["a", "b", "c"],
        ),
        ("bigger blocks not yet filling 180", &[("a", 0, 60), ("b", 60, 80), ("c", 80, 100)], &[]),
        (
            "misaligned blocks reaching past their range are skipped",
            &[
                ("a", 50, 70),
                ("b", 70, 80),
                ("c", 80, 100),
                ("d", 100, 120),
                ("e", 120, 140),
                ("f", 300, 320),
            ],
            &["b", "c", "d"],
        ),
        (
            "overlapping blocks first, whatever their age",
            &[("a", 0, 20), ("b", 10, 30), ("c", 40, 60), ("d", 60, 80), ("e", 80, 100)],
            &["a", "b"],
        ),
        (
            "overlap with the newest block",
            &[("a", 0, 20), ("b", 20, 40), ("c", 30, 50)],
            &["b", "c"],
        ),
        ("a block inside another", &[("a", 0, 60), ("b", 20, 40), ("c", 60, 80)], &["a", "b"]),
        (
            "negative times align downwards",
            &[("a", -60, -40), ("b", -40, -20), ("c", -20, 0), ("d", 0, 20)],
            &["a", "b", "c"],
        ),
    ];
    for (name, blocks, want) in cases {
        let metas: Vec<BlockMeta> = blocks.iter().map(|&(id, a, b)| meta(id, a, b)).collect();
        // Input order must not matter.
        let mut reversed = metas.clone();
        reversed.reverse();
        let want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        assert_eq!(plan(&metas, &ranges), want, "{name}");
        assert_eq!(plan(&reversed, &ranges), want, "{name} (reversed input)");
    }
    // A single level never merges adjacent blocks.
    let metas = [meta("a", 0, 20), meta("b", 20, 40), meta("c", 40, 60), meta("d", 60, 80)];
    assert!(plan(&metas, &[20]).is_empty());
}

#[test]
fn ranges_grow_by_three_up_to_a_tenth_of_retention() {
    const H: i64 = 3600 * 1000;
    assert_eq!(exponential_block_ranges(2, 4, 3), vec![2, 6, 18, 54]);
    // 15 d retention: 1.5 d cap.
    assert_eq!(compaction_ranges(2 * H, 15 * 24 * H), vec![2 * H, 6 * H, 18 * H]);
    // No retention: 31 d cap.
    assert_eq!(compaction_ranges(2 * H, 0), vec![2 * H, 6 * H, 18 * H, 54 * H, 162 * H, 486 * H]);
    // 1 y retention: still 31 d.
    assert_eq!(compaction_ranges(2 * H, 365 * 24 * H).last(), Some(&(486 * H)));
    // Tiny retention: at least the block range.
    assert_eq!(compaction_ranges(2 * H, H), vec![2 * H]);
}

#[test]
fn time_retention_table() {
    let blocks = [meta("a", 0, 10), meta("b", 10, 20), meta("c", 20, 30), meta("d", 30, 40)];
    let ids = |v: Vec<String>| v.join(",");
    assert_eq!(ids(beyond_time(&blocks, 0)), "");
    assert_eq!(ids(beyond_time(&blocks, 100)), "");
    // Newest max 40: "c" (30) is 10 older, "b" (20) 20 older.
    assert_eq!(ids(beyond_time(&blocks, 20)), "b,a");
    assert_eq!(ids(beyond_time(&blocks, 10)), "c,b,a");
    // The newest block is never deleted, even with a tiny retention.
    assert_eq!(ids(beyond_time(&blocks, 1)), "c,b,a");
    assert_eq!(ids(beyond_time(&blocks[..1], 1)), "");
}

#[test]
fn size_retention_table() {
    let blocks = [meta("a", 0, 10), meta("b", 10, 20), meta("c", 20, 30)];
    let size = |_: &str| 100u64;
    let ids = |v: Vec<String>| v.join(",");
    assert_eq!(ids(beyond_size(&blocks, &size, 0, 0)), "");
    assert_eq!(ids(beyond_size(&blocks, &size, 0, 300)), "");
    assert_eq!(ids(beyond_size(&blocks, &size, 0, 299)), "a");
    assert_eq!(ids(beyond_size(&blocks, &size, 0, 200)), "a");
    // The WAL counts first.
    assert_eq!(ids(beyond_size(&blocks, &size, 50, 200)), "b,a");
    // Even the newest goes when it alone is too big.
    assert_eq!(ids(beyond_size(&blocks, &size, 0, 50)), "c,b,a");
}
