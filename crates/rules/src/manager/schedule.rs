//! Where a group's evaluations fall in time, as Prometheus places them, so klaxon's rule
//! series carry the very timestamps Prometheus would write for the same file and group.
//!
//! Each group gets a fixed offset inside its interval, derived from a hash of its file and
//! name (spreading groups over the interval); its evaluation timestamps are the "slots"
//! `k * interval + offset`, never the wall-clock time an evaluation happened to start.

use model::labels::Labels;

/// The group's offset inside its interval, in ns: xxHash64 of the label set
/// `{file=<file>, name=<name>}` in Prometheus' `stringlabels` encoding, modulo the interval.
pub fn offset_ns(file: &str, name: &str, interval_ns: i64) -> i64 {
    if interval_ns <= 0 {
        return 0;
    }
    let hash = Labels::from_pairs([("file", file), ("name", name)]).hash_stringlabels();
    // The remainder is below `interval_ns`, which fits in an i64.
    i64::try_from(hash % interval_ns.unsigned_abs()).unwrap_or(0)
}

/// The latest slot at or before `now_ns` (upstream's `EvalTimestamp`): align `now - offset`
/// down to the interval, then add the offset back.
pub fn slot_at_or_before(now_ns: i64, offset_ns: i64, interval_ns: i64) -> i64 {
    if interval_ns <= 0 {
        return now_ns;
    }
    let adjusted = now_ns - offset_ns;
    // Go's `%` truncates towards zero, as Rust's does; times before 1970 are not a concern.
    adjusted - adjusted % interval_ns + offset_ns
}

/// After a tick: how many slots were skipped since the last evaluated slot `last_ns`
/// (upstream: `floor((now - last) / interval) - 1`). Upstream can get -1 when a tick comes
/// early against the wall clock and then evaluates the same slot twice; klaxon clamps to 0,
/// so the next evaluation is always the next slot.
pub fn missed_slots(now_ns: i64, last_ns: i64, interval_ns: i64) -> i64 {
    if interval_ns <= 0 {
        return 0;
    }
    ((now_ns - last_ns) / interval_ns - 1).max(0)
}

/// Evaluation timestamps are passed on in ms, truncated as Go's `timestamp.FromTime` does.
pub fn ns_to_ms(ns: i64) -> i64 {
    ns.div_euclid(1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000_000_000;

    #[test]
    fn slot_is_at_or_before_now_and_keeps_the_offset() {
        let off = 17_123_456_789;
        for now in [off, off + 1, MIN + off - 1, MIN + off, 5 * MIN + 3, 1_700_000_000_123_456_789]
        {
            let s = slot_at_or_before(now, off, MIN);
            assert!(s <= now, "{s} > {now}");
            assert!(now - s < MIN);
            assert_eq!((s - off).rem_euclid(MIN), 0);
        }
    }

    #[test]
    fn missed_counts_whole_skipped_intervals() {
        assert_eq!(missed_slots(MIN, 0, MIN), 0);
        assert_eq!(missed_slots(MIN + 1, 0, MIN), 0);
        assert_eq!(missed_slots(2 * MIN + 5, 0, MIN), 1);
        assert_eq!(missed_slots(MIN - 1, 0, MIN), 0);
    }

    #[test]
    fn offset_is_inside_the_interval() {
        let o = offset_ns("rules.yml", "g", MIN);
        assert!((0..MIN).contains(&o));
        assert_eq!(offset_ns("a", "b", 0), 0);
    }
}
